#include "proto/open_envelope.hpp"

#include <algorithm>

#include "crypto/symmetric.hpp"
#include "proto/open_layout.hpp"

namespace sharemsg::proto::open {

namespace layout {

std::string hex_byte(std::uint8_t b) {
    static const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

bool is_compressed_point(const crypto::CompressedPubKey& k) {
    return (k[0] == 0x02 || k[0] == 0x03) && crypto::parse_pubkey(k).ok();
}

std::string length_rule(std::size_t lo, std::size_t hi) {
    if (lo == hi)
        return "must be " + std::to_string(lo) +
               (lo == 0 ? " in a fragment that is not the last" : std::string());
    return "must be " + std::to_string(lo) + ".." + std::to_string(hi);
}

}  // namespace layout

namespace {

std::string num(std::size_t n) {
    return std::to_string(n);
}

using layout::hex_byte;
using layout::is_compressed_point;

// Everything the decoder requires of a message, for the encoder to refuse it up front:
// the message's layout written to a scratch stream.
Status check_message(const OpenMessage& m, std::size_t i) {
    layout::Writer w;
    w.scope("message " + num(i + 1) + ": ", [&] { layout::describe(w, m); });
    auto r = std::move(w).finish();
    if (!r) return r.error();
    return Ok{};
}

}  // namespace

std::size_t OpenMessage::encoded_size() const {
    layout::Sizer s;
    layout::describe(s, *this);
    return s.size();
}

Result<NetworkId> parse_network_id(std::string_view text) {
    if (text == "devnet") return DEVNET_NETWORK_ID;
    auto id = from_hex_fixed<8>(text);
    if (!id)
        return make_error(Errc::invalid_argument,
                          "network id must be 'devnet' or 16 hex digits (the network's "
                          "IDENTIFIER, e.g. 73686d7364657601), got '" +
                              std::string(text.substr(0, 40)) + "'");
    return *id;
}

bool is_open_profile(ByteView message_data) {
    return !message_data.empty() && message_data[0] == PROFILE_BYTE;
}

crypto::Hash256 obfuscation_key(const NetworkId& network_id) {
    Bytes pre(OBFUSCATION_DOMAIN.begin(), OBFUSCATION_DOMAIN.end());
    append(pre, network_id);
    return crypto::sha256(pre);
}

Result<Bytes> encode_inner(const Envelope& env) {
    layout::Writer w;
    layout::describe(w, env);
    return std::move(w).finish();
}

Result<Envelope> decode_inner(ByteView inner) {
    ByteReader r(inner);
    layout::Reader s(r);
    Envelope env;
    layout::describe(s, env);
    if (auto st = s.finish(); !st) return st.error();
    if (!r.empty())
        return make_error(Errc::trailing_bytes, "inner envelope: " + num(r.remaining()) +
                                                    " bytes after the last message (msg_count " +
                                                    num(env.messages.size()) + ")");
    return env;
}

Result<Bytes> seal(const Envelope& env, const NetworkId& network_id,
                   const ObfuscationNonce& nonce) {
    auto inner = encode_inner(env);
    if (!inner) return inner.error();
    if (HEADER_SIZE + inner->size() > MAX_MESSAGE_DATA)
        return make_error(Errc::oversize, "message_data: " + num(HEADER_SIZE + inner->size()) +
                                              " bytes exceed " + num(MAX_MESSAGE_DATA));
    const crypto::Hash256 key = obfuscation_key(network_id);
    Bytes out;
    out.reserve(HEADER_SIZE + inner->size());
    out.push_back(PROFILE_BYTE);
    out.push_back(ENVELOPE_VERSION);
    append(out, nonce);
    append(out, crypto::chacha20_xor(key, nonce, *inner));
    return out;
}

Result<Envelope> open(ByteView message_data, const NetworkId& network_id) {
    if (message_data.empty()) return make_error(Errc::truncated, "message_data: empty");
    if (message_data[0] != PROFILE_BYTE)
        return make_error(Errc::bad_version, "profile: " + hex_byte(message_data[0]) +
                                                 " is not the open profile (0x02)");
    if (message_data.size() > MAX_MESSAGE_DATA)
        return make_error(Errc::oversize, "message_data: " + num(message_data.size()) +
                                              " bytes exceed " + num(MAX_MESSAGE_DATA));
    if (message_data.size() < 2) return make_error(Errc::truncated, "version: missing");
    if (message_data[1] != ENVELOPE_VERSION)
        return make_error(Errc::bad_version,
                          "version: " + num(message_data[1]) + ", only 1 is defined");
    if (message_data.size() < HEADER_SIZE + 2)
        return make_error(Errc::truncated, "open envelope: " + num(message_data.size()) +
                                               " bytes, the header and the smallest inner "
                                               "envelope need " +
                                               num(HEADER_SIZE + 2));
    ObfuscationNonce nonce{};
    std::copy_n(message_data.begin() + 2, NONCE_SIZE, nonce.begin());
    const Bytes inner =
        crypto::chacha20_xor(obfuscation_key(network_id), nonce, message_data.subspan(HEADER_SIZE));
    return decode_inner(inner);
}

// ---- delegations ---------------------------------------------------------------------------

crypto::Hash256 delegation_sighash(const NetworkId& network_id,
                                   const crypto::CompressedPubKey& signing_pubkey,
                                   std::uint32_t key_index,
                                   const crypto::CompressedPubKey& master_pubkey) {
    ByteWriter w;
    w.bytes(network_id);
    w.bytes(signing_pubkey);
    w.u32le(key_index);
    w.bytes(master_pubkey);
    return crypto::tagged_hash(TAG_DELEGATION, w.data());
}

Delegation make_delegation(const crypto::PrivKey& master, const NetworkId& network_id,
                           const crypto::CompressedPubKey& signing_pubkey, std::uint32_t key_index,
                           const std::optional<ByteArray<32>>& aux_rand) {
    Delegation d;
    d.master_pubkey = master.pubkey();
    d.signature = crypto::schnorr_sign(
        master, delegation_sighash(network_id, signing_pubkey, key_index, d.master_pubkey),
        aux_rand);
    return d;
}

bool verify_delegation(const BoundAnnouncement& ann, const NetworkId& network_id) {
    return crypto::schnorr_verify(
        ann.master_pubkey,
        delegation_sighash(network_id, ann.signing_pubkey, ann.key_index, ann.master_pubkey),
        ann.delegation_sig);
}

std::string delegation_to_hex(const Delegation& d) {
    Bytes b(d.master_pubkey.begin(), d.master_pubkey.end());
    append(b, d.signature);
    return to_hex(b);
}

Result<Delegation> parse_delegation_hex(std::string_view hex) {
    auto b = from_hex(hex);
    if (!b) return make_error(Errc::bad_encoding, "delegation: " + b.error().reason);
    if (b->size() != 33 + 64)
        return make_error(Errc::invalid_argument,
                          "delegation: need 97 bytes (194 hex digits: master pubkey 33 || "
                          "signature 64), got " +
                              num(b->size()));
    Delegation d;
    std::copy_n(b->begin(), 33, d.master_pubkey.begin());
    std::copy_n(b->begin() + 33, 64, d.signature.begin());
    if (!is_compressed_point(d.master_pubkey))
        return make_error(Errc::bad_key,
                          "delegation: master pubkey is not a compressed secp256k1 point");
    return d;
}

Result<BoundAnnouncement> make_announcement(const DerivedSigningKey& key, const Delegation& d,
                                            const NetworkId& network_id) {
    BoundAnnouncement a{key.pubkey(), key.key_index(), d.master_pubkey, d.signature};
    if (!verify_delegation(a, network_id))
        return make_error(Errc::bad_signature,
                          "delegation does not verify for signing key " + to_hex(key.pubkey()) +
                              " index " + num(key.key_index()) + " on network " +
                              to_hex(network_id) + " (made for another key, index or network?)");
    return a;
}

// ---- messages ------------------------------------------------------------------------------

crypto::Hash256 message_sighash(const NetworkId& network_id, const AddressHash& signer_address,
                                const SigningId& signing_id, std::uint8_t msg_type,
                                std::uint8_t wire_flags, std::uint32_t timestamp,
                                const std::optional<SigningId>& recipient, ByteView payload) {
    ByteWriter w;
    w.bytes(network_id);
    w.bytes(signer_address);
    w.bytes(signing_id);
    w.u8(msg_type);
    w.u8(signed_flags(wire_flags));
    w.u32le(timestamp);
    if (recipient) w.bytes(*recipient);
    // Callers bound the payload (MAX_REASSEMBLED_PAYLOAD), far below 65536.
    w.u16le(static_cast<std::uint16_t>(payload.size()));
    w.bytes(payload);
    return crypto::tagged_hash(TAG_MESSAGE, w.data());
}

crypto::Hash256 message_sighash(const NetworkId& network_id, const AddressHash& signer_address,
                                const OpenMessage& m) {
    return message_sighash(network_id, signer_address, m.signing_id, m.msg_type, m.flags,
                           m.timestamp, m.recipient, m.payload);
}

OpenMessage make_open_message(std::uint8_t msg_type, ByteView payload, std::uint32_t timestamp,
                              std::uint8_t flags, const std::optional<SigningId>& recipient) {
    OpenMessage m;
    m.msg_type = msg_type;
    m.flags = static_cast<std::uint8_t>(flags & ~(FLAG_PRIVATE | FLAG_FRAGMENT));
    if (recipient) m.flags |= FLAG_PRIVATE;
    m.timestamp = timestamp;
    m.recipient = recipient;
    m.payload.assign(payload.begin(), payload.end());
    return m;
}

Status sign_open_message(OpenMessage& m, const DerivedSigningKey& key,
                         const AddressHash& signer_address, const NetworkId& network_id) {
    if (m.fragment || m.is_fragment())
        return make_error(Errc::invalid_argument,
                          "sign_open_message: sign the whole message, then split it");
    if (m.payload.size() > MAX_REASSEMBLED_PAYLOAD)
        return make_error(Errc::oversize, "payload: " + num(m.payload.size()) + " bytes exceed " +
                                              num(MAX_REASSEMBLED_PAYLOAD));
    m.flags = static_cast<std::uint8_t>(
        (m.flags & ~(FLAG_PRIVATE | FLAG_PROTOCOL_AUTHORITY | 0xc0)) | FLAG_HAS_SIGNATURE);
    if (m.recipient) m.flags |= FLAG_PRIVATE;
    m.signing_id = key.signing_id();
    m.signature = key.sign(message_sighash(network_id, signer_address, m));
    return Ok{};
}

Result<std::vector<OpenMessage>> split_fragments(const OpenMessage& whole, std::uint32_t msg_id,
                                                 std::size_t max_fragment_payload) {
    if (whole.fragment || whole.is_fragment())
        return make_error(Errc::invalid_argument, "split_fragments: already a fragment");
    if (whole.is_authority())
        return make_error(Errc::invalid_argument,
                          "split_fragments: an authority message is never fragmented");
    if (!(whole.flags & FLAG_HAS_SIGNATURE) || whole.signature.empty())
        return make_error(Errc::invalid_argument, "split_fragments: sign the message first");
    if (max_fragment_payload == 0 || max_fragment_payload > MAX_MESSAGE_PAYLOAD)
        return make_error(Errc::invalid_argument, "split_fragments: fragment payload must be 1.." +
                                                      num(MAX_MESSAGE_PAYLOAD));
    if (whole.payload.size() > MAX_REASSEMBLED_PAYLOAD)
        return make_error(Errc::oversize, "payload: " + num(whole.payload.size()) +
                                              " bytes exceed " + num(MAX_REASSEMBLED_PAYLOAD));
    if (whole.payload.size() <= max_fragment_payload) return std::vector<OpenMessage>{whole};
    const std::size_t n = fragment_count(whole.payload.size(), max_fragment_payload);
    if (n > MAX_FRAGMENTS)
        return make_error(Errc::oversize, "payload: " + num(whole.payload.size()) + " bytes need " +
                                              num(n) + " fragments of " +
                                              num(max_fragment_payload) + ", at most " +
                                              num(MAX_FRAGMENTS));
    std::vector<OpenMessage> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        OpenMessage f = whole;
        const bool last = i + 1 == n;
        f.flags = static_cast<std::uint8_t>(whole.flags | FLAG_FRAGMENT);
        if (!last) f.flags = static_cast<std::uint8_t>(f.flags & ~FLAG_HAS_SIGNATURE);
        f.fragment =
            FragmentInfo{msg_id, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(n)};
        const std::size_t begin = i * max_fragment_payload;
        const std::size_t end = std::min(whole.payload.size(), begin + max_fragment_payload);
        f.payload.assign(whole.payload.begin() + static_cast<std::ptrdiff_t>(begin),
                         whole.payload.begin() + static_cast<std::ptrdiff_t>(end));
        if (!last) f.signature.clear();
        out.push_back(std::move(f));
    }
    return out;
}

crypto::Hash256 authority_sighash(const NetworkId& network_id, const XonlyKey& authority_key,
                                  std::uint8_t msg_type, std::uint8_t wire_flags,
                                  std::uint32_t timestamp, ByteView payload) {
    ByteWriter w;
    w.bytes(network_id);
    w.bytes(authority_key);
    w.u8(msg_type);
    w.u8(wire_flags);
    w.u32le(timestamp);
    // Callers bound the payload (MAX_MESSAGE_PAYLOAD), far below 65536.
    w.u16le(static_cast<std::uint16_t>(payload.size()));
    w.bytes(payload);
    return crypto::tagged_hash(TAG_AUTHORITY, w.data());
}

crypto::Hash256 authority_sighash(const NetworkId& network_id, const OpenMessage& m) {
    return authority_sighash(network_id, m.authority_key.value_or(XonlyKey{}), m.msg_type, m.flags,
                             m.timestamp, m.payload);
}

Result<OpenMessage> make_authority_message(std::uint8_t msg_type, ByteView payload,
                                           std::uint32_t timestamp, const XonlyKey& authority_key,
                                           std::uint8_t flags) {
    if (!authority_type(msg_type))
        return make_error(Errc::invalid_argument,
                          "msg_type: " + hex_byte(msg_type) +
                              " cannot be an authority message (only EMERGENCY 0x10 and "
                              "TRANSITION_SIGNAL 0x20)");
    if (payload.size() > MAX_MESSAGE_PAYLOAD)
        return make_error(Errc::oversize, "payload: " + num(payload.size()) + " bytes exceed " +
                                              num(MAX_MESSAGE_PAYLOAD) +
                                              " (an authority message is never fragmented)");
    OpenMessage m;
    m.msg_type = msg_type;
    m.flags = static_cast<std::uint8_t>((flags & ~(FLAG_PRIVATE | FLAG_FRAGMENT | 0xc0)) |
                                        FLAG_AUTHORITY | FLAG_HAS_SIGNATURE);
    m.timestamp = timestamp;
    m.authority_key = authority_key;
    m.payload.assign(payload.begin(), payload.end());
    return m;
}

bool verify_authority_signature(const OpenMessage& m, const NetworkId& network_id) {
    if (!m.is_authority() || !m.authority_key || m.signature.size() != AUTHORITY_SIGNATURE_SIZE)
        return false;
    // BIP340 verifies under the x coordinate: any parity prefix names the same x-only key.
    crypto::CompressedPubKey even{};
    even[0] = 0x02;
    std::copy(m.authority_key->begin(), m.authority_key->end(), even.begin() + 1);
    crypto::SchnorrSig sig{};
    std::copy(m.signature.begin(), m.signature.end(), sig.begin());
    return crypto::schnorr_verify(even, authority_sighash(network_id, m), sig);
}

bool verify_open_message(const OpenMessage& m, ByteView signing_pubkey,
                         const AddressHash& signer_address, const NetworkId& network_id) {
    if (m.signature.empty()) return false;
    return crypto::ecdsa_verify_der(signing_pubkey, message_sighash(network_id, signer_address, m),
                                    m.signature);
}

std::uint32_t mwu(const OpenMessage& m) {
    std::uint64_t w = MWU_HEADER + MWU_PER_PAYLOAD_BYTE * m.payload.size() +
                      MWU_PER_SIGNATURE_BYTE * m.signature.size();
    if (m.recipient) w += MWU_PER_PAYLOAD_BYTE * SIGNING_ID_SIZE;
    if (m.fragment) w += MWU_PER_PAYLOAD_BYTE * FRAGMENT_HEADER_SIZE;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(w, 0xffffffffu));
}

std::uint32_t mwu(const Envelope& env) {
    std::uint64_t w = 0;
    if (env.announcement) w += MWU_ANNOUNCEMENT;
    if (env.sacrifice_tag) w += MWU_PER_PAYLOAD_BYTE * SIGNING_ID_SIZE;
    for (const auto& m : env.messages)
        w += mwu(m);
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(w, 0xffffffffu));
}

// ---- packing -------------------------------------------------------------------------------

Result<Packed> pack_queue(const std::optional<BoundAnnouncement>& announcement,
                          std::span<const OpenMessage> queue, const NetworkId& network_id,
                          const ObfuscationNonce& nonce, const PackLimits& limits,
                          const std::optional<SigningId>& sacrifice_tag) {
    Envelope env;
    env.announcement = announcement;
    env.sacrifice_tag = sacrifice_tag;
    // inner_flags + msg_count, announcement, tag.
    std::size_t bytes = HEADER_SIZE + 2 + (announcement ? ANNOUNCEMENT_SIZE : 0) +
                        (sacrifice_tag ? SIGNING_ID_SIZE : 0);
    std::uint64_t share_mwu = mwu(env);
    std::uint64_t spent = 0;
    const std::size_t max_messages = std::min(limits.max_messages, MAX_MESSAGES);
    const std::size_t max_bytes = std::min(limits.max_bytes, MAX_MESSAGE_DATA);
    for (std::size_t i = 0; i < queue.size(); ++i) {
        const OpenMessage& m = queue[i];
        if (auto st = check_message(m, i); !st)
            return make_error(
                Errc::invalid_argument,
                "queue position " + num(i) + " can never be packed: " + st.error().reason);
        if (env.messages.size() >= max_messages) break;
        const std::uint32_t w = mwu(m);
        if (bytes + m.encoded_size() > max_bytes) break;
        if (limits.max_share_mwu && share_mwu + w > *limits.max_share_mwu) break;
        // Authority messages are charged to no signer's budget (the ledger's rule).
        const std::uint32_t charged = m.is_authority() ? 0 : w;
        if (limits.budget_mwu && spent + charged > *limits.budget_mwu) break;
        bytes += m.encoded_size();
        share_mwu += w;
        spent += charged;
        env.messages.push_back(m);
    }
    Packed p;
    p.taken = env.messages.size();
    if (!env.announcement && !env.sacrifice_tag && env.messages.empty()) return p;
    auto sealed = seal(env, network_id, nonce);
    if (!sealed) return sealed.error();
    p.message_data = std::move(*sealed);
    return p;
}

}  // namespace sharemsg::proto::open
