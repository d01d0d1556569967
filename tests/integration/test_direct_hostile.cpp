// Direct links on 127.0.0.1 (docs/nat.md, "Direct links"): two nodes that use one relay connect
// directly and ping over the channel; and an identity the window authorizes floods one of them
// with offers through the relay (descriptions that do not parse, and well-formed ones whose
// candidates lead nowhere). The node refuses the first by name, bounds the sessions the second
// make, and goes on serving: its API answers and the honest node still reaches it. What the
// flood cost it (RSS, log lines) is recorded.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "../unit/test_relay_signal_util.hpp"
#include "harness.hpp"

using namespace itest;
using namespace sharemsg;
using relay_test::identity;

namespace {

std::size_t log_lines(const std::filesystem::path& dir) {
    std::ifstream in(dir / "sharemsgd.log");
    return static_cast<std::size_t>(
        std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

bool lists(Daemon& d, const std::string& id) {
    const auto j = d.get("/net/peers").json();
    if (!j.is_object()) return false;
    for (const auto& i : j["identities"])
        if (i["signing_id"] == id) return true;
    return false;
}

// POST /net/ping/<id> with the node's token: a connect may take seconds (signaling polls).
HttpResult ping(Daemon& d, const std::string& id) {
    return http_request(d.web_port, "POST", "/net/ping/" + id, "",
                        "Authorization: Bearer " + d.token() + "\r\n", 60000);
}

// An offer from `from` to the node whose signing id is `to`, with session n.
relay::Signal offer(const relay_test::Identity& from, const std::string& to, std::uint8_t n,
                    std::vector<std::string> candidates) {
    auto s = relay_test::signal(from, from, static_cast<std::uint64_t>(std::time(nullptr)),
                                relay::SignalKind::offer, n);
    auto id = from_hex_fixed<20>(to);
    s.recipient = *id;
    s.candidates = std::move(candidates);
    relay::sign(s, from.key.privkey());
    return s;
}

TEST(DirectLinks, TwoNodesLinkDirectlyAndAnAuthorizedFlooderIsBounded) {
    const auto dir = test_dir("direct-hostile");
    const auto flooder = identity(1);
    Daemon r(SHAREMSGD_PATH, dir / "relay");
    // The relay mines to the flooder's master: the window authorizes it everywhere.
    ASSERT_TRUE(r.start({"--relay", "--share-period", "0.5", "--address",
                         to_hex(flooder.master_hash()), "--discover", "false", "--relay-rate-limit",
                         "100000", "--max-peers-per-ip", "16"}));
    const auto ka = test_signing_key(21), kb = test_signing_key(22);
    const std::string relay_url = "http://127.0.0.1:" + std::to_string(r.web_port);
    auto node_args = [&](const TestKey& k) {
        std::vector<std::string> a{"--share-period",
                                   "0.5",
                                   "--address",
                                   k.master_hash,
                                   "--discover",
                                   "false",
                                   "--peer",
                                   "127.0.0.1:" + std::to_string(r.p2p_port),
                                   "--relay-url",
                                   relay_url,
                                   "--relay-interval",
                                   "1",
                                   "--relay-lookup-interval",
                                   "1",
                                   "--direct-timeout",
                                   "5",
                                   "--direct-tries",
                                   "2"};
        for (const auto& f : key_flags(k))
            a.push_back(f);
        return a;
    };
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    ASSERT_TRUE(a.start(node_args(ka)));
    ASSERT_TRUE(b.start(node_args(kb)));
    ASSERT_TRUE(wait_until([&] { return lists(a, kb.signing_id) && lists(b, ka.signing_id); },
                           std::chrono::seconds(90)))
        << "the nodes did not find each other through the relay";

    // A direct link on 127.0.0.1: both host candidates, so the path is "direct".
    const auto first = ping(a, kb.signing_id);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.json()["path"], "direct") << first.body;
    EXPECT_EQ(ping(b, kb.signing_id).status, 400) << "pinging itself";

    const long rss_before = rss_kib(b.pid());
    const std::size_t lines_before = log_lines(dir / "b");
    const std::string relay_signal = "/relay/signal";
    auto post = [&](const relay::Signal& s) {
        return http_request(r.web_port, "POST", relay_signal, relay::encode_signal(s));
    };
    // Two waves of 8 (the relay holds 8 per sender per recipient), each fetched by b's poll:
    // offers whose candidate lines do not parse, then offers to a port where nothing answers.
    std::uint8_t session = 10;
    for (int i = 0; i < 8; ++i)
        EXPECT_EQ(post(offer(flooder, kb.signing_id, session++,
                             {"a=candidate:1 1 TCP 2013266431 127.0.0.1 9 typ host"}))
                      .status,
                  200);
    ASSERT_TRUE(wait_until(
        [&] { return b.metric("sharemsg_direct_offers_total{result=\"invalid\"}") >= 8; },
        std::chrono::seconds(30)));
    for (int i = 0; i < 8; ++i)
        EXPECT_EQ(post(offer(flooder, kb.signing_id, session++,
                             {"a=candidate:1 1 UDP 2013266431 127.0.0.1 9 typ host"}))
                      .status,
                  200);
    ASSERT_TRUE(wait_until(
        [&] { return b.metric("sharemsg_direct_offers_total{result=\"answered\"}") >= 8; },
        std::chrono::seconds(30)));
    // The ninth of a wave waits at the relay: it holds 8 per sender per recipient.
    int refused = 0;
    for (int i = 0; i < 12; ++i)
        refused += post(offer(flooder, kb.signing_id, session++,
                              {"a=candidate:1 1 UDP 2013266431 127.0.0.1 9 typ host"}))
                       .status != 200;
    EXPECT_GE(refused, 1) << "the relay bounds what one sender leaves for one recipient";

    // b goes on serving, and the honest node still reaches it.
    EXPECT_EQ(b.get("/health").status, 200);
    const auto back = ping(b, ka.signing_id);
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(back.json()["path"], "direct");
    // One session per identity: each offer replaced the flooder's last, and that one ends by
    // its timeout, leaving only the honest link up.
    ASSERT_TRUE(wait_until(
        [&] {
            return b.metric("sharemsg_direct_sessions_failed_total{relay=\"no\"}") >= 1 &&
                   b.metric("sharemsg_direct_links") == 1;
        },
        std::chrono::seconds(60)))
        << b.get("/metrics").body;
    const long rss_after = rss_kib(b.pid());
    const std::size_t lines_after = log_lines(dir / "b");
    RecordProperty("rss_growth_kib", std::to_string(rss_after - rss_before));
    RecordProperty("log_lines", std::to_string(lines_after - lines_before));
    std::printf("flood of 28 offers: b's RSS %ld -> %ld KiB, %zu log lines\n", rss_before,
                rss_after, lines_after - lines_before);
    EXPECT_LT(lines_after - lines_before, 200u) << "about two lines an offer";
}

}  // namespace
