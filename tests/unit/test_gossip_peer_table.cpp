// The gossip peer table: each verdict, the limits (LRU eviction by identities and by
// entries), the TTLs, the endpoint scores and the paging of deltas.
#include <gtest/gtest.h>

#include <set>

#include "gossip/peer_table.hpp"
#include "test_gossip_util.hpp"

using namespace sharemsg;
using namespace sharemsg::gossip;
using gossip_test::announce;
using gossip_test::kNow;
using relay_test::identity;

namespace {

const NetworkId kNet = proto::open::DEVNET_NETWORK_ID;

const Authorizer kEveryone = [](const MasterHash&, const SigningId&) { return true; };

Endpoint ep(const char* text) {
    return *relay::parse_endpoint(text);
}

std::vector<std::string> endpoint_texts(const std::vector<EndpointState>& eps) {
    std::vector<std::string> out;
    for (const auto& e : eps)
        out.push_back(e.endpoint.to_string());
    return out;
}

}  // namespace

TEST(GossipPeerTable, AcceptsAndStoresAnAuthorizedAnnounce) {
    PeerTable t(kNet, kNow);
    const auto a = announce(identity(1), 1, kNow, {"198.51.100.1:7070", "10.0.0.1:7070"});
    EXPECT_EQ(t.accept(a, kNow, kEveryone), Verdict::accepted);
    const Peer* p = t.find(a.signing_id());
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->announce, a);
    EXPECT_EQ(p->updated, kNow);
    ASSERT_EQ(p->endpoints.size(), 2u);
    EXPECT_EQ(p->endpoints[0].score, SCORE_GOSSIP);
    EXPECT_EQ(p->endpoints[0].sources, bit(Source::gossip));
    EXPECT_EQ(p->endpoints[0].last_seen, kNow);
    EXPECT_EQ(t.identities(), 1u);
    EXPECT_EQ(t.entries(), 2u);
}

TEST(GossipPeerTable, EachVerdict) {
    PeerTable t(kNet, kNow);
    const auto id = identity(1);
    // Another network.
    auto other = kNet;
    other[0] ^= 1;
    EXPECT_EQ(t.accept(announce(identity(1, 0, other), 1), kNow, kEveryone),
              Verdict::wrong_network);
    // Skew: 300 s either way is fine, 301 is not.
    EXPECT_EQ(t.accept(announce(id, 1, kNow + 301), kNow, kEveryone), Verdict::clock_skew);
    EXPECT_EQ(t.accept(announce(id, 1, kNow - 301), kNow, kEveryone), Verdict::clock_skew);
    EXPECT_EQ(check(announce(id, 1, kNow + 300), kNet, kNow, kEveryone), Verdict::accepted);
    EXPECT_EQ(check(announce(id, 1, kNow - 300), kNet, kNow, kEveryone), Verdict::accepted);
    // Authorization: by master hash, or by signing id; an empty authorizer takes no one.
    const Authorizer by_master = [&](const MasterHash& m, const SigningId&) {
        return m == id.master_hash();
    };
    const Authorizer by_signing = [&](const MasterHash&, const SigningId& s) {
        return s == id.key.signing_id();
    };
    EXPECT_EQ(t.accept(announce(identity(2), 1), kNow, by_master), Verdict::unauthorized);
    EXPECT_EQ(t.accept(announce(identity(2), 1), kNow, Authorizer{}), Verdict::unauthorized);
    EXPECT_EQ(check(announce(id, 1), kNet, kNow, by_master), Verdict::accepted);
    EXPECT_EQ(check(announce(id, 1), kNet, kNow, by_signing), Verdict::accepted);
    // A delegation of another key (the master's index 1 delegation on index 0's key).
    auto bad_del = announce(id, 1);
    bad_del.delegation = identity(1, 1).delegation;
    sign(bad_del, id.key.privkey());
    EXPECT_EQ(t.accept(bad_del, kNow, kEveryone), Verdict::bad_delegation);
    // A signature that does not verify.
    auto bad_sig = announce(id, 1);
    bad_sig.endpoints[0].port = 9999;
    EXPECT_EQ(t.accept(bad_sig, kNow, kEveryone), Verdict::bad_signature);
    EXPECT_EQ(t.identities(), 0u);
    // The cheap checks come first: a bad signature from a stranger, or on another network,
    // is refused for that before any signature is verified.
    EXPECT_EQ(check(bad_sig, kNet, kNow, Authorizer{}), Verdict::unauthorized);
    EXPECT_EQ(check(bad_sig, other, kNow, kEveryone), Verdict::wrong_network);
    EXPECT_EQ(check(bad_sig, kNet, kNow + 1000, kEveryone), Verdict::clock_skew);
    // Accepted, then the same and an older version are stale.
    EXPECT_EQ(t.accept(announce(id, 5), kNow, kEveryone), Verdict::accepted);
    EXPECT_EQ(t.accept(announce(id, 5), kNow, kEveryone), Verdict::stale_version);
    EXPECT_EQ(t.accept(announce(id, 4), kNow, kEveryone), Verdict::stale_version);
    // The master's newer key replaces the older one; the older key is then refused.
    const auto rotated = identity(1, 1);
    EXPECT_EQ(t.accept(announce(rotated, 1), kNow, kEveryone), Verdict::accepted);
    EXPECT_EQ(t.find(id.key.signing_id()), nullptr);
    EXPECT_EQ(t.accept(announce(id, 6), kNow, kEveryone), Verdict::key_superseded);
    EXPECT_EQ(t.identities(), 1u);
    EXPECT_STREQ(verdict_name(Verdict::key_superseded), "key_superseded");
}

TEST(GossipPeerTable, AStaleVersionChangesNothing) {
    PeerTable t(kNet, kNow);
    const auto id = identity(1);
    ASSERT_EQ(t.apply(announce(id, 9, kNow, {"198.51.100.1:1"}), kNow), Verdict::accepted);
    const auto before = t.counter();
    EXPECT_EQ(t.apply(announce(id, 8, kNow + 5, {"198.51.100.2:2"}), kNow + 5),
              Verdict::stale_version);
    const Peer* p = t.find(id.key.signing_id());
    EXPECT_EQ(p->announce.version, 9u);
    EXPECT_EQ(endpoint_texts(p->endpoints), std::vector<std::string>{"198.51.100.1:1"});
    EXPECT_EQ(p->updated, kNow);
    EXPECT_EQ(t.counter(), before);
}

TEST(GossipPeerTable, ANewVersionKeepsTheScoresOfKnownEndpoints) {
    PeerTable t(kNet, kNow);
    const auto id = identity(1);
    const auto sid = id.key.signing_id();
    t.apply(announce(id, 1, kNow, {"198.51.100.1:1", "198.51.100.2:2"}), kNow);
    ASSERT_TRUE(t.record_result(sid, ep("198.51.100.1:1"), true, kNow + 1));
    ASSERT_TRUE(t.record_result(sid, ep("203.0.113.9:9"), true, kNow + 1));  // seen directly
    t.apply(announce(id, 2, kNow + 10, {"198.51.100.1:1", "198.51.100.3:3"}), kNow + 10);
    const Peer* p = t.find(sid);
    EXPECT_EQ(endpoint_texts(p->endpoints),
              (std::vector<std::string>{"198.51.100.1:1", "198.51.100.3:3", "203.0.113.9:9"}));
    EXPECT_EQ(p->endpoints[0].score, SCORE_GOSSIP + SCORE_SUCCESS);
    EXPECT_EQ(p->endpoints[0].last_seen, kNow + 10);
    EXPECT_EQ(p->endpoints[1].score, SCORE_GOSSIP);
    EXPECT_EQ(p->endpoints[2].sources, bit(Source::direct));
    EXPECT_EQ(t.entries(), 3u);
}

TEST(GossipPeerTable, EvictsTheLeastRecentlyUpdatedIdentity) {
    Limits l;
    l.max_identities = 3;
    PeerTable t(kNet, kNow, l);
    for (unsigned i = 0; i < 3; ++i)
        ASSERT_EQ(t.apply(announce(identity(i), 1), kNow + i), Verdict::accepted);
    // Identity 0 is refreshed, so 1 is now the least recently updated.
    ASSERT_EQ(t.apply(announce(identity(0), 2), kNow + 3), Verdict::accepted);
    ASSERT_EQ(t.apply(announce(identity(3), 1), kNow + 4), Verdict::accepted);
    EXPECT_EQ(t.identities(), 3u);
    EXPECT_NE(t.find(identity(0).key.signing_id()), nullptr);
    EXPECT_EQ(t.find(identity(1).key.signing_id()), nullptr);
    EXPECT_NE(t.find(identity(2).key.signing_id()), nullptr);
    EXPECT_NE(t.find(identity(3).key.signing_id()), nullptr);
}

TEST(GossipPeerTable, EvictsByEntriesAndCapsEndpointsPerIdentity) {
    Limits l;
    l.max_entries = 10;
    PeerTable t(kNet, kNow, l);
    ASSERT_EQ(t.apply(announce(identity(0), 1, kNow, gossip_test::six_v6(0)), kNow),
              Verdict::accepted);
    ASSERT_EQ(t.apply(announce(identity(1), 1, kNow, {"10.0.0.1:1", "10.0.0.2:2"}), kNow + 1),
              Verdict::accepted);
    EXPECT_EQ(t.entries(), 8u);
    // Six more would make 14: the oldest (identity 0, six entries) goes.
    ASSERT_EQ(t.apply(announce(identity(2), 1, kNow, gossip_test::six_v6(2)), kNow + 2),
              Verdict::accepted);
    EXPECT_EQ(t.find(identity(0).key.signing_id()), nullptr);
    EXPECT_EQ(t.entries(), 8u);
    EXPECT_EQ(t.identities(), 2u);

    Limits few;
    few.max_endpoints = 2;
    PeerTable small(kNet, kNow, few);
    small.apply(announce(identity(0), 1, kNow, gossip_test::six_v6(0)), kNow);
    EXPECT_EQ(small.entries(), 2u);
    // A success on an unknown endpoint of a full identity replaces its worst endpoint.
    const auto sid = identity(0).key.signing_id();
    ASSERT_TRUE(small.record_result(sid, small.find(sid)->endpoints[0].endpoint, false, kNow));
    ASSERT_TRUE(small.record_result(sid, ep("203.0.113.1:5"), true, kNow + 1));
    EXPECT_EQ(small.entries(), 2u);
    EXPECT_EQ(endpoint_texts(small.find(sid)->endpoints),
              (std::vector<std::string>{"203.0.113.1:5", "[2001:db8::2]:7002"}));
}

TEST(GossipPeerTable, SoftAndHardTtl) {
    PeerTable t(kNet, kNow);
    const auto a = identity(1), b = identity(2);
    t.apply(announce(a, 1), kNow);
    t.apply(announce(b, 1, kNow + 100), kNow + 100);
    EXPECT_TRUE(t.stale(kNow + 300).empty());
    EXPECT_FALSE(t.is_stale(a.key.signing_id(), kNow + 300));
    EXPECT_TRUE(t.is_stale(a.key.signing_id(), kNow + 301));
    EXPECT_EQ(t.stale(kNow + 401),
              (std::vector<SigningId>{a.key.signing_id(), b.key.signing_id()}));
    // Stale entries are still served.
    EXPECT_EQ(t.best_endpoints(a.key.signing_id(), 6).size(), 1u);
    EXPECT_EQ(t.deltas_since(0).announces.size(), 2u);
    EXPECT_EQ(t.expire(kNow + 600), 0u);
    EXPECT_EQ(t.expire(kNow + 601), 1u);
    EXPECT_EQ(t.find(a.key.signing_id()), nullptr);
    EXPECT_EQ(t.entries(), 1u);
    EXPECT_EQ(t.expire(kNow + 701), 1u);
    EXPECT_EQ(t.identities(), 0u);
    EXPECT_EQ(t.entries(), 0u);
}

TEST(GossipPeerTable, ScoresOrderTheBestEndpoints) {
    PeerTable t(kNet, kNow);
    const auto id = identity(1);
    const auto sid = id.key.signing_id();
    t.apply(announce(id, 1, kNow, {"198.51.100.1:1", "198.51.100.2:2", "198.51.100.3:3"}), kNow);
    // Equal scores: announce order.
    EXPECT_EQ(endpoint_texts(t.best_endpoints(sid, 6)),
              (std::vector<std::string>{"198.51.100.1:1", "198.51.100.2:2", "198.51.100.3:3"}));
    // A success promotes the third; a failure halves the first.
    ASSERT_TRUE(t.record_result(sid, ep("198.51.100.3:3"), true, kNow + 5));
    ASSERT_TRUE(t.record_result(sid, ep("198.51.100.1:1"), false, kNow + 6));
    auto best = t.best_endpoints(sid, 6);
    EXPECT_EQ(endpoint_texts(best),
              (std::vector<std::string>{"198.51.100.3:3", "198.51.100.2:2", "198.51.100.1:1"}));
    EXPECT_EQ(best[0].score, SCORE_GOSSIP + SCORE_SUCCESS);
    EXPECT_EQ(best[0].sources, bit(Source::gossip) | bit(Source::direct));
    EXPECT_EQ(best[0].last_seen, kNow + 5);
    EXPECT_EQ(best[2].score, SCORE_GOSSIP / 2);
    EXPECT_EQ(best[2].failures, 1u);
    EXPECT_EQ(best[2].last_seen, kNow);  // a failure is not a sighting
    // Same score: the most recently seen first (here against announce order).
    {
        PeerTable u(kNet, kNow);
        u.apply(announce(id, 1, kNow, {"198.51.100.1:1", "198.51.100.2:2"}), kNow);
        ASSERT_TRUE(u.record_result(sid, ep("198.51.100.2:2"), false, kNow + 2));
        ASSERT_TRUE(u.record_result(sid, ep("198.51.100.2:2"), true, kNow + 3));
        const auto order = u.best_endpoints(sid, 6);
        EXPECT_EQ(order[0].score, order[1].score);
        EXPECT_EQ(endpoint_texts(order),
                  (std::vector<std::string>{"198.51.100.2:2", "198.51.100.1:1"}));
    }
    // The cap, and the top n.
    for (int i = 0; i < 20; ++i)
        t.record_result(sid, ep("198.51.100.3:3"), true, kNow + 8);
    EXPECT_EQ(t.best_endpoints(sid, 1)[0].score, SCORE_MAX);
    EXPECT_EQ(t.best_endpoints(sid, 1).size(), 1u);
    // A failure on an unknown endpoint, or for an unknown identity, records nothing.
    EXPECT_FALSE(t.record_result(sid, ep("203.0.113.7:7"), false, kNow));
    EXPECT_FALSE(t.record_result(identity(2).key.signing_id(), ep("198.51.100.1:1"), true, kNow));
    // A success on an unknown endpoint adds it as direct, at the top.
    ASSERT_TRUE(t.record_result(sid, ep("203.0.113.7:7"), true, kNow + 9));
    best = t.best_endpoints(sid, 6);
    EXPECT_EQ(best.size(), 4u);
    EXPECT_EQ(best[1].endpoint.to_string(), "203.0.113.7:7");
    EXPECT_EQ(best[1].score, SCORE_DIRECT);
    EXPECT_EQ(t.entries(), 4u);
    EXPECT_TRUE(t.best_endpoints(identity(3).key.signing_id(), 6).empty());
}

TEST(GossipPeerTable, DeltasPageThroughChangesInOrder) {
    PeerTable t(kNet, kNow);
    for (unsigned i = 0; i < 8; ++i)
        ASSERT_EQ(t.apply(announce(identity(i), 1, kNow, gossip_test::six_v6(i)), kNow),
                  Verdict::accepted);
    std::vector<std::size_t> pages;
    std::set<SigningId> seen;
    std::uint64_t cursor = 0;
    for (;;) {
        const DeltaPage page = t.deltas_since(cursor);
        pages.push_back(page.announces.size());
        for (const auto& a : page.announces)
            EXPECT_TRUE(seen.insert(a.signing_id()).second);
        // Every page fits in one datagram.
        EXPECT_TRUE(encode(Delta{1, page.cursor, page.more, page.announces}).ok());
        EXPECT_GT(page.cursor, cursor);
        cursor = page.cursor;
        if (!page.more) break;
    }
    EXPECT_EQ(pages, (std::vector<std::size_t>{3, 3, 2}));
    EXPECT_EQ(seen.size(), 8u);
    EXPECT_EQ(cursor, t.counter());
    // Nothing new: an empty page with the same cursor.
    auto none = t.deltas_since(cursor);
    EXPECT_TRUE(none.announces.empty());
    EXPECT_FALSE(none.more);
    EXPECT_EQ(none.cursor, cursor);
    // One identity changes: only it follows the cursor.
    ASSERT_EQ(t.apply(announce(identity(2), 2, kNow + 1), kNow + 1), Verdict::accepted);
    auto one = t.deltas_since(cursor);
    ASSERT_EQ(one.announces.size(), 1u);
    EXPECT_EQ(one.announces[0].version, 2u);
    // A smaller budget gives smaller pages (at least one announce each).
    auto tight = t.deltas_since(0, 1);
    EXPECT_EQ(tight.announces.size(), 1u);
    EXPECT_TRUE(tight.more);
    // A cursor from the future (another life of the table) starts over.
    EXPECT_EQ(t.deltas_since(t.counter() + 1).announces.size(), 3u);
    // A table started later counts from above every cursor this one gave.
    PeerTable restarted(kNet, kNow + 1);
    EXPECT_GT(restarted.counter(), t.counter());
}

TEST(GossipPeerTable, CheckAndApplyAreSeparable) {
    // apply trusts its caller's check: the table alone decides version and limits.
    PeerTable t(kNet, kNow);
    auto a = announce(identity(1), 1);
    EXPECT_EQ(check(a, kNet, kNow, kEveryone), Verdict::accepted);
    EXPECT_EQ(t.apply(a, kNow, Source::relay), Verdict::accepted);
    EXPECT_EQ(t.find(a.signing_id())->endpoints[0].sources, bit(Source::relay));
    EXPECT_EQ(t.find(a.signing_id())->endpoints[0].score, SCORE_RELAY);
}
