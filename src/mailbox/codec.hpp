// The mailbox's formats (docs/mailbox.md): the signed header every request and every message
// carries, the identity registration, and the requests the mailbox serves. Each is described
// once (codec.cpp) and that one description drives the relay's three streams
// (relay/streams.hpp): the strict JSON reader, the JSON writer and the canonical bytes that
// are signed.
//
// Canonical header bytes (integers little-endian):
//   version u8 || network 8 || op u8 || sender_pubkey 33 || receiver_pubkey 33 ||
//   sender_nonce 8 || timestamp u64 || message_id u64 || payload_hash 32
// Signed as BIP340 by the sender's signing key over tagged_hash(TAG_HEADER, canonical bytes).
// Unlike seed 004's header, the receiver and the network are inside the signature, so a
// mailbox cannot hand a message to another identity or another network. For the requests
// that read or change one's own mailbox (subscribe, get, ack) and for registration, the
// receiver is the sender itself.
//
// A request on the wire is {"header": {...}, "payload": "<base64>"}; payload_hash is SHA-256
// of the payload's bytes. A message's payload is the sealed ciphertext (mailbox/seal.hpp), at
// most MAX_PAYLOAD bytes; the other requests' payloads are their arguments' canonical bytes
// (a registration's: key_index u32 || master_pubkey 33 || delegation_sig 64 || challenge 16)
// or empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/open_envelope.hpp"
#include "relay/codec.hpp"
#include "relay/problem.hpp"
#include "util/bytes.hpp"

namespace sharemsg::mailbox {

using relay::Checked;
using relay::Failure;
using relay::MasterHash;
using relay::NetworkId;
using relay::Problem;
using relay::SigningId;

inline constexpr std::uint8_t FORMAT_VERSION = 1;
inline constexpr std::string_view TAG_HEADER = "sharemsg/mailbox/header";
// The largest payload a message may carry (the sealed ciphertext), and the largest request
// body the mailbox reads (the payload in base64, the header and the JSON around them).
inline constexpr std::size_t MAX_PAYLOAD = 64 * 1024;
inline constexpr std::size_t MAX_BODY = 96 * 1024;

using Nonce = ByteArray<8>;
using Challenge = ByteArray<16>;

// What a header asks for. Each op is signed into the header, so a signed `get` can never be
// replayed as an `ack`.
enum class Op : std::uint8_t {
    register_identity = 0,  // POST /mailbox/register
    subscribe = 1,          // POST /mailbox/subscribe (an event stream of new ids)
    get = 2,                // POST /mailbox/get: message `message_id`
    ack = 3,                // POST /mailbox/ack: delete every message up to `message_id`
    send = 4,               // POST /mailbox/send: a message for `receiver_pubkey`
};
inline constexpr std::uint8_t OP_COUNT = 5;
const char* op_name(Op op) noexcept;

struct Header {
    std::uint8_t version = FORMAT_VERSION;
    NetworkId network{};
    Op op = Op::send;
    crypto::CompressedPubKey sender_pubkey{};    // the sender's signing pubkey
    crypto::CompressedPubKey receiver_pubkey{};  // the receiver's; the sender's own but for send
    Nonce sender_nonce{};                        // random; never accepted twice from one sender
    std::uint64_t timestamp = 0;                 // unix seconds
    std::uint64_t message_id = 0;                // get and ack: the id; otherwise 0
    crypto::Hash256 payload_hash{};              // SHA-256 of the payload's bytes
    crypto::SchnorrSig signature{};

    SigningId sender_id() const { return crypto::hash160(sender_pubkey); }
    SigningId receiver_id() const { return crypto::hash160(receiver_pubkey); }
    bool operator==(const Header&) const = default;
};

// A header and its payload: every request but register, and every message the mailbox keeps
// or a node sends over a direct link.
struct Request {
    Header header;
    Bytes payload;
    bool operator==(const Request&) const = default;
};

// register_identity's arguments (its payload): the delegation that makes the signing key an
// identity (PRODUCT.md, "Identity in the peer-to-peer layer"), and either a challenge the
// mailbox handed out (GET /mailbox/challenge) or all zeros, when the header's timestamp is the
// challenge (within REGISTER_SKEW of the mailbox's clock).
struct RegisterArgs {
    std::uint32_t key_index = 0;
    proto::open::Delegation delegation{};
    Challenge challenge{};
    MasterHash master_hash() const { return crypto::hash160(delegation.master_pubkey); }
    bool operator==(const RegisterArgs&) const = default;
};
inline constexpr std::uint64_t REGISTER_SKEW = 3600;

// A message as get_message answers it: its id in the receiver's mailbox, when the mailbox took
// it, and the header and payload as sent.
struct Stored {
    std::uint64_t id = 0;
    std::uint64_t received = 0;
    Request message;
    bool operator==(const Stored&) const = default;
};

// JSON text in and out. The readers are strict (every field present, of its type and form,
// nothing else) and their failures name the field; payloads over MAX_PAYLOAD are refused
// (too_large) before they are decoded.
Checked<Header> decode_header(std::string_view json_text);
std::string encode_header(const Header& h);
Checked<Request> decode_request(std::string_view json_text);
std::string encode_request(const Request& r);
Checked<Stored> decode_stored(std::string_view json_text);
std::string encode_stored(const Stored& s);

// The header's payload check: payload_hash == SHA-256(payload).
bool payload_ok(const Request& r);
// A registration's payload read as its arguments (bad_field when the length is wrong,
// bad_delegation when the master key is not a point), and written.
Checked<RegisterArgs> decode_register_args(ByteView payload);
Bytes encode_register_args(const RegisterArgs& a);
// Whether the delegation signs (network, sender_pubkey, key_index) by the master key.
bool delegation_ok(const Header& h, const RegisterArgs& a);

// The canonical bytes (above) and the digest that is signed.
Bytes canonical_bytes(const Header& h);
crypto::Hash256 header_sighash(const Header& h);
// Sets payload_hash from `payload` and signs the header with the sender's signing key.
void sign(Header& h, ByteView payload, const crypto::PrivKey& signing_key);
// The header's BIP340 signature by sender_pubkey (low-S only, as BIP340 is).
bool signature_ok(const Header& h);

// A whole check of what came in, in the order the mailbox refuses things: the payload's
// size (too_large) and hash (bad_payload_hash), then the signature (bad_signature).
std::optional<Failure> check_request(const Request& r);

}  // namespace sharemsg::mailbox
