// MusigService (node/musig_service.hpp) under a flood: a signer that sends frames as fast as it
// can, junk and replays, loses its own excess while two honest signers complete a session
// through the same service and the API's requests are still served. The services are real;
// the mail between them is an in-process double that hands each frame to the recipient's
// take_frame, as the mail client's thread does once a frame is committed.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "crypto/hash.hpp"
#include "node/musig_service.hpp"

using namespace sharemsg;
using namespace sharemsg::node;
using namespace std::chrono_literals;

namespace {

crypto::PrivKey key_of(std::uint8_t b) {
    return *crypto::PrivKey::from_bytes(Bytes(32, b));
}

// Mail between services in one process: send_frame hands the frame to the recipient's
// take_frame at once. Nothing else of the mail is used by MusigService.
class FrameMail final : public MailClient {
  public:
    explicit FrameMail(crypto::CompressedPubKey me) : me_(me) {}
    void connect(const crypto::CompressedPubKey& to, MusigService* svc) {
        std::lock_guard lk(mu_);
        peers_[to] = svc;
    }
    SendResult send_frame(const crypto::CompressedPubKey& to, MailApp, ByteView bytes) override {
        MusigService* peer = nullptr;
        {
            std::lock_guard lk(mu_);
            if (auto it = peers_.find(to); it != peers_.end()) peer = it->second;
        }
        if (peer) peer->take_frame(me_, bytes);
        return {MailSent{}, std::nullopt, ""};
    }
    SendResult send(const crypto::CompressedPubKey&, const std::string&) override {
        return {std::nullopt, MailError::no_mailbox, "frames only"};
    }
    std::vector<MailReceived> inbox(std::uint64_t, std::size_t) const override { return {}; }
    std::optional<MailReceived> read(std::uint64_t) const override { return std::nullopt; }
    std::vector<MailSent> outbox(std::size_t) const override { return {}; }
    void set_listener(Listener) override {}
    void set_frame_handler(MailApp, FrameHandler) override {}
    void accept_direct(mailbox::Request, Accepted done) override { done(false, "frames only"); }
    std::string status_json() const override { return "{}"; }

  private:
    crypto::CompressedPubKey me_;
    mutable std::mutex mu_;
    std::map<crypto::CompressedPubKey, MusigService*> peers_;
};

// A signer: its key, its mail and its service (started).
struct Signer {
    explicit Signer(std::uint8_t seed)
        : key(key_of(seed)), mail(key.pubkey()), svc(MusigOptions{}, key, mail, [] {
              return static_cast<std::uint64_t>(std::time(nullptr));
          }) {
        svc.start();
    }
    ~Signer() { svc.stop(); }
    crypto::PrivKey key;
    FrameMail mail;
    MusigService svc;
};

// Runs `task` on the service's worker and waits for its answer (nullopt: no room for it).
template <class F>
auto on_worker(MusigService& svc, F f)
    -> std::optional<decltype(f(std::declval<musig::Coordinator&>()))> {
    using R = decltype(f(std::declval<musig::Coordinator&>()));
    auto p = std::make_shared<std::promise<R>>();
    auto fut = p->get_future();
    if (!svc.post([p, f](musig::Coordinator& c) { p->set_value(f(c)); })) return std::nullopt;
    if (fut.wait_for(30s) != std::future_status::ready) return std::nullopt;
    return fut.get();
}

// Captures the log lines of the default logger while it lives.
class LogCapture {
  public:
    LogCapture() : old_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    }
    ~LogCapture() { spdlog::set_default_logger(old_); }
    std::size_t count(const std::string& needle) {
        spdlog::default_logger()->flush();
        const auto text = out_.str();
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++n;
        return n;
    }

  private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> old_;
};

}  // namespace

TEST(MusigServiceFlood, AFloodingSignerLosesItsOwnExcessWhileOthersSignAndTheApiAnswers) {
    LogCapture log;
    Signer alice(0x31), bob(0x32), mallory(0x33);
    alice.mail.connect(bob.key.pubkey(), &bob.svc);
    bob.mail.connect(alice.key.pubkey(), &alice.svc);

    // Mallory floods Alice from two threads: junk, and frames of a session Alice never heard of.
    std::atomic<bool> flooding{true};
    std::atomic<std::uint64_t> sent{0};
    auto flood = [&](std::uint8_t fill) {
        Bytes junk(200, fill);
        while (flooding) {
            junk[0] = static_cast<std::uint8_t>(sent.load());
            alice.svc.take_frame(mallory.key.pubkey(), junk);
            ++sent;
        }
    };
    std::thread f1(flood, 0x01), f2(flood, 0x02);
    while (alice.svc.stats().frames_dropped < 1000)
        std::this_thread::yield();

    // Meanwhile Alice and Bob sign: Alice starts and joins, Bob joins once he holds it.
    const std::vector<musig::PlainPubKey> signers{alice.key.pubkey(), bob.key.pubkey()};
    const auto digest = crypto::sha256(as_bytes("flood"));
    const Bytes message(digest.begin(), digest.end());
    const auto expiry = static_cast<std::uint64_t>(std::time(nullptr)) + 600;
    const auto id = on_worker(alice.svc, [&](musig::Coordinator& c) {
        auto created = c.create(signers, message, {}, expiry);
        EXPECT_TRUE(created.ok());
        EXPECT_TRUE(c.join(*created).ok());
        return *created;
    });
    ASSERT_TRUE(id) << "the API's request found no room during the flood";
    std::optional<musig::SessionView> a, b;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool bob_joined = false;
    while (std::chrono::steady_clock::now() < deadline) {
        b = *on_worker(bob.svc, [&](musig::Coordinator& c) { return c.get(*id); });
        if (b && !bob_joined) {
            ASSERT_TRUE(
                *on_worker(bob.svc, [&](musig::Coordinator& c) { return c.join(*id).ok(); }));
            bob_joined = true;
        }
        a = *on_worker(alice.svc, [&](musig::Coordinator& c) { return c.get(*id); });
        if (a && a->signature && b && b->signature) break;
        std::this_thread::sleep_for(10ms);
    }
    flooding = false;
    f1.join();
    f2.join();
    ASSERT_TRUE(a && a->signature) << "Alice did not complete during the flood";
    ASSERT_TRUE(b && b->signature) << "Bob did not complete";
    EXPECT_EQ(*a->signature, *b->signature);

    // Every flooded frame is accounted for: refused by the coordinator or dropped at the queue;
    // the log holds at most 10 refusal lines a minute.
    const auto settled = on_worker(alice.svc, [](musig::Coordinator&) { return true; });
    ASSERT_TRUE(settled);
    const auto st = alice.svc.stats();
    EXPECT_EQ(st.frames_refused + st.frames_dropped, sent.load())
        << "refused " << st.frames_refused << ", dropped " << st.frames_dropped;
    EXPECT_GE(st.frames_in, 2u);  // Bob's nonce and partial signature
    EXPECT_EQ(st.completed, 1u);
    EXPECT_EQ(st.sessions, 1u);
    EXPECT_LE(log.count("refused a frame"), 20u);  // 10 a minute; the run may span two minutes
    std::printf(
        "[ figures ] %llu frames flooded: %llu refused by the coordinator, %llu dropped "
        "at the queue; the session completed\n",
        static_cast<unsigned long long>(sent.load()),
        static_cast<unsigned long long>(st.frames_refused),
        static_cast<unsigned long long>(st.frames_dropped));
    alice.svc.stop();  // before any of them goes: each one's mail points at the others
    bob.svc.stop();
}

TEST(MusigServiceFlood, OneSendersFramesTakeNoMoreThanTheirShareOfTheQueue) {
    LogCapture log;
    Signer alice(0x41);
    const auto mallory = key_of(0x42).pubkey(), bob = key_of(0x43).pubkey();
    // Hold the worker, so that nothing is taken from the queue while it fills.
    std::promise<void> release;
    auto released = release.get_future().share();
    ASSERT_TRUE(alice.svc.post([released](musig::Coordinator&) { released.wait(); }));
    const MusigOptions o;
    for (std::size_t i = 0; i < 2 * o.max_queued_per_sender; ++i)
        alice.svc.take_frame(mallory, Bytes(10, 0));
    EXPECT_EQ(alice.svc.stats().frames_dropped, o.max_queued_per_sender);
    // Another sender still gets in, and so does a request.
    alice.svc.take_frame(bob, Bytes(10, 0));
    EXPECT_EQ(alice.svc.stats().frames_dropped, o.max_queued_per_sender);
    std::atomic<bool> ran{false};
    EXPECT_TRUE(alice.svc.post([&](musig::Coordinator&) { ran = true; }));
    release.set_value();
    EXPECT_TRUE(on_worker(alice.svc, [](musig::Coordinator&) { return true; }));
    EXPECT_TRUE(ran);
    EXPECT_EQ(alice.svc.stats().frames_refused, o.max_queued_per_sender + 1);
    EXPECT_EQ(log.count("refused a frame"), 10u);
    alice.svc.stop();
}
