// Four miners find each other through one relay (docs/relay.md, "The node side"): each knows
// only the relay node (its one --peer, address discovery off), registers with it, looks up the
// miners its sharechain window pays, and dials them; /net/peers and `sharemsg relay lookup`
// show what it found. The relay then restarts, with the miners gone: every registration it
// had acknowledged is still answered.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "../unit/test_cli_runner.hpp"
#include "harness.hpp"

using namespace itest;

namespace {

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::set<std::string> known_ids(Daemon& d) {
    std::set<std::string> out;
    const auto j = d.get("/net/peers").json();
    if (!j.is_object() || !j["identities"].is_array()) return out;
    for (const auto& p : j["identities"])
        out.insert(p.value("signing_id", ""));
    return out;
}

}  // namespace

TEST(RelayDiscovery, FourMinersFindEachOtherThroughOneRelayWhichRestartsWithoutLoss) {
    const auto dir = test_dir("relay-discovery");
    Daemon relay(SHAREMSGD_PATH, dir / "relay");
    // Every node is on 127.0.0.1: the relay's per-address limits (requests, P2P connections)
    // are raised.
    const std::vector<std::string> relay_flags = {
        "--relay", "--share-period",     "0.5", "--discover",
        "false",   "--status-interval",  "0",   "--relay-rate-limit",
        "100000",  "--max-peers-per-ip", "16"};
    ASSERT_TRUE(relay.start(relay_flags)) << relay.log();
    const std::string url = "http://127.0.0.1:" + std::to_string(relay.web_port);
    const std::string relay_peer = "127.0.0.1:" + std::to_string(relay.p2p_port);

    constexpr int kMiners = 4;
    std::vector<std::unique_ptr<Daemon>> miners;
    std::vector<TestKey> keys;
    for (int i = 0; i < kMiners; ++i) {
        keys.push_back(test_signing_key(60 + i));
        miners.push_back(
            std::make_unique<Daemon>(SHAREMSGD_PATH, dir / ("miner" + std::to_string(i))));
        ASSERT_TRUE(miners[i]->start(with(
            {"--address", keys[i].master_hash, "--share-period", "1", "--status-interval", "0",
             "--discover", "false", "--peer", relay_peer, "--relay-url", url, "--relay-interval",
             "3", "--relay-lookup-interval", "1", "--max-peers-per-ip", "16"},
            key_flags(keys[i]))))
            << miners[i]->log();
    }

    // Every miner knows the other three through the relay, and is connected to them as well
    // as to the relay (with address discovery off, the relay is the only peer it was given).
    for (int i = 0; i < kMiners; ++i) {
        std::set<std::string> others;
        for (int k = 0; k < kMiners; ++k)
            if (k != i) others.insert(keys[k].signing_id);
        auto& m = *miners[i];
        EXPECT_TRUE(wait_until(
            [&] {
                const auto ids = known_ids(m);
                return std::includes(ids.begin(), ids.end(), others.begin(), others.end());
            },
            std::chrono::seconds(90)))
            << "miner " << i << " knows " << m.get("/net/peers").body << "\n"
            << m.log();
        EXPECT_TRUE(wait_until([&] { return m.get("/health").json().value("peers", 0) >= kMiners; },
                               std::chrono::seconds(60)))
            << "miner " << i << ": " << m.get("/health").body;
        EXPECT_EQ(known_ids(m).count(keys[i].signing_id), 0u) << "a miner does not look itself up";
    }
    const auto peers = miners[0]->get("/net/peers").json();
    ASSERT_FALSE(peers["identities"].empty());
    const auto& first = peers["identities"][0];
    EXPECT_EQ(first["source"], url);
    EXPECT_EQ(first["nat"], "unknown");
    EXPECT_EQ(first["endpoints"].size(), 1u);
    EXPECT_GE(first["expires"].get<double>() - first["fetched"].get<double>(), 300);
    EXPECT_LE(first["expires"].get<double>() - first["fetched"].get<double>(), 600);
    EXPECT_EQ(peers["relays"][0]["state"], "ok");
    EXPECT_GE(peers["relays"][0]["lookups"].get<int>(), kMiners - 1);
    EXPECT_GE(miners[0]->metric("sharemsg_p2p_relay_dials_total"), 1);

    // One identity on demand, by signing id and by miner, from the node's API and the CLI.
    const auto one = miners[0]->get("/net/peers/" + keys[1].signing_id);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.json()["endpoints"][0], "127.0.0.1:" + std::to_string(miners[1]->p2p_port));
    const std::string master1 = one.json()["master_hash"];
    EXPECT_EQ(miners[0]->get("/net/peers/miner/" + master1).json()["signing_id"],
              keys[1].signing_id);
    const auto cli = sharemsg::testing::run_cli({"relay", "lookup", "--api",
                                                 "127.0.0.1:" + std::to_string(miners[0]->web_port),
                                                 keys[2].signing_id});
    EXPECT_EQ(cli.status, 0) << cli.out << cli.err;
    EXPECT_NE(cli.out.find("127.0.0.1:" + std::to_string(miners[2]->p2p_port)), std::string::npos)
        << cli.out;
    // An identity no relay knows: 404 naming the relay's answer; a malformed one: 400.
    const auto unknown = miners[0]->get("/net/peers/" + std::string(40, 'a'));
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    EXPECT_EQ(unknown.json()["error"], "not_found");
    EXPECT_EQ(miners[0]->get("/net/peers/xyz").status, 400);

    // The miners go; the relay restarts; every registration it acknowledged in the last five
    // minutes is still answered (nothing re-registers them now).
    for (auto& m : miners)
        m->stop();
    EXPECT_EQ(relay.stop(), 0);
    ASSERT_TRUE(relay.start(relay_flags)) << relay.log();
    for (int i = 0; i < kMiners; ++i) {
        const auto r = relay.get("/relay/lookup/devnet/" + keys[i].signing_id);
        EXPECT_EQ(r.status, 200) << i << " " << r.body;
    }
}

// Whoever reaches a node's API cannot spend the node's budget at its relays: a flood of
// lookups of identities no relay knows is answered (404, then 429 past 30 a minute) and leaves
// the relay's circuit closed and the node registered.
TEST(RelayDiscovery, AFloodOfApiLookupsDoesNotSpendTheNodesRelay) {
    const auto dir = test_dir("relay-discovery-flood");
    Daemon relay(SHAREMSGD_PATH, dir / "relay");
    const auto key = test_signing_key(70);
    ASSERT_TRUE(relay.start({"--relay", "--share-period", "0.5", "--address", key.master_hash}))
        << relay.log();
    Daemon node(SHAREMSGD_PATH, dir / "node");
    ASSERT_TRUE(node.start(
        with({"--mine", "false", "--address", key.master_hash, "--relay-url",
              "http://127.0.0.1:" + std::to_string(relay.web_port), "--relay-interval", "1"},
             key_flags(key))))
        << node.log();
    ASSERT_TRUE(
        wait_until([&] { return node.get("/net/relays").json()["relays"][0]["state"] == "ok"; },
                   std::chrono::seconds(30)))
        << node.get("/net/relays").body;

    std::map<unsigned, int> statuses;
    for (int i = 0; i < 200; ++i) {
        char id[41];
        std::snprintf(id, sizeof id, "%040x", i + 1);
        ++statuses[node.get("/net/peers/" + std::string(id)).status];
    }
    EXPECT_EQ(statuses[404], 30) << "404s";
    EXPECT_EQ(statuses[429], 170) << "429s";
    const auto state = node.get("/net/relays").json()["relays"][0];
    EXPECT_EQ(state["lookups"], 30);
    EXPECT_NE(state["state"], "open");
    // The node still registers: its identity stays found at the relay.
    const double before = node.metric("sharemsg_relay_client_registrations_total{result=\"ok\"}");
    EXPECT_TRUE(wait_until(
        [&] {
            return node.metric("sharemsg_relay_client_registrations_total{result=\"ok\"}") > before;
        },
        std::chrono::seconds(10)));
    EXPECT_EQ(relay.get("/relay/lookup/devnet/" + key.signing_id).status, 200);
}
