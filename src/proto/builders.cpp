#include "proto/builders.hpp"
#include "util/numeric.hpp"

#include <cmath>

#include "util/pyjson.hpp"

namespace sharemsg::proto {

namespace {
ShareMessage json_message(std::uint8_t type, const nlohmann::ordered_json& j, std::uint8_t flags,
                          std::uint32_t now) {
    return ShareMessage::make(type, as_bytes(python_json_dumps(j)), flags, now);
}

ShareMessage text_message(std::uint8_t type, std::string_view text, std::uint32_t now) {
    if (text.size() > MAX_MESSAGE_PAYLOAD) text = text.substr(0, MAX_MESSAGE_PAYLOAD);
    return ShareMessage::make(type, as_bytes(text),
                              FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT, now);
}

void update(nlohmann::ordered_json& j, const nlohmann::ordered_json& extra) {
    if (!extra.is_object()) return;
    for (const auto& [k, v] : extra.items())
        j[k] = v;
}
}  // namespace

ShareMessage build_node_status(const NodeStatus& s, std::uint32_t now) {
    nlohmann::ordered_json j;
    j["v"] = s.version;
    j["up"] = saturate_cast<std::int64_t>(s.uptime);
    j["hr"] = saturate_cast<std::int64_t>(s.hashrate);
    j["sc"] = s.share_count;
    j["p"] = s.peers;
    if (!s.merged_chains.empty()) j["mc"] = s.merged_chains;
    if (!s.capabilities.empty()) j["cap"] = s.capabilities;
    return json_message(MSG_NODE_STATUS, j, FLAG_BROADCAST, now);
}

ShareMessage build_miner_message(std::string_view text, std::uint32_t now) {
    return text_message(MSG_MINER_MESSAGE, text, now);
}
ShareMessage build_pool_announcement(std::string_view text, std::uint32_t now) {
    return text_message(MSG_POOL_ANNOUNCE, text, now);
}
ShareMessage build_emergency_alert(std::string_view text, std::uint32_t now) {
    return text_message(MSG_EMERGENCY, text, now);
}

ShareMessage build_merged_status(const std::string& chain, const std::string& symbol,
                                 nlohmann::ordered_json height, nlohmann::ordered_json block_value,
                                 nlohmann::ordered_json blocks_found, std::uint32_t now) {
    nlohmann::ordered_json j;
    j["chain"] = chain;
    j["sym"] = symbol;
    j["h"] = std::move(height);
    j["bv"] = std::move(block_value);
    j["bf"] = std::move(blocks_found);
    return json_message(MSG_MERGED_STATUS, j, FLAG_BROADCAST, now);
}

ShareMessage build_version_signal(nlohmann::ordered_json version, nlohmann::ordered_json features,
                                  const nlohmann::ordered_json& extra, std::uint32_t now) {
    nlohmann::ordered_json j;
    j["ver"] = std::move(version);
    j["feat"] = std::move(features);
    update(j, extra);
    return json_message(MSG_VERSION_SIGNAL, j, FLAG_BROADCAST, now);
}

Result<ShareMessage> build_transition_signal(const TransitionSignal& t, std::uint32_t now) {
    if (t.urgency != "info" && t.urgency != "recommended" && t.urgency != "required")
        return make_error(Errc::invalid_argument, "urgency must be info, recommended, or required");
    nlohmann::ordered_json j;
    j["from"] = t.from;
    j["to"] = t.to;
    j["msg"] = t.message;
    j["urg"] = t.urgency;
    if (!t.url.empty()) j["url"] = t.url;
    if (t.threshold) j["thr"] = *t.threshold;
    update(j, t.extra);
    const std::string payload = python_json_dumps(j);
    if (payload.size() > MAX_MESSAGE_PAYLOAD)
        return make_error(Errc::oversize,
                          "transition signal payload too large: " + std::to_string(payload.size()) +
                              " > " + std::to_string(MAX_MESSAGE_PAYLOAD));
    return ShareMessage::make(
        MSG_TRANSITION_SIGNAL, as_bytes(payload),
        FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT | FLAG_PROTOCOL_AUTHORITY, now);
}

}  // namespace sharemsg::proto
