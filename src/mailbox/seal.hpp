// End-to-end encryption of mailbox messages (docs/mailbox.md, "Encryption"): what a message's
// payload is, whichever path it takes (a direct link or a mailbox). The mailbox only ever
// sees the sealed bytes.
//
// Per direction (sender -> receiver) one hash chain of 32-byte links:
//   shared  = ECDH(sender, receiver)  (libsecp256k1: SHA-256 of the compressed shared point)
//   link_0  = HKDF-SHA256(ikm = shared, salt = network id,
//                         info = "sharemsg/mailbox/chain" || sender_pubkey || receiver_pubkey)
//   key_n   = HKDF-SHA256(ikm = link_n, salt = "", info = "sharemsg/mailbox/key")
//   link_n+1 = HKDF-SHA256(ikm = link_n, salt = "", info = "sharemsg/mailbox/next")
// Message n is sealed with ChaCha20-Poly1305 under key_n (nonce: twelve zero bytes, since
// each key seals one message), with the additional data
//   "sharemsg/mailbox/seal" || network 8 || sender_pubkey 33 || receiver_pubkey 33 ||
//   version u8 || index u64 (little-endian)
// so a payload cannot be moved to another pair, network or position. Sealed payload bytes:
//   version u8 (SEAL_VERSION) || index u64 (little-endian) || ciphertext || tag 16
//
// This is seed 004's "hierarchy of hashes" (message n's keys come from the first link hashed
// n times) kept as a ratchet: a chain stores only its current link (and, on the receiving
// side, the keys of at most REORDER_WINDOW skipped messages), so whoever takes a chain's stored
// state cannot go back and open the messages before it. The signing keys themselves still
// derive link_0; rotating the signing key (a new key index) starts new chains.
//
// A receiving chain opens each index once: a message arriving late (behind others) opens while
// its key is in the window (the REORDER_WINDOW indexes just below next_index()); a replay, or
// an index older than the window, is refused; so is an index more than MAX_SKIP ahead of the
// chain (it would cost that many derivations). The last index, 2^64 - 1, is never sealed or
// opened (a chain cannot move past it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "crypto/secp256k1.hpp"
#include "mailbox/codec.hpp"
#include "util/bytes.hpp"
#include "util/checked.hpp"

namespace sharemsg::mailbox {

inline constexpr std::uint8_t SEAL_VERSION = 1;
inline constexpr std::size_t SEAL_OVERHEAD = 1 + 8 + 16;
// The largest plaintext a sealed payload of MAX_PAYLOAD bytes can carry.
inline constexpr std::size_t MAX_PLAINTEXT = MAX_PAYLOAD - SEAL_OVERHEAD;
inline constexpr std::size_t REORDER_WINDOW = 64;
inline constexpr std::uint64_t MAX_SKIP = 1024;

// Why a sealed payload did not open. Decided on the value, never on a text.
enum class SealError {
    malformed,  // shorter than SEAL_OVERHEAD, longer than MAX_PAYLOAD, an unknown seal version
                // (or a stored chain state from_bytes did not write)
    replayed,   // this index was opened already
    too_old,    // behind the chain and not in the window (its key is gone)
    too_far,    // more than MAX_SKIP ahead of the chain
    bad_tag,    // the tag does not verify: wrong keys, or a changed byte
    too_large,  // a plaintext over MAX_PLAINTEXT (sealing)
    bad_key,    // the other side's pubkey is not a point (building a chain)
};
const char* seal_error_name(SealError e) noexcept;
template <class T>
using SealResult = util::Checked<T, SealError>;  // the detail says more for people

// Who a chain is between, and where.
struct ChainId {
    NetworkId network{};
    crypto::CompressedPubKey sender{};
    crypto::CompressedPubKey receiver{};
    bool operator==(const ChainId&) const = default;
};

// A chain's link and position. Wiped on destruction; copies are deliberate (persistence).
struct Link {
    std::uint64_t index = 0;  // the index the link belongs to
    ByteArray<32> bytes{};
    ~Link();
    Link() = default;
    Link(const Link&) = default;
    Link& operator=(const Link&) = default;
};

// The sending side of a chain: seals message index(), index()+1, ...
class SendChain {
  public:
    // link_0 from my signing key and the receiver's pubkey.
    static SealResult<SendChain> start(const NetworkId& network, const crypto::PrivKey& my_key,
                                       const crypto::CompressedPubKey& receiver);
    // A chain resumed from its stored state.
    SendChain(ChainId id, Link link) : id_(id), link_(link) {}

    // Seals `plaintext` as the next message and advances the chain (its old link is gone).
    SealResult<Bytes> seal(ByteView plaintext);
    std::uint64_t index() const { return link_.index; }
    const ChainId& id() const { return id_; }
    // The state to store: the current link only.
    const Link& state() const { return link_; }

  private:
    ChainId id_;
    Link link_;
};

struct Opened {
    std::uint64_t index = 0;
    Bytes plaintext;
};

// The receiving side of a chain: opens what the sender sealed, each index once.
class ReceiveChain {
  public:
    // link_0 from my signing key and the sender's pubkey.
    static SealResult<ReceiveChain> start(const NetworkId& network, const crypto::PrivKey& my_key,
                                          const crypto::CompressedPubKey& sender);

    // Opens a sealed payload. On success the chain has moved past its index (keys of skipped
    // indexes kept in the window, the oldest dropped beyond REORDER_WINDOW); on failure it is
    // unchanged.
    SealResult<Opened> open(ByteView sealed);
    // The next index the chain has not reached (every index below it is opened or skipped).
    std::uint64_t next_index() const { return link_.index; }
    const ChainId& id() const { return id_; }

    // The stored state: the link and the skipped keys, as bytes (and back). `from_bytes`
    // refuses (malformed) anything it did not write. Layout:
    //   state version u8 (1) || next_index u64 || link 32 || count u8 (<= REORDER_WINDOW) ||
    //   count x (index u64 || key 32), indexes increasing, each in the window.
    // The bytes are secret (they open the window's messages and every later one).
    Bytes to_bytes() const;
    static SealResult<ReceiveChain> from_bytes(const ChainId& id, ByteView bytes);

  private:
    // A skipped message's key. Wiped on destruction, like Link.
    struct Key {
        ByteArray<32> bytes{};
        ~Key();
        Key() = default;
        Key(const Key&) = default;
        Key& operator=(const Key&) = default;
    };
    ReceiveChain(ChainId id, Link link) : id_(id), link_(link) {}
    ChainId id_;
    Link link_;
    // index -> key, for skipped indexes in [next_index() - REORDER_WINDOW, next_index()) only.
    std::map<std::uint64_t, Key> skipped_;
};

}  // namespace sharemsg::mailbox
