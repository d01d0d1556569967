// A mailbox under an unauthenticated client, from one address: it floods every endpoint
// (challenges, junk bodies, well-formed requests signed by an identity the mailbox does not
// know, oversized bodies) and tries to open many subscribe streams, while a good client on
// another address registers, sends, subscribes and reads. Measures what the flood makes the
// node spend (memory, CPU, disk, log lines, challenges held) and checks that the good client
// is served.
#include <gtest/gtest.h>
#include <poll.h>

#include <ctime>
#include <random>

#include "../unit/test_mailbox_server_util.hpp"
#include "harness.hpp"

using namespace itest;
using namespace sharemsg;
using mailbox::Op;
using mailbox_test::own;
using mailbox_test::registration;
using mailbox_test::request;
using mailbox_test::sealed;
using relay_test::identity;

namespace {

constexpr const char* kHostile = "127.0.0.7";

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

int request_from(std::uint16_t port, const char* from, const std::string& method,
                 const std::string& path, const std::string& body) {
    int fd = connect_local(port, 3000, from);
    if (fd < 0) return 0;
    const std::string req = method + " " + path +
                            " HTTP/1.1\r\nHost: mailbox.example\r\nConnection: close\r\n"
                            "Content-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string resp = send_and_read_all(fd, req);
    return resp.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(resp.substr(9, 3)) : 0;
}

std::uintmax_t dir_bytes(const fs::path& dir) {
    std::uintmax_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() != "sharemsgd.log") n += e.file_size();
    return n;
}

}  // namespace

TEST(MailboxHostile, AnUnauthenticatedFloodCostsLittleAndTheGoodClientIsServed) {
    const auto dir = test_dir("mailbox-hostile");
    Daemon d(SHAREMSGD_PATH, dir / "mailbox");
    ASSERT_TRUE(d.start({"--mailbox", "--share-period", "0.3", "--address",
                         to_hex(identity(1).master_hash()), "--mailbox-sweep-interval", "0.5"}))
        << d.log();
    ASSERT_TRUE(
        wait_until([&] { return d.get("/mailbox/health").json().value("window_payouts", 0) >= 1; },
                   std::chrono::seconds(30)));
    // The miner's own shares keep the store growing: let it settle, then take the baseline.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_before = rss_kib(d.pid());
    const double cpu_before = cpu_seconds(d.pid());
    const auto disk_before = dir_bytes(dir / "mailbox");
    const auto log_before = count_of(d.log(), "\n");

    // The flood: per endpoint, junk and well-formed requests of a stranger (identity 5: not
    // paid in the window, never registered), and oversized bodies.
    const auto stranger = identity(5);
    const auto to = identity(1, 1).key.pubkey();
    std::mt19937 rng(7);
    std::map<int, int> statuses;
    unsigned sent = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) {
        const auto now = unix_now();
        std::string junk(200, '\0');
        for (auto& c : junk)
            c = static_cast<char>(rng());
        const std::vector<std::pair<std::string, std::string>> reqs{
            {"/mailbox/register", mailbox::encode_request(registration(stranger, now))},
            {"/mailbox/send",
             mailbox::encode_request(request(stranger, Op::send, to, now, sealed(4096)))},
            {"/mailbox/get", mailbox::encode_request(own(stranger, Op::get, now, 1))},
            {"/mailbox/ack", mailbox::encode_request(own(stranger, Op::ack, now, 1))},
            {"/mailbox/subscribe", mailbox::encode_request(own(stranger, Op::subscribe, now))},
            {"/mailbox/send", junk},
            {"/mailbox/send", std::string(90 * 1024, '[')},
        };
        for (const auto& [path, body] : reqs) {
            ++statuses[request_from(d.web_port, kHostile, "POST", path, body)];
            ++sent;
        }
        ++statuses[request_from(d.web_port, kHostile, "GET", "/mailbox/challenge", "")];
        ++sent;
    }
    const double flood_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    // Many subscribe attempts held open: none becomes a stream.
    std::vector<int> held;
    for (int i = 0; i < 64; ++i) {
        int fd = connect_local(d.web_port, 3000, kHostile);
        if (fd < 0) continue;
        const auto body = mailbox::encode_request(own(stranger, Op::subscribe, unix_now()));
        const std::string req = "POST /mailbox/subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
        ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
        held.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double subscribers = d.metric("sharemsg_mailbox_subscribers");
    for (int fd : held)
        ::close(fd);

    // The good client, from 127.0.0.1.
    const auto alice = identity(1, 0), bob = identity(1, 1);
    for (const auto* id : {&alice, &bob}) {
        auto r = http_request(d.web_port, "POST", "/mailbox/register",
                              mailbox::encode_request(registration(*id, unix_now())));
        ASSERT_EQ(r.status, 200) << r.body;
    }
    auto stored = http_request(d.web_port, "POST", "/mailbox/send",
                               mailbox::encode_request(request(alice, Op::send, bob.key.pubkey(),
                                                               unix_now(), sealed(64))));
    ASSERT_EQ(stored.status, 200) << stored.body;
    auto got = http_request(d.web_port, "POST", "/mailbox/get",
                            mailbox::encode_request(own(bob, Op::get, unix_now(), 1)));
    ASSERT_EQ(got.status, 200) << got.body;

    const long rss_after = rss_kib(d.pid());
    const double cpu = cpu_seconds(d.pid()) - cpu_before;
    const auto disk_after = dir_bytes(dir / "mailbox");
    const auto log_lines = count_of(d.log(), "\n") - log_before;
    const double challenges = d.metric("sharemsg_mailbox_challenges");
    const double rss_growth_mib = static_cast<double>(rss_after - rss_before) / 1024.0;
    const double disk_growth_kib =
        (static_cast<double>(disk_after) - static_cast<double>(disk_before)) / 1024.0;
    std::printf(
        "[ measure  ] %u hostile requests in %.0f ms (200: %d, 400: %d, 401: %d, 403: %d, 413: "
        "%d, 429: %d, no answer: %d); 64 subscribe attempts held, %g streams opened\n",
        sent, flood_ms, statuses[200], statuses[400], statuses[401], statuses[403], statuses[413],
        statuses[429], statuses[0], subscribers);
    std::printf(
        "[ measure  ] cost: RSS %+.1f MiB (%ld -> %ld KiB), CPU %.2f s, disk %+.1f KiB (miner's "
        "own shares included), %zu log lines, %g challenges held\n",
        rss_growth_mib, rss_before, rss_after, cpu, disk_growth_kib, log_lines, challenges);

    EXPECT_EQ(subscribers, 0);  // no stream for a stranger
    // Only challenges were answered 200, and the per-source budget (120 a minute, refilled at
    // 2 a second) bounds how many one address is handed.
    EXPECT_EQ(challenges, statuses[200]);
    EXPECT_LE(statuses[200], 120 + 2 * static_cast<int>(flood_ms / 1000) + 2);
    EXPECT_LT(rss_growth_mib, 64 + kQuarantineMib);
    EXPECT_LT(cpu, 20);
    // Nothing the stranger sent is kept: the disk grows by the miner's own shares only.
    EXPECT_LT(disk_growth_kib, 2048);
    EXPECT_LT(log_lines, static_cast<std::size_t>(sent));  // no log line per refused request
    // The store holds the good client's message only (the gauges are read at each sweep).
    EXPECT_TRUE(
        wait_until([&] { return d.get("/mailbox/health").json().value("messages", -1.0) == 1.0; },
                   std::chrono::seconds(5)));
}
