#include "node/outbox_codec.hpp"

#include <algorithm>
#include <array>

#include "proto/open_envelope.hpp"

namespace sharemsg::node {

namespace {

constexpr std::array<std::uint8_t, 4> kMagicV2{0x00, 0x4f, 0x42, 0x02};

Result<OutboxItem> decode_v1(ByteView blob) {
    auto u = proto::unpack_message(blob);
    if (!u) return u.error();
    OutboxItem item;
    item.message = std::move(u->message);
    item.message.flags = item.message.wire_flags;
    item.message.signature.clear();
    const std::size_t rest = blob.size() - u->next_offset;
    if (rest == 20) {
        proto::SigningId to{};
        std::copy(blob.begin() + static_cast<std::ptrdiff_t>(u->next_offset), blob.end(),
                  to.begin());
        item.to = to;
        item.message.recipient = to;
    } else if (rest != 0) {
        return make_error(Errc::bad_encoding, "outbox row (v1): " + std::to_string(rest) +
                                                  " bytes after the message, expected 0 or 20");
    }
    return item;
}

}  // namespace

Result<Bytes> encode_outbox_item(const proto::ShareMessage& m,
                                 const std::optional<proto::SigningId>& to) {
    if (m.payload.empty())
        return make_error(Errc::invalid_argument, "outbox row: the payload is empty");
    if (m.payload.size() > proto::open::MAX_REASSEMBLED_PAYLOAD)
        return make_error(Errc::oversize, "outbox row: payload of " +
                                              std::to_string(m.payload.size()) +
                                              " bytes, at most " +
                                              std::to_string(proto::open::MAX_REASSEMBLED_PAYLOAD));
    ByteWriter w;
    w.bytes(kMagicV2);
    w.u8(m.msg_type);
    w.u8(m.wire_flags);
    w.u32le(m.timestamp);
    w.u16le(static_cast<std::uint16_t>(m.payload.size()));
    w.bytes(m.payload);
    w.u8(to ? 1 : 0);
    if (to) w.bytes(*to);
    if (m.wire_flags & proto::open::FLAG_AUTHORITY) {
        if (!m.authority_key || to || m.signature.size() != proto::open::AUTHORITY_SIGNATURE_SIZE)
            return make_error(Errc::invalid_argument,
                              "outbox row: an authority message needs its key and 64-byte "
                              "signature, and no recipient");
        w.bytes(*m.authority_key);
        w.bytes(m.signature);
    }
    return std::move(w).take();
}

Result<OutboxItem> decode_outbox_item(ByteView blob) {
    if (blob.size() < kMagicV2.size() ||
        !std::equal(kMagicV2.begin(), kMagicV2.end(), blob.begin()))
        return decode_v1(blob);
    ByteReader r(blob, kMagicV2.size());
    OutboxItem item;
    auto type = r.u8("msg_type");
    auto flags = type ? r.u8("wire_flags") : Result<std::uint8_t>(type.error());
    auto ts = flags ? r.u32le("timestamp") : Result<std::uint32_t>(flags.error());
    auto len = ts ? r.u16le("payload_len") : Result<std::uint16_t>(ts.error());
    if (!len) return make_error(len.error().code, "outbox row: " + len.error().reason);
    if (*len == 0 || *len > proto::open::MAX_REASSEMBLED_PAYLOAD)
        return make_error(Errc::oversize, "outbox row: payload_len " + std::to_string(*len) +
                                              ", expected 1.." +
                                              std::to_string(proto::open::MAX_REASSEMBLED_PAYLOAD));
    auto payload = r.bytes(*len, "payload");
    if (!payload) return make_error(payload.error().code, "outbox row: " + payload.error().reason);
    auto has_to = r.u8("has_recipient");
    if (!has_to) return make_error(has_to.error().code, "outbox row: " + has_to.error().reason);
    if (*has_to > 1)
        return make_error(Errc::bad_encoding, "outbox row: has_recipient is " +
                                                  std::to_string(*has_to) + ", expected 0 or 1");
    if (*has_to) {
        auto to = r.array<20>("recipient");
        if (!to) return make_error(to.error().code, "outbox row: " + to.error().reason);
        item.to = *to;
    }
    if (*flags & proto::open::FLAG_AUTHORITY) {
        if (item.to)
            return make_error(Errc::bad_encoding,
                              "outbox row: an authority message has no recipient");
        auto key = r.array<32>("authority_key");
        auto sig = key ? r.bytes(proto::open::AUTHORITY_SIGNATURE_SIZE, "signature")
                       : Result<ByteView>(key.error());
        if (!sig) return make_error(sig.error().code, "outbox row: " + sig.error().reason);
        item.message.authority_key = *key;
        item.message.signature.assign(sig->begin(), sig->end());
    }
    if (!r.empty())
        return make_error(Errc::bad_encoding, "outbox row: " + std::to_string(r.remaining()) +
                                                  " bytes after the recipient");
    item.message.msg_type = *type;
    item.message.flags = item.message.wire_flags = *flags;
    item.message.timestamp = *ts;
    item.message.payload.assign(payload->begin(), payload->end());
    item.message.recipient = item.to;
    return item;
}

}  // namespace sharemsg::node
