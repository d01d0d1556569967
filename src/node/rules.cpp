#include "node/rules.hpp"

#include <array>
#include <limits>

namespace sharemsg::node {

namespace {

// One row per Rule, in the enum's order.
constexpr std::array<RulePolicy, RULE_COUNT> kPolicies{{
    {Rule::none, "none", 0, false},
    {Rule::malformed_share, "malformed_share", BAN_SCORE, true},
    {Rule::share_version_unsupported, "share_version_unsupported", 0, false},
    {Rule::bad_coinbase_size, "bad_coinbase_size", MINOR_SCORE, false},
    {Rule::ref_hash, "ref_hash", MINOR_SCORE, false},
    {Rule::hash_link, "hash_link", MINOR_SCORE, false},
    {Rule::segwit_data_missing, "segwit_data_missing", MINOR_SCORE, false},
    {Rule::merkle_link, "merkle_link", MINOR_SCORE, false},
    {Rule::header_version, "header_version", MINOR_SCORE, false},
    {Rule::target_invalid, "target_invalid", BAN_SCORE, true},
    {Rule::target_above_max_target, "target_above_max_target", BAN_SCORE, true},
    {Rule::pow_invalid, "pow_invalid", BAN_SCORE, true},
    {Rule::hash_mismatch, "hash_mismatch", BAN_SCORE, true},
    {Rule::share_timestamp_future, "share_timestamp_future", BAN_SCORE, true},
    {Rule::share_timestamp_order, "share_timestamp_order", BAN_SCORE, true},
    {Rule::share_max_bits, "share_max_bits", BAN_SCORE, true},
    {Rule::share_bits, "share_bits", BAN_SCORE, true},
    {Rule::share_absheight, "share_absheight", BAN_SCORE, true},
    {Rule::share_abswork, "share_abswork", BAN_SCORE, true},
    {Rule::share_far_share_hash, "share_far_share_hash", BAN_SCORE, true},
    {Rule::share_merged_payout_hash, "share_merged_payout_hash", BAN_SCORE, true},
    {Rule::share_gentx_mismatch, "share_gentx_mismatch", BAN_SCORE, true},
    {Rule::share_merged_coinbase, "share_merged_coinbase", BAN_SCORE, true},
    {Rule::message_data, "message_data", BAN_SCORE, true},
    {Rule::open_profile_disabled, "open_profile_disabled", BAN_SCORE, true},
    {Rule::bad_checksum, "bad_checksum", BAN_SCORE, true},
    {Rule::malformed_message, "malformed_message", BAN_SCORE, true},
    {Rule::protocol, "protocol", BAN_SCORE, true},
    {Rule::peer_too_old, "peer_too_old", BAN_SCORE, true},
    {Rule::oversized_sharereq, "oversized_sharereq", BAN_SCORE, true},
    {Rule::too_many_shares, "too_many_shares", BAN_SCORE, true},
}};

constexpr bool rows_in_order() {
    for (std::size_t i = 0; i < kPolicies.size(); ++i)
        if (static_cast<std::size_t>(kPolicies[i].rule) != i) return false;
    return true;
}
static_assert(rows_in_order(), "kPolicies: one row per Rule, in the enum's order");

}  // namespace

const RulePolicy& rule_policy(Rule r) {
    const auto i = static_cast<std::size_t>(r);
    return kPolicies[i < kPolicies.size() ? i : 0];
}

int add_score(int score, int points) {
    constexpr int hi = std::numeric_limits<int>::max(), lo = std::numeric_limits<int>::min();
    if (points > 0 && score > hi - points) return hi;
    if (points < 0 && score < lo - points) return lo;
    return score + points;
}

}  // namespace sharemsg::node
