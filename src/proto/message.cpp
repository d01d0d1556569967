#include "proto/message.hpp"
#include "util/numeric.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "proto/registry.hpp"
#include "util/text.hpp"

namespace sharemsg::proto {

ShareMessage ShareMessage::make(std::uint8_t type, ByteView payload, std::uint8_t flags,
                                std::uint32_t timestamp) {
    ShareMessage m;
    m.msg_type = type;
    m.flags = flags;
    m.wire_flags = flags;
    m.timestamp = timestamp;
    m.payload.assign(payload.begin(), payload.end());
    return m;
}

crypto::Hash256 ShareMessage::hash() const {
    // The hashed fields of a wire-sized message fit on the stack; larger payloads (only made
    // locally, never packed) take the general path.
    constexpr std::size_t header = 6;
    std::array<std::uint8_t, header + MAX_MESSAGE_PAYLOAD> buf;
    if (payload.size() > MAX_MESSAGE_PAYLOAD) {
        ByteWriter w;
        w.u8(msg_type);
        w.u8(wire_flags);
        w.u32le(timestamp);
        w.bytes(payload);
        return crypto::sha256d(w.data());
    }
    buf[0] = msg_type;
    buf[1] = wire_flags;
    for (std::size_t i = 0; i < 4; ++i)
        buf[2 + i] = static_cast<std::uint8_t>(timestamp >> (8 * i));
    std::copy(payload.begin(), payload.end(), buf.begin() + header);
    return crypto::sha256d(ByteView(buf.data(), header + payload.size()));
}

Result<Bytes> pack_message(const ShareMessage& m) {
    if (m.payload.size() > MAX_MESSAGE_PAYLOAD)
        return make_error(Errc::oversize,
                          "Message payload too large: " + std::to_string(m.payload.size()) + " > " +
                              std::to_string(MAX_MESSAGE_PAYLOAD));
    if (m.signature.size() > MAX_PACKED_SIGNATURE)
        return make_error(Errc::oversize,
                          "Signature too large: " + std::to_string(m.signature.size()));
    ByteWriter w;
    w.u8(m.msg_type);
    w.u8(m.flags);
    w.u32le(m.timestamp);
    w.u16le(static_cast<std::uint16_t>(m.payload.size()));
    w.bytes(m.payload);
    if (m.signing_id) {
        w.bytes(*m.signing_id);
    } else {
        w.bytes(SigningId{});
    }
    w.u8(static_cast<std::uint8_t>(m.signature.size()));
    w.bytes(m.signature);
    return std::move(w).take();
}

Result<UnpackedMessage> unpack_message(ByteView data, std::size_t offset) {
    if (offset > data.size() || data.size() - offset < 8)
        return make_error(Errc::truncated,
                          "Message data too short: " +
                              std::to_string(offset > data.size() ? 0 : data.size() - offset) +
                              " bytes at offset " + std::to_string(offset));
    ByteReader r(data, offset);
    ShareMessage m;
    m.msg_type = *r.u8("msg_type");
    m.wire_flags = *r.u8("flags");
    m.flags = m.wire_flags & static_cast<std::uint8_t>(~FLAG_PROTOCOL_AUTHORITY);
    m.timestamp = *r.u32le("timestamp");
    const std::uint16_t payload_len = *r.u16le("payload_len");
    if (payload_len > MAX_MESSAGE_PAYLOAD)
        return make_error(Errc::oversize, "Payload length " + std::to_string(payload_len) +
                                              " exceeds maximum " +
                                              std::to_string(MAX_MESSAGE_PAYLOAD));
    auto payload = r.bytes(payload_len, "payload");
    if (!payload)
        return make_error(Errc::truncated, "Not enough data for payload: need " +
                                               std::to_string(payload_len) + ", have " +
                                               std::to_string(r.remaining()));
    m.payload.assign(payload->begin(), payload->end());
    auto sid = r.array<20>("signing_id");
    if (!sid) return make_error(Errc::truncated, "Not enough data for signing_id");
    if (*sid != SigningId{}) m.signing_id = *sid;
    auto sig_len = r.u8("sig_len");
    if (!sig_len) return make_error(Errc::truncated, "Not enough data for signature length");
    auto sig = r.bytes(*sig_len, "signature");
    if (!sig)
        return make_error(Errc::truncated, "Not enough data for signature: need " +
                                               std::to_string(*sig_len) + ", have " +
                                               std::to_string(r.remaining()));
    m.signature.assign(sig->begin(), sig->end());
    return UnpackedMessage{std::move(m), r.pos()};
}

void sign_message(ShareMessage& m, const DerivedSigningKey& key) {
    m.flags |= FLAG_HAS_SIGNATURE;
    m.wire_flags = m.flags;
    m.signing_id = key.signing_id();
    m.signature = key.sign(m.hash());
}

void sign_message_with(ShareMessage& m, const crypto::PrivKey& key) {
    m.flags |= FLAG_HAS_SIGNATURE;
    m.wire_flags = m.flags;
    m.signature = crypto::ecdsa_sign_der(key, m.hash());
}

bool verify_with_registry(ShareMessage& m, const SigningKeyRegistry& registry,
                          const AuthoritySet& authorities) {
    m.verified = false;
    if (!m.has_signature() || !m.signing_id || m.signature.empty()) return false;
    auto pubkey = registry.pubkey_for(*m.signing_id);
    if (!pubkey) return false;
    m.verified = crypto::ecdsa_verify_der(*pubkey, m.hash(), m.signature);
    if (m.verified) {
        m.sender_address = registry.address_for(*m.signing_id);
        if (find_authority(authorities, *pubkey)) m.flags |= FLAG_PROTOCOL_AUTHORITY;
    }
    return m.verified;
}

bool verify_authority_direct(ShareMessage& m, ByteView pubkey, const AuthoritySet& authorities) {
    m.verified = false;
    if (m.signature.empty() || pubkey.empty()) return false;
    const Authority* authority = find_authority(authorities, pubkey);
    if (!authority) return false;
    return verify_authority_direct(m, *authority);
}

bool verify_authority_direct(ShareMessage& m, const Authority& authority) {
    m.verified = false;
    if (m.signature.empty() || !authority.point()) return false;
    // S is normalized before verifying: see the header and PRODUCT.md.
    m.verified = crypto::ecdsa_verify_der_normalized(*authority.point(), m.hash(), m.signature);
    if (m.verified) m.flags |= FLAG_PROTOCOL_AUTHORITY | FLAG_HAS_SIGNATURE;
    return m.verified;
}

nlohmann::ordered_json message_to_json(const ShareMessage& m, double now) {
    nlohmann::ordered_json j;
    j["type"] = type_name(m.msg_type);
    j["type_id"] = m.msg_type;
    j["timestamp"] = m.timestamp;
    j["age"] = saturate_cast<std::int64_t>(now - static_cast<double>(m.timestamp));
    j["flags"] = {{"signed", m.has_signature()},
                  {"broadcast", m.is_broadcast()},
                  {"persistent", m.is_persistent()}};
    j["verified"] = m.verified;
    if (m.signing_id) j["signing_id"] = to_hex(*m.signing_id);
    j["protocol_authority"] = m.is_protocol_authority();
    switch (m.msg_type) {
        case MSG_MINER_MESSAGE:
        case MSG_POOL_ANNOUNCE:
        case MSG_EMERGENCY:
            if (is_valid_utf8(m.payload)) {
                j["text"] = std::string(m.payload.begin(), m.payload.end());
            } else {
                j["text"] = to_hex(m.payload);
            }
            break;
        case MSG_NODE_STATUS:
        case MSG_MERGED_STATUS:
        case MSG_VERSION_SIGNAL:
        case MSG_TRANSITION_SIGNAL: {
            // Python's json.loads: anything that is not UTF-8 JSON falls back to raw hex.
            nlohmann::ordered_json data = nlohmann::ordered_json::value_t::discarded;
            if (is_valid_utf8(m.payload))
                data = nlohmann::ordered_json::parse(m.payload.begin(), m.payload.end(), nullptr,
                                                     false);
            if (data.is_discarded()) {
                j["raw"] = to_hex(m.payload);
            } else {
                j["data"] = std::move(data);
            }
            break;
        }
        default:
            j["raw"] = to_hex(m.payload);
    }
    if (m.sender_address && !m.sender_address->empty()) j["sender"] = *m.sender_address;
    if (m.share_hash) j["share_hash"] = to_hex(*m.share_hash);
    return j;
}

}  // namespace sharemsg::proto
