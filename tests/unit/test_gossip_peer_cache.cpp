// The peer table's SQLite cache: save, reopen, load gives a table that answers the same;
// expired entries stay out; corrupt rows are skipped and counted.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "gossip/peer_cache.hpp"
#include "test_gossip_util.hpp"
#include "test_store_util.hpp"

using namespace sharemsg;
using namespace sharemsg::gossip;
using gossip_test::announce;
using gossip_test::kNow;
using relay_test::identity;

namespace {

const NetworkId kNet = proto::open::DEVNET_NETWORK_ID;

Endpoint ep(const char* text) {
    return *relay::parse_endpoint(text);
}

// A table of three identities with some history: successes, a failure, a direct endpoint.
PeerTable sample_table() {
    PeerTable t(kNet, kNow);
    t.apply(announce(identity(1), 4, kNow, {"198.51.100.1:1", "[2001:db8::1]:2"}), kNow);
    t.apply(announce(identity(2), 9, kNow, gossip_test::six_v6(2)), kNow + 10);
    t.apply(announce(identity(3), 1, kNow, {"198.51.100.3:3"}, NatType::symmetric), kNow + 20);
    const auto s1 = identity(1).key.signing_id();
    t.record_result(s1, ep("[2001:db8::1]:2"), true, kNow + 30);
    t.record_result(s1, ep("198.51.100.1:1"), false, kNow + 31);
    t.record_result(s1, ep("203.0.113.5:5"), true, kNow + 32);
    return t;
}

void exec(sqlite3* db, const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
}

// Flips a bit of the last byte (the signature's) of one cached announce.
void flip_last_byte(sqlite3* db, const std::string& pubkey) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT announce FROM peer_announces WHERE pubkey = ?1", -1,
                                 &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, pubkey.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, 0));
    Bytes blob(p, p + sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    blob.back() ^= 1;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE peer_announces SET announce = ?2 WHERE pubkey = ?1",
                                 -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, pubkey.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

}  // namespace

TEST(GossipPeerCache, SaveReopenLoadAnswersTheSame) {
    test::TempDir dir("gossip-cache");
    const std::string path = dir.file("peers.sqlite");
    const PeerTable before = sample_table();
    {
        auto cache = PeerCache::open(path);
        ASSERT_TRUE(cache.ok()) << cache.error().to_string();
        auto saved = cache->save(before);
        ASSERT_TRUE(saved.ok()) << saved.error().to_string();
        EXPECT_EQ(saved->identities, 3u);
        EXPECT_EQ(saved->endpoints, 3u + 6u + 1u);
    }
    auto cache = PeerCache::open(path);
    ASSERT_TRUE(cache.ok());
    PeerTable after(kNet, kNow + 100);
    auto loaded = cache->load(after, kNow + 100);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->identities, 3u);
    EXPECT_EQ(loaded->endpoints, 10u);
    EXPECT_EQ(loaded->corrupt, 0u);
    EXPECT_EQ(loaded->expired, 0u);
    ASSERT_EQ(after.identities(), 3u);
    EXPECT_EQ(after.entries(), before.entries());
    for (const auto& [id, p] : before.peers()) {
        const Peer* q = after.find(id);
        ASSERT_NE(q, nullptr);
        EXPECT_EQ(q->announce, p.announce);
        EXPECT_TRUE(signature_ok(q->announce));
        EXPECT_EQ(q->updated, p.updated);
        const auto want = before.best_endpoints(id, 6);
        const auto got = after.best_endpoints(id, 6);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ(got[i].endpoint, want[i].endpoint);
            EXPECT_EQ(got[i].score, want[i].score);
            EXPECT_EQ(got[i].last_seen, want[i].last_seen);
            EXPECT_EQ(got[i].failures, want[i].failures);
            EXPECT_EQ(got[i].sources, want[i].sources | bit(Source::cache));
        }
    }
    // The loaded table answers pulls with the same announces.
    EXPECT_EQ(after.deltas_since(0).announces.size(), before.deltas_since(0).announces.size());
    // A newer announce still replaces a cached one; an older one is refused.
    EXPECT_EQ(after.apply(announce(identity(2), 8), kNow + 100), Verdict::stale_version);
    EXPECT_EQ(after.apply(announce(identity(2), 10), kNow + 100), Verdict::accepted);
}

TEST(GossipPeerCache, BestNPerIdentityAndTheSeedColumns) {
    test::TempDir dir("gossip-cache");
    auto cache = PeerCache::open(dir.file("peers.sqlite"));
    ASSERT_TRUE(cache.ok());
    auto saved = cache->save(sample_table(), 2);
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->endpoints, 2u + 2u + 1u);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(cache->handle(),
                                 "SELECT endpoint, nat_type, version, score, source FROM "
                                 "peer_endpoints WHERE pubkey = ?1 ORDER BY score DESC",
                                 -1, &st, nullptr),
              SQLITE_OK);
    const std::string pk = to_hex(identity(1).key.pubkey());
    sqlite3_bind_text(st, 1, pk.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "203.0.113.5:5");
    EXPECT_EQ(sqlite3_column_int(st, 1), static_cast<int>(NatType::port_restricted));
    EXPECT_EQ(sqlite3_column_int(st, 2), 4);
    EXPECT_EQ(sqlite3_column_int(st, 3), SCORE_DIRECT);
    EXPECT_EQ(sqlite3_column_int(st, 4), bit(Source::direct));
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "[2001:db8::1]:2");
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

TEST(GossipPeerCache, EntriesPastTheHardTtlAreNotLoaded) {
    test::TempDir dir("gossip-cache");
    auto cache = PeerCache::open(dir.file("peers.sqlite"));
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE(cache->save(sample_table()).ok());
    // Updated at kNow, +10, +20; the hard TTL is 600 s.
    PeerTable t(kNet, kNow + 615);
    auto loaded = cache->load(t, kNow + 615);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->expired, 2u);
    EXPECT_EQ(loaded->identities, 1u);
    EXPECT_NE(t.find(identity(3).key.signing_id()), nullptr);
}

TEST(GossipPeerCache, CorruptRowsAreSkippedAndCounted) {
    test::TempDir dir("gossip-cache");
    auto cache = PeerCache::open(dir.file("peers.sqlite"));
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE(cache->save(sample_table()).ok());
    sqlite3* db = cache->handle();
    const std::string pk1 = to_hex(identity(1).key.pubkey());
    const std::string pk2 = to_hex(identity(2).key.pubkey());
    const std::string pk3 = to_hex(identity(3).key.pubkey());
    // Identity 1: one endpoint row unreadable, one with a score out of range.
    exec(db, "UPDATE peer_endpoints SET endpoint = 'not an endpoint' WHERE pubkey = '" + pk1 +
                 "' AND endpoint = '198.51.100.1:1'");
    exec(db, "UPDATE peer_endpoints SET score = 'high' WHERE pubkey = '" + pk1 +
                 "' AND endpoint = '203.0.113.5:5'");
    // Identity 2: its announce bytes altered (the signature no longer verifies).
    flip_last_byte(db, pk2);
    // Garbage announces: not a datagram, and another identity's bytes under a wrong key.
    exec(db, "INSERT INTO peer_announces VALUES ('zz', X'00010203', 1)");
    exec(db,
         "INSERT INTO peer_announces SELECT 'aa' || substr(pubkey, 3), announce, updated "
         "FROM peer_announces WHERE pubkey = '" +
             pk3 + "'");
    PeerTable t(kNet, kNow + 50);
    auto loaded = cache->load(t, kNow + 50);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->corrupt, 2u + 1u + 2u);
    EXPECT_EQ(loaded->identities, 2u);
    const Peer* p1 = t.find(identity(1).key.signing_id());
    ASSERT_NE(p1, nullptr);
    ASSERT_EQ(p1->endpoints.size(), 1u);
    EXPECT_EQ(p1->endpoints[0].endpoint.to_string(), "[2001:db8::1]:2");
    EXPECT_EQ(t.find(identity(2).key.signing_id()), nullptr);
    EXPECT_NE(t.find(identity(3).key.signing_id()), nullptr);
}

TEST(GossipPeerCache, AnotherNetworksCacheDoesNotLoad) {
    test::TempDir dir("gossip-cache");
    auto cache = PeerCache::open(dir.file("peers.sqlite"));
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE(cache->save(sample_table()).ok());
    auto other = kNet;
    other[0] ^= 1;
    PeerTable t(other, kNow);
    auto loaded = cache->load(t, kNow);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->corrupt, 3u);
    EXPECT_EQ(t.identities(), 0u);
}

TEST(GossipPeerCache, AttachesToABorrowedConnection) {
    test::TempDir dir("gossip-cache");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("node.sqlite").c_str(), &db), SQLITE_OK);
    {
        auto cache = PeerCache::attach(db);
        ASSERT_TRUE(cache.ok());
        ASSERT_TRUE(cache->save(sample_table()).ok());
        PeerTable t(kNet, kNow);
        auto loaded = cache->load(t, kNow + 30);
        ASSERT_TRUE(loaded.ok());
        EXPECT_EQ(loaded->identities, 3u);
    }
    // The borrowed connection is still open and holds the tables.
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM peer_announces", -1, &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
