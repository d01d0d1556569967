// The `msg` blob of an outbox row: what the node will sign and send, before signing.
//
// Version 2 (written since fragments; payloads up to 1600 bytes):
//   offset  size  field
//   0       4     magic 00 4f 42 02 ("\0OB" and the version)
//   4       1     msg_type
//   5       1     wire_flags (FLAG_PRIVATE set for a private message)
//   6       4     timestamp, u32 little-endian
//   10      2     payload_len, u16 little-endian, 1..1600
//   12      n     payload (UTF-8 text; the plaintext of a private message)
//   .       1     has_recipient: 0 or 1
//   .       20    recipient signing id (if has_recipient)
//   then, for an authority (co-signed) message only (wire_flags has 0x08):
//   .       32    authority_key (x-only)
//   .       64    signature (BIP340, the co-signers')
//   nothing after.
// Version 1 (rows written before): the v1 share-message layout of the unsigned message
// (pack_message, payload at most 220 bytes), optionally followed by the 20-byte recipient
// id. A v1 row never starts with 00: its first byte is a message type the API sends.
//
// The node keeps no signature of its own in the outbox: a message is signed with the key in
// use when it is packed into a share. An authority message comes signed and keeps its
// signature.
#pragma once

#include <optional>

#include "proto/message.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

struct OutboxItem {
    proto::ShareMessage message;  // unsigned (but an authority message); flags == wire_flags
    std::optional<proto::SigningId> to;
};

// Fails with Errc::oversize for a payload over MAX_REASSEMBLED_PAYLOAD and with
// Errc::invalid_argument for an empty one.
Result<Bytes> encode_outbox_item(const proto::ShareMessage& m,
                                 const std::optional<proto::SigningId>& to);

// Either version. Errors name what is wrong (truncated, oversize, trailing bytes, a bad
// has_recipient byte).
Result<OutboxItem> decode_outbox_item(ByteView blob);

}  // namespace sharemsg::node
