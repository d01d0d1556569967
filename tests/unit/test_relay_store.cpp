// The relay's storage, one suite over both backends: SQLite (a file in a temp directory)
// and PostgreSQL (a server of the test's own, tests/unit/test_relay_pg.hpp). A PostgreSQL
// that cannot start fails the tests, naming what is missing.
#include <gtest/gtest.h>

#include <filesystem>

#include "relay/store.hpp"
#include "test_relay_pg.hpp"
#include "test_relay_util.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;
using relay_test::identity;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;
constexpr std::uint64_t kTtl = 300;

Entry entry(const Registration& r, std::uint64_t received) {
    return Entry{r, received, received + kTtl};
}

class RelayStoreTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = info->name();
        for (auto& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        if (GetParam() == "sqlite") {
            dir_ = std::filesystem::temp_directory_path() /
                   ("sharemsg-relay-store-" + std::to_string(::getpid()) + "-" + name);
            std::filesystem::remove_all(dir_);
            std::filesystem::create_directories(dir_);
            spec_ = "";
        } else {
            std::string why;
            auto* pg = relay_test::shared_pg_server(why);
            ASSERT_NE(pg, nullptr) << "PostgreSQL could not start: " << why;
            static int databases = 0;
            spec_ = pg->new_database("t" + std::to_string(++databases));
        }
        store_ = open();
        ASSERT_NE(store_, nullptr);
    }
    void TearDown() override {
        store_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::unique_ptr<RelayStore> open() {
        auto s = open_relay_store(spec_, (dir_ / "relay.db").string());
        EXPECT_TRUE(s.ok()) << (s ? "" : s.error().reason);
        return s ? std::move(*s) : nullptr;
    }

    std::filesystem::path dir_;
    std::string spec_;
    std::unique_ptr<RelayStore> store_;
};

}  // namespace

TEST_P(RelayStoreTest, KeepsTheNewestRegistrationPerIdentity) {
    EXPECT_STREQ(store_->backend(), GetParam() == "sqlite" ? "sqlite" : "postgresql");
    const auto id = identity(1);
    const auto first = id.registration(kNow, {"127.0.0.1:1000"});
    ASSERT_EQ(*store_->put(entry(first, kNow)), RelayStore::Put::stored);
    auto got = store_->get(id.network, id.key.signing_id(), kNow + 1);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->registration, first);
    EXPECT_EQ((*got)->received, kNow);
    EXPECT_EQ((*got)->expires, kNow + kTtl);

    const auto newer = id.registration(kNow + 10, {"127.0.0.1:2000"});
    EXPECT_EQ(*store_->put(entry(newer, kNow + 10)), RelayStore::Put::stored);
    EXPECT_EQ((*store_->get(id.network, id.key.signing_id(), kNow + 11))->registration, newer);
    // The same or an older timestamp is not kept (a replay).
    EXPECT_EQ(*store_->put(entry(newer, kNow + 12)), RelayStore::Put::not_newer);
    EXPECT_EQ(*store_->put(entry(first, kNow + 12)), RelayStore::Put::not_newer);
    EXPECT_EQ((*store_->get(id.network, id.key.signing_id(), kNow + 13))->registration, newer);
    EXPECT_EQ(*store_->live_count(kNow + 13), 1u);
}

TEST_P(RelayStoreTest, ExpiredRegistrationsAreNeverReturnedAndSweptAfterTheReplayWindow) {
    const auto a = identity(1), b = identity(2);
    ASSERT_EQ(*store_->put(entry(a.registration(kNow), kNow)), RelayStore::Put::stored);
    ASSERT_EQ(*store_->put(entry(b.registration(kNow + 200), kNow + 200)), RelayStore::Put::stored);
    EXPECT_TRUE(store_->get(a.network, a.key.signing_id(), kNow + kTtl - 1)->has_value());
    EXPECT_FALSE(store_->get(a.network, a.key.signing_id(), kNow + kTtl)->has_value());
    EXPECT_EQ(*store_->live_count(kNow + kTtl), 1u);
    // Swept only once a replay of it would also be stale (timestamp + keep < now).
    EXPECT_EQ(*store_->sweep(kNow + kTtl, 300), 0u);
    // A replay after expiry, still fresh by its timestamp, is still refused.
    EXPECT_EQ(*store_->put(entry(a.registration(kNow), kNow + kTtl + 1)),
              RelayStore::Put::not_newer);
    EXPECT_EQ(*store_->sweep(kNow + 301, 300), 1u);
    EXPECT_EQ(*store_->live_count(kNow + 301), 1u);
    EXPECT_TRUE(store_->get(b.network, b.key.signing_id(), kNow + 301)->has_value());
}

TEST_P(RelayStoreTest, AHigherKeyIndexRevokesTheLowerOnes) {
    const auto old_key = identity(1, 0), new_key = identity(1, 1);
    ASSERT_EQ(*store_->put(entry(old_key.registration(kNow), kNow)), RelayStore::Put::stored);
    ASSERT_EQ(*store_->put(entry(new_key.registration(kNow + 1), kNow + 1)),
              RelayStore::Put::stored);
    // The old key's registration is gone, and the old key cannot come back (a downgrade).
    EXPECT_FALSE(store_->get(old_key.network, old_key.key.signing_id(), kNow + 2)->has_value());
    EXPECT_EQ(*store_->put(entry(old_key.registration(kNow + 5), kNow + 5)),
              RelayStore::Put::key_revoked);
    EXPECT_TRUE(store_->get(new_key.network, new_key.key.signing_id(), kNow + 6)->has_value());
    // Another master's keys are not touched.
    EXPECT_EQ(*store_->put(entry(identity(2, 0).registration(kNow + 7), kNow + 7)),
              RelayStore::Put::stored);
}

TEST_P(RelayStoreTest, AMinerIsFoundByItsMasterAtItsCurrentKey) {
    const auto old_key = identity(3, 0), new_key = identity(3, 2), other = identity(4, 0);
    const auto master = old_key.registration(kNow).master_hash();
    EXPECT_FALSE(store_->get_by_master(old_key.network, master, kNow)->has_value());
    ASSERT_EQ(*store_->put(entry(old_key.registration(kNow), kNow)), RelayStore::Put::stored);
    ASSERT_EQ(*store_->put(entry(other.registration(kNow), kNow)), RelayStore::Put::stored);
    auto got = store_->get_by_master(old_key.network, master, kNow + 1);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->registration.signing_id(), old_key.key.signing_id());
    ASSERT_EQ(*store_->put(entry(new_key.registration(kNow + 2), kNow + 2)),
              RelayStore::Put::stored);
    got = store_->get_by_master(old_key.network, master, kNow + 3);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->registration.signing_id(), new_key.key.signing_id());
    // Expired: not answered; another network: not answered.
    EXPECT_FALSE(store_->get_by_master(old_key.network, master, kNow + 2 + kTtl)->has_value());
    EXPECT_FALSE(
        store_->get_by_master(NetworkId{1, 2, 3, 4, 5, 6, 7, 8}, master, kNow + 3)->has_value());
}

TEST_P(RelayStoreTest, NetworksAreSeparate) {
    NetworkId other{1, 2, 3, 4, 5, 6, 7, 8};
    const auto here = identity(1), there = identity(1, 0, other);
    ASSERT_EQ(*store_->put(entry(there.registration(kNow), kNow)), RelayStore::Put::stored);
    EXPECT_FALSE(store_->get(here.network, here.key.signing_id(), kNow)->has_value());
    EXPECT_TRUE(store_->get(other, there.key.signing_id(), kNow)->has_value());
    ASSERT_EQ(*store_->put(entry(here.registration(kNow), kNow)), RelayStore::Put::stored);
}

TEST_P(RelayStoreTest, AllowListTakesTheNewestChange) {
    const auto m = identity(1).master_hash(), n = identity(2).master_hash();
    const auto net = proto::open::DEVNET_NETWORK_ID;
    EXPECT_FALSE(*store_->allowed(net, m));
    EXPECT_EQ(*store_->set_allowed(net, m, true, kNow), RelayStore::Change::applied);
    EXPECT_EQ(*store_->set_allowed(net, n, true, kNow), RelayStore::Change::applied);
    EXPECT_TRUE(*store_->allowed(net, m));
    EXPECT_EQ(store_->allow_list(net)->size(), 2u);
    EXPECT_EQ(*store_->set_allowed(net, m, false, kNow + 1), RelayStore::Change::applied);
    EXPECT_FALSE(*store_->allowed(net, m));
    // An older change (a replayed "add") does not undo the removal.
    EXPECT_EQ(*store_->set_allowed(net, m, true, kNow), RelayStore::Change::not_newer);
    EXPECT_FALSE(*store_->allowed(net, m));
    EXPECT_EQ(*store_->allow_list(net), std::vector<MasterHash>{n});
    EXPECT_FALSE(*store_->allowed(NetworkId{1, 2, 3, 4, 5, 6, 7, 8}, n));
}

TEST_P(RelayStoreTest, StateSurvivesReopening) {
    const auto id = identity(1);
    const auto r = id.registration(kNow);
    ASSERT_EQ(*store_->put(entry(r, kNow)), RelayStore::Put::stored);
    ASSERT_EQ(*store_->set_allowed(id.network, id.master_hash(), true, kNow),
              RelayStore::Change::applied);
    store_.reset();
    store_ = open();
    ASSERT_NE(store_, nullptr);
    EXPECT_EQ((*store_->get(id.network, id.key.signing_id(), kNow + 1))->registration, r);
    EXPECT_TRUE(*store_->allowed(id.network, id.master_hash()));
}

TEST_P(RelayStoreTest, TwoConnectionsShareOneState) {
    auto second = open();
    ASSERT_NE(second, nullptr);
    const auto id = identity(1);
    ASSERT_EQ(*store_->put(entry(id.registration(kNow), kNow)), RelayStore::Put::stored);
    EXPECT_TRUE(second->get(id.network, id.key.signing_id(), kNow)->has_value());
    EXPECT_EQ(*second->put(entry(id.registration(kNow), kNow)), RelayStore::Put::not_newer);
}

INSTANTIATE_TEST_SUITE_P(Backends, RelayStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

TEST(RelayStoreOpen, RefusesAnUnknownDatabaseSpec) {
    auto s = open_relay_store("mysql://x", "/nonexistent/relay.db");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    auto pg = open_relay_store("postgresql:///x?host=/nonexistent&port=1", "");
    ASSERT_FALSE(pg.ok());
    EXPECT_NE(pg.error().reason.find("postgresql"), std::string::npos);
}
