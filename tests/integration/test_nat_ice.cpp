// ICE sessions (src/ice) across the NAT lab (docs/natlab.md): each home's IceThread is created
// from a thread that entered the home host's namespace, so every socket its agents open is
// there. Port-restricted ↔ port-restricted is punched; full cone ↔ symmetric connects; two
// symmetric NATs without TURN fail their checks; with force_relay on both sides and coturn they
// are relayed (coturn's log shows the allocations); force_relay with TURN unreachable fails with
// turn_unreachable.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "../unit/ice_test_util.hpp"
#include "harness.hpp"
#include "netlab.hpp"

using namespace icetest;
using itest::Home;
using itest::Nat;
using itest::NatLab;

namespace {

// An IceThread whose thread (and so every libnice socket) is in the role's namespace: it is
// created from a short-lived thread that entered the namespace first.
std::unique_ptr<IceThread> ice_thread_in(const NatLab& lab, const std::string& role) {
    std::unique_ptr<IceThread> t;
    std::thread([&] {
        const int fd = ::open(("/run/netns/" + lab.ns(role)).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        const bool entered = ::setns(fd, CLONE_NEWNET) == 0;
        ::close(fd);
        if (entered) t = std::make_unique<IceThread>();
    }).join();
    return t;
}

IceOptions home_options(const Home& h, bool controlling) {
    IceOptions o;
    o.controlling = controlling;
    o.local_addresses = {h.host_ip};
    o.stun_ip = NatLab::kTurnIp;
    o.stun_port = NatLab::kTurnPort;
    o.connect_timeout = 15s;
    return o;
}

TurnServer lab_turn(std::uint16_t port = NatLab::kTurnPort) {
    return TurnServer{NatLab::kTurnIp, port, NatLab::kTurnUser, NatLab::kTurnPassword};
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Two homes with their ICE threads, coturn started.
struct Lab {
    NatLab lab;
    Home h1, h2;  // copies: add_home's references move when the lab adds a home
    std::unique_ptr<IceThread> t1, t2;

    Lab(const std::string& name, Nat n1, Nat n2) : lab(itest::test_dir(name)) {
        lab.add_public();
        h1 = lab.add_home("1", n1);
        h2 = lab.add_home("2", n2);
        lab.start_turn();
        t1 = ice_thread_in(lab, h1.host);
        t2 = ice_thread_in(lab, h2.host);
        EXPECT_TRUE(t1 && t2) << "could not enter the homes' namespaces";
    }
    ~Lab() {
        const auto t0 = std::chrono::steady_clock::now();
        if (t1) t1->stop();
        if (t2) t2->stop();
        std::printf("ICE threads stopped in %.2f s\n", seconds_since(t0));
        // Every agent finished its asynchronous close (TURN allocations released) in time.
        EXPECT_EQ(live_agents(), 0);
    }
};

// Sends `n` bytes each way and checks they arrive intact.
void data_both_ways(Peer& a, Peer& b, std::size_t n) {
    const Bytes to_b = pattern(n, 11), to_a = pattern(n, 13);
    EXPECT_EQ(a.session->send(to_b), std::nullopt);
    EXPECT_EQ(b.session->send(to_a), std::nullopt);
    ASSERT_TRUE(b.wait([&] { return b.received.size() >= n; }, 20s)) << b.received.size();
    ASSERT_TRUE(a.wait([&] { return a.received.size() >= n; }, 20s)) << a.received.size();
    EXPECT_EQ(b.received, to_b);
    EXPECT_EQ(a.received, to_a);
}

}  // namespace

TEST(NatIce, PortRestrictedPairIsPunched) {
    Lab l("nat-ice-prc", Nat::port_restricted, Nat::port_restricted);
    ASSERT_TRUE(l.t1 && l.t2);
    const auto t0 = std::chrono::steady_clock::now();
    Peer a(*l.t1, home_options(l.h1, true)), b(*l.t2, home_options(l.h2, false));
    exchange(a, b);
    ASSERT_TRUE(a.ready && b.ready)
        << (a.failed ? error_name(*a.failed) : "") << (b.failed ? error_name(*b.failed) : "");
    std::printf("port_restricted <-> port_restricted: %s (%s -> %s), ready after %.2f s\n",
                path_name(a.ready->path), a.ready->local.c_str(), a.ready->remote.c_str(),
                seconds_since(t0));
    EXPECT_EQ(a.ready->path, Path::punched);
    EXPECT_EQ(b.ready->path, Path::punched);
    data_both_ways(a, b, 64 * 1024);
}

TEST(NatIce, FullConeToSymmetricConnects) {
    Lab l("nat-ice-fc-sym", Nat::full_cone, Nat::symmetric);
    ASSERT_TRUE(l.t1 && l.t2);
    const auto t0 = std::chrono::steady_clock::now();
    Peer a(*l.t1, home_options(l.h1, true)), b(*l.t2, home_options(l.h2, false));
    exchange(a, b);
    ASSERT_TRUE(a.ready && b.ready)
        << (a.failed ? error_name(*a.failed) : "") << (b.failed ? error_name(*b.failed) : "");
    std::printf("full_cone <-> symmetric: %s (%s -> %s), ready after %.2f s\n",
                path_name(a.ready->path), a.ready->local.c_str(), a.ready->remote.c_str(),
                seconds_since(t0));
    EXPECT_EQ(a.ready->path, Path::punched);
    data_both_ways(a, b, 16 * 1024);
}

TEST(NatIce, SymmetricPairWithoutTurnFailsItsChecks) {
    Lab l("nat-ice-sym", Nat::symmetric, Nat::symmetric);
    ASSERT_TRUE(l.t1 && l.t2);
    const auto t0 = std::chrono::steady_clock::now();
    Peer a(*l.t1, home_options(l.h1, true)), b(*l.t2, home_options(l.h2, false));
    exchange(a, b);
    EXPECT_FALSE(a.ready);
    EXPECT_FALSE(b.ready);
    ASSERT_TRUE(a.failed && b.failed);
    std::printf("symmetric <-> symmetric without TURN: %s / %s after %.2f s\n",
                error_name(*a.failed), error_name(*b.failed), seconds_since(t0));
    EXPECT_EQ(*a.failed, IceError::checks_failed);
    EXPECT_EQ(*b.failed, IceError::checks_failed);
}

TEST(NatIce, SymmetricPairWithForcedRelayIsRelayed) {
    Lab l("nat-ice-relay", Nat::symmetric, Nat::symmetric);
    ASSERT_TRUE(l.t1 && l.t2);
    auto o1 = home_options(l.h1, true), o2 = home_options(l.h2, false);
    o1.turn = o2.turn = lab_turn();
    o1.force_relay = o2.force_relay = true;
    const auto t0 = std::chrono::steady_clock::now();
    Peer a(*l.t1, o1), b(*l.t2, o2);
    exchange(a, b);
    ASSERT_TRUE(a.ready && b.ready)
        << (a.failed ? error_name(*a.failed) : "") << (b.failed ? error_name(*b.failed) : "");
    std::printf("symmetric <-> symmetric, forced relay: %s (%s -> %s), ready after %.2f s\n",
                path_name(a.ready->path), a.ready->local.c_str(), a.ready->remote.c_str(),
                seconds_since(t0));
    for (const auto* p : {&a, &b}) {
        EXPECT_TRUE(p->gathered->force_relay);
        for (const auto& line : p->gathered->candidates)
            EXPECT_EQ(parse_candidate(line).candidate->type, CandidateType::relay) << line;
    }
    EXPECT_EQ(a.ready->path, Path::relayed);
    EXPECT_EQ(b.ready->path, Path::relayed);
    EXPECT_EQ(a.ready->local.rfind(std::string("relay ") + NatLab::kTurnIp + ":", 0), 0u);
    data_both_ways(a, b, 64 * 1024);
    const std::string log = read_all(l.lab.turn_log());
    EXPECT_NE(log.find("ALLOCATE processed, success"), std::string::npos) << log;
}

TEST(NatIce, ForcedRelayWithTurnUnreachableFails) {
    Lab l("nat-ice-noturn", Nat::symmetric, Nat::port_restricted);
    ASSERT_TRUE(l.t1);
    auto o = home_options(l.h1, true);
    o.turn = lab_turn(3999);  // nothing listens there
    o.force_relay = true;
    o.connect_timeout = 4s;
    const auto t0 = std::chrono::steady_clock::now();
    Peer a(*l.t1, o);
    ASSERT_TRUE(a.wait([&] { return a.failed.has_value(); }, 20s));
    std::printf("forced relay, TURN unreachable: %s after %.2f s\n", error_name(*a.failed),
                seconds_since(t0));
    EXPECT_EQ(*a.failed, IceError::turn_unreachable);
    EXPECT_FALSE(a.gathered);
}
