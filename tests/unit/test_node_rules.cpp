// The rule enum end to end: verifiers set it on their errors (chain's PoW, the node's share
// checks), and the node's one table gives each rule a distinct name, a score, and whether it
// bans; scores saturate.
#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>

#include "chain/pow.hpp"
#include "chain/target_rules.hpp"
#include "node/network.hpp"
#include "node/rules.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

TEST(NodeRules, EveryRuleHasADistinctNamedRow) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < RULE_COUNT; ++i) {
        const auto r = static_cast<Rule>(i);
        const auto& p = rule_policy(r);
        EXPECT_EQ(p.rule, r);
        ASSERT_NE(p.name, nullptr);
        EXPECT_TRUE(names.insert(p.name).second) << p.name;
        EXPECT_GE(p.score, 0);
        // A banning rule costs a ban's worth of points; the others less.
        EXPECT_EQ(p.bans, p.score >= BAN_SCORE) << p.name;
    }
    EXPECT_STREQ(rule_name(Rule::too_many_shares), "too_many_shares");
    EXPECT_STREQ(rule_name(Rule::pow_invalid), "pow_invalid");
}

TEST(NodeRules, PowRulesMapOntoRulesWithTheReferencesVerdict) {
    using chain::PowRule;
    for (auto r : {PowRule::bad_coinbase_size, PowRule::ref_hash, PowRule::hash_link,
                   PowRule::segwit_data_missing, PowRule::merkle_link, PowRule::header_version,
                   PowRule::target_invalid, PowRule::target_above_max_target, PowRule::pow_invalid,
                   PowRule::hash_mismatch}) {
        const Rule rule = chain::to_rule(r);
        EXPECT_NE(rule, Rule::none) << chain::pow_rule_name(r);
        // The same name, and PeerMisbehavingError (ban) exactly where the reference raises it.
        EXPECT_STREQ(rule_name(rule), chain::pow_rule_name(r));
        EXPECT_EQ(rule_policy(rule).bans, chain::pow_rule_is_misbehaviour(r))
            << chain::pow_rule_name(r);
    }
    EXPECT_EQ(chain::to_rule(PowRule::ok), Rule::none);
}

TEST(NodeRules, DifficultyRulesMapOntoRulesWithTheReferencesVerdict) {
    using chain::TargetRule;
    for (auto r : {TargetRule::timestamp_future, TargetRule::timestamp_order, TargetRule::max_bits,
                   TargetRule::bits}) {
        const Rule rule = chain::to_rule(r);
        EXPECT_NE(rule, Rule::none) << chain::target_rule_name(r);
        EXPECT_STREQ(rule_name(rule), chain::target_rule_name(r));
        EXPECT_EQ(rule_policy(rule).bans, chain::target_rule_is_misbehaviour(r))
            << chain::target_rule_name(r);
    }
    EXPECT_EQ(chain::to_rule(TargetRule::ok), Rule::none);
    EXPECT_EQ(chain::to_rule(TargetRule::deferred), Rule::none);
}

TEST(NodeRules, VerifyShareNamesTheRuleItBroke) {
    const auto net = devnet_network();
    // The two-byte share of the hostile `shares` message: type 36, no contents.
    const chain::ShareTracker tracker;
    auto v = verify_share(net, p2p::WrappedShare{36, {}}, tracker, 1700000000);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().rule, Rule::malformed_share);
    EXPECT_TRUE(rule_policy(v.error().rule).bans);
}

TEST(NodeRules, ScoresSaturate) {
    constexpr int hi = std::numeric_limits<int>::max();
    constexpr int lo = std::numeric_limits<int>::min();
    EXPECT_EQ(add_score(0, BAN_SCORE), BAN_SCORE);
    EXPECT_EQ(add_score(hi - 5, BAN_SCORE), hi);
    EXPECT_EQ(add_score(hi, hi), hi);
    EXPECT_EQ(add_score(lo + 5, -BAN_SCORE), lo);
    int s = 0;
    for (int i = 0; i < 50'000'000; i += 1'000'000)  // far more than an int holds in total
        s = add_score(s, hi / 10);
    EXPECT_EQ(s, hi);
}

TEST(NodeRules, ErrorsCarryTheirRule) {
    const Error plain = make_error(Errc::io, "disk full");
    EXPECT_EQ(plain.rule, Rule::none);
    const Error e = make_error(Errc::oversize, Rule::too_many_shares, "3 shares");
    EXPECT_EQ(e.rule, Rule::too_many_shares);
    EXPECT_EQ(with_rule(plain, Rule::protocol).rule, Rule::protocol);
    EXPECT_EQ(e.to_string(), "oversize: 3 shares");
}
