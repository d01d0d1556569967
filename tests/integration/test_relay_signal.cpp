// ICE signaling through a real relay (sharemsgd --relay; docs/relay.md, "Signaling") with
// real signed clients: an offer reaches its recipient only; a poll by another identity gets
// nothing; signals expire; a recipient holds at most 32; a hostile client (floods, oversized
// bodies, garbage, bad signatures, unknown keys) is measured while others are served; two
// nodes' RelaySignalers exchange an offer and an answer through the relay; and a signaler
// drops what a lying relay hands it.
#include <gtest/gtest.h>

#include <poll.h>

#include <atomic>
#include <ctime>
#include <future>
#include <mutex>
#include <random>

#include "../unit/test_relay_signal_util.hpp"
#include "harness.hpp"
#include "node/metrics.hpp"
#include "node/relay_signaler.hpp"

using namespace itest;
using namespace sharemsg;
using relay_test::identity;

namespace {

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

// One request from the source address `from`; the status (0: no answer).
HttpResult request_from(std::uint16_t port, const char* from, const std::string& path,
                        const std::string& body) {
    return http_request_on(connect_local(port, 3000, from), "POST", path, body);
}

std::string error_of(const HttpResult& r) {
    auto j = r.json();
    return j.is_object() ? j.value("error", "") : "";
}

// A relay whose window pays identity 1 and whose allow list holds identities 2..9.
void start_relay(Daemon& d, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--relay",
                                  "--share-period",
                                  "0.3",
                                  "--address",
                                  to_hex(identity(1).master_hash()),
                                  "--relay-admin-pubkey",
                                  to_hex(relay_test::admin_key().pubkey())};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(d.start(args));
    ASSERT_TRUE(
        wait_until([&] { return d.get("/relay/health").json().value("window_payouts", 0) >= 1; },
                   std::chrono::seconds(30)));
    const auto now = unix_now();
    for (unsigned i = 2; i < 10; ++i) {
        const auto c = relay_test::allow_change(identity(i).master_hash(), true, now);
        ASSERT_EQ(
            http_request(d.web_port, "POST", "/relay/admin/allow", relay::encode_allow_change(c))
                .status,
            200);
    }
}

HttpResult post_signal(Daemon& d, const relay::Signal& s, const char* from = "127.0.0.2") {
    return request_from(d.web_port, from, "/relay/signal", relay::encode_signal(s));
}

// What a poll by `who` fetches (a fresh nonce each time).
std::vector<relay::Signal> poll(Daemon& d, unsigned who, const char* from = "127.0.0.3") {
    static std::uint8_t nonce = 0;
    const auto r =
        request_from(d.web_port, from, "/relay/signal/poll",
                     relay::encode_poll(relay_test::poll(identity(who), unix_now(), ++nonce)));
    EXPECT_EQ(r.status, 200) << r.body;
    auto list = relay::decode_poll_answer(r.body);
    EXPECT_TRUE(list.ok()) << r.body;
    return list ? *list : std::vector<relay::Signal>{};
}

std::size_t log_lines(const fs::path& dir) {
    std::ifstream in(dir / "sharemsgd.log");
    return static_cast<std::size_t>(
        std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(RelaySignal, AnOfferReachesItsRecipientOnly) {
    const auto dir = test_dir("relay-signal");
    Daemon d(SHAREMSGD_PATH, dir / "relay");
    start_relay(d);
    const auto offer = relay_test::signal(identity(1), identity(2), unix_now());
    auto stored = post_signal(d, offer);
    ASSERT_EQ(stored.status, 200) << stored.body;
    EXPECT_EQ(stored.json()["status"], "stored");
    EXPECT_TRUE(poll(d, 3).empty());  // another identity
    EXPECT_TRUE(poll(d, 1).empty());  // the sender
    auto got = poll(d, 2);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], offer);
    EXPECT_TRUE(relay::signature_ok(got[0]));
    EXPECT_TRUE(poll(d, 2).empty());
    // The answer goes back the same way.
    const auto answer =
        relay_test::signal(identity(2), identity(1), unix_now(), relay::SignalKind::answer);
    ASSERT_EQ(post_signal(d, answer).status, 200);
    got = poll(d, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].kind, relay::SignalKind::answer);
    // Refusals with their statuses: a replay of a delivered signal, a repeated poll, a bad
    // signature, an identity the relay does not know of, a poll forged for identity 2.
    EXPECT_EQ(error_of(post_signal(d, offer)), "replayed");
    const auto p = relay_test::poll(identity(2), unix_now(), 250);
    ASSERT_EQ(
        request_from(d.web_port, "127.0.0.3", "/relay/signal/poll", relay::encode_poll(p)).status,
        200);
    auto again = request_from(d.web_port, "127.0.0.3", "/relay/signal/poll", relay::encode_poll(p));
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(error_of(again), "replayed");
    auto bad =
        relay_test::signal(identity(1), identity(2), unix_now(), relay::SignalKind::offer, 2);
    bad.ufrag[0] ^= 1;
    auto r = post_signal(d, bad);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(error_of(r), "bad_signature");
    r = post_signal(d, relay_test::signal(identity(30), identity(2), unix_now()));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(error_of(r), "unauthorized");
    auto forged = relay_test::poll(identity(2), unix_now(), 251);
    forged.signature = relay_test::poll(identity(3), unix_now(), 251).signature;
    r = request_from(d.web_port, "127.0.0.3", "/relay/signal/poll", relay::encode_poll(forged));
    EXPECT_EQ(error_of(r), "bad_signature");
    r = post_signal(
        d, relay_test::signal(identity(1), identity(2), unix_now(), relay::SignalKind::offer, 3));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(d.metric("sharemsg_relay_signals_pending"), 1);
    EXPECT_GE(d.metric("sharemsg_relay_requests_total{endpoint=\"signal\",result=\"stored\"}"), 3);
    EXPECT_EQ(
        d.metric("sharemsg_relay_requests_total{endpoint=\"signal\",result=\"bad_signature\"}"), 1);
    EXPECT_EQ(d.get("/relay/signal").status, 405);
}

TEST(RelaySignal, SignalsExpireAfterTheirTtl) {
    const auto dir = test_dir("relay-signal-ttl");
    Daemon d(SHAREMSGD_PATH, dir / "relay");
    start_relay(d, {"--relay-signal-ttl", "1"});
    ASSERT_EQ(post_signal(d, relay_test::signal(identity(1), identity(2), unix_now())).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_TRUE(poll(d, 2).empty());
    EXPECT_TRUE(wait_until([&] { return d.metric("sharemsg_relay_signals_expired_total") >= 1; },
                           std::chrono::seconds(10)))
        << d.get("/metrics").body;
    EXPECT_EQ(d.metric("sharemsg_relay_signals_pending"), 0);
}

// A recipient holds at most 32 pending signals; a hostile client on another address floods
// the relay meanwhile, and another recipient is still served.
TEST(RelaySignal, BoundsHoldAndAHostileClientDoesNotKeepOthersOut) {
    const auto dir = test_dir("relay-signal-hostile");
    Daemon d(SHAREMSGD_PATH, dir / "relay");
    start_relay(d);

    // 40 offers to identity 9: senders 1..5, 8 sessions each (a sender may hold 8 there).
    std::map<int, int> status;
    for (unsigned from = 1; from <= 5; ++from)
        for (std::uint8_t s = 1; s <= 8; ++s)
            ++status[post_signal(d, relay_test::signal(identity(from), identity(9), unix_now(),
                                                       relay::SignalKind::offer, s))
                         .status];
    EXPECT_EQ(status[200], 32);
    EXPECT_EQ(status[429], 8);
    EXPECT_EQ(d.metric("sharemsg_relay_signals_pending"), 32);

    const long rss_before = rss_kib(d.pid());
    const double cpu_before = cpu_seconds(d.pid());
    const std::size_t lines_before = log_lines(dir / "relay");
    // The hostile client, from 127.0.0.6: random bytes, wrong shapes, offers with bad
    // signatures, well-signed offers of identities the relay does not know, polls replayed.
    std::mt19937 rng(11);
    std::map<int, int> junk;
    const auto t_junk = std::chrono::steady_clock::now();
    const auto replayed_poll = relay::encode_poll(relay_test::poll(identity(4), unix_now(), 99));
    ASSERT_EQ(request_from(d.web_port, "127.0.0.4", "/relay/signal/poll", replayed_poll).status,
              200);  // identity 4's own poll, which the hostile client then replays
    for (int i = 0; i < 400; ++i) {
        std::string body;
        std::string path = "/relay/signal";
        switch (i % 5) {
            case 0:
                body.resize(1 + rng() % 3000);
                for (auto& c : body)
                    c = static_cast<char>(rng());
                break;
            case 1:
                body = R"({"version":1,"network":"73686d7364657601","candidates":[1,2]})";
                break;
            case 2: {
                auto s = relay_test::signal(identity(1), identity(8), unix_now(),
                                            relay::SignalKind::offer, static_cast<std::uint8_t>(i));
                s.signature[i % 64] ^= 1;
                body = relay::encode_signal(s);
                break;
            }
            case 3:
                body = relay::encode_signal(relay_test::signal(
                    identity(100 + i), identity(8), unix_now(), relay::SignalKind::offer, 1));
                break;
            case 4:
                path = "/relay/signal/poll";
                body = replayed_poll;
                break;
        }
        ++junk[request_from(d.web_port, "127.0.0.6", path, body).status];
    }
    const double junk_ms = ms_since(t_junk);
    // Oversized: bodies over the HTTP server's 64 KiB are refused with 413.
    int too_large = 0;
    for (int i = 0; i < 10; ++i)
        if (request_from(d.web_port, "127.0.0.7", "/relay/signal", std::string(70'000, '{'))
                .status == 413)
            ++too_large;

    // Others are served: identity 3 offers to identity 8 and identity 8 polls it, from their
    // own addresses.
    const auto t_honest = std::chrono::steady_clock::now();
    const auto offer = relay_test::signal(identity(3), identity(8), unix_now());
    auto stored = post_signal(d, offer, "127.0.0.4");
    auto got = poll(d, 8, "127.0.0.5");
    const double honest_ms = ms_since(t_honest);
    EXPECT_EQ(stored.status, 200) << stored.body;
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], offer);

    const long rss_after = rss_kib(d.pid());
    const double cpu = cpu_seconds(d.pid()) - cpu_before;
    const std::size_t lines = log_lines(dir / "relay") - lines_before;
    int answered = 0;
    for (const auto& [s, n] : junk) {
        EXPECT_TRUE(s >= 400 && s < 500) << s;
        answered += n;
    }
    EXPECT_EQ(answered, 400);
    EXPECT_GE(junk[429], 250);  // the address's 100 a minute are soon spent
    EXPECT_EQ(too_large, 10);
    EXPECT_EQ(d.metric("sharemsg_relay_signals_pending"), 32);  // identity 9's, untouched
    EXPECT_TRUE(d.alive());
    EXPECT_LT(rss_after - rss_before, 64 * 1024) << "RSS grew by more than 64 MiB";
    std::printf(
        "[ measure  ] 400 hostile requests in %.0f ms (400: %d, 401: %d, 403: %d, 409: %d, "
        "429: %d); 10 oversized refused: %d; honest offer + poll %.1f ms; relay CPU %.2f s; "
        "RSS %ld -> %ld KiB; %zu log lines\n",
        junk_ms, junk[400], junk[401], junk[403], junk[409], junk[429], too_large, honest_ms, cpu,
        rss_before, rss_after, lines);
}

// Two nodes' signalers exchange an offer and an answer through the relay, each checking what
// it receives itself.
TEST(RelaySignal, TwoSignalersExchangeAnOfferAndAnAnswer) {
    const auto dir = test_dir("relay-signal-nodes");
    Daemon d(SHAREMSGD_PATH, dir / "relay");
    start_relay(d);
    auto relays = node::RelayTargets::parse({"http://127.0.0.1:" + std::to_string(d.web_port)}, {});
    ASSERT_TRUE(relays.ok());
    const std::set<relay::MasterHash> authorized{identity(1).master_hash(),
                                                 identity(2).master_hash()};
    const auto who = [](unsigned n) {
        return [n]() -> std::optional<node::RegistrarIdentity> {
            const auto id = identity(n);
            return node::RegistrarIdentity{
                id.key, proto::open::BoundAnnouncement{id.key.pubkey(), id.key.key_index(),
                                                       id.delegation.master_pubkey,
                                                       id.delegation.signature}};
        };
    };
    const auto clock = [] { return static_cast<double>(std::time(nullptr)); };
    node::Metrics metrics_a, metrics_b;
    std::promise<relay::Signal> offer_got, answer_got;
    std::unique_ptr<node::RelaySignaler> a, b;
    node::SignalerOptions o;
    o.network = proto::open::DEVNET_NETWORK_ID;
    a = node::RelaySignaler::start(
        o, *relays, who(1), [&](const relay::MasterHash& m) { return authorized.count(m) > 0; },
        clock, metrics_a, [&](relay::Signal s) { answer_got.set_value(std::move(s)); });
    b = node::RelaySignaler::start(
        o, *relays, who(2), [&](const relay::MasterHash& m) { return authorized.count(m) > 0; },
        clock, metrics_b,
        [&](relay::Signal s) {
            // B answers the offer (from its own thread, as the ICE code would).
            relay::Signal answer;
            answer.kind = relay::SignalKind::answer;
            answer.session = s.session;
            answer.recipient = s.sender_id();
            answer.ufrag = "bbbb";
            answer.pwd = "answerpassword12345678";
            answer.candidates = {"a=candidate:1 1 UDP 2013266431 127.0.0.1 41000 typ host"};
            b->send(answer);
            offer_got.set_value(std::move(s));
        });
    b->set_armed(true);
    a->set_armed(true);
    relay::Signal offer;
    offer.kind = relay::SignalKind::offer;
    offer.session = relay_test::session(42);
    offer.recipient = identity(2).key.signing_id();
    offer.force_relay = true;
    offer.ufrag = "aaaa";
    offer.pwd = "offerpassword123456789";
    offer.candidates = {"a=candidate:1 1 UDP 2013266431 127.0.0.1 40000 typ host"};
    std::promise<node::RelaySignaler::Sent> sent;
    const auto t0 = std::chrono::steady_clock::now();
    a->send(offer, [&](node::RelaySignaler::Sent s) { sent.set_value(std::move(s)); });
    auto sent_f = sent.get_future();
    ASSERT_EQ(sent_f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(sent_f.get().stored, 1u);
    auto offer_f = offer_got.get_future();
    ASSERT_EQ(offer_f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    const double offer_ms = ms_since(t0);
    auto answer_f = answer_got.get_future();
    ASSERT_EQ(answer_f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    const double answer_ms = ms_since(t0);
    const auto got_offer = offer_f.get();
    const auto got_answer = answer_f.get();
    EXPECT_EQ(got_offer.session, offer.session);
    EXPECT_EQ(got_offer.sender_id(), identity(1).key.signing_id());
    EXPECT_TRUE(got_offer.force_relay);
    EXPECT_EQ(got_offer.ufrag, "aaaa");
    EXPECT_EQ(got_answer.kind, relay::SignalKind::answer);
    EXPECT_EQ(got_answer.session, offer.session);
    EXPECT_EQ(got_answer.sender_id(), identity(2).key.signing_id());
    EXPECT_EQ(got_answer.candidates.size(), 1u);
    a->stop();
    b->stop();
    EXPECT_EQ(metrics_a.get("sharemsg_relay_client_signals_total", "result=\"received\""), 1);
    EXPECT_EQ(metrics_b.get("sharemsg_relay_client_signals_total", "result=\"received\""), 1);
    EXPECT_EQ(metrics_b.get("sharemsg_relay_client_signals_total", "result=\"sent\""), 1);
    std::printf(
        "[ measure  ] offer delivered after %.0f ms, answer after %.0f ms (armed polls "
        "every %.0f s)\n",
        offer_ms, answer_ms, node::kPollArmed);
}

namespace {

// A relay that lies: an HTTP server on 127.0.0.1 (a real socket, a thread of its own) that
// answers every request with `body`.
class LyingRelay {
  public:
    explicit LyingRelay(std::string body) : body_(std::move(body)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 16);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~LyingRelay() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::uint16_t port = 0;
    std::atomic<int> requests{0};

  private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            std::string req;
            char buf[4096];
            // Reads the head and the body (Content-Length) before answering.
            for (;;) {
                const auto n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                req.append(buf, static_cast<std::size_t>(n));
                const auto head = req.find("\r\n\r\n");
                if (head == std::string::npos) continue;
                const auto cl = req.find("Content-Length: ");
                const std::size_t want =
                    cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
                if (req.size() >= head + 4 + want) break;
            }
            ++requests;
            const std::string resp =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
            ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
            ::close(c);
        }
    }
    std::string body_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

// The signaler trusts no relay: of what a lying relay hands it, only the signal addressed to
// it, well signed and from an authorized master reaches the callback, and only once.
TEST(RelaySignal, ASignalerDropsWhatALyingRelayHandsIt) {
    const auto now = unix_now();
    const auto good = relay_test::signal(identity(1), identity(2), now);
    auto tampered = relay_test::signal(identity(1), identity(2), now, relay::SignalKind::offer, 2);
    tampered.pwd[0] ^= 1;
    const auto elsewhere = relay_test::signal(identity(1), identity(3), now);
    const auto stranger = relay_test::signal(identity(30), identity(2), now);
    const auto stale = relay_test::signal(identity(1), identity(2), now - 600);
    LyingRelay liar(relay::encode_poll_answer({elsewhere, tampered, stranger, stale, good, good}));
    auto relays = node::RelayTargets::parse({"http://127.0.0.1:" + std::to_string(liar.port)}, {});
    ASSERT_TRUE(relays.ok());
    node::Metrics metrics;
    std::mutex mu;
    std::vector<relay::Signal> delivered;
    node::SignalerOptions o;
    o.network = proto::open::DEVNET_NETWORK_ID;
    o.poll_armed = 0.2;
    auto s = node::RelaySignaler::start(
        o, *relays,
        []() -> std::optional<node::RegistrarIdentity> {
            const auto id = identity(2);
            return node::RegistrarIdentity{
                id.key, proto::open::BoundAnnouncement{id.key.pubkey(), id.key.key_index(),
                                                       id.delegation.master_pubkey,
                                                       id.delegation.signature}};
        },
        [](const relay::MasterHash& m) { return m == identity(1).master_hash(); },
        [] { return static_cast<double>(std::time(nullptr)); }, metrics,
        [&](relay::Signal got) {
            std::lock_guard lk(mu);
            delivered.push_back(std::move(got));
        });
    s->set_armed(true);
    ASSERT_TRUE(wait_until([&] { return liar.requests >= 3; }, std::chrono::seconds(20)));
    s->stop();
    std::lock_guard lk(mu);
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0], good);
    const auto count = [&](const char* result) {
        return metrics.get("sharemsg_relay_client_signals_total",
                           std::string("result=\"") + result + "\"");
    };
    EXPECT_EQ(count("received"), 1);
    EXPECT_GE(count("repeat"), 1);
    EXPECT_GE(count("wrong_recipient"), 1);
    EXPECT_GE(count("bad_signature"), 1);
    EXPECT_GE(count("unauthorized"), 1);
    EXPECT_GE(count("stale"), 1);
}
