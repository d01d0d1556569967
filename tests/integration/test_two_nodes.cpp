// Two devnet nodes exchange miner chat end to end (the open profile): a message sent on A
// with `sharemsg send` arrives on B verified, attributed to A's payout address; a ban on B
// hides it on B only; a key rotation on A shows the old key revoked on B while the earlier
// message stays verified.
#include <gtest/gtest.h>

#include <cstdio>

#include "harness.hpp"
#include "raw_peer.hpp"

using namespace itest;

namespace {

// With the node's token: private messages show their text only with it.
std::optional<nlohmann::json> find_chat(Daemon& d, const std::string& text) {
    auto j = d.call("GET", "/msg/chat?limit=200").json();
    if (!j.is_object()) return std::nullopt;
    for (const auto& m : j["messages"])
        if (m.value("payload", "") == text) return m;
    return std::nullopt;
}

std::optional<nlohmann::json> find_key(Daemon& d, const std::string& signing_id) {
    auto j = d.get("/msg/keys").json();
    if (!j.is_object()) return std::nullopt;
    for (const auto& k : j["keys"])
        if (k.value("signing_id", "") == signing_id) return k;
    return std::nullopt;
}

int cli(const std::vector<std::string>& args, const std::string& input = "") {
    std::string cmd;
    if (!input.empty()) cmd = "printf '%s\\n' '" + input + "' | ";
    cmd += SHAREMSG_CLI_PATH;
    for (const auto& a : args)
        cmd += " '" + a + "'";
    cmd += " >/dev/null 2>&1";
    const int st = std::system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

TEST(TwoNodes, ChatBanAndRotation) {
    const auto dir = test_dir("two-nodes");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const auto k0 = test_signing_key(9, 0), k1 = test_signing_key(9, 1);
    auto flags = key_flags(k0);
    flags.insert(flags.end(), {"--share-period", "0.3"});
    ASSERT_TRUE(a.start(flags)) << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();
    const std::vector<std::string> api_a{"--api", "127.0.0.1:" + std::to_string(a.web_port),
                                         "--datadir", a.datadir().string()};
    auto on_a = [&](std::vector<std::string> args) {
        args.insert(args.end(), api_a.begin(), api_a.end());
        return args;
    };

    const std::string text = "hello B, from A " + std::to_string(::getpid());
    ASSERT_EQ(cli(on_a({"send", text})), 0);
    ASSERT_TRUE(
        wait_until([&] { return find_chat(b, text).has_value(); }, std::chrono::seconds(60)))
        << "B never showed the chat\nA:\n"
        << a.log() << "\nB:\n"
        << b.log();
    auto m = *find_chat(b, text);
    EXPECT_TRUE(m["verified"].get<bool>());
    EXPECT_EQ(m["sender_address"], k0.address);
    EXPECT_EQ(m["signing_id"], k0.signing_id);
    EXPECT_EQ(a.get("/msg/identity").json()["address"], k0.address);

    // B's key view: A's key, bound to A's address.
    auto key = find_key(b, k0.signing_id);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ((*key)["miner_address"], k0.address);
    EXPECT_FALSE((*key)["revoked"].get<bool>());

    // A ban on B hides A's messages on B only.
    auto ban = b.call("POST", "/msg/ban", R"({"signing_id":")" + k0.signing_id + "\"}");
    ASSERT_EQ(ban.status, 200) << ban.body;
    EXPECT_FALSE(find_chat(b, text).has_value());
    EXPECT_TRUE(find_chat(a, text).has_value());
    ASSERT_EQ(b.call("DELETE", "/msg/ban", R"({"signing_id":")" + k0.signing_id + "\"}").status,
              200);
    EXPECT_TRUE(find_chat(b, text).has_value());

    // Rotation on A: B shows the old key revoked; the earlier message stays verified.
    ASSERT_EQ(cli(on_a({"rotate-key", "--key-index", "1", "--delegation", k1.delegation}), k1.wif),
              0)
        << a.log();
    const std::string after = "after rotation " + std::to_string(::getpid());
    ASSERT_EQ(cli(on_a({"send", after})), 0);
    ASSERT_TRUE(wait_until(
        [&] {
            auto old_key = find_key(b, k0.signing_id);
            return old_key && (*old_key)["revoked"].get<bool>() && find_chat(b, after);
        },
        std::chrono::seconds(60)))
        << b.get("/msg/keys").body << "\nA:\n"
        << a.log();
    EXPECT_EQ((*find_chat(b, after))["signing_id"], k1.signing_id);
    EXPECT_TRUE((*find_chat(b, after))["verified"].get<bool>());
    EXPECT_TRUE((*find_chat(b, text))["verified"].get<bool>());
    auto new_key = find_key(b, k1.signing_id);
    ASSERT_TRUE(new_key.has_value());
    EXPECT_FALSE((*new_key)["revoked"].get<bool>());
}

TEST(TwoNodes, PrivateMessageOnlyTheRecipientReads) {
    const auto dir = test_dir("private");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b"), c(SHAREMSGD_PATH, dir / "c");
    const auto ka = test_signing_key(11), kb = test_signing_key(12);
    auto fa = key_flags(ka);
    fa.insert(fa.end(), {"--share-period", "0.3"});
    ASSERT_TRUE(a.start(fa)) << a.log();
    // B mines too: its shares carry the announcement of its key, which A needs to encrypt.
    auto fb = key_flags(kb);
    fb.insert(fb.end(),
              {"--share-period", "0.3", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)});
    ASSERT_TRUE(b.start(fb)) << b.log();
    ASSERT_TRUE(c.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << c.log();
    ASSERT_TRUE(wait_until([&] { return find_key(a, kb.signing_id).has_value(); },
                           std::chrono::seconds(60)))
        << a.get("/msg/keys").body << "\nB:\n"
        << b.log();

    // An unknown recipient is refused at once.
    auto unknown = a.call("POST", "/msg/send",
                          R"({"type":"chat","text":"x","to":")" + std::string(40, 'a') + "\"}");
    EXPECT_EQ(unknown.status, 400) << unknown.body;

    const std::string secret = "for B only " + std::to_string(::getpid());
    auto r = a.call("POST", "/msg/send",
                    R"({"type":"chat","text":")" + secret + R"(","to":")" + kb.signing_id + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string hash = r.json()["message_hash"];

    auto find_by_hash = [&](Daemon& d) -> std::optional<nlohmann::json> {
        auto j = d.get("/msg/chat?limit=200").json();
        if (!j.is_object()) return std::nullopt;
        for (const auto& m : j["messages"])
            if (m.value("private", false) && m.value("signing_id", "") == ka.signing_id &&
                (m.value("payload", "") == secret || m.value("payload", "") == "[encrypted]"))
                return m;
        return std::nullopt;
    };
    ASSERT_TRUE(
        wait_until([&] { return find_chat(b, secret).has_value(); }, std::chrono::seconds(60)))
        << "B never read it\nA:\n"
        << a.log() << "\nB:\n"
        << b.log();
    auto at_b = *find_chat(b, secret);
    EXPECT_TRUE(at_b["private"].get<bool>());
    EXPECT_EQ(at_b["to"], kb.signing_id);
    EXPECT_TRUE(at_b["verified"].get<bool>());
    EXPECT_EQ(at_b["message_hash"], hash);  // the hash the sender was given
    ASSERT_TRUE(wait_until([&] { return find_by_hash(c).has_value(); }, std::chrono::seconds(60)))
        << c.get("/msg/chat").body;
    auto at_c = *find_by_hash(c);
    EXPECT_EQ(at_c["payload"], "[encrypted]");
    EXPECT_EQ(at_c["to"], kb.signing_id);
    EXPECT_EQ(c.get("/msg/chat?limit=200").body.find(secret), std::string::npos);
    // The sender's node holds the sender's key: it reads its own message.
    ASSERT_TRUE(
        wait_until([&] { return find_chat(a, secret).has_value(); }, std::chrono::seconds(30)));

    // After a restart the recipient still shows it as private, to B (the database keeps the
    // recipient).
    ASSERT_EQ(b.stop(), 0);
    ASSERT_TRUE(b.start(fb)) << b.log();
    auto again = find_chat(b, secret);
    ASSERT_TRUE(again.has_value()) << b.get("/msg/chat").body;
    EXPECT_TRUE((*again)["private"].get<bool>());
    EXPECT_EQ((*again)["to"], kb.signing_id);

    // B rotates its key and restarts: the node keeps the keys it used, so it still reads the
    // message sent to the old one (and shows it once, not again as "[encrypted]" when the
    // window is applied to the ledger anew).
    const auto kb1 = test_signing_key(12, 1);
    const std::vector<std::string> api_b{"--api", "127.0.0.1:" + std::to_string(b.web_port),
                                         "--datadir", b.datadir().string()};
    std::vector<std::string> rotate{"rotate-key", "--key-index", "1", "--delegation",
                                    kb1.delegation};
    rotate.insert(rotate.end(), api_b.begin(), api_b.end());
    ASSERT_EQ(cli(rotate, kb1.wif), 0) << b.log();
    ASSERT_EQ(b.stop(), 0);
    ASSERT_TRUE(b.start(fb)) << b.log();
    EXPECT_EQ(b.get("/msg/identity").json()["signing_id"], kb1.signing_id);
    auto private_on_b = [&] {
        std::vector<std::string> payloads;
        const auto chat = b.call("GET", "/msg/chat?limit=200").json();
        for (const auto& m : chat["messages"])
            if (m.value("private", false) && m.value("to", "") == kb.signing_id)
                payloads.push_back(m.value("payload", ""));
        return payloads;
    };
    EXPECT_EQ(private_on_b(), std::vector<std::string>{secret})
        << b.get("/msg/chat?limit=200").body;
}

namespace {

// Text of `n` bytes that says where each part of it came from.
std::string long_text(std::size_t n, const std::string& tag) {
    std::string s;
    while (s.size() < n)
        s += tag + " part " + std::to_string(s.size()) + "; ";
    s.resize(n);
    return s;
}

std::size_t count_payload(Daemon& d, const std::string& text) {
    auto j = d.call("GET", "/msg/recent?limit=200").json();
    std::size_t n = 0;
    if (j.is_object())
        for (const auto& m : j["messages"])
            n += m.value("payload", "") == text;
    return n;
}

std::optional<nlohmann::json> outbox_entry(Daemon& d, const std::string& hash) {
    auto j = d.call("GET", "/msg/outbox").json();
    if (!j.is_object()) return std::nullopt;
    for (const auto& e : j["entries"])
        if (e.value("message_hash", "") == hash) return e;
    return std::nullopt;
}

}  // namespace

// A 1,500-byte chat message and a 1,000-byte private one go out in fragments over
// consecutive shares of A and arrive on B once, whole and verified; B mines too, so the
// chains race and fragments may have to be resent after a reorg.
TEST(TwoNodes, LongMessagesTravelInFragments) {
    const auto dir = test_dir("fragments");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const auto ka = test_signing_key(21), kb = test_signing_key(22);
    auto fa = key_flags(ka);
    fa.insert(fa.end(), {"--share-period", "0.2"});
    ASSERT_TRUE(a.start(fa)) << a.log();
    auto fb = key_flags(kb);
    fb.insert(fb.end(),
              {"--share-period", "1", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)});
    ASSERT_TRUE(b.start(fb)) << b.log();
    ASSERT_TRUE(wait_until([&] { return find_key(a, kb.signing_id).has_value(); },
                           std::chrono::seconds(60)))
        << a.get("/msg/keys").body;

    const std::string text = long_text(1500, "chat " + std::to_string(::getpid()));
    auto no_opt_in = a.call("POST", "/msg/send", R"({"type":"chat","text":")" + text + "\"}");
    EXPECT_EQ(no_opt_in.status, 400) << no_opt_in.body;
    EXPECT_EQ(no_opt_in.json().value("error", ""), "text too long");
    auto too_long = a.call("POST", "/msg/send",
                           R"({"type":"chat","fragment":true,"text":")" + text + text + "\"}");
    EXPECT_EQ(too_long.status, 400) << too_long.body;

    auto r =
        a.call("POST", "/msg/send", R"({"type":"chat","fragment":true,"text":")" + text + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string hash = r.json()["message_hash"];
    const std::string secret = long_text(1000, "secret " + std::to_string(::getpid()));
    auto p = a.call("POST", "/msg/send",
                    R"({"type":"chat","fragment":true,"text":")" + secret + R"(","to":")" +
                        kb.signing_id + "\"}");
    ASSERT_EQ(p.status, 200) << p.body;

    ASSERT_TRUE(
        wait_until([&] { return find_chat(b, text).has_value(); }, std::chrono::seconds(120)))
        << "B never showed it\nA:\n"
        << a.log().substr(0, 200000);
    auto at_b = *find_chat(b, text);
    EXPECT_TRUE(at_b["verified"].get<bool>());
    EXPECT_EQ(at_b["sender_address"], ka.address);
    EXPECT_EQ(at_b["message_hash"], hash);  // the hash the sender was given
    EXPECT_EQ(count_payload(b, text), 1u);

    ASSERT_TRUE(
        wait_until([&] { return find_chat(b, secret).has_value(); }, std::chrono::seconds(120)))
        << "B never read the private one\nA:\n"
        << a.log().substr(0, 200000);
    auto private_at_b = *find_chat(b, secret);
    EXPECT_TRUE(private_at_b["private"].get<bool>());
    EXPECT_EQ(private_at_b["to"], kb.signing_id);
    EXPECT_TRUE(private_at_b["verified"].get<bool>());

    // A's outbox shows the long message embedded; A shows it too, once.
    ASSERT_TRUE(wait_until(
        [&] {
            auto e = outbox_entry(a, hash);
            return e && (*e)["state"] == "embedded";
        },
        std::chrono::seconds(30)));
    ASSERT_TRUE(wait_until([&] { return count_payload(a, text) == 1; }, std::chrono::seconds(30)));
    EXPECT_EQ(count_payload(b, text), 1u);
    auto entry = *outbox_entry(a, hash);
    EXPECT_TRUE(entry["detail"].is_null()) << entry;
    EXPECT_EQ(entry["fragments"], (nlohmann::json{{"sent", 7}, {"total", 7}})) << entry;
}

// A killed half-way through a fragmented message starts its fragments again after the
// restart; B shows the message once, whole.
TEST(TwoNodes, FragmentsStartAgainAfterAKill) {
    const auto dir = test_dir("fragments-kill");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const auto ka = test_signing_key(23);
    auto fa = key_flags(ka);
    fa.insert(fa.end(), {"--share-period", "0.2", "--status-interval", "0"});
    ASSERT_TRUE(a.start(fa)) << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();

    const std::string text = long_text(1500, "survivor " + std::to_string(::getpid()));
    auto r =
        a.call("POST", "/msg/send", R"({"type":"chat","fragment":true,"text":")" + text + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(
        wait_until([&] { return a.log().find(": fragment 2 of 7 in share") != std::string::npos; },
                   std::chrono::seconds(120)))
        << a.log().substr(0, 200000);
    a.kill9();
    EXPECT_EQ(count_payload(b, text), 0u);
    ASSERT_TRUE(a.start(fa)) << a.log();
    ASSERT_TRUE(
        wait_until([&] { return find_chat(b, text).has_value(); }, std::chrono::seconds(120)))
        << "B never showed it\nA:\n"
        << a.log().substr(0, 200000);
    EXPECT_TRUE((*find_chat(b, text))["verified"].get<bool>());
    EXPECT_EQ(count_payload(b, text), 1u);
    // The fragments went again from the first after the restart.
    const std::string log = a.log();
    std::size_t firsts = 0;
    for (auto pos = log.find("fragment 1 of 7 in share"); pos != std::string::npos;
         pos = log.find("fragment 1 of 7 in share", pos + 1))
        ++firsts;
    EXPECT_GE(firsts, 2u) << log.substr(0, 200000);
}

// --sacrifice-every: A mines every second share for the devnet's donation address, tagged
// with its signing id; B's ledger credits A for each, and ignores none of the tags. A chat
// message still gets through.
TEST(TwoNodes, SacrificeSharesCreditTheirSigner) {
    const auto dir = test_dir("sacrifice");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b"),
        keyless(SHAREMSGD_PATH, dir / "keyless");
    // Without a signing key there is nothing to tag: refused at start, with the reason.
    EXPECT_FALSE(keyless.start({"--sacrifice-every", "2"}));
    EXPECT_NE(keyless.log().find("--sacrifice-every needs"), std::string::npos) << keyless.log();

    const auto ka = test_signing_key(25);
    auto fa = key_flags(ka);
    fa.insert(fa.end(), {"--share-period", "0.2", "--sacrifice-every", "2"});
    ASSERT_TRUE(a.start(fa)) << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();
    auto r = a.call("POST", "/msg/send", R"({"type":"chat","text":"sacrifice works"})");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(wait_until([&] { return b.metric("sharemsg_open_sacrifice_credits_total") >= 5; },
                           std::chrono::seconds(60)))
        << b.get("/metrics").body;
    EXPECT_GE(a.metric("sharemsg_sacrifice_shares_mined_total"), 5);
    EXPECT_EQ(b.metric("sharemsg_open_ignored_total{reason=\"sacrifice_ignored\"}"), -1)
        << b.get("/metrics").body;
    ASSERT_TRUE(wait_until([&] { return find_chat(b, "sacrifice works").has_value(); },
                           std::chrono::seconds(60)));
    EXPECT_EQ((*find_chat(b, "sacrifice works"))["sender_address"], ka.address);
}

// A node that joins after the sender announced its key more than a window ago learns the key
// from the window alone (the sender announces it again within every half window), though it
// hears of the newest share first and gets its parents after: its ledger takes the window
// oldest first once the parents arrive, with the budget the sender's shares earned in it, so
// the sender's next message is accepted in the very next share (the ledger used to see only
// the shares from the first tip on: the key unknown until the next re-announcement, then a
// budget of a share or two, the message ignored as over budget).
TEST(TwoNodes, LateJoinerLearnsTheKeyFromTheWindow) {
    const auto dir = test_dir("late-joiner");
    Daemon a(SHAREMSGD_PATH, dir / "a"), c(SHAREMSGD_PATH, dir / "c");
    const auto ka = test_signing_key(26);
    auto fa = key_flags(ka);
    fa.insert(fa.end(), {"--share-period", "0.05", "--status-interval", "0"});
    ASSERT_TRUE(a.start(fa)) << a.log();
    // Past the devnet window of 400 shares; then A stops mining, so the chain stands still.
    ASSERT_TRUE(wait_until([&] { return a.metric("sharemsg_shares_mined_total") >= 450; },
                           std::chrono::seconds(120)));
    ASSERT_EQ(a.stop(), 0);
    auto idle = fa;
    idle.insert(idle.end(), {"--mine", "false"});
    ASSERT_TRUE(a.start(idle)) << a.log();
    const auto tip = a.get("/health").json()["best_share"];

    // C hears of the tip first, alone (as a syncing node hears of a share just mined), then
    // gets its parents from A. Alone, the tip cannot be checked against the chain's
    // difficulty (too few ancestors known): C holds it, pending, and has no best share yet.
    {
        RawPeer from_a(a.p2p_port);
        ASSERT_TRUE(from_a.handshake());
        const auto share = from_a.fetch_share(tip.get<std::string>());
        ASSERT_TRUE(share);
        ASSERT_TRUE(c.start({"--mine", "false"})) << c.log();
        RawPeer to_c(c.p2p_port);
        ASSERT_TRUE(to_c.handshake());
        ASSERT_TRUE(to_c.send(sharemsg::p2p::Shares{{*share}}));
        ASSERT_TRUE(wait_until([&] { return c.get("/health").json().value("shares", 0) == 1; },
                               std::chrono::seconds(10)))
            << c.log();
        EXPECT_TRUE(c.get("/health").json()["best_share"].is_null());
        ASSERT_EQ(c.stop(), 0);
    }
    ASSERT_TRUE(c.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << c.log();
    // Synced: the tip's ancestors are known, so its difficulty is checked and it is C's best
    // share (holding 400 shares is not enough: the tip needs 400 ancestors, or the first share).
    ASSERT_TRUE(wait_until(
        [&] {
            const auto h = c.get("/health").json();
            return h.value("shares", 0) >= 400 && h["best_share"] == tip;
        },
        std::chrono::seconds(60)))
        << c.get("/health").body;
    // Synced, and no share has come since: the window alone taught C the key.
    ASSERT_TRUE(wait_until([&] { return find_key(c, ka.signing_id).has_value(); },
                           std::chrono::seconds(10)))
        << c.get("/msg/keys").body;

    // A message queued while A does not mine goes out in A's first share after it mines again.
    auto r = a.call("POST", "/msg/send", R"({"type":"chat","text":"hello late joiner"})");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(a.stop(), 0);
    auto slow = key_flags(ka);
    slow.insert(slow.end(), {"--share-period", "0.5", "--status-interval", "0"});
    ASSERT_TRUE(a.start(slow)) << a.log();
    ASSERT_TRUE(wait_until([&] { return find_chat(c, "hello late joiner").has_value(); },
                           std::chrono::seconds(60)))
        << c.get("/metrics").body;
    EXPECT_TRUE((*find_chat(c, "hello late joiner"))["verified"].get<bool>());
    EXPECT_EQ(c.get("/metrics").body.find("over_budget"), std::string::npos);
}
