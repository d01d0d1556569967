#include "node/direct_links.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "node/metrics.hpp"
#include "util/bytes.hpp"

namespace sharemsg::node {

namespace {

std::string short_id(const relay::SigningId& id) {
    return to_hex(id).substr(0, 12);
}

const char* state_name(int s) {
    static constexpr const char* kNames[] = {"idle", "connecting", "up", "failed"};
    return kNames[s];
}

const char* breaker_name(util::CircuitBreaker::State s) {
    static constexpr const char* kNames[] = {"new", "ok", "refused", "failing", "open"};
    return kNames[static_cast<int>(s)];
}

relay::SessionId random_session() {
    relay::SessionId s{};
    if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return s;
}

ice::Description description_of(const relay::Signal& s) {
    return ice::Description{s.ufrag, s.pwd, s.candidates, s.force_relay};
}

}  // namespace

const char* direct_error_name(DirectError e) {
    switch (e) {
        case DirectError::no_identity:
            return "no_identity";
        case DirectError::self:
            return "self";
        case DirectError::busy:
            return "busy";
        case DirectError::breaker_open:
            return "breaker_open";
        case DirectError::failed:
            return "failed";
        case DirectError::lost:
            return "lost";
        case DirectError::timeout:
            return "timeout";
        case DirectError::stopped:
            return "stopped";
    }
    return "unknown";
}

DirectLinks::DirectLinks(boost::asio::io_context& io, DirectOptions o, IdentityFn identity,
                         Signaling signaling, Clock clock, Metrics& metrics)
    : io_(io),
      o_(std::move(o)),
      identity_(std::move(identity)),
      signaling_(std::move(signaling)),
      clock_(std::move(clock)),
      metrics_(metrics) {
    ice_.emplace();
}

DirectLinks::~DirectLinks() {
    stop();
}

void DirectLinks::post(std::function<void()> fn) {
    boost::asio::post(io_, [alive = std::weak_ptr<char>(alive_), fn = std::move(fn)] {
        if (alive.lock()) fn();
    });
}

void DirectLinks::stop() {
    // Sessions close first (no ICE callback runs after close()), then the thread.
    for (auto& [id, p] : peers_)
        if (p.attempt && p.attempt->ice) p.attempt->ice->close();
    if (ice_) ice_->stop();
    stopped_ = true;
}

DirectLinks::Peer& DirectLinks::peer(const relay::SigningId& id) {
    auto [it, fresh] = peers_.try_emplace(id);
    if (fresh) {
        it->second.id = id;
        it->second.breaker = util::CircuitBreaker(o_.breaker);
        it->second.retry = std::make_unique<boost::asio::steady_timer>(io_);
    }
    return it->second;
}

std::size_t DirectLinks::sessions() const {
    std::size_t n = 0;
    for (const auto& [id, p] : peers_)
        n += p.attempt.has_value();
    return n;
}

DirectLinks::Attempt* DirectLinks::current(const relay::SigningId& id, const relay::SessionId& s) {
    auto it = peers_.find(id);
    if (it == peers_.end() || !it->second.attempt || it->second.attempt->session != s)
        return nullptr;
    return &*it->second.attempt;
}

void DirectLinks::ping(const relay::SigningId& id, PingDone done) {
    post([this, id, done = std::move(done)]() mutable {
        if (stopped_) return done({DirectError::stopped, "the node is stopping"});
        const auto local = identity_();
        if (!local) return done({DirectError::no_identity, "no signing key with its delegation"});
        if (local->key.signing_id() == id)
            return done({DirectError::self, "that is this node's own identity"});
        Peer& p = peer(id);
        if (p.state == State::up) return send_ping(p, std::move(done), 0);
        connect(p, [this, id, done = std::move(done)](std::optional<DirectError> e,
                                                      std::string detail) mutable {
            auto it = peers_.find(id);
            if (e || it == peers_.end()) return done({e, std::move(detail)});
            send_ping(it->second, std::move(done), it->second.tries);
        });
    });
}

void DirectLinks::connect(Peer& p, Waiter w) {
    if (p.state == State::connecting) {
        p.waiting.push_back(std::move(w));
        return;
    }
    if (!p.breaker.usable(clock_()))
        return w(DirectError::breaker_open,
                 "the last " + std::to_string(p.breaker.failures()) +
                     " tries failed; the next is allowed at " +
                     std::to_string(static_cast<std::int64_t>(p.breaker.open_until())));
    if (sessions() >= o_.max_sessions)
        return w(DirectError::busy, std::to_string(sessions()) + " sessions under way");
    p.waiting.push_back(std::move(w));
    p.state = State::connecting;
    p.tries = 0;
    start_try(p, false);
}

std::unique_ptr<ice::IceSession> DirectLinks::make_session(const relay::SigningId& id,
                                                           const relay::SessionId& s,
                                                           bool controlling, bool force_relay) {
    ice::IceOptions io;
    io.controlling = controlling;
    io.local_addresses = o_.local_addresses;
    io.stun_ip = o_.stun_ip;
    io.stun_port = o_.stun_port;
    if (force_relay) io.turn = o_.turn;
    io.force_relay = force_relay;
    io.connect_timeout = o_.connect_timeout;
    ice::IceCallbacks cb;
    cb.gathered = [this, id, s](const ice::Description& d) {
        post([this, id, s, d] { on_gathered(id, s, d); });
    };
    cb.ready = [this, id, s](const ice::Selected& sel) {
        post([this, id, s, sel] { on_ready(id, s, sel); });
    };
    cb.data = [this, id, s](ByteView b) {
        post([this, id, s, bytes = Bytes(b.begin(), b.end())] { on_data(id, s, bytes); });
    };
    cb.failed = [this, id, s](ice::IceError e) {
        post([this, id, s, e] { on_ice_failed(id, s, e); });
    };
    return std::make_unique<ice::IceSession>(*ice_, std::move(io), std::move(cb));
}

void DirectLinks::start_try(Peer& p, bool force_relay) {
    if (!force_relay) ++p.tries;
    if (p.attempt && p.attempt->ice) p.attempt->ice->close();
    p.attempt.emplace();
    p.attempt->session = random_session();
    p.attempt->controlling = true;
    p.attempt->force_relay = force_relay;
    p.attempt->ice = make_session(p.id, p.attempt->session, true, force_relay);
    metrics_.inc("sharemsg_direct_sessions_total",
                 force_relay ? "role=\"offer\",relay=\"forced\"" : "role=\"offer\",relay=\"no\"");
    spdlog::info("direct: {} try {} to {}{}", "offering", p.tries, short_id(p.id),
                 force_relay ? " (TURN relay only)" : "");
    update_armed();
    publish();
}

void DirectLinks::on_gathered(const relay::SigningId& id, const relay::SessionId& s,
                              const ice::Description& d) {
    Attempt* a = current(id, s);
    if (!a) return;
    relay::Signal sig;
    sig.kind = a->controlling ? relay::SignalKind::offer : relay::SignalKind::answer;
    sig.session = s;
    sig.recipient = id;
    sig.force_relay = a->force_relay;
    sig.ufrag = d.ufrag;
    sig.pwd = d.pwd;
    sig.candidates = d.candidates;
    signaling_.send(std::move(sig));
}

void DirectLinks::on_signal(relay::Signal s) {
    post([this, s = std::move(s)]() mutable {
        if (stopped_) return;
        if (s.kind == relay::SignalKind::offer)
            on_offer(std::move(s));
        else
            on_answer(s);
    });
}

void DirectLinks::on_offer(relay::Signal s) {
    const auto local = identity_();
    if (!local) return;
    const relay::SigningId from = s.sender_id();
    Peer& p = peer(from);
    if (p.attempt && p.attempt->session == s.session) return;  // already answering it
    if (p.attempt && p.attempt->controlling && p.state == State::connecting &&
        local->key.signing_id() > from) {
        // Both offered: ours goes on, and the peer answers it.
        metrics_.inc("sharemsg_direct_offers_total", "result=\"crossed\"");
        return;
    }
    if (!p.attempt && sessions() >= o_.max_sessions) {
        metrics_.inc("sharemsg_direct_offers_total", "result=\"busy\"");
        spdlog::warn("direct: offer from {} dropped: {} sessions under way", short_id(from),
                     sessions());
        return;
    }
    if (p.attempt) {
        if (p.state == State::up) link_down(p, "the peer offered a new session");
        if (p.attempt && p.attempt->ice) p.attempt->ice->close();
    }
    // A connect of ours that was under way waits for this session instead.
    p.attempt.emplace();
    p.attempt->session = s.session;
    p.attempt->controlling = false;
    p.attempt->force_relay = s.force_relay;
    if (s.force_relay && !o_.turn) {
        p.attempt.reset();
        metrics_.inc("sharemsg_direct_offers_total", "result=\"no_turn\"");
        spdlog::info("direct: relay-only offer from {} refused: no --turn server", short_id(from));
        return;
    }
    p.attempt->ice = make_session(from, s.session, false, s.force_relay);
    if (auto bad = p.attempt->ice->set_remote(description_of(s))) {
        p.attempt->ice->close();
        p.attempt.reset();
        metrics_.inc("sharemsg_direct_offers_total", "result=\"invalid\"");
        spdlog::warn("direct: offer from {} refused: {}", short_id(from),
                     ice::description_problem_name(bad->problem));
        return;
    }
    if (p.state != State::connecting) p.state = State::connecting;
    metrics_.inc("sharemsg_direct_offers_total", "result=\"answered\"");
    spdlog::info("direct: answering {}{}", short_id(from),
                 s.force_relay ? " (TURN relay only)" : "");
    publish();
}

void DirectLinks::on_answer(const relay::Signal& s) {
    Attempt* a = current(s.sender_id(), s.session);
    if (!a || !a->controlling) {
        metrics_.inc("sharemsg_direct_answers_total", "result=\"stale\"");
        return;
    }
    if (auto bad = a->ice->set_remote(description_of(s))) {
        metrics_.inc("sharemsg_direct_answers_total", "result=\"invalid\"");
        attempt_failed(peers_.at(s.sender_id()), std::string("answer refused: ") +
                                                     ice::description_problem_name(bad->problem));
        return;
    }
    metrics_.inc("sharemsg_direct_answers_total", "result=\"applied\"");
}

void DirectLinks::on_ready(const relay::SigningId& id, const relay::SessionId& s,
                           const ice::Selected& sel) {
    Attempt* a = current(id, s);
    const auto local = identity_();
    if (!a) return;
    if (!local) return attempt_failed(peers_.at(id), "this node lost its signing key");
    a->selected = sel;
    ice::IceSession* session = a->ice.get();
    auto send = [session](Bytes b) { session->send(b); };
    a->link.emplace(a->controlling ? channel::Channel::initiator(*local, id)
                                   : channel::Channel::responder(*local),
                    std::move(send));
    spdlog::info("direct: {} reached {} ({} -> {}); channel handshake", ice::path_name(sel.path),
                 short_id(id), sel.local, sel.remote);
}

void DirectLinks::on_data(const relay::SigningId& id, const relay::SessionId& s,
                          const Bytes& bytes) {
    Attempt* a = current(id, s);
    if (!a || !a->link) return;
    Peer& p = peers_.at(id);
    const auto e = a->link->feed(bytes);
    p.last_seen = clock_();
    if (e.established) {
        // A responder learns who called only now: it must be the identity that signalled.
        if (!a->link->peer() || a->link->peer()->signing_id() != id)
            return attempt_failed(p, "the channel's identity is not the one that signalled");
        link_up(p);
    }
    for (auto nonce : e.pongs)
        answer(p, nonce, true);
    for (const auto& [tag, accepted] : e.mail_acks)
        answer(p, tag, accepted);
    for (auto& m : e.mails)
        deliver_mail(p, m.tag, std::move(m.body));
    if (e.closed) {
        std::string why =
            e.channel_error ? std::string("channel: ") +
                                  std::string(channel::channel_error_name(*e.channel_error))
            : e.protocol_error ? std::string("link message: ") +
                                     std::string(channel::link_problem_name(*e.protocol_error))
                               : std::string("closed");
        if (p.state == State::up)
            link_down(p, why);
        else
            attempt_failed(p, why);
    }
    publish();
}

void DirectLinks::on_ice_failed(const relay::SigningId& id, const relay::SessionId& s,
                                ice::IceError e) {
    if (!current(id, s)) return;
    Peer& p = peers_.at(id);
    const std::string why = std::string("ICE: ") + ice::error_name(e);
    if (p.state == State::up)
        link_down(p, why);
    else
        attempt_failed(p, why);
}

void DirectLinks::attempt_failed(Peer& p, const std::string& why) {
    const bool controlling = p.attempt && p.attempt->controlling;
    const bool forced = p.attempt && p.attempt->force_relay;
    if (p.attempt && p.attempt->ice) p.attempt->ice->close();
    p.attempt.reset();
    p.last_error = why;
    spdlog::info("direct: {} to {} failed: {}", forced ? "relayed session" : "session",
                 short_id(p.id), why);
    metrics_.inc("sharemsg_direct_sessions_failed_total",
                 forced ? "relay=\"forced\"" : "relay=\"no\"");
    if (!controlling && p.waiting.empty()) {
        // The offering side decides what comes next.
        p.state = State::idle;
        update_armed();
        publish();
        return;
    }
    // Ours, or the peer's offer that our connect had given way to: a try of ours failed.
    if (!forced && o_.turn) return start_try(p, true);
    p.breaker.failed(clock_());
    if (signaling_.refresh_nat) signaling_.refresh_nat();
    if (p.tries < o_.tries && p.breaker.usable(clock_())) {
        const double wait =
            util::backoff_delay(o_.first_backoff, o_.max_backoff, p.tries > 0 ? p.tries - 1 : 0);
        p.retry->expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(wait * 1000)));
        p.retry->async_wait([this, id = p.id, alive = std::weak_ptr<char>(alive_)](
                                const boost::system::error_code& ec) {
            if (ec || !alive.lock() || stopped_) return;
            auto it = peers_.find(id);
            if (it != peers_.end() && it->second.state == State::connecting && !it->second.attempt)
                start_try(it->second, false);
        });
        update_armed();
        publish();
        return;
    }
    p.state = State::failed;
    p.path = ice::Path::none;
    finish_waiters(p, DirectError::failed,
                   std::to_string(p.tries) + " tries failed; the last: " + why);
    update_armed();
    publish();
}

void DirectLinks::link_up(Peer& p) {
    p.state = State::up;
    p.path = p.attempt->selected.path;
    p.since = clock_();
    p.breaker.succeeded(p.since);
    p.last_error.clear();
    metrics_.inc("sharemsg_direct_links_total",
                 std::string("path=\"") + ice::path_name(p.path) + "\"");
    spdlog::info("direct: link to {} is up ({})", short_id(p.id), ice::path_name(p.path));
    finish_waiters(p, std::nullopt, "");
    update_armed();
    publish();
}

void DirectLinks::link_down(Peer& p, const std::string& why) {
    if (p.attempt && p.attempt->ice) p.attempt->ice->close();
    p.attempt.reset();
    p.state = State::idle;
    p.path = ice::Path::none;
    p.last_error = why;
    spdlog::info("direct: link to {} closed: {}", short_id(p.id), why);
    auto pending = std::move(p.pending);
    p.pending.clear();
    for (auto& [nonce, w] : pending) {
        w.timer->cancel();
        w.done(DirectError::lost, "the link closed: " + why, false);
    }
    update_armed();
    publish();
}

void DirectLinks::finish_waiters(Peer& p, std::optional<DirectError> e, const std::string& detail) {
    auto waiting = std::move(p.waiting);
    p.waiting.clear();
    for (auto& w : waiting)
        w(e, detail);
}

void DirectLinks::send_ping(Peer& p, PingDone done, unsigned tries) {
    const std::uint64_t nonce = next_nonce_++;
    if (!p.attempt || !p.attempt->link || !p.attempt->link->ping(nonce))
        return done({DirectError::lost, "the link is not up", ice::Path::none, 0, tries});
    await_answer(p, nonce,
                 [this, id = p.id, done = std::move(done), tries, sent = clock_()](
                     std::optional<DirectError> e, std::string detail, bool) {
                     auto it = peers_.find(id);
                     const ice::Path path = it == peers_.end() ? ice::Path::none : it->second.path;
                     if (e) return done({e, std::move(detail), path, 0, tries});
                     const double rtt = (clock_() - sent) * 1000;
                     if (it != peers_.end()) it->second.rtt_ms = rtt;
                     done({std::nullopt, "", path, rtt, tries});
                 });
}

void DirectLinks::send_mail(const relay::SigningId& id, Bytes json, MailDone done) {
    post([this, id, json = std::move(json), done = std::move(done)]() mutable {
        if (stopped_) return done(false, "the node is stopping");
        auto it = peers_.find(id);
        if (it == peers_.end() || it->second.state != State::up)
            return done(false, "no direct link is up");
        Peer& p = it->second;
        const std::uint64_t tag = next_nonce_++;
        if (!p.attempt || !p.attempt->link || !p.attempt->link->send_mail(tag, std::move(json)))
            return done(false, "the link is not up");
        metrics_.inc("sharemsg_direct_mail_total", "direction=\"out\"");
        await_answer(p, tag,
                     [done = std::move(done)](std::optional<DirectError> e, std::string detail,
                                              bool accepted) {
                         if (e) return done(false, std::move(detail));
                         done(accepted, accepted ? "" : "the recipient's node refused it");
                     });
    });
}

void DirectLinks::deliver_mail(Peer& p, std::uint64_t tag, Bytes json) {
    metrics_.inc("sharemsg_direct_mail_total", "direction=\"in\"");
    const auto from = p.attempt && p.attempt->link ? p.attempt->link->peer() : std::nullopt;
    auto reply = [this, id = p.id, session = p.attempt ? p.attempt->session : relay::SessionId{},
                  tag](bool accepted) {
        post([this, id, session, tag, accepted] {
            if (Attempt* a = current(id, session); a && a->link) a->link->ack_mail(tag, accepted);
        });
    };
    if (!mail_in_ || !from) return reply(false);
    mail_in_(*from, std::move(json), std::move(reply));
}

void DirectLinks::await_answer(Peer& p, std::uint64_t nonce, Answered done) {
    Pending w;
    w.done = std::move(done);
    w.timer = std::make_unique<boost::asio::steady_timer>(io_);
    w.timer->expires_after(o_.ping_timeout);
    w.timer->async_wait([this, id = p.id, nonce,
                         alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
        if (ec || !alive.lock()) return;
        auto it = peers_.find(id);
        if (it == peers_.end()) return;
        auto pi = it->second.pending.find(nonce);
        if (pi == it->second.pending.end()) return;
        auto d = std::move(pi->second.done);
        it->second.pending.erase(pi);
        d(DirectError::timeout, "no answer in time", false);
    });
    p.pending.emplace(nonce, std::move(w));
}

void DirectLinks::answer(Peer& p, std::uint64_t nonce, bool accepted) {
    auto it = p.pending.find(nonce);
    if (it == p.pending.end()) return;
    Pending w = std::move(it->second);
    p.pending.erase(it);
    w.timer->cancel();
    w.done(std::nullopt, "", accepted);
}

void DirectLinks::update_armed() {
    bool armed = false;
    for (const auto& [id, p] : peers_)
        armed = armed || (p.state == State::connecting && p.attempt && p.attempt->controlling);
    if (signaling_.set_armed) signaling_.set_armed(armed);
}

void DirectLinks::publish() {
    using J = nlohmann::ordered_json;
    J a = J::array();
    std::size_t up = 0;
    for (const auto& [id, p] : peers_) {
        J j;
        j["signing_id"] = to_hex(id);
        j["path"] = ice::path_name(p.path);
        j["state"] = state_name(static_cast<int>(p.state));
        if (p.state == State::up && p.attempt)
            j["selected"] = {{"local", p.attempt->selected.local},
                             {"remote", p.attempt->selected.remote}};
        j["since"] = p.since > 0 ? J(p.since) : J();
        j["last_seen"] = p.last_seen > 0 ? J(p.last_seen) : J();
        j["rtt_ms"] = p.rtt_ms > 0 ? J(p.rtt_ms) : J();
        j["tries"] = p.tries;
        j["failures"] = p.breaker.failures();
        j["breaker"] = breaker_name(p.breaker.state());
        j["last_error"] = p.last_error;
        up += p.state == State::up;
        a.push_back(std::move(j));
    }
    metrics_.set("sharemsg_direct_links", "", static_cast<double>(up));
    std::lock_guard lk(mu_);
    snapshot_ = std::move(a);
}

nlohmann::ordered_json DirectLinks::links_json() const {
    std::lock_guard lk(mu_);
    return snapshot_;
}

}  // namespace sharemsg::node
