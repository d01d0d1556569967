#include "node/relay_registrar.hpp"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "node/http_client.hpp"
#include "node/metrics.hpp"

namespace sharemsg::node {

namespace {

const char* state_name(int s) {
    static constexpr const char* kNames[] = {"new", "ok", "failing", "open"};
    return kNames[s];
}

}  // namespace

Result<std::unique_ptr<RelayRegistrar>> RelayRegistrar::start(RegistrarOptions o, Identity identity,
                                                              Clock clock, Metrics& metrics) {
    std::vector<Target> targets;
    for (const auto& url : o.urls) {
        constexpr std::string_view scheme = "http://";
        std::string rest = url.rfind(scheme, 0) == 0 ? url.substr(scheme.size()) : "";
        while (!rest.empty() && rest.back() == '/')
            rest.pop_back();
        auto hp = parse_host_port(rest);
        if (rest.empty() || !hp || rest.find('/') != std::string::npos)
            return make_error(Errc::invalid_argument,
                              "--relay-url " + url + ": need http://HOST:PORT");
        Target t;
        t.url = url;
        t.host = hp->first;
        t.port = hp->second;
        targets.push_back(std::move(t));
    }
    auto r = std::unique_ptr<RelayRegistrar>(new RelayRegistrar(
        std::move(o), std::move(identity), std::move(clock), metrics, std::move(targets)));
    r->thread_ = std::thread([p = r.get()] { p->run(); });
    return r;
}

RelayRegistrar::RelayRegistrar(RegistrarOptions o, Identity identity, Clock clock, Metrics& metrics,
                               std::vector<Target> targets)
    : o_(std::move(o)),
      identity_(std::move(identity)),
      clock_(std::move(clock)),
      metrics_(metrics),
      targets_(std::move(targets)) {}

RelayRegistrar::~RelayRegistrar() {
    stop();
}

void RelayRegistrar::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

double RelayRegistrar::jittered() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    std::uniform_real_distribution<double> d(1 - o_.jitter, 1 + o_.jitter);
    return o_.interval * d(rng);
}

bool RelayRegistrar::wait(double seconds) {
    std::unique_lock lk(mu_);
    return !cv_.wait_for(lk, std::chrono::duration<double>(seconds), [&] { return stopping_; });
}

void RelayRegistrar::run() {
    for (;;) {
        for (std::size_t i = 0; i < targets_.size(); ++i) {
            Target t;
            {
                std::lock_guard lk(mu_);
                if (stopping_) return;
                t = targets_[i];
            }
            if (t.state == Target::State::open && clock_() < t.open_until) continue;
            if (!round(t)) return;
            std::lock_guard lk(mu_);
            targets_[i] = std::move(t);
        }
        const double pause = jittered();
        {
            std::lock_guard lk(mu_);
            for (auto& t : targets_)
                t.next = clock_() + pause;
        }
        if (!wait(pause)) return;
    }
}

bool RelayRegistrar::round(Target& t) {
    double backoff = o_.first_backoff;
    for (unsigned attempt = 0; attempt < o_.tries; ++attempt) {
        if (attempt > 0) {
            if (!wait(backoff)) return false;
            backoff = std::min(30.0, backoff * 2);
        }
        auto why = try_once(t);
        if (!why) {
            if (t.state != Target::State::ok) spdlog::info("relay {}: registered", t.url);
            t.state = Target::State::ok;
            t.failures = 0;
            ++t.registrations;
            t.last_ok = clock_();
            metrics_.inc("sharemsg_relay_client_registrations_total", "result=\"ok\"");
            return true;
        }
        metrics_.inc("sharemsg_relay_client_registrations_total", "result=\"failed\"");
        t.last_error = *why;
        ++t.failures;
        if (t.failures >= o_.breaker_after) {
            if (t.state != Target::State::open)
                spdlog::warn("relay {}: {} failures in a row ({}); left alone for {} s", t.url,
                             t.failures, *why, o_.breaker_cooldown);
            t.state = Target::State::open;
            t.open_until = clock_() + o_.breaker_cooldown;
            metrics_.inc("sharemsg_relay_client_breaker_opened_total");
            return true;
        }
        t.state = Target::State::failing;
        spdlog::debug("relay {}: try {} failed: {}", t.url, attempt + 1, *why);
    }
    return true;
}

std::optional<std::string> RelayRegistrar::try_once(const Target& t) {
    auto id = identity_();
    if (!id) return "this node has no bound signing key";
    relay::Registration r;
    r.network = o_.network;
    r.signing_pubkey = id->announcement.signing_pubkey;
    r.key_index = id->announcement.key_index;
    r.delegation = id->announcement.delegation();
    r.endpoints = o_.endpoints;
    r.nat = o_.nat;
    r.timestamp = static_cast<std::uint64_t>(clock_());
    relay::sign(r, id->key.privkey());
    HttpCall call;
    call.host = t.host;
    call.port = t.port;
    call.method = "POST";
    call.target = "/relay/register";
    call.body = relay::encode_registration(r);
    call.timeout = std::chrono::milliseconds(5000);
    auto res = http_call(call);
    if (!res) return res.error().reason;
    if (res->status == 200) return std::nullopt;
    const auto j = nlohmann::json::parse(res->body, nullptr, false);
    const std::string error = j.is_object() ? j.value("error", "") : "";
    return "HTTP " + std::to_string(res->status) + (error.empty() ? "" : " " + error);
}

nlohmann::ordered_json RelayRegistrar::state() const {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    std::lock_guard lk(mu_);
    for (const auto& t : targets_) {
        nlohmann::ordered_json j;
        j["url"] = t.url;
        j["state"] = state_name(static_cast<int>(t.state));
        j["failures"] = t.failures;
        j["registrations"] = t.registrations;
        j["last_ok"] = t.last_ok > 0 ? nlohmann::ordered_json(t.last_ok) : nlohmann::ordered_json();
        j["last_error"] = t.last_error;
        j["next"] = t.state == Target::State::open ? t.open_until : t.next;
        a.push_back(std::move(j));
    }
    return a;
}

}  // namespace sharemsg::node
