// Builders for every message type, with the reference's compact JSON payload keys. The
// timestamp is a parameter (the reference uses the current time).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/message.hpp"

namespace sharemsg::proto {

struct NodeStatus {
    nlohmann::ordered_json version = "";  // usually a string such as "13.4"
    double uptime = 0;                    // seconds (truncated)
    double hashrate = 0;                  // H/s (truncated)
    nlohmann::ordered_json share_count = 0;
    nlohmann::ordered_json peers = 0;
    std::vector<std::string> merged_chains;  // "mc", omitted when empty
    std::vector<std::string> capabilities;   // "cap", omitted when empty
};

// {"v","up","hr","sc","p"[,"mc"][,"cap"]}, flags BROADCAST.
ShareMessage build_node_status(const NodeStatus& s, std::uint32_t now);
// Text messages (flags HAS_SIGNATURE|BROADCAST|PERSISTENT); text over 220 bytes is cut at
// 220 bytes, as the reference does.
ShareMessage build_miner_message(std::string_view text, std::uint32_t now);
ShareMessage build_pool_announcement(std::string_view text, std::uint32_t now);
ShareMessage build_emergency_alert(std::string_view text, std::uint32_t now);
// {"chain","sym","h","bv","bf"}, flags BROADCAST.
ShareMessage build_merged_status(const std::string& chain, const std::string& symbol,
                                 nlohmann::ordered_json height, nlohmann::ordered_json block_value,
                                 nlohmann::ordered_json blocks_found, std::uint32_t now);
// {"ver","feat",...extra}, flags BROADCAST.
ShareMessage build_version_signal(nlohmann::ordered_json version, nlohmann::ordered_json features,
                                  const nlohmann::ordered_json& extra, std::uint32_t now);

struct TransitionSignal {
    nlohmann::ordered_json from;  // e.g. 36 or "35"
    nlohmann::ordered_json to;
    std::string message;
    std::string urgency = "recommended";              // info | recommended | required
    std::string url;                                  // omitted when empty
    std::optional<nlohmann::ordered_json> threshold;  // "thr"
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// {"from","to","msg","urg"[,"url"][,"thr"],...extra}; flags 0x0f. Fails for an unknown
// urgency or a payload over 220 bytes.
Result<ShareMessage> build_transition_signal(const TransitionSignal& t, std::uint32_t now);

}  // namespace sharemsg::proto
