// MuSig2 signing sessions between separate sharemsgd processes (docs/musig.md, "Sessions
// between nodes"): n-of-n sessions started on one node and joined on the others through
// /musig, their frames carried by the nodes' mail; the one BIP340 signature every node ends
// with verifies under the aggregate key. Three authorities co-sign an EMERGENCY that way, and a
// third node shows it as co-signed. A signer who disappears leaves the others' session aborted
// as stuck and then removed: nothing stays.
#include <gtest/gtest.h>

#include <ctime>

#include "cli_run.hpp"
#include "crypto/bip340.hpp"
#include "musig_nodes.hpp"
#include "proto/constants.hpp"
#include "proto/open_authority.hpp"
#include "proto/open_envelope.hpp"
#include "util/bytes.hpp"

using namespace itest;
using namespace std::chrono_literals;
using J = nlohmann::json;

namespace {

// 32 bytes of message (what a BIP340 signature signs), different per test.
std::string message_hex(std::uint8_t fill) {
    return sharemsg::to_hex(sharemsg::Bytes(32, fill));
}

// Node i's view of the session once `pred` holds of it (or the last view after 60 s).
J wait_for_session_where(MusigNodes& nodes, std::size_t i, const std::string& id,
                         const std::function<bool(const J&)>& pred,
                         std::chrono::seconds within = 60s) {
    J s;
    wait_until(
        [&] {
            s = nodes.session(i, id);
            return !s.is_null() && pred(s);
        },
        within);
    return s;
}

// Node i's view of the session once it holds it.
J wait_for_session(MusigNodes& nodes, std::size_t i, const std::string& id) {
    return wait_for_session_where(nodes, i, id, [](const J&) { return true; });
}

J wait_for_phase(MusigNodes& nodes, std::size_t i, const std::string& id, const std::string& phase,
                 std::chrono::seconds within = 60s) {
    return wait_for_session_where(
        nodes, i, id, [&](const J& s) { return s["phase"] == phase; }, within);
}

// The message with `text` as `observer` shows it in /msg/recent (null if not within 60 s).
J wait_for_alert(Daemon& observer, const std::string& text) {
    J shown;
    wait_until(
        [&] {
            const auto j = observer.get("/msg/recent?limit=200").json();
            if (!j.is_object()) return false;
            for (const auto& [key, list] : j.items())
                if (list.is_array())
                    for (const auto& m : list)
                        if (m.is_object() && m.value("payload", "") == text) shown = m;
            return !shown.is_null();
        },
        60s);
    return shown;
}

class MusigSessions : public ::testing::TestWithParam<std::size_t> {};

TEST_P(MusigSessions, EveryNodeEndsWithOneSignatureThatVerifiesUnderTheAggregateKey) {
    const std::size_t n = GetParam();
    MusigNodes nodes("musig-" + std::to_string(n), n);
    ASSERT_TRUE(nodes.ok()) << nodes.failure();

    const auto msg = message_hex(static_cast<std::uint8_t>(0x40 + n));
    const auto started = nodes.node(0).call(
        "POST", "/musig/start", J{{"signers", nodes.signers()}, {"message", msg}}.dump());
    ASSERT_EQ(started.status, 200) << started.body;
    const auto s0 = started.json()["session"];
    const std::string id = s0["id"];
    EXPECT_EQ(s0["phase"], "nonce_exchange");  // the creator joined at once
    EXPECT_EQ(s0["joined"], true);
    EXPECT_EQ(s0["creator_index"], 0);
    EXPECT_EQ(s0["message"], msg);

    // Every other signer hears of it by mail, and joins.
    for (std::size_t i = 1; i < n; ++i) {
        const auto s = wait_for_session(nodes, i, id);
        ASSERT_FALSE(s.is_null()) << "signer " << i << " never heard of the session\n"
                                  << nodes.node(i).log();
        EXPECT_EQ(s["own_index"], i);
        EXPECT_EQ(s["aggregate_key"], s0["aggregate_key"]);
        const auto joined = nodes.node(i).call("POST", "/musig/join/" + id);
        ASSERT_EQ(joined.status, 200) << joined.body;
    }

    // All complete with the same signature, which verifies under the aggregate key.
    std::string signature;
    for (std::size_t i = 0; i < n; ++i) {
        const auto s = wait_for_phase(nodes, i, id, "complete");
        ASSERT_EQ(s["phase"], "complete") << "signer " << i << ": " << s.dump() << "\n"
                                          << nodes.node(i).log();
        if (i == 0) signature = s["signature"];
        EXPECT_EQ(s["signature"], signature) << "signer " << i;
        EXPECT_TRUE(s["abort"].is_null());
    }
    // schnorr_verify takes a compressed point and uses its x coordinate: the x-only key.
    const auto key = sharemsg::from_hex("02" + s0["aggregate_key"].get<std::string>());
    const auto m = sharemsg::from_hex_fixed<32>(msg);
    const auto sig = sharemsg::from_hex_fixed<64>(signature);
    ASSERT_TRUE(key && m && sig);
    EXPECT_TRUE(sharemsg::crypto::schnorr_verify(*key, *m, *sig));

    // The frames went by mail, and the mail listings show none of them.
    const auto st = nodes.node(0).call("GET", "/musig/status").json();
    EXPECT_EQ(st["completed"], 1) << st.dump();
    EXPECT_GE(st["frames_out"].get<int>(), static_cast<int>(2 * (n - 1))) << st.dump();
    EXPECT_EQ(st["frames_refused"], 0) << st.dump();
    EXPECT_EQ(nodes.node(1).call("GET", "/mail/inbox").json()["messages"].size(), 0u);
    EXPECT_EQ(nodes.node(0).call("GET", "/mail/outbox").json()["messages"].size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Signers, MusigSessions, ::testing::Values(2, 3, 5), [](const auto& p) {
    return std::to_string(p.param) + "of" + std::to_string(p.param);
});

TEST(MusigNodesAlert, ThreeAuthoritiesCoSignAnEmergencyThatAnotherNodeShowsAsCoSigned) {
    namespace po = sharemsg::proto::open;
    // The three signers are the network's co-signing authority "ops".
    std::string flag = "ops=";
    for (std::uint32_t i = 0; i < 3; ++i)
        flag += (i ? "," : "") + test_signing_key(1, i).signing_pubkey;
    const auto ops = po::CosignAuthority::parse(flag);
    ASSERT_TRUE(ops) << ops.error().to_string();
    MusigNodes nodes("musig-alert", 3, {"--cosign-authority", flag, "--share-period", "0.3"});
    ASSERT_TRUE(nodes.ok()) << nodes.failure();

    // The alert, unsigned, and the digest the authorities sign: the session's message. The
    // signers go in KeyAgg order (sorted), the order of the authority's key.
    const std::string text = "EMERGENCY: co-signed by ops (" + std::to_string(::getpid()) + ")";
    const auto ts = static_cast<std::uint32_t>(std::time(nullptr));
    auto alert = po::make_authority_message(sharemsg::proto::MSG_EMERGENCY,
                                            sharemsg::as_bytes(text), ts, ops->key());
    ASSERT_TRUE(alert);
    const auto digest = po::authority_sighash(po::DEVNET_NETWORK_ID, *alert);
    J signers = J::array();
    for (const auto& k : ops->signers())
        signers.push_back(sharemsg::to_hex(k));
    const auto started =
        nodes.node(0).call("POST", "/musig/start",
                           J{{"signers", signers},
                             {"message", sharemsg::to_hex(digest)},
                             {"context", sharemsg::to_hex(sharemsg::as_bytes(text))}}
                               .dump());
    ASSERT_EQ(started.status, 200) << started.body;
    const std::string id = started.json()["session"]["id"];
    EXPECT_EQ(started.json()["session"]["aggregate_key"], sharemsg::to_hex(ops->key()));
    for (std::size_t i = 1; i < 3; ++i) {
        const auto s = wait_for_session(nodes, i, id);
        ASSERT_FALSE(s.is_null()) << nodes.node(i).log();
        // What a signer is asked to sign is readable before it joins.
        EXPECT_EQ(s["context"], sharemsg::to_hex(sharemsg::as_bytes(text)));
        ASSERT_EQ(nodes.node(i).call("POST", "/musig/join/" + id).status, 200);
    }
    const auto done = wait_for_phase(nodes, 0, id, "complete");
    ASSERT_EQ(done["phase"], "complete") << done.dump() << nodes.node(0).log();

    // A third node, following signer 0's chain, with the same authority.
    Daemon observer(SHAREMSGD_PATH, test_dir("musig-alert-observer") / "node");
    ASSERT_TRUE(observer.start({"--mine", "false", "--peer",
                                "127.0.0.1:" + std::to_string(nodes.node(0).p2p_port),
                                "--cosign-authority", flag}))
        << observer.log();
    const auto posted = nodes.node(0).call("POST", "/msg/authority",
                                           J{{"msg_type", sharemsg::proto::MSG_EMERGENCY},
                                             {"timestamp", ts},
                                             {"text", text},
                                             {"authority_key", sharemsg::to_hex(ops->key())},
                                             {"signature", done["signature"]}}
                                               .dump());
    ASSERT_EQ(posted.status, 200) << posted.body;
    const J shown = wait_for_alert(observer, text);
    ASSERT_FALSE(shown.is_null()) << "the observer never showed the alert\n" << observer.log();
    EXPECT_TRUE(shown["co_signed"].get<bool>()) << shown.dump();
    EXPECT_EQ(shown["authority"], "ops");
    EXPECT_EQ(shown["signers"], signers);
}

TEST(MusigNodesAlert, AnAlertSessionShowsEverySignerTheAlertAndItsCreatorPublishesIt) {
    std::string flag = "ops=";
    for (std::uint32_t i = 0; i < 3; ++i)
        flag += (i ? "," : "") + test_signing_key(1, i).signing_pubkey;
    const auto ops = sharemsg::proto::open::CosignAuthority::parse(flag);
    ASSERT_TRUE(ops) << ops.error().to_string();
    MusigNodes nodes("musig-alert-api", 3, {"--cosign-authority", flag, "--share-period", "0.3"});
    ASSERT_TRUE(nodes.ok()) << nodes.failure();

    // The signers in any order: the node puts them in the authority's (KeySort) order.
    const std::string text =
        "TRANSITION: co-signed through /musig/start (" + std::to_string(::getpid()) + ")";
    J reversed = J::array();
    for (std::size_t i = 3; i-- > 0;)
        reversed.push_back(nodes.key(i).signing_pubkey);
    const auto started = nodes.node(0).call(
        "POST", "/musig/start",
        J{{"signers", reversed},
          {"alert", {{"msg_type", sharemsg::proto::MSG_TRANSITION_SIGNAL}, {"text", text}}}}
            .dump());
    ASSERT_EQ(started.status, 200) << started.body;
    const auto s0 = started.json()["session"];
    const std::string id = s0["id"];
    EXPECT_EQ(s0["aggregate_key"], sharemsg::to_hex(ops->key()));
    J sorted = J::array();
    for (const auto& k : ops->signers())
        sorted.push_back(sharemsg::to_hex(k));
    EXPECT_EQ(s0["signers"], sorted);

    // Every signer sees what it is asked to sign, checked against the session's digest.
    for (std::size_t i = 1; i < 3; ++i) {
        const auto s = wait_for_session(nodes, i, id);
        ASSERT_FALSE(s.is_null()) << nodes.node(i).log();
        ASSERT_TRUE(s["alert"].is_object()) << s.dump();
        EXPECT_EQ(s["alert"]["type"], "TRANSITION_SIGNAL");
        EXPECT_EQ(s["alert"]["text"], text);
        EXPECT_EQ(s["alert"]["authority"], "ops");
        ASSERT_EQ(nodes.node(i).call("POST", "/musig/join/" + id).status, 200);
    }
    const auto done = wait_for_phase(nodes, 0, id, "complete");
    ASSERT_EQ(done["phase"], "complete") << done.dump() << nodes.node(0).log();

    // The creator queued the message itself, and its view says so; a node following its chain
    // shows it co-signed.
    const auto published = wait_for_session_where(
        nodes, 0, id, [](const J& s) { return s["publication"].is_object(); });
    ASSERT_TRUE(published["publication"].is_object()) << published.dump() << nodes.node(0).log();
    EXPECT_EQ(published["publication"]["queued"], true) << published.dump();
    EXPECT_EQ(published["publication"]["message_hash"].get<std::string>().size(), 64u);
    EXPECT_EQ(count_of(nodes.node(0).log(), "signed a co-signed TRANSITION_SIGNAL; queued as"), 1u);
    const auto shown_cli = run_sharemsg(
        {"musig", "session", id, "--api", "127.0.0.1:" + std::to_string(nodes.node(0).web_port),
         "--datadir", nodes.node(0).datadir().string()},
        "", test_dir("musig-alert-api-cli") / "stderr.txt");
    EXPECT_EQ(shown_cli.status, 0) << shown_cli.all();
    EXPECT_NE(shown_cli.out.find("published  queued as message " +
                                 published["publication"]["message_hash"].get<std::string>()),
              std::string::npos)
        << shown_cli.out;
    Daemon observer(SHAREMSGD_PATH, test_dir("musig-alert-api-observer") / "node");
    ASSERT_TRUE(observer.start({"--mine", "false", "--peer",
                                "127.0.0.1:" + std::to_string(nodes.node(0).p2p_port),
                                "--cosign-authority", flag}))
        << observer.log();
    const J shown = wait_for_alert(observer, text);
    ASSERT_FALSE(shown.is_null()) << "the observer never showed the alert\n"
                                  << observer.log() << nodes.node(0).log();
    EXPECT_TRUE(shown["co_signed"].get<bool>()) << shown.dump();
    EXPECT_EQ(shown["authority"], "ops");
    EXPECT_EQ(shown["signers"], sorted);
    // Only the creator published it.
    for (std::size_t i = 1; i < 3; ++i) {
        EXPECT_EQ(count_of(nodes.node(i).log(), "signed a co-signed"), 0u);
        EXPECT_TRUE(nodes.session(i, id)["publication"].is_null());
    }

    // Signers that are no authority of the node are refused before any session exists.
    const auto refused = nodes.node(0).call(
        "POST", "/musig/start",
        J{{"signers", J::array({nodes.key(0).signing_pubkey, nodes.key(1).signing_pubkey})},
          {"alert", {{"msg_type", sharemsg::proto::MSG_EMERGENCY}, {"text", "x"}}}}
            .dump());
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.json().value("error", ""), "unknown_authority") << refused.body;
}

TEST(MusigNodesCleanup, ASignerWhoDisappearsLeavesTheSessionStuckThenRemoved) {
    MusigNodes nodes("musig-gone", 3,
                     {"--musig-stuck-timeout", "3", "--musig-cleanup-interval", "1",
                      "--musig-session-timeout", "10"});
    ASSERT_TRUE(nodes.ok()) << nodes.failure();
    const auto started =
        nodes.node(0).call("POST", "/musig/start",
                           J{{"signers", nodes.signers()}, {"message", message_hex(7)}}.dump());
    ASSERT_EQ(started.status, 200) << started.body;
    const std::string id = started.json()["session"]["id"];
    ASSERT_FALSE(wait_for_session(nodes, 1, id).is_null()) << nodes.node(1).log();
    ASSERT_FALSE(wait_for_session(nodes, 2, id).is_null()) << nodes.node(2).log();
    // Signer 2 goes away before it joins; signer 1 joins.
    EXPECT_EQ(nodes.node(2).stop(), 0);
    ASSERT_EQ(nodes.node(1).call("POST", "/musig/join/" + id).status, 200);

    for (std::size_t i = 0; i < 2; ++i) {
        const auto s = wait_for_phase(nodes, i, id, "aborted", 30s);
        ASSERT_EQ(s["phase"], "aborted") << s.dump() << nodes.node(i).log();
        EXPECT_EQ(s["abort"]["reason"], "stuck") << s.dump();
        EXPECT_TRUE(s["signature"].is_null());
    }
    // Then removed: nothing stays.
    for (std::size_t i = 0; i < 2; ++i)
        EXPECT_TRUE(wait_until(
            [&] { return nodes.node(i).call("GET", "/musig/sessions").json()["sessions"].empty(); },
            30s))
            << nodes.node(i).call("GET", "/musig/sessions").body;
    EXPECT_EQ(nodes.node(0).call("GET", "/musig/status").json()["sessions"], 0);
}

TEST(MusigNodesApi, RefusalsByName) {
    MusigNodes nodes("musig-api", 2);
    ASSERT_TRUE(nodes.ok()) << nodes.failure();
    auto& d = nodes.node(0);
    // The token is needed.
    EXPECT_EQ(d.get("/musig/sessions").status, 401);
    auto post = [&](const J& body) { return d.call("POST", "/musig/start", body.dump()); };
    auto error_of = [](const HttpResult& r) { return r.json().value("error", ""); };
    auto r = post(J{{"signers", nodes.signers()}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_of(r), "bad_message") << r.body;
    r = post(J{{"signers", J::array({nodes.key(0).signing_pubkey})}, {"message", "00"}});
    EXPECT_EQ(error_of(r), "bad_signers") << r.body;
    r = post(J{{"signers", nodes.signers()}, {"message", "00"}, {"what", 1}});
    EXPECT_EQ(error_of(r), "unknown_field") << r.body;
    r = post(J{{"signers", nodes.signers()}, {"message", "00"}, {"expires_in", 99999}});
    EXPECT_EQ(error_of(r), "bad_expires_in") << r.body;
    // A session we are not in.
    J others = J::array({nodes.key(1).signing_pubkey, test_signing_key(1, 5).signing_pubkey});
    r = post(J{{"signers", others}, {"message", "00"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_of(r), "invalid_argument") << r.body;
    const std::string zero(64, '0');
    r = d.call("POST", "/musig/join/" + zero);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(error_of(r), "unknown_session") << r.body;
    EXPECT_EQ(error_of(d.call("POST", "/musig/join/xyz")), "bad_id");
    // Joining twice.
    r = post(J{{"signers", nodes.signers()}, {"message", "01"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string id = r.json()["session"]["id"];
    r = d.call("POST", "/musig/join/" + id);
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(error_of(r), "already_joined") << r.body;
    // Cancelled: the other signer hears of it.
    ASSERT_FALSE(wait_for_session(nodes, 1, id).is_null());
    r = d.call("POST", "/musig/cancel/" + id);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["session"]["phase"], "aborted");
    const auto s1 = wait_for_phase(nodes, 1, id, "aborted");
    EXPECT_EQ(s1["abort"]["reason"], "cancelled") << s1.dump();
    EXPECT_EQ(s1["abort"]["aborted_by"], 0) << s1.dump();
}

TEST(MusigNodesApi, ANodeWithoutMusigSaysSo) {
    Daemon d(SHAREMSGD_PATH, test_dir("musig-off") / "node");
    ASSERT_TRUE(d.start({})) << d.log();
    const auto r = d.call("GET", "/musig/sessions");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json().value("error", ""), "not_enabled") << r.body;
    // --musig without the node's mail is refused at start, saying why.
    Daemon bad(SHAREMSGD_PATH, test_dir("musig-nomail") / "node");
    EXPECT_FALSE(bad.start({"--musig"}));
    EXPECT_NE(bad.log().find("--musig needs the node's mail"), std::string::npos) << bad.log();
}

}  // namespace
