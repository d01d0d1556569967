// SQLite store: schema, round trips of every row type, deduplication, queries.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "test_store_util.hpp"

using namespace sharemsg;
using test::numbered_message;

namespace {

void expect_same(const proto::ShareMessage& a, const proto::ShareMessage& b) {
    EXPECT_EQ(a.msg_type, b.msg_type);
    EXPECT_EQ(a.flags, b.flags);
    EXPECT_EQ(a.wire_flags, b.wire_flags);
    EXPECT_EQ(a.timestamp, b.timestamp);
    EXPECT_EQ(a.payload, b.payload);
    EXPECT_EQ(a.signing_id, b.signing_id);
    EXPECT_EQ(a.signature, b.signature);
    EXPECT_EQ(a.sender_address, b.sender_address);
    EXPECT_EQ(a.share_hash, b.share_hash);
    EXPECT_EQ(a.verified, b.verified);
    EXPECT_EQ(a.recipient, b.recipient);
    EXPECT_EQ(a.hash(), b.hash());
}

}  // namespace

TEST(StoreDb, WriterSetsWalFullSyncAndSchemaVersion) {
    test::TempDir dir("store-pragmas");
    auto db = test::open_writer_db(dir.file("node.db"));
    EXPECT_EQ(*db.query_text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(*db.query_int("PRAGMA synchronous"), 2);  // FULL
    EXPECT_EQ(*db.query_int("PRAGMA foreign_keys"), 1);
    EXPECT_EQ(db.user_version(), store::SCHEMA_VERSION);
    EXPECT_EQ(*db.integrity_check(), "ok");
    // Opening again migrates nothing and keeps the version.
    auto again = test::open_writer_db(dir.file("node2.db"));
    EXPECT_TRUE(store::migrate(db));
    EXPECT_EQ(db.user_version(), store::SCHEMA_VERSION);
}

TEST(StoreDb, RefusesNewerSchemaAndReaderIsReadOnly) {
    test::TempDir dir("store-version");
    const auto path = dir.file("node.db");
    {
        auto db = test::open_writer_db(path);
        ASSERT_TRUE(db.exec("PRAGMA user_version=99"));
    }
    auto w = store::Database::open_writer(path);
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().reason.find("newer than this build"), std::string::npos)
        << w.error().reason;
    auto r = store::Database::open_reader(path);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::bad_version);

    const auto path2 = dir.file("node2.db");
    { auto db = test::open_writer_db(path2); }
    auto reader = test::open_reader_db(path2);  // the writer is closed: WAL files are gone
    EXPECT_TRUE(reader.read_only());
    auto s = reader.exec("DELETE FROM messages");
    ASSERT_FALSE(s);
    EXPECT_EQ(reader.last_rc() & 0xff, SQLITE_READONLY);
    EXPECT_TRUE(store::load_messages(reader));
}

TEST(StoreDb, MessagesRoundTripEveryField) {
    test::TempDir dir("store-msg-rt");
    const auto path = dir.file("node.db");
    std::vector<proto::ShareMessage> msgs;
    for (std::uint32_t i = 0; i < 6; ++i)
        msgs.push_back(numbered_message(i));
    msgs[3].payload.clear();  // empty payload stays an empty blob, not NULL
    msgs[1].flags &= static_cast<std::uint8_t>(~proto::FLAG_PROTOCOL_AUTHORITY);
    msgs[5].flags |= proto::FLAG_PROTOCOL_AUTHORITY;  // earned by verification
    msgs[4].recipient = proto::SigningId{};
    msgs[4].recipient->fill(0x5c);  // a private message keeps its recipient
    {
        store::Writer w(test::open_writer_db(path));
        std::vector<store::Op> ops;
        for (const auto& m : msgs)
            ops.push_back(store::PutMessage{m, 1700000100.25});
        for (const auto& o : w.commit_now(std::move(ops))) {
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
            EXPECT_TRUE(o.changed);
        }
    }
    auto reader = test::open_reader_db(path);
    auto loaded = store::load_messages(reader);
    ASSERT_TRUE(loaded) << loaded.error().reason;
    ASSERT_EQ(loaded->size(), msgs.size());
    for (std::size_t i = 0; i < msgs.size(); ++i)
        expect_same((*loaded)[i], msgs[i]);
    EXPECT_NE((*loaded)[1].flags, (*loaded)[1].wire_flags);
    EXPECT_FALSE((*loaded)[0].signing_id.has_value());
    EXPECT_FALSE((*loaded)[0].sender_address.has_value());
    EXPECT_FALSE((*loaded)[0].share_hash.has_value());

    auto found = store::find_message(reader, msgs[2].hash());
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->received_at, 1700000100.25);
    EXPECT_EQ((*found)->message_hash, msgs[2].hash());
}

TEST(StoreDb, DuplicateMessageHashIsIgnoredAndReported) {
    test::TempDir dir("store-dedupe");
    store::Writer w(test::open_writer_db(dir.file("node.db")));
    auto m = numbered_message(7);
    auto first = w.enqueue_future(store::PutMessage{m, 1.0}).get();
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first.changed);
    auto changed_copy = m;
    changed_copy.verified = false;  // same hash, other local state: first one wins
    changed_copy.sender_address = "Lother";
    auto second = w.enqueue_future(store::PutMessage{changed_copy, 2.0}).get();
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second.changed);
    // Both in one batch: the second is a no-op.
    auto batch = w.commit_now(
        {store::PutMessage{numbered_message(8), 3.0}, store::PutMessage{numbered_message(8), 4.0}});
    EXPECT_TRUE(batch[0].changed);
    EXPECT_FALSE(batch[1].changed);
    w.flush();
    auto reader = test::open_reader_db(w.path());
    EXPECT_EQ(*store::count_messages(reader), 2);
    auto got = store::find_message(reader, m.hash());
    ASSERT_TRUE(got && got->has_value());
    EXPECT_TRUE((*got)->message.verified);
    EXPECT_EQ((*got)->received_at, 1.0);

    // UpdateMessage changes local state; DeleteMessage removes.
    auto upd = w.enqueue_future(store::UpdateMessage{changed_copy}).get();
    EXPECT_TRUE(upd.ok() && upd.changed);
    got = store::find_message(reader, m.hash());
    EXPECT_FALSE((*got)->message.verified);
    EXPECT_EQ((*got)->message.sender_address, "Lother");
    EXPECT_TRUE(w.enqueue_future(store::DeleteMessage{m.hash()}).get().changed);
    EXPECT_FALSE(w.enqueue_future(store::DeleteMessage{m.hash()}).get().changed);
    EXPECT_EQ(*store::count_messages(reader), 1);
}

TEST(StoreDb, OutboxKeysKeyStateAndBansRoundTrip) {
    test::TempDir dir("store-rows-rt");
    const auto path = dir.file("node.db");
    proto::ShareHash share{};
    share.fill(0xab);
    std::vector<store::QueueOutbox> queued;
    for (std::uint32_t i = 0; i < 4; ++i) {
        auto m = numbered_message(2 * i);  // local messages: flags == wire_flags
        queued.push_back({m.hash(), *proto::pack_message(m), 1700000000.5 + i});
    }
    store::SigningKeyRow k1{"Laddr1", {}, {}};
    k1.signing_id.fill(0x11);
    k1.info.key_index = 0;
    k1.info.pubkey.fill(0x02);
    k1.info.first_seen = 1700000001.5;
    store::SigningKeyRow k2{"Laddr1", {}, {}};
    k2.signing_id.fill(0x22);
    k2.info.key_index = 1;
    k2.info.pubkey.fill(0x03);
    k2.info.first_seen = 1700000002;
    k2.info.share_hash = share;
    store::KeyState ks{3, {}, 1707580800, std::nullopt, 42};
    ks.signing_id.fill(0x33);
    {
        store::Writer w(test::open_writer_db(path));
        std::vector<store::Op> ops;
        for (const auto& q : queued)
            ops.push_back(q);
        ops.push_back(store::QueueOutbox{queued[0]});  // duplicate: ignored
        ops.push_back(
            store::SetOutboxState{queued[1].message_hash, store::OutboxState::embedded, share, {}});
        ops.push_back(store::PutSigningKey{k1});
        ops.push_back(store::PutSigningKey{k2});
        k1.info.revoked = true;  // the rotation to k2 revokes k1
        ops.push_back(store::PutSigningKey{k1});
        ops.push_back(store::PutKeyState{ks});
        ops.push_back(store::PutBan{{store::BanKind::address, "Lbad"}});
        ops.push_back(store::PutBan{{store::BanKind::keyword, "spam"}});
        ops.push_back(store::PutBan{{store::BanKind::type, "5"}});
        ops.push_back(store::PutBan{{store::BanKind::signing_id, std::string(40, 'a')}});
        ops.push_back(store::RemoveBan{{store::BanKind::keyword, "spam"}});
        auto out = w.commit_now(std::move(ops));
        for (const auto& o : out)
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
        EXPECT_FALSE(out[4].changed);
        EXPECT_TRUE(out[5].changed);
    }
    auto r = test::open_reader_db(path);
    auto q = store::load_outbox(r, store::OutboxState::queued);
    ASSERT_TRUE(q);
    ASSERT_EQ(q->size(), 3u);
    EXPECT_EQ((*q)[0].message_hash, queued[0].message_hash);
    EXPECT_EQ((*q)[0].msg, queued[0].msg);
    EXPECT_EQ((*q)[0].created_at, queued[0].created_at);
    EXPECT_FALSE((*q)[0].share_hash);
    EXPECT_EQ((*q)[1].message_hash, queued[2].message_hash);  // oldest first
    EXPECT_LT((*q)[0].id, (*q)[1].id);
    auto e = store::load_outbox(r, store::OutboxState::embedded);
    ASSERT_EQ(e->size(), 1u);
    EXPECT_EQ((*e)[0].share_hash, share);
    EXPECT_EQ(store::load_outbox(r, std::nullopt)->size(), 4u);
    // The packed message unpacks to the message queued.
    auto un = proto::unpack_message((*e)[0].msg);
    ASSERT_TRUE(un);
    EXPECT_EQ(un->message.hash(), queued[1].message_hash);

    auto keys = store::load_signing_keys(r);
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[0].signing_id, k1.signing_id);  // first registered first
    EXPECT_TRUE((*keys)[0].info.revoked);
    EXPECT_EQ((*keys)[0].info.first_seen, 1700000001.5);
    EXPECT_FALSE((*keys)[0].info.share_hash);
    EXPECT_EQ((*keys)[1].info.key_index, 1u);
    EXPECT_EQ((*keys)[1].info.pubkey, k2.info.pubkey);
    EXPECT_EQ((*keys)[1].info.share_hash, share);
    EXPECT_FALSE((*keys)[1].info.revoked);

    auto st = store::load_key_state(r);
    ASSERT_TRUE(st && st->has_value());
    EXPECT_EQ((*st)->key_index, 3u);
    EXPECT_EQ((*st)->signing_id, ks.signing_id);
    EXPECT_EQ((*st)->created, 1707580800);
    EXPECT_FALSE((*st)->last_rotated);
    EXPECT_EQ((*st)->messages_signed, 42u);

    auto bans = store::load_ban_list(r);
    ASSERT_TRUE(bans);
    EXPECT_EQ(bans->addresses(), std::set<std::string>{"Lbad"});
    EXPECT_TRUE(bans->keywords().empty());
    EXPECT_EQ(bans->types(), std::set<int>{5});
    EXPECT_EQ(bans->signing_ids().size(), 1u);
    // Round trip through the BanList conversion.
    EXPECT_EQ(store::bans_of(*bans).size(), 3u);
}

TEST(StoreDb, KeyStateIsOneRowAndEmptyAtFirst) {
    test::TempDir dir("store-keystate");
    store::Writer w(test::open_writer_db(dir.file("node.db")));
    auto r = test::open_reader_db(w.path());
    EXPECT_FALSE(store::load_key_state(r)->has_value());
    store::KeyState a{0, {}, 100, std::nullopt, 1};
    store::KeyState b{1, {}, 100, 200.5, 7};
    b.signing_id.fill(9);
    ASSERT_TRUE(w.enqueue_future(store::PutKeyState{a}).get().ok());
    ASSERT_TRUE(w.enqueue_future(store::PutKeyState{b}).get().ok());
    EXPECT_EQ(*r.query_int("SELECT count(*) FROM key_state"), 1);
    auto st = store::load_key_state(r);
    EXPECT_EQ((*st)->key_index, 1u);
    EXPECT_EQ((*st)->last_rotated, 200.5);
    EXPECT_EQ((*st)->signing_id, b.signing_id);
}

TEST(StoreDb, RecentFiltersAndOrdersNewestFirstUsingIndexes) {
    test::TempDir dir("store-recent");
    store::Writer w(test::open_writer_db(dir.file("node.db")));
    std::vector<store::Op> ops;
    for (std::uint32_t i = 0; i < 60; ++i)
        ops.push_back(store::PutMessage{numbered_message(i), 0});
    // Two messages with one timestamp: the later arrival reads first.
    auto tie_a = numbered_message(1000);
    auto tie_b = numbered_message(1001);
    tie_a.timestamp = tie_b.timestamp = 1700000059;
    ops.push_back(store::PutMessage{tie_a, 0});
    ops.push_back(store::PutMessage{tie_b, 0});
    w.commit_now(std::move(ops));
    auto r = test::open_reader_db(w.path());

    auto all = store::recent(r, {10, std::nullopt, std::nullopt, std::nullopt});
    ASSERT_TRUE(all) << all.error().reason;
    ASSERT_EQ(all->size(), 10u);
    EXPECT_EQ((*all)[0].message.hash(), tie_b.hash());
    EXPECT_EQ((*all)[1].message.hash(), tie_a.hash());
    for (std::size_t i = 1; i < all->size(); ++i)
        EXPECT_GE((*all)[i - 1].message.timestamp, (*all)[i].message.timestamp);

    auto since = store::recent(r, {200, 1700000050.0, std::nullopt, std::nullopt});
    EXPECT_EQ(since->size(), 12u);  // 50..59 and the two ties

    auto chat = store::recent(r, {200, std::nullopt, proto::MSG_MINER_MESSAGE, std::nullopt});
    for (const auto& m : *chat)
        EXPECT_EQ(m.message.msg_type, proto::MSG_MINER_MESSAGE);
    EXPECT_EQ(chat->size(), 20u);  // i % 3 == 0 below 60

    auto by_sender = store::recent(r, {3, 1700000010.0, std::nullopt, std::string("Lsender1")});
    ASSERT_EQ(by_sender->size(), 3u);
    for (const auto& m : *by_sender)
        EXPECT_EQ(m.message.sender_address, "Lsender1");
    EXPECT_EQ((*by_sender)[0].message.hash(), tie_b.hash());  // 1001 is one of Lsender1's
    EXPECT_EQ((*by_sender)[1].message.timestamp, 1700000051u);
    EXPECT_EQ((*by_sender)[2].message.timestamp, 1700000041u);

    // Each query shape uses an index rather than scanning the table.
    auto plan = [&](const std::string& sql) {
        auto s = r.prepare("EXPLAIN QUERY PLAN " + sql);
        std::string text;
        while (*s->step())
            text += s->col_text(3) + "\n";
        return text;
    };
    EXPECT_NE(plan("SELECT * FROM messages ORDER BY timestamp DESC, rowid DESC LIMIT 5")
                  .find("messages_by_time"),
              std::string::npos);
    EXPECT_NE(
        plan(
            "SELECT * FROM messages WHERE msg_type = 2 ORDER BY timestamp DESC, rowid DESC LIMIT 5")
            .find("messages_by_type_time"),
        std::string::npos);
    EXPECT_NE(plan("SELECT * FROM messages WHERE sender_address = 'x' ORDER BY timestamp DESC, "
                   "rowid DESC LIMIT 5")
                  .find("messages_by_sender_time"),
              std::string::npos);
}

TEST(StoreDb, ConstraintFailureFailsOnlyThatOp) {
    test::TempDir dir("store-constraint");
    store::Writer w(test::open_writer_db(dir.file("node.db")));
    std::vector<store::Op> ops;
    ops.push_back(store::PutMessage{numbered_message(2), 0});
    // A key state whose counter does not fit the column's CHECK (>= 0).
    store::KeyState ks{};
    ks.messages_signed = static_cast<std::uint64_t>(-1);  // stored as -1: CHECK fails
    ops.push_back(store::PutKeyState{ks});
    ops.push_back(store::PutMessage{numbered_message(3), 0});
    auto out = w.commit_now(std::move(ops));
    EXPECT_TRUE(out[0].ok());
    ASSERT_FALSE(out[1].ok());
    EXPECT_EQ(out[1].failure, store::Failure::constraint);
    EXPECT_NE(out[1].status.error().reason.find("CHECK"), std::string::npos)
        << out[1].status.error().reason;
    EXPECT_TRUE(out[2].ok());
    auto r = test::open_reader_db(w.path());
    EXPECT_EQ(*store::count_messages(r), 2);
    EXPECT_FALSE(store::load_key_state(r)->has_value());
}

TEST(StoreDb, FailedOutboxEntryKeepsItsReason) {
    test::TempDir dir("store-outbox-failed");
    const auto path = dir.file("node.db");
    const auto m = numbered_message(4);
    {
        store::Writer w(test::open_writer_db(path));
        std::vector<store::Op> ops;
        ops.push_back(store::QueueOutbox{m.hash(), {1, 2, 3}, 5.0});
        ops.push_back(store::SetOutboxState{m.hash(), store::OutboxState::failed, std::nullopt,
                                            "fragments expired 3 times"});
        for (const auto& o : w.commit_now(std::move(ops)))
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
    }
    auto r = test::open_reader_db(path);
    auto all = store::load_outbox(r, std::nullopt);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].state, store::OutboxState::failed);
    EXPECT_EQ((*all)[0].detail, "fragments expired 3 times");
    EXPECT_STREQ(store::outbox_state_name((*all)[0].state), "failed");
    EXPECT_TRUE(store::load_outbox(r)->empty());  // not queued

    // Sent again: the failed row is queued again (else a restart would not load it).
    {
        store::Writer w(test::open_writer_db(path));
        std::vector<store::Op> ops;
        ops.push_back(store::QueueOutbox{m.hash(), {4, 5, 6}, 7.0});
        ops.push_back(store::QueueOutbox{m.hash(), {7, 8, 9}, 8.0});  // queued already: kept
        auto out = w.commit_now(std::move(ops));
        ASSERT_EQ(out.size(), 2u);
        EXPECT_TRUE(out[0].ok() && out[0].changed);
        EXPECT_TRUE(out[1].ok() && !out[1].changed);
    }
    auto again = store::load_outbox(r);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ((*again)[0].msg, (Bytes{4, 5, 6}));
    EXPECT_EQ((*again)[0].created_at, 7.0);
    EXPECT_EQ((*again)[0].detail, "");
}

TEST(StoreDb, VersionOneDatabaseMigratesKeepingItsRows) {
    test::TempDir dir("store-migrate");
    const auto path = dir.file("node.db");
    const auto m = numbered_message(9);
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(raw, store::schema_steps().at(0), nullptr, nullptr, nullptr),
                  SQLITE_OK);
        const std::string rows =
            "PRAGMA user_version=1;"
            "INSERT INTO outbox (message_hash, msg, created_at, state, share_hash) VALUES "
            "(zeroblob(32), x'0102', 10.5, 'queued', NULL),"
            "(x'" +
            std::string(64, 'e') + "', x'03', 11.5, 'embedded', x'" + std::string(64, 'f') + "');";
        ASSERT_EQ(sqlite3_exec(raw, rows.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    {
        store::Writer w(test::open_writer_db(path));  // migrates to the current version
        auto out =
            w.commit_now({store::PutMessage{m, 1.0}, store::QueueOutbox{m.hash(), {4}, 12.5}});
        for (const auto& o : out)
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
    }
    auto r = test::open_reader_db(path);
    EXPECT_EQ(r.user_version(), store::SCHEMA_VERSION);
    EXPECT_EQ(*r.integrity_check(), "ok");
    auto all = store::load_outbox(r, std::nullopt);
    ASSERT_TRUE(all) << all.error().reason;
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].msg, (Bytes{1, 2}));
    EXPECT_EQ((*all)[1].state, store::OutboxState::embedded);
    ASSERT_TRUE((*all)[1].share_hash);
    EXPECT_EQ((*(*all)[1].share_hash)[0], 0xff);
    EXPECT_GT((*all)[2].id, (*all)[1].id);  // the queue order goes on after the copied rows
    EXPECT_EQ((*all)[2].msg, (Bytes{4}));
    auto msgs = store::load_messages(r);
    ASSERT_TRUE(msgs);
    ASSERT_EQ(msgs->size(), 1u);
    EXPECT_FALSE((*msgs)[0].recipient);
    EXPECT_FALSE((*msgs)[0].authority_key);
}

TEST(StoreDb, ACoSignedMessageKeepsItsAuthorityKey) {
    test::TempDir dir("store-authority");
    const auto path = dir.file("node.db");
    auto m = numbered_message(31);
    ByteArray<32> key{};
    key.fill(0xa7);
    m.authority_key = key;
    const auto plain = numbered_message(32);
    {
        store::Writer w(test::open_writer_db(path));
        for (const auto& o : w.commit_now({store::PutMessage{m, 1.0}, store::PutMessage{plain, 2.0}}))
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
        // An update that does not carry the key leaves it.
        auto without = m;
        without.authority_key.reset();
        without.verified = true;
        for (const auto& o : w.commit_now({store::UpdateMessage{without}}))
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
    }
    auto r = test::open_reader_db(path);
    auto msgs = store::load_messages(r);
    ASSERT_TRUE(msgs) << msgs.error().reason;
    ASSERT_EQ(msgs->size(), 2u);
    for (const auto& got : *msgs) {
        if (got.hash() == m.hash()) {
            ASSERT_TRUE(got.authority_key);
            EXPECT_EQ(*got.authority_key, key);
            EXPECT_TRUE(got.verified);
        } else {
            EXPECT_FALSE(got.authority_key);
        }
    }
}

TEST(StoreDb, TrimOutboxKeepsQueuedRowsAndTheNewestRecords) {
    test::TempDir dir("store-outbox-trim");
    const auto path = dir.file("node.db");
    std::vector<crypto::Hash256> hashes;
    {
        store::Writer w(test::open_writer_db(path));
        std::vector<store::Op> ops;
        for (std::uint32_t i = 0; i < 6; ++i) {
            const auto m = numbered_message(20 + i);
            hashes.push_back(m.hash());
            ops.push_back(store::QueueOutbox{m.hash(), {1}, 10.0 + i});
        }
        proto::ShareHash share{};
        share.fill(0x5a);
        // 0 and 3 stay queued; 1, 2, 4 embedded; 5 failed.
        for (std::size_t i : {1, 2, 4})
            ops.push_back(
                store::SetOutboxState{hashes[i], store::OutboxState::embedded, share, {}});
        ops.push_back(
            store::SetOutboxState{hashes[5], store::OutboxState::failed, std::nullopt, "why"});
        ops.push_back(store::TrimOutbox{2});
        ops.push_back(store::TrimOutbox{2});  // nothing more to delete
        auto out = w.commit_now(std::move(ops));
        for (const auto& o : out)
            EXPECT_TRUE(o.ok()) << o.status.error().reason;
        EXPECT_TRUE(out[out.size() - 2].changed);
        EXPECT_FALSE(out.back().changed);
    }
    auto r = test::open_reader_db(path);
    auto all = store::load_outbox(r, std::nullopt);
    ASSERT_TRUE(all);
    std::vector<crypto::Hash256> left;
    for (const auto& e : *all)
        left.push_back(e.message_hash);
    // The queued rows, and the two newest records (4 embedded, 5 failed).
    EXPECT_EQ(left, (std::vector<crypto::Hash256>{hashes[0], hashes[3], hashes[4], hashes[5]}));
}
