// The channel handshake: an ephemeral X25519 exchange signed by both identities' signing
// keys (BIP340), keys from HKDF-SHA256 (docs/channel.md).
//
// Three messages, each of a fixed size, in this order on the stream:
//
// hello (initiator -> responder), HELLO_SIZE = 228 bytes:
//   offset 0    version            1   HANDSHAKE_VERSION (0x01)
//   offset 1    type               1   0x01 (hello: sent by the initiator)
//   offset 2    network_id         8   the initiator's network IDENTIFIER
//   offset 10   wanted_signing_id  20  the responder identity the initiator wants to reach
//   offset 30   identity           134 the initiator's identity (layout below)
//   offset 164  ephemeral          32  the initiator's X25519 public key
//   offset 196  nonce              32  random
//
// reply (responder -> initiator), REPLY_SIZE = 264 bytes:
//   offset 0    version            1   0x01
//   offset 1    type               1   0x02 (reply: sent by the responder)
//   offset 2    identity           134 the responder's identity
//   offset 136  ephemeral          32  the responder's X25519 public key
//   offset 168  nonce              32  random
//   offset 200  signature          64  BIP340, by the responder's signing key, of
//                                      tagged_hash(HANDSHAKE_TAG, 0x02 || hello || reply[0..200))
//
// confirm (initiator -> responder), CONFIRM_SIZE = 66 bytes:
//   offset 0    version            1   0x01
//   offset 1    type               1   0x03 (confirm: sent by the initiator)
//   offset 2    signature          64  BIP340, by the initiator's signing key, of
//                                      tagged_hash(HANDSHAKE_TAG, 0x03 || hello || reply[0..200))
//
// identity (134 bytes): signing_pubkey 33 (compressed) || key_index 4 (u32 little-endian) ||
//   master_pubkey 33 || delegation signature 64 (proto::open::make_delegation for the network).
//
// The transcript T = hello || reply[0..200) therefore binds the network id, both roles (the
// type bytes, and the role byte before T in each signature), both signing pubkeys and
// identity proofs, both ephemerals and both nonces. Keys:
//   salt = SHA256(T); ikm = X25519(ephemerals)
//   initiator->responder key = HKDF-SHA256(ikm, salt, "sharemsg/channel/i2r", 32)
//   responder->initiator key = HKDF-SHA256(ikm, salt, "sharemsg/channel/r2i", 32)
//
// A Handshake is a single-owner state machine over whole messages (the Channel cuts them from
// the stream by their fixed sizes). Any failure is final: the state becomes failed, the
// ephemeral key and any derived secret are dropped, and no keys are ever released.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "crypto/bip340.hpp"
#include "crypto/x25519.hpp"
#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"
#include "util/bytes.hpp"

namespace sharemsg::channel {

inline constexpr std::uint8_t HANDSHAKE_VERSION = 0x01;
inline constexpr std::uint8_t TYPE_HELLO = 0x01;
inline constexpr std::uint8_t TYPE_REPLY = 0x02;
inline constexpr std::uint8_t TYPE_CONFIRM = 0x03;
inline constexpr std::string_view HANDSHAKE_TAG = "sharemsg/channel/handshake";
inline constexpr std::string_view INFO_I2R = "sharemsg/channel/i2r";
inline constexpr std::string_view INFO_R2I = "sharemsg/channel/r2i";

inline constexpr std::size_t IDENTITY_SIZE = 33 + 4 + 33 + 64;
inline constexpr std::size_t HELLO_SIZE = 2 + 8 + 20 + IDENTITY_SIZE + 32 + 32;
inline constexpr std::size_t REPLY_SIGNED_SIZE = 2 + IDENTITY_SIZE + 32 + 32;
inline constexpr std::size_t REPLY_SIZE = REPLY_SIGNED_SIZE + 64;
inline constexpr std::size_t CONFIRM_SIZE = 2 + 64;

enum class HandshakeError {
    malformed,           // wrong size, or a signing or master pubkey that is not a point
    bad_version,         // version byte is not HANDSHAKE_VERSION
    unexpected_message,  // a message type this side does not expect now
    wrong_network,       // the hello names another network
    wrong_identity,      // the hello wants another responder, or the reply comes from one
    bad_delegation,      // the identity's delegation does not verify for this network
    unauthorized,        // the authorization predicate refused the peer's identity
    bad_signature,       // the peer's handshake signature does not verify
    bad_key_exchange,    // the X25519 shared secret is all zero (small-order ephemeral)
    failed,              // the handshake failed earlier and refuses all further input
};

std::string_view handshake_error_name(HandshakeError e) noexcept;

// Decides whether a peer may talk to us: (payout address = HASH160 of its master pubkey,
// its signing id). The node answers from its window's payouts; unknown or revoked key
// indexes are its business too.
using Authorize =
    std::function<bool(const proto::open::AddressHash& master_hash, const proto::SigningId& id)>;

// Our side's long-term identity.
struct LocalIdentity {
    proto::DerivedSigningKey key;
    proto::open::Delegation delegation;
    proto::open::NetworkId network{};
    Authorize authorize;
};

// The peer's identity as it proved it (delegation verified, authorized, signature checked).
struct PeerIdentity {
    crypto::CompressedPubKey signing_pubkey{};
    std::uint32_t key_index = 0;
    proto::open::Delegation delegation;

    proto::SigningId signing_id() const { return crypto::hash160(signing_pubkey); }
    proto::open::AddressHash master_hash() const {
        return crypto::hash160(delegation.master_pubkey);
    }
};

// The two directions' keys; send/receive from this side's point of view. Wiped on destruction.
struct SessionKeys {
    ByteArray<32> send{};
    ByteArray<32> receive{};
    crypto::Hash256 transcript_hash{};  // SHA256(T): the same on both sides
    SessionKeys() = default;
    SessionKeys(const SessionKeys&) = default;
    SessionKeys& operator=(const SessionKeys&) = default;
    ~SessionKeys();
};

class Handshake {
  public:
    enum class Role { initiator, responder };
    enum class State { start, await_reply, await_hello, await_confirm, done, failed };

    // The initiator wants to reach the identity whose signing id is `wanted`.
    static Handshake initiator(LocalIdentity local, const proto::SigningId& wanted);
    static Handshake responder(LocalIdentity local);

    Handshake(Handshake&&) noexcept = default;
    Handshake& operator=(Handshake&&) noexcept = default;
    ~Handshake();

    // The initiator's hello (once, in state start); the state becomes await_reply.
    Bytes hello();

    // One whole message from the peer. On success, the bytes to send back (the reply or the
    // confirm; empty for the responder's last step). Errors are final (state failed).
    struct Step {
        Bytes reply;
        std::optional<HandshakeError> error;
    };
    Step on_message(ByteView msg);

    // The size of the next message this side expects (0 when it expects none).
    std::size_t expected_size() const;

    Role role() const { return role_; }
    State state() const { return state_; }
    bool done() const { return state_ == State::done; }
    // Present only in state done.
    const std::optional<SessionKeys>& keys() const { return keys_; }
    const std::optional<PeerIdentity>& peer() const { return peer_state_; }
    // Wipes the session keys (the Channel calls it when it closes); the state stays.
    void drop_keys() {
        keys_.reset();
        pending_keys_.reset();
    }

  private:
    Handshake(Role role, LocalIdentity local);
    Step fail(HandshakeError e);
    Bytes identity_bytes() const;
    Step on_hello(ByteView msg);
    Step on_reply(ByteView msg);
    Step on_confirm(ByteView msg);
    std::optional<HandshakeError> check_identity(const PeerIdentity& id) const;
    std::optional<HandshakeError> derive(const crypto::X25519Public& peer_ephemeral);
    crypto::Hash256 signed_digest(std::uint8_t role_byte) const;

    Role role_;
    State state_;
    LocalIdentity local_;
    proto::SigningId wanted_{};
    std::optional<crypto::X25519Key> ephemeral_;
    Bytes transcript_;  // hello || reply[0..200), as far as it is known
    std::optional<PeerIdentity> peer_pending_;
    std::optional<PeerIdentity> peer_state_;
    std::optional<SessionKeys> pending_keys_;
    std::optional<SessionKeys> keys_;
};

}  // namespace sharemsg::channel
