#include "node/relay_registrar.hpp"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "node/http_client.hpp"
#include "node/metrics.hpp"

namespace sharemsg::node {

std::unique_ptr<RelayRegistrar> RelayRegistrar::start(RegistrarOptions o,
                                                      std::shared_ptr<RelayTargets> relays,
                                                      Identity identity, Clock clock,
                                                      Metrics& metrics) {
    auto r = std::unique_ptr<RelayRegistrar>(new RelayRegistrar(
        std::move(o), std::move(relays), std::move(identity), std::move(clock), metrics));
    r->thread_ = std::thread([p = r.get()] { p->run(); });
    return r;
}

RelayRegistrar::RelayRegistrar(RegistrarOptions o, std::shared_ptr<RelayTargets> relays,
                               Identity identity, Clock clock, Metrics& metrics)
    : o_(std::move(o)),
      nat_(o_.nat),
      relays_(std::move(relays)),
      identity_(std::move(identity)),
      clock_(std::move(clock)),
      metrics_(metrics),
      registered_(relays_->size(), false) {}

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
        for (std::size_t i = 0; i < relays_->size(); ++i) {
            {
                std::lock_guard lk(mu_);
                if (stopping_) return;
            }
            if (!relays_->usable(i, clock_())) continue;
            if (!round(i)) return;
        }
        const double pause = jittered();
        for (std::size_t i = 0; i < relays_->size(); ++i)
            relays_->set_next_registration(i, clock_() + pause);
        if (!wait(pause)) return;
    }
}

bool RelayRegistrar::round(std::size_t i) {
    const auto& a = relays_->address(i);
    double backoff = o_.first_backoff;
    for (unsigned attempt = 0; attempt < o_.tries; ++attempt) {
        if (attempt > 0) {
            if (!wait(backoff)) return false;
            backoff = std::min(30.0, backoff * 2);
        }
        const auto reply = try_once(a);
        switch (reply.kind) {
            case RelayReply::Kind::ok:
                relays_->succeeded(i, RelayTargets::Use::registration, clock_());
                metrics_.inc("sharemsg_relay_client_registrations_total", "result=\"ok\"");
                if (!registered_[i]) spdlog::info("relay {}: registered", a.url);
                registered_[i] = true;
                return true;
            case RelayReply::Kind::refused:
                // The relay works and said no: the next round asks again.
                relays_->refused(i, RelayTargets::Use::registration, reply.why);
                metrics_.inc("sharemsg_relay_client_registrations_total", "result=\"refused\"");
                if (registered_[i]) spdlog::info("relay {}: refused ({})", a.url, reply.why);
                registered_[i] = false;
                return true;
            case RelayReply::Kind::failed:
                metrics_.inc("sharemsg_relay_client_registrations_total", "result=\"failed\"");
                registered_[i] = false;
                if (relays_->failed(i, RelayTargets::Use::registration, reply.why, clock_())) {
                    spdlog::warn("relay {}: failed in a row ({}); its circuit is open", a.url,
                                 reply.why);
                    metrics_.inc("sharemsg_relay_client_breaker_opened_total");
                }
                if (!relays_->usable(i, clock_())) return true;
                spdlog::debug("relay {}: try {} failed: {}", a.url, attempt + 1, reply.why);
                break;
        }
    }
    return true;
}

RelayReply RelayRegistrar::try_once(const RelayTargets::Address& t) {
    auto id = identity_();
    if (!id) return {RelayReply::Kind::refused, "", "this node has no bound signing key"};
    relay::Registration r;
    r.network = o_.network;
    r.signing_pubkey = id->announcement.signing_pubkey;
    r.key_index = id->announcement.key_index;
    r.delegation = id->announcement.delegation();
    r.endpoints = o_.endpoints;
    r.nat = nat_.load();
    r.timestamp = static_cast<std::uint64_t>(clock_());
    relay::sign(r, id->key.privkey());
    HttpCall call;
    call.host = t.host;
    call.port = t.port;
    call.method = "POST";
    call.target = "/relay/register";
    call.body = relay::encode_registration(r);
    call.timeout = std::chrono::milliseconds(5000);
    return classify_reply(http_call(call));
}

}  // namespace sharemsg::node
