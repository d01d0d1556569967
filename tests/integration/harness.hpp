// Runs real sharemsgd processes on 127.0.0.1 for integration tests: start, stop, kill,
// HTTP GET, and waiting for a condition with a deadline. Every process started is stopped
// by the harness (destructor), and its log is kept in its datadir for failures.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ports.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"
#include "proto/keys_io.hpp"
#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"

extern char** environ;

namespace itest {

namespace fs = std::filesystem;

// A blocking TCP connection to 127.0.0.1:port (fd, or -1), from the local address `from`
// when given (127.0.0.0/8 is all this machine's: each address is another client to the node).
inline int connect_local(std::uint16_t port, int timeout_ms = 2000, const char* from = nullptr) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (from) {
        sockaddr_in src{};
        src.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &src.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
            ::close(fd);
            return -1;
        }
    }
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

// Sends `request` on `fd`, reads until the peer closes, closes `fd`; what was read.
inline std::string send_and_read_all(int fd, const std::string& request) {
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string resp;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        resp.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return resp;
}

struct HttpResult {
    int status = 0;  // 0: no answer
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A request on the open connection `fd` (closed after; -1 gives no answer): to a node reached
// another way than 127.0.0.1, e.g. inside a network namespace (NatLab::connect_tcp).
inline HttpResult http_request_on(int fd, const std::string& method, const std::string& path,
                                  const std::string& body = "",
                                  const std::string& extra_headers = "") {
    HttpResult r;
    if (fd < 0) return r;
    std::string req = method + " " + path +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers;
    if (!body.empty() || method == "POST")
        req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n";
    req += "\r\n" + body;
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string resp;
    char buf[65536];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (resp.rfind("HTTP/1.1 ", 0) != 0) return r;
    r.status = std::stoi(resp.substr(9, 3));
    auto p = resp.find("\r\n\r\n");
    if (p != std::string::npos) r.body = resp.substr(p + 4);
    return r;
}

inline HttpResult http_request(std::uint16_t port, const std::string& method,
                               const std::string& path, const std::string& body = "",
                               const std::string& extra_headers = "", int timeout_ms = 2000) {
    return http_request_on(connect_local(port, timeout_ms), method, path, body, extra_headers);
}

// A request whose answer is an event stream (text/event-stream), kept open: reads what the
// node writes, with a deadline.
class EventStream {
  public:
    EventStream(std::uint16_t port, const std::string& method, const std::string& path,
                const std::string& body = "", const std::string& extra_headers = "") {
        fd_ = connect_local(port, 5000);
        if (fd_ < 0) return;
        const std::string req =
            method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
            "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
    }
    ~EventStream() {
        if (fd_ >= 0) ::close(fd_);
    }
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;
    // Reads until `needle` has arrived (true), or `within` passed or the stream closed (false).
    bool wait_for(const std::string& needle,
                  std::chrono::milliseconds within = std::chrono::seconds(10)) {
        const auto deadline = std::chrono::steady_clock::now() + within;
        while (text_.find(needle) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            if (left <= 0 || fd_ < 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char buf[4096];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return false;
            text_.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }
    const std::string& text() const { return text_; }

  private:
    int fd_ = -1;
    std::string text_;
};

// Whether this build runs under AddressSanitizer (the daemons are built the same way): its
// quarantine holds up to 256 MiB of freed memory, which a bound on a process's RSS must allow.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif
inline constexpr double kQuarantineMib = kAddressSanitizer ? 256 : 0;

inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return pred();
}

class Daemon {
  public:
    Daemon(std::string binary, fs::path datadir)
        : binary_(std::move(binary)), datadir_(std::move(datadir)) {
        fs::create_directories(datadir_);
        p2p_port = free_port();
        web_port = free_port();
        gossip_port = free_port();
    }
    ~Daemon() { kill9(); }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    std::uint16_t p2p_port = 0, web_port = 0, gossip_port = 0;
    std::string stdin_path;  // the daemon's standard input, if set (else the test's)
    // The flags that name the network (another: {"--net", "litecoin_testnet", ...}).
    std::vector<std::string> network{"--devnet"};

    // Starts the daemon and waits until /health answers.
    bool start(const std::vector<std::string>& extra) { return spawn(extra) && ready(); }

    // Starts the daemon without waiting (to start several at the same instant); ready() waits.
    bool spawn(const std::vector<std::string>& extra) {
        std::vector<std::string> args{binary_};
        args.insert(args.end(), network.begin(), network.end());
        args.insert(args.end(),
                    {"--datadir", datadir_.string(), "--p2p-port", std::to_string(p2p_port),
                     "--web-port", std::to_string(web_port), "--gossip-port",
                     std::to_string(gossip_port), "--log-level", "debug"});
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        const std::string log = (datadir_ / "sharemsgd.log").string();
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        if (!stdin_path.empty())
            posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDONLY, 0);
        int rc = posix_spawn(&pid_, binary_.c_str(), &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        return rc == 0;
    }

    // Waits until /health answers (30 s at most); false if the daemon exited.
    bool ready() {
        return wait_until([&] { return get("/health").status == 200 || !alive(); },
                          std::chrono::seconds(30)) &&
               alive();
    }

    bool alive() {
        if (pid_ <= 0) return false;
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == 0) return true;
        if (r == pid_) exit_code_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        pid_ = -1;
        return false;
    }
    // Waits for the daemon to exit by itself; its exit status (-1 after a signal), or nothing
    // if it still runs after `timeout`.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
        if (!wait_until([&] { return !alive(); }, timeout)) return std::nullopt;
        return exit_code_;
    }
    // SIGTERM and wait; returns the exit status (or -1).
    int stop() {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        int st = 0;
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        kill9();
        return -1;
    }
    void kill9() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int st;
        ::waitpid(pid_, &st, 0);
        pid_ = -1;
    }

    HttpResult get(const std::string& path) { return http_request(web_port, "GET", path); }
    // The API token the daemon wrote to DATADIR/.cookie at start.
    std::string token() const {
        std::ifstream in(datadir_ / ".cookie");
        std::string t;
        in >> t;
        return t;
    }
    // A request with the daemon's token (or `token` when given).
    HttpResult call(const std::string& method, const std::string& path,
                    const std::string& body = "", std::optional<std::string> token = {}) {
        return http_request(web_port, method, path, body,
                            "Authorization: Bearer " + token.value_or(this->token()) + "\r\n");
    }
    // The value of the metric line `name` (labels included, if any) in /metrics, or -1.
    double metric(const std::string& name) {
        std::istringstream in(get("/metrics").body);
        std::string line;
        while (std::getline(in, line))
            if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
        return -1;
    }
    pid_t pid() const { return pid_; }
    // spawn() with the daemon's soft open-file limit set to `nofile` (as `prlimit --nofile`):
    // the child inherits the limit; this process gets its own back at once.
    bool spawn_with_nofile(const std::vector<std::string>& extra, rlim_t nofile) {
        rlimit old{};
        if (::getrlimit(RLIMIT_NOFILE, &old) != 0) return false;
        rlimit low{std::min(nofile, old.rlim_max), old.rlim_max};
        if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return false;
        const bool ok = spawn(extra);
        ::setrlimit(RLIMIT_NOFILE, &old);
        return ok;
    }
    std::string log() const {
        std::ifstream in(datadir_ / "sharemsgd.log");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    const fs::path& datadir() const { return datadir_; }

  private:
    std::string binary_;
    fs::path datadir_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

// The resident set of process `pid` in KiB (VmRSS of /proc/PID/status), or -1.
inline long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// CPU seconds (user + system) process `pid` has used so far, or -1.
inline double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) return -1;
    std::istringstream rest(stat.substr(paren + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Descriptors process `pid` has open, or -1.
inline long open_fds(pid_t pid) {
    std::error_code ec;
    long n = 0;
    for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec))
        ++n;
    return ec ? -1 : n;
}

// How many times `needle` occurs in `text`.
inline std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

// A fresh directory under the build tree for one test.
inline fs::path test_dir(const std::string& name) {
    fs::path d = fs::path(SHAREMSG_ITEST_TMP) / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// A v1 transition blob signed by the reference's public test authority A (the devnet trusts
// the test authorities), ready for --transition-message.
inline std::string test_authority_blob(const std::string& text,
                                       const std::string& urgency = "info") {
    using namespace sharemsg;
    auto key = crypto::PrivKey::from_bytes(
        *from_hex("35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5"));
    proto::TransitionSignal t;
    t.from = 36;
    t.to = 37;
    t.message = text;
    t.urgency = urgency;
    auto m = proto::build_transition_signal(t, static_cast<std::uint32_t>(std::time(nullptr)));
    proto::sign_message_with(*m, *key);
    std::vector<proto::ShareMessage> msgs{*m};
    proto::Nonce16 nonce{};
    auto rnd = crypto::random_bytes(16);
    std::copy(rnd.begin(), rnd.end(), nonce.begin());
    return to_hex(
        *proto::pack_share_messages(msgs, std::nullopt, nonce, proto::test_authorities()));
}

// A signing key derived from a fixed test master (seed 0..), as `sharemsg derive-key` would
// print it: the WIF and the signing id.
// With the devnet delegation of `sharemsg derive-key --delegation-network devnet`, and the
// master's payout address.
struct TestKey {
    std::string wif;
    std::string signing_id;
    std::uint32_t index = 0;
    std::string delegation;
    std::string address;
    std::string master_hash;     // HASH160 of the master pubkey (40 hex): the --address payout
    std::string signing_pubkey;  // 66 hex
};
inline TestKey test_signing_key(unsigned seed, std::uint32_t index = 0) {
    using namespace sharemsg;
    Bytes master(32, static_cast<std::uint8_t>(0x11 + seed));
    auto k = proto::DerivedSigningKey::derive(master, index);
    auto mk = crypto::PrivKey::from_bytes(master);
    auto d = proto::open::make_delegation(*mk, proto::open::DEVNET_NETWORK_ID, k->pubkey(), index);
    return {proto::encode_wif(k->privkey().bytes(), 0xef),
            to_hex(k->signing_id()),
            index,
            proto::open::delegation_to_hex(d),
            proto::p2pkh_address_from_hash160(crypto::hash160(mk->pubkey()), 0x6f),
            to_hex(crypto::hash160(mk->pubkey())),
            to_hex(k->pubkey())};
}
inline std::vector<std::string> key_flags(const TestKey& k) {
    return {"--signing-key",
            k.wif,
            "--signing-key-index",
            std::to_string(k.index),
            "--signing-key-delegation",
            k.delegation};
}

}  // namespace itest
