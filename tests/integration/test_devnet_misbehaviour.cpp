// A peer that sends a share whose message_data was altered is rejected and penalized; the
// node keeps serving and keeps every message it had.
#include <gtest/gtest.h>

#include "chain/share.hpp"
#include "harness.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"
#include "raw_peer.hpp"

using namespace itest;
using namespace sharemsg;

TEST(DevnetMisbehaviour, TamperedMessageDataRejectedAndPeerPenalized) {
    const auto dir = test_dir("devnet-tamper");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const std::string text = "tamper test " + std::to_string(::getpid());
    ASSERT_TRUE(a.start(
        {"--share-period", "0.3", "--transition-message", test_authority_blob(text, "required")}))
        << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();
    ASSERT_TRUE(wait_until([&] { return b.get("/msg/recent").json()["messages"].size() > 0; },
                           std::chrono::seconds(60)))
        << b.log();
    const auto messages_before = b.get("/msg/recent?limit=200").json()["messages"];

    // Fetch B's best share over P2P, as any peer can.
    RawPeer peer(b.p2p_port);
    ASSERT_TRUE(peer.connected());
    ASSERT_TRUE(peer.handshake());
    const auto best_hex = b.get("/health").json().value("best_share", std::string());
    ASSERT_EQ(best_hex.size(), 64u);
    p2p::ShareReq req;
    req.id[0] = 1;
    auto best = *from_hex(best_hex);
    std::copy(best.begin(), best.end(), req.id.begin());
    req.hashes.push_back(req.id);
    req.parents = 0;
    ASSERT_TRUE(peer.send(req));
    std::optional<p2p::WrappedShare> original;
    while (auto m = peer.next()) {
        if (auto* r = std::get_if<p2p::ShareReply>(&*m)) {
            ASSERT_FALSE(r->shares.empty());
            original = r->shares.front();
            break;
        }
    }
    ASSERT_TRUE(original);

    // Flip one byte of its message_data and send it back as a new share.
    auto share = chain::decode_share(original->type, original->contents);
    ASSERT_TRUE(share);
    ASSERT_TRUE(share->message_data && share->message_data->size() > 60);
    (*share->message_data)[60] ^= 0x01;
    auto tampered = chain::wrap_share(*share);
    ASSERT_TRUE(tampered);
    ASSERT_TRUE(peer.send(p2p::Shares{{p2p::WrappedShare{tampered->type, tampered->contents}}}));

    // B drops the connection, says which rule, counts it, and keeps serving what it had.
    EXPECT_TRUE(peer.closed_by_remote());
    EXPECT_TRUE(wait_until([&] { return b.log().find("broke rule") != std::string::npos; },
                           std::chrono::seconds(10)))
        << b.log();
    // One penalty and one log line for the message, under the rule's name from the node's
    // table: the altered share fails its proof of work (pow_invalid), or, when the new header
    // happens to meet the devnet's trivial target (1 in 16), its message_data MAC.
    EXPECT_EQ(count_of(b.log(), "broke rule"), 1u) << b.log();
    double penalties = 0;
    for (const char* rule : {"pow_invalid", "message_data"})
        penalties += std::max(
            0.0, b.metric(std::string("sharemsg_peer_penalties_total{rule=\"") + rule + "\"}"));
    EXPECT_EQ(penalties, 1) << b.get("/metrics").body;
    EXPECT_EQ(b.metric("sharemsg_peer_bans"), 1);
    EXPECT_EQ(b.get("/health").status, 200);
    const auto after = b.get("/msg/recent?limit=200").json()["messages"];
    for (const auto& m : messages_before) {
        bool found = false;
        for (const auto& x : after)
            found = found || x["message_hash"] == m["message_hash"];
        EXPECT_TRUE(found) << "lost " << m.dump();
    }
}
