// Direct links to other identities (docs/nat.md, "Direct links"): an ICE session (ice/session.hpp)
// found through the relay's signaling (node/relay_signaler.hpp), then the encrypted channel and
// its link messages over the session's reliable stream (node/direct_link.hpp).
//
// Connecting to an identity: a try is an ICE session without TURN (its selected pair is direct
// or punched); when it fails and a TURN server is configured, a second session in which both
// sides gather relay candidates only (relayed). The side that connects offers and controls; the
// other answers. A failed try is counted on the identity's circuit breaker; up to `tries` tries,
// `backoff_delay(first_backoff, max_backoff, n)` apart, until one succeeds or the breaker opens.
// Two identities that offer to each other at once: the offer of the larger signing id goes on,
// the other side drops its own and answers.
//
// Bounds: one session per identity, at most `max_sessions` sessions at a time (further offers
// are dropped, further connects refused as busy), pings time out after `ping_timeout`.
//
// Threads: all state lives on the node's I/O thread. ICE callbacks (the ICE thread) and
// delivered signals (the signaler's thread) are posted there, tagged with their session, and
// dropped when the session is no longer current. The public methods may be called from any
// thread; their `done` callbacks run on the I/O thread. stop() closes every session (after
// which no ICE callback runs) and stops the ICE thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "channel/handshake.hpp"
#include "ice/ice_thread.hpp"
#include "ice/session.hpp"
#include "node/direct_link.hpp"
#include "relay/signal.hpp"
#include "util/breaker.hpp"

namespace sharemsg::node {

class Metrics;

struct DirectOptions {
    std::vector<std::string> local_addresses;  // numeric; host candidates are made on these
    std::optional<std::string> stun_ip;        // numeric
    std::uint16_t stun_port = 3478;
    std::optional<ice::TurnServer> turn;
    std::chrono::milliseconds connect_timeout{30000};  // per ICE session
    unsigned tries = 5;
    double first_backoff = 1, max_backoff = 30;  // seconds between tries
    util::BreakerOptions breaker{5, 300};
    std::size_t max_sessions = 32;
    std::chrono::milliseconds ping_timeout{10000};
};

// Why a connect or a ping did not succeed.
enum class DirectError {
    no_identity,   // this node has no signing key with its delegation yet
    self,          // the identity is this node's own
    busy,          // max_sessions sessions are under way
    breaker_open,  // the identity failed too often; tried again after the cooldown
    failed,        // every try failed (the detail says how the last one did)
    lost,          // the link closed while a ping waited
    timeout,       // the pong did not come in time
    stopped,       // the node is stopping
};
const char* direct_error_name(DirectError e);

class DirectLinks {
  public:
    // This node's channel identity (signing key, delegation, network, authorization), when it
    // has a signing key with its delegation.
    using IdentityFn = std::function<std::optional<channel::LocalIdentity>()>;
    // Hands a signal (kind, session, recipient, force_relay, ufrag, pwd, candidates set) to the
    // relays, and says whether a session of ours waits for answers.
    // And, the last step of the fallback chain (docs/nat.md), asks for a STUN discovery after a
    // failed try: this node's public address may have changed.
    struct Signaling {
        std::function<void(relay::Signal)> send;
        std::function<void(bool)> set_armed;
        std::function<void()> refresh_nat;
    };
    using Clock = std::function<double()>;  // unix seconds

    DirectLinks(boost::asio::io_context& io, DirectOptions o, IdentityFn identity,
                Signaling signaling, Clock clock, Metrics& metrics);
    ~DirectLinks();  // stop()
    DirectLinks(const DirectLinks&) = delete;
    DirectLinks& operator=(const DirectLinks&) = delete;

    struct PingResult {
        std::optional<DirectError> error;
        std::string detail;  // with an error
        ice::Path path = ice::Path::none;
        double rtt_ms = 0;
        unsigned tries = 0;  // tries this ping's connect needed (0: the link was up)
    };
    using PingDone = std::function<void(PingResult)>;
    // Connects to `peer` if no link is up, then sends a ping and waits for its pong.
    void ping(const relay::SigningId& peer, PingDone done);
    // Sends a mailbox message (its request JSON) to `peer` over its link, when one is up; no
    // connect is started for it. `done(true)` when the peer's node accepted it (committed to
    // its inbox, or held there until the messages before it arrive), `done(false, why)`
    // otherwise: no link, the link closed, no answer within ping_timeout, or refused. Any
    // thread; `done` runs on the I/O thread.
    using MailDone = std::function<void(bool delivered, std::string why)>;
    void send_mail(const relay::SigningId& peer, Bytes request_json, MailDone done);
    // Where mail that arrives over a link goes (on the I/O thread): the sender as the channel
    // proved it, the request JSON, and the answer to send back (true: accepted; any thread).
    // Set before the first link comes up.
    using MailIn = std::function<void(const channel::PeerIdentity& from, Bytes request_json,
                                      std::function<void(bool accepted)> answer)>;
    void set_mail_handler(MailIn h) { mail_in_ = std::move(h); }
    // A signal the signaler checked (any thread).
    void on_signal(relay::Signal s);
    // Closes every session and stops the ICE thread. Idempotent; not from the ICE thread.
    void stop();

    // One object per identity with a link or an attempt: {"signing_id", "path", "state",
    // "selected" {"local","remote"}, "since", "last_seen", "rtt_ms", "tries", "failures",
    // "breaker", "last_error"}. A snapshot, from any thread.
    nlohmann::ordered_json links_json() const;

  private:
    enum class State { idle, connecting, up, failed };
    struct Attempt {
        // User-provided: std::optional<Attempt> is declared before this class is complete.
        Attempt() {}  // NOLINT(modernize-use-equals-default)
        relay::SessionId session{};
        bool controlling = false;
        bool force_relay = false;
        std::unique_ptr<ice::IceSession> ice;
        std::optional<DirectLink> link;
        ice::Selected selected;
    };
    // A link message waiting for its answer (a pong, or a mail_ack), by its nonce or tag.
    using Answered = std::function<void(std::optional<DirectError>, std::string, bool accepted)>;
    struct Pending {
        Answered done;
        std::unique_ptr<boost::asio::steady_timer> timer;
    };
    struct Peer {
        relay::SigningId id{};
        util::CircuitBreaker breaker;
        State state = State::idle;
        std::optional<Attempt> attempt;
        unsigned tries = 0;  // of the connect in progress
        std::vector<std::function<void(std::optional<DirectError>, std::string)>> waiting;
        std::map<std::uint64_t, Pending> pending;
        std::unique_ptr<boost::asio::steady_timer> retry;
        ice::Path path = ice::Path::none;
        double since = 0, last_seen = 0, rtt_ms = 0;
        std::string last_error;
    };
    using Waiter = std::function<void(std::optional<DirectError>, std::string)>;

    // I/O thread.
    Peer& peer(const relay::SigningId& id);
    void connect(Peer& p, Waiter w);
    void start_try(Peer& p, bool force_relay);
    std::unique_ptr<ice::IceSession> make_session(const relay::SigningId& id,
                                                  const relay::SessionId& s, bool controlling,
                                                  bool force_relay);
    void on_offer(relay::Signal s);
    void on_answer(const relay::Signal& s);
    void on_gathered(const relay::SigningId& id, const relay::SessionId& s,
                     const ice::Description& d);
    void on_ready(const relay::SigningId& id, const relay::SessionId& s, const ice::Selected& sel);
    void on_data(const relay::SigningId& id, const relay::SessionId& s, const Bytes& bytes);
    void on_ice_failed(const relay::SigningId& id, const relay::SessionId& s, ice::IceError e);
    void attempt_failed(Peer& p, const std::string& why);
    void link_up(Peer& p);
    void link_down(Peer& p, const std::string& why);
    void send_ping(Peer& p, PingDone done, unsigned tries);
    // Waits up to ping_timeout for the answer to the message sent with `nonce`.
    void await_answer(Peer& p, std::uint64_t nonce, Answered done);
    void answer(Peer& p, std::uint64_t nonce, bool accepted);
    void deliver_mail(Peer& p, std::uint64_t tag, Bytes json);
    void finish_waiters(Peer& p, std::optional<DirectError> e, const std::string& detail);
    Attempt* current(const relay::SigningId& id, const relay::SessionId& s);
    std::size_t sessions() const;
    void update_armed();
    void publish();
    // Runs fn on the I/O thread unless this object is gone by then.
    void post(std::function<void()> fn);

    boost::asio::io_context& io_;
    DirectOptions o_;
    IdentityFn identity_;
    Signaling signaling_;
    Clock clock_;
    Metrics& metrics_;
    std::optional<ice::IceThread> ice_;
    std::map<relay::SigningId, Peer> peers_;  // I/O thread
    std::uint64_t next_nonce_ = 1;            // pings' nonces and mails' tags
    MailIn mail_in_;
    bool stopped_ = false;
    std::shared_ptr<char> alive_ = std::make_shared<char>(0);

    mutable std::mutex mu_;
    nlohmann::ordered_json snapshot_ = nlohmann::ordered_json::array();
};

}  // namespace sharemsg::node
