// ICE sessions on libnice (src/ice) on 127.0.0.1, no NAT: two sessions in one process connect
// directly and carry 200 KiB each way in order; close mid-stream and stop() with live sessions
// are clean; remote descriptions are checked before libnice sees them; the connect timeout and
// the send queue's bound hold; a stranger's datagrams at the sessions' ports change nothing.
// The NAT cases are in tests/integration/test_nat_ice.cpp.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ice_test_util.hpp"

using namespace icetest;

namespace {

IceOptions loopback(bool controlling) {
    IceOptions o;
    o.controlling = controlling;
    o.local_addresses = {"127.0.0.1"};
    o.connect_timeout = 20s;
    return o;
}

// Both gathered, descriptions exchanged, both ready.
void connect(Peer& a, Peer& b) {
    exchange(a, b);
    ASSERT_FALSE(testing::Test::HasFatalFailure());
    ASSERT_TRUE(a.ready && b.ready)
        << (a.failed ? error_name(*a.failed) : "") << (b.failed ? error_name(*b.failed) : "");
}

const char* kLine = "a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ host";

}  // namespace

TEST(IceCandidate, AcceptsWhatLibniceWrites) {
    for (const char* line : {
             kLine,
             "candidate:1 1 udp 2015363327 10.1.0.2 52334 typ host",
             "a=candidate:2 1 UDP 1677721855 203.0.113.11 40000 typ srflx raddr 10.1.0.2 rport "
             "52334",
             "a=candidate:3 1 UDP 16777215 203.0.113.1 49160 typ relay raddr 203.0.113.11 rport 0",
             "a=candidate:4 1 UDP 1 2001:db8::1 65535 typ prflx",
         }) {
        const auto r = parse_candidate(line);
        EXPECT_TRUE(r.candidate && !r.problem) << line;
    }
    const auto r = parse_candidate(
        "a=candidate:2 1 UDP 1677721855 203.0.113.11 40000 typ srflx raddr 10.1.0.2 rport 5");
    ASSERT_TRUE(r.candidate);
    EXPECT_EQ(r.candidate->type, CandidateType::srflx);
    EXPECT_EQ(r.candidate->port, 40000);
    EXPECT_EQ(r.candidate->priority, 1677721855u);
    EXPECT_EQ(r.candidate->related_address, "10.1.0.2");
    EXPECT_EQ(r.candidate->related_port, 5);
}

TEST(IceCandidate, RefusesEachProblemByName) {
    const std::pair<std::string, CandidateProblem> cases[] = {
        {std::string(kLine) + std::string(210, ' '), CandidateProblem::too_long},
        {std::string(kLine) + "\n", CandidateProblem::not_printable},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 5233\x80 typ host",
         CandidateProblem::not_printable},
        {"a=cand:1 1 UDP 2015363327 10.1.0.2 52334 typ host", CandidateProblem::bad_prefix},
        {"a=candidate:1  1 UDP 2015363327 10.1.0.2 52334 typ host", CandidateProblem::bad_syntax},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ host ", CandidateProblem::bad_syntax},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ", CandidateProblem::bad_syntax},
        {"a=candidate:a-b 1 UDP 2015363327 10.1.0.2 52334 typ host",
         CandidateProblem::bad_foundation},
        {"a=candidate:" + std::string(33, 'f') + " 1 UDP 2015363327 10.1.0.2 52334 typ host",
         CandidateProblem::bad_foundation},
        {"a=candidate:1 2 UDP 2015363327 10.1.0.2 52334 typ host", CandidateProblem::bad_component},
        {"a=candidate:1 1 TCP 2015363327 10.1.0.2 52334 typ host tcptype active",
         CandidateProblem::bad_transport},
        {"a=candidate:1 1 UDP 0 10.1.0.2 52334 typ host", CandidateProblem::bad_priority},
        {"a=candidate:1 1 UDP 4294967296 10.1.0.2 52334 typ host", CandidateProblem::bad_priority},
        {"a=candidate:1 1 UDP 0123 10.1.0.2 52334 typ host", CandidateProblem::bad_priority},
        {"a=candidate:1 1 UDP 2015363327 example.org 52334 typ host",
         CandidateProblem::bad_address},
        {"a=candidate:1 1 UDP 2015363327 fe80::1%eth0 52334 typ host",
         CandidateProblem::bad_address},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.256 52334 typ host", CandidateProblem::bad_address},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 0 typ host", CandidateProblem::bad_port},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 65536 typ host", CandidateProblem::bad_port},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 type host", CandidateProblem::bad_type},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ relayed", CandidateProblem::bad_type},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ host raddr 10.0.0.1 rport 1",
         CandidateProblem::bad_related},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ srflx raddr 10.0.0.1",
         CandidateProblem::bad_related},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ srflx rport 1 raddr 10.0.0.1",
         CandidateProblem::bad_related},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ srflx raddr x rport 1",
         CandidateProblem::bad_related},
        {"a=candidate:1 1 UDP 2015363327 10.1.0.2 52334 typ host generation 0",
         CandidateProblem::trailing},
    };
    for (const auto& [line, problem] : cases) {
        const auto r = parse_candidate(line);
        EXPECT_FALSE(r.candidate) << line;
        ASSERT_TRUE(r.problem) << line;
        EXPECT_EQ(*r.problem, problem) << line << ": " << candidate_problem_name(*r.problem)
                                       << " instead of " << candidate_problem_name(problem);
    }
}

TEST(IceSession, PathRule) {
    using T = CandidateType;
    EXPECT_EQ(path_of(T::host, T::host), Path::direct);
    EXPECT_EQ(path_of(T::srflx, T::srflx), Path::punched);
    EXPECT_EQ(path_of(T::host, T::prflx), Path::punched);
    EXPECT_EQ(path_of(T::relay, T::host), Path::relayed);
    EXPECT_EQ(path_of(T::srflx, T::relay), Path::relayed);
    EXPECT_STREQ(path_name(Path::punched), "punched");
}

TEST(IceSession, LoopbackPairIsDirectAndCarries200KiBEachWayInOrder) {
    IceThread t;
    Peer a(t, loopback(true)), b(t, loopback(false));
    connect(a, b);
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(a.ready->path, Path::direct);
    EXPECT_EQ(b.ready->path, Path::direct);
    EXPECT_EQ(a.ready->local.rfind("host 127.0.0.1:", 0), 0u) << a.ready->local;

    // One send each: more than PseudoTCP takes at once, so libnice takes it in parts and the
    // rest waits for reliable-transport-writable.
    const Bytes to_b = pattern(200 * 1024, 1), to_a = pattern(200 * 1024, 7);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(a.session->send(to_b), std::nullopt);
    EXPECT_EQ(b.session->send(to_a), std::nullopt);
    ASSERT_TRUE(b.wait([&] { return b.received.size() >= to_b.size(); }, 60s));
    ASSERT_TRUE(a.wait([&] { return a.received.size() >= to_a.size(); }, 60s));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    std::printf("200 KiB each way in %lld ms\n", static_cast<long long>(ms.count()));
    EXPECT_EQ(b.received, to_b);
    EXPECT_EQ(a.received, to_a);
    EXPECT_EQ(a.session->queued(), 0u);
    std::printf("send stalls: %llu and %llu\n",
                static_cast<unsigned long long>(a.session->send_stalls()),
                static_cast<unsigned long long>(b.session->send_stalls()));
    EXPECT_GT(a.session->send_stalls(), 0u);
    EXPECT_GT(b.session->send_stalls(), 0u);
    EXPECT_FALSE(a.failed);
    EXPECT_FALSE(b.failed);
}

TEST(IceSession, CloseMidStreamIsClean) {
    auto t = std::make_unique<IceThread>();
    Peer a(*t, loopback(true)), b(*t, loopback(false));
    connect(a, b);
    ASSERT_FALSE(HasFatalFailure());
    const Bytes big = pattern(1000 * 1000, 3);
    EXPECT_EQ(a.session->send(big), std::nullopt);
    EXPECT_EQ(b.session->send(big), std::nullopt);
    ASSERT_TRUE(b.wait([&] { return !b.received.empty(); }));
    a.close();
    b.close();
    EXPECT_EQ(a.session->send(big), IceError::closed);
    EXPECT_EQ(a.session->queued(), 0u);
    std::this_thread::sleep_for(300ms);
    {
        std::lock_guard la(a.mu), lb(b.mu);
        EXPECT_EQ(a.after_close, 0);
        EXPECT_EQ(b.after_close, 0);
        // What arrived is a prefix of what was sent.
        EXPECT_TRUE(std::equal(b.received.begin(), b.received.end(), big.begin()));
    }
    // Both agents are released by the time the thread has stopped.
    t.reset();
    EXPECT_EQ(live_agents(), 0);
}

TEST(IceSession, InvalidRemoteDescriptionsAreRefusedByName) {
    IceThread t;
    Peer a(t, loopback(true)), b(t, loopback(false));
    ASSERT_TRUE(a.wait([&] { return a.gathered.has_value(); }));
    ASSERT_TRUE(b.wait([&] { return b.gathered.has_value(); }));
    const Description good = *b.gathered;
    auto refused = [&](Description d) { return a.session->set_remote(d); };

    Description d = good;
    d.ufrag = "abc";
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::bad_ufrag);
    d = good;
    d.ufrag = "ab;d";
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::bad_ufrag);
    d = good;
    d.pwd = std::string(21, 'p');
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::bad_pwd);
    d = good;
    d.pwd = std::string(257, 'p');
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::bad_pwd);
    d = good;
    d.candidates.clear();
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::no_candidates);
    d = good;
    d.candidates.assign(17, kLine);
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::too_many_candidates);
    d = good;
    d.candidates.push_back("a=candidate:1 1 TCP 2015363327 127.0.0.1 9 typ host tcptype active");
    const auto e = refused(d);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->problem, DescriptionProblem::bad_candidate);
    EXPECT_EQ(e->index, good.candidates.size());
    EXPECT_EQ(e->candidate, CandidateProblem::bad_transport);
    d = good;
    d.force_relay = true;
    EXPECT_EQ(refused(d)->problem, DescriptionProblem::relay_mismatch);

    // Refusals leave the session waiting: the valid descriptions still connect it.
    EXPECT_EQ(a.session->set_remote(good), std::nullopt);
    EXPECT_EQ(b.session->set_remote(*a.gathered), std::nullopt);
    ASSERT_TRUE(a.wait([&] { return a.ready || a.failed; }));
    EXPECT_TRUE(a.ready);
}

TEST(IceSession, ConnectTimeoutFiresWhenTheRemoteNeverAnswers) {
    // A real UDP socket on 127.0.0.1 that reads nothing: the checks go unanswered.
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);

    IceThread t;
    IceOptions o = loopback(true);
    o.connect_timeout = 1500ms;
    Peer a(t, o);
    Peer silent(t, o);  // never given a remote description
    ASSERT_TRUE(a.wait([&] { return a.gathered.has_value(); }));
    Description remote;
    remote.ufrag = "abcd";
    remote.pwd = "abcdefghijklmnopqrstuv";
    remote.candidates = {"a=candidate:1 1 UDP 2015363327 127.0.0.1 " +
                         std::to_string(ntohs(sa.sin_port)) + " typ host"};
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(a.session->set_remote(remote), std::nullopt);
    ASSERT_TRUE(a.wait([&] { return a.failed.has_value(); }, 15s));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    std::printf("unanswered checks: failed after %lld ms\n", static_cast<long long>(ms.count()));
    EXPECT_EQ(*a.failed, IceError::timeout);
    ASSERT_TRUE(silent.wait([&] { return silent.failed.has_value(); }, 15s));
    EXPECT_EQ(*silent.failed, IceError::timeout);
    EXPECT_FALSE(a.ready);
    EXPECT_EQ(a.session->send(pattern(10, 0)), IceError::closed);
    ::close(fd);
}

TEST(IceSession, OptionsThatCannotWorkFail) {
    IceThread t;
    IceOptions none = loopback(true);
    none.local_addresses.clear();
    IceOptions name = loopback(true);
    name.local_addresses = {"localhost"};
    IceOptions relay_without_turn = loopback(true);
    relay_without_turn.force_relay = true;
    for (auto& o : {none, name, relay_without_turn}) {
        Peer p(t, o);
        ASSERT_TRUE(p.wait([&] { return p.failed.has_value(); }));
        EXPECT_EQ(*p.failed, IceError::bad_options);
        EXPECT_FALSE(p.gathered);
    }
}

TEST(IceSession, SendQueueIsBounded) {
    IceThread t;
    IceOptions o = loopback(true);
    o.max_queue = 1000;
    Peer a(t, o);  // never connected: nothing leaves the queue
    EXPECT_EQ(a.session->send(pattern(1001, 0)), IceError::queue_full);
    EXPECT_EQ(a.session->queued(), 0u);
    EXPECT_EQ(a.session->send(pattern(600, 0)), std::nullopt);
    EXPECT_EQ(a.session->send(pattern(401, 0)), IceError::queue_full);
    EXPECT_EQ(a.session->send(pattern(400, 0)), std::nullopt);
    EXPECT_EQ(a.session->queued(), 1000u);
}

TEST(IceSession, StopWithLiveSessionsEndsThemWithoutCallbacks) {
    auto t = std::make_unique<IceThread>();
    Peer a(*t, loopback(true)), b(*t, loopback(false));
    connect(a, b);
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(a.session->send(pattern(300 * 1000, 5)), std::nullopt);
    t->stop();
    t->stop();  // idempotent
    {
        std::lock_guard la(a.mu), lb(b.mu);
        a.closed = b.closed = true;
    }
    EXPECT_EQ(a.session->send(pattern(10, 0)), IceError::closed);
    EXPECT_EQ(a.session->set_remote(*b.gathered), std::nullopt);  // checked, then dropped
    a.session.reset();
    b.session.reset();
    t.reset();
    EXPECT_EQ(live_agents(), 0);
    EXPECT_EQ(a.after_close, 0);
    EXPECT_EQ(b.after_close, 0);
    // Sessions made after stop() never start.
    IceThread stopped;
    stopped.stop();
    Peer late(stopped, loopback(true));
    EXPECT_EQ(late.session->send(pattern(1, 0)), IceError::closed);
}

// A session's UDP port meets a hostile sender: while 200 KiB cross each way, a stranger sends
// 20,000 datagrams to both ports (random bytes, STUN-looking headers with a wrong
// transaction, oversized ones). libnice drops them: the transfer completes intact, in order,
// and neither session fails.
TEST(IceSession, StrangersDatagramsAtTheSessionsPortsChangeNothing) {
    IceThread t;
    Peer a(t, loopback(true)), b(t, loopback(false));
    connect(a, b);
    ASSERT_FALSE(HasFatalFailure());
    auto port_of = [](const std::string& local) {  // "host 127.0.0.1:PORT"
        return static_cast<std::uint16_t>(std::stoi(local.substr(local.rfind(':') + 1)));
    };
    const std::uint16_t ports[] = {port_of(a.ready->local), port_of(b.ready->local)};

    const Bytes to_b = pattern(200 * 1024, 3), to_a = pattern(200 * 1024, 9);
    EXPECT_EQ(a.session->send(to_b), std::nullopt);
    EXPECT_EQ(b.session->send(to_a), std::nullopt);

    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1103515245u + 12345u;
        return static_cast<std::uint8_t>(seed >> 16);
    };
    std::size_t sent = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20000; ++i) {
        Bytes d(i % 3 == 2 ? 1400 : 20 + next() % 200);
        for (auto& x : d)
            x = next();
        if (i % 3 == 1) {  // a STUN binding request header with the magic cookie
            d[0] = 0x00, d[1] = 0x01, d[2] = 0x00, d[3] = 0x00;
            d[4] = 0x21, d[5] = 0x12, d[6] = 0xa4, d[7] = 0x42;
        }
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(ports[i % 2]);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0)
            ++sent;
    }
    ::close(fd);
    ASSERT_TRUE(b.wait([&] { return b.received.size() >= to_b.size() || b.failed; }, 60s));
    ASSERT_TRUE(a.wait([&] { return a.received.size() >= to_a.size() || a.failed; }, 60s));
    std::printf("%zu stranger datagrams sent; transfer done in %lld ms\n", sent,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - t0)
                                           .count()));
    EXPECT_GT(sent, 19000u);
    EXPECT_EQ(b.received, to_b);
    EXPECT_EQ(a.received, to_a);
    EXPECT_FALSE(a.failed);
    EXPECT_FALSE(b.failed);
}
