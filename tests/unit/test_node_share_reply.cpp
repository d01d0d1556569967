// src/node/share_reply: how a sharereq is answered (the reference's parents cap, duplicates,
// stops, the size bound while building) and which requests are oversized; no sockets.
#include <gtest/gtest.h>

#include <map>

#include "chain/pack.hpp"
#include "node/share_reply.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

namespace {

chain::ShareId id_of(unsigned n) {
    chain::ShareId h{};
    h[0] = static_cast<std::uint8_t>(n);
    h[1] = static_cast<std::uint8_t>(n >> 8);
    h[31] = 0x5a;
    return h;
}
chain::Uint256 u256(const chain::ShareId& h) {
    chain::Uint256 u{};
    std::copy(h.begin(), h.end(), u.begin());
    return u;
}

// A chain of `n` shares (id_of(1) the oldest, id_of(n) the tip), each `size` bytes of contents.
struct Chain {
    chain::ShareTracker tracker;
    std::map<chain::ShareId, p2p::WrappedShare> wire;
    Chain(unsigned n, std::size_t size) {
        for (unsigned i = 1; i <= n; ++i) {
            std::optional<chain::ShareId> prev;
            if (i > 1) prev = id_of(i - 1);
            tracker.add(id_of(i), prev, 1);
            wire[id_of(i)] = p2p::WrappedShare{36, Bytes(size, static_cast<std::uint8_t>(i))};
        }
    }
    WireLookup lookup() const {
        return [this](const chain::ShareId& id) -> const p2p::WrappedShare* {
            auto it = wire.find(id);
            return it == wire.end() ? nullptr : &it->second;
        };
    }
};

p2p::ShareReq request(std::vector<chain::ShareId> hashes, std::uint64_t parents,
                      std::vector<chain::ShareId> stops = {}) {
    p2p::ShareReq r;
    r.id[0] = 7;
    for (const auto& h : hashes)
        r.hashes.push_back(u256(h));
    for (const auto& s : stops)
        r.stops.push_back(u256(s));
    r.parents = parents;
    return r;
}

constexpr std::size_t kFrame = 2 * 1024 * 1024;

}  // namespace

TEST(NodeShareReply, DuplicateHashesCollapse) {
    Chain c(50, 100);
    // 1,000 copies of the tip: one chain walked once, with the parents a single hash gets.
    auto b = build_share_reply(request(std::vector<chain::ShareId>(1000, id_of(50)), 3), c.tracker,
                               c.lookup(), kFrame);
    EXPECT_EQ(b.unique_hashes, 1u);
    EXPECT_EQ(b.parents, 3u);
    ASSERT_EQ(b.reply.shares.size(), 4u);
    EXPECT_EQ(b.reply.result, p2p::sharereply_result::good);
    EXPECT_EQ(b.reply.shares[0], c.wire[id_of(50)]);
    EXPECT_EQ(b.reply.shares[3], c.wire[id_of(47)]);
    EXPECT_EQ(b.reply.id[0], 7);
}

TEST(NodeShareReply, ParentsCappedAsTheReference) {
    Chain c(1200, 10);
    // One hash: min(parents, 1000 // 1) = 1000, so 1001 shares.
    auto one = build_share_reply(request({id_of(1200)}, 5000), c.tracker, c.lookup(), kFrame);
    EXPECT_EQ(one.parents, 1000u);
    EXPECT_EQ(one.reply.shares.size(), 1001u);
    // Three hashes: 1000 // 3 = 333 parents each.
    auto three = build_share_reply(request({id_of(1200), id_of(900), id_of(600)}, 5000), c.tracker,
                                   c.lookup(), kFrame);
    EXPECT_EQ(three.parents, 333u);
    EXPECT_EQ(three.reply.shares.size(), 3u * 334u);
    // Fewer known ancestors than asked: the chain ends where the tracker's does.
    auto short_chain = build_share_reply(request({id_of(5)}, 100), c.tracker, c.lookup(), kFrame);
    EXPECT_EQ(short_chain.reply.shares.size(), 5u);
    // 1,000 distinct hashes: no parents, one share each.
    std::vector<chain::ShareId> many;
    for (unsigned i = 1; i <= 1000; ++i)
        many.push_back(id_of(i));
    auto wide = build_share_reply(request(many, 50), c.tracker, c.lookup(), kFrame);
    EXPECT_EQ(wide.parents, 1u);
    EXPECT_EQ(wide.reply.shares.size(), 1999u);  // id_of(1) has no parent
    EXPECT_LE(wide.reply.shares.size(), MAX_SHARES_PER_MESSAGE);
}

TEST(NodeShareReply, StopsAndUnknownHashes) {
    Chain c(20, 10);
    auto b = build_share_reply(request({id_of(20), id_of(999)}, 10, {id_of(16)}), c.tracker,
                               c.lookup(), kFrame);
    ASSERT_EQ(b.reply.shares.size(), 4u);  // 20, 19, 18, 17; 16 stops the walk; 999 unknown
    EXPECT_EQ(b.reply.shares.back(), c.wire[id_of(17)]);
    auto none = build_share_reply(request({}, 10), c.tracker, c.lookup(), kFrame);
    EXPECT_EQ(none.reply.result, p2p::sharereply_result::good);
    EXPECT_TRUE(none.reply.shares.empty());
}

TEST(NodeShareReply, TooLongWhenTheReplyWouldPassTheBudget) {
    Chain c(100, 1000);
    // Each entry: VarInt 36 (1) + VarStr of 1000 bytes (3 + 1000).
    const std::size_t entry = 1004;
    const std::size_t ten = 32 + 1 + 1 + 10 * entry;
    auto fits = build_share_reply(request({id_of(100)}, 9), c.tracker, c.lookup(), ten);
    EXPECT_EQ(fits.reply.result, p2p::sharereply_result::good);
    EXPECT_EQ(fits.reply.shares.size(), 10u);
    EXPECT_EQ(fits.payload_bytes, ten);
    auto payload = p2p::encode_payload(fits.reply);
    ASSERT_TRUE(payload);
    EXPECT_EQ(payload->size(), fits.payload_bytes);

    auto over = build_share_reply(request({id_of(100)}, 10), c.tracker, c.lookup(), ten);
    EXPECT_EQ(over.reply.result, p2p::sharereply_result::too_long);
    EXPECT_TRUE(over.reply.shares.empty());
    EXPECT_EQ(over.payload_bytes, 34u);
    payload = p2p::encode_payload(over.reply);
    ASSERT_TRUE(payload);
    EXPECT_EQ(payload->size(), 34u);
}

TEST(NodeShareReply, OversizedRequests) {
    std::vector<chain::ShareId> hashes(MAX_SHAREREQ_HASHES, id_of(1));
    EXPECT_FALSE(oversized_sharereq(request(hashes, 0)));
    hashes.push_back(id_of(2));
    auto why = oversized_sharereq(request(hashes, 0));
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("1001 hashes"), std::string::npos) << *why;
    // The request: the best share named 25,000 times.
    EXPECT_TRUE(oversized_sharereq(request(std::vector<chain::ShareId>(25'000, id_of(1)), 0)));
    std::vector<chain::ShareId> stops(MAX_SHAREREQ_STOPS + 1, id_of(3));
    EXPECT_TRUE(oversized_sharereq(request({id_of(1)}, 0, stops)));
}
