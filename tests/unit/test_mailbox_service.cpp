// The mailbox's service in-process, over a real SQLite file: every check of docs/
// mailbox-server.md in order (its refusal by name), the deposit/get/ack cycle, the
// subscription's state, the listener, the challenges, the quotas and the sweeps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>

#include <nlohmann/json.hpp>

#include "mailbox/service.hpp"
#include "test_mailbox_server_util.hpp"

using namespace sharemsg;
using namespace sharemsg::mailbox;
using mailbox_test::own;
using mailbox_test::registration;
using mailbox_test::request;
using mailbox_test::sealed;
using relay_test::identity;
using J = nlohmann::json;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

struct Got {
    unsigned status = 0;
    J json;
};

class MailboxServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::temp_directory_path() /
               ("sharemsg-mailbox-service-" + std::to_string(::getpid()) + "-" + info->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        opts_.network = proto::open::DEVNET_NETWORK_ID;
        opts_.quota = Quota{5, 4096};
        opts_.rate_per_minute = 10000;
        opts_.message_ttl = 1000;
        opts_.registration_ttl = 2000;
        start();
    }
    void TearDown() override {
        svc_.reset();
        std::filesystem::remove_all(dir_);
    }
    void start() {
        svc_.reset();
        auto store = open_mailbox_store("", (dir_ / "mailbox.sqlite").string());
        ASSERT_TRUE(store.ok()) << store.error().reason;
        svc_ = std::make_unique<Service>(opts_, std::move(*store), [this] { return now_.load(); });
        svc_->set_listener([this](const IdentityId& r, std::uint64_t id) {
            std::lock_guard lk(heard_mu_);
            heard_.emplace_back(r, id);
        });
        // Identity 1 (two keys) and identity 2 are paid in the window; 3 is not.
        svc_->window().replace({identity(1).master_hash(), identity(2).master_hash()});
        svc_->start();
    }

    template <class Post>
    Got call(Post post) {
        std::promise<Answer> p;
        post([&p](Answer a) { p.set_value(std::move(a)); });
        auto a = p.get_future().get();
        return {a.status, J::parse(a.body, nullptr, false)};
    }
    Got reg(const Request& r) {
        return call([&](AnswerFn f) { svc_->post_register(encode_request(r), source_, f); });
    }
    Got send(const Request& r) {
        return call([&](AnswerFn f) { svc_->post_send(encode_request(r), source_, f); });
    }
    Got send_raw(const std::string& body) {
        return call([&](AnswerFn f) { svc_->post_send(body, source_, f); });
    }
    Got get(const Request& r) {
        return call([&](AnswerFn f) { svc_->post_get(encode_request(r), source_, f); });
    }
    Got ack(const Request& r) {
        return call([&](AnswerFn f) { svc_->post_ack(encode_request(r), source_, f); });
    }
    std::variant<Answer, Subscribed> subscribe(const Request& r) {
        std::promise<std::variant<Answer, Subscribed>> p;
        svc_->post_subscribe(encode_request(r), source_, [&p](std::variant<Answer, Subscribed> v) {
            p.set_value(std::move(v));
        });
        return p.get_future().get();
    }
    static std::string error(const Got& g) { return g.json.value("error", ""); }
    std::uint64_t now() const { return static_cast<std::uint64_t>(now_.load()); }
    // Registers identity(1,0) (alice) and identity(1,1) (bob).
    void register_both() {
        ASSERT_EQ(reg(registration(alice_, now())).status, 200u);
        ASSERT_EQ(reg(registration(bob_, now())).status, 200u);
    }

    std::filesystem::path dir_;
    std::string source_ = "src";
    ServiceOptions opts_;
    std::atomic<double> now_{static_cast<double>(kNow)};
    std::unique_ptr<Service> svc_;
    std::mutex heard_mu_;
    std::vector<std::pair<IdentityId, std::uint64_t>> heard_;
    const relay_test::Identity alice_ = identity(1, 0);
    const relay_test::Identity bob_ = identity(1, 1);
};

TEST_F(MailboxServiceTest, RegisterByTimestampAndByChallenge) {
    auto ok = reg(registration(alice_, kNow - 3000));
    ASSERT_EQ(ok.status, 200u) << ok.json.dump();
    EXPECT_EQ(ok.json["status"], "registered");
    EXPECT_EQ(ok.json["signing_id"], alice_.signing_id());
    EXPECT_EQ(ok.json["expires"], kNow + 2000);

    auto stale = reg(registration(bob_, kNow - 3601));
    EXPECT_EQ(stale.status, 400u);
    EXPECT_EQ(error(stale), "stale");

    std::promise<Answer> p;
    svc_->challenge("src", [&p](Answer a) { p.set_value(std::move(a)); });
    const auto c = J::parse(p.get_future().get().body);
    EXPECT_EQ(c["expires"], kNow + 300);
    const auto challenge = *from_hex_fixed<16>(c["challenge"].get<std::string>());
    // With a challenge the timestamp may be anything; the challenge is used once.
    EXPECT_EQ(reg(registration(bob_, kNow - 90000, challenge)).status, 200u);
    auto again = reg(registration(bob_, kNow - 90000, challenge));
    EXPECT_EQ(again.status, 403u);
    EXPECT_EQ(error(again), "bad_challenge");
    Challenge made_up{};
    made_up.fill(7);
    EXPECT_EQ(error(reg(registration(bob_, kNow, made_up))), "bad_challenge");
}

TEST_F(MailboxServiceTest, RegisterRefusals) {
    // Not paid in the window.
    auto unpaid = reg(registration(identity(3), kNow));
    EXPECT_EQ(unpaid.status, 403u);
    EXPECT_EQ(error(unpaid), "unauthorized");
    // Replayed as it was.
    const auto r = registration(alice_, kNow);
    ASSERT_EQ(reg(r).status, 200u);
    auto replay = reg(r);
    EXPECT_EQ(replay.status, 409u);
    EXPECT_EQ(error(replay), "nonce_replayed");
    // The wrong op at this endpoint, a receiver other than the sender, another network.
    EXPECT_EQ(error(reg(own(alice_, Op::subscribe, kNow))), "bad_op");
    auto other = registration(alice_, kNow);
    other.header.receiver_pubkey = bob_.key.pubkey();
    mailbox_test::resign(other, alice_);
    EXPECT_EQ(error(reg(other)), "bad_field");
    auto net = registration(alice_, kNow);
    net.header.network[0] ^= 1;
    mailbox_test::resign(net, alice_);
    EXPECT_EQ(error(reg(net)), "wrong_network");
    // A delegation of another key.
    auto args = *decode_register_args(registration(alice_, kNow).payload);
    args.delegation = bob_.delegation;
    auto forged = request(alice_, Op::register_identity, alice_.key.pubkey(), kNow,
                          encode_register_args(args));
    EXPECT_EQ(error(reg(forged)), "bad_delegation");
    // A signature that does not verify.
    auto tampered = registration(alice_, kNow);
    tampered.header.timestamp += 1;
    EXPECT_EQ(error(reg(tampered)), "bad_signature");
}

TEST_F(MailboxServiceTest, SendGetAckCycle) {
    register_both();
    const auto msg = request(alice_, Op::send, bob_.key.pubkey(), kNow, sealed(300));
    auto stored = send(msg);
    ASSERT_EQ(stored.status, 200u) << stored.json.dump();
    EXPECT_EQ(stored.json["status"], "stored");
    EXPECT_EQ(stored.json["id"], 1);
    EXPECT_EQ(send(request(alice_, Op::send, bob_.key.pubkey(), kNow, sealed(10))).json["id"], 2);
    {
        std::lock_guard lk(heard_mu_);
        ASSERT_EQ(heard_.size(), 2u);
        EXPECT_EQ(heard_[0].first, bob_.key.signing_id());
        EXPECT_EQ(heard_[1].second, 2u);
    }
    auto sub = subscribe(own(bob_, Op::subscribe, kNow));
    ASSERT_TRUE(std::holds_alternative<Subscribed>(sub));
    EXPECT_EQ(std::get<Subscribed>(sub).state, (BoxState{1, 2}));

    auto got = get(own(bob_, Op::get, kNow, 1));
    ASSERT_EQ(got.status, 200u) << got.json.dump();
    auto s = decode_stored(got.json.dump());
    ASSERT_TRUE(s.ok()) << s.failure().detail;
    EXPECT_EQ(s->id, 1u);
    EXPECT_EQ(s->received, kNow);
    EXPECT_EQ(s->message, msg);
    EXPECT_TRUE(signature_ok(s->message.header));
    // Alice cannot read Bob's mailbox: her get names her own.
    EXPECT_EQ(get(own(alice_, Op::get, kNow, 1)).status, 404u);

    auto acked = ack(own(bob_, Op::ack, kNow, 1));
    ASSERT_EQ(acked.status, 200u);
    EXPECT_EQ(acked.json["status"], "deleted");
    EXPECT_EQ(acked.json["count"], 1);
    auto gone = get(own(bob_, Op::get, kNow, 1));
    EXPECT_EQ(gone.status, 404u);
    EXPECT_EQ(error(gone), "not_found");
    EXPECT_EQ(std::get<Subscribed>(subscribe(own(bob_, Op::subscribe, kNow))).state,
              (BoxState{2, 2}));
    // A get replayed as it was is refused.
    const auto g = own(bob_, Op::get, kNow, 2);
    EXPECT_EQ(get(g).status, 200u);
    EXPECT_EQ(error(get(g)), "nonce_replayed");
}

TEST_F(MailboxServiceTest, SendRefusals) {
    register_both();
    const auto to = bob_.key.pubkey();
    // The sender is not registered (identity 2 is authorized but did not register).
    auto unreg = send(request(identity(2), Op::send, to, kNow, sealed(5)));
    EXPECT_EQ(unreg.status, 403u);
    EXPECT_EQ(error(unreg), "not_registered");
    // The receiver is not registered here.
    auto unknown = send(request(alice_, Op::send, identity(2).key.pubkey(), kNow, sealed(5)));
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_EQ(error(unknown), "unknown_receiver");
    // Stale either way.
    EXPECT_EQ(error(send(request(alice_, Op::send, to, kNow - 301, sealed(5)))), "stale");
    EXPECT_EQ(error(send(request(alice_, Op::send, to, kNow + 301, sealed(5)))), "stale");
    // Replayed.
    const auto m = request(alice_, Op::send, to, kNow, sealed(5));
    EXPECT_EQ(send(m).status, 200u);
    auto replay = send(m);
    EXPECT_EQ(replay.status, 409u);
    EXPECT_EQ(error(replay), "nonce_replayed");
    // Tampered: the receiver swapped (to alice) without re-signing; the payload changed.
    auto swapped = request(alice_, Op::send, to, kNow, sealed(5));
    swapped.header.receiver_pubkey = alice_.key.pubkey();
    EXPECT_EQ(error(send(swapped)), "bad_signature");
    auto payload = request(alice_, Op::send, to, kNow, sealed(5));
    payload.payload[0] ^= 1;
    EXPECT_EQ(error(send(payload)), "bad_payload_hash");
    // The wrong op, a message id, oversize.
    EXPECT_EQ(error(send(request(alice_, Op::get, to, kNow))), "bad_op");
    EXPECT_EQ(error(send(request(alice_, Op::send, to, kNow, sealed(5), 3))), "bad_field");
    auto big = send(request(alice_, Op::send, to, kNow, sealed(MAX_PAYLOAD + 1)));
    EXPECT_EQ(big.status, 413u);
    EXPECT_EQ(error(big), "too_large");
    EXPECT_EQ(error(send_raw(std::string(MAX_BODY + 1, ' '))), "too_large");
    EXPECT_EQ(error(send_raw("{")), "bad_json");
}

TEST_F(MailboxServiceTest, QuotaOfMessagesAndBytes) {
    register_both();
    const auto to = bob_.key.pubkey();
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(send(request(alice_, Op::send, to, kNow, sealed(10))).status, 200u);
    auto full = send(request(alice_, Op::send, to, kNow, sealed(10)));
    EXPECT_EQ(full.status, 507u);
    EXPECT_EQ(error(full), "quota_full");
    ASSERT_EQ(ack(own(bob_, Op::ack, kNow, 5)).json["count"], 5);
    EXPECT_EQ(send(request(alice_, Op::send, to, kNow, sealed(4000))).status, 200u);
    EXPECT_EQ(error(send(request(alice_, Op::send, to, kNow, sealed(100)))), "quota_full");
}

TEST_F(MailboxServiceTest, RateLimitsPerIdentity) {
    opts_.rate_per_minute = 3;
    start();
    ASSERT_EQ(reg(registration(alice_, kNow)).status, 200u);
    ASSERT_EQ(reg(registration(bob_, kNow)).status, 200u);
    const auto to = bob_.key.pubkey();
    // Alice's budget: one went to her registration; two more sends, then 429, whatever
    // address she sends from.
    source_ = "a";
    EXPECT_EQ(send(request(alice_, Op::send, to, kNow, sealed(1))).status, 200u);
    source_ = "b";
    EXPECT_EQ(send(request(alice_, Op::send, to, kNow, sealed(1))).status, 200u);
    source_ = "c";
    auto limited = send(request(alice_, Op::send, to, kNow, sealed(1)));
    EXPECT_EQ(limited.status, 429u);
    EXPECT_EQ(error(limited), "rate_limited");
}

TEST_F(MailboxServiceTest, RateLimitsPerSource) {
    opts_.rate_per_minute = 3;
    start();
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(call([&](AnswerFn f) { svc_->challenge("x", f); }).status, 200u);
    auto limited = call([&](AnswerFn f) { svc_->challenge("x", f); });
    EXPECT_EQ(limited.status, 429u);
    EXPECT_EQ(error(limited), "rate_limited");
    // Signed requests from that address are refused before they are read.
    EXPECT_EQ(call([&](AnswerFn f) { svc_->post_send("{", "x", f); }).status, 429u);
    EXPECT_EQ(call([&](AnswerFn f) { svc_->challenge("y", f); }).status, 200u);
}

TEST_F(MailboxServiceTest, SweepsExpireMessagesAndRegistrations) {
    register_both();
    ASSERT_EQ(send(request(alice_, Op::send, bob_.key.pubkey(), kNow, sealed(5))).status, 200u);
    now_ = static_cast<double>(kNow + 1001);  // past the message TTL, before the registrations'
    start();                                  // start() sweeps
    EXPECT_EQ(get(own(bob_, Op::get, now(), 1)).status, 404u);
    now_ = static_cast<double>(kNow + 2001);
    start();
    auto r = send(request(alice_, Op::send, bob_.key.pubkey(), now(), sealed(5)));
    EXPECT_EQ(error(r), "not_registered");
    std::promise<Answer> p;
    svc_->health("test", [&p](Answer a) { p.set_value(std::move(a)); });
    const auto h = J::parse(p.get_future().get().body);
    EXPECT_EQ(h["backend"], "sqlite");
    EXPECT_EQ(h["registered"], 0);
    EXPECT_EQ(h["messages"], 0);
}

TEST_F(MailboxServiceTest, MetricsCountEveryResult) {
    register_both();
    (void)send(request(alice_, Op::send, bob_.key.pubkey(), kNow, sealed(5)));
    (void)send(request(alice_, Op::send, bob_.key.pubkey(), kNow - 999, sealed(5)));
    const auto text = svc_->metrics_text(3);
    EXPECT_NE(text.find("sharemsg_mailbox_requests_total{endpoint=\"send\",result=\"stored\"} 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("sharemsg_mailbox_requests_total{endpoint=\"send\",result=\"stale\"} 1"),
              std::string::npos);
    EXPECT_NE(text.find("sharemsg_mailbox_requests_total{endpoint=\"register\",result="
                        "\"registered\"} 2"),
              std::string::npos);
    EXPECT_NE(text.find("sharemsg_mailbox_subscribers 3"), std::string::npos);
    EXPECT_NE(text.find("sharemsg_mailbox_stored_messages"), std::string::npos);
}

TEST(MailboxChallenges, BoundedSingleUseAndExpiring) {
    Challenges c(3, 300);
    const auto a = c.issue(100).first;
    const auto b = c.issue(100).first;
    EXPECT_TRUE(c.consume(a, 100));
    EXPECT_FALSE(c.consume(a, 100));
    EXPECT_FALSE(c.consume(b, 400));  // expired
    std::vector<Challenge> many;
    for (int i = 0; i < 5; ++i)
        many.push_back(c.issue(100).first);
    EXPECT_LE(c.size(), 3u);
    EXPECT_FALSE(c.consume(many[0], 100));  // the oldest went
    EXPECT_TRUE(c.consume(many[4], 100));
    c.sweep(1000);
    EXPECT_EQ(c.size(), 0u);
}

}  // namespace
