#include "channel/link.hpp"

#include <array>
#include <string>
#include <utility>

namespace sharemsg::channel {

namespace {

// Every type's body starts with a u64; what follows is `rest`.
enum class Rest { none, flag, bytes };

struct TypeInfo {
    LinkType type;
    std::string_view name;
    Rest rest;
};

constexpr std::array<TypeInfo, 4> kTypes{{
    {LinkType::ping, "ping", Rest::none},
    {LinkType::pong, "pong", Rest::none},
    {LinkType::mail, "mail", Rest::bytes},
    {LinkType::mail_ack, "mail_ack", Rest::flag},
}};

const TypeInfo* find(std::uint8_t byte) {
    for (const auto& t : kTypes)
        if (static_cast<std::uint8_t>(t.type) == byte) return &t;
    return nullptr;
}

// The body sizes a type allows after its u64.
std::pair<std::size_t, std::size_t> rest_bounds(Rest r) {
    switch (r) {
        case Rest::none:
            return {0, 0};
        case Rest::flag:
            return {1, 1};
        case Rest::bytes:
            return {1, MAX_LINK_MAIL};
    }
    return {0, 0};
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
        case LinkProblem::bad_value:
            return "bad_value";
    }
    return "unknown";
}

Bytes encode_link(const LinkMessage& m) {
    ByteWriter w;
    w.u8(static_cast<std::uint8_t>(m.type));
    w.u64le(m.nonce);
    const auto* info = find(static_cast<std::uint8_t>(m.type));
    if (info && info->rest == Rest::flag) w.u8(m.accepted ? 1 : 0);
    if (info && info->rest == Rest::bytes) w.bytes(m.body);
    return std::move(w).take();
}

util::Checked<LinkMessage, LinkProblem> decode_link(ByteView frame) {
    using F = util::Failure<LinkProblem>;
    if (frame.empty()) return F{LinkProblem::empty, "a link message needs a type byte"};
    const auto* info = find(frame[0]);
    if (!info) return F{LinkProblem::unknown_type, "link message type " + std::to_string(frame[0])};
    const auto [lo, hi] = rest_bounds(info->rest);
    const std::size_t body = frame.size() - 1;
    if (body < 8 + lo || body > 8 + hi)
        return F{LinkProblem::bad_length,
                 std::string(info->name) + " body of " + std::to_string(body) + " bytes, not " +
                     (lo == hi ? std::to_string(8 + lo)
                               : std::to_string(8 + lo) + ".." + std::to_string(8 + hi))};
    LinkMessage m;
    m.type = info->type;
    for (int i = 0; i < 8; ++i)
        m.nonce |= std::uint64_t{frame[1 + static_cast<std::size_t>(i)]} << (8 * i);
    const ByteView rest = frame.subspan(9);
    if (info->rest == Rest::flag) {
        if (rest[0] > 1) return F{LinkProblem::bad_value, "mail_ack's accepted byte is not 0 or 1"};
        m.accepted = rest[0] == 1;
    }
    if (info->rest == Rest::bytes) m.body.assign(rest.begin(), rest.end());
    return m;
}

}  // namespace sharemsg::channel
