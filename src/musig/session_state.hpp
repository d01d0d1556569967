// One signing session as a coordinator holds it (musig/coordinator.hpp): the announcement,
// the aggregate key, the phase, and per signer the last sequence number, the pubnonce, the
// partial signature and a partial held back until every nonce is in. Our own secret nonce
// lives here, in memory only, until Session::sign consumes it.
//
// SessionState keeps the bookkeeping consistent (counts, phase times); the coordinator decides
// what a frame does to it. SessionView is the copy handed to the API.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "musig/frame.hpp"
#include "musig/keyagg.hpp"
#include "musig/nonce.hpp"
#include "musig/session.hpp"

namespace sharemsg::musig {

enum class Phase : std::uint8_t {
    init,                  // announced; nobody's nonce yet
    nonce_exchange,        // we joined or a nonce came in; waiting for all n
    partial_sig_exchange,  // all n nonces in (so we joined); waiting for all n partials
    complete,              // the final signature is made and verified
    aborted,               // see SessionState::abort_info
};
const char* phase_name(Phase p) noexcept;
inline bool is_final(Phase p) {
    return p == Phase::complete || p == Phase::aborted;
}

struct AbortInfo {
    AbortReason reason = AbortReason::cancelled;
    std::optional<std::size_t> blamed;      // the signer whose contribution was bad
    std::optional<std::size_t> aborted_by;  // the signer whose abort frame ended it (not us)
};

// The sequence numbers seen from one signer in one session: the highest, and which of the
// WIDTH below it. A seq is fresh when it is above the highest by at most the allowed gap, or
// within the window and not seen; everything else is a replay (or a gap). The window lets a
// signer's frames arrive out of order (its nonce by one path, its partial by another) while
// no frame is ever taken twice.
class ReplayWindow {
  public:
    static constexpr std::uint32_t WIDTH = 64;
    enum class Verdict : std::uint8_t { fresh, replayed, gap };
    Verdict check(std::uint32_t seq, std::uint32_t max_gap) const;
    void record(std::uint32_t seq);
    std::uint32_t highest() const { return highest_; }

  private:
    std::uint32_t highest_ = 0;
    std::uint64_t below_ = 0;  // bit i: seq highest - 1 - i was seen
};

struct SignerSlot {
    ReplayWindow seen;  // the seqs accepted from this signer (ours: those we sent)
    std::optional<PubNonce> pubnonce;
    std::optional<PartialSig> psig;  // verified
    std::optional<PartialSig> held;  // came before all the nonces; verified when they are in
};

class SessionState {
  public:
    SessionState(const SessionId& id, Announcement a, KeyAggContext keys, std::size_t own_index,
                 std::uint64_t now);

    const SessionId& id() const { return id_; }
    const Announcement& announcement() const { return a_; }
    const KeyAggContext& keys() const { return keys_; }
    std::size_t size() const { return slots_.size(); }
    std::size_t own_index() const { return own_; }
    const PlainPubKey& signer(std::size_t i) const { return a_.signers[i]; }

    Phase phase() const { return phase_; }
    std::uint64_t phase_since() const { return phase_since_; }
    std::uint64_t first_seen() const { return first_seen_; }
    void enter(Phase p, std::uint64_t now);

    SignerSlot& slot(std::size_t i) { return slots_[i]; }
    const SignerSlot& slot(std::size_t i) const { return slots_[i]; }
    // The seq of our next frame in this session (1, 2, ...), recorded as our last.
    std::uint32_t next_own_seq();

    bool all_nonces() const;
    bool all_partials() const;
    std::vector<PubNonce> pubnonces() const;   // all n, in signer order (all_nonces())
    std::vector<PartialSig> partials() const;  // all n, in signer order (all_partials())

    bool joined() const { return joined_; }
    // Keeps our secret nonce and our pubnonce (in our slot).
    void join(Nonces nonces);
    // Hands the secret nonce over once (to Session::sign).
    std::optional<SecNonce> take_secnonce();

    // The BIP327 session values, set when every nonce is in.
    const std::optional<Session>& session() const { return session_; }
    void set_session(Session s) { session_.emplace(std::move(s)); }

    const std::optional<Signature>& signature() const { return signature_; }
    void complete(const Signature& sig, std::uint64_t now);
    const std::optional<AbortInfo>& abort_info() const { return abort_; }
    void abort(AbortInfo info, std::uint64_t now);

  private:
    SessionId id_;
    Announcement a_;
    KeyAggContext keys_;
    std::size_t own_;
    std::vector<SignerSlot> slots_;
    Phase phase_ = Phase::init;
    std::uint64_t phase_since_;
    std::uint64_t first_seen_;
    bool joined_ = false;
    std::optional<SecNonce> secnonce_;
    std::optional<Session> session_;
    std::optional<Signature> signature_;
    std::optional<AbortInfo> abort_;
};

// What the API shows of a session.
struct SessionView {
    SessionId id{};
    Phase phase = Phase::init;
    std::vector<PlainPubKey> signers;
    std::size_t creator_index = 0;
    std::size_t own_index = 0;
    std::uint64_t created = 0;
    std::uint64_t expiry = 0;
    std::uint64_t first_seen = 0;   // our clock
    std::uint64_t phase_since = 0;  // our clock
    Bytes message;
    Bytes context;
    XonlyPubKey aggregate_key{};
    std::vector<bool> nonce_from;    // per signer: its pubnonce is in
    std::vector<bool> partial_from;  // per signer: its verified partial signature is in
    bool joined = false;
    std::optional<Signature> signature;
    std::optional<AbortInfo> abort;
    std::optional<PlainPubKey> blamed_pubkey;  // signers[abort->blamed], when someone is blamed
};

SessionView view_of(const SessionState& s);

}  // namespace sharemsg::musig
