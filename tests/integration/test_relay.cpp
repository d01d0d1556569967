// The relay role of real sharemsgd processes (--relay), on SQLite and on PostgreSQL (a server
// the test starts, tests/unit/test_relay_pg.hpp): registration and lookup, expiry, every
// refusal, the allow list, the body cap, the rate limit, and a restart after kill -9.
#include <gtest/gtest.h>

#include <ctime>

#include "../unit/test_relay_pg.hpp"
#include "../unit/test_relay_util.hpp"
#include "harness.hpp"

using namespace itest;
using namespace sharemsg;
using relay_test::identity;
using J = nlohmann::json;

namespace {

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

// A request whose raw answer (status line and headers too) is returned.
std::string raw_request(std::uint16_t port, const std::string& method, const std::string& path,
                        const std::string& body) {
    int fd = connect_local(port, 5000);
    if (fd < 0) return "";
    std::string req = method + " " + path +
                      " HTTP/1.1\r\nHost: relay.example\r\nConnection: close\r\n"
                      "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    return send_and_read_all(fd, req);
}

class Relay : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        for (auto& c : name)
            if (c == '/') c = '_';
        dir_ = test_dir("relay-" + name);
        if (GetParam() == "postgresql") {
            std::string why;
            auto* pg = relay_test::shared_pg_server(why);
            ASSERT_NE(pg, nullptr) << "PostgreSQL could not start: " << why;
            static int databases = 0;
            db_flags_ = {"--relay-db", pg->new_database("r" + std::to_string(++databases))};
        }
    }

    // A relay that mines shares paying identity 1's master (so identity 1 is authorized).
    std::unique_ptr<Daemon> relay(std::vector<std::string> extra = {}, const char* sub = "relay") {
        auto d = std::make_unique<Daemon>(SHAREMSGD_PATH, dir_ / sub);
        std::vector<std::string> args{"--relay", "--share-period", "0.3", "--address",
                                      to_hex(identity(1).master_hash())};
        args.insert(args.end(), db_flags_.begin(), db_flags_.end());
        args.insert(args.end(), extra.begin(), extra.end());
        EXPECT_TRUE(d->start(args)) << d->log();
        return d;
    }
    // Waits until the relay's window pays identity 1.
    static bool authorized_window(Daemon& d) {
        return wait_until(
            [&] { return d.get("/relay/health").json().value("window_payouts", 0) >= 1; },
            std::chrono::seconds(30));
    }
    static HttpResult post(Daemon& d, const std::string& path, const std::string& body) {
        return http_request(d.web_port, "POST", path, body);
    }
    static HttpResult reg(Daemon& d, const relay::Registration& r) {
        return post(d, "/relay/register", relay::encode_registration(r));
    }
    static std::string error_of(const HttpResult& r) { return r.json().value("error", ""); }

    fs::path dir_;
    std::vector<std::string> db_flags_;
};

}  // namespace

TEST_P(Relay, RegisterThenLookUpBySigningIdAndByPubkey) {
    auto d = relay();
    ASSERT_TRUE(authorized_window(*d));
    const auto id = identity(1);
    const auto r = id.registration(unix_now(), {"127.0.0.1:9333", "[::1]:9334"});
    auto ok = reg(*d, r);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["status"], "stored");
    EXPECT_EQ(ok.json()["signing_id"], id.signing_id());

    for (const std::string& key : {id.signing_id(), to_hex(id.key.pubkey())}) {
        auto got = d->get("/relay/lookup/" + to_hex(id.network) + "/" + key);
        ASSERT_EQ(got.status, 200) << got.body;
        auto e = relay::decode_entry(got.body);
        ASSERT_TRUE(e.ok()) << e.failure().detail;
        EXPECT_EQ(e->registration, r);
        EXPECT_TRUE(relay::signature_ok(e->registration));
        EXPECT_EQ(e->expires, e->received + 300);
    }
    EXPECT_EQ(d->get("/relay/lookup/devnet/" + id.signing_id()).status, 200);
    auto missing = d->get("/relay/lookup/devnet/" + identity(2).signing_id());
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(error_of(missing), "not_found");

    auto health = d->get("/relay/health").json();
    EXPECT_EQ(health["backend"], GetParam());
    EXPECT_EQ(health["network"], to_hex(id.network));
    EXPECT_EQ(d->metric("sharemsg_relay_requests_total{endpoint=\"register\",result=\"stored\"}"),
              1);
    EXPECT_EQ(d->metric("sharemsg_relay_requests_total{endpoint=\"lookup\",result=\"found\"}"), 3);
}

TEST_P(Relay, RefusesStaleReplayedDowngradedAndCrossNetworkRequests) {
    auto d = relay();
    ASSERT_TRUE(authorized_window(*d));
    const auto now = unix_now();
    const auto id = identity(1);

    auto stale = reg(*d, id.registration(now - 400));
    EXPECT_EQ(stale.status, 400);
    EXPECT_EQ(error_of(stale), "stale");
    auto future = reg(*d, id.registration(now + 400));
    EXPECT_EQ(error_of(future), "stale");

    const auto r = id.registration(now);
    ASSERT_EQ(reg(*d, r).status, 200);
    auto replay = reg(*d, r);
    EXPECT_EQ(replay.status, 409);
    EXPECT_EQ(error_of(replay), "replayed");
    EXPECT_EQ(error_of(reg(*d, id.registration(now - 5))), "replayed");

    // Key index 1 of the same master rotates key 0 away; key 0 cannot come back.
    const auto rotated = identity(1, 1);
    ASSERT_EQ(reg(*d, rotated.registration(now + 1)).status, 200);
    auto downgrade = reg(*d, id.registration(now + 2));
    EXPECT_EQ(downgrade.status, 409);
    EXPECT_EQ(error_of(downgrade), "key_revoked");
    EXPECT_EQ(d->get("/relay/lookup/devnet/" + id.signing_id()).status, 404);

    // Another network's registration, and lookups there.
    const relay::NetworkId other{1, 2, 3, 4, 5, 6, 7, 8};
    auto cross = reg(*d, identity(1, 0, other).registration(now));
    EXPECT_EQ(cross.status, 403);
    EXPECT_EQ(error_of(cross), "wrong_network");
    auto cross_lookup = d->get("/relay/lookup/0102030405060708/" + id.signing_id());
    EXPECT_EQ(cross_lookup.status, 403);
    EXPECT_EQ(error_of(cross_lookup), "wrong_network");
    // The signature covers the network: moving it is a bad signature, not a new registration.
    auto moved = identity(1, 0, other).registration(now + 3);
    moved.network = id.network;
    EXPECT_EQ(reg(*d, moved).status, 401);

    EXPECT_EQ(error_of(post(*d, "/relay/register", "{}")), "missing_field");
    EXPECT_EQ(error_of(post(*d, "/relay/register", "not json")), "bad_json");
    EXPECT_EQ(error_of(d->get("/relay/lookup/devnet/xyz")), "bad_field");
    EXPECT_EQ(error_of(d->get("/relay/lookup/devnet")), "bad_field");
}

TEST_P(Relay, RefusesIdentitiesWithoutAShareInTheWindowOrAValidDelegation) {
    auto d = relay();
    ASSERT_TRUE(authorized_window(*d));
    const auto now = unix_now();
    auto stranger = reg(*d, identity(2).registration(now));
    EXPECT_EQ(stranger.status, 403);
    EXPECT_EQ(error_of(stranger), "unauthorized");

    // Identity 2's signing key claiming identity 1's master (whose delegation is not for it).
    auto r = identity(2).registration(now);
    r.delegation = identity(1).delegation;
    relay::sign(r, identity(2).key.privkey());
    auto forged = reg(*d, r);
    EXPECT_EQ(forged.status, 403);
    EXPECT_EQ(error_of(forged), "bad_delegation");

    auto bad_sig = identity(1).registration(now);
    bad_sig.signature[10] ^= 1;
    EXPECT_EQ(error_of(reg(*d, bad_sig)), "bad_signature");
}

TEST_P(Relay, AllowListSignedByTheAdminKey) {
    auto d = relay(
        {"--mine", "false", "--relay-admin-pubkey", to_hex(relay_test::admin_key().pubkey())});
    const auto now = unix_now();
    const auto id = identity(3);
    EXPECT_EQ(error_of(reg(*d, id.registration(now))), "unauthorized");

    const auto add = relay_test::allow_change(id.master_hash(), true, now);
    auto applied = post(*d, "/relay/admin/allow", relay::encode_allow_change(add));
    ASSERT_EQ(applied.status, 200) << applied.body;
    EXPECT_EQ(d->get("/relay/admin/allow").json()["allowed"], J::array({to_hex(id.master_hash())}));
    EXPECT_EQ(reg(*d, id.registration(now + 1)).status, 200);

    // A replayed change, and one not signed by the admin key.
    EXPECT_EQ(error_of(post(*d, "/relay/admin/allow", relay::encode_allow_change(add))),
              "replayed");
    auto forged = relay_test::allow_change(identity(4).master_hash(), true, now);
    relay::sign(forged, identity(4).master);
    EXPECT_EQ(error_of(post(*d, "/relay/admin/allow", relay::encode_allow_change(forged))),
              "bad_signature");

    const auto remove = relay_test::allow_change(id.master_hash(), false, now + 1);
    ASSERT_EQ(post(*d, "/relay/admin/allow", relay::encode_allow_change(remove)).status, 200);
    EXPECT_EQ(error_of(reg(*d, id.registration(now + 2))), "unauthorized");
}

TEST_P(Relay, AllowListChangesNeedAnAdminKey) {
    auto d = relay({"--mine", "false"});
    const auto add = relay_test::allow_change(identity(3).master_hash(), true, unix_now());
    auto r = post(*d, "/relay/admin/allow", relay::encode_allow_change(add));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(error_of(r), "no_admin_key");
}

TEST_P(Relay, RegistrationsExpireWithoutARefresh) {
    auto d = relay({"--relay-ttl", "2"});
    ASSERT_TRUE(authorized_window(*d));
    const auto id = identity(1);
    ASSERT_EQ(reg(*d, id.registration(unix_now())).status, 200);
    const std::string path = "/relay/lookup/devnet/" + id.signing_id();
    EXPECT_EQ(d->get(path).status, 200);
    EXPECT_TRUE(wait_until([&] { return d->get(path).status == 404; }, std::chrono::seconds(10)));
    // A refresh brings it back.
    ASSERT_EQ(reg(*d, id.registration(unix_now() + 1)).status, 200);
    EXPECT_EQ(d->get(path).status, 200);
}

TEST_P(Relay, OversizeBodyIsRefusedWithAJsonError) {
    auto d = relay({"--mine", "false"});
    auto big = post(*d, "/relay/register", std::string(70 * 1024, ' '));
    EXPECT_EQ(big.status, 413);
    EXPECT_EQ(big.json().value("error", ""), "payload too large");
    EXPECT_EQ(d->get("/relay/health").status, 200);
}

TEST_P(Relay, RateLimitAnswers429WithRetryAfter) {
    auto d = relay({"--mine", "false", "--relay-rate-limit", "5"});
    std::string last;
    int ok = 0;
    for (int i = 0; i < 6; ++i) {
        last =
            raw_request(d->web_port, "GET", "/relay/lookup/devnet/" + identity(1).signing_id(), "");
        if (last.rfind("HTTP/1.1 404", 0) == 0) ++ok;
    }
    EXPECT_EQ(ok, 5);
    EXPECT_EQ(last.rfind("HTTP/1.1 429", 0), 0u) << last;
    EXPECT_NE(last.find("Retry-After: "), std::string::npos) << last;
    EXPECT_NE(last.find("\"rate_limited\""), std::string::npos) << last;
    EXPECT_EQ(d->metric("sharemsg_relay_rate_limited_total{by=\"source\"}"), 1);
}

TEST_P(Relay, KillNineUnderLoadLosesNoAcknowledgedRegistration) {
    const auto admin = to_hex(relay_test::admin_key().pubkey());
    const std::vector<std::string> flags{
        "--mine", "false", "--relay-admin-pubkey", admin, "--relay-rate-limit", "1000000"};
    auto d = relay(flags);
    const auto now = unix_now();
    constexpr unsigned kIdentities = 20;
    std::vector<relay_test::Identity> ids;
    for (unsigned i = 0; i < kIdentities; ++i) {
        ids.push_back(identity(10 + i));
        auto a = relay_test::allow_change(ids.back().master_hash(), true, now);
        ASSERT_EQ(post(*d, "/relay/admin/allow", relay::encode_allow_change(a)).status, 200);
    }
    // Two clients refresh the 20 identities with ever newer timestamps until the relay dies;
    // each keeps the newest timestamp acknowledged per identity.
    std::vector<std::atomic<std::uint64_t>> acked(kIdentities);
    std::atomic<unsigned> total{0};
    auto client = [&](unsigned first) {
        for (std::uint64_t round = 1; round < 250; ++round)
            for (unsigned i = first; i < kIdentities; i += 2) {
                const auto r = reg(*d, ids[i].registration(now + round));
                if (r.status == 0) return;
                if (r.status == 200) {
                    acked[i] = now + round;
                    ++total;
                }
            }
    };
    std::thread a(client, 0), b(client, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    d->kill9();
    a.join();
    b.join();
    ASSERT_GT(total.load(), 0u);
    std::vector<std::string> restart{"--relay"};
    restart.insert(restart.end(), flags.begin(), flags.end());
    restart.insert(restart.end(), db_flags_.begin(), db_flags_.end());
    ASSERT_TRUE(d->start(restart)) << d->log();
    for (unsigned i = 0; i < kIdentities; ++i) {
        if (acked[i] == 0) continue;
        auto got = d->get("/relay/lookup/devnet/" + ids[i].signing_id());
        ASSERT_EQ(got.status, 200) << i;
        // The newest acknowledged registration, or one newer (stored, then killed before the
        // answer went out).
        EXPECT_GE(relay::decode_entry(got.body)->registration.timestamp, acked[i].load()) << i;
    }
    std::printf("[ measure  ] %u registrations acknowledged before kill -9 (%s); none lost\n",
                total.load(), GetParam().c_str());
}

TEST_P(Relay, RelayEndpointsAreNotServedWithoutTheRole) {
    Daemon d(SHAREMSGD_PATH, dir_ / "plain");
    ASSERT_TRUE(d.start({"--mine", "false"}));
    auto r = d.get("/relay/health");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(error_of(r), "not_enabled");
}

INSTANTIATE_TEST_SUITE_P(Backends, Relay, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });
