// What two identities say to each other inside an established channel (docs/channel.md, "Link
// messages"): each channel frame carries one message, a type byte and a body whose layout the
// type fixes. One table (link.cpp) describes each type for both directions.
//
//   type 0x01 ping: nonce u64 little-endian (8 bytes). Answered by a pong with the same nonce.
//   type 0x02 pong: nonce u64 little-endian (8 bytes).
//
// A frame whose message does not decode closes the link: the peer speaks another protocol.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/bytes.hpp"
#include "util/checked.hpp"

namespace sharemsg::channel {

enum class LinkType : std::uint8_t { ping = 0x01, pong = 0x02 };

struct LinkMessage {
    LinkType type = LinkType::ping;
    std::uint64_t nonce = 0;
    bool operator==(const LinkMessage&) const = default;
};

enum class LinkProblem {
    empty,         // a frame with no type byte
    unknown_type,  // a type this version does not know
    bad_length,    // the body is not the type's size
};

std::string_view link_type_name(LinkType t) noexcept;
std::string_view link_problem_name(LinkProblem p) noexcept;

Bytes encode_link(const LinkMessage& m);
util::Checked<LinkMessage, LinkProblem> decode_link(ByteView frame);

}  // namespace sharemsg::channel
