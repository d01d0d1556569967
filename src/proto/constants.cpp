#include "proto/constants.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace sharemsg::proto {

namespace {
constexpr std::array<std::pair<std::uint8_t, const char*>, 7> kNames{{
    {MSG_NODE_STATUS, "NODE_STATUS"},
    {MSG_MINER_MESSAGE, "MINER_MESSAGE"},
    {MSG_POOL_ANNOUNCE, "POOL_ANNOUNCE"},
    {MSG_VERSION_SIGNAL, "VERSION_SIGNAL"},
    {MSG_MERGED_STATUS, "MERGED_STATUS"},
    {MSG_EMERGENCY, "EMERGENCY"},
    {MSG_TRANSITION_SIGNAL, "TRANSITION_SIGNAL"},
}};

const char* known_name(std::uint8_t t) {
    for (const auto& [id, name] : kNames)
        if (id == t) return name;
    return nullptr;
}

std::string hex_byte(const char* prefix, std::uint8_t t) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%s0x%02x", prefix, t);
    return buf;
}
}  // namespace

std::string type_name(std::uint8_t t) {
    const char* n = known_name(t);
    return n ? std::string(n) : hex_byte("UNKNOWN_", t);
}

std::string type_short_name(std::uint8_t t) {
    const char* n = known_name(t);
    return n ? std::string(n) : hex_byte("", t);
}

bool is_known_type(std::uint8_t t) {
    return known_name(t) != nullptr;
}

std::optional<std::uint8_t> type_from_name(std::string_view name) {
    if (name == "status") return MSG_NODE_STATUS;
    if (name == "chat") return MSG_MINER_MESSAGE;
    if (name == "announce") return MSG_POOL_ANNOUNCE;
    if (name == "version") return MSG_VERSION_SIGNAL;
    if (name == "merged") return MSG_MERGED_STATUS;
    if (name == "alert" || name == "emergency") return MSG_EMERGENCY;
    if (name == "transition") return MSG_TRANSITION_SIGNAL;
    for (const auto& [id, n] : kNames)
        if (name == n) return id;
    return std::nullopt;
}

}  // namespace sharemsg::proto
