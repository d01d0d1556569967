// relay::Service's signaling on a SQLite store with a clock of the test's: a signal reaches its
// recipient only, once; the TTL; the per-recipient and per-sender bounds; replays of polls and
// of delivered signals; authorization of senders and pollers; and the signal box alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include <nlohmann/json.hpp>

#include "relay/service.hpp"
#include "relay/signal_box.hpp"
#include "test_relay_signal_util.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;
using relay_test::identity;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

class SignalServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sharemsg-relay-signal-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        service_.reset();
        std::filesystem::remove_all(dir_);
    }
    // Identities 1..9 are authorized (the window); 20 is not.
    Service& start(ServiceOptions o = {}) {
        o.network = proto::open::DEVNET_NETWORK_ID;
        o.rate_per_minute = 10'000;
        auto store = open_sqlite_relay_store((dir_ / "relay.db").string());
        EXPECT_TRUE(store.ok());
        service_ = std::make_unique<Service>(o, std::move(*store), [this] { return now_.load(); });
        std::set<MasterHash> window;
        for (unsigned i = 1; i < 10; ++i)
            window.insert(identity(i).master_hash());
        service_->window().replace(window);
        service_->start();
        return *service_;
    }
    Answer post(const Signal& s, const std::string& source = "a") {
        std::promise<Answer> p;
        service_->post_signal(encode_signal(s), source,
                              [&](Answer a) { p.set_value(std::move(a)); });
        return p.get_future().get();
    }
    Answer poll_answer(const SignalPoll& q) {
        std::promise<Answer> p;
        service_->post_poll(encode_poll(q), "a", [&](Answer a) { p.set_value(std::move(a)); });
        return p.get_future().get();
    }
    // The signals a poll by `who` fetches (a fresh nonce each time).
    std::vector<Signal> poll(unsigned who) {
        auto a = poll_answer(relay_test::poll(identity(who), now(), ++nonce_));
        EXPECT_EQ(a.status, 200u) << a.body;
        auto list = decode_poll_answer(a.body);
        EXPECT_TRUE(list.ok()) << a.body;
        return list ? *list : std::vector<Signal>{};
    }
    std::uint64_t now() const { return static_cast<std::uint64_t>(now_.load()); }
    static std::string error_of(const Answer& a) {
        return nlohmann::json::parse(a.body).value("error", "");
    }

    std::filesystem::path dir_;
    std::atomic<double> now_{double(kNow)};
    std::uint8_t nonce_ = 0;
    std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(SignalServiceTest, AnOfferReachesItsRecipientOnlyAndOnce) {
    start();
    const auto s = relay_test::signal(identity(1), identity(2), now());
    auto a = post(s);
    ASSERT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(nlohmann::json::parse(a.body)["status"], "stored");
    EXPECT_TRUE(poll(3).empty());  // another identity gets nothing
    EXPECT_TRUE(poll(1).empty());  // nor does the sender
    auto got = poll(2);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], s);
    EXPECT_TRUE(poll(2).empty());  // handed over once
    // The same signal posted again after delivery is a replay.
    EXPECT_EQ(error_of(post(s)), "replayed");
    EXPECT_NE(service_->metrics_text().find("sharemsg_relay_signals_delivered_total 1"),
              std::string::npos)
        << service_->metrics_text();
}

TEST_F(SignalServiceTest, ARepeatedPollIsRefusedAndPollsAreChecked) {
    start();
    ASSERT_EQ(post(relay_test::signal(identity(1), identity(2), now())).status, 200u);
    const auto p = relay_test::poll(identity(2), now(), 200);
    // A captured poll replayed first would be refused the same way as this repeat.
    auto first = poll_answer(p);
    ASSERT_EQ(first.status, 200u);
    EXPECT_EQ(decode_poll_answer(first.body)->size(), 1u);
    ASSERT_EQ(post(relay_test::signal(identity(3), identity(2), now())).status, 200u);
    auto again = poll_answer(p);
    EXPECT_EQ(again.status, 409u);
    EXPECT_EQ(error_of(again), "replayed");
    // A forged poll for identity 2 (signed by another key) does not verify.
    auto forged = relay_test::poll(identity(2), now(), 201);
    forged.signature = relay_test::poll(identity(3), now(), 201).signature;
    EXPECT_EQ(error_of(poll_answer(forged)), "bad_signature");
    // Stale, and not authorized.
    EXPECT_EQ(error_of(poll_answer(relay_test::poll(identity(2), now() - 301, 202))), "stale");
    EXPECT_EQ(error_of(poll_answer(relay_test::poll(identity(20), now(), 203))), "unauthorized");
    // The signal of identity 3 still waits for identity 2.
    EXPECT_EQ(poll(2).size(), 1u);
}

TEST_F(SignalServiceTest, SendersAreCheckedAndAuthorized) {
    start();
    auto bad = relay_test::signal(identity(1), identity(2), now());
    bad.pwd[3] ^= 1;
    EXPECT_EQ(error_of(post(bad)), "bad_signature");
    EXPECT_EQ(post(bad).status, 401u);
    EXPECT_EQ(error_of(post(relay_test::signal(identity(20), identity(2), now()))), "unauthorized");
    EXPECT_EQ(error_of(post(relay_test::signal(identity(1), identity(2), now() + 301))), "stale");
    const auto foreign = relay_test::identity(1, 0, {1, 2, 3, 4, 5, 6, 7, 8});
    EXPECT_EQ(error_of(post(relay_test::signal(foreign, identity(2), now()))), "wrong_network");
    EXPECT_EQ(error_of(post(relay_test::signal(identity(1), identity(2), now()))), "");
}

TEST_F(SignalServiceTest, SignalsExpireAfterTheirTtl) {
    ServiceOptions o;
    o.signals.ttl = 60;
    start(o);
    ASSERT_EQ(post(relay_test::signal(identity(1), identity(2), now())).status, 200u);
    now_ = now_ + 59;
    ASSERT_EQ(post(relay_test::signal(identity(3), identity(2), now())).status, 200u);
    now_ = now_ + 2;  // the first is 61 s old, the second 2 s
    auto got = poll(2);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].sender_id(), identity(3).key.signing_id());
    // Counted when a poll finds it expired, before any sweep.
    EXPECT_NE(service_->metrics_text().find("sharemsg_relay_signals_expired_total 1"),
              std::string::npos)
        << service_->metrics_text();
}

TEST_F(SignalServiceTest, ARecipientHoldsAtMost32AndASenderAtMost8OfThem) {
    start();
    unsigned stored = 0;
    // Senders 1..5, sessions 1..8 each: 40 tries, 32 stored; the rest refused with 429.
    std::map<std::string, int> refused;
    for (unsigned from = 1; from <= 5; ++from)
        for (std::uint8_t session = 1; session <= 8; ++session) {
            auto a = post(
                relay_test::signal(identity(from), identity(9), now(), SignalKind::offer, session));
            if (a.status == 200)
                ++stored;
            else
                ++refused[error_of(a) + "/" + std::to_string(a.status) + "/" +
                          std::to_string(a.retry_after > 0)];
        }
    EXPECT_EQ(stored, 32u);
    EXPECT_EQ(refused["queue_full/429/1"], 8);
    // A ninth session from one sender to another recipient: the sender's 8 are full.
    for (std::uint8_t session = 1; session <= 8; ++session)
        ASSERT_EQ(
            post(relay_test::signal(identity(6), identity(8), now(), SignalKind::offer, session))
                .status,
            200u);
    EXPECT_EQ(
        error_of(post(relay_test::signal(identity(6), identity(8), now(), SignalKind::offer, 9))),
        "queue_full");
    // A repeat of a pending (sender, session, kind) replaces it without counting.
    auto re = relay_test::signal(identity(6), identity(8), now() + 1, SignalKind::offer, 3);
    auto a = post(re);
    ASSERT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(nlohmann::json::parse(a.body)["status"], "replaced");
    auto got = poll(8);
    EXPECT_EQ(got.size(), 8u);
    EXPECT_EQ(got.back(), re);
    // Once polled, the recipient has room again.
    EXPECT_EQ(poll(9).size(), 32u);
    EXPECT_EQ(post(relay_test::signal(identity(1), identity(9), now(), SignalKind::answer)).status,
              200u);
}

TEST_F(SignalServiceTest, TheGlobalBoundAnswersBusy) {
    ServiceOptions o;
    o.signals.max_total = 3;
    start(o);
    for (unsigned to = 10; to < 13; ++to)
        ASSERT_EQ(post(relay_test::signal(identity(1), identity(to), now())).status, 200u);
    auto a = post(relay_test::signal(identity(1), identity(13), now()));
    EXPECT_EQ(a.status, 503u);
    EXPECT_EQ(error_of(a), "busy");
}

TEST(SignalBox, BytesAndDigestsAreBoundedAndSwept) {
    SignalLimits l;
    l.max_bytes = 10'000;
    l.max_seen = 2;
    SignalBox box(l);
    const auto s = relay_test::signal(identity(1), identity(2), kNow);
    EXPECT_EQ(box.put(s, 6'000, kNow), SignalBox::Put::stored);
    EXPECT_EQ(box.put(relay_test::signal(identity(1), identity(3), kNow), 6'000, kNow),
              SignalBox::Put::full);
    EXPECT_EQ(box.pending(), 1u);
    EXPECT_EQ(box.bytes(), 6'000u);
    EXPECT_EQ(box.sweep(kNow + 61), 1u);
    EXPECT_EQ(box.pending(), 0u);
    EXPECT_EQ(box.bytes(), 0u);
    crypto::Hash256 d{};
    EXPECT_EQ(box.remember(d, kNow + 300), SignalBox::Seen::fresh);
    EXPECT_EQ(box.remember(d, kNow + 300), SignalBox::Seen::replayed);
    d[0] = 1;
    EXPECT_EQ(box.remember(d, kNow + 100), SignalBox::Seen::fresh);
    d[0] = 2;
    EXPECT_EQ(box.remember(d, kNow + 300), SignalBox::Seen::full);
    box.sweep(kNow + 200);
    EXPECT_EQ(box.seen(), 1u);
    EXPECT_EQ(box.remember(d, kNow + 300), SignalBox::Seen::fresh);
}
