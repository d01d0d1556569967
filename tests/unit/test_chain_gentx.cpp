// src/chain/gentx and pplns: the V36 generated-transaction rule.
//
// The golden values (vectors/gentx/gentx.json) were computed by our own Python 3 generator
// (make_golden.py) and confirmed by running the reference's own generate_transaction over
// them (check_reference.py); see vectors/gentx/README.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "chain/devnet.hpp"
#include "chain/gentx.hpp"
#include "chain/pplns.hpp"
#include "chain/target.hpp"
#include "p2p/params.hpp"

#include "chain_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::chain;
using json = nlohmann::json;

namespace {

std::filesystem::path golden_path() {
    return chain_test::project_vector("gentx/gentx.json");
}

const json& golden() {
    static const json doc = [] {
        std::ifstream f(golden_path());
        EXPECT_TRUE(f.good()) << "cannot open " << golden_path();
        return json::parse(f, nullptr, false);
    }();
    return doc;
}

const json& network(const std::string& name) {
    for (const auto& n : golden()["networks"])
        if (n["name"] == name) return n;
    ADD_FAILURE() << "no network " << name;
    static const json none;
    return none;
}

const json& find_case(const json& n, const std::string& desc) {
    for (const auto& c : n["cases"])
        if (c["desc"] == desc) return c;
    ADD_FAILURE() << "no case " << desc;
    static const json none;
    return none;
}

// Share i of the file's chain for network `name`: sha256d(name || '/' || le32(i)).
Uint256 share_hash(const std::string& name, std::size_t i) {
    Bytes b(name.begin(), name.end());
    b.push_back('/');
    for (int k = 0; k < 4; ++k)
        b.push_back(static_cast<std::uint8_t>(i >> (8 * k)));
    return crypto::sha256d(b);
}

std::optional<Uint256> opt_hash(const json& v) {
    if (v.is_null()) return std::nullopt;
    return from_int_hex<32>(v.get<std::string>()).value();
}

std::string u128_decimal(unsigned __int128 v) {
    std::string s;
    do {
        s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    } while (v != 0);
    return s;
}

GentxParams params_of(const json& n) {
    GentxParams p;
    p.chain_length = n["chain_length"].get<std::uint32_t>();
    p.real_chain_length = n["real_chain_length"].get<std::uint32_t>();
    p.segwit_activated = n["segwit"].get<bool>();
    return p;
}

GentxChain chain_of(const json& n, const json& c) {
    GentxChain g;
    if (c["tip"].is_null()) {
        g.reaches_first_share = true;
        return g;
    }
    const auto tip = c["tip"].get<std::size_t>();
    const auto first = c["first_known"].get<std::size_t>();
    g.parent_height = tip - first + 1;
    g.reaches_first_share = first == 0;
    const std::size_t want =
        std::min<std::size_t>(g.parent_height, n["real_chain_length"].get<std::size_t>());
    const std::string name = n["name"].get<std::string>();
    for (std::size_t i = tip + 1; i-- > first && g.window.size() < want;) {
        const json& row = n["chain"][i];
        const json& payee = n["payees"][row[0].get<std::size_t>()];
        GentxAncestor a;
        a.hash = share_hash(name, i);
        a.script = payout_script(payee[0].get<std::uint8_t>(),
                                 from_int_hex<20>(payee[1].get<std::string>()).value());
        a.attempts = average_attempts(target_from_bits(row[1].get<std::uint32_t>()).value());
        a.donation = row[2].get<std::uint16_t>();
        a.desired_version = row[3].get<std::uint64_t>();
        g.window.push_back(std::move(a));
    }
    g.window.front().absheight = c["parent_absheight"].get<std::uint32_t>();
    g.window.front().abswork = c["parent_abswork"].get<std::uint64_t>();
    return g;
}

// The share a case describes, with the share_info fields the file expects.
Share share_of(const json& c) {
    Share s;
    ShareInfo& i = s.share_info;
    i.share_data.coinbase = from_hex(c["coinbase"].get<std::string>()).value();
    i.share_data.subsidy = c["subsidy"].get<std::uint64_t>();
    i.share_data.desired_version = 36;
    if (!c["wtxid_merkle_root"].is_null())
        i.segwit_data = SegwitData{{}, opt_hash(c["wtxid_merkle_root"]).value()};
    i.bits = c["bits"].get<std::uint32_t>();
    const json& e = c["expected"];
    if (!e["deferred"].get<bool>()) {
        i.absheight = e["absheight"].get<std::uint32_t>();
        i.abswork = std::stoull(e["abswork"].get<std::string>());
        i.far_share_hash = opt_hash(e["far_share_hash"]);
        i.merged_payout_hash = opt_hash(e["merged_payout_hash"]);
    }
    s.last_txout_nonce = c["last_txout_nonce"].get<std::uint64_t>();
    return s;
}

VerifiedShare verified_of(const json& c) {
    VerifiedShare v;
    const Bytes ref = from_hex(c["ref_hash"].get<std::string>()).value();
    std::copy(ref.begin(), ref.end(), v.ref_hash.begin());
    if (!c["expected"]["deferred"].get<bool>())
        v.gentx_hash = from_int_hex<32>(c["expected"]["txid"].get<std::string>()).value();
    return v;
}

// A golden case with payees, for the tampering tests.
struct Fixture {
    GentxParams params;
    GentxChain chain;
    Share share;
    VerifiedShare verified;
};

Fixture fixture() {
    const json& n = network("litecoin_testnet");
    const json& c = find_case(n, "400 known");
    return Fixture{params_of(n), chain_of(n, c), share_of(c), verified_of(c)};
}

// The gentx hash a share would prove for these outputs (what its hash link would commit to).
crypto::Hash256 txid_of(const Fixture& f, const std::vector<TxOut>& outs) {
    const auto root =
        f.share.share_info.segwit_data
            ? std::optional<Uint256>(f.share.share_info.segwit_data->wtxid_merkle_root)
            : std::nullopt;
    return crypto::sha256d(write_v36_gentx(f.share.share_info.share_data.coinbase, root, outs,
                                           f.verified.ref_hash, f.share.last_txout_nonce));
}

// A default spec, made out of line (GCC 12 otherwise warns, wrongly, that the default
// coinbase_tag's bytes may be used uninitialized where a spec is built in a loop).
[[gnu::noinline]] DevnetShareSpec default_spec() {
    return DevnetShareSpec{};
}

}  // namespace

TEST(ChainGentx, GoldenValuesOfTheReference) {
    const json& doc = golden();
    ASSERT_TRUE(doc.is_object());
    std::size_t checked = 0, deferred = 0;
    for (const auto& n : doc["networks"]) {
        const std::string name = n["name"].get<std::string>();
        const GentxParams params = params_of(n);
        // The file's networks are ours: the same numbers as our one table.
        const p2p::NetworkParams* table = p2p::find_network(name);
        ASSERT_NE(table, nullptr) << name;
        const GentxParams ours = p2p::gentx_params(*table);
        EXPECT_EQ(ours.chain_length, params.chain_length) << name;
        EXPECT_EQ(ours.real_chain_length, params.real_chain_length) << name;
        EXPECT_EQ(ours.segwit_activated, params.segwit_activated) << name;
        EXPECT_EQ(to_int_hex(table->max_target), n["max_target"].get<std::string>()) << name;

        for (const auto& c : n["cases"]) {
            const std::string where = name + ": " + c["desc"].get<std::string>();
            const GentxChain chain = chain_of(n, c);
            const Share share = share_of(c);
            const VerifiedShare verified = verified_of(c);
            const json& e = c["expected"];
            const GentxVerdict v = check_share_gentx(params, chain, share, verified);
            if (e["deferred"].get<bool>()) {
                EXPECT_FALSE(can_check_gentx(params, chain)) << where;
                EXPECT_EQ(v.rule, GentxRule::deferred) << where << ": " << v.reason;
                ++deferred;
                continue;
            }
            auto f = derive_chain_fields(params, chain, share.share_info.bits);
            ASSERT_TRUE(f) << where << ": " << f.error().to_string();
            EXPECT_EQ(f->absheight, e["absheight"].get<std::uint32_t>()) << where;
            EXPECT_EQ(u128_decimal(f->abswork), e["abswork"].get<std::string>()) << where;
            EXPECT_EQ(f->far_share_hash, opt_hash(e["far_share_hash"])) << where;
            EXPECT_EQ(f->merged_payout_hash, opt_hash(e["merged_payout_hash"])) << where;

            auto outs = v36_payouts(params, chain, share.share_info.share_data.subsidy);
            ASSERT_TRUE(outs) << where;
            EXPECT_EQ(outs->size(), e["outputs"].get<std::size_t>()) << where;
            auto gentx = build_v36_gentx(params, chain, share.share_info, verified.ref_hash,
                                         share.last_txout_nonce);
            ASSERT_TRUE(gentx) << where;
            EXPECT_EQ(gentx->size(), e["gentx_size"].get<std::size_t>()) << where;
            if (!e["gentx"].is_null()) {
                EXPECT_EQ(to_hex(*gentx), e["gentx"]) << where;
            }
            EXPECT_EQ(to_int_hex(crypto::sha256d(*gentx)), e["txid"]) << where;
            EXPECT_EQ(v.rule, GentxRule::ok) << where << ": " << v.reason;
            ++checked;
        }
    }
    EXPECT_GE(checked, 20u);
    EXPECT_GE(deferred, 2u);
}

TEST(ChainGentx, TamperedPayoutsAreAMismatch) {
    const Fixture f = fixture();
    ASSERT_TRUE(check_share_gentx(f.params, f.chain, f.share, f.verified).ok());
    const auto honest = v36_payouts(f.params, f.chain, f.share.share_info.share_data.subsidy);
    ASSERT_TRUE(honest);
    ASSERT_GE(honest->size(), 3u);
    EXPECT_EQ(txid_of(f, *honest), f.verified.gentx_hash);

    auto expect_mismatch = [&](const std::vector<TxOut>& outs, const char* what) {
        VerifiedShare v = f.verified;
        v.gentx_hash = txid_of(f, outs);
        const GentxVerdict verdict = check_share_gentx(f.params, f.chain, f.share, v);
        EXPECT_EQ(verdict.rule, GentxRule::gentx_mismatch) << what;
        EXPECT_NE(verdict.reason.find("gentx doesn't match hash_link"), std::string::npos)
            << verdict.reason;
        EXPECT_TRUE(gentx_rule_is_misbehaviour(verdict.rule));
        EXPECT_EQ(to_rule(verdict.rule), Rule::share_gentx_mismatch);
    };
    {  // a payee paid one satoshi more, taken from the next payee
        auto outs = *honest;
        outs[0].value += 1;
        outs[1].value -= 1;
        expect_mismatch(outs, "tampered amount");
    }
    {  // two payees swapped: the same payouts in another order
        auto outs = *honest;
        std::swap(outs[0], outs[1]);
        expect_mismatch(outs, "swapped order");
    }
    {  // the donation output short by one satoshi, paid to the largest payee
        auto outs = *honest;
        outs.back().value -= 1;
        outs[outs.size() - 2].value += 1;
        expect_mismatch(outs, "wrong donation");
    }
    {  // the share's miner paid everything (the devnet's gentx without a chain)
        const TxOut all{f.share.share_info.share_data.subsidy, payout_script(0, Uint160{})};
        expect_mismatch({all, honest->back()}, "one payee");
    }
}

TEST(ChainGentx, EachDerivedFieldHasItsRule) {
    const Fixture f = fixture();
    auto expect_rule = [&](const Share& s, GentxRule rule, Rule project_rule) {
        const GentxVerdict v = check_share_gentx(f.params, f.chain, s, f.verified);
        EXPECT_EQ(v.rule, rule) << v.reason;
        EXPECT_EQ(v.reason.rfind(gentx_rule_name(rule), 0), 0u) << v.reason;
        EXPECT_EQ(to_rule(rule), project_rule);
        EXPECT_TRUE(gentx_rule_is_misbehaviour(rule));
        ASSERT_TRUE(v.derived);
    };
    Share s = f.share;
    s.share_info.absheight += 1;
    expect_rule(s, GentxRule::absheight, Rule::share_absheight);
    s = f.share;
    s.share_info.abswork -= 1;
    expect_rule(s, GentxRule::abswork, Rule::share_abswork);
    s = f.share;
    s.share_info.far_share_hash = f.chain.window[98].hash;  // the 98th parent, not the 99th
    expect_rule(s, GentxRule::far_share_hash, Rule::share_far_share_hash);
    s = f.share;
    s.share_info.far_share_hash = std::nullopt;
    expect_rule(s, GentxRule::far_share_hash, Rule::share_far_share_hash);
    s = f.share;
    s.share_info.merged_payout_hash = f.chain.window[0].hash;
    expect_rule(s, GentxRule::merged_payout_hash, Rule::share_merged_payout_hash);
    s = f.share;
    s.share_info.merged_payout_hash = std::nullopt;
    expect_rule(s, GentxRule::merged_payout_hash, Rule::share_merged_payout_hash);
}

TEST(ChainGentx, DeferredUntilTheWindowIsKnown) {
    Fixture f = fixture();
    // 400 known from the first share: checkable. The same 400 not reaching the first share:
    // also (height >= REAL_CHAIN_LENGTH). 399 not reaching it: deferred.
    f.chain.reaches_first_share = false;
    EXPECT_TRUE(check_share_gentx(f.params, f.chain, f.share, f.verified).ok());
    GentxChain short_chain = f.chain;
    short_chain.parent_height = 399;
    short_chain.window.pop_back();
    GentxVerdict v = check_share_gentx(f.params, short_chain, f.share, f.verified);
    EXPECT_EQ(v.rule, GentxRule::deferred) << v.reason;
    EXPECT_FALSE(gentx_rule_is_misbehaviour(v.rule));
    EXPECT_EQ(to_rule(v.rule), Rule::none);
    EXPECT_FALSE(derive_chain_fields(f.params, short_chain, f.share.share_info.bits));
    // A window shorter than the height says: the caller has not given the shares read.
    GentxChain thin = f.chain;
    thin.window.resize(200);
    EXPECT_EQ(check_share_gentx(f.params, thin, f.share, f.verified).rule, GentxRule::deferred);
}

TEST(ChainGentx, WeightsKeepOrDropZeroEntriesAsTheReference) {
    // Two payees: A donating everything (weight 0), B donating nothing; a third voting 35.
    const Uint256 target = from_int_hex<32>("ff").value();  // att = 2^256 // 256 = 2^248
    EXPECT_EQ(average_attempts(target), WideUint(1) << 248);
    GentxAncestor a{.hash = {},
                    .script = payout_script(0, Uint160{}),
                    .attempts = average_attempts(target),
                    .donation = 65535,
                    .desired_version = 36};
    GentxAncestor b = a;
    b.script = payout_script(2, Uint160{});
    b.donation = 0;
    GentxAncestor old = b;
    old.script = payout_script(1, Uint160{});
    old.desired_version = 35;
    const std::vector<GentxAncestor> window{a, b, old};
    const WideUint att = WideUint(1) << 248;

    const PplnsWeights decayed = decayed_weights(window, 3, 400);
    EXPECT_EQ(decayed.weights.size(), 3u);  // A's 0 is kept, the 35 voter counts
    EXPECT_EQ(decayed.weights.at(a.script), 0);
    // B at depth 1: att * decay_per >> 40, decay_per = 2^40 - 2^40 * 693147 // (10^6 * 100).
    const std::uint64_t decay_per = (1ULL << 40) - (1ULL << 40) * 693147 / (1000000ULL * 100);
    EXPECT_EQ(decayed.weights.at(b.script), (att * decay_per >> 40) * 65535);
    EXPECT_EQ(decayed.shares, 3u);

    const PplnsWeights merged = merged_weights(window, 3);
    EXPECT_EQ(merged.weights.size(), 1u);  // A's 0 dropped, the 35 voter skipped
    EXPECT_EQ(merged.weights.at(b.script), att * 65535);
    EXPECT_EQ(merged.total, att * 65535 * 2);
    EXPECT_EQ(merged.donation, att * 65535);
    EXPECT_EQ(merged_payout_payload(merged).value(),
              to_hex(b.script) + ":" + to_decimal(att * 65535) +
                  "|T:" + to_decimal(att * 65535 * 2) + "|D:" + to_decimal(att * 65535));
    // Only 35 voters: None.
    EXPECT_FALSE(merged_payout_hash(merged_weights(std::vector<GentxAncestor>{old}, 1)));
}

TEST(ChainGentx, PayoutScriptsOfEachPubkeyType) {
    Uint160 h{};
    for (std::size_t i = 0; i < h.size(); ++i)
        h[i] = static_cast<std::uint8_t>(i + 1);
    const std::string hh = to_hex(h);
    EXPECT_EQ(to_hex(payout_script(0, h)), "76a914" + hh + "88ac");
    EXPECT_EQ(to_hex(payout_script(1, h)), "0014" + hh);
    EXPECT_EQ(to_hex(payout_script(2, h)), "a914" + hh + "87");
    EXPECT_EQ(to_hex(payout_script(7, h)), "76a914" + hh + "88ac");  // unknown: P2PKH
}

TEST(ChainGentx, DevnetSharesBuiltOnAChainPassTheCheck) {
    const PowParams pow = p2p::DEVNET_POW;
    const GentxParams params = p2p::gentx_params(p2p::DEVNET);
    GentxChain chain;
    chain.reaches_first_share = true;
    std::optional<DevnetParent> parent;
    for (std::uint32_t i = 0; i < 6; ++i) {
        DevnetShareSpec spec = default_spec();
        spec.pubkey_hash.fill(static_cast<std::uint8_t>(0x10 + i % 3));
        spec.pubkey_type = static_cast<std::uint8_t>(i % 3);
        spec.donation = static_cast<std::uint16_t>(i * 100);
        spec.timestamp = 1700000000 + i;
        spec.previous = parent;
        spec.last_txout_nonce = i;
        auto built = build_devnet_share(pow, params, spec, chain);
        ASSERT_TRUE(built) << built.error().to_string();
        const GentxVerdict v = check_share_gentx(params, chain, built->share, built->verified);
        EXPECT_TRUE(v.ok()) << "share " << i << ": " << v.reason;
        EXPECT_EQ(crypto::sha256d(built->gentx), built->verified.gentx_hash);

        // The same spec without the chain pays its own miner: refused (after the first share,
        // whose absheight and abswork it also gets right only by chance: not asserted).
        if (i > 0) {
            auto alone = build_devnet_share(pow, spec);
            ASSERT_TRUE(alone);
            EXPECT_FALSE(check_share_gentx(params, chain, alone->share, alone->verified).ok());
        }
        const Share& s = built->share;
        GentxAncestor a = gentx_ancestor(s, built->verified.share_hash);
        EXPECT_EQ(a.absheight, s.share_info.absheight);
        chain.window.insert(chain.window.begin(), std::move(a));
        chain.parent_height += 1;
        parent = DevnetParent{built->verified.share_hash, s.share_info.absheight,
                              s.share_info.abswork, s.share_info.timestamp};
    }
    // spec.previous must be the chain's parent.
    DevnetShareSpec wrong = default_spec();
    wrong.timestamp = 1700000100;
    EXPECT_FALSE(build_devnet_share(pow, params, wrong, chain));
}

TEST(ChainGentx, WeightsStopAtTheCap) {
    // Shares of target 0 (2^256 attempts each): 65537 whole ones stay below 2^288 - 1, the
    // next is cut to what is left. No real window is this long; the rule is the reference's.
    GentxAncestor a{.hash = {},
                    .script = payout_script(0, Uint160{}),
                    .attempts = average_attempts(Uint256{}),
                    .donation = 0,
                    .desired_version = 36};
    ASSERT_EQ(a.attempts, WideUint(1) << 256);
    const std::vector<GentxAncestor> window(70000, a);
    const PplnsWeights merged = merged_weights(window, window.size());
    EXPECT_EQ(merged.total, pplns_max_weight());
    EXPECT_EQ(merged.shares, 65538u);
    EXPECT_EQ(merged.weights.at(a.script), pplns_max_weight());
    // Almost no decay (half-life of 10^9 shares): the cap is met a little later.
    const PplnsWeights decayed = decayed_weights(window, window.size(), 4'000'000'000u);
    EXPECT_EQ(decayed.total, pplns_max_weight());
    EXPECT_GT(decayed.shares, 65538u);
    EXPECT_LT(decayed.shares, window.size());
}
