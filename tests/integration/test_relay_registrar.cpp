// The node's side of a relay (--relay-url): a node registers its P2P endpoint with a relay
// that follows the same devnet and is found by lookup; a relay that refuses it is asked again
// the next round, while one that does not answer opens the node's circuit after 5 failed
// tries; a bad --relay-url stops the node at start.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "relay/codec.hpp"

using namespace itest;
using namespace sharemsg;

namespace {

// HASH160 of the master pubkey of test_signing_key(seed) (harness.hpp).
std::string master_hash(unsigned seed) {
    return test_signing_key(seed).master_hash;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST(RelayRegistrar, NodeRegistersItsEndpointAndIsFoundByLookup) {
    const auto dir = test_dir("relay-registrar");
    Daemon relay(SHAREMSGD_PATH, dir / "relay");
    ASSERT_TRUE(relay.start({"--relay", "--share-period", "0.3", "--address", master_hash(1)}));
    ASSERT_TRUE(wait_until(
        [&] { return relay.get("/relay/health").json().value("window_payouts", 0) >= 1; },
        std::chrono::seconds(30)));

    const auto key = test_signing_key(1);
    Daemon node(SHAREMSGD_PATH, dir / "node");
    ASSERT_TRUE(node.start(with({"--mine", "false", "--address", master_hash(1), "--relay-url",
                                 "http://127.0.0.1:" + std::to_string(relay.web_port),
                                 "--relay-interval", "1", "--relay-nat", "port_restricted"},
                                key_flags(key))))
        << node.log();

    const std::string path = "/relay/lookup/devnet/" + key.signing_id;
    ASSERT_TRUE(wait_until([&] { return relay.get(path).status == 200; }, std::chrono::seconds(20)))
        << node.log();
    auto entry = relay::decode_entry(relay.get(path).body);
    ASSERT_TRUE(entry.ok()) << entry.failure().detail;
    ASSERT_EQ(entry->registration.endpoints.size(), 1u);
    EXPECT_EQ(entry->registration.endpoints[0].to_string(),
              "127.0.0.1:" + std::to_string(node.p2p_port));
    EXPECT_EQ(entry->registration.nat, relay::NatType::port_restricted);
    EXPECT_TRUE(relay::signature_ok(entry->registration));

    // It refreshes: a second registration within a few intervals.
    ASSERT_TRUE(wait_until(
        [&] { return node.get("/net/relays").json()["relays"][0].value("registrations", 0) >= 2; },
        std::chrono::seconds(20)));
    const auto state = node.get("/net/relays").json()["relays"][0];
    EXPECT_EQ(state["state"], "ok");
    EXPECT_EQ(state["failures"], 0);
    EXPECT_GE(node.metric("sharemsg_relay_client_registrations_total{result=\"ok\"}"), 2);
}

TEST(RelayRegistrar, ARefusalEndsTheRoundAndAFailingRelayOpensItsCircuit) {
    const auto dir = test_dir("relay-registrar-breaker");
    Daemon relay(SHAREMSGD_PATH, dir / "relay");
    ASSERT_TRUE(relay.start({"--relay", "--mine", "false"}));
    // Key 2's master is paid by no share: every registration is refused, one a round, and the
    // relay's circuit stays closed (the relay works; this node is not authorized yet).
    const auto key = test_signing_key(2);
    Daemon node(SHAREMSGD_PATH, dir / "node");
    ASSERT_TRUE(node.start(
        with({"--mine", "false", "--address", master_hash(2), "--relay-url",
              "http://127.0.0.1:" + std::to_string(relay.web_port), "--relay-interval", "0.5"},
             key_flags(key))))
        << node.log();
    const std::string refused = "sharemsg_relay_client_registrations_total{result=\"refused\"}";
    ASSERT_TRUE(wait_until([&] { return node.metric(refused) >= 4; }, std::chrono::seconds(30)))
        << node.get("/net/relays").body;
    auto state = node.get("/net/relays").json()["relays"][0];
    EXPECT_EQ(state["state"], "refused");
    EXPECT_EQ(state["failures"], 0);
    EXPECT_EQ(state["last_error"], "HTTP 403 unauthorized");
    EXPECT_EQ(node.metric("sharemsg_relay_client_registrations_total{result=\"failed\"}"), -1);

    // A relay that does not answer (nothing listens there): after 5 failed tries its circuit
    // opens, and it is left alone.
    Daemon lonely(SHAREMSGD_PATH, dir / "lonely");
    ASSERT_TRUE(lonely.start(
        with({"--mine", "false", "--address", master_hash(2), "--relay-url",
              "http://127.0.0.1:" + std::to_string(free_port()), "--relay-interval", "0.2"},
             key_flags(key))))
        << lonely.log();
    ASSERT_TRUE(
        wait_until([&] { return lonely.get("/net/relays").json()["relays"][0]["state"] == "open"; },
                   std::chrono::seconds(30)))
        << lonely.get("/net/relays").body;
    state = lonely.get("/net/relays").json()["relays"][0];
    EXPECT_EQ(state["failures"], 5);
    EXPECT_EQ(lonely.metric("sharemsg_relay_client_breaker_opened_total"), 1);
    const std::string failed = "sharemsg_relay_client_registrations_total{result=\"failed\"}";
    const double before = lonely.metric(failed);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(lonely.metric(failed), before);
    EXPECT_EQ(before, 5);
}

TEST(RelayRegistrar, BadRelayUrlOrMissingKeyStopsTheNodeAtStart) {
    const auto dir = test_dir("relay-registrar-bad");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.spawn(with({"--mine", "false", "--relay-url", "ftp://127.0.0.1:1"},
                             key_flags(test_signing_key(1)))));
    EXPECT_TRUE(a.wait_exit(std::chrono::seconds(20)).has_value());
    EXPECT_NE(a.log().find("--relay-url ftp://127.0.0.1:1"), std::string::npos) << a.log();
    Daemon b(SHAREMSGD_PATH, dir / "b");
    ASSERT_TRUE(b.spawn({"--mine", "false", "--relay-url", "http://127.0.0.1:1"}));
    EXPECT_TRUE(b.wait_exit(std::chrono::seconds(20)).has_value());
    EXPECT_NE(b.log().find("needs a signing key"), std::string::npos) << b.log();
}
