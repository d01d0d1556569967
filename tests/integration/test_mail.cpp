// The node's mail through a real mailbox (docs/mailbox.md, "The node's mail"): three sharemsgd
// processes on 127.0.0.1, a mailbox (--mailbox, mining shares that pay the master of both test
// identities, so both are authorized) and two nodes with --mailbox-url. A recipient that is
// offline comes back and finds every message once, in order; /mail/stream tells each new one;
// the mailbox keeps nothing once the recipient has fetched it.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "harness.hpp"

using namespace itest;
using namespace std::chrono_literals;
using J = nlohmann::json;

namespace {

class Mail : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = test_dir("mail");
        mailbox_ = std::make_unique<Daemon>(SHAREMSGD_PATH, dir_ / "mailbox");
        ASSERT_TRUE(mailbox_->start(
            {"--mailbox", "--share-period", "0.3", "--address", alice_.master_hash}))
            << mailbox_->log();
        alice_node_ = node("alice", alice_);
        bob_node_ = node("bob", bob_);
    }

    // A node of `key` using the mailbox.
    std::unique_ptr<Daemon> node(const std::string& name, const TestKey& key) {
        auto d = std::make_unique<Daemon>(SHAREMSGD_PATH, dir_ / name);
        EXPECT_TRUE(start(*d, key)) << d->log();
        return d;
    }
    bool start(Daemon& d, const TestKey& key) {
        std::vector<std::string> args{"--mailbox-url",
                                      "http://127.0.0.1:" + std::to_string(mailbox_->web_port)};
        for (const auto& f : key_flags(key))
            args.push_back(f);
        return d.start(args);
    }
    static bool registered(Daemon& d) {
        return wait_until(
            [&] { return d.call("GET", "/mail/status").json().value("registered", false); }, 60s);
    }
    static J messages(Daemon& d, const std::string& path) {
        const auto j = d.call("GET", path).json();
        return j.is_object() && j.contains("messages") ? j["messages"] : J::array();
    }
    static HttpResult send(Daemon& from, const TestKey& to, const std::string& text) {
        return from.call("POST", "/mail/send", J{{"to", to.signing_pubkey}, {"text", text}}.dump());
    }

    fs::path dir_;
    // Two identities of one master: the mailbox's shares authorize both.
    const TestKey alice_ = test_signing_key(1, 0);
    const TestKey bob_ = test_signing_key(1, 1);
    std::unique_ptr<Daemon> mailbox_, alice_node_, bob_node_;
};

TEST_F(Mail, AnOfflineRecipientComesBackToEveryMessageOnceInOrder) {
    ASSERT_TRUE(registered(*alice_node_)) << alice_node_->log();
    ASSERT_TRUE(registered(*bob_node_)) << bob_node_->log();
    // Bob goes away; Alice writes to him.
    EXPECT_EQ(bob_node_->stop(), 0);
    const int n = 5;
    for (int i = 0; i < n; ++i) {
        const auto r = send(*alice_node_, bob_, "message " + std::to_string(i));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.json()["sent"]["index"], i);
    }
    J out;
    EXPECT_TRUE(wait_until(
        [&] {
            out = messages(*alice_node_, "/mail/outbox?limit=10");
            if (out.size() != static_cast<std::size_t>(n)) return false;
            for (const auto& m : out)
                if (m["state"] != "deposited") return false;
            return true;
        },
        30s))
        << out.dump();
    EXPECT_TRUE(wait_until(
        [&] { return mailbox_->get("/mailbox/health").json().value("messages", 0) >= n; }, 10s))
        << mailbox_->get("/mailbox/health").body;

    // Bob comes back: every message once, in the order sent, through the mailbox.
    ASSERT_TRUE(start(*bob_node_, bob_)) << bob_node_->log();
    J inbox;
    EXPECT_TRUE(wait_until(
        [&] {
            inbox = messages(*bob_node_, "/mail/inbox?limit=50");
            return inbox.size() >= static_cast<std::size_t>(n);
        },
        60s))
        << inbox.dump() << bob_node_->log();
    ASSERT_EQ(inbox.size(), static_cast<std::size_t>(n)) << inbox.dump();
    for (int i = 0; i < n; ++i) {
        EXPECT_EQ(inbox[i]["text"], "message " + std::to_string(i));
        EXPECT_EQ(inbox[i]["index"], i);
        EXPECT_EQ(inbox[i]["from"], alice_.signing_pubkey);
        EXPECT_EQ(inbox[i]["path"], "mailbox");
    }
    const auto one = bob_node_->call("GET", "/mail/read/" + inbox[2]["id"].dump());
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.json()["text"], "message 2");

    // A new message while Bob listens: /mail/stream tells it, and it lands once.
    EventStream stream(bob_node_->web_port, "GET", "/mail/stream", "",
                       "Authorization: Bearer " + bob_node_->token() + "\r\n");
    ASSERT_TRUE(stream.wait_for("\r\n\r\n", 5s)) << stream.text();
    ASSERT_EQ(send(*alice_node_, bob_, "live").status, 200);
    EXPECT_TRUE(stream.wait_for("\"text\":\"live\"", 30s)) << stream.text();
    EXPECT_NE(stream.text().find("event: mail"), std::string::npos) << stream.text();
    // The mailbox keeps nothing it handed over (Bob acknowledged all of it).
    EXPECT_TRUE(wait_until(
        [&] { return mailbox_->get("/mailbox/health").json().value("messages", -1) == 0; }, 30s))
        << mailbox_->get("/mailbox/health").body;
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(messages(*bob_node_, "/mail/inbox?limit=50").size(), static_cast<std::size_t>(n + 1));
}

TEST_F(Mail, RepliesFlowBackAndARestartKeepsTheChains) {
    ASSERT_TRUE(registered(*alice_node_)) << alice_node_->log();
    ASSERT_TRUE(registered(*bob_node_)) << bob_node_->log();
    ASSERT_EQ(send(*alice_node_, bob_, "hello bob").status, 200);
    EXPECT_TRUE(wait_until([&] { return messages(*bob_node_, "/mail/inbox").size() == 1; }, 30s));
    ASSERT_EQ(send(*bob_node_, alice_, "hello alice").status, 200);
    EXPECT_TRUE(wait_until([&] { return messages(*alice_node_, "/mail/inbox").size() == 1; }, 30s));
    // Both restart; their chains go on where they were (index 1), and the receiving side
    // opens what follows.
    EXPECT_EQ(alice_node_->stop(), 0);
    EXPECT_EQ(bob_node_->stop(), 0);
    ASSERT_TRUE(start(*alice_node_, alice_)) << alice_node_->log();
    ASSERT_TRUE(start(*bob_node_, bob_)) << bob_node_->log();
    const auto r = send(*alice_node_, bob_, "after the restart");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["sent"]["index"], 1);
    J inbox;
    EXPECT_TRUE(wait_until(
        [&] {
            inbox = messages(*bob_node_, "/mail/inbox");
            return inbox.size() == 2;
        },
        60s))
        << inbox.dump() << bob_node_->log();
    ASSERT_EQ(inbox.size(), 2u);
    EXPECT_EQ(inbox[1]["text"], "after the restart");
    EXPECT_EQ(inbox[1]["index"], 1);
}

}  // namespace
