// A share must cost the work the chain demands: a peer sending a share at the network's
// easiest target, on a chain whose pool demands harder shares, is penalized with the rule
// share_max_bits, and the share does not extend the best chain; a share at the demanded
// target, built by the same peer the same way, does.
#include <gtest/gtest.h>

#include "chain/devnet.hpp"
#include "chain/gentx.hpp"
#include "chain/share.hpp"
#include "chain/target.hpp"
#include "chain/target_rules.hpp"
#include "harness.hpp"
#include "p2p/params.hpp"
#include "raw_peer.hpp"

using namespace itest;
using namespace sharemsg;

namespace {

// The node's chain, best share first, as any peer can fetch it (sharereq with parents).
std::vector<chain::Share> fetch_chain(RawPeer& peer, const std::string& best_hex,
                                      std::vector<chain::ShareId>& hashes) {
    p2p::ShareReq req;
    req.id[0] = 0x77;
    auto best = from_hex(best_hex).value();
    std::copy(best.begin(), best.end(), req.hashes.emplace_back().begin());
    req.parents = 400;
    std::vector<chain::Share> out;
    if (!peer.send(req)) return out;
    while (auto m = peer.next()) {
        auto* r = std::get_if<p2p::ShareReply>(&*m);
        if (!r || r->id != req.id) continue;
        for (const auto& w : r->shares) {
            auto s = chain::decode_share(w.type, w.contents);
            if (!s) return {};
            out.push_back(*s);
            auto pow = chain::verify_share_pow(p2p::DEVNET_POW, *s);
            if (!pow) return {};
            hashes.push_back(pow->share_hash);
        }
        return out;
    }
    return out;
}

chain::TargetFields fields_of(const chain::Share& s) {
    return {s.share_info.timestamp, s.share_info.bits, s.share_info.max_bits};
}

// The chain below a share whose parent is shares[0] (newest first, back to the first share),
// as the generated-transaction rule reads it.
chain::GentxChain gentx_chain_of(const std::vector<chain::Share>& shares,
                                 const std::vector<chain::ShareId>& hashes) {
    chain::GentxChain c;
    c.parent_height = shares.size();
    c.reaches_first_share = true;
    for (std::size_t i = 0; i < shares.size() && i < p2p::DEVNET.real_chain_length; ++i)
        c.window.push_back(chain::gentx_ancestor(shares[i], hashes[i]));
    return c;
}

// A devnet share on `parent` (hash `parent_hash`, the chain below it `below`) with these bits,
// paying the window as the chain demands, mined by the test.
p2p::WrappedShare mine_on(const chain::Share& parent, const chain::ShareId& parent_hash,
                          const chain::GentxChain& below, std::uint32_t timestamp,
                          std::uint32_t bits, std::uint32_t max_bits, chain::ShareId& hash) {
    chain::DevnetShareSpec spec;
    spec.previous = chain::DevnetParent{parent_hash, parent.share_info.absheight,
                                        parent.share_info.abswork, parent.share_info.timestamp};
    spec.pubkey_hash.fill(0x77);
    spec.timestamp = timestamp;
    spec.bits = bits;
    spec.max_bits = max_bits;
    spec.share_nonce = timestamp;
    spec.max_attempts = 50'000'000;
    auto built =
        chain::build_devnet_share(p2p::DEVNET_POW, p2p::gentx_params(p2p::DEVNET), spec, below);
    EXPECT_TRUE(built) << built.error().to_string();
    hash = built->verified.share_hash;
    auto w = chain::wrap_share(built->share);
    return p2p::WrappedShare{w->type, w->contents};
}

}  // namespace

TEST(Difficulty, TooEasyShareIsRejectedAndItsPeerPenalized) {
    const auto dir = test_dir("difficulty");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    // Shares every 0.2 s for a 10 s SHARE_PERIOD (each timestamp a second after the last):
    // after TARGET_LOOKBEHIND (20) shares the pool demands harder shares, a tenth per share.
    ASSERT_TRUE(a.start({"--share-period", "0.2"})) << a.log();
    ASSERT_TRUE(wait_until([&] { return a.metric("sharemsg_shares_mined_total") >= 40; },
                           std::chrono::seconds(90)))
        << a.log();
    // Stop mining, so that the chain stands still (the share log brings it back).
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start({"--mine", "false"})) << a.log();
    const std::string best_hex = a.get("/health").json()["best_share"].get<std::string>();

    RawPeer peer(a.p2p_port);
    ASSERT_TRUE(peer.handshake());
    std::vector<chain::ShareId> hashes;
    const auto chain = fetch_chain(peer, best_hex, hashes);
    ASSERT_GE(chain.size(), 40u);
    ASSERT_FALSE(chain.back().share_info.share_data.previous_share_hash);  // the whole chain

    // What the chain demands of the next share, computed by the peer from what it fetched.
    const auto rules = p2p::target_params(p2p::DEVNET);
    chain::AncestorView view;
    view.parent_height = chain.size();
    view.reaches_first_share = true;
    for (std::size_t i = 0; i < rules.target_lookbehind; ++i)
        view.window.push_back(fields_of(chain[i]));
    const std::uint32_t ts = chain.front().share_info.timestamp + 1;
    const auto pool = chain::pool_target(rules, view, ts);
    ASSERT_TRUE(pool);
    ASSERT_LT(chain::compare_uint256(pool->pre_target3, rules.max_target), 0)
        << "the pool should demand more than the network's minimum by now";

    // An honest share at the demanded target is accepted and becomes the best share.
    chain::ShareId honest_hash{};
    const auto honest = mine_on(chain.front(), hashes.front(), gentx_chain_of(chain, hashes), ts,
                                pool->max_bits, pool->max_bits, honest_hash);
    ASSERT_TRUE(peer.send(p2p::Shares{{honest}}));
    ASSERT_TRUE(
        wait_until([&] { return a.get("/health").json()["best_share"] == to_hex(honest_hash); },
                   std::chrono::seconds(10)))
        << a.log();

    // A share on it at the network's easiest target (16 hashes) claims max_bits the chain does
    // not allow: refused with its own rule, the peer banned, the best share unchanged.
    const std::uint32_t easiest = chain::bits_from_target_upper_bound(rules.max_target);
    chain::Share honest_share = *chain::decode_share(honest.type, honest.contents);
    chain::ShareId easy_hash{};
    std::vector<chain::Share> with_honest{honest_share};
    with_honest.insert(with_honest.end(), chain.begin(), chain.end());
    std::vector<chain::ShareId> with_honest_hashes{honest_hash};
    with_honest_hashes.insert(with_honest_hashes.end(), hashes.begin(), hashes.end());
    const auto easy =
        mine_on(honest_share, honest_hash, gentx_chain_of(with_honest, with_honest_hashes), ts + 1,
                easiest, easiest, easy_hash);
    ASSERT_TRUE(peer.send(p2p::Shares{{easy}}));
    EXPECT_TRUE(peer.closed_by_remote());
    EXPECT_TRUE(
        wait_until([&] { return a.log().find("broke rule 'share_max_bits'") != std::string::npos; },
                   std::chrono::seconds(10)))
        << a.log();
    EXPECT_EQ(a.metric("sharemsg_shares_rejected_total{rule=\"share_max_bits\"}"), 1);
    EXPECT_EQ(a.metric("sharemsg_peer_penalties_total{rule=\"share_max_bits\"}"), 1);
    const auto health = a.get("/health").json();
    EXPECT_EQ(health["best_share"], to_hex(honest_hash));
    EXPECT_EQ(health["shares"].get<std::size_t>(), chain.size() + 1);  // the easy one not held
}
