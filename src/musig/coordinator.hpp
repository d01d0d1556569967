// The MuSig2 session coordinator of one identity (docs/musig.md, "Sessions"): sans-IO.
//
// It takes frames (musig/frame.hpp) from its owner, answers what each did or why it was
// refused, and hands the frames it makes to a Transport addressed by signing pubkey (never
// to itself). Time comes from the injected Clock; randomness (an announcement's salt, the
// secret nonces) from OpenSSL through crypto::random_bytes and musig::nonce_gen. It has no
// threads or locks: one thread owns it (the node's worker, or a test).
//
// Phases: INIT -> NONCE_EXCHANGE (we joined, or a nonce came in) -> PARTIAL_SIG_EXCHANGE
// (all n pubnonces are in, ours among them: we sign with the secret nonce, which is consumed,
// and send our partial) -> COMPLETE (all n partials, each verified as it came in; the
// aggregate verifies under the aggregate key) or ABORTED (a partial that does not verify,
// naming its signer; an abort frame; cancel; stuck; expired). A partial that comes before
// every nonce is in is held, one per signer, and verified when the phase is reached. A session
// message that comes before its session's announcement (another signer, told sooner, joined
// and sent its nonce, and the transport orders frames per sender only) is held, unchecked,
// and taken when the announcement arrives; held max_early_frames at most, each for
// stuck_timeout at most. Replays:
// per (session, sender) a window of sequence numbers (ReplayWindow, session_state.hpp).
//
// Everything a peer can make it hold is bounded: max_sessions sessions, each with at most
// MAX_SIGNERS slots of fixed size, one held partial per signer, and the announcement's message
// and context (MAX_MESSAGE, MAX_CONTEXT); max_early_frames early messages; removed sessions
// are remembered (id and expiry, so
// that a replayed announcement stays refused) at most 4 * max_sessions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "musig/frame.hpp"
#include "musig/session_state.hpp"

namespace sharemsg::musig {

// Where the coordinator's frames go: to the signer with this signing pubkey.
class Transport {
  public:
    virtual ~Transport() = default;
    virtual void send(const PlainPubKey& to, Bytes frame) = 0;
};

// What the owner is told when a session ends (called after the state is updated, possibly from
// inside sweep's walk over the sessions: it must not call back into the coordinator).
class Listener {
  public:
    virtual ~Listener() = default;
    virtual void completed(const SessionId& id, const Signature& signature) = 0;
    virtual void aborted(const SessionId& id, AbortReason reason,
                         std::optional<std::size_t> blamed) = 0;
};

// Unix seconds.
using Clock = std::function<std::uint64_t()>;

struct CoordinatorOptions {
    NetworkId network_id{};
    std::uint64_t session_timeout = 2 * 3600;  // removed this long after we first saw it
    std::uint64_t stuck_timeout = 600;         // aborted after this long in an exchange phase
    std::uint64_t cleanup_interval = 60;       // how often auto_cleanup (or the node) sweeps
    std::uint32_t max_sequence_gap = 100;      // seq > highest + this is refused
    std::size_t max_sessions = 256;
    std::uint64_t max_clock_skew = 300;  // an announcement created further ahead is refused
    bool auto_cleanup = true;            // sweep from receive/create/join every cleanup_interval
    // Session messages of sessions not announced here yet, held until the announcement.
    std::size_t max_early_frames = 256;
};

enum class Problem : std::uint8_t {
    bad_frame,            // the decoder refused it (Refusal::frame says why)
    wrong_network,        // another network_id
    unknown_session,      // no session with that id here
    not_a_signer,         // an announcement whose signers do not include us: not stored
    bad_sender,           // sender_index >= n, or a blamed index >= n
    bad_signature,        // the creator's or the sender's signature does not verify
    expired,              // the session's expiry has passed
    not_yet_valid,        // an announcement created more than max_clock_skew ahead of us
    duplicate_session,    // an announcement seen before
    replayed,             // a seq seen from that sender, or more than 64 below its highest
    sequence_gap,         // seq > the highest from that sender + max_sequence_gap
    wrong_phase,          // the session's phase cannot take it (anything after the end)
    conflicting_nonce,    // a second, different pubnonce from a signer
    conflicting_partial,  // a second, different partial signature from a signer
    too_many_sessions,    // max_sessions reached
    invalid_keys,         // KeyAgg refused the signer list (an infinite aggregate)
    invalid_argument,     // create() with values the announcement format does not allow
    already_joined,       // join() twice
};
const char* problem_name(Problem p) noexcept;

struct Refusal {
    Problem problem = Problem::bad_frame;
    FrameError frame = FrameError::none;
    // "bad_frame: bad_pubkey", "replayed": for logs.
    std::string to_string() const;
    friend bool operator==(const Refusal&, const Refusal&) = default;
};

// What an accepted frame (or create/join/cancel) did.
struct Event {
    enum class Kind : std::uint8_t {
        announced,     // a new session, in INIT
        early,         // a message of a session not announced yet: held until it is
        joined,        // our nonce is out
        nonce,         // a signer's pubnonce is in
        partial,       // a signer's partial signature verified and is in
        partial_held,  // a partial came before all the nonces: held
        repeated,      // the same nonce or partial again under a new seq: nothing changes
        completed,     // the session completed (by this frame)
        aborted,       // the session aborted (by this frame)
    };
    Kind kind = Kind::announced;
    SessionId id{};
    std::optional<std::size_t> signer;  // the sender, for session messages
};
const char* event_kind_name(Event::Kind k) noexcept;

// What sweep removed or aborted.
struct SweepReport {
    std::size_t removed = 0;          // aged out or past expiry, in any phase
    std::size_t aborted_stuck = 0;    // in an exchange phase for more than stuck_timeout
    std::size_t aborted_expired = 0;  // removed before they ended
    friend bool operator==(const SweepReport&, const SweepReport&) = default;
};

class Coordinator {
  public:
    Coordinator(CoordinatorOptions options, crypto::PrivKey own_signing_key, Transport& transport,
                Clock clock);
    Coordinator(const Coordinator&) = delete;
    Coordinator& operator=(const Coordinator&) = delete;

    void set_listener(Listener* listener) { listener_ = listener; }
    const PlainPubKey& own_pubkey() const { return own_pk_; }
    const CoordinatorOptions& options() const { return opt_; }

    // A new session with us as creator: signs the announcement and sends it to the others.
    // The signers (in KeyAgg order) must include us. Refusals: invalid_argument,
    // too_many_sessions, invalid_keys.
    Checked<SessionId, Refusal> create(std::span<const PlainPubKey> signers, ByteView message,
                                       ByteView context, std::uint64_t expiry);
    // A frame from a peer.
    Checked<Event, Refusal> receive(ByteView frame);
    // Draws our nonce (kept in memory only) and sends the pubnonce. Refusals:
    // unknown_session, wrong_phase, already_joined, expired.
    Checked<Event, Refusal> join(const SessionId& id);
    // Ends a session that has not ended (ABORTED, cancelled) and tells the others.
    Checked<Event, Refusal> cancel(const SessionId& id);

    // Removes sessions past expiry or first seen session_timeout ago (aborting, as expired, those
    // that had not ended), and aborts (reason stuck, telling the others) sessions that have been
    // in NONCE_EXCHANGE or PARTIAL_SIG_EXCHANGE for more than stuck_timeout. INIT is never
    // stuck. Ended sessions stay until they are removed, so their result can be read.
    SweepReport sweep(std::uint64_t now);
    SweepReport sweep() { return sweep(clock_()); }

    std::vector<SessionView> list() const;
    std::optional<SessionView> get(const SessionId& id) const;
    std::size_t session_count() const { return sessions_.size(); }

  private:
    using Sessions = std::map<SessionId, SessionState>;
    std::uint64_t now_and_maybe_sweep();
    Checked<Event, Refusal> on_announcement(Announcement a, std::uint64_t now);
    Checked<Event, Refusal> on_message(const SessionMessage& m, std::uint64_t now);
    // A message of a session we do not hold: held for its announcement, or unknown_session.
    Checked<Event, Refusal> hold_early(const SessionMessage& m, std::uint64_t now);
    Checked<Event, Refusal> on_nonce(SessionState& s, std::size_t j, const PubNonce& n,
                                     std::uint64_t now);
    Checked<Event, Refusal> on_partial(SessionState& s, std::size_t j, const PartialSig& p,
                                       std::uint64_t now);
    Checked<Event, Refusal> on_abort(SessionState& s, std::size_t j, const AbortBody& b,
                                     std::uint64_t now);
    // All nonces are in: the session values, our partial, then the held partials.
    void start_signing(SessionState& s, std::uint64_t now);
    // Verifies and keeps a partial; aborts naming j when it does not verify.
    void accept_partial(SessionState& s, std::size_t j, const PartialSig& p, std::uint64_t now);
    void finish(SessionState& s, std::uint64_t now);
    void abort(SessionState& s, AbortInfo info, bool tell_others, std::uint64_t now);
    void send_message(SessionState& s, decltype(SessionMessage::payload) payload);
    void broadcast(const SessionState& s, const Bytes& frame);
    // The event of a frame that was accepted: completed/aborted when it ended the session.
    Event outcome(const SessionState& s, Event::Kind kind, std::optional<std::size_t> signer);
    void remember_removed(const SessionId& id, std::uint64_t expiry);

    CoordinatorOptions opt_;
    crypto::PrivKey sk_;
    PlainPubKey own_pk_;
    Transport& transport_;
    Clock clock_;
    Listener* listener_ = nullptr;
    Sessions sessions_;
    std::map<SessionId, std::uint64_t> removed_;  // id -> expiry, until the expiry passes
    struct Early {
        SessionMessage message;
        std::uint64_t at = 0;  // when it came
    };
    std::map<SessionId, std::vector<Early>> early_;  // in arrival order per session
    std::size_t early_count_ = 0;
    std::uint64_t last_sweep_ = 0;
};

}  // namespace sharemsg::musig
