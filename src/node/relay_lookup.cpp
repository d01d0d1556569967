#include "node/relay_lookup.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "node/http_client.hpp"
#include "node/metrics.hpp"

namespace sharemsg::node {

namespace {

// A registration may be up to the relay's freshness window (5 minutes) old when it arrives and
// lives 5 minutes there without a refresh; one from further ahead than that is refused too.
constexpr double kMaxAhead = 300;

const char* outcome_label(RelayLookup::Outcome o) {
    switch (o) {
        case RelayLookup::Outcome::found:
            return "result=\"found\"";
        case RelayLookup::Outcome::not_found:
            return "result=\"not_found\"";
        case RelayLookup::Outcome::no_relay:
            return "result=\"no_relay\"";
        case RelayLookup::Outcome::busy:
            return "result=\"busy\"";
        case RelayLookup::Outcome::rate_limited:
            return "result=\"rate_limited\"";
    }
    return "";
}

}  // namespace

std::unique_ptr<RelayLookup> RelayLookup::start(RelayLookupOptions o,
                                                std::shared_ptr<RelayTargets> relays,
                                                std::optional<relay::MasterHash> own, Clock clock,
                                                Metrics& metrics, Dial dial) {
    auto l = std::unique_ptr<RelayLookup>(new RelayLookup(
        std::move(o), std::move(relays), own, std::move(clock), metrics, std::move(dial)));
    l->thread_ = std::thread([p = l.get()] { p->run(); });
    return l;
}

RelayLookup::RelayLookup(RelayLookupOptions o, std::shared_ptr<RelayTargets> relays,
                         std::optional<relay::MasterHash> own, Clock clock, Metrics& metrics,
                         Dial dial)
    : o_(std::move(o)),
      relays_(std::move(relays)),
      own_(own),
      clock_(std::move(clock)),
      metrics_(metrics),
      dial_(std::move(dial)),
      api_budget_(o_.requests_per_minute, 1) {}

RelayLookup::~RelayLookup() {
    stop();
}

void RelayLookup::stop() {
    std::deque<std::pair<PeerQuery, Done>> left;
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        left.swap(requests_);
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    for (auto& [q, done] : left)
        done(Answer{Outcome::busy, std::nullopt, "the node is stopping"});
}

void RelayLookup::set_window(std::set<relay::MasterHash> payouts) {
    {
        std::lock_guard lk(mu_);
        if (window_known_ && payouts == window_) return;
        window_ = std::move(payouts);
        window_known_ = true;
    }
    cv_.notify_all();
}

void RelayLookup::request(const PeerQuery& q, Done done) {
    if (auto p = directory_.find(q, clock_())) {
        metrics_.inc("sharemsg_relay_client_requests_total", "result=\"cached\"");
        return done(Answer{Outcome::found, std::move(p), ""});
    }
    if (unsigned retry = 0; !api_budget_.take("api", clock_(), retry)) {
        metrics_.inc("sharemsg_relay_client_requests_total", outcome_label(Outcome::rate_limited));
        return done(Answer{Outcome::rate_limited, std::nullopt,
                           "at most " + std::to_string(o_.requests_per_minute) +
                               " lookups a minute go to the relays",
                           retry});
    }
    {
        std::lock_guard lk(mu_);
        if (!stopping_ && requests_.size() < o_.max_requests) {
            requests_.emplace_back(q, std::move(done));
            cv_.notify_all();
            return;
        }
    }
    metrics_.inc("sharemsg_relay_client_requests_total", "result=\"busy\"");
    done(Answer{Outcome::busy, std::nullopt, "too many lookups are waiting"});
}

void RelayLookup::run() {
    double next_round = 0;  // the first round as soon as a window is known
    for (;;) {
        std::deque<std::pair<PeerQuery, Done>> asked;
        bool do_round = false;
        {
            std::unique_lock lk(mu_);
            auto ready = [&] {
                return stopping_ || !requests_.empty() || (window_known_ && clock_() >= next_round);
            };
            if (window_known_)
                cv_.wait_for(
                    lk, std::chrono::duration<double>(std::max(0.0, next_round - clock_())), ready);
            else
                cv_.wait(lk, ready);
            if (stopping_) return;
            asked.swap(requests_);
            do_round = window_known_ && clock_() >= next_round;
        }
        serve(asked);
        if (do_round) {
            round();
            next_round = clock_() + o_.interval;
        }
    }
}

void RelayLookup::serve(std::deque<std::pair<PeerQuery, Done>>& asked) {
    for (auto& [q, done] : asked) {
        bool stopping = false;
        {
            std::lock_guard lk(mu_);
            stopping = stopping_;
        }
        if (stopping) {
            done(Answer{Outcome::busy, std::nullopt, "the node is stopping"});
            continue;
        }
        auto a = look_up(q);
        metrics_.inc("sharemsg_relay_client_requests_total", outcome_label(a.outcome));
        done(std::move(a));
    }
}

void RelayLookup::round() {
    std::set<relay::MasterHash> window;
    {
        std::lock_guard lk(mu_);
        window = window_;
    }
    if (own_) window.erase(*own_);
    std::size_t asked = 0;
    for (const auto& m : window) {
        const PeerQuery q{PeerQuery::By::miner, m};
        const double now = clock_();
        if (directory_.find(q, now) || directory_.missed(q, now)) continue;
        if (asked++ >= o_.per_round) break;
        (void)look_up(q);
        std::deque<std::pair<PeerQuery, Done>> waiting;  // the API's lookups go first
        {
            std::lock_guard lk(mu_);
            if (stopping_) return;
            waiting.swap(requests_);
        }
        serve(waiting);
    }
    std::vector<relay::Endpoint> eps;
    const double now = clock_();
    for (const auto& m : window)
        if (auto p = directory_.find(PeerQuery{PeerQuery::By::miner, m}, now))
            eps.insert(eps.end(), p->registration.endpoints.begin(),
                       p->registration.endpoints.end());
    metrics_.set("sharemsg_relay_client_known_peers", "", static_cast<double>(directory_.size()));
    if (!eps.empty()) dial_(std::move(eps));
}

RelayLookup::Answer RelayLookup::look_up(const PeerQuery& q) {
    std::string whys;
    bool any_asked = false, any_answered = false;
    for (std::size_t i = 0; i < relays_->size(); ++i) {
        const auto& url = relays_->address(i).url;
        if (!whys.empty()) whys += "; ";
        if (!relays_->usable(i, clock_())) {
            whys += url + ": its circuit is open";
            continue;
        }
        any_asked = true;
        std::string why;
        bool answered = false;
        auto e = ask(i, q, why, answered);
        any_answered = any_answered || answered;
        if (e) {
            const double now = clock_();
            std::uniform_real_distribution<double> ttl(o_.ttl_min, o_.ttl_max);
            KnownPeer p{std::move(e->registration), url, now, now + ttl(rng_)};
            directory_.put(p);
            metrics_.inc("sharemsg_relay_client_lookups_total", "result=\"found\"");
            return Answer{Outcome::found, std::move(p), ""};
        }
        whys += url + ": " + why;
    }
    if (!any_asked) return Answer{Outcome::no_relay, std::nullopt, whys};
    if (any_answered) directory_.miss(q, clock_() + o_.miss_ttl);
    metrics_.inc("sharemsg_relay_client_lookups_total", "result=\"not_found\"");
    return Answer{Outcome::not_found, std::nullopt, whys};
}

std::optional<relay::Entry> RelayLookup::ask(std::size_t i, const PeerQuery& q, std::string& why,
                                             bool& answered) {
    const auto& a = relays_->address(i);
    HttpCall call;
    call.host = a.host;
    call.port = a.port;
    call.target = std::string(q.by == PeerQuery::By::miner ? "/relay/miner/" : "/relay/lookup/") +
                  to_hex(o_.network) + "/" + to_hex(q.id);
    call.timeout = o_.timeout;
    const auto res = http_call(call);
    auto failed = [&](std::string reason) -> std::optional<relay::Entry> {
        why = std::move(reason);
        if (relays_->failed(i, RelayTargets::Use::lookup, why, clock_())) {
            spdlog::warn("relay {}: failed in a row ({}); its circuit is open", a.url, why);
            metrics_.inc("sharemsg_relay_client_breaker_opened_total");
        }
        return std::nullopt;
    };
    const auto reply = classify_reply(res);
    if (reply.kind == RelayReply::Kind::failed) return failed(reply.why);
    if (reply.kind == RelayReply::Kind::refused) {
        answered = true;
        if (reply.error == relay::problem_name(relay::Problem::not_found)) {
            relays_->succeeded(i, RelayTargets::Use::lookup, clock_());
            why = "not found";
        } else {
            relays_->refused(i, RelayTargets::Use::lookup, reply.why);
            why = reply.why;
        }
        return std::nullopt;
    }
    auto e = relay::decode_entry(res->body);
    if (!e) return failed("its answer does not decode: " + e.failure().detail);
    if (auto bad = check(*e, q)) return failed("its answer does not check: " + *bad);
    relays_->succeeded(i, RelayTargets::Use::lookup, clock_());
    answered = true;
    return std::move(*e);
}

std::optional<std::string> RelayLookup::check(const relay::Entry& e, const PeerQuery& q) const {
    const auto& r = e.registration;
    if (r.network != o_.network) return "another network's registration";
    if (q.by == PeerQuery::By::miner ? r.master_hash() != q.id : r.signing_id() != q.id)
        return "the registration of another identity";
    if (!relay::signature_ok(r)) return "a bad signature";
    if (!relay::delegation_ok(r)) return "a bad delegation";
    const double now = clock_();
    if (static_cast<double>(r.timestamp) + o_.max_age < now) return "a stale registration";
    if (static_cast<double>(r.timestamp) > now + kMaxAhead) return "a registration from the future";
    return std::nullopt;
}

}  // namespace sharemsg::node
