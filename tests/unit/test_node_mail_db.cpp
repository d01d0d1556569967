// The node's mail state (node/mail_db.hpp) and the inbox's order (node/mail_inbox.hpp), on a
// real SQLite file: rows survive reopening, each sender's messages enter the inbox in index
// order, held messages wait for their gap, and a gap is given up by age or by the window.
#include <gtest/gtest.h>

#include <string>

#include "node/mail_db.hpp"
#include "node/mail_inbox.hpp"
#include "test_store_util.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

PubKey key(std::uint8_t n) {
    PubKey k{};
    k[0] = 0x02;
    k[32] = n;
    return k;
}

std::unique_ptr<MailDb> open_db(const std::string& path) {
    auto db = MailDb::open(path);
    EXPECT_TRUE(db.ok()) << (db ? "" : db.error().reason);
    return db ? std::move(*db) : nullptr;
}

Arrival arrival(std::uint8_t from, std::uint64_t index, std::string path = "mailbox") {
    Arrival a;
    a.me = key(1);
    a.from = key(from);
    a.index = index;
    a.text = "message " + std::to_string(index) + " from " + std::to_string(from);
    a.sent = kNow - 100 + index;
    a.path = std::move(path);
    return a;
}

// Takes one arrival in its own transaction; the indexes that entered the inbox.
std::vector<std::uint64_t> take(MailDb& db, InboxOrder& order, const Arrival& a,
                                std::uint64_t now = kNow) {
    EXPECT_TRUE(db.begin().ok());
    auto r = order.take(a, now);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().reason);
    EXPECT_TRUE(db.commit().ok());
    std::vector<std::uint64_t> out;
    if (r)
        for (const auto& m : *r)
            out.push_back(m.index);
    return out;
}

std::vector<std::uint64_t> sweep(MailDb& db, InboxOrder& order, std::uint64_t now) {
    EXPECT_TRUE(db.begin().ok());
    auto r = order.sweep(now);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().reason);
    EXPECT_TRUE(db.commit().ok());
    std::vector<std::uint64_t> out;
    if (r)
        for (const auto& m : *r)
            out.push_back(m.index);
    return out;
}

using V = std::vector<std::uint64_t>;

}  // namespace

TEST(NodeMailDb, RowsSurviveReopening) {
    test::TempDir dir("mail-db");
    const auto path = dir.file("mail.sqlite");
    {
        auto db = open_db(path);
        ASSERT_NE(db, nullptr);
        SendChainRow sc;
        sc.index = 7;
        sc.link.fill(0xab);
        ASSERT_TRUE(db->put_send_chain(key(1), key(2), sc).ok());
        const Bytes state{0, 1, 2, 0, 255};
        ASSERT_TRUE(db->put_recv_chain(key(1), key(3), state).ok());
        ASSERT_TRUE(db->set_next_expected(key(1), key(3), 5).ok());
        MailReceived m;
        m.from = key(3);
        m.index = 4;
        m.text = std::string("with a \0 byte and ünïcode", 26);
        m.sent = kNow - 5;
        m.received = kNow;
        m.path = "direct";
        auto added = db->add_inbox(m);
        ASSERT_TRUE(added.ok());
        EXPECT_EQ(added->id, 1u);
        OutboxRow o;
        o.sent.to = key(2);
        o.sent.index = 6;
        o.sent.text = "hello";
        o.sent.created = kNow;
        o.request = "{\"header\":{}}";
        o.next_try = kNow;
        auto id = db->add_outbox(o);
        ASSERT_TRUE(id.ok());
        EXPECT_EQ(*id, 1u);
        ASSERT_TRUE(db->set_meta("fetched", "12").ok());
    }
    auto db = open_db(path);
    ASSERT_NE(db, nullptr);
    auto sc = db->send_chain(key(1), key(2));
    ASSERT_TRUE(sc.ok() && sc->has_value());
    EXPECT_EQ((*sc)->index, 7u);
    EXPECT_EQ((*sc)->link[31], 0xab);
    auto none = db->send_chain(key(2), key(1));  // the other direction is another chain
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    auto rc = db->recv_chain(key(1), key(3));
    ASSERT_TRUE(rc.ok() && rc->has_value());
    EXPECT_EQ(**rc, (Bytes{0, 1, 2, 0, 255}));
    EXPECT_EQ(*db->next_expected(key(1), key(3)), 5u);
    EXPECT_EQ(*db->next_expected(key(1), key(4)), 0u);
    auto m = db->read(1);
    ASSERT_TRUE(m.ok() && m->has_value());
    EXPECT_EQ((*m)->text, std::string("with a \0 byte and ünïcode", 26));
    EXPECT_EQ((*m)->from, key(3));
    EXPECT_EQ((*m)->path, "direct");
    auto o = db->outbox_row(1);
    ASSERT_TRUE(o.ok() && o->has_value());
    EXPECT_EQ((*o)->sent.state, MailSent::State::queued);
    EXPECT_EQ((*o)->request, "{\"header\":{}}");
    EXPECT_EQ(*db->queued_count(), 1u);
    EXPECT_EQ(**db->meta("fetched"), "12");
    EXPECT_FALSE(db->meta("other")->has_value());
}

TEST(NodeMailDb, OutboxDueAndStates) {
    test::TempDir dir("mail-db");
    auto db = open_db(dir.file("mail.sqlite"));
    ASSERT_NE(db, nullptr);
    for (std::uint64_t i = 0; i < 3; ++i) {
        OutboxRow o;
        o.sent.to = key(2);
        o.sent.index = i;
        o.sent.text = "t" + std::to_string(i);
        o.sent.created = kNow;
        o.next_try = kNow + i * 10;
        ASSERT_TRUE(db->add_outbox(o).ok());
    }
    auto due = db->due(kNow + 10, 100);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 2u);
    EXPECT_EQ((*due)[0].sent.index, 0u);  // oldest first
    auto first = (*due)[0];
    first.sent.state = MailSent::State::deposited;
    ASSERT_TRUE(db->update_outbox(first).ok());
    auto second = (*due)[1];
    second.sent.last_error = "HTTP 404 unknown_receiver";
    second.tries = 1;
    second.next_try = kNow + 100;
    ASSERT_TRUE(db->update_outbox(second).ok());
    EXPECT_EQ(db->due(kNow + 20, 100)->size(), 1u);  // only the third
    EXPECT_EQ(**db->next_due(), kNow + 20);
    EXPECT_EQ(*db->queued_count(), 2u);
    auto list = db->outbox(10);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 3u);
    EXPECT_EQ((*list)[0].index, 2u);  // newest first
    EXPECT_EQ((*list)[2].state, MailSent::State::deposited);
    EXPECT_EQ((*list)[1].last_error, "HTTP 404 unknown_receiver");
}

TEST(NodeMailDb, RolledBackChangesAreGone) {
    test::TempDir dir("mail-db");
    auto db = open_db(dir.file("mail.sqlite"));
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->begin().ok());
    ASSERT_TRUE(db->set_next_expected(key(1), key(2), 9).ok());
    MailReceived m;
    m.from = key(2);
    ASSERT_TRUE(db->add_inbox(m).ok());
    db->rollback();
    EXPECT_EQ(*db->next_expected(key(1), key(2)), 0u);
    EXPECT_EQ(*db->inbox_count(), 0u);
}

TEST(NodeMailOrder, InOrderGoesStraightIn) {
    test::TempDir dir("mail-order");
    auto db = open_db(dir.file("mail.sqlite"));
    ASSERT_NE(db, nullptr);
    InboxOrder order(*db, {});
    for (std::uint64_t i = 0; i < 5; ++i)
        EXPECT_EQ(take(*db, order, arrival(2, i)), V{i});
    auto in = db->inbox(0, 100);
    ASSERT_TRUE(in.ok());
    ASSERT_EQ(in->size(), 5u);
    for (std::uint64_t i = 0; i < 5; ++i) {
        EXPECT_EQ((*in)[i].index, i);
        EXPECT_EQ((*in)[i].id, i + 1);
        EXPECT_EQ((*in)[i].text, arrival(2, i).text);
    }
}

TEST(NodeMailOrder, AheadIsHeldUntilTheGapFills) {
    test::TempDir dir("mail-order");
    auto db = open_db(dir.file("mail.sqlite"));
    ASSERT_NE(db, nullptr);
    InboxOrder order(*db, {});
    EXPECT_EQ(take(*db, order, arrival(2, 0)), V{0});
    EXPECT_EQ(take(*db, order, arrival(2, 3)), V{});
    EXPECT_EQ(take(*db, order, arrival(2, 2)), V{});
    // Another sender is not held up by it.
    EXPECT_EQ(take(*db, order, arrival(3, 0)), V{0});
    EXPECT_EQ(*db->inbox_count(), 2u);
    EXPECT_EQ((V{1, 2, 3}), take(*db, order, arrival(2, 1, "direct")));
    EXPECT_EQ(*db->next_expected(key(1), key(2)), 4u);
    EXPECT_TRUE(db->held(key(1), key(2))->empty());
    auto in = db->inbox(2, 100);
    ASSERT_TRUE(in.ok());
    ASSERT_EQ(in->size(), 3u);
    EXPECT_EQ((*in)[0].path, "direct");
    EXPECT_EQ((*in)[1].path, "mailbox");
    // Nothing held: a sweep changes nothing.
    EXPECT_EQ(sweep(*db, order, kNow + 10'000), V{});
}

TEST(NodeMailOrder, HeldMessagesSurviveReopening) {
    test::TempDir dir("mail-order");
    const auto path = dir.file("mail.sqlite");
    {
        auto db = open_db(path);
        ASSERT_NE(db, nullptr);
        InboxOrder order(*db, {});
        EXPECT_EQ(take(*db, order, arrival(2, 1)), V{});
    }
    auto db = open_db(path);
    ASSERT_NE(db, nullptr);
    InboxOrder order(*db, {});
    EXPECT_EQ((V{0, 1}), take(*db, order, arrival(2, 0)));
}

TEST(NodeMailOrder, AnOldGapIsGivenUp) {
    test::TempDir dir("mail-order");
    auto db = open_db(dir.file("mail.sqlite"));
    ASSERT_NE(db, nullptr);
    InboxOrder order(*db, {600, 64});
    EXPECT_EQ(take(*db, order, arrival(2, 2), kNow), V{});
    EXPECT_EQ(take(*db, order, arrival(2, 5), kNow + 300), V{});
    EXPECT_EQ(sweep(*db, order, kNow + 599), V{});
    // Ten minutes after index 2 arrived: 0 and 1 are given up, 2 goes in; the gap before 5
    // counts from 5's arrival.
    EXPECT_EQ(sweep(*db, order, kNow + 600), V{2});
    EXPECT_EQ(sweep(*db, order, kNow + 899), V{});
    // 4 fills part of the next gap; 3 is given up when 4 and 5's gap is old.
    EXPECT_EQ(take(*db, order, arrival(2, 4), kNow + 850), V{});
    EXPECT_EQ((V{4, 5}), sweep(*db, order, kNow + 900));
    EXPECT_EQ(*db->next_expected(key(1), key(2)), 6u);
    // A message of a gap given up still enters, late.
    EXPECT_EQ(take(*db, order, arrival(2, 1), kNow + 1000), V{1});
    EXPECT_EQ(take(*db, order, arrival(2, 6), kNow + 1000), V{6});
    auto in = db->inbox(0, 100);
    ASSERT_TRUE(in.ok());
    V order_seen;
    for (const auto& m : *in)
        order_seen.push_back(m.index);
    EXPECT_EQ(order_seen, (V{2, 4, 5, 1, 6}));
}

TEST(NodeMailOrder, AGapAWindowBehindIsGivenUp) {
    test::TempDir dir("mail-order");
    auto db = open_db(dir.file("mail.sqlite"));
    ASSERT_NE(db, nullptr);
    InboxOrder order(*db, {600, 8});
    EXPECT_EQ(take(*db, order, arrival(2, 0)), V{0});
    EXPECT_EQ(take(*db, order, arrival(2, 3)), V{});
    EXPECT_EQ(take(*db, order, arrival(2, 8)), V{});
    // 9 reaches the window past the gap at 1: 1 and 2 are given up, 3 goes in; the gap at 4
    // (4..7) is within the window of 9 still.
    EXPECT_EQ(take(*db, order, arrival(2, 9)), V{3});
    EXPECT_EQ(*db->next_expected(key(1), key(2)), 4u);
    EXPECT_EQ(take(*db, order, arrival(2, 12)), (V{8, 9}));
    EXPECT_EQ(*db->next_expected(key(1), key(2)), 10u);
    EXPECT_EQ(take(*db, order, arrival(2, 10)), V{10});
    EXPECT_EQ(take(*db, order, arrival(2, 11)), (V{11, 12}));
}
