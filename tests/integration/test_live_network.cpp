// Our nodes on litecoin_testnet parameters, on 127.0.0.1: a chain of real-format scrypt shares
// made for the test (node/synthetic_chain.hpp: a made-up block template, everything else as on
// the live network), served by one node and downloaded, verified and followed by a follower
// that makes no shares; and forged shares, each refused for its own rule.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "chain/devnet.hpp"
#include "chain/gentx.hpp"
#include "chain/merged_coinbase.hpp"
#include "chain/pow.hpp"
#include "chain/share.hpp"
#include "chain/target.hpp"
#include "harness.hpp"
#include "node/network.hpp"
#include "node/share_log.hpp"
#include "node/synthetic_chain.hpp"
#include "raw_peer.hpp"

using namespace itest;
using namespace sharemsg;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kTestnet{"--net", "litecoin_testnet", "--bootstrap", "false"};

// Shares at the network's pace (SHARE_PERIOD, 4 s apart: the pool's target stays at
// MAX_TARGET), then a tail a second apart: over the TARGET_LOOKBEHIND (200) shares the pool's
// rate then rounds to 6 or 7 attempts a second instead of 5, and the chain demands a target of
// about 5/6 of MAX_TARGET. A share at MAX_TARGET at its end is easier than the chain allows.
constexpr std::uint32_t kSpacing = 4;
constexpr std::size_t kSteadyShares = 1000;  // more than the 800 a follower needs
constexpr std::size_t kFastShares = 60;
constexpr std::size_t kChainShares = kSteadyShares + kFastShares;

std::uint32_t unix_now() {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// message_data of the mainnet authority's V35 -> V36 transition signal (the reference's
// vector, signed with a real authority key that litecoin_testnet trusts too).
Bytes transition_blob() {
    std::ifstream in(SHAREMSG_VECTORS_DIR "/transition_v35_v36_mainnet.hex");
    std::string hex;
    in >> hex;
    return from_hex(hex).value();
}
constexpr const char* kTransitionHash =
    "0f7c0c162a47f1165df41e357ed36041c94788686c797ad9cbc73b2a710f71c0";

// The chain made once for this process (its maker holds the tip, to forge shares on it).
struct MadeChain {
    std::unique_ptr<node::SyntheticChain> maker;
    std::vector<p2p::WrappedShare> shares;
    double seconds = 0;
};

MadeChain& made_chain() {
    static MadeChain made = [] {
        MadeChain m;
        m.maker = std::make_unique<node::SyntheticChain>(node::litecoin_testnet_network(), 7);
        const std::vector<ByteArray<20>> payees{ByteArray<20>{1}, ByteArray<20>{2},
                                                ByteArray<20>{3}};
        const auto t0 = std::chrono::steady_clock::now();
        const std::uint32_t now = unix_now();
        auto steady = m.maker->extend(kSteadyShares - 1, now - 64, kSpacing, payees);
        // The authority's real V35 -> V36 transition signal, as live shares carry it.
        auto signal = m.maker->next(now - 60, payees[0], transition_blob());
        auto fast = m.maker->extend(kFastShares, now, 1, payees);
        m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (steady && signal && fast) {
            m.shares = std::move(*steady);
            m.shares.push_back(std::move(*signal));
            m.shares.insert(m.shares.end(), fast->begin(), fast->end());
        }
        std::printf("[ chain    ] %zu litecoin_testnet shares mined in %.1f s\n", m.shares.size(),
                    m.seconds);
        return m;
    }();
    return made;
}

// Writes the shares as the node's share log (DATADIR/shares.log).
void write_share_log(const fs::path& datadir, const std::vector<p2p::WrappedShare>& shares) {
    fs::create_directories(datadir);
    node::ShareLog log;
    ASSERT_TRUE(
        log.open((datadir / "shares.log").string(), [](ByteView) {}, [](const std::string&) {}));
    for (const auto& s : shares)
        ASSERT_TRUE(log.append(node::share_log_body(s)));
}

nlohmann::json sync_of(Daemon& d) {
    auto h = d.get("/health").json();
    return h.is_object() ? h["sync"] : nlohmann::json();
}

std::string best_of(Daemon& d) {
    auto h = d.get("/health").json();
    return h.is_object() && h["best_share"].is_string() ? h["best_share"].get<std::string>() : "";
}

double rejected(Daemon& d, const std::string& rule) {
    return std::max(0.0, d.metric("sharemsg_shares_rejected_total{rule=\"" + rule + "\"}"));
}

// A share hash as /health shows it.
std::string hex_id(const chain::ShareId& h) {
    return to_hex(h);
}

}  // namespace

TEST(LiveNetwork, FollowerDownloadsVerifiesFollowsAndResumes) {
    const auto& made = made_chain();
    ASSERT_EQ(made.shares.size(), kChainShares);
    const auto dir = test_dir("live-follow");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    a.network = b.network = kTestnet;
    write_share_log(dir / "a", made.shares);
    ASSERT_TRUE(a.start({"--synthetic-mining", "--share-period", "4", "--discover", "false"}))
        << a.log();
    EXPECT_TRUE(a.get("/health").json()["mining"].get<bool>());

    // The follower starts empty, downloads the window from A and verifies it.
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(
        b.start({"--peer", "127.0.0.1:" + std::to_string(a.p2p_port), "--discover", "false"}))
        << b.log();
    EXPECT_FALSE(b.get("/health").json()["mining"].get<bool>());
    ASSERT_TRUE(wait_until(
        [&] {
            const auto s = sync_of(b);
            return s.is_object() && s["state"] == "following" && s["shares_known"] == 800;
        },
        180s))
        << b.get("/health").body << "\n"
        << b.log();
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto s = sync_of(b);
    EXPECT_EQ(s["shares_needed"], 800);
    EXPECT_EQ(s["shares_verified"], 400);
    EXPECT_EQ(b.metric("sharemsg_sync_caught_up"), 1);
    EXPECT_NE(b.log().find("caught up:"), std::string::npos);
    std::printf("[ catch-up ] 800 shares downloaded and verified in %.1f s\n", took);

    // The authority's transition signal, carried by one share of the window, is shown.
    ASSERT_TRUE(wait_until(
        [&] {
            return b.get("/msg/recent?limit=200").body.find(kTransitionHash) != std::string::npos;
        },
        10s))
        << b.get("/msg/recent?limit=200").body;
    const auto alerts = b.get("/msg/recent?limit=200").json();
    bool shown = false;
    for (const auto& msg : alerts["messages"])
        if (msg.value("message_hash", "") == kTransitionHash)
            shown = msg.value("type_name", "") == "TRANSITION_SIGNAL" &&
                    msg.value("protocol_authority", false) && msg["share_hash"].is_string();
    EXPECT_TRUE(shown) << alerts.dump();

    // Then it follows the shares A keeps mining.
    ASSERT_TRUE(wait_until([&] { return !best_of(a).empty() && best_of(b) == best_of(a); }, 60s));
    const std::string first = best_of(b);
    ASSERT_TRUE(wait_until(
        [&] {
            const auto best = best_of(a);
            return best != first && best_of(b) == best;
        },
        60s))
        << b.log();
    EXPECT_EQ(b.get("/metrics").body.find("sharemsg_shares_rejected_total"), std::string::npos)
        << b.get("/metrics").body;

    // Restarted without peers, it has its window back from the share log.
    const std::string before = best_of(b);
    ASSERT_EQ(b.stop(), 0);
    ASSERT_TRUE(b.start({"--discover", "false"})) << b.log();
    EXPECT_EQ(best_of(b), before);
    const auto again = sync_of(b);
    EXPECT_EQ(again["state"], "following") << again.dump();
    EXPECT_EQ(b.get("/health").json()["peers"], 0);
}

TEST(LiveNetwork, FollowerRefusesForgedShares) {
    auto& made = made_chain();
    ASSERT_EQ(made.shares.size(), kChainShares);
    const auto dir = test_dir("live-forged");
    Daemon b(SHAREMSGD_PATH, dir / "b");
    b.network = kTestnet;
    write_share_log(dir / "b", made.shares);
    ASSERT_TRUE(b.start({"--discover", "false"})) << b.log();
    const std::string tip = best_of(b);
    ASSERT_EQ(tip, hex_id(made.maker->tip()->hash));

    const auto net = node::litecoin_testnet_network();
    const auto& chain = *made.maker;
    const ByteArray<20> payee{9};
    const std::uint32_t when = chain.tip()->timestamp + kSpacing;
    int host = 2;
    // Sends one share from a fresh loopback address (a refused share bans the sender).
    auto offer = [&](const p2p::WrappedShare& ws) {
        RawPeer peer(b.p2p_port, net, "127.0.0." + std::to_string(host++));
        ASSERT_TRUE(peer.connected());
        ASSERT_TRUE(peer.handshake());
        ASSERT_TRUE(peer.send(p2p::Shares{{ws}}));
        peer.closed_by_remote();
    };
    auto mined = [&](const Bytes& message_data) {
        return node::mine_share(net, chain.tracker(), chain.tip(), payee, message_data, when, 11,
                                10'000'000)
            .value();
    };

    // message_data that no authority signed, under valid proof of work.
    offer(mined(Bytes{0x01, 0x02, 0x03, 0x04}));
    ASSERT_TRUE(wait_until([&] { return rejected(b, "message_data") == 1; }, 10s))
        << b.get("/metrics").body;

    // message_data changed after the share was mined: the work no longer covers it.
    {
        auto decoded = chain::decode_share(mined({}).type, mined({}).contents).value();
        for (std::uint8_t fill = 1;; ++fill) {
            decoded.message_data = Bytes(8, fill);
            if (!chain::check_share_pow(net.pow(), decoded).valid()) break;
        }
        const auto wrapped = chain::wrap_share(decoded).value();
        offer(p2p::WrappedShare{wrapped.type, wrapped.contents});
        ASSERT_TRUE(wait_until([&] { return rejected(b, "pow_invalid") == 1; }, 10s))
            << b.get("/metrics").body;
    }

    // Shares built on the tip by hand: the next share as the chain demands it (spec, gentx
    // chain), then changed.
    const auto& tip_view = *chain.tip();
    chain::DevnetShareSpec spec;
    spec.previous =
        chain::DevnetParent{tip_view.hash, static_cast<std::uint32_t>(tip_view.absheight),
                            tip_view.abswork, tip_view.timestamp};
    spec.pubkey_hash = chain::Uint160(payee);
    spec.timestamp = when;
    const auto pool = chain::pool_target(
        net.target(), chain.tracker().ancestors(tip_view.hash, net.p2p.target_lookbehind), when);
    ASSERT_TRUE(pool);
    spec.max_bits = pool->max_bits;
    spec.bits = chain::share_bits_for(*pool, pool->pre_target3);
    spec.max_attempts = 10'000'000;
    const auto gentx_chain = chain.tracker().gentx_chain(tip_view.hash, net.p2p.real_chain_length);
    auto send_built = [&](const chain::DevnetShare& built) {
        const auto wrapped = chain::wrap_share(built.share).value();
        offer(p2p::WrappedShare{wrapped.type, wrapped.contents});
    };

    // A target easier than the chain allows: bits and max_bits at MAX_TARGET, where the chain's
    // fast tail demands about 5/6 of it.
    {
        auto easy = spec;
        easy.bits = easy.max_bits = chain::bits_from_target_upper_bound(net.p2p.max_target);
        ASSERT_NE(easy.max_bits, spec.max_bits);
        send_built(chain::build_devnet_share(net.pow(), net.gentx(), easy, gentx_chain).value());
        ASSERT_TRUE(wait_until([&] { return rejected(b, "share_max_bits") == 1; }, 10s))
            << b.get("/metrics").body;
    }

    // A coinbase that pays its miner everything, with every share_info field as the chain
    // gives it: the generated transaction is not the one the chain's payouts make.
    {
        const auto fields = chain::derive_chain_fields(net.gentx(), gentx_chain, spec.bits).value();
        auto greedy = spec;
        greedy.previous->absheight = fields.absheight - 1;
        greedy.far_share_hash = fields.far_share_hash;
        greedy.merged_payout_hash = fields.merged_payout_hash;
        send_built(chain::build_devnet_share(net.pow(), greedy).value());
        ASSERT_TRUE(wait_until([&] { return rejected(b, "share_gentx_mismatch") == 1; }, 10s))
            << b.get("/metrics").body;
    }

    // Merge-mining Dogecoin: a commitment to a merged block whose coinbase pays
    // `committed` where the window's merged weights demand the coinbase of `paid`.
    auto merged = [&](std::uint64_t paid, std::uint64_t committed) {
        chain::MergedCoinbaseInfo m;
        m.chain_id = chain::DOGECOIN_CHAIN_ID;
        m.block_height = 5'000'000;
        m.coinbase_value = committed;
        const Bytes payout = chain::payout_script(spec.pubkey_type, spec.pubkey_hash);
        const Bytes coinbase =
            chain::canonical_merged_coinbase(net.gentx(), gentx_chain, payout, {}, m).value();
        m.coinbase_value = paid;
        const auto txid = crypto::sha256d(coinbase);  // no branch: the merkle root is the txid
        std::copy(txid.begin(), txid.end(), m.block_header_bytes.begin() + 36);
        const auto block = crypto::sha256d(m.block_header_bytes);
        auto with = spec;
        with.coinbase_tag = {0xfa, 0xbe, 0x6d, 0x6d};  // mm_data: the block hash, big-endian
        with.coinbase_tag.insert(with.coinbase_tag.end(), block.rbegin(), block.rend());
        for (std::uint8_t b4 : {1, 0, 0, 0, 0, 0, 0, 0})  // aux tree size 1, nonce 0
            with.coinbase_tag.push_back(b4);
        with.merged_coinbase_info = std::vector<chain::MergedCoinbaseInfo>{m};
        return chain::build_devnet_share(net.pow(), net.gentx(), with, gentx_chain).value();
    };
    send_built(merged(1'000'000'000'000, 1'000'000'000'001));
    ASSERT_TRUE(wait_until([&] { return rejected(b, "share_merged_coinbase") == 1; }, 10s))
        << b.get("/metrics").body;

    // A share of another version (V35) is dropped without a fault: its peer stays.
    {
        RawPeer peer(b.p2p_port, net, "127.0.0." + std::to_string(host++));
        ASSERT_TRUE(peer.connected());
        ASSERT_TRUE(peer.handshake());
        ASSERT_TRUE(peer.send(p2p::Shares{{p2p::WrappedShare{35, Bytes(200, 0x35)}}}));
        ASSERT_TRUE(wait_until([&] { return rejected(b, "share_version_unsupported") == 1; }, 10s))
            << b.get("/metrics").body;
        EXPECT_TRUE(peer.send(p2p::Ping{}));
        EXPECT_FALSE(peer.closed_by_remote());  // reads until the receive timeout
        EXPECT_EQ(b.metric("sharemsg_peer_penalties_total{rule=\"share_version_unsupported\"}"),
                  -1);  // no such series: no penalty
    }

    // None of them was stored or made the best share; an honest share, merge-mining as the
    // chain demands, still is.
    EXPECT_EQ(best_of(b), tip);
    EXPECT_EQ(b.get("/health").json()["shares"], kChainShares);
    send_built(merged(1'000'000'000'000, 1'000'000'000'000));
    ASSERT_TRUE(wait_until([&] { return best_of(b) != tip; }, 10s)) << b.log();
}
