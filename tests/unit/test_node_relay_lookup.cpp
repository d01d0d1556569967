// RelayLookup against a relay of the test's own (a real TCP server on 127.0.0.1 that answers
// what the test tells it): answers are checked before they are believed (identity, signature,
// network, age), kept for their time-to-live, misses remembered; failures open the relay's
// circuit; a round over the window looks up the miners, not this node, and dials them.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>

#include "node/metrics.hpp"
#include "node/relay_lookup.hpp"
#include "test_relay_util.hpp"

using namespace sharemsg;
using namespace sharemsg::node;
using relay_test::identity;

namespace {

constexpr double kNow = 1'760'000'000;

// One answer for every request; the targets asked are recorded.
class CannedRelay {
  public:
    CannedRelay() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~CannedRelay() {
        stopping_ = true;
        boost::system::error_code ec;
        boost::asio::ip::tcp::socket s(io_);
        s.connect(acceptor_.local_endpoint(), ec);  // wakes the accept
        thread_.join();
    }
    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    void answer(unsigned status, std::string body) {
        std::lock_guard lk(mu_);
        status_ = status;
        body_ = std::move(body);
    }
    std::vector<std::string> targets() const {
        std::lock_guard lk(mu_);
        return targets_;
    }

  private:
    void serve() {
        while (!stopping_) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket s(io_);
            acceptor_.accept(s, ec);
            if (ec || stopping_) continue;
            std::string req;
            char buf[1024];
            while (req.find("\r\n\r\n") == std::string::npos) {
                const auto n = s.read_some(boost::asio::buffer(buf), ec);
                if (ec) break;
                req.append(buf, n);
            }
            std::string reply;
            {
                std::lock_guard lk(mu_);
                const auto sp = req.find(' ');
                targets_.push_back(req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1));
                reply = "HTTP/1.1 " + std::to_string(status_) +
                        " X\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
            }
            boost::asio::write(s, boost::asio::buffer(reply), ec);
        }
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mu_;
    unsigned status_ = 500;
    std::string body_ = "{}";
    std::vector<std::string> targets_;
    std::thread thread_;
};

std::string entry_json(const relay::Registration& r) {
    return relay::encode_entry(
        relay::Entry{r, static_cast<std::uint64_t>(kNow), static_cast<std::uint64_t>(kNow) + 300});
}

class RelayLookupTest : public ::testing::Test {
  protected:
    void start(std::optional<relay::MasterHash> own = std::nullopt) {
        relays_ = *RelayTargets::parse({relay_.url()}, {});
        RelayLookupOptions o;
        o.network = proto::open::DEVNET_NETWORK_ID;
        o.interval = 3600;
        lookup_ = RelayLookup::start(
            o, relays_, own, [this] { return now_.load(); }, metrics_,
            [this](std::vector<relay::Endpoint> eps) {
                std::lock_guard lk(dial_mu_);
                dialled_.insert(dialled_.end(), eps.begin(), eps.end());
            });
    }
    RelayLookup::Answer ask(const PeerQuery& q) {
        std::promise<RelayLookup::Answer> p;
        lookup_->request(q, [&](RelayLookup::Answer a) { p.set_value(std::move(a)); });
        return p.get_future().get();
    }
    static PeerQuery by_id(const relay_test::Identity& id) {
        return {PeerQuery::By::identity, id.key.signing_id()};
    }

    CannedRelay relay_;
    Metrics metrics_;
    std::atomic<double> now_{kNow};
    std::shared_ptr<RelayTargets> relays_;
    std::unique_ptr<RelayLookup> lookup_;
    std::mutex dial_mu_;
    std::vector<relay::Endpoint> dialled_;
};

}  // namespace

TEST_F(RelayLookupTest, AFoundIdentityIsCheckedAndKeptForItsTimeToLive) {
    start();
    const auto id = identity(1);
    relay_.answer(200, entry_json(id.registration(static_cast<std::uint64_t>(kNow))));
    auto a = ask(by_id(id));
    ASSERT_EQ(a.outcome, RelayLookup::Outcome::found) << a.detail;
    EXPECT_EQ(a.peer->source, relay_.url());
    EXPECT_GE(a.peer->expires - a.peer->fetched, 300);
    EXPECT_LE(a.peer->expires - a.peer->fetched, 600);
    ASSERT_EQ(relay_.targets().size(), 1u);
    EXPECT_EQ(relay_.targets()[0],
              "/relay/lookup/" + to_hex(proto::open::DEVNET_NETWORK_ID) + "/" + id.signing_id());
    // From the directory now: the relay is not asked again, until the answer expires.
    EXPECT_EQ(ask(by_id(id)).outcome, RelayLookup::Outcome::found);
    EXPECT_EQ(ask({PeerQuery::By::miner, id.master_hash()}).outcome, RelayLookup::Outcome::found);
    EXPECT_EQ(relay_.targets().size(), 1u);
    now_ = a.peer->expires;
    EXPECT_EQ(ask(by_id(id)).outcome, RelayLookup::Outcome::found);
    EXPECT_EQ(relay_.targets().size(), 2u);
}

TEST_F(RelayLookupTest, AnswersThatDoNotCheckAreNotBelieved) {
    start();
    const auto want = identity(1);
    const auto t = static_cast<std::uint64_t>(kNow);
    auto forged = want.registration(t);
    forged.endpoints[0].port = 1;  // changed after signing
    const std::vector<std::pair<std::string, std::string>> cases = {
        {entry_json(identity(2).registration(t)), "the registration of another identity"},
        {entry_json(forged), "a bad signature"},
        {entry_json(identity(1, 0, {1, 2, 3, 4, 5, 6, 7, 8}).registration(t)),
         "another network's registration"},
        {entry_json(want.registration(t - 1000)), "a stale registration"},
        {"{\"registration\": 1}", "does not decode"},
    };
    for (const auto& [body, why] : cases) {
        relay_.answer(200, body);
        auto a = ask(by_id(want));
        EXPECT_EQ(a.outcome, RelayLookup::Outcome::not_found) << why;
        EXPECT_NE(a.detail.find(why), std::string::npos) << a.detail;
        EXPECT_FALSE(lookup_->directory().find(by_id(want), kNow)) << why;
    }
    EXPECT_EQ(relays_->state()[0]["lookup_failures"], cases.size());
    EXPECT_EQ(relays_->state()[0]["state"], "open");
}

TEST_F(RelayLookupTest, NotFoundIsRememberedAndAFailingRelayIsLeftAlone) {
    start();
    const auto id = identity(3);
    relay_.answer(404, R"({"error":"not_found","detail":"no"})");
    EXPECT_EQ(ask(by_id(id)).outcome, RelayLookup::Outcome::not_found);
    EXPECT_TRUE(lookup_->directory().missed(by_id(id), kNow + 59));
    EXPECT_FALSE(lookup_->directory().missed(by_id(id), kNow + 61));
    EXPECT_EQ(relays_->state()[0]["state"], "ok");
    // Five failures open the circuit; then nothing is asked of the relay.
    relay_.answer(500, "{}");
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(ask(by_id(identity(10 + i))).outcome, RelayLookup::Outcome::not_found);
    EXPECT_EQ(relays_->state()[0]["state"], "open");
    const auto asked = relay_.targets().size();
    auto a = ask(by_id(identity(20)));
    EXPECT_EQ(a.outcome, RelayLookup::Outcome::no_relay);
    EXPECT_EQ(relay_.targets().size(), asked);
    EXPECT_EQ(metrics_.get("sharemsg_relay_client_breaker_opened_total"), 1);
    // After the cooldown, one try is let through.
    now_ = kNow + 301;
    relay_.answer(200, entry_json(identity(20).registration(static_cast<std::uint64_t>(kNow))));
    EXPECT_EQ(ask(by_id(identity(20))).outcome, RelayLookup::Outcome::found);
    EXPECT_EQ(relays_->state()[0]["state"], "ok");
}

TEST_F(RelayLookupTest, ARoundLooksUpTheWindowsMinersButNotThisNodeAndDialsThem) {
    const auto me = identity(4), miner = identity(5);
    start(me.master_hash());
    relay_.answer(200, entry_json(miner.registration(static_cast<std::uint64_t>(kNow),
                                                     {"127.0.0.1:4444", "[::1]:4445"})));
    lookup_->set_window({me.master_hash(), miner.master_hash()});
    ASSERT_TRUE([&] {
        for (int i = 0; i < 500; ++i) {
            {
                std::lock_guard lk(dial_mu_);
                if (!dialled_.empty()) return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }());
    std::lock_guard lk(dial_mu_);
    ASSERT_EQ(dialled_.size(), 2u);
    EXPECT_EQ(dialled_[0].to_string(), "127.0.0.1:4444");
    EXPECT_EQ(dialled_[1].to_string(), "[::1]:4445");
    ASSERT_EQ(relay_.targets().size(), 1u);
    EXPECT_EQ(relay_.targets()[0], "/relay/miner/" + to_hex(proto::open::DEVNET_NETWORK_ID) + "/" +
                                       to_hex(miner.master_hash()));
}

TEST_F(RelayLookupTest, TheApiSpendsAtMostItsMinutesShareOfTheRelays) {
    start();
    relay_.answer(404, R"({"error":"not_found","detail":"no"})");
    // 30 a minute: the 31st distinct identity asked within the minute is not sent on.
    for (int i = 0; i < 30; ++i)
        EXPECT_EQ(ask(by_id(identity(100 + i))).outcome, RelayLookup::Outcome::not_found) << i;
    auto a = ask(by_id(identity(200)));
    EXPECT_EQ(a.outcome, RelayLookup::Outcome::rate_limited);
    EXPECT_GE(a.retry_after, 1u);
    EXPECT_EQ(relay_.targets().size(), 30u);
    // What the directory holds is still answered.
    relay_.answer(200, entry_json(identity(1).registration(static_cast<std::uint64_t>(kNow))));
    now_ = kNow + 2;
    EXPECT_EQ(ask(by_id(identity(1))).outcome, RelayLookup::Outcome::found);
    EXPECT_EQ(ask(by_id(identity(1))).outcome, RelayLookup::Outcome::found);
    EXPECT_EQ(relay_.targets().size(), 31u);
}

TEST(PeerDirectory, StaysBoundedAndFollowsAMinersNewestKey) {
    PeerDirectory d(3);
    const auto t = static_cast<std::uint64_t>(kNow);
    auto put = [&](const relay_test::Identity& id, double expires) {
        d.put(KnownPeer{id.registration(t), "r", kNow, expires});
    };
    put(identity(6, 0), kNow + 100);
    put(identity(6, 1), kNow + 200);
    const PeerQuery miner{PeerQuery::By::miner, identity(6).master_hash()};
    EXPECT_EQ(d.find(miner, kNow)->registration.key_index, 1u);
    put(identity(7), kNow + 300);
    put(identity(8), kNow + 400);
    EXPECT_EQ(d.size(), 3u);  // the soonest to expire went
    EXPECT_FALSE(d.find({PeerQuery::By::identity, identity(6, 0).key.signing_id()}, kNow));
    EXPECT_EQ(d.live(kNow + 250).size(), 2u);
    EXPECT_FALSE(d.find(miner, kNow + 200));
}
