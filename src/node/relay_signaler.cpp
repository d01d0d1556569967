#include "node/relay_signaler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "crypto/hash.hpp"
#include "node/http_client.hpp"
#include "node/metrics.hpp"

namespace sharemsg::node {

namespace {

constexpr const char* kSignals = "sharemsg_relay_client_signals_total";
// Digests of received signals kept against repeats; past this, one is forgotten for each new.
constexpr std::size_t kMaxSeen = 4096;

}  // namespace

std::unique_ptr<RelaySignaler> RelaySignaler::start(SignalerOptions o,
                                                    std::shared_ptr<RelayTargets> relays,
                                                    Identity identity, Authorized authorized,
                                                    Clock clock, Metrics& metrics,
                                                    Deliver deliver) {
    auto s = std::unique_ptr<RelaySignaler>(
        new RelaySignaler(std::move(o), std::move(relays), std::move(identity),
                          std::move(authorized), std::move(clock), metrics, std::move(deliver)));
    s->thread_ = std::thread([p = s.get()] { p->run(); });
    return s;
}

RelaySignaler::RelaySignaler(SignalerOptions o, std::shared_ptr<RelayTargets> relays,
                             Identity identity, Authorized authorized, Clock clock,
                             Metrics& metrics, Deliver deliver)
    : o_(std::move(o)),
      relays_(std::move(relays)),
      identity_(std::move(identity)),
      authorized_(std::move(authorized)),
      clock_(std::move(clock)),
      metrics_(metrics),
      deliver_(std::move(deliver)) {}

RelaySignaler::~RelaySignaler() {
    stop();
}

void RelaySignaler::stop() {
    std::deque<std::pair<relay::Signal, SentFn>> left;
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        left.swap(sends_);
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    for (auto& [s, done] : left)
        if (done) done(Sent{0, "the node is stopping"});
}

bool RelaySignaler::stopping() {
    std::lock_guard lk(mu_);
    return stopping_;
}

void RelaySignaler::send(relay::Signal s, SentFn done) {
    {
        std::lock_guard lk(mu_);
        if (!stopping_ && sends_.size() < o_.max_sends) {
            sends_.emplace_back(std::move(s), std::move(done));
            cv_.notify_all();
            return;
        }
    }
    metrics_.inc(kSignals, "result=\"busy\"");
    if (done) done(Sent{0, "too many signals are waiting to be sent"});
}

void RelaySignaler::set_armed(bool armed) {
    {
        std::lock_guard lk(mu_);
        if (armed && !armed_) poll_now_ = true;
        armed_ = armed;
    }
    cv_.notify_all();
}

void RelaySignaler::run() {
    auto next_poll = std::chrono::steady_clock::now();
    for (;;) {
        std::deque<std::pair<relay::Signal, SentFn>> sends;
        bool do_poll = false;
        {
            std::unique_lock lk(mu_);
            cv_.wait_until(lk, next_poll,
                           [&] { return stopping_ || !sends_.empty() || poll_now_; });
            if (stopping_) return;
            sends.swap(sends_);
            do_poll = poll_now_ || std::chrono::steady_clock::now() >= next_poll;
            poll_now_ = false;
        }
        for (auto& [s, done] : sends) {
            if (stopping()) {
                if (done) done(Sent{0, "the node is stopping"});
                continue;
            }
            auto sent = post(std::move(s));
            if (done) done(std::move(sent));
        }
        if (do_poll) {
            poll();
            bool armed = false;
            {
                std::lock_guard lk(mu_);
                armed = armed_;
            }
            next_poll = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(armed ? o_.poll_armed : o_.poll_idle));
        }
    }
}

RelaySignaler::Sent RelaySignaler::post(relay::Signal s) {
    Sent out;
    auto id = identity_();
    if (!id) {
        out.detail = "this node has no bound signing key";
        metrics_.inc(kSignals, "result=\"not_sent\"");
        return out;
    }
    s.version = relay::FORMAT_VERSION;
    s.network = o_.network;
    s.signing_pubkey = id->announcement.signing_pubkey;
    s.key_index = id->announcement.key_index;
    s.delegation = id->announcement.delegation();
    s.timestamp = static_cast<std::uint64_t>(clock_());
    relay::sign(s, id->key.privkey());
    const std::string body = relay::encode_signal(s);
    for (std::size_t i = 0; i < relays_->size(); ++i) {
        const auto& a = relays_->address(i);
        if (!out.detail.empty()) out.detail += "; ";
        if (!relays_->usable(i, clock_())) {
            out.detail += a.url + ": its circuit is open";
            continue;
        }
        HttpCall call;
        call.host = a.host;
        call.port = a.port;
        call.method = "POST";
        call.target = "/relay/signal";
        call.body = body;
        call.timeout = o_.timeout;
        const auto reply = classify_reply(http_call(call));
        if (reply.kind == RelayReply::Kind::ok) {
            ++out.stored;
            out.detail += a.url + ": stored";
        } else {
            out.detail += a.url + ": " + reply.why;
        }
    }
    metrics_.inc(kSignals, out.stored ? "result=\"sent\"" : "result=\"not_sent\"");
    if (!out.stored)
        spdlog::debug("signal {}: no relay took it ({})", to_hex(s.session), out.detail);
    return out;
}

void RelaySignaler::poll() {
    const double now = clock_();
    std::erase_if(seen_, [&](const auto& kv) { return kv.second < now; });
    auto id = identity_();
    if (!id) return;
    for (std::size_t i = 0; i < relays_->size(); ++i) {
        if (stopping()) return;
        if (relays_->usable(i, clock_())) poll_one(i, *id);
    }
}

void RelaySignaler::poll_one(std::size_t i, const RegistrarIdentity& id) {
    const auto& a = relays_->address(i);
    relay::SignalPoll p;
    p.network = o_.network;
    p.signing_pubkey = id.announcement.signing_pubkey;
    p.key_index = id.announcement.key_index;
    p.delegation = id.announcement.delegation();
    p.timestamp = static_cast<std::uint64_t>(clock_());
    const Bytes nonce = crypto::random_bytes(p.nonce.size());
    std::copy(nonce.begin(), nonce.end(), p.nonce.begin());
    relay::sign(p, id.key.privkey());
    HttpCall call;
    call.host = a.host;
    call.port = a.port;
    call.method = "POST";
    call.target = "/relay/signal/poll";
    call.body = relay::encode_poll(p);
    call.timeout = o_.timeout;
    const auto res = http_call(call);
    const auto reply = classify_reply(res);
    if (reply.kind != RelayReply::Kind::ok) {
        metrics_.inc("sharemsg_relay_client_signal_polls_total", "result=\"failed\"");
        spdlog::debug("relay {}: signal poll: {}", a.url, reply.why);
        return;
    }
    auto signals = relay::decode_poll_answer(res->body);
    if (!signals) {
        metrics_.inc("sharemsg_relay_client_signal_polls_total", "result=\"bad_answer\"");
        spdlog::warn("relay {}: its signal poll answer does not decode: {}", a.url,
                     signals.failure().detail);
        return;
    }
    metrics_.inc("sharemsg_relay_client_signal_polls_total", "result=\"ok\"");
    const relay::SigningId own = p.signing_id();
    for (const auto& s : *signals)
        receive(s, own);
}

void RelaySignaler::receive(const relay::Signal& s, const relay::SigningId& own) {
    const double now = clock_();
    if (auto f = relay::check_signal(s, o_.network, now, o_.skew, &own)) {
        metrics_.inc(kSignals, std::string("result=\"") + relay::problem_name(f->problem) + "\"");
        spdlog::debug("signal from {} dropped: {}", to_hex(s.sender_id()), f->detail);
        return;
    }
    if (!authorized_ || !authorized_(s.master_hash())) {
        metrics_.inc(kSignals, "result=\"unauthorized\"");
        spdlog::debug("signal from {} dropped: its master key is not authorized",
                      to_hex(s.sender_id()));
        return;
    }
    const auto digest = relay::signal_sighash(s);
    if (seen_.size() >= kMaxSeen && !seen_.count(digest)) seen_.erase(seen_.begin());
    if (!seen_.emplace(digest, now + o_.remember).second) {
        metrics_.inc(kSignals, "result=\"repeat\"");
        return;
    }
    metrics_.inc(kSignals, "result=\"received\"");
    deliver_(s);
}

}  // namespace sharemsg::node
