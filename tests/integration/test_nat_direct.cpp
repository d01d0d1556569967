// Direct links between two sharemsgd nodes behind NATs (docs/nat.md, "Direct links"), in the NAT
// lab (netlab.hpp): a relay node on the public segment carries the ICE signaling, both home
// nodes mine on it so that the window authorizes them, and `POST /net/ping/<id>` makes one
// connect to the other and ping it over the encrypted channel. Behind port-restricted cones
// the link is punched; behind symmetric NATs it fails without TURN and is relayed through
// coturn with it; /net/peers says which on both sides. The relay node is also the nodes'
// mailbox: mail goes over the link while it is up and through the mailbox while the recipient
// is away, and arrives once and in order either way.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"
#include "netlab.hpp"

using namespace itest;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRelayIp = NatLab::kTurnAltIp;  // coturn has .1; the relay node .3
constexpr int kRelayWeb = 8081, kRelayP2p = 37891, kWeb = 8080, kP2p = 37890;

struct Node {
    std::string role;  // the namespace's role
    std::string ip;
    std::filesystem::path datadir;
    TestKey key;
    pid_t pid = -1;
};

class NatDirectTest : public ::testing::Test {
  protected:
    // A relay node in `pub` and one node in each of two homes behind `n1` and `n2`.
    void build(Nat n1, Nat n2, bool turn) {
        lab_ = std::make_unique<NatLab>(test_dir(std::string("natdirect-") + nat_name(n1) + "-" +
                                                 nat_name(n2) + (turn ? "-turn" : "")));
        lab_->add_public();
        const Home h1 = lab_->add_home("1", n1);
        const Home h2 = lab_->add_home("2", n2);
        home_b_ = h2;
        turn_ = turn;
        lab_->start_turn();
        const auto relay_key = test_signing_key(7);
        relay_ =
            lab_->spawn("pub", {SHAREMSGD_PATH, "--devnet", "--datadir",
                                (lab_->dir() / "relay").string(), "--relay", "--mailbox",
                                "--share-period", "0.5", "--address", relay_key.master_hash,
                                "--p2p-bind", kRelayIp, "--p2p-port", std::to_string(kRelayP2p),
                                "--web-bind", kRelayIp, "--web-port", std::to_string(kRelayWeb)});
        const auto pw = lab_->dir() / "turn.password";
        std::ofstream(pw) << NatLab::kTurnPassword << "\n";
        a_ = start(h1, test_signing_key(1), turn, pw);
        b_ = start(h2, test_signing_key(2), turn, pw);
    }

    Node start(const Home& h, const TestKey& key, bool turn, const std::filesystem::path& pw) {
        Node n{h.host, h.host_ip, lab_->dir() / ("node" + h.name), key};
        std::vector<std::string> argv{
            SHAREMSGD_PATH,
            "--devnet",
            "--datadir",
            n.datadir.string(),
            "--address",
            key.master_hash,
            "--share-period",
            "0.5",
            "--p2p-bind",
            h.host_ip,
            "--p2p-port",
            std::to_string(kP2p),
            "--web-bind",
            h.host_ip,
            "--web-port",
            std::to_string(kWeb),
            "--peer",
            std::string(kRelayIp) + ":" + std::to_string(kRelayP2p),
            "--stun",
            std::string(NatLab::kTurnIp) + ":3478",
            "--relay-url",
            "http://" + std::string(kRelayIp) + ":" + std::to_string(kRelayWeb),
            "--relay-interval",
            "1",
            "--relay-lookup-interval",
            "1",
            "--mailbox-url",
            "http://" + std::string(kRelayIp) + ":" + std::to_string(kRelayWeb),
            "--gossip-port",
            "0",
            "--direct-timeout",
            "8",
            "--direct-tries",
            "2"};
        for (const auto& f : key_flags(key))
            argv.push_back(f);
        if (turn)
            for (const std::string& f :
                 {std::string("--turn"), "turn:" + std::string(NatLab::kTurnIp) + ":3478",
                  std::string("--turn-user"), std::string(NatLab::kTurnUser),
                  std::string("--turn-password-file"), pw.string()})
                argv.push_back(f);
        n.pid = lab_->spawn(h.host, argv);
        return n;
    }

    HttpResult get(const Node& n, const std::string& path) {
        return http_request_on(lab_->connect_tcp(n.role, n.ip, kWeb), "GET", path);
    }
    HttpResult post(const Node& n, const std::string& path, const std::string& body = "") {
        return http_request_on(lab_->connect_tcp(n.role, n.ip, kWeb), "POST", path, body,
                               "Authorization: Bearer " + token(n) + "\r\n");
    }
    HttpResult get_private(const Node& n, const std::string& path) {
        return http_request_on(lab_->connect_tcp(n.role, n.ip, kWeb), "GET", path, "",
                               "Authorization: Bearer " + token(n) + "\r\n");
    }
    static std::string token(const Node& n) {
        std::ifstream in(n.datadir / ".cookie");
        std::string t;
        std::getline(in, t);
        return t;
    }
    HttpResult mail(const Node& from, const Node& to, const std::string& text) {
        return post(from, "/mail/send",
                    nlohmann::json{{"to", to.key.signing_pubkey}, {"text", text}}.dump());
    }
    // The "messages" of a /mail listing (empty on any failure).
    nlohmann::json listing(const Node& n, const std::string& path) {
        const auto r = get_private(n, path);
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (r.status != 200 || !j.is_object() || !j.contains("messages"))
            return nlohmann::json::array();
        return j["messages"];
    }
    // The identity `id` in n's /net/peers, or null.
    nlohmann::json identity(const Node& n, const std::string& id) {
        const auto r = get(n, "/net/peers");
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (r.status != 200 || !j.is_object()) return nullptr;
        for (const auto& i : j["identities"])
            if (i["signing_id"] == id) return i;
        return nullptr;
    }
    // Both nodes know each other through the relay: each is in the other's window, and the
    // relay's (it found them as miners of its window).
    void wait_until_known() {
        ASSERT_TRUE(wait_until(
            [&] {
                return !identity(a_, b_.key.signing_id).is_null() &&
                       !identity(b_, a_.key.signing_id).is_null();
            },
            90s))
            << "the nodes did not find each other through the relay";
    }
    // POST /net/ping from a to b, retried while the other side is not authorized yet.
    HttpResult ping_b() {
        HttpResult r;
        wait_until(
            [&] {
                r = post(a_, "/net/ping/" + b_.key.signing_id);
                return r.status == 200 || r.status == 502;
            },
            60s);
        return r;
    }

    std::unique_ptr<NatLab> lab_;
    pid_t relay_ = -1;
    Node a_, b_;
    Home home_b_;
    bool turn_ = false;
};

TEST_F(NatDirectTest, PortRestrictedNodesArePunchedAndPingOverTheChannel) {
    build(Nat::port_restricted, Nat::port_restricted, false);
    wait_until_known();
    const auto r = ping_b();
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["path"], "punched") << r.body;
    EXPECT_GT(j["rtt_ms"].get<double>(), 0.0);
    // A second ping uses the link that is up.
    const auto again = post(a_, "/net/ping/" + b_.key.signing_id);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(nlohmann::json::parse(again.body)["tries"], 0);
    // Both sides list the link, with the path and the selected pair.
    const auto at_a = identity(a_, b_.key.signing_id);
    ASSERT_FALSE(at_a.is_null());
    EXPECT_EQ(at_a["path"], "punched") << at_a.dump();
    EXPECT_EQ(at_a["link"]["state"], "up") << at_a.dump();
    nlohmann::json at_b;
    EXPECT_TRUE(wait_until(
        [&] {
            at_b = identity(b_, a_.key.signing_id);
            return !at_b.is_null() && at_b["path"] == "punched";
        },
        10s))
        << at_b.dump();
    // B pings A over the same link, without a new session.
    const auto back = post(b_, "/net/ping/" + a_.key.signing_id);
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(nlohmann::json::parse(back.body)["path"], "punched");
    EXPECT_EQ(lab_->stop(a_.pid), 0);
    EXPECT_EQ(lab_->stop(b_.pid), 0);
    EXPECT_EQ(lab_->stop(relay_), 0);
}

TEST_F(NatDirectTest, MailGoesOverTheLinkAndThroughTheMailboxWhileTheRecipientIsAway) {
    build(Nat::port_restricted, Nat::port_restricted, false);
    wait_until_known();
    ASSERT_EQ(ping_b().status, 200);
    auto states = [&] {
        std::vector<std::string> out;
        for (const auto& m : listing(a_, "/mail/outbox?limit=10"))
            out.insert(out.begin(), m.value("state", ""));  // newest first: reversed
        return out;
    };
    // Over the link that is up.
    auto r = mail(a_, b_, "over the link");
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<std::string> seen;
    EXPECT_TRUE(wait_until(
        [&] {
            seen = states();
            return seen == std::vector<std::string>{"delivered"};
        },
        30s))
        << nlohmann::json(seen).dump();
    // B goes away: what follows waits in the mailbox.
    EXPECT_EQ(lab_->stop(b_.pid), 0);
    for (const char* text : {"while away 1", "while away 2"}) {
        r = mail(a_, b_, text);
        ASSERT_EQ(r.status, 200) << r.body;
    }
    EXPECT_TRUE(wait_until(
        [&] {
            seen = states();
            return seen == std::vector<std::string>{"delivered", "deposited", "deposited"};
        },
        60s))
        << nlohmann::json(seen).dump();
    // B comes back and finds all three once, in order, each by the path it took.
    b_ = start(home_b_, test_signing_key(2), turn_, lab_->dir() / "turn.password");
    nlohmann::json inbox;
    EXPECT_TRUE(wait_until(
        [&] {
            inbox = listing(b_, "/mail/inbox?limit=10");
            return inbox.size() >= 3;
        },
        90s))
        << inbox.dump();
    ASSERT_EQ(inbox.size(), 3u) << inbox.dump();
    const std::vector<std::pair<std::string, std::string>> want{
        {"over the link", "direct"}, {"while away 1", "mailbox"}, {"while away 2", "mailbox"}};
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(inbox[i]["text"], want[i].first) << inbox.dump();
        EXPECT_EQ(inbox[i]["path"], want[i].second) << inbox.dump();
        EXPECT_EQ(inbox[i]["from"], a_.key.signing_pubkey);
        EXPECT_EQ(inbox[i]["index"], i);
    }
    // Nothing arrives twice later.
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(listing(b_, "/mail/inbox?limit=10").size(), 3u);
    EXPECT_EQ(lab_->stop(a_.pid), 0);
    EXPECT_EQ(lab_->stop(b_.pid), 0);
    EXPECT_EQ(lab_->stop(relay_), 0);
}

TEST_F(NatDirectTest, SymmetricNodesFailWithoutTurn) {
    build(Nat::symmetric, Nat::symmetric, false);
    wait_until_known();
    const auto r = ping_b();
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body, nullptr, false)["error"], "failed") << r.body;
    const auto at_a = identity(a_, b_.key.signing_id);
    ASSERT_FALSE(at_a.is_null());
    EXPECT_EQ(at_a["path"], "none");
    EXPECT_EQ(at_a["link"]["state"], "failed") << at_a.dump();
    EXPECT_EQ(at_a["link"]["tries"], 2);
    EXPECT_EQ(lab_->stop(a_.pid), 0);
    EXPECT_EQ(lab_->stop(b_.pid), 0);
}

TEST_F(NatDirectTest, SymmetricNodesAreRelayedThroughTurn) {
    build(Nat::symmetric, Nat::symmetric, true);
    wait_until_known();
    const auto r = ping_b();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body)["path"], "relayed") << r.body;
    nlohmann::json at_b;
    EXPECT_TRUE(wait_until(
        [&] {
            at_b = identity(b_, a_.key.signing_id);
            return !at_b.is_null() && at_b["path"] == "relayed";
        },
        10s))
        << at_b.dump();
    std::ifstream log(lab_->turn_log());
    const std::string text((std::istreambuf_iterator<char>(log)), {});
    EXPECT_NE(text.find("ALLOCATE processed, success"), std::string::npos)
        << "coturn logged no allocation";
    EXPECT_EQ(lab_->stop(a_.pid), 0);
    EXPECT_EQ(lab_->stop(b_.pid), 0);
}

}  // namespace
