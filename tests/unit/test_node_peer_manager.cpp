// PeerManager and Peer over real sockets on 127.0.0.1, without a Node: the accept loop's
// backoff when the process is out of descriptors, the memory budget of all peers together,
// the send-queue budget, and the back-pressure of work in flight.
#include <gtest/gtest.h>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "node/network.hpp"
#include "node/peer_manager.hpp"

using namespace sharemsg;
using namespace sharemsg::node;
using namespace std::chrono_literals;

namespace {

int open_fds() {
    int n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return -1;
    while (auto* e = ::readdir(d))
        n += e->d_name[0] != '.';
    ::closedir(d);
    return n - 1;  // the directory's own descriptor
}

int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, ByteView b) {
    while (!b.empty()) {
        const ssize_t n = ::send(fd, b.data(), b.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        b = b.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

Bytes frame(const p2p::Message& m) {
    return p2p::encode_message(devnet_network().p2p.prefix, m).value();
}

Bytes version() {
    p2p::Version v;
    v.version = p2p::PROTOCOL_VERSION;
    v.nonce = 77;
    v.mode = p2p::VERSION_MODE;
    return frame(v);
}

// True once the remote end closed the connection (reads until EOF or an error).
bool closed_by_remote(int fd) {
    std::uint8_t buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) return true;
        if (n < 0) return errno == ECONNRESET;
    }
}

struct Manager {
    boost::asio::io_context io;
    Metrics metrics;
    std::vector<WorkTicket> held;  // tickets kept (back-pressure test)
    bool keep_tickets = false;
    std::atomic<std::size_t> delivered{0};
    std::unique_ptr<PeerManager> pm;
    std::thread thread;

    explicit Manager(PeerLimits limits) {
        PeerManager::Hooks hooks;
        hooks.on_message = [this](const std::shared_ptr<Peer>&, p2p::Message&&, WorkTicket&& t) {
            ++delivered;
            if (keep_tickets) held.push_back(std::move(t));
        };
        pm = std::make_unique<PeerManager>(io, devnet_network().p2p, limits, 0, 42, metrics,
                                           std::move(hooks));
        EXPECT_TRUE(pm->listen("127.0.0.1", 0));
    }
    ~Manager() {
        boost::asio::post(io, [this] {
            pm->stop();
            io.stop();
        });
        if (thread.joinable())
            thread.join();
        else
            io.run_for(100ms);
    }
    void run_in_background() {
        thread = std::thread([this] {
            auto guard = boost::asio::make_work_guard(io);
            io.run();
        });
    }
    std::uint16_t port() const { return pm->listen_port(); }
};

bool eventually(const std::function<bool()>& pred) {
    for (int i = 0; i < 100; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

}  // namespace

TEST(PeerManager, AcceptBacksOffWhenOutOfDescriptors) {
    PeerLimits l;
    l.max_per_ip = 100;  // every client is 127.0.0.1
    Manager m{l};
    // One peer first, with descriptors to spare (under UBSan this also warms its type cache,
    // whose first checks need a pipe).
    const int first = connect_to(m.port());
    ASSERT_GE(first, 0);
    m.io.run_for(300ms);
    ASSERT_EQ(m.pm->count(), 1u);
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
    // Leave room for exactly the clients: the connections then wait in the listen backlog and
    // every accept fails with EMFILE.
    constexpr int kClients = 6;
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(open_fds() + kClients);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> clients;
    for (int i = 0; i < kClients; ++i) {
        const int fd = connect_to(m.port());
        if (fd >= 0) clients.push_back(fd);
    }
    EXPECT_EQ(clients.size(), static_cast<std::size_t>(kClients));
    const auto t0 = std::chrono::steady_clock::now();
    m.io.run_for(1500ms);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double errors = m.metrics.get("sharemsg_p2p_accept_errors_total");
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
    std::printf("[ figures  ] %.0f accept errors in %.2f s out of descriptors\n", errors, secs);
    EXPECT_GE(errors, 1);
    // Each retry waits at least 50 ms: however slow the machine, no more than secs / 0.05 + 1
    // tries (a loop retrying at once makes hundreds of thousands).
    EXPECT_LE(errors, secs / 0.05 + 1);
    // With descriptors again, the waiting connections are accepted.
    m.io.run_for(3000ms);
    EXPECT_EQ(m.pm->count(), static_cast<std::size_t>(kClients) + 1);
    for (int fd : clients)
        ::close(fd);
    ::close(first);
}

TEST(PeerManager, TotalBudgetClosesThePeerHoldingTheMost) {
    PeerLimits l;
    l.max_frame_payload = 1'000'000;
    l.max_total_held = 1'200'000;
    Manager m(l);
    m.run_in_background();
    // Two peers each start a frame announcing 1,000,000 bytes; A sends 900,000 of them, then B
    // 300,000: together over the budget, and A holds the most.
    const auto prefix = devnet_network().p2p.prefix;
    auto header = [&prefix](std::uint32_t len) {
        Bytes h(prefix.begin(), prefix.end());
        const std::string cmd = "shares";
        h.insert(h.end(), cmd.begin(), cmd.end());
        h.resize(h.size() + 12 - cmd.size(), 0);
        for (int i = 0; i < 4; ++i)
            h.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
        h.resize(h.size() + 4, 0);  // checksum (never checked: the frame is not finished)
        return h;
    };
    const int a = connect_to(m.port()), b = connect_to(m.port());
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    ASSERT_TRUE(send_all(a, header(1'000'000)));
    ASSERT_TRUE(send_all(a, Bytes(900'000, 1)));
    ASSERT_TRUE(
        eventually([&] { return m.metrics.get("sharemsg_p2p_buffered_bytes") >= 900'000; }));
    EXPECT_EQ(m.metrics.get("sharemsg_p2p_memory_closes_total"), 0);
    ASSERT_TRUE(send_all(b, header(1'000'000)));
    ASSERT_TRUE(send_all(b, Bytes(300'000, 2)));
    EXPECT_TRUE(closed_by_remote(a));
    EXPECT_TRUE(eventually([&] { return m.pm->count() == 1; }));
    EXPECT_EQ(m.metrics.get("sharemsg_p2p_memory_closes_total"), 1);
    const double held = m.metrics.get("sharemsg_p2p_buffered_bytes");
    std::printf("[ figures  ] after the close the peers hold %.0f bytes (budget %zu)\n", held,
                l.max_total_held);
    EXPECT_LE(held, static_cast<double>(l.max_total_held));
    ::close(a);
    ::close(b);
}

TEST(PeerManager, PeerThatDoesNotReadIsClosedAtItsSendQueueBudget) {
    PeerLimits l;
    l.max_send_queue = 256 * 1024;
    Manager m(l);
    m.run_in_background();
    const int fd = connect_to(m.port());
    ASSERT_GE(fd, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ASSERT_TRUE(send_all(fd, version()));
    ASSERT_TRUE(eventually([&] { return m.delivered == 1; }));
    // Broadcast 200 KB shares to a peer that reads nothing: the kernel's buffers fill, then
    // the queue passes its budget and the peer is closed.
    for (int i = 0; i < 200 && m.pm->count() == 1; ++i) {
        std::promise<void> done;
        boost::asio::post(m.io, [&] {
            m.pm->broadcast(p2p::Shares{{p2p::WrappedShare{36, Bytes(200'000, 3)}}}, 0);
            done.set_value();
        });
        done.get_future().wait();
    }
    EXPECT_EQ(m.pm->count(), 0u);
    EXPECT_LE(m.metrics.get("sharemsg_p2p_buffered_bytes"), 0);
    ::close(fd);
}

TEST(PeerManager, ReadingPausesWhileWorkIsInFlight) {
    PeerLimits l;
    l.max_in_flight = 4;
    Manager m(l);
    m.keep_tickets = true;
    const int fd = connect_to(m.port());
    ASSERT_GE(fd, 0);
    Bytes stream = version();
    for (int i = 0; i < 9; ++i) {
        auto p = frame(p2p::Ping{});
        stream.insert(stream.end(), p.begin(), p.end());
    }
    ASSERT_TRUE(send_all(fd, stream));
    m.io.run_for(500ms);
    EXPECT_EQ(m.delivered, 4u);  // version and three pings; the rest waits
    m.held.clear();              // the work is done (released from another thread: posted)
    m.io.run_for(500ms);
    EXPECT_EQ(m.delivered, 8u);
    m.keep_tickets = false;
    m.held.clear();
    m.io.run_for(500ms);
    EXPECT_EQ(m.delivered, 10u);
    EXPECT_EQ(m.pm->count(), 1u);
    ::close(fd);
}

TEST(PeerManager, RelayFoundEndpointsAreDialledUnderTheBooksAddressPolicy) {
    // Something listening on 127.0.0.1, named by a relay's answer.
    boost::asio::io_context lio;
    boost::asio::ip::tcp::acceptor listener(lio, {boost::asio::ip::make_address("127.0.0.1"), 0});
    relay::Endpoint ep;
    ep.addr[0] = 127;
    ep.addr[3] = 1;
    ep.port = listener.local_endpoint().port();
    const std::string dials = "sharemsg_p2p_relay_dials_total";

    // A book for the live networks refuses loopback: the endpoint is not dialled.
    Manager strict(PeerLimits{});
    strict.pm->use_address_book(DiscoveryOptions{});
    strict.run_in_background();
    boost::asio::post(strict.io, [&] { strict.pm->dial_found({ep}); });
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(strict.metrics.get(dials), 0);

    // A devnet book takes it: dialled at once, even with --discover false.
    Manager devnet(PeerLimits{});
    DiscoveryOptions o;
    o.discover = false;
    o.book.allow_loopback = true;
    devnet.pm->use_address_book(o);
    devnet.run_in_background();
    boost::asio::post(devnet.io, [&] { devnet.pm->dial_found({ep}); });
    EXPECT_TRUE(eventually([&] { return devnet.metrics.get(dials) == 1; }));
}
