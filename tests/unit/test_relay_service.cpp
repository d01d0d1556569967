// relay::Service on a SQLite store with a clock of the test's: the freshness window's edges,
// the per-identity rate limit (from many addresses), the window's payouts as they change,
// the queue bound; and the rate limiter alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include <nlohmann/json.hpp>

#include "node/http_routes.hpp"
#include "relay/service.hpp"
#include "test_relay_util.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;
using relay_test::identity;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

class RelayServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sharemsg-relay-service-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        service_.reset();
        std::filesystem::remove_all(dir_);
    }
    Service& start(ServiceOptions o = {}) {
        o.network = proto::open::DEVNET_NETWORK_ID;
        auto store = open_sqlite_relay_store((dir_ / "relay.db").string());
        EXPECT_TRUE(store.ok());
        service_ = std::make_unique<Service>(o, std::move(*store), [this] { return now_.load(); });
        service_->window().replace({identity(1).master_hash()});
        service_->start();
        return *service_;
    }
    Answer reg(const Registration& r, const std::string& source = "a") {
        std::promise<Answer> p;
        service_->post_register(encode_registration(r), source,
                                [&](Answer a) { p.set_value(std::move(a)); });
        return p.get_future().get();
    }
    static std::string error_of(const Answer& a) {
        return nlohmann::json::parse(a.body).value("error", "");
    }

    std::filesystem::path dir_;
    std::atomic<double> now_{double(kNow)};
    std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(RelayServiceTest, FreshnessWindowIsFiveMinutesEachWay) {
    start();
    const auto id = identity(1);
    EXPECT_EQ(reg(id.registration(kNow - 300)).status, 200);
    EXPECT_EQ(error_of(reg(id.registration(kNow - 301))), "stale");
    EXPECT_EQ(error_of(reg(id.registration(kNow + 301))), "stale");
    EXPECT_EQ(reg(id.registration(kNow + 300)).status, 200);
}

TEST_F(RelayServiceTest, IdentityRateLimitHoldsAcrossAddresses) {
    ServiceOptions o;
    o.rate_per_minute = 3;
    start(o);
    const auto id = identity(1);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(reg(id.registration(kNow + i), "addr" + std::to_string(i)).status, 200);
    auto limited = reg(id.registration(kNow + 3), "addr9");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(error_of(limited), "rate_limited");
    // 3 a minute: one token every 20 s (give or take the rounding of 3/60).
    EXPECT_GE(limited.retry_after, 20u);
    EXPECT_LE(limited.retry_after, 21u);
    // Bad signatures spend no identity budget: only the source's.
    auto forged = identity(1).registration(kNow + 4);
    forged.signature[0] ^= 1;
    EXPECT_EQ(error_of(reg(forged, "addr10")), "bad_signature");
    now_ = double(kNow + 20);
    EXPECT_EQ(reg(id.registration(kNow + 20), "addr11").status, 200);
}

TEST_F(RelayServiceTest, TheWindowDecidesAsItChanges) {
    auto& s = start();
    EXPECT_EQ(error_of(reg(identity(2).registration(kNow))), "unauthorized");
    s.window().replace({identity(2).master_hash()});
    EXPECT_EQ(reg(identity(2).registration(kNow + 1)).status, 200);
    EXPECT_EQ(error_of(reg(identity(1).registration(kNow + 1))), "unauthorized");
    EXPECT_EQ(s.window().size(), 1u);
}

TEST_F(RelayServiceTest, LooksUpByIdentityAndByMiner) {
    auto& s = start();
    const auto id = identity(1);
    ASSERT_EQ(reg(id.registration(kNow)).status, 200);
    auto ask = [&](Service::LookupBy by, const std::string& net, const std::string& key) {
        std::promise<Answer> p;
        s.lookup(by, net, key, "a", [&](Answer a) { p.set_value(std::move(a)); });
        return p.get_future().get();
    };
    const std::string sid = to_hex(id.key.signing_id()), master = to_hex(id.master_hash());
    const std::string pub = to_hex(id.key.pubkey());
    for (const auto& [by, key] :
         {std::pair{Service::LookupBy::identity, sid}, std::pair{Service::LookupBy::identity, pub},
          std::pair{Service::LookupBy::miner, master}}) {
        auto a = ask(by, "devnet", key);
        ASSERT_EQ(a.status, 200) << key << " " << a.body;
        auto e = decode_entry(a.body);
        ASSERT_TRUE(e.ok());
        EXPECT_EQ(e->registration.signing_id(), id.key.signing_id());
    }
    // A miner is named by its master's hash only; a signing id is not a miner.
    EXPECT_EQ(error_of(ask(Service::LookupBy::miner, "devnet", pub)), "bad_field");
    EXPECT_EQ(error_of(ask(Service::LookupBy::miner, "devnet", sid)), "not_found");
    EXPECT_EQ(error_of(ask(Service::LookupBy::identity, "devnet", master)), "not_found");
    EXPECT_EQ(error_of(ask(Service::LookupBy::miner, "0102030405060708", master)), "wrong_network");
}

TEST_F(RelayServiceTest, AnswersEvenWhenStopped) {
    auto& s = start();
    s.stop();
    std::promise<Answer> p;
    s.post_register(encode_registration(identity(1).registration(kNow)), "a",
                    [&](Answer a) { p.set_value(std::move(a)); });
    auto a = p.get_future().get();
    EXPECT_EQ(a.status, 503);
    EXPECT_EQ(error_of(a), "busy");
}

TEST_F(RelayServiceTest, MetricsCountResults) {
    start();
    ASSERT_EQ(reg(identity(1).registration(kNow)).status, 200);
    (void)reg(identity(2).registration(kNow));
    const auto text = service_->metrics_text();
    EXPECT_NE(text.find("sharemsg_relay_requests_total{endpoint=\"register\",result=\"stored\"} 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("result=\"unauthorized\"} 1"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE sharemsg_relay_requests_total counter"), std::string::npos);
}

TEST(RelayRateLimiter, RefillsAtItsRateAndSaysWhenToRetry) {
    RateLimiter l(60);  // one a second
    unsigned retry = 0;
    for (int i = 0; i < 60; ++i)
        EXPECT_TRUE(l.take("k", 100.0, retry)) << i;
    EXPECT_FALSE(l.take("k", 100.0, retry));
    EXPECT_EQ(retry, 1u);
    EXPECT_TRUE(l.take("other", 100.0, retry));
    EXPECT_TRUE(l.take("k", 101.0, retry));
    EXPECT_FALSE(l.take("k", 101.0, retry));
    // A clock going back does not mint tokens.
    EXPECT_FALSE(l.take("k", 50.0, retry));
}

TEST(RelayRateLimiter, KeyTableStaysBounded) {
    RateLimiter l(10, 100);
    unsigned retry = 0;
    for (int i = 0; i < 1000; ++i)
        l.take("k" + std::to_string(i), 1000.0 + i, retry);
    EXPECT_LE(l.keys(), 100u);
}

TEST(RelayRoutes, LookupIsAPrefixRouteAndRelayRoutesAnswerAnyHost) {
    using namespace sharemsg::node;
    const Route* lookup = find_route("/relay/lookup/devnet/00");
    ASSERT_NE(lookup, nullptr);
    EXPECT_EQ(lookup->path, "/relay/lookup/");
    EXPECT_EQ(find_route("/relay/lookup"), nullptr);
    EXPECT_EQ(find_route("/relay/registerx"), nullptr);
    EXPECT_EQ(find_route("/relay/miner/devnet/00")->path, "/relay/miner/");
    for (const char* p : {"/relay/register", "/relay/lookup/x/y", "/relay/miner/x/y",
                          "/relay/health", "/relay/admin/allow"}) {
        ASSERT_NE(find_route(p), nullptr) << p;
        EXPECT_EQ(find_route(p)->access, Access::anyone) << p;
    }
    // Nothing else answers any Host but the mailbox's (docs/mailbox.md, "The mailbox server").
    for (const auto& r : route_table()) {
        if (!std::string_view(r.path).starts_with("/relay/") &&
            !std::string_view(r.path).starts_with("/mailbox/")) {
            EXPECT_NE(r.access, Access::anyone) << r.path;
        }
    }
}
