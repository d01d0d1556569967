// src/chain/target_rules: the share difficulty rule.
//
// The golden values (vectors/difficulty/targets.json) were computed by the reference's
// formulas on generated chains (make_golden.py) and confirmed by running the reference's own
// generate_transaction over them (check_reference.py); see vectors/difficulty/README.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "chain/target.hpp"
#include "chain/target_rules.hpp"
#include "p2p/params.hpp"

#include "chain_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::chain;
using json = nlohmann::json;

namespace {

std::filesystem::path golden_path() {
    return chain_test::project_vector("difficulty/targets.json");
}

json golden() {
    const auto path = golden_path();
    std::ifstream f(path);
    EXPECT_TRUE(f.good()) << "cannot open " << path;
    return json::parse(f, nullptr, false);
}

Uint256 int256(const std::string& h) {
    return from_int_hex<32>(h).value();
}

TargetParams params_of(const json& n) {
    TargetParams p;
    p.share_period_s = n["share_period"].get<std::uint32_t>();
    p.chain_length = n["chain_length"].get<std::uint32_t>();
    p.target_lookbehind = n["target_lookbehind"].get<std::uint32_t>();
    p.min_target = int256(n["min_target"].get<std::string>());
    p.max_target = int256(n["max_target"].get<std::string>());
    return p;
}

TargetFields fields_of(const json& s) {
    return TargetFields{s["timestamp"].get<std::uint32_t>(), s["bits"].get<std::uint32_t>(),
                        s["max_bits"].get<std::uint32_t>()};
}

// What a tracker holding shares[0..i) from the chain's first share shows share i.
AncestorView view_of(const json& shares, std::size_t i, std::uint32_t lookbehind) {
    AncestorView v;
    v.parent_height = i;
    v.reaches_first_share = true;
    for (std::size_t k = i; k-- > 0 && v.window.size() < lookbehind;)
        v.window.push_back(fields_of(shares[k]));
    return v;
}

// A devnet-like network small enough to reason about by hand.
TargetParams small_net() {
    TargetParams p = p2p::target_params(p2p::DEVNET);
    p.chain_length = 5;
    p.target_lookbehind = 3;
    return p;
}

}  // namespace

TEST(ChainTarget, GoldenValuesOfTheReference) {
    const json doc = golden();
    ASSERT_TRUE(doc.is_object());
    std::size_t shares = 0, probes = 0;
    for (const auto& n : doc["networks"]) {
        const std::string name = n["name"].get<std::string>();
        const TargetParams params = params_of(n);
        // The file's networks are ours: the same numbers as our one table for each.
        const p2p::NetworkParams* table = p2p::find_network(name);
        ASSERT_NE(table, nullptr) << name;
        const TargetParams ours = p2p::target_params(*table);
        EXPECT_EQ(ours.share_period_s, params.share_period_s) << name;
        EXPECT_EQ(ours.chain_length, params.chain_length) << name;
        EXPECT_EQ(table->real_chain_length, n["real_chain_length"].get<std::uint32_t>()) << name;
        EXPECT_EQ(ours.target_lookbehind, params.target_lookbehind) << name;
        EXPECT_EQ(ours.min_target, params.min_target) << name;
        EXPECT_EQ(ours.max_target, params.max_target) << name;

        const json& chain = n["shares"];
        for (std::size_t i = 0; i < chain.size(); ++i) {
            const json& s = chain[i];
            const auto view = view_of(chain, i, params.target_lookbehind);
            const TargetFields own = fields_of(s);
            const auto pool = pool_target(params, view, own.timestamp);
            ASSERT_TRUE(pool) << name << " share " << i;
            const std::string where =
                name + " share " + std::to_string(i) + " (" + s["case"].get<std::string>() + ")";
            EXPECT_EQ(to_int_hex(pool->pre_target3),
                      to_int_hex(int256(s["pre_target3"].get<std::string>())))
                << where;
            EXPECT_EQ(pool->max_bits, own.max_bits) << where;
            const auto verdict = check_share_target(params, view, own);
            EXPECT_TRUE(verdict.ok()) << where << ": " << verdict.reason;
            for (const auto& p : s["probes"]) {
                TargetFields probe = own;
                probe.bits = p[0].get<std::uint32_t>();
                const bool pass = p[1].get<bool>();
                const auto v = check_share_target(params, view, probe);
                EXPECT_EQ(v.ok(), pass)
                    << where << " bits " << std::hex << probe.bits << ": " << v.reason;
                if (!pass) {
                    EXPECT_EQ(v.rule, TargetRule::bits) << where;
                }
                ++probes;
            }
            // max_bits must be exactly the pool's: one step easier or harder fails.
            for (std::uint32_t other : {own.max_bits + 1, own.max_bits - 1}) {
                TargetFields wrong = own;
                wrong.max_bits = other;
                EXPECT_EQ(check_share_target(params, view, wrong).rule, TargetRule::max_bits)
                    << where;
            }
            ++shares;
        }
    }
    // Every network, every share of the file was checked.
    EXPECT_EQ(doc["networks"].size(), 3u);
    EXPECT_GE(shares, 900u);
    EXPECT_GE(probes, 6000u);
}

TEST(ChainTarget, TooEasyShareHasItsOwnRule) {
    const TargetParams p = small_net();
    // A chain whose shares came every second for a 10 s share period: the pool demands
    // harder shares than MAX_TARGET.
    AncestorView v;
    v.parent_height = 10;
    v.reaches_first_share = true;
    const std::uint32_t max_bits = bits_from_target_upper_bound(p.max_target);
    for (std::uint32_t k = 0; k < p.target_lookbehind; ++k)
        v.window.push_back(TargetFields{1000 - k, max_bits, max_bits});
    const auto pool = pool_target(p, v, 1001);
    ASSERT_TRUE(pool);
    EXPECT_LT(compare_uint256(pool->pre_target3, p.max_target), 0);
    // The same share claiming the network's easiest target is refused, by name.
    const auto easy = check_share_target(p, v, TargetFields{1001, max_bits, max_bits});
    EXPECT_EQ(easy.rule, TargetRule::max_bits) << easy.reason;
    EXPECT_STREQ(target_rule_name(easy.rule), "share_max_bits");
    EXPECT_TRUE(target_rule_is_misbehaviour(easy.rule));
    EXPECT_NE(easy.reason.find("max_bits 200fffff is not the pool's"), std::string::npos)
        << easy.reason;
    // With the pool's max_bits but easier bits than it: a target above max_target is the PoW
    // rule's (target_above_max_target); bits harder than 1/30 of it are this rule's.
    Uint256 harder{};  // pre_target3 // 30 // 256: below what bits may be raised to
    std::copy(pool->hardest.begin() + 1, pool->hardest.end(), harder.begin());
    const std::uint32_t hard = bits_from_target_upper_bound(harder);
    const auto too_hard = check_share_target(p, v, TargetFields{1001, hard, pool->max_bits});
    EXPECT_EQ(too_hard.rule, TargetRule::bits) << too_hard.reason;
    EXPECT_STREQ(target_rule_name(too_hard.rule), "share_bits");
    // And at the pool's own target it passes.
    EXPECT_TRUE(check_share_target(p, v, TargetFields{1001, pool->max_bits, pool->max_bits}).ok());
}

TEST(ChainTarget, ASharesAncestorsMustBeKnownBeforeItIsChecked) {
    const TargetParams p = small_net();  // CHAIN_LENGTH 5
    const std::uint32_t max_bits = bits_from_target_upper_bound(p.max_target);
    const TargetFields share{1000, max_bits, max_bits};
    AncestorView v;  // the parent is unknown
    EXPECT_FALSE(can_check(p, v));
    EXPECT_EQ(check_share_target(p, v, share).rule, TargetRule::deferred);
    EXPECT_FALSE(target_rule_is_misbehaviour(TargetRule::deferred));
    // Four known ancestors, not reaching the first share: still too few (a share needs
    // CHAIN_LENGTH + 1 shares, itself included).
    v.parent_height = 4;
    for (std::uint32_t k = 0; k < 3; ++k)
        v.window.push_back(TargetFields{999 - k, max_bits, max_bits});
    EXPECT_FALSE(can_check(p, v));
    EXPECT_EQ(check_share_target(p, v, share).rule, TargetRule::deferred);
    // Five: checked.
    v.parent_height = 5;
    EXPECT_TRUE(can_check(p, v));
    EXPECT_NE(check_share_target(p, v, share).rule, TargetRule::deferred);
    // Or four that reach the chain's first share.
    v.parent_height = 4;
    v.reaches_first_share = true;
    EXPECT_TRUE(can_check(p, v));
    // The first share of a chain (no parent) is checked at once, against MAX_TARGET.
    const AncestorView first{0, true, {}};
    EXPECT_TRUE(check_share_target(p, first, share).ok());
    const auto pool = pool_target(p, first, 1000);
    ASSERT_TRUE(pool);
    EXPECT_EQ(pool->pre_target3, p.max_target);
    // A window shorter than the formula reads cannot be computed.
    AncestorView thin{100, false, {share}};
    EXPECT_FALSE(pool_target(p, thin, 1000));
    EXPECT_EQ(check_share_target(p, thin, TargetFields{1001, max_bits, max_bits}).rule,
              TargetRule::deferred);
}

TEST(ChainTarget, TimestampsMustMoveOnAndNotRunAhead) {
    TargetParams p = small_net();
    EXPECT_EQ(p.max_timestamp_ahead_s, 86400u);  // the devnet's: tests mine faster than 1/s
    p.max_timestamp_ahead_s = p2p::target_params(p2p::LITECOIN_MAINNET).max_timestamp_ahead_s;
    EXPECT_EQ(p.max_timestamp_ahead_s, 600u);  // the reference's Share.check
    const std::uint32_t max_bits = bits_from_target_upper_bound(p.max_target);
    const AncestorView v{1, true, {TargetFields{1000, max_bits, max_bits}}};
    // Not after the parent's: share_info regenerated differs.
    for (std::uint32_t ts : {1000u, 999u}) {
        const auto r = check_share_target(p, v, TargetFields{ts, max_bits, max_bits});
        EXPECT_EQ(r.rule, TargetRule::timestamp_order) << r.reason;
        EXPECT_STREQ(target_rule_name(r.rule), "share_timestamp_order");
        EXPECT_TRUE(target_rule_is_misbehaviour(r.rule));
    }
    EXPECT_TRUE(check_share_target(p, v, TargetFields{1001, max_bits, max_bits}).ok());
    // More than 600 s ahead of the receiver's clock, checked before anything else (even for
    // a share that cannot be checked yet).
    const TargetFields future{2000, max_bits, max_bits};
    EXPECT_TRUE(check_share_target(p, v, future, 1400).ok());
    const auto r = check_share_target(p, v, future, 1399);
    EXPECT_EQ(r.rule, TargetRule::timestamp_future) << r.reason;
    EXPECT_STREQ(target_rule_name(r.rule), "share_timestamp_future");
    EXPECT_EQ(check_share_target(p, AncestorView{}, future, 1399).rule,
              TargetRule::timestamp_future);
}

TEST(ChainTarget, EmergencyDecayEasesAStalledPool) {
    TargetParams p = small_net();  // SHARE_PERIOD 10: threshold 200 s, half-life 100 s
    p.min_target = Uint256{};      // room below the devnet's MIN_TARGET
    const Uint256 start =
        int256("0001000000000000000000000000000000000000000000000000000000000000");
    const std::uint32_t bits = bits_from_target_upper_bound(start);
    AncestorView v{10, true, {}};
    for (std::uint32_t k = 0; k < p.target_lookbehind; ++k)
        v.window.push_back(TargetFields{10000 - 10 * k, bits, bits});
    // Within the threshold the target moves by at most a tenth of the parent's.
    const auto calm = pool_target(p, v, 10200);
    ASSERT_TRUE(calm);
    // 2^240 * 11 // 10 at most.
    EXPECT_LE(
        compare_uint256(calm->pre_target3,
                        int256("0001199999999999999999999999999999999999999999999999999999999999")),
        0);
    // 250 s after the parent: 50 s past the threshold, half a half-life: ref = 1.5 x 2^240,
    // and the target may be 9/10 of that at least.
    const auto eased = pool_target(p, v, 10250);
    ASSERT_TRUE(eased);
    EXPECT_GE(
        compare_uint256(eased->pre_target3,
                        int256("0001599999999999999999999999999999999999999999999999999999999999")),
        0);
    // A stall of years: the reference target is eased to MAX_TARGET at most, and the pool's
    // target may be 9/10 of it at least.
    const auto years = pool_target(p, v, 4000000000u);
    ASSERT_TRUE(years);
    EXPECT_EQ(to_int_hex(years->pre_target3),
              "0e66666666666666666666666666666666666666666666666666666666666665");
}
