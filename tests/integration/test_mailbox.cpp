// The mailbox role of real sharemsgd processes (--devnet --mailbox, mining shares that pay
// the test identities' master), on SQLite and on PostgreSQL (a server the test starts):
// register, send, the subscribe stream, get and ack; every refusal by name; a restart keeps
// the messages, kill -9 under a load of sends loses none that was answered 200, and the
// database files hold no plaintext.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "../unit/test_mailbox_server_util.hpp"
#include "../unit/test_relay_pg.hpp"
#include "harness.hpp"
#include "mailbox/seal.hpp"

using namespace itest;
using namespace sharemsg;
using mailbox::Op;
using mailbox_test::own;
using mailbox_test::registration;
using mailbox_test::request;
using mailbox_test::sealed;
using relay_test::identity;
using J = nlohmann::json;

namespace {

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

class Mailbox : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        for (auto& c : name)
            if (c == '/') c = '_';
        dir_ = test_dir("mailbox-" + name);
        if (GetParam() == "postgresql") {
            std::string why;
            auto* pg = relay_test::shared_pg_server(why);
            ASSERT_NE(pg, nullptr) << "PostgreSQL could not start: " << why;
            static int databases = 0;
            db_flags_ = {"--mailbox-db", pg->new_database("m" + std::to_string(++databases))};
        }
    }

    std::vector<std::string> flags(std::vector<std::string> extra = {}) const {
        std::vector<std::string> args{"--mailbox", "--share-period", "0.3", "--address",
                                      to_hex(identity(1).master_hash())};
        args.insert(args.end(), db_flags_.begin(), db_flags_.end());
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    // A mailbox that mines shares paying identity 1's master: alice (key 0) and bob (key 1)
    // are authorized.
    std::unique_ptr<Daemon> mailbox(std::vector<std::string> extra = {}) {
        auto d = std::make_unique<Daemon>(SHAREMSGD_PATH, dir_ / "mailbox");
        EXPECT_TRUE(d->start(flags(std::move(extra)))) << d->log();
        return d;
    }
    static bool authorized_window(Daemon& d) {
        return wait_until(
            [&] { return d.get("/mailbox/health").json().value("window_payouts", 0) >= 1; },
            std::chrono::seconds(30));
    }
    static HttpResult post(Daemon& d, const std::string& path, const mailbox::Request& r) {
        return http_request(d.web_port, "POST", path, mailbox::encode_request(r));
    }
    static std::string error_of(const HttpResult& r) { return r.json().value("error", ""); }
    // Registers alice and bob.
    void register_both(Daemon& d) {
        ASSERT_TRUE(authorized_window(d));
        for (const auto* id : {&alice_, &bob_}) {
            auto r = post(d, "/mailbox/register", registration(*id, unix_now()));
            ASSERT_EQ(r.status, 200) << r.body;
        }
    }

    fs::path dir_;
    std::vector<std::string> db_flags_;
    const relay_test::Identity alice_ = identity(1, 0);
    const relay_test::Identity bob_ = identity(1, 1);
};

}  // namespace

TEST_P(Mailbox, RegisterSendGetAck) {
    auto d = mailbox();
    register_both(*d);
    const auto msg = request(alice_, Op::send, bob_.key.pubkey(), unix_now(), sealed(500));
    auto stored = post(*d, "/mailbox/send", msg);
    ASSERT_EQ(stored.status, 200) << stored.body;
    EXPECT_EQ(stored.json()["status"], "stored");
    EXPECT_EQ(stored.json()["id"], 1);

    auto got = post(*d, "/mailbox/get", own(bob_, Op::get, unix_now(), 1));
    ASSERT_EQ(got.status, 200) << got.body;
    auto s = mailbox::decode_stored(got.body);
    ASSERT_TRUE(s.ok()) << s.failure().detail;
    EXPECT_EQ(s->message, msg);
    auto acked = post(*d, "/mailbox/ack", own(bob_, Op::ack, unix_now(), 1));
    ASSERT_EQ(acked.status, 200) << acked.body;
    EXPECT_EQ(acked.json()["count"], 1);
    EXPECT_EQ(error_of(post(*d, "/mailbox/get", own(bob_, Op::get, unix_now(), 1))), "not_found");

    auto health = d->get("/mailbox/health").json();
    EXPECT_EQ(health["backend"], GetParam());
    EXPECT_EQ(d->metric("sharemsg_mailbox_requests_total{endpoint=\"send\",result=\"stored\"}"), 1);
    EXPECT_EQ(d->metric("sharemsg_mailbox_requests_total{endpoint=\"register\",result="
                        "\"registered\"}"),
              2);
    // A challenge: 32 hex digits, good for five minutes.
    auto c = d->get("/mailbox/challenge").json();
    EXPECT_EQ(c["challenge"].get<std::string>().size(), 32u);
    EXPECT_NEAR(c["expires"].get<double>(), static_cast<double>(unix_now() + 300), 5);
}

TEST_P(Mailbox, EveryRefusalByName) {
    auto d = mailbox({"--mailbox-quota-messages", "2"});
    register_both(*d);
    const auto now = unix_now();
    const auto to = bob_.key.pubkey();
    const auto expect = [&](const mailbox::Request& r, int status, const std::string& error,
                            const char* path = "/mailbox/send") {
        auto a = post(*d, path, r);
        EXPECT_EQ(a.status, status) << error << ": " << a.body;
        EXPECT_EQ(error_of(a), error) << a.body;
        EXPECT_FALSE(a.json().value("detail", "").empty());
    };
    // Tampered signed fields: each breaks the signature.
    auto t1 = request(alice_, Op::send, to, now, sealed(10));
    t1.header.receiver_pubkey = alice_.key.pubkey();  // swapped receiver
    expect(t1, 401, "bad_signature");
    auto t2 = request(alice_, Op::send, to, now, sealed(10));
    t2.header.timestamp += 1;
    expect(t2, 401, "bad_signature");
    auto t3 = request(alice_, Op::send, to, now, sealed(10));
    t3.header.sender_nonce[0] ^= 1;
    expect(t3, 401, "bad_signature");
    auto t4 = request(alice_, Op::send, to, now, sealed(10));
    t4.header.sender_pubkey = bob_.key.pubkey();
    expect(t4, 401, "bad_signature");
    auto t5 = request(alice_, Op::send, to, now, sealed(10));
    t5.payload[3] ^= 1;
    expect(t5, 400, "bad_payload_hash");
    auto t6 = request(alice_, Op::send, to, now, sealed(10));
    t6.header.op = Op::get;
    expect(t6, 400, "bad_op");
    // Stale, unauthorized, not registered, unknown receiver, another network.
    expect(request(alice_, Op::send, to, now - 400, sealed(10)), 400, "stale");
    expect(registration(identity(3), now), 403, "unauthorized", "/mailbox/register");
    expect(request(identity(1, 2), Op::send, to, now, sealed(10)), 403, "not_registered");
    expect(request(alice_, Op::send, identity(1, 2).key.pubkey(), now, sealed(10)), 404,
           "unknown_receiver");
    expect(request(identity(1, 0, proto::open::NetworkId{1, 2, 3, 4, 5, 6, 7, 8}), Op::send, to,
                   now, sealed(10)),
           403, "wrong_network");
    // Replayed nonce.
    const auto once = request(alice_, Op::send, to, now, sealed(10));
    ASSERT_EQ(post(*d, "/mailbox/send", once).status, 200);
    expect(once, 409, "nonce_replayed");
    // Full quota (2 messages).
    ASSERT_EQ(post(*d, "/mailbox/send", request(alice_, Op::send, to, now, sealed(10))).status,
              200);
    expect(request(alice_, Op::send, to, now, sealed(10)), 507, "quota_full");
    // Oversize: a payload over MAX_PAYLOAD (in a body the HTTP layer lets through), and a body
    // over 96 KiB (the HTTP layer's 413).
    expect(request(alice_, Op::send, to, now, sealed(mailbox::MAX_PAYLOAD + 1)), 413, "too_large");
    auto huge = http_request(d->web_port, "POST", "/mailbox/send", std::string(97 * 1024, 'x'));
    EXPECT_EQ(huge.status, 413);
    // A bad challenge.
    mailbox::Challenge c{};
    c.fill(9);
    expect(registration(alice_, now, c), 403, "bad_challenge", "/mailbox/register");
    // Reading another's mailbox: the request names its own receiver, signed.
    auto other = own(alice_, Op::get, now, 1);
    other.header.receiver_pubkey = to;
    mailbox_test::resign(other, alice_);
    expect(other, 400, "bad_field", "/mailbox/get");
}

TEST_P(Mailbox, SubscribeStreamsTheStateThenEachNewId) {
    auto d = mailbox();
    register_both(*d);
    ASSERT_EQ(post(*d, "/mailbox/send",
                   request(alice_, Op::send, bob_.key.pubkey(), unix_now(), sealed(20)))
                  .status,
              200);
    EventStream s(d->web_port, "POST", "/mailbox/subscribe",
                  mailbox::encode_request(own(bob_, Op::subscribe, unix_now())));
    ASSERT_TRUE(s.wait_for("event: state\ndata: {\"lowest\":1,\"highest\":1}")) << s.text();
    EXPECT_NE(s.text().find("Content-Type: text/event-stream"), std::string::npos);
    for (int i = 2; i <= 3; ++i) {
        ASSERT_EQ(post(*d, "/mailbox/send",
                       request(alice_, Op::send, bob_.key.pubkey(), unix_now(), sealed(20)))
                      .status,
                  200);
        ASSERT_TRUE(s.wait_for("event: message\ndata: {\"id\":" + std::to_string(i) + "}"))
            << s.text();
    }
    EXPECT_EQ(d->metric("sharemsg_mailbox_subscribers"), 1);
    // A message for alice does not reach bob's stream; alice's subscribe is refused unsigned.
    auto bad = own(alice_, Op::subscribe, unix_now());
    bad.header.timestamp += 1;
    EXPECT_EQ(error_of(post(*d, "/mailbox/subscribe", bad)), "bad_signature");
}

TEST_P(Mailbox, RestartKeepsMessages) {
    auto d = mailbox();
    register_both(*d);
    const auto msg = request(alice_, Op::send, bob_.key.pubkey(), unix_now(), sealed(100));
    ASSERT_EQ(post(*d, "/mailbox/send", msg).status, 200);
    ASSERT_EQ(d->stop(), 0);
    ASSERT_TRUE(d->start(flags())) << d->log();
    auto got = post(*d, "/mailbox/get", own(bob_, Op::get, unix_now(), 1));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(mailbox::decode_stored(got.body)->message, msg);
    // The next id follows on.
    auto next = post(*d, "/mailbox/send",
                     request(alice_, Op::send, bob_.key.pubkey(), unix_now(), sealed(10)));
    EXPECT_EQ(next.json()["id"], 2);
}

TEST_P(Mailbox, KillNineUnderLoadLosesNoAcknowledgedMessage) {
    const std::vector<std::string> load{"--mailbox-rate-limit", "1000000",
                                        "--mailbox-quota-messages", "1000000"};
    auto d = mailbox(load);
    register_both(*d);
    std::mutex mu;
    std::set<std::uint64_t> acked;
    std::atomic<bool> dead{false};
    auto client = [&] {
        while (!dead) {
            auto r = post(*d, "/mailbox/send",
                          request(alice_, Op::send, bob_.key.pubkey(), unix_now(), sealed(200)));
            if (r.status == 0) return;
            if (r.status == 200) {
                std::lock_guard lk(mu);
                acked.insert(r.json()["id"].get<std::uint64_t>());
            }
        }
    };
    std::thread a(client), b(client);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    d->kill9();
    dead = true;
    a.join();
    b.join();
    ASSERT_GT(acked.size(), 0u);
    ASSERT_TRUE(d->start(flags(load))) << d->log();
    std::size_t missing = 0;
    for (auto id : acked) {
        auto got = post(*d, "/mailbox/get", own(bob_, Op::get, unix_now(), id));
        if (got.status != 200) ++missing;
    }
    EXPECT_EQ(missing, 0u);
    std::printf("[ measure  ] %zu messages acknowledged before kill -9 (%s); %zu lost\n",
                acked.size(), GetParam().c_str(), missing);
}

INSTANTIATE_TEST_SUITE_P(Backends, Mailbox, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

// Messages sealed end to end (mailbox/seal.hpp) are kept as ciphertext: no file of the
// mailbox's data directory (the database, its WAL, the log) holds the plaintext, as bytes or
// as hex, while the node runs and after kill -9; and the receiver opens what it gets.
TEST(MailboxFiles, NoPlaintextInTheDatabaseFiles) {
    const auto dir = test_dir("mailbox-no-plaintext");
    Daemon d(SHAREMSGD_PATH, dir / "mailbox");
    const std::vector<std::string> args{"--mailbox", "--share-period", "0.3", "--address",
                                        to_hex(identity(1).master_hash())};
    ASSERT_TRUE(d.start(args)) << d.log();
    ASSERT_TRUE(
        wait_until([&] { return d.get("/mailbox/health").json().value("window_payouts", 0) >= 1; },
                   std::chrono::seconds(30)));
    const auto alice = identity(1, 0), bob = identity(1, 1);
    for (const auto* id : {&alice, &bob})
        ASSERT_EQ(http_request(d.web_port, "POST", "/mailbox/register",
                               mailbox::encode_request(registration(*id, unix_now())))
                      .status,
                  200);
    const std::string marker = "PLAINTEXT-MARKER-the-mailbox-must-never-see-this";
    auto chain = mailbox::SendChain::start(alice.network, alice.key.privkey(), bob.key.pubkey());
    ASSERT_TRUE(chain.ok());
    for (int i = 0; i < 20; ++i) {
        auto sealed_text = chain->seal(as_bytes(marker + std::to_string(i)));
        ASSERT_TRUE(sealed_text.ok());
        auto r = http_request(d.web_port, "POST", "/mailbox/send",
                              mailbox::encode_request(request(alice, Op::send, bob.key.pubkey(),
                                                              unix_now(), *sealed_text)));
        ASSERT_EQ(r.status, 200) << r.body;
    }
    // The receiver opens message 1 from what the mailbox hands back.
    auto got = http_request(d.web_port, "POST", "/mailbox/get",
                            mailbox::encode_request(own(bob, Op::get, unix_now(), 1)));
    ASSERT_EQ(got.status, 200) << got.body;
    auto recv = mailbox::ReceiveChain::start(bob.network, bob.key.privkey(), alice.key.pubkey());
    ASSERT_TRUE(recv.ok());
    auto opened = recv->open(mailbox::decode_stored(got.body)->message.payload);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(std::string(opened->plaintext.begin(), opened->plaintext.end()), marker + "0");

    const std::string hex_marker = to_hex(as_bytes(marker));
    const auto scan = [&](const char* when) {
        std::size_t files = 0, bytes = 0;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            if (!e.is_regular_file()) continue;
            std::ifstream in(e.path(), std::ios::binary);
            const std::string content((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
            ++files;
            bytes += content.size();
            EXPECT_EQ(content.find(marker), std::string::npos) << e.path() << " " << when;
            EXPECT_EQ(content.find(hex_marker), std::string::npos) << e.path() << " " << when;
        }
        EXPECT_TRUE(fs::exists(dir / "mailbox" / "mailbox.sqlite"));
        std::printf("[ measure  ] %s: %zu files, %zu bytes scanned, no plaintext\n", when, files,
                    bytes);
    };
    scan("running");
    d.kill9();
    scan("after kill -9");
}

TEST(MailboxRole, EndpointsAreNotServedWithoutTheRole) {
    Daemon d(SHAREMSGD_PATH, test_dir("mailbox-not-enabled"));
    ASSERT_TRUE(d.start({})) << d.log();
    auto h = d.get("/mailbox/health");
    EXPECT_EQ(h.status, 404);
    EXPECT_EQ(h.json()["error"], "not_enabled");
    EXPECT_EQ(http_request(d.web_port, "POST", "/mailbox/send", "{}").json()["error"],
              "not_enabled");
}
