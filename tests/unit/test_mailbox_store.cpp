// The mailbox's storage, one suite over both backends: SQLite (a file in a temp directory)
// and PostgreSQL (a server of the test's own, tests/unit/test_relay_pg.hpp). A PostgreSQL
// that cannot start fails the tests, naming what is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "mailbox/store.hpp"
#include "test_relay_pg.hpp"

using namespace sharemsg;
using namespace sharemsg::mailbox;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

IdentityId ident(std::uint8_t n) {
    IdentityId id{};
    id.fill(n);
    return id;
}

ByteArray<8> nonce(std::uint64_t n) {
    ByteArray<8> b{};
    for (int i = 0; i < 8; ++i)
        b[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return b;
}

Registration reg(std::uint8_t n, std::uint64_t expires) {
    Registration r;
    r.signing_id = ident(n);
    r.signing_pubkey.fill(n);
    r.signing_pubkey[0] = 2;
    r.master_hash.fill(static_cast<std::uint8_t>(n + 100));
    r.key_index = n;
    r.registered = kNow;
    r.expires = expires;
    return r;
}

Deposit dep(std::uint8_t from, std::uint8_t to, std::size_t size, std::uint64_t received = kNow) {
    Deposit d;
    d.sender_id = ident(from);
    d.receiver_id = ident(to);
    d.received = received;
    d.header_json = R"({"op":"send","n":)" + std::to_string(size) + "}";
    d.payload.assign(size, static_cast<std::uint8_t>(from ^ 0x5a));
    return d;
}

class MailboxStoreTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = info->name();
        for (auto& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        if (GetParam() == "sqlite") {
            dir_ = std::filesystem::temp_directory_path() /
                   ("sharemsg-mailbox-store-" + std::to_string(::getpid()) + "-" + name);
            std::filesystem::remove_all(dir_);
            std::filesystem::create_directories(dir_);
            spec_ = "";
        } else {
            std::string why;
            auto* pg = relay_test::shared_pg_server(why);
            ASSERT_NE(pg, nullptr) << "PostgreSQL could not start: " << why;
            static int databases = 0;
            spec_ = pg->new_database("mb" + std::to_string(++databases));
        }
        store_ = open();
        ASSERT_NE(store_, nullptr);
    }
    void TearDown() override {
        store_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::unique_ptr<MailboxStore> open() {
        auto s = open_mailbox_store(spec_, (dir_ / "mailbox.sqlite").string());
        EXPECT_TRUE(s.ok()) << (s ? "" : s.error().reason);
        return s ? std::move(*s) : nullptr;
    }
    MailboxStore::Deposited put(const Deposit& d, std::uint64_t n, Quota q = {}) {
        auto r = store_->deposit(d, nonce(n), kNow + 600, q);
        EXPECT_TRUE(r.ok()) << (r ? "" : r.error().reason);
        return r ? *r : MailboxStore::Deposited{};
    }

    std::filesystem::path dir_;
    std::string spec_;
    std::unique_ptr<MailboxStore> store_;
};

TEST_P(MailboxStoreTest, RegistrationLivesUntilItExpiresAndIsReplaced) {
    EXPECT_FALSE(store_->registration(ident(1), kNow)->has_value());
    ASSERT_TRUE(store_->put_registration(reg(1, kNow + 100)).ok());
    auto got = store_->registration(ident(1), kNow + 99);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, reg(1, kNow + 100));
    EXPECT_FALSE(store_->registration(ident(1), kNow + 100)->has_value());
    ASSERT_TRUE(store_->put_registration(reg(1, kNow + 500)).ok());
    EXPECT_TRUE(store_->registration(ident(1), kNow + 400)->has_value());
    EXPECT_EQ(store_->totals(kNow)->registered, 1u);
}

TEST_P(MailboxStoreTest, IdsIncreasePerReceiverAndAreNeverReused) {
    ASSERT_TRUE(store_->put_registration(reg(2, kNow + 100)).ok());
    EXPECT_EQ(put(dep(1, 2, 10), 1).id, 1u);
    EXPECT_EQ(put(dep(1, 2, 10), 2).id, 2u);
    EXPECT_EQ(put(dep(1, 3, 10), 3).id, 1u);  // another receiver counts on its own
    EXPECT_EQ(*store_->ack(ident(2), 2), 2u);
    EXPECT_EQ(*store_->state(ident(2)), (BoxState{0, 2}));
    EXPECT_EQ(put(dep(1, 2, 10), 4).id, 3u);
    // A registration again does not reset the counter.
    ASSERT_TRUE(store_->put_registration(reg(2, kNow + 900)).ok());
    EXPECT_EQ(put(dep(1, 2, 10), 5).id, 4u);
    EXPECT_EQ(*store_->state(ident(2)), (BoxState{3, 4}));
}

TEST_P(MailboxStoreTest, GetReturnsWhatWasDepositedUntilAcked) {
    const auto d = dep(7, 8, 300);
    const auto id = put(d, 1).id;
    auto got = store_->get(ident(8), id);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, (Kept{id, kNow, d.header_json, d.payload}));
    EXPECT_FALSE(store_->get(ident(9), id)->has_value());  // another receiver's box
    EXPECT_EQ(*store_->ack(ident(8), id), 1u);
    EXPECT_FALSE(store_->get(ident(8), id)->has_value());
    EXPECT_EQ(*store_->ack(ident(8), id), 0u);
}

TEST_P(MailboxStoreTest, AckDeletesUpToTheIdOnly) {
    for (std::uint64_t n = 1; n <= 5; ++n)
        put(dep(1, 2, 4), n);
    EXPECT_EQ(*store_->ack(ident(2), 3), 3u);
    EXPECT_FALSE(store_->get(ident(2), 3)->has_value());
    EXPECT_TRUE(store_->get(ident(2), 4)->has_value());
    EXPECT_EQ(*store_->state(ident(2)), (BoxState{4, 5}));
}

TEST_P(MailboxStoreTest, ANonceIsTakenOncePerSender) {
    EXPECT_EQ(put(dep(1, 2, 4), 42).outcome, MailboxStore::Outcome::stored);
    const auto again = put(dep(1, 2, 4), 42);
    EXPECT_EQ(again.outcome, MailboxStore::Outcome::nonce_replayed);
    EXPECT_EQ(store_->totals(kNow)->messages, 1u);  // the replay kept nothing
    EXPECT_EQ(put(dep(3, 2, 4), 42).outcome, MailboxStore::Outcome::stored);  // another sender
    EXPECT_FALSE(*store_->use_nonce(ident(1), nonce(42), kNow + 600));
    EXPECT_TRUE(*store_->use_nonce(ident(1), nonce(43), kNow + 600));
}

TEST_P(MailboxStoreTest, QuotaOfMessagesAndOfBytes) {
    const Quota q{3, 1000};
    for (std::uint64_t n = 1; n <= 3; ++n)
        EXPECT_EQ(put(dep(1, 2, 10), n, q).outcome, MailboxStore::Outcome::stored);
    EXPECT_EQ(put(dep(1, 2, 10), 4, q).outcome, MailboxStore::Outcome::quota_full);
    EXPECT_EQ(*store_->ack(ident(2), 1), 1u);
    EXPECT_EQ(put(dep(1, 2, 10), 5, q).outcome, MailboxStore::Outcome::stored);
    // Bytes: 30 held; 971 more would pass 1000.
    EXPECT_EQ(put(dep(1, 3, 990), 6, q).outcome, MailboxStore::Outcome::stored);
    EXPECT_EQ(put(dep(1, 3, 11), 7, q).outcome, MailboxStore::Outcome::quota_full);
    EXPECT_EQ(put(dep(1, 3, 10), 8, q).outcome, MailboxStore::Outcome::stored);
    // A refused deposit gives no id away.
    EXPECT_EQ(store_->state(ident(3))->highest, 2u);
}

TEST_P(MailboxStoreTest, SweepDropsWhatIsOld) {
    ASSERT_TRUE(store_->put_registration(reg(1, kNow + 10)).ok());
    ASSERT_TRUE(store_->put_registration(reg(2, kNow + 1000)).ok());
    put(dep(1, 2, 5, kNow - 100), 1);
    put(dep(1, 2, 5, kNow), 2);
    ASSERT_TRUE(store_->use_nonce(ident(9), nonce(1), kNow + 5).ok());
    auto s = store_->sweep(kNow + 20, kNow - 50);
    ASSERT_TRUE(s.ok()) << s.error().reason;
    EXPECT_EQ(s->registrations, 1u);
    EXPECT_EQ(s->messages, 1u);
    EXPECT_EQ(s->nonces, 1u);  // nonce(1) of ident(9); the deposits' nonces are kept longer
    EXPECT_FALSE(store_->get(ident(2), 1)->has_value());
    EXPECT_TRUE(store_->get(ident(2), 2)->has_value());
    const auto t = *store_->totals(kNow + 20);
    EXPECT_EQ(t.registered, 1u);
    EXPECT_EQ(t.messages, 1u);
    EXPECT_EQ(t.bytes, 5u);
    // A swept nonce may be used again (by then its timestamp is stale).
    EXPECT_TRUE(*store_->use_nonce(ident(9), nonce(1), kNow + 600));
}

TEST_P(MailboxStoreTest, ReopenedStoreKeepsEverything) {
    ASSERT_TRUE(store_->put_registration(reg(2, kNow + 100)).ok());
    const auto d = dep(1, 2, 64);
    put(d, 1);
    store_.reset();
    store_ = open();
    ASSERT_NE(store_, nullptr);
    EXPECT_TRUE(store_->registration(ident(2), kNow)->has_value());
    EXPECT_EQ((*store_->get(ident(2), 1))->payload, d.payload);
    EXPECT_EQ(put(dep(1, 2, 4), 1).outcome, MailboxStore::Outcome::nonce_replayed);
    EXPECT_EQ(put(dep(1, 2, 4), 2).id, 2u);
}

TEST_P(MailboxStoreTest, TwoConnectionsShareOneCounter) {
    auto second = open();
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(put(dep(1, 2, 4), 1).id, 1u);
    auto r = second->deposit(dep(1, 2, 4), nonce(2), kNow + 600, Quota{});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->id, 2u);
    EXPECT_EQ(second->deposit(dep(1, 2, 4), nonce(1), kNow + 600, Quota{})->outcome,
              MailboxStore::Outcome::nonce_replayed);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailboxStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

TEST(MailboxStoreOpen, RefusesAnUnknownDatabaseSpec) {
    auto s = open_mailbox_store("mysql://x", "/nonexistent/mailbox.sqlite");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
}

}  // namespace
