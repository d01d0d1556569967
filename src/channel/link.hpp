// What two identities say to each other inside an established channel (docs/nat.md, "Direct
// links"): each channel frame carries one message, a type byte and a body whose layout the
// type fixes. One table (link.cpp) describes each type for both directions.
//
//   type 0x01 ping:     nonce u64 little-endian (8 bytes). Answered by a pong with the same nonce.
//   type 0x02 pong:     nonce u64 little-endian (8 bytes).
//   type 0x03 mail:     tag u64 || a mailbox message as its request JSON (mailbox/codec.hpp),
//                       1..MAX_LINK_MAIL bytes. Answered by a mail_ack with the same tag.
//   type 0x04 mail_ack: tag u64 || accepted u8 (1: committed to the recipient's inbox or held
//                       for it; 0: refused).
//
// A frame whose message does not decode closes the link: the peer speaks another protocol.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/bytes.hpp"
#include "util/checked.hpp"

namespace sharemsg::channel {

enum class LinkType : std::uint8_t { ping = 0x01, pong = 0x02, mail = 0x03, mail_ack = 0x04 };

// The largest mail body: a mailbox request of the largest payload, in JSON with base64.
inline constexpr std::size_t MAX_LINK_MAIL = 96 * 1024;

struct LinkMessage {
    LinkType type = LinkType::ping;
    std::uint64_t nonce = 0;  // ping and pong: the nonce; mail and mail_ack: the tag
    bool accepted = false;    // mail_ack
    Bytes body;               // mail: the request JSON
    bool operator==(const LinkMessage&) const = default;
};

enum class LinkProblem {
    empty,         // a frame with no type byte
    unknown_type,  // a type this version does not know
    bad_length,    // the body is not of the type's size
    bad_value,     // a field out of its range (mail_ack's accepted byte not 0 or 1)
};

std::string_view link_type_name(LinkType t) noexcept;
std::string_view link_problem_name(LinkProblem p) noexcept;

Bytes encode_link(const LinkMessage& m);
util::Checked<LinkMessage, LinkProblem> decode_link(ByteView frame);

}  // namespace sharemsg::channel
