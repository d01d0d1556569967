// A relay under a hostile client: junk bodies, well-formed registrations with bad
// signatures, oversized bodies and slow connections, all from one address, while an honest
// node on another address registers and looks itself up. Measures what the attack costs the
// relay (CPU, memory, what it answered) and checks that the honest node is served.
#include <gtest/gtest.h>

#include <ctime>
#include <random>

#include "../unit/test_relay_util.hpp"
#include "harness.hpp"

using namespace itest;
using namespace sharemsg;
using relay_test::identity;

namespace {

// One request from `from`; the status (0: no answer).
int request_from(std::uint16_t port, const char* from, const std::string& method,
                 const std::string& path, const std::string& body, std::string* out = nullptr) {
    int fd = connect_local(port, 3000, from);
    if (fd < 0) return 0;
    const std::string req = method + " " + path +
                            " HTTP/1.1\r\nHost: relay.example\r\nConnection: close\r\n"
                            "Content-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string resp = send_and_read_all(fd, req);
    if (out) *out = resp;
    return resp.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(resp.substr(9, 3)) : 0;
}

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(RelayHostile, JunkSlowAndOversizedClientsDoNotKeepOthersOut) {
    const auto dir = test_dir("relay-hostile");
    Daemon d(SHAREMSGD_PATH, dir / "relay");
    ASSERT_TRUE(d.start(
        {"--relay", "--share-period", "0.3", "--address", to_hex(identity(1).master_hash())}));
    ASSERT_TRUE(
        wait_until([&] { return d.get("/relay/health").json().value("window_payouts", 0) >= 1; },
                   std::chrono::seconds(30)));
    const long rss_before = rss_kib(d.pid());
    const double cpu_before = cpu_seconds(d.pid());

    // Slow clients: 24 connections that send half a request head and stall.
    std::vector<int> slow;
    for (int i = 0; i < 24; ++i) {
        int fd = connect_local(d.web_port, 3000, "127.0.0.5");
        if (fd < 0) continue;
        const std::string part = "POST /relay/register HTTP/1.1\r\nHost: x\r\nContent-Le";
        ::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
        slow.push_back(fd);
    }

    // Junk: random bytes, JSON of the wrong shape, and well-formed registrations whose
    // signatures fail (each costs the relay a BIP340 check), from one address.
    std::mt19937 rng(7);
    std::map<int, int> junk_status;
    const auto t_junk = std::chrono::steady_clock::now();
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    for (int i = 0; i < 300; ++i) {
        std::string body;
        if (i % 3 == 0) {
            body.resize(1 + rng() % 2000);
            for (auto& c : body)
                c = static_cast<char>(rng());
        } else if (i % 3 == 1) {
            body = R"({"version":1,"network":"73686d7364657601","endpoints":[1,2,3]})";
        } else {
            auto r = identity(2).registration(now);
            r.signature[i % 64] ^= 1;
            body = relay::encode_registration(r);
        }
        ++junk_status[request_from(d.web_port, "127.0.0.6", "POST", "/relay/register", body)];
    }
    const double junk_ms = ms_since(t_junk);

    // Oversized: bodies announced at 10 MiB are refused from the head.
    int refused_big = 0;
    for (int i = 0; i < 20; ++i) {
        int fd = connect_local(d.web_port, 3000, "127.0.0.7");
        if (fd < 0) continue;
        const std::string head =
            "POST /relay/register HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n";
        ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
        char buf[512];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 12 && std::string(buf, 12) == "HTTP/1.1 413") ++refused_big;
        ::close(fd);
    }

    // The honest node, on its own address, is served while the slow connections are open.
    const auto t_honest = std::chrono::steady_clock::now();
    std::string answer;
    const int reg =
        request_from(d.web_port, "127.0.0.2", "POST", "/relay/register",
                     relay::encode_registration(identity(1).registration(now)), &answer);
    const double reg_ms = ms_since(t_honest);
    const auto t_lookup = std::chrono::steady_clock::now();
    const int look = request_from(d.web_port, "127.0.0.2", "GET",
                                  "/relay/lookup/devnet/" + identity(1).signing_id(), "");
    const double lookup_ms = ms_since(t_lookup);
    EXPECT_EQ(reg, 200) << answer;
    EXPECT_EQ(look, 200);

    const long rss_after = rss_kib(d.pid());
    const double cpu = cpu_seconds(d.pid()) - cpu_before;
    for (int fd : slow)
        ::close(fd);

    // Every junk request was answered, with a 4xx: 400/401 until the address's budget of
    // 100 a minute is spent, then 429.
    int answered = 0;
    for (const auto& [status, n] : junk_status) {
        EXPECT_TRUE(status >= 400 && status < 500) << status;
        answered += n;
    }
    EXPECT_EQ(answered, 300);
    EXPECT_GE(junk_status[429], 190);
    EXPECT_EQ(refused_big, 20);
    EXPECT_TRUE(d.alive());
    EXPECT_LT(rss_after - rss_before, 64 * 1024) << "RSS grew by more than 64 MiB";
    std::printf(
        "[ measure  ] 300 junk requests in %.0f ms (400: %d, 401: %d, 429: %d); 20 oversized "
        "refused: %d; 24 slow connections open; honest register %.1f ms, lookup %.1f ms; relay "
        "CPU %.2f s; RSS %ld -> %ld KiB\n",
        junk_ms, junk_status[400], junk_status[401], junk_status[429], refused_big, reg_ms,
        lookup_ms, cpu, rss_before, rss_after);
}
