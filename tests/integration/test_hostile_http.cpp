// The web port against a hostile client, over real sockets to a running sharemsgd: many slow
// connections from one client and from many, streams per client, idle connections, Host names
// (DNS rebinding), the pages' security headers, and private text that leaves the node only
// with the token (on every endpoint that shows messages, and on the stream). Figures (RSS from
// /proc/PID/status, the time /health takes) are printed, never asserted.
#include <poll.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <map>

#include "crypto/hash.hpp"
#include "harness.hpp"

using namespace itest;
using Clock = std::chrono::steady_clock;

namespace {

void send_all(int fd, const std::string& s) {
    ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
}

struct Raw {
    int status = 0;                              // 0: no answer
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

Raw parse_raw(const std::string& resp) {
    Raw r;
    if (resp.rfind("HTTP/1.1 ", 0) != 0) return r;
    r.status = std::stoi(resp.substr(9, 3));
    const auto end = resp.find("\r\n\r\n");
    std::istringstream head(resp.substr(0, end));
    std::string line;
    std::getline(head, line);
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (auto& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (end != std::string::npos) r.body = resp.substr(end + 4);
    return r;
}

// Reads until the server closes (or `until` shows up, or the time runs out).
std::string read_from(int fd, std::chrono::milliseconds timeout, const std::string& until = "") {
    std::string got;
    char buf[16384];
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline && (until.empty() || got.find(until) == std::string::npos)) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0)
            got.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            break;
    }
    return got;
}

// One request with Connection: close from `from`; `head` holds the request line's method and
// path and any headers ("GET /health", "Host: x\r\n").
Raw raw_request(std::uint16_t port, const std::string& request, const char* from = "127.0.0.1") {
    int fd = connect_local(port, 3000, from);
    if (fd < 0) return {};
    send_all(fd, request);
    const auto resp = read_from(fd, std::chrono::seconds(10));
    ::close(fd);
    return parse_raw(resp);
}

Raw get_with_host(std::uint16_t port, const std::string& path, const std::string& host,
                  const std::string& extra = "") {
    return raw_request(port, "GET " + path + " HTTP/1.1\r\nHost: " + host +
                                 "\r\nConnection: close\r\n" + extra + "\r\n");
}

// Whether the server ended the connection (EOF or reset), without waiting.
bool closed_by_server(int fd) {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Whether the server ended a connection that never finished its request, or answered it
// anyway (a refusal: 503 before the request is read).
bool ended_or_refused(int fd) {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

// GET /health from `from`: the answer's status and how long it took.
std::pair<int, double> timed_health(std::uint16_t port, const char* from) {
    const auto t0 = Clock::now();
    const auto r = raw_request(
        port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", from);
    return {r.status, std::chrono::duration<double, std::milli>(Clock::now() - t0).count()};
}

// `n` connections from `from`, each with half a request head that never ends.
std::vector<int> slow_connections(std::uint16_t port, const char* from, int n) {
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
        int fd = connect_local(port, 3000, from);
        if (fd < 0) continue;
        send_all(fd, "GET /health HTTP/1.1\r\nHost: 127");
        fds.push_back(fd);
    }
    return fds;
}

std::size_t count_ended(const std::vector<int>& fds) {
    std::size_t n = 0;
    for (int fd : fds)
        n += ended_or_refused(fd);
    return n;
}

void close_all(std::vector<int>& fds) {
    for (int fd : fds)
        ::close(fd);
    fds.clear();
}

const std::string kStreamRequest =
    "GET /msg/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";

}  // namespace

TEST(HostileHttp, ManySlowConnectionsFromOneClientDoNotKeepHealthOut) {
    const auto dir = test_dir("hostile-http-slow");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start({})) << a.log();
    const long rss0 = rss_kib(a.pid());

    // 1,100 connections from 127.0.0.1, each stuck in the middle of its request head (the
    // figure that filled the old 1,024-connection limit). The client keeps 32 of them; each
    // new one takes the place of its oldest.
    const auto t0 = Clock::now();
    auto slow = slow_connections(a.web_port, "127.0.0.1", 1100);
    const double open_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ASSERT_GE(slow.size(), 1000u);
    EXPECT_TRUE(
        wait_until([&] { return count_ended(slow) >= slow.size() - 32; }, std::chrono::seconds(20)))
        << count_ended(slow) << " of " << slow.size() << " ended";
    const long rss1 = rss_kib(a.pid());

    const auto other = timed_health(a.web_port, "127.0.0.2");
    const auto same = timed_health(a.web_port, "127.0.0.1");
    EXPECT_EQ(other.first, 200) << "another client";
    EXPECT_EQ(same.first, 200) << "the slow client's own address";
    const double evicted = a.metric("sharemsg_http_evicted_total");
    EXPECT_GE(evicted, static_cast<double>(slow.size() - 32));
    std::printf(
        "[ figures ] %zu slow connections opened in %.0f ms, %zu ended by the node; "
        "RSS %ld kB before, %ld kB with them; /health from another client %.1f ms, "
        "from the slow client's address %.1f ms; %zu open files\n",
        slow.size(), open_ms, count_ended(slow), rss0, rss1, other.second, same.second,
        open_fds(a.pid()));
    close_all(slow);
    EXPECT_EQ(a.get("/health").status, 200);
}

TEST(HostileHttp, AFullServerMakesRoomFromTheClientHoldingTheMost) {
    const auto dir = test_dir("hostile-http-full");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    // 256 open files: the node keeps 128 connections, 32 streams (half and an eighth).
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    const bool started = a.spawn({});
    ::setrlimit(RLIMIT_NOFILE, &saved);
    ASSERT_TRUE(started && a.ready()) << a.log();
    EXPECT_NE(a.log().find("128 connections (32 per client), 32 streams (8 per client)"),
              std::string::npos)
        << a.log();

    // Ten clients with 32 slow connections each: 320 for 128 places.
    std::vector<int> slow;
    std::vector<std::pair<int, double>> health;
    const long rss0 = rss_kib(a.pid());
    for (int c = 0; c < 10; ++c) {
        const std::string from = "127.0.1." + std::to_string(10 + c);
        auto fds = slow_connections(a.web_port, from.c_str(), 32);
        slow.insert(slow.end(), fds.begin(), fds.end());
        health.push_back(timed_health(a.web_port, "127.0.2.1"));
    }
    const long rss1 = rss_kib(a.pid());
    const auto files = static_cast<std::size_t>(open_fds(a.pid()));
    for (std::size_t i = 0; i < health.size(); ++i)
        EXPECT_EQ(health[i].first, 200) << "after " << (i + 1) * 32 << " slow connections";
    EXPECT_TRUE(wait_until([&] { return count_ended(slow) >= slow.size() - 128; },
                           std::chrono::seconds(20)))
        << count_ended(slow) << " of " << slow.size() << " ended";
    EXPECT_LE(files, 256u);
    std::printf(
        "[ figures ] 320 slow connections from 10 clients, 256 open files allowed: %zu "
        "files open, %zu connections ended (%.0f gave way, %.0f refused); RSS %ld kB "
        "before, %ld kB after; /health took",
        files, count_ended(slow), a.metric("sharemsg_http_evicted_total"),
        a.metric("sharemsg_http_refused_total{reason=\"server\"}"), rss0, rss1);
    for (const auto& h : health)
        std::printf(" %.1f", h.second);
    std::printf(" ms\n");
    close_all(slow);
}

TEST(HostileHttp, StreamsPerClientAndIdleConnections) {
    const auto dir = test_dir("hostile-http-streams");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start({})) << a.log();
    // An idle connection, and a kept-alive one after its first answer: both end on their own.
    int idle = connect_local(a.web_port, 1000, "127.0.0.3");
    int kept = connect_local(a.web_port, 1000, "127.0.0.3");
    ASSERT_GE(idle, 0);
    ASSERT_GE(kept, 0);
    send_all(kept, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_NE(read_from(kept, std::chrono::seconds(5), "\"status\":\"ok\"").find("200 OK"),
              std::string::npos);
    const auto t0 = Clock::now();

    // Eight streams per client; the ninth is refused with 503, another client's is served,
    // and a stream that ends gives its place back.
    std::vector<int> streams;
    for (int i = 0; i < 8; ++i) {
        int fd = connect_local(a.web_port, 3000, "127.0.0.1");
        ASSERT_GE(fd, 0);
        send_all(fd, kStreamRequest + "\r\n");
        const auto head = read_from(fd, std::chrono::seconds(5), "retry:");
        EXPECT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos) << i << ": " << head;
        EXPECT_NE(head.find("text/event-stream"), std::string::npos);
        EXPECT_NE(head.find("X-Content-Type-Options: nosniff"), std::string::npos);
        streams.push_back(fd);
    }
    auto ninth = raw_request(a.web_port, kStreamRequest + "Connection: close\r\n\r\n");
    EXPECT_EQ(ninth.status, 503) << ninth.body;
    EXPECT_EQ(ninth.json().value("error", ""), "too many streams") << ninth.body;
    int other = connect_local(a.web_port, 3000, "127.0.0.4");
    send_all(other, kStreamRequest + "\r\n");
    EXPECT_NE(read_from(other, std::chrono::seconds(5), "retry:").find("200 OK"),
              std::string::npos);
    ::close(streams.back());
    streams.pop_back();
    EXPECT_TRUE(wait_until(
        [&] {
            int fd = connect_local(a.web_port, 3000, "127.0.0.1");
            send_all(fd, kStreamRequest + "\r\n");
            const bool ok = read_from(fd, std::chrono::seconds(2), "\r\n\r\n").find("200 OK") !=
                            std::string::npos;
            if (ok)
                streams.push_back(fd);
            else
                ::close(fd);
            return ok;
        },
        std::chrono::seconds(10)));
    EXPECT_GE(a.metric("sharemsg_http_refused_total{reason=\"client_streams\"}"), 1);
    EXPECT_EQ(a.get("/health").status, 200);

    EXPECT_TRUE(wait_until([&] { return closed_by_server(idle) && closed_by_server(kept); },
                           std::chrono::seconds(40)));
    std::printf(
        "[ figures ] an idle connection and a kept-alive one ended by the node within "
        "%.1f s\n",
        std::chrono::duration<double>(Clock::now() - t0).count());
    for (int fd : streams)
        ::close(fd);
    ::close(other);
    ::close(idle);
    ::close(kept);
}

TEST(HostileHttp, TheStreamsOfOneClientFollowWebClientStreams) {
    const auto dir = test_dir("hostile-http-client-streams");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start({"--web-client-streams", "2"})) << a.log();
    std::vector<int> streams;
    for (int i = 0; i < 2; ++i) {
        int fd = connect_local(a.web_port, 3000, "127.0.0.5");
        ASSERT_GE(fd, 0);
        send_all(fd, kStreamRequest + "\r\n");
        EXPECT_NE(read_from(fd, std::chrono::seconds(5), "retry:").find("200 OK"),
                  std::string::npos)
            << i;
        streams.push_back(fd);
    }
    int third = connect_local(a.web_port, 3000, "127.0.0.5");
    send_all(third, kStreamRequest + "Connection: close\r\n\r\n");
    EXPECT_NE(read_from(third, std::chrono::seconds(5), "too many streams").find("503"),
              std::string::npos);
    EXPECT_EQ(a.get("/health").status, 200);
    for (int fd : streams)
        ::close(fd);
    ::close(third);
}

TEST(HostileHttp, OnlyKnownHostNamesAreServedAndPagesCarrySecurityHeaders) {
    const auto dir = test_dir("hostile-http-host");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start({"--web-allow-host", "Node.Example.org", "--web-allow-host", "fd00::5"}))
        << a.log();
    const auto port = std::to_string(a.web_port);
    for (const std::string& host : std::vector<std::string>{
             "localhost:" + port, "localhost", "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST",
             "node.example.org:8080", "node.example.org", "[fd00::5]:80"})
        EXPECT_EQ(get_with_host(a.web_port, "/health", host).status, 200) << host;

    // A page of another site that points a name of its own at 127.0.0.1 (DNS rebinding)
    // gets nothing: not the pages, not the stream, not the API, not even with the token.
    const std::string auth = "Authorization: Bearer " + a.token() + "\r\n";
    for (const std::string& host :
         std::vector<std::string>{"evil.example:" + port, "node.example.org.evil.example",
                                  "127.0.0.1.nip.io", "127.0.0.2", "localhost:x", ""}) {
        for (const char* path : {"/health", "/", "/static/bbs.html", "/static/common.js",
                                 "/msg/recent", "/msg/stream", "/msg/outbox", "/nope"}) {
            const auto r = get_with_host(a.web_port, path, host, auth);
            EXPECT_EQ(r.status, 403) << host << " " << path << ": " << r.body;
            EXPECT_EQ(r.json().value("error", ""), "forbidden host") << host << " " << path;
        }
        const std::string body = R"({"type":"chat","text":"rebound"})";
        const auto send = raw_request(
            a.web_port, "POST /msg/send HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" +
                            auth + "Content-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
        EXPECT_EQ(send.status, 403) << host;
    }
    // No Host header at all (HTTP/1.0).
    EXPECT_EQ(raw_request(a.web_port, "GET /health HTTP/1.0\r\n\r\n").status, 403);
    EXPECT_EQ(a.call("GET", "/msg/outbox").json()["entries"].size(), 0u) << "nothing was sent";

    // The pages: a policy with no inline script, never in a frame; every answer: nosniff.
    for (const char* page : {"/", "/static/bbs.html"}) {
        const auto r = get_with_host(a.web_port, page, "127.0.0.1");
        ASSERT_EQ(r.status, 200) << page;
        const auto& csp = r.header("content-security-policy");
        EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
        EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
        EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
        EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
        EXPECT_EQ(r.header("x-frame-options"), "DENY") << page;
        EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << page;
        EXPECT_EQ(r.body.find("<script>"), std::string::npos) << "no inline script in " << page;
    }
    for (const char* path : {"/health", "/msg/recent", "/static/common.js", "/nope"}) {
        const auto r = get_with_host(a.web_port, path, "127.0.0.1");
        EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << path;
        EXPECT_EQ(r.header("x-frame-options"), "DENY") << path;
        EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"),
                  std::string::npos)
            << path;
    }
    // A head over 8 KiB: 431.
    const auto big = get_with_host(a.web_port, "/health", "127.0.0.1",
                                   "X-Pad: " + std::string(9000, 'x') + "\r\n");
    EXPECT_EQ(big.status, 431) << big.body;

    // Without the flag, the name is refused; a flag with a port stops the start.
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start({})) << a.log();
    EXPECT_EQ(get_with_host(a.web_port, "/health", "node.example.org").status, 403);
    ASSERT_EQ(a.stop(), 0);
    EXPECT_FALSE(a.start({"--web-allow-host", "node.example.org:8080"}));
    EXPECT_NE(a.log().find("--web-allow-host 'node.example.org:8080'"), std::string::npos)
        << a.log();
}

TEST(HostileHttp, PrivateTextLeavesTheNodeOnlyWithTheToken) {
    const auto dir = test_dir("hostile-http-private");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b"), c(SHAREMSGD_PATH, dir / "c");
    const auto ka = test_signing_key(21), kb = test_signing_key(22);
    auto fa = key_flags(ka);
    fa.insert(fa.end(), {"--share-period", "0.3", "--status-interval", "0"});
    ASSERT_TRUE(a.start(fa)) << a.log();
    auto fb = key_flags(kb);
    fb.insert(fb.end(), {"--share-period", "0.3", "--status-interval", "0", "--peer",
                         "127.0.0.1:" + std::to_string(a.p2p_port)});
    ASSERT_TRUE(b.start(fb)) << b.log();
    // C holds neither key: it shows the message as every other node does.
    ASSERT_TRUE(c.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << c.log();
    ASSERT_TRUE(wait_until(
        [&] {
            const auto keys = a.get("/msg/keys").json();
            for (const auto& k : keys["keys"])
                if (k.value("signing_id", "") == kb.signing_id && k.value("bound", false))
                    return true;
            return false;
        },
        std::chrono::seconds(60)))
        << a.get("/msg/keys").body;

    // B's stream, once without and once with the token, open before the message comes.
    int open_stream = connect_local(b.web_port, 500, "127.0.0.1");
    int token_stream = connect_local(b.web_port, 500, "127.0.0.1");
    send_all(open_stream, kStreamRequest + "\r\n");
    send_all(token_stream, kStreamRequest + "Authorization: Bearer " + b.token() + "\r\n\r\n");
    EXPECT_NE(read_from(open_stream, std::chrono::seconds(5), "retry:").find("200 OK"),
              std::string::npos);
    EXPECT_NE(read_from(token_stream, std::chrono::seconds(5), "retry:").find("200 OK"),
              std::string::npos);

    const std::string secret = "only for B " + std::to_string(::getpid());
    auto sent =
        a.call("POST", "/msg/send",
               R"({"type":"chat","text":")" + secret + R"(","to":")" + kb.signing_id + "\"}");
    ASSERT_EQ(sent.status, 200) << sent.body;
    const std::string plain_hash = sent.json()["message_hash"];

    // The private message from A on a node's list, read with or without a token.
    auto find = [&](Daemon& d, const std::string& path, bool token) {
        auto j = (token ? d.call("GET", path) : d.get(path)).json();
        for (const auto& key : {"messages", "alerts", "statuses"})
            if (j.is_object() && j.contains(key))
                for (const auto& m : j[key])
                    if (m.value("private", false) && m.value("signing_id", "") == ka.signing_id)
                        return std::optional<nlohmann::json>(m);
        return std::optional<nlohmann::json>();
    };
    ASSERT_TRUE(wait_until(
        [&] {
            auto m = find(b, "/msg/chat?limit=200", true);
            return m && (*m)["payload"] == secret;
        },
        std::chrono::seconds(90)))
        << "B never read it\nA:\n"
        << a.log() << "\nB:\n"
        << b.log();
    ASSERT_TRUE(wait_until([&] { return find(c, "/msg/chat?limit=200", false).has_value(); },
                           std::chrono::seconds(60)));
    const auto at_c = *find(c, "/msg/chat?limit=200", false);
    EXPECT_EQ(at_c["payload"], "[encrypted]");

    // Without the token, B (the recipient) and A (the sender) show it as C does: the same
    // placeholder, the same hash; nothing of the text anywhere.
    for (Daemon* d : {&b, &a}) {
        for (const char* path : {"/msg/recent?limit=200", "/msg/chat?limit=200"}) {
            auto m = find(*d, path, false);
            ASSERT_TRUE(m.has_value()) << path;
            EXPECT_EQ((*m)["payload"], "[encrypted]") << path;
            EXPECT_EQ((*m)["message_hash"], at_c["message_hash"]) << path;
            EXPECT_NE((*m)["message_hash"], plain_hash) << path;
            EXPECT_EQ((*m)["to"], kb.signing_id);
        }
        for (const char* path :
             {"/msg/recent?limit=200", "/msg/chat?limit=200", "/msg/announcements", "/msg/alerts",
              "/msg/status", "/msg/stats", "/msg/activity", "/msg/keys", "/msg/identity",
              "/msg/bans", "/metrics", "/health"}) {
            const auto body = d->get(path).body;
            EXPECT_EQ(body.find(secret), std::string::npos) << path;
            EXPECT_EQ(body.find(plain_hash), std::string::npos) << path;
        }
        // With the token: the text, and the hash /msg/send gave the sender.
        for (const char* path : {"/msg/recent?limit=200", "/msg/chat?limit=200"}) {
            auto m = find(*d, path, true);
            ASSERT_TRUE(m.has_value()) << path;
            EXPECT_EQ((*m)["payload"], secret) << path;
            EXPECT_EQ((*m)["message_hash"], plain_hash) << path;
        }
    }
    // A wrong token is refused, also where no token is needed.
    const auto wrong = b.call("GET", "/msg/recent", "", std::string(64, '0'));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(b.call("GET", "/health").status, 200);

    // The stream: the text only to the subscriber that gave the token.
    const auto with_token = read_from(token_stream, std::chrono::seconds(30), secret);
    EXPECT_NE(with_token.find(secret), std::string::npos) << with_token;
    const auto without =
        read_from(open_stream, std::chrono::seconds(30), "\"to\":\"" + kb.signing_id + "\"");
    EXPECT_NE(without.find("\"to\":\"" + kb.signing_id + "\""), std::string::npos) << without;
    EXPECT_NE(without.find("[encrypted]"), std::string::npos) << without;
    EXPECT_EQ(without.find(secret), std::string::npos) << without;
    EXPECT_EQ(without.find(plain_hash), std::string::npos) << without;
    ::close(open_stream);
    ::close(token_stream);

    // The client command reads with the node's token when it can read the cookie.
    const std::string cli = std::string(SHAREMSG_CLI_PATH) + " recent --type chat --limit 200" +
                            " --api 127.0.0.1:" + std::to_string(b.web_port) + " --datadir '" +
                            b.datadir().string() + "'";
    auto run = [](const std::string& cmd) {
        std::string out;
        FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
        char buf[4096];
        std::size_t n;
        while (p && (n = std::fread(buf, 1, sizeof buf, p)) > 0)
            out.append(buf, n);
        if (p) ::pclose(p);
        return out;
    };
    EXPECT_NE(run(cli).find(secret), std::string::npos);
    const auto other_dir = dir / "no-cookie";
    fs::create_directories(other_dir);
    const auto no_token = run(std::string(SHAREMSG_CLI_PATH) + " recent --type chat --limit 200" +
                              " --api 127.0.0.1:" + std::to_string(b.web_port) + " --datadir '" +
                              other_dir.string() + "'");
    EXPECT_EQ(no_token.find(secret), std::string::npos) << no_token;
    EXPECT_NE(no_token.find("[encrypted]"), std::string::npos) << no_token;
}
