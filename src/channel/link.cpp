#include "channel/link.hpp"

#include <array>
#include <string>

namespace sharemsg::channel {

namespace {

struct TypeInfo {
    LinkType type;
    std::string_view name;
    std::size_t body_size;
};

constexpr std::array<TypeInfo, 2> kTypes{{
    {LinkType::ping, "ping", 8},
    {LinkType::pong, "pong", 8},
}};

const TypeInfo* find(std::uint8_t byte) {
    for (const auto& t : kTypes)
        if (static_cast<std::uint8_t>(t.type) == byte) return &t;
    return nullptr;
}

}  // namespace

std::string_view link_type_name(LinkType t) noexcept {
    const auto* info = find(static_cast<std::uint8_t>(t));
    return info ? info->name : "unknown";
}

std::string_view link_problem_name(LinkProblem p) noexcept {
    switch (p) {
        case LinkProblem::empty:
            return "empty";
        case LinkProblem::unknown_type:
            return "unknown_type";
        case LinkProblem::bad_length:
            return "bad_length";
    }
    return "unknown";
}

Bytes encode_link(const LinkMessage& m) {
    Bytes out;
    out.reserve(1 + 8);
    out.push_back(static_cast<std::uint8_t>(m.type));
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<std::uint8_t>(m.nonce >> (8 * i)));
    return out;
}

util::Checked<LinkMessage, LinkProblem> decode_link(ByteView frame) {
    using F = util::Failure<LinkProblem>;
    if (frame.empty()) return F{LinkProblem::empty, "a link message needs a type byte"};
    const auto* info = find(frame[0]);
    if (!info) return F{LinkProblem::unknown_type, "link message type " + std::to_string(frame[0])};
    if (frame.size() - 1 != info->body_size)
        return F{LinkProblem::bad_length, std::string(info->name) + " body of " +
                                              std::to_string(frame.size() - 1) + " bytes, not " +
                                              std::to_string(info->body_size)};
    LinkMessage m;
    m.type = info->type;
    for (int i = 0; i < 8; ++i)
        m.nonce |= std::uint64_t{frame[1 + static_cast<std::size_t>(i)]} << (8 * i);
    return m;
}

}  // namespace sharemsg::channel
