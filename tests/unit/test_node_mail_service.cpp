// The node's mail client (node/mail_service.hpp) between real services on real SQLite files,
// delivering over a stand-in for direct links (the mailbox URL points at a closed port, so
// everything that is not delivered directly stays queued): every message enters the
// recipient's inbox once and in order, whatever order it arrives in; what is refused is
// refused by name; chains survive a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "mailbox/seal.hpp"
#include "node/mail_service.hpp"
#include "test_relay_util.hpp"
#include "test_store_util.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

namespace {

double wall() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return f();
}

MailIdentity mail_identity(unsigned seed) {
    auto id = relay_test::identity(seed);
    return MailIdentity{id.key, id.delegation};
}

// A mail service of identity `seed` in `dir`, sending directly with `direct`.
struct Party {
    MailIdentity id;
    std::unique_ptr<MailService> svc;
    std::mutex mu;
    std::vector<MailReceived> heard;  // what the listener was told

    Party(unsigned seed, const test::TempDir& dir, MailService::DirectSend direct,
          std::size_t max_queued = 1000)
        : id(mail_identity(seed)) {
        MailOptions o;
        o.db_path = dir.file("mail-" + std::to_string(seed) + ".sqlite");
        o.mailbox = *parse_mailbox_url("http://127.0.0.1:1");
        o.network = proto::open::DEVNET_NETWORK_ID;
        o.timeout = std::chrono::milliseconds(500);
        o.max_queued = max_queued;
        auto s = MailService::open(
            o, [i = id] { return std::optional<MailIdentity>(i); }, std::move(direct), wall);
        EXPECT_TRUE(s.ok()) << (s ? "" : s.error().reason);
        if (!s) return;
        svc = std::move(*s);
        svc->set_listener([this](const MailReceived& m) {
            std::lock_guard lk(mu);
            heard.push_back(m);
        });
        svc->start();
    }
    // The worker thread calls the listener, which writes `heard`: stop it before members go.
    ~Party() { svc.reset(); }
    PubKey pub() const { return id.key.pubkey(); }
    std::vector<std::uint64_t> indexes() {
        std::vector<std::uint64_t> out;
        for (const auto& m : svc->inbox(0, 1000))
            out.push_back(m.index);
        return out;
    }
};

// Direct delivery to `to` (set later): accepted when its node accepts.
MailService::DirectSend direct_to(Party** to) {
    return [to](const PubKey&, mailbox::Request r, std::function<void(bool)> done) {
        (*to)->svc->accept_direct(std::move(r), [done](bool ok, const std::string&) { done(ok); });
    };
}

// Keeps what is sent and says it was not delivered.
struct Capture {
    std::mutex mu;
    std::vector<mailbox::Request> sent;
    MailService::DirectSend fn() {
        return [this](const PubKey&, mailbox::Request r, std::function<void(bool)> done) {
            {
                std::lock_guard lk(mu);
                sent.push_back(std::move(r));
            }
            done(false);
        };
    }
    std::size_t size() {
        std::lock_guard lk(mu);
        return sent.size();
    }
    mailbox::Request at(std::size_t i) {
        std::lock_guard lk(mu);
        return sent.at(i);
    }
};

// Hands `r` to `p` directly; what the node answered.
std::pair<bool, std::string> hand(Party& p, mailbox::Request r) {
    std::mutex mu;
    std::optional<std::pair<bool, std::string>> got;
    p.svc->accept_direct(std::move(r), [&](bool ok, std::string why) {
        std::lock_guard lk(mu);
        got.emplace(ok, std::move(why));
    });
    EXPECT_TRUE(eventually([&] {
        std::lock_guard lk(mu);
        return got.has_value();
    }));
    std::lock_guard lk(mu);
    return got.value_or(std::pair<bool, std::string>{false, "no answer"});
}

using V = std::vector<std::uint64_t>;

}  // namespace

TEST(NodeMailService, DirectDeliveryOnceAndInOrder) {
    test::TempDir dir("mail-svc");
    Party* to = nullptr;
    Party a(1, dir, direct_to(&to));
    Party b(2, dir, nullptr);
    to = &b;
    for (int i = 0; i < 5; ++i) {
        auto r = a.svc->send(b.pub(), "hello " + std::to_string(i));
        ASSERT_TRUE(r.sent.has_value()) << r.detail;
        EXPECT_EQ(r.sent->index, static_cast<std::uint64_t>(i));
        EXPECT_EQ(r.sent->to, b.pub());
    }
    ASSERT_TRUE(eventually([&] { return b.svc->inbox(0, 100).size() == 5; }));
    const auto in = b.svc->inbox(0, 100);
    for (std::size_t i = 0; i < in.size(); ++i) {
        EXPECT_EQ(in[i].index, i);
        EXPECT_EQ(in[i].text, "hello " + std::to_string(i));
        EXPECT_EQ(in[i].from, a.pub());
        EXPECT_EQ(in[i].path, "direct");
        EXPECT_EQ(in[i].id, i + 1);
    }
    ASSERT_TRUE(eventually([&] {
        for (const auto& s : a.svc->outbox(100))
            if (s.state != MailSent::State::delivered) return false;
        return true;
    }));
    EXPECT_EQ(a.svc->outbox(100).size(), 5u);
    EXPECT_EQ(b.svc->read(3)->text, "hello 2");
    EXPECT_FALSE(b.svc->read(99).has_value());
    std::lock_guard lk(b.mu);
    ASSERT_EQ(b.heard.size(), 5u);
    EXPECT_EQ(b.heard[4].text, "hello 4");
}

TEST(NodeMailService, TheSameMessageTwiceLandsOnce) {
    test::TempDir dir("mail-svc");
    Capture cap;
    Party a(1, dir, cap.fn());
    Party b(2, dir, nullptr);
    ASSERT_TRUE(a.svc->send(b.pub(), "once").sent.has_value());
    ASSERT_TRUE(eventually([&] { return cap.size() >= 1; }));
    // Not delivered directly, the mailbox down: it stays queued, saying why.
    ASSERT_TRUE(eventually([&] { return !a.svc->outbox(1).at(0).last_error.empty(); }));
    EXPECT_EQ(a.svc->outbox(1).at(0).state, MailSent::State::queued);
    const auto r = cap.at(0);
    EXPECT_TRUE(hand(b, r).first);
    const auto again = hand(b, r);
    EXPECT_FALSE(again.first);
    EXPECT_EQ(again.second.rfind("replayed", 0), 0u) << again.second;
    EXPECT_EQ(b.indexes(), V{0});
    EXPECT_EQ(b.svc->inbox(0, 10).at(0).text, "once");
}

TEST(NodeMailService, ReorderedArrivalsEnterInOrder) {
    test::TempDir dir("mail-svc");
    Capture cap;
    Party a(1, dir, cap.fn());
    Party b(2, dir, nullptr);
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(a.svc->send(b.pub(), "m" + std::to_string(i)).sent.has_value());
    ASSERT_TRUE(eventually([&] { return cap.size() >= 4; }));
    std::map<std::uint64_t, mailbox::Request> by_index;
    for (std::size_t i = 0; i < cap.size(); ++i) {
        const auto r = cap.at(i);
        by_index.emplace(mailbox::ReceiveChain::start(proto::open::DEVNET_NETWORK_ID,
                                                      b.id.key.privkey(), a.pub())
                             ->open(r.payload)
                             ->index,
                         r);
    }
    ASSERT_EQ(by_index.size(), 4u);
    EXPECT_TRUE(hand(b, by_index[2]).first);  // held: accepted, not in the inbox yet
    EXPECT_EQ(b.indexes(), V{});
    EXPECT_TRUE(hand(b, by_index[0]).first);
    EXPECT_EQ(b.indexes(), V{0});
    EXPECT_TRUE(hand(b, by_index[3]).first);
    EXPECT_EQ(b.indexes(), V{0});
    EXPECT_TRUE(hand(b, by_index[1]).first);
    EXPECT_EQ(b.indexes(), (V{0, 1, 2, 3}));
    EXPECT_FALSE(hand(b, by_index[2]).first);  // a repeat of a held-then-released one
    EXPECT_EQ(b.indexes(), (V{0, 1, 2, 3}));
    std::lock_guard lk(b.mu);
    ASSERT_EQ(b.heard.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(b.heard[i].text, "m" + std::to_string(i));
}

TEST(NodeMailService, RefusesWhatIsNotForItByName) {
    test::TempDir dir("mail-svc");
    Capture cap;
    Party a(1, dir, cap.fn());
    Party b(2, dir, nullptr);
    Party c(3, dir, nullptr);
    ASSERT_TRUE(a.svc->send(b.pub(), "for b only").sent.has_value());
    ASSERT_TRUE(eventually([&] { return cap.size() >= 1; }));
    const auto r = cap.at(0);
    auto why = hand(c, r);
    EXPECT_FALSE(why.first);
    EXPECT_EQ(why.second.rfind("wrong_recipient", 0), 0u) << why.second;

    auto tampered = r;
    tampered.payload.back() ^= 1;  // the header's payload hash no longer matches
    why = hand(b, tampered);
    EXPECT_FALSE(why.first);
    EXPECT_EQ(why.second.rfind("bad_request", 0), 0u) << why.second;

    // Signed again by the sender over the changed payload: the seal still does not open.
    mailbox::sign(tampered.header, tampered.payload, a.id.key.privkey());
    why = hand(b, tampered);
    EXPECT_FALSE(why.first);
    EXPECT_EQ(why.second.rfind("unopenable", 0), 0u) << why.second;

    auto other_net = r;
    other_net.header.network[0] ^= 1;
    mailbox::sign(other_net.header, other_net.payload, a.id.key.privkey());
    why = hand(b, other_net);
    EXPECT_FALSE(why.first);
    EXPECT_EQ(why.second.rfind("wrong_network", 0), 0u) << why.second;

    EXPECT_EQ(b.indexes(), V{});
    EXPECT_TRUE(hand(b, r).first);  // the real one still opens
    EXPECT_EQ(b.indexes(), V{0});
    EXPECT_EQ(c.indexes(), V{});
}

TEST(NodeMailService, SendRefusals) {
    test::TempDir dir("mail-svc");
    Capture cap;
    Party a(1, dir, cap.fn(), 2);
    const auto b = mail_identity(2).key.pubkey();
    auto r = a.svc->send(a.pub(), "to myself");
    EXPECT_EQ(r.error, MailError::bad_recipient);
    PubKey not_a_point{};
    not_a_point[0] = 0x02;
    r = a.svc->send(not_a_point, "x");
    EXPECT_EQ(r.error, MailError::bad_recipient);
    r = a.svc->send(b, std::string(mailbox::MAX_PLAINTEXT + 1, 'x'));
    EXPECT_EQ(r.error, MailError::too_large);
    EXPECT_TRUE(a.svc->send(b, std::string(mailbox::MAX_PLAINTEXT, 'x')).sent.has_value());
    EXPECT_TRUE(a.svc->send(b, "second").sent.has_value());
    r = a.svc->send(b, "third");
    EXPECT_EQ(r.error, MailError::outbox_full);
    EXPECT_FALSE(r.sent.has_value());
    EXPECT_EQ(a.svc->outbox(10).size(), 2u);
    EXPECT_STREQ(mail_error_name(MailError::outbox_full), "outbox_full");

    MailOptions o;
    o.db_path = dir.file("none.sqlite");
    o.mailbox = *parse_mailbox_url("http://127.0.0.1:1/");
    auto none = MailService::open(
        o, [] { return std::optional<MailIdentity>{}; }, nullptr, wall);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ((*none)->send(b, "x").error, MailError::no_identity);
    EXPECT_FALSE(parse_mailbox_url("https://127.0.0.1:1").ok());
    EXPECT_FALSE(parse_mailbox_url("http://127.0.0.1").ok());
    EXPECT_FALSE(parse_mailbox_url("http://127.0.0.1:1/mailbox").ok());

    const auto st = nlohmann::json::parse(a.svc->status_json());
    EXPECT_EQ(st["mailbox"], "http://127.0.0.1:1");
    EXPECT_EQ(st["registered"], false);
    EXPECT_EQ(st["connected"], false);
    EXPECT_EQ(st["queued"], 2);
    EXPECT_EQ(st["inbox"], 0);
}

TEST(NodeMailService, ARestartKeepsTheChains) {
    test::TempDir dir("mail-svc");
    Party* to = nullptr;
    {
        Party a(1, dir, direct_to(&to));
        Party b(2, dir, nullptr);
        to = &b;
        ASSERT_TRUE(a.svc->send(b.pub(), "before 0").sent.has_value());
        ASSERT_TRUE(a.svc->send(b.pub(), "before 1").sent.has_value());
        ASSERT_TRUE(eventually([&] { return b.indexes() == V{0, 1}; }));
        ASSERT_TRUE(eventually(
            [&] { return a.svc->outbox(10).at(0).state == MailSent::State::delivered; }));
        a.svc->stop();
        b.svc->stop();
    }
    Party a(1, dir, direct_to(&to));
    Party b(2, dir, nullptr);
    to = &b;
    auto r = a.svc->send(b.pub(), "after");
    ASSERT_TRUE(r.sent.has_value());
    EXPECT_EQ(r.sent->index, 2u);
    ASSERT_TRUE(eventually([&] { return b.indexes() == (V{0, 1, 2}); }));
    EXPECT_EQ(b.svc->inbox(2, 10).at(0).text, "after");
    EXPECT_EQ(a.svc->outbox(10).size(), 3u);
}

TEST(NodeMailService, ApplicationFramesGoToTheirHandlerInOrderAndStayOutOfTheListings) {
    test::TempDir dir("mail-svc");
    Party* to = nullptr;
    Party a(1, dir, direct_to(&to));
    Party b(2, dir, nullptr);
    to = &b;
    std::mutex mu;
    std::vector<std::pair<PubKey, Bytes>> frames;
    b.svc->set_frame_handler(MailApp::musig, [&](const PubKey& from, ByteView bytes) {
        std::lock_guard lk(mu);
        frames.emplace_back(from, Bytes(bytes.begin(), bytes.end()));
    });
    const Bytes f1{0x01, 0xff, 0x00}, f2{0x02};
    ASSERT_TRUE(a.svc->send(b.pub(), "text before").sent.has_value());
    ASSERT_TRUE(a.svc->send_frame(b.pub(), MailApp::musig, f1).sent.has_value());
    ASSERT_TRUE(a.svc->send(b.pub(), "text after").sent.has_value());
    ASSERT_TRUE(a.svc->send_frame(b.pub(), MailApp::musig, f2).sent.has_value());
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lk(mu);
        return frames.size() == 2;
    }));
    {
        std::lock_guard lk(mu);
        EXPECT_EQ(frames[0].first, a.pub());
        EXPECT_EQ(frames[0].second, f1);
        EXPECT_EQ(frames[1].second, f2);
    }
    ASSERT_TRUE(eventually([&] { return b.svc->inbox(0, 100).size() == 2; }));
    const auto in = b.svc->inbox(0, 100);
    EXPECT_EQ(in[0].text, "text before");
    EXPECT_EQ(in[1].text, "text after");
    EXPECT_EQ(in[1].index, 2u);                // the frames took chain indexes 1 and 3
    EXPECT_FALSE(b.svc->read(2).has_value());  // inbox row 2 is the first frame
    EXPECT_EQ(nlohmann::json::parse(b.svc->status_json())["inbox"], 2);
    {
        std::lock_guard lk(b.mu);
        ASSERT_EQ(b.heard.size(), 2u);  // the listener heard the texts only
        EXPECT_EQ(b.heard[1].text, "text after");
    }
    ASSERT_TRUE(eventually([&] {
        const auto out = a.svc->outbox(100);
        if (out.size() != 2) return false;
        for (const auto& s : out)
            if (s.state != MailSent::State::delivered) return false;
        return true;
    }));

    // Text must be UTF-8, so that no text is taken for a frame.
    EXPECT_EQ(a.svc->send(b.pub(), std::string("\xff\x01 not text")).error, MailError::not_text);
    EXPECT_EQ(a.svc->send(b.pub(), std::string("\xc3")).error, MailError::not_text);
    EXPECT_FALSE(app_frame_of(std::string("\xff")).has_value());
    EXPECT_FALSE(app_frame_of(std::string("\xff\x7f")).has_value());  // no such application
    const auto p = app_plaintext(MailApp::musig, f1);
    ASSERT_TRUE(app_frame_of(p).has_value());
    EXPECT_EQ(Bytes(app_frame_of(p)->bytes.begin(), app_frame_of(p)->bytes.end()), f1);
}
