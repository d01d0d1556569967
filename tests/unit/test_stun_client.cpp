// The STUN client and NAT behaviour discovery against an RFC 5780 responder in the test: real
// UDP sockets on 127.0.0.1 and 127.0.0.2 (Linux routes all of 127/8 to lo), two ports each.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "net/stun.hpp"
#include "node/nat_discovery.hpp"
#include "node/stun_client.hpp"
#include "test_cli_runner.hpp"

using namespace sharemsg;
using namespace sharemsg::node;
namespace stun = sharemsg::net::stun;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Short retransmission figures keep the silent cases quick: sends at 0, 50, 150, 350 ms.
constexpr StunTiming kFast{std::chrono::milliseconds(50), std::chrono::milliseconds(400)};

// An RFC 5780 STUN server on four sockets: (127.0.0.1 | 127.0.0.2) x (port A | port B).
// Socket index = 2 * (second IP) + (second port); the primary is 0, OTHER-ADDRESS is 3.
class Responder {
  public:
    struct Options {
        bool silent = false;             // never answers
        bool other_address = true;       // puts OTHER-ADDRESS in answers
        bool honour_change = true;       // answers a CHANGE-REQUEST from the socket it asks for
        bool wrong_transaction = false;  // first sends an answer with another transaction id
        bool unknown_required = false;  // answers carry an unknown comprehension-required attribute
        bool refuse = false;            // answers 400 Bad Request
    };

    explicit Responder(Options o) : o_(o) {
        const auto lo1 = asio::ip::make_address("127.0.0.1");
        const auto lo2 = asio::ip::make_address("127.0.0.2");
        for (int attempt = 0; attempt < 20 && !bound_; ++attempt) {
            sockets_.clear();
            try {
                open(udp::endpoint(lo1, 0));
                open(udp::endpoint(lo1, 0));
                open(udp::endpoint(lo2, sockets_[0]->local_endpoint().port()));
                open(udp::endpoint(lo2, sockets_[1]->local_endpoint().port()));
                bound_ = true;
            } catch (const boost::system::system_error&) {
                // a port taken on 127.0.0.2: try two new ones
            }
        }
        for (std::size_t i = 0; i < sockets_.size(); ++i)
            receive(i);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Responder() {
        io_.stop();
        thread_.join();
    }

    // What reached the responder, in order: the socket index, and whether it carried a
    // CHANGE-REQUEST.
    struct Seen {
        std::size_t socket;
        bool change;
    };
    std::vector<Seen> seen() const {
        std::lock_guard lock(mu_);
        return seen_;
    }

    udp::endpoint address(std::size_t i) const { return sockets_.at(i)->local_endpoint(); }
    udp::endpoint primary() const { return address(0); }
    unsigned requests() const { return requests_; }
    bool bound() const { return bound_; }

  private:
    void open(const udp::endpoint& e) {
        auto s = std::make_unique<udp::socket>(io_);
        s->open(e.protocol());
        s->bind(e);
        sockets_.push_back(std::move(s));
    }
    void receive(std::size_t i) {
        sockets_[i]->async_receive_from(asio::buffer(buf_[i]), from_[i],
                                        [this, i](boost::system::error_code ec, std::size_t n) {
                                            if (ec) return;
                                            answer(i, n);
                                            receive(i);
                                        });
    }
    void answer(std::size_t i, std::size_t n) {
        auto d = stun::decode(ByteView(buf_[i].data(), n));
        if (!d || d->cls != stun::Class::request) return;
        ++requests_;
        {
            std::lock_guard lock(mu_);
            seen_.push_back(Seen{i, d->change_request.has_value()});
        }
        if (o_.silent) return;
        std::size_t from = i;
        if (d->change_request && o_.honour_change)
            from = i ^ ((d->change_request->change_ip ? 2u : 0u) |
                        (d->change_request->change_port ? 1u : 0u));
        stun::Message m;
        m.cls = stun::Class::success;
        m.transaction = d->transaction;
        m.software = "test responder";
        m.xor_mapped_address = to_stun_endpoint(from_[i]);
        m.response_origin = to_stun_endpoint(address(from));
        if (o_.other_address) m.other_address = to_stun_endpoint(address(3));
        if (o_.unknown_required) m.other.push_back(stun::RawAttribute{0x7FFF, {1, 2, 3, 4}});
        if (o_.refuse) {
            m.cls = stun::Class::error;
            m.error_code = stun::ErrorCode{400, "Bad Request"};
        }
        stun::EncodeOptions fp;
        fp.fingerprint = true;
        if (o_.wrong_transaction) {
            stun::Message wrong = m;
            wrong.transaction[0] ^= 0xFF;
            sockets_[from]->send_to(asio::buffer(stun::encode(wrong, fp)), from_[i]);
        }
        sockets_[from]->send_to(asio::buffer(stun::encode(m, fp)), from_[i]);
    }

    Options o_;
    asio::io_context io_;
    std::vector<std::unique_ptr<udp::socket>> sockets_;
    std::array<std::array<std::uint8_t, 1500>, 4> buf_{};
    std::array<udp::endpoint, 4> from_;
    std::atomic<unsigned> requests_{0};
    mutable std::mutex mu_;
    std::vector<Seen> seen_;
    bool bound_ = false;
    std::thread thread_;
};

const udp::endpoint kAnyLoopback(asio::ip::make_address("127.0.0.1"), 0);

// Runs one binding transaction on a fresh client and returns its answer and counters.
struct Outcome {
    StunAnswer answer;
    StunCounters counters;
    udp::endpoint local;
};
Outcome bind_once(std::vector<StunAsk> asks, StunTiming timing = kFast) {
    asio::io_context io;
    boost::system::error_code ec;
    auto client = StunClient::open(asio::make_strand(io), kAnyLoopback, timing, ec);
    EXPECT_TRUE(client) << ec.message();
    Outcome out;
    if (!client) return out;
    bool done = false;
    client->binding(std::move(asks), [&](const StunAnswer& a) {
        out.answer = a;
        out.counters = client->counters();
        done = true;
        client->close();
    });
    while (!done)
        io.run_one_for(50ms);
    io.run();  // the close, and the receive it ends
    out.local = client->local_endpoint();
    return out;
}

StunAsk ask(const udp::endpoint& to) {
    return StunAsk{to, std::nullopt, to};
}

}  // namespace

TEST(StunClient, BindingIsAnswered) {
    Responder r({});
    ASSERT_TRUE(r.bound());
    const auto out = bind_once({ask(r.primary())});
    ASSERT_EQ(out.answer.status, StunAnswer::Status::answered);
    EXPECT_EQ(out.answer.from, r.primary());
    ASSERT_TRUE(out.answer.response.mapped());
    EXPECT_EQ(to_udp_endpoint(*out.answer.response.mapped()), out.local);
    EXPECT_EQ(out.answer.response.other_address, to_stun_endpoint(r.address(3)));
    EXPECT_EQ(out.counters.answers, 1u);
    EXPECT_EQ(out.counters.sent, 1u);
}

TEST(StunClient, FirstOfTwoServersWins) {
    Responder silent({.silent = true});
    Responder answering({});
    ASSERT_TRUE(silent.bound() && answering.bound());
    auto out = bind_once({ask(silent.primary()), ask(answering.primary())});
    ASSERT_EQ(out.answer.status, StunAnswer::Status::answered);
    EXPECT_EQ(out.answer.index, 1u);
    EXPECT_EQ(out.answer.from, answering.primary());

    // Both answer: one wins, and it is the one asked at that index.
    Responder other({});
    ASSERT_TRUE(other.bound());
    out = bind_once({ask(other.primary()), ask(answering.primary())});
    ASSERT_EQ(out.answer.status, StunAnswer::Status::answered);
    EXPECT_EQ(out.answer.from, out.answer.index == 0 ? other.primary() : answering.primary());
    EXPECT_EQ(out.counters.answers, 1u);
}

TEST(StunClient, SilentServerTimesOutAfterRetransmissions) {
    Responder silent({.silent = true});
    ASSERT_TRUE(silent.bound());
    const unsigned sends = StunClient::sends_per_transaction(kFast);
    EXPECT_EQ(sends, 4u);                                  // 0, 50, 150, 350 ms within 400 ms
    EXPECT_EQ(StunClient::sends_per_transaction({}), 4u);  // 0, 0.5, 1.5, 3.5 s within 5 s
    const auto out = bind_once({ask(silent.primary())});
    EXPECT_EQ(out.answer.status, StunAnswer::Status::timed_out);
    EXPECT_EQ(out.counters.sent, sends);
    EXPECT_EQ(out.counters.retransmits, sends - 1);
    // Every send reached the server (loopback loses nothing); wait until it has read them.
    for (int i = 0; i < 200 && silent.requests() < sends; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(silent.requests(), sends);
}

TEST(StunClient, WrongTransactionIdIsIgnored) {
    Responder r({.wrong_transaction = true});
    ASSERT_TRUE(r.bound());
    const auto out = bind_once({ask(r.primary())});
    ASSERT_EQ(out.answer.status, StunAnswer::Status::answered);
    EXPECT_EQ(out.counters.wrong_transaction, 1u);
    EXPECT_EQ(out.counters.answers, 1u);
}

TEST(StunClient, AnswerFromUnexpectedSourceIsIgnored) {
    Responder r({});
    ASSERT_TRUE(r.bound());
    // Asked of the primary, expected from elsewhere: the primary's answer does not count.
    const auto out = bind_once({StunAsk{r.primary(), std::nullopt, r.address(1)}});
    EXPECT_EQ(out.answer.status, StunAnswer::Status::timed_out);
    EXPECT_TRUE(out.answer.unexpected_source);
    EXPECT_GE(out.counters.wrong_source, 1u);
    EXPECT_EQ(out.counters.answers, 0u);
}

TEST(StunClient, AnswerWithUnknownRequiredAttributeIsIgnored) {
    Responder r({.unknown_required = true});
    ASSERT_TRUE(r.bound());
    const auto out = bind_once({ask(r.primary())});
    EXPECT_EQ(out.answer.status, StunAnswer::Status::timed_out);
    EXPECT_EQ(out.counters.malformed, StunClient::sends_per_transaction(kFast));
    EXPECT_EQ(out.counters.answers, 0u);
}

TEST(StunClient, ErrorResponseEndsOnlyWhenNoOtherServerIsAsked) {
    Responder refusing({.refuse = true});
    Responder answering({});
    ASSERT_TRUE(refusing.bound() && answering.bound());
    auto out = bind_once({ask(refusing.primary())});
    ASSERT_EQ(out.answer.status, StunAnswer::Status::error_response);
    ASSERT_TRUE(out.answer.response.error_code);
    EXPECT_EQ(out.answer.response.error_code->code, 400);
    EXPECT_EQ(out.counters.sent, 1u);

    out = bind_once({ask(refusing.primary()), ask(answering.primary())});
    ASSERT_EQ(out.answer.status, StunAnswer::Status::answered);
    EXPECT_EQ(out.answer.index, 1u);
}

TEST(NatDiscovery, LoopbackIsOpen) {
    Responder r({});
    ASSERT_TRUE(r.bound());
    asio::io_context io;
    const auto report = discover_nat(io, {r.primary()}, kAnyLoopback, kFast);
    EXPECT_EQ(report.nat, relay::NatType::open);
    EXPECT_EQ(report.mapping, Behaviour::endpoint_independent);
    // Both CHANGE-REQUEST tests answered from where they asked: no filtering.
    EXPECT_EQ(report.filtering, Behaviour::endpoint_independent);
    EXPECT_FALSE(report.change_request_ignored);
    EXPECT_EQ(report.server, r.primary());
    EXPECT_EQ(report.other_address, r.address(3));
    ASSERT_TRUE(report.mapped && report.local);
    EXPECT_EQ(*report.mapped, *report.local);
    // Test I, filtering test II, mapping test II: three answers.
    EXPECT_EQ(report.counters.answers, 3u);
    EXPECT_EQ(report.json()["nat"], "open");
}

TEST(NatDiscovery, FilteringIsTestedBeforeTheOtherAddressIsContacted) {
    // What the client sent, as the responder received it: every CHANGE-REQUEST (to the
    // primary) comes before the first request to the other IP.
    Responder r({});
    ASSERT_TRUE(r.bound());
    asio::io_context io;
    const auto report = discover_nat(io, {r.primary()}, kAnyLoopback, kFast);
    ASSERT_TRUE(report.other_address);
    const auto seen = r.seen();
    std::size_t last_change = 0, first_other_ip = seen.size();
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (seen[i].change) last_change = i;
        if (seen[i].socket >= 2 && first_other_ip == seen.size()) first_other_ip = i;
    }
    ASSERT_LT(first_other_ip, seen.size());  // the mapping test did go to the other IP
    EXPECT_GT(first_other_ip, last_change);
    EXPECT_EQ(seen.front().socket, 0u);
    EXPECT_FALSE(seen.front().change);
}

TEST(NatDiscovery, WildcardBindFindsTheRoutedLocalAddress) {
    Responder r({});
    ASSERT_TRUE(r.bound());
    asio::io_context io;
    const auto report =
        discover_nat(io, {r.primary()}, udp::endpoint(asio::ip::make_address("0.0.0.0"), 0), kFast);
    EXPECT_EQ(report.nat, relay::NatType::open);
    ASSERT_TRUE(report.local);
    EXPECT_EQ(report.local->address(), asio::ip::make_address("127.0.0.1"));
}

TEST(NatDiscovery, ResponderIgnoringChangeRequestLeavesFilteringUnknown) {
    Responder r({.honour_change = false});
    ASSERT_TRUE(r.bound());
    asio::io_context io;
    const auto report = discover_nat(io, {r.primary()}, kAnyLoopback, kFast);
    EXPECT_TRUE(report.change_request_ignored);
    EXPECT_EQ(report.filtering, Behaviour::unknown);
    EXPECT_GE(report.counters.wrong_source, 1u);
    // The mapped address is still the local one.
    EXPECT_EQ(report.nat, relay::NatType::open);
    EXPECT_EQ(report.mapping, Behaviour::endpoint_independent);
}

TEST(NatDiscovery, NoOtherAddressNoBehaviourTests) {
    Responder r({.other_address = false});
    ASSERT_TRUE(r.bound());
    asio::io_context io;
    const auto report = discover_nat(io, {r.primary()}, kAnyLoopback, kFast);
    EXPECT_FALSE(report.other_address);
    EXPECT_EQ(report.filtering, Behaviour::unknown);
    EXPECT_EQ(report.counters.sent, 1u);  // test I only
    EXPECT_EQ(report.nat, relay::NatType::open);
}

TEST(NatDiscovery, NoAnswerIsUnknown) {
    Responder silent({.silent = true});
    ASSERT_TRUE(silent.bound());
    asio::io_context io;
    const auto report = discover_nat(io, {silent.primary()}, kAnyLoopback, kFast);
    EXPECT_EQ(report.nat, relay::NatType::unknown);
    EXPECT_FALSE(report.mapped);
    EXPECT_EQ(report.counters.sent, StunClient::sends_per_transaction(kFast));
}

TEST(NatDiscovery, CancelEndsAtOnce) {
    Responder silent({.silent = true});
    ASSERT_TRUE(silent.bound());
    asio::io_context io;
    std::optional<NatReport> got;
    // The default 5 s timing: the cancel, not the timeout, ends it.
    auto d = NatDiscovery::start(asio::make_strand(io), {silent.primary()}, kAnyLoopback, {},
                                 [&](const NatReport& r) { got = r; });
    io.run_for(100ms);
    EXPECT_FALSE(got);
    d->cancel();
    io.run();  // returns once every handler is done: nothing is left waiting
    ASSERT_TRUE(got);
    EXPECT_EQ(got->nat, relay::NatType::unknown);
}

TEST(NatDiscovery, ResolvesServerNames) {
    asio::io_context io;
    EXPECT_EQ(resolve_stun_server(io, "127.0.0.1:3478"),
              udp::endpoint(asio::ip::make_address("127.0.0.1"), 3478));
    EXPECT_EQ(resolve_stun_server(io, "[::1]:3478"),
              udp::endpoint(asio::ip::make_address("::1"), 3478));
    EXPECT_FALSE(resolve_stun_server(io, "127.0.0.1"));
    EXPECT_FALSE(resolve_stun_server(io, "127.0.0.1:0"));
    EXPECT_FALSE(resolve_stun_server(io, "127.0.0.1:65536"));
    EXPECT_FALSE(resolve_stun_server(io, "::1:3478"));
}

TEST(NatDiscovery, HiddenCliSubcommand) {
    Responder r({});
    ASSERT_TRUE(r.bound());
    const std::string server = "127.0.0.1:" + std::to_string(r.primary().port());
    auto res = sharemsg::testing::run_cli({"stun", server, "--bind", "127.0.0.1", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    const auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["nat"], "open");
    EXPECT_EQ(j["server"], server);
    EXPECT_EQ(j["mapping"], "endpoint_independent");

    res = sharemsg::testing::run_cli({"stun", server, "--bind", "127.0.0.1"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_TRUE(sharemsg::testing::contains(res.out, "nat open\n")) << res.out;
    // Hidden from the tool's help.
    res = sharemsg::testing::run_cli({"--help"});
    EXPECT_FALSE(sharemsg::testing::contains(res.out, "\n  stun ")) << res.out;
    res = sharemsg::testing::run_cli({"stun", "nohost"});
    EXPECT_EQ(res.status, 1);
}
