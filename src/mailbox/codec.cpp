#include "mailbox/codec.hpp"

#include <array>

#include "relay/streams.hpp"
#include "util/base64.hpp"

namespace sharemsg::mailbox {

namespace {

using relay::fail;
using relay::streams::Canonical;
using relay::streams::decode_with;
using relay::streams::JsonIn;
using relay::streams::JsonOut;

// The streams' version() reads the relay's format version; the mailbox's is the same number.
static_assert(FORMAT_VERSION == relay::FORMAT_VERSION);

// Index = the Op's value.
constexpr std::array<const char*, OP_COUNT> kOpNames = {"register_identity", "subscribe", "get",
                                                        "ack", "send"};

// A registration's payload: key_index u32 || master_pubkey 33 || delegation_sig 64 ||
// challenge 16.
constexpr std::size_t REGISTER_ARGS_SIZE = 4 + 33 + 64 + 16;

// ---- the descriptions ----------------------------------------------------------------------

template <class S, class T>
void describe_header(S& s, T& h) {
    s.version("version", h.version);
    s.network("network", h.network);
    s.named("op", h.op, kOpNames);
    s.pubkey("sender_pubkey", h.sender_pubkey);
    s.pubkey("receiver_pubkey", h.receiver_pubkey);
    s.id8("sender_nonce", h.sender_nonce);
    s.u64("timestamp", h.timestamp);
    s.u64("message_id", h.message_id);
    s.hash256("payload_hash", h.payload_hash);
    s.signature("signature", h.signature);
}

template <class S, class T>
void describe_request(S& s, T& r) {
    s.object("header", r.header, [](auto& in, auto& h) { describe_header(in, h); });
    s.base64("payload", r.payload, MAX_PAYLOAD);
}

template <class S, class T>
void describe_stored(S& s, T& m) {
    s.u64("id", m.id);
    s.u64("received", m.received);
    s.object("message", m.message, [](auto& in, auto& r) { describe_request(in, r); });
}

// A request or a stored message longer than MAX_BODY is refused before it is parsed.
std::optional<Failure> body_too_large(std::string_view json_text) {
    if (json_text.size() <= MAX_BODY) return std::nullopt;
    return fail(Problem::too_large, "the body is over " + std::to_string(MAX_BODY) + " bytes");
}

}  // namespace

const char* op_name(Op op) noexcept {
    const auto i = static_cast<std::size_t>(op);
    return i < kOpNames.size() ? kOpNames[i] : "unknown";
}

Checked<Header> decode_header(std::string_view json_text) {
    if (auto f = body_too_large(json_text)) return *f;
    return decode_with<Header>(json_text, [](JsonIn& in, Header& h) { describe_header(in, h); });
}

std::string encode_header(const Header& h) {
    JsonOut out;
    describe_header(out, h);
    return out.j.dump();
}

Checked<Request> decode_request(std::string_view json_text) {
    if (auto f = body_too_large(json_text)) return *f;
    return decode_with<Request>(json_text, [](JsonIn& in, Request& r) { describe_request(in, r); });
}

std::string encode_request(const Request& r) {
    JsonOut out;
    describe_request(out, r);
    return out.j.dump();
}

Checked<Stored> decode_stored(std::string_view json_text) {
    if (auto f = body_too_large(json_text)) return *f;
    return decode_with<Stored>(json_text, [](JsonIn& in, Stored& s) { describe_stored(in, s); });
}

std::string encode_stored(const Stored& s) {
    JsonOut out;
    describe_stored(out, s);
    return out.j.dump();
}

bool payload_ok(const Request& r) {
    return crypto::sha256(r.payload) == r.header.payload_hash;
}

Checked<RegisterArgs> decode_register_args(ByteView payload) {
    if (payload.size() != REGISTER_ARGS_SIZE)
        return fail(Problem::bad_field, "payload: a registration's arguments are " +
                                            std::to_string(REGISTER_ARGS_SIZE) + " bytes, not " +
                                            std::to_string(payload.size()));
    ByteReader r(payload);
    RegisterArgs a;
    // The length is checked above, so none of these reads can run short.
    a.key_index = *r.u32le("key_index");
    a.delegation.master_pubkey = *r.array<33>("master_pubkey");
    a.delegation.signature = *r.array<64>("delegation_sig");
    a.challenge = *r.array<16>("challenge");
    if (!crypto::parse_pubkey(a.delegation.master_pubkey).ok())
        return fail(Problem::bad_delegation,
                    "payload: the master pubkey is not a compressed secp256k1 point");
    return a;
}

Bytes encode_register_args(const RegisterArgs& a) {
    ByteWriter w;
    w.u32le(a.key_index);
    w.bytes(a.delegation.master_pubkey);
    w.bytes(a.delegation.signature);
    w.bytes(a.challenge);
    return std::move(w).take();
}

bool delegation_ok(const Header& h, const RegisterArgs& a) {
    const proto::open::BoundAnnouncement ann{h.sender_pubkey, a.key_index,
                                             a.delegation.master_pubkey, a.delegation.signature};
    return proto::open::verify_delegation(ann, h.network);
}

Bytes canonical_bytes(const Header& h) {
    Canonical c;
    describe_header(c, h);
    return std::move(c.w).take();
}

crypto::Hash256 header_sighash(const Header& h) {
    return crypto::tagged_hash(TAG_HEADER, canonical_bytes(h));
}

void sign(Header& h, ByteView payload, const crypto::PrivKey& signing_key) {
    h.payload_hash = crypto::sha256(payload);
    h.signature = crypto::schnorr_sign(signing_key, header_sighash(h));
}

bool signature_ok(const Header& h) {
    return crypto::schnorr_verify(h.sender_pubkey, header_sighash(h), h.signature);
}

std::optional<Failure> check_request(const Request& r) {
    if (r.payload.size() > MAX_PAYLOAD)
        return fail(Problem::too_large, "payload: " + std::to_string(r.payload.size()) +
                                            " bytes, over " + std::to_string(MAX_PAYLOAD));
    if (!payload_ok(r))
        return fail(Problem::bad_payload_hash, "header.payload_hash: not SHA-256 of the payload");
    if (!signature_ok(r.header))
        return fail(Problem::bad_signature,
                    "header.signature: does not verify by header.sender_pubkey");
    return std::nullopt;
}

}  // namespace sharemsg::mailbox
