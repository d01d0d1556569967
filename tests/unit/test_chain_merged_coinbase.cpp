// src/chain/merged_coinbase: the V36 merged-mining commitment.
//
// The golden values (vectors/merged/merged_coinbase.json) were made by running the
// reference's own verify_merged_coinbase_commitment and build_canonical_merged_coinbase
// (vectors/merged/make_golden.py, README.md beside it).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>

#include "chain/merged_coinbase.hpp"
#include "chain/target.hpp"
#include "p2p/params.hpp"

#include "chain_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::chain;
using json = nlohmann::json;

namespace {

const json& golden() {
    static const json doc = [] {
        const auto path = chain_test::project_vector("merged/merged_coinbase.json");
        std::ifstream f(path);
        EXPECT_TRUE(f.good()) << "cannot open " << path;
        return json::parse(f, nullptr, false);
    }();
    return doc;
}

Uint160 payee_hash(const json& payee) {
    return from_int_hex<20>(payee[1].get<std::string>()).value();
}

std::vector<MergedAddress> addresses_of(const json& doc, std::size_t payee, std::size_t i) {
    const json& m = doc["merged_of"][payee];
    if (m.is_null() || (payee >= 3 && payee <= 5 && i % 2 == 1)) return {};
    return {MergedAddress{DOGECOIN_CHAIN_ID, chain_test::hex(m.get<std::string>())}};
}

// The window below a case's share: its tip first, REAL_CHAIN_LENGTH shares at most.
GentxChain chain_of(const json& doc, const json& n, const json& c,
                    const std::vector<std::array<std::uint64_t, 4>>& rows) {
    GentxChain g;
    const auto tip = c["tip"].get<std::size_t>();
    const auto real = n["real_chain_length"].get<std::size_t>();
    const std::size_t first = tip + 1 > real ? tip + 1 - real : 0;
    g.parent_height = tip - first + 1;
    g.reaches_first_share = first == 0;
    for (std::size_t i = tip + 1; i-- > first;) {
        const auto& row = rows[i];
        const json& payee = doc["payees"][row[0]];
        GentxAncestor a;
        a.script = payout_script(payee[0].get<std::uint8_t>(), payee_hash(payee));
        a.attempts = average_attempts_of_bits(static_cast<std::uint32_t>(row[1]));
        a.donation = static_cast<std::uint16_t>(row[2]);
        a.desired_version = row[3];
        a.merged_addresses = addresses_of(doc, row[0], i);
        g.window.push_back(std::move(a));
    }
    return g;
}

// The case's rows: the network's chain, or the variants some cases build on it.
std::vector<std::array<std::uint64_t, 4>> rows_of(const json& n, const std::string& desc) {
    std::vector<std::array<std::uint64_t, 4>> rows;
    const json& chain = n["chain"];
    for (std::size_t i = 0; i < chain.size(); ++i) {
        std::array<std::uint64_t, 4> r{
            chain[i][0].get<std::uint64_t>(), chain[i][1].get<std::uint64_t>(),
            chain[i][2].get<std::uint64_t>(), chain[i][3].get<std::uint64_t>()};
        if (desc.starts_with("one miner"))
            r = {7, r[1], 0, 36};
        else if (desc.starts_with("two miners"))
            r = {7 + i % 2, chain[0][1].get<std::uint64_t>(), 0, 36};
        else if (desc.starts_with("no share votes 36"))
            r[3] = 35;
        rows.push_back(r);
    }
    return rows;
}

Share share_of(const json& doc, const json& c) {
    const json& s = c["share"];
    const json& payee = doc["payees"][s["payee"].get<std::size_t>()];
    Share share;
    ShareInfo& i = share.share_info;
    i.share_data.previous_share_hash = Uint256{};  // a parent (the chain above)
    i.share_data.coinbase = chain_test::hex(s["coinbase"].get<std::string>());
    i.share_data.pubkey_type = payee[0].get<std::uint8_t>();
    i.share_data.pubkey_hash = payee_hash(payee);
    std::vector<MergedAddress> own;
    for (const auto& a : s["merged_addresses"])
        own.push_back(
            MergedAddress{a[0].get<std::uint32_t>(), chain_test::hex(a[1].get<std::string>())});
    if (!own.empty()) i.merged_addresses = own;
    std::vector<MergedCoinbaseInfo> infos;
    for (const auto& m : s["merged_coinbase_info"]) {
        MergedCoinbaseInfo info;
        info.chain_id = m["chain_id"].get<std::uint32_t>();
        info.coinbase_value = m["coinbase_value"].get<std::uint64_t>();
        info.block_height = m["block_height"].get<std::uint64_t>();
        const Bytes header = chain_test::hex(m["block_header"].get<std::string>());
        std::copy(header.begin(), header.end(), info.block_header_bytes.begin());
        for (const auto& h : m["branch"])
            info.coinbase_merkle_link.branch.push_back(
                from_int_hex<32>(h.get<std::string>()).value());
        info.coinbase_script = chain_test::hex(m["coinbase_script"].get<std::string>());
        infos.push_back(std::move(info));
    }
    i.merged_coinbase_info = std::move(infos);
    return share;
}

const std::map<std::string, MergedCoinbaseRule>& rule_names() {
    static const std::map<std::string, MergedCoinbaseRule> m{
        {"ok", MergedCoinbaseRule::ok},
        {"no_mm_data", MergedCoinbaseRule::no_mm_data},
        {"short_mm_data", MergedCoinbaseRule::short_mm_data},
        {"merkle_root", MergedCoinbaseRule::merkle_root},
        {"block_hash", MergedCoinbaseRule::block_hash},
        {"aux_tree_size", MergedCoinbaseRule::aux_tree_size},
    };
    return m;
}

}  // namespace

TEST(ChainMergedCoinbase, GoldenValuesOfTheReference) {
    const json& doc = golden();
    ASSERT_TRUE(doc.is_object());
    std::size_t cases = 0, canonical = 0;
    std::map<std::string, std::size_t> by_rule;
    for (const auto& n : doc["networks"]) {
        const auto net = p2p::find_network(n["name"].get<std::string>());
        ASSERT_TRUE(net) << n["name"];
        const GentxParams params = p2p::gentx_params(*net);
        EXPECT_EQ(params.real_chain_length, n["real_chain_length"].get<std::uint32_t>());
        for (const auto& c : n["cases"]) {
            const std::string desc = c["desc"].get<std::string>();
            const std::string where = n["name"].get<std::string>() + ": " + desc;
            const auto rows = rows_of(n, desc);
            const GentxChain chain = chain_of(doc, n, c, rows);
            const Share share = share_of(doc, c);
            const auto expected = rule_names().at(c["expected"].get<std::string>());
            const auto v = check_merged_coinbase(params, chain, share);
            EXPECT_EQ(v.rule, expected) << where << ": " << v.reason;
            if (!v.ok()) {
                EXPECT_EQ(to_rule(v.rule), Rule::share_merged_coinbase) << where;
            }
            ++cases;
            ++by_rule[c["expected"].get<std::string>()];
            if (c["canonical_coinbase"].is_null()) continue;
            // The canonical coinbase itself, byte for byte.
            const auto& own = share.share_info.merged_addresses;
            const auto made = canonical_merged_coinbase(
                params, chain,
                payout_script(share.share_info.share_data.pubkey_type,
                              share.share_info.share_data.pubkey_hash),
                own ? std::span<const MergedAddress>(*own) : std::span<const MergedAddress>(),
                share.share_info.merged_coinbase_info->front());
            ASSERT_TRUE(made) << where;
            EXPECT_EQ(to_hex(*made), c["canonical_coinbase"].get<std::string>()) << where;
            ++canonical;
        }
    }
    std::printf("[ merged ] %zu cases (%zu canonical coinbases):", cases, canonical);
    for (const auto& [rule, count] : by_rule)
        std::printf(" %s %zu", rule.c_str(), count);
    std::printf("\n");
    EXPECT_GE(cases, 40u);
    for (const auto& [name, rule] : rule_names())
        EXPECT_GT(by_rule[name], 0u) << "no case of " << name;
}

TEST(ChainMergedCoinbase, ScriptSigPushesTheHeightAsTheReference) {
    auto sig = [](std::uint64_t h) { return to_hex(canonical_merged_script_sig(h)); };
    const std::string extra = to_hex(as_bytes(std::string_view("/P2Pool v36/")));
    EXPECT_EQ(sig(0), "00" + extra);
    EXPECT_EQ(sig(1), "51" + extra);
    EXPECT_EQ(sig(16), "60" + extra);
    EXPECT_EQ(sig(17), "0111" + extra);
    EXPECT_EQ(sig(128), "028000" + extra);
    EXPECT_EQ(sig(5000000), "03404b4c" + extra);
}

TEST(ChainMergedCoinbase, NormalizedScripts) {
    const Bytes h(20, 0xab);
    Bytes p2wpkh{0x00, 0x14};
    append(p2wpkh, h);
    Bytes p2pkh{0x76, 0xa9, 0x14};
    append(p2pkh, h);
    p2pkh.push_back(0x88);
    p2pkh.push_back(0xac);
    Bytes p2sh{0xa9, 0x14};
    append(p2sh, h);
    p2sh.push_back(0x87);
    EXPECT_EQ(normalized_merged_script(p2wpkh), p2pkh);
    EXPECT_EQ(normalized_merged_script(p2pkh), p2pkh);
    EXPECT_EQ(normalized_merged_script(p2sh), p2sh);
    EXPECT_TRUE(normalized_merged_script(Bytes(34, 0)).empty());  // P2WSH: none
}
