// ICE signaling through the relay (docs/relay.md, "Signaling"): the signed offer or answer one
// identity leaves at a relay for another, and the signed poll with which the recipient fetches
// what waits for it. Both are described once (signal.cpp) and read, written and signed through
// the relay's streams (relay/streams.hpp), like the registration.
//
// Canonical bytes (integers little-endian; a string is u16 length || bytes):
//   signal: version u8 || network 8 || kind u8 (0 offer, 1 answer) || session 16 ||
//           signing_pubkey 33 || key_index u32 || master_pubkey 33 || delegation_sig 64 ||
//           recipient 20 || timestamp u64 || force_relay u8 || ufrag string || pwd string ||
//           candidate count u8 || per candidate: string
//   poll:   version u8 || network 8 || signing_pubkey 33 || key_index u32 ||
//           master_pubkey 33 || delegation_sig 64 || timestamp u64 || nonce 16
// Signed as BIP340 by the sender's (the poller's) signing key over tagged_hash(TAG_SIGNAL or
// TAG_POLL, canonical bytes). The recipient and the network are inside the signature, so a
// signal cannot be handed to another identity or replayed on another network.
//
// Bounds: ufrag 4..256 and pwd 22..256 printable ASCII characters (RFC 8445 asks for at least
// 4 and 22); at most MAX_CANDIDATES candidate lines of 1..256 printable ASCII characters
// each. The candidate lines' grammar is the ICE code's to check; the relay only bounds them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "relay/codec.hpp"

namespace sharemsg::relay {

inline constexpr std::string_view TAG_SIGNAL = "sharemsg/relay/signal";
inline constexpr std::string_view TAG_POLL = "sharemsg/relay/signal-poll";
inline constexpr std::size_t MIN_UFRAG = 4, MAX_UFRAG = 256;
inline constexpr std::size_t MIN_PWD = 22, MAX_PWD = 256;
inline constexpr std::size_t MAX_CANDIDATES = 16, MAX_CANDIDATE_LEN = 256;

enum class SignalKind : std::uint8_t { offer = 0, answer = 1 };
const char* signal_kind_name(SignalKind k) noexcept;

using SessionId = ByteArray<16>;

struct Signal {
    std::uint8_t version = FORMAT_VERSION;
    NetworkId network{};
    SignalKind kind = SignalKind::offer;
    SessionId session{};
    // The sender, exactly as a registration carries it.
    crypto::CompressedPubKey signing_pubkey{};
    std::uint32_t key_index = 0;
    proto::open::Delegation delegation{};
    SigningId recipient{};        // HASH160 of the recipient's signing pubkey
    std::uint64_t timestamp = 0;  // unix seconds
    bool force_relay = false;     // both sides use TURN relay candidates only
    std::string ufrag, pwd;
    std::vector<std::string> candidates;  // "a=candidate:..." lines, at most MAX_CANDIDATES
    crypto::SchnorrSig signature{};

    SigningId sender_id() const { return crypto::hash160(signing_pubkey); }
    MasterHash master_hash() const { return crypto::hash160(delegation.master_pubkey); }
    bool operator==(const Signal&) const = default;
};

struct SignalPoll {
    std::uint8_t version = FORMAT_VERSION;
    NetworkId network{};
    crypto::CompressedPubKey signing_pubkey{};
    std::uint32_t key_index = 0;
    proto::open::Delegation delegation{};
    std::uint64_t timestamp = 0;
    ByteArray<16> nonce{};  // random; the relay refuses a poll it has seen (a replay)
    crypto::SchnorrSig signature{};

    SigningId signing_id() const { return crypto::hash160(signing_pubkey); }
    MasterHash master_hash() const { return crypto::hash160(delegation.master_pubkey); }
    bool operator==(const SignalPoll&) const = default;
};

// JSON in and out; the readers are strict and complete, and their failures name the field.
Checked<Signal> decode_signal(std::string_view json_text);
std::string encode_signal(const Signal& s);
Checked<SignalPoll> decode_poll(std::string_view json_text);
std::string encode_poll(const SignalPoll& p);
// A poll's answer: {"signals": [signal, ...]}. Each signal decodes as decode_signal does; the
// first that does not is the failure.
Checked<std::vector<Signal>> decode_poll_answer(std::string_view json_text);
std::string encode_poll_answer(const std::vector<Signal>& signals);

Bytes canonical_bytes(const Signal& s);
Bytes canonical_bytes(const SignalPoll& p);
crypto::Hash256 signal_sighash(const Signal& s);
crypto::Hash256 poll_sighash(const SignalPoll& p);

void sign(Signal& s, const crypto::PrivKey& signing_key);
void sign(SignalPoll& p, const crypto::PrivKey& signing_key);
bool signature_ok(const Signal& s);
bool signature_ok(const SignalPoll& p);
bool delegation_ok(const Signal& s);
bool delegation_ok(const SignalPoll& p);

// What both the relay and the receiving node check of a signal, apart from authorization:
// the network (wrong_network), |timestamp - now| <= skew (stale), the signature
// (bad_signature) and the delegation (bad_delegation); with `recipient`, that the signal is
// addressed to it (wrong_recipient).
std::optional<Failure> check_signal(const Signal& s, const NetworkId& network, double now,
                                    double skew, const SigningId* recipient = nullptr);

}  // namespace sharemsg::relay
