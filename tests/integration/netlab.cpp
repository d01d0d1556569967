// The NAT lab (netlab.hpp, docs/natlab.md).
#include "netlab.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace itest {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* nat_name(Nat nat) {
    switch (nat) {
        case Nat::none:
            return "none";
        case Nat::full_cone:
            return "full_cone";
        case Nat::restricted:
            return "restricted";
        case Nat::port_restricted:
            return "port_restricted";
        case Nat::symmetric:
            return "symmetric";
    }
    return "?";
}

const char* problem_name(LabProblem problem) {
    switch (problem) {
        case LabProblem::not_root:
            return "not_root";
        case LabProblem::missing_program:
            return "missing_program";
        case LabProblem::no_netns:
            return "no_netns";
        case LabProblem::command_failed:
            return "command_failed";
        case LabProblem::turn_not_ready:
            return "turn_not_ready";
        case LabProblem::bad_request:
            return "bad_request";
    }
    return "?";
}

LabError::LabError(LabProblem problem, const std::string& detail)
    : std::runtime_error(std::string("NAT lab: ") + problem_name(problem) + ": " + detail),
      problem_(problem) {}

namespace {

// Set while a NatLab exists in this process: two would share the sm<pid>- names.
std::atomic<bool> g_lab_alive{false};

// The executable `name` in the directories of `path` (a PATH value), or "".
std::string find_program(const std::string& name, const std::string& path) {
    std::istringstream dirs(path);
    std::string d;
    while (std::getline(dirs, d, ':')) {
        if (d.empty()) continue;
        const fs::path p = fs::path(d) / name;
        if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p.string();
    }
    return {};
}

std::string env_path() {
    const char* p = std::getenv("PATH");
    return p ? p : "";
}

std::string join(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv)
        s += (s.empty() ? "" : " ") + a;
    return s;
}

// Runs argv (argv[0] an absolute path), its output captured; killed after `timeout`.
RunResult exec(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    RunResult r;
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return r;
    if (::pipe2(err, O_CLOEXEC) != 0) {
        ::close(out[0]);
        ::close(out[1]);
        return r;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(out[0]);
        ::close(err[0]);
        r.err = "cannot start " + argv[0] + ": " + std::strerror(rc);
        return r;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<pollfd, 2> fds{pollfd{out[0], POLLIN, 0}, pollfd{err[0], POLLIN, 0}};
    std::array<std::string*, 2> sinks{&r.out, &r.err};
    bool killed = false;
    int open_fds = 2;
    while (open_fds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR)
            break;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buf[4096];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = (!killed && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
    return r;
}

// Runs `fn` on a short-lived thread that has entered the network namespace /run/netns/NAME;
// false if it could not enter it.
template <typename F>
bool in_netns(const std::string& name, F&& fn) {
    bool entered = false;
    std::thread t([&] {
        const int nsfd = ::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd < 0) return;
        entered = ::setns(nsfd, CLONE_NEWNET) == 0;
        ::close(nsfd);
        if (entered) fn();
    });
    t.join();
    return entered;
}

bool pid_alive(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

Preflight NatLab::preflight(const std::string& path) {
    Preflight p;
    std::vector<std::string> problems;
    auto note = [&](LabProblem problem, const std::string& text) {
        if (!p.problem) p.problem = problem;
        problems.push_back(text);
    };
    if (::geteuid() != 0)
        note(LabProblem::not_root, "not root (euid " + std::to_string(::geteuid()) + ")");
    std::vector<std::string> missing;
    for (const char* prog : {"ip", "iptables", "turnserver"})
        if (find_program(prog, path).empty()) missing.push_back(prog);
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing)
            list += (list.empty() ? "" : ", ") + m;
        note(LabProblem::missing_program,
             "missing on PATH: " + list + " (scripts/deps.sh installs them)");
    }
    const std::string ip = find_program("ip", path);
    if (::geteuid() == 0 && !ip.empty()) {
        const std::string trial = "sm" + std::to_string(::getpid()) + "-probe";
        exec({ip, "netns", "del", trial}, 10s);  // a leftover of this pid, if any
        const RunResult add = exec({ip, "netns", "add", trial}, 10s);
        if (add.exit_code != 0) {
            note(LabProblem::no_netns, "`ip netns add " + trial + "` failed: " + add.err);
        } else {
            exec({ip, "netns", "del", trial}, 10s);
        }
    }
    for (const auto& t : problems)
        p.detail += (p.detail.empty() ? "" : "; ") + t;
    return p;
}

Preflight NatLab::preflight() {
    return preflight(env_path());
}

NatLab::NatLab(fs::path dir)
    : dir_(std::move(dir)), prefix_("sm" + std::to_string(::getpid()) + "-") {
    const Preflight p = preflight();
    if (!p.ok()) {
        ADD_FAILURE() << "NAT lab needs root, network namespaces, iptables and coturn: "
                      << p.detail;
        throw LabError(*p.problem, p.detail);
    }
    ip_ = find_program("ip", env_path());
    iptables_ = find_program("iptables", env_path());
    turnserver_ = find_program("turnserver", env_path());
    fs::create_directories(dir_);
    if (g_lab_alive.exchange(true))
        throw LabError(LabProblem::bad_request, "another NatLab exists in this process");
    remove_leftovers();
}

NatLab::~NatLab() {
    teardown();
    g_lab_alive = false;
}

std::string NatLab::ns(const std::string& role) const {
    return prefix_ + role;
}

std::vector<std::string> NatLab::list_netns() {
    std::vector<std::string> names;
    const std::string ip = find_program("ip", env_path());
    if (ip.empty()) return names;
    std::istringstream lines(exec({ip, "netns", "list"}, 10s).out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto name = line.substr(0, line.find(' '));  // "NAME (id: 3)"
        if (!name.empty()) names.push_back(name);
    }
    return names;
}

// Namespaces sm<pid>-* whose process is gone (a crashed run), or of this process (a lab of
// this process that could not finish its teardown).
void NatLab::remove_leftovers() {
    for (const auto& name : list_netns()) {
        if (name.rfind("sm", 0) != 0) continue;
        const auto dash = name.find('-');
        if (dash == std::string::npos || dash == 2) continue;
        const std::string digits = name.substr(2, dash - 2);
        if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const pid_t pid = static_cast<pid_t>(std::stol(digits));
        if (pid == ::getpid() || !pid_alive(pid)) exec({ip_, "netns", "del", name}, 10s);
    }
}

void NatLab::must(const std::vector<std::string>& argv) {
    const RunResult r = exec(argv, 20s);
    if (r.exit_code != 0)
        throw LabError(LabProblem::command_failed,
                       "`" + join(argv) + "` exited " + std::to_string(r.exit_code) + ": " + r.err);
}

void NatLab::must_in(const std::string& role, const std::vector<std::string>& argv) {
    std::vector<std::string> a{ip_, "-n", ns(role)};
    a.insert(a.end(), argv.begin(), argv.end());
    must(a);
}

void NatLab::iptables(const std::string& role, const std::vector<std::string>& rule) {
    std::vector<std::string> a{ip_, "netns", "exec", ns(role), iptables_};
    a.insert(a.end(), rule.begin(), rule.end());
    must(a);
}

void NatLab::set_forwarding(const std::string& role) {
    bool written = false;
    const bool entered = in_netns(ns(role), [&] {
        std::ofstream f("/proc/sys/net/ipv4/ip_forward");
        f << "1\n";
        f.flush();
        written = static_cast<bool>(f);
    });
    if (!entered || !written)
        throw LabError(LabProblem::command_failed, "cannot turn on ip_forward in " + ns(role));
}

void NatLab::add_netns(const std::string& role) {
    must({ip_, "netns", "add", ns(role)});
    namespaces_.push_back(ns(role));
    must_in(role, {"link", "set", "lo", "up"});
}

void NatLab::add_public() {
    if (has_public_) throw LabError(LabProblem::bad_request, "add_public() called twice");
    add_netns("pub");
    must_in("pub", {"link", "add", "br0", "type", "bridge"});
    must_in("pub", {"link", "set", "br0", "up"});
    must_in("pub", {"addr", "add", std::string(kTurnIp) + "/24", "dev", "br0"});
    must_in("pub", {"addr", "add", std::string(kTurnAltIp) + "/24", "dev", "br0"});
    // The public segment drops what it has no route for (a home's private addresses) without
    // an ICMP error, as the Internet does.
    must_in("pub", {"route", "add", "blackhole", "default"});
    has_public_ = true;
}

const Home& NatLab::add_home(const std::string& name, Nat nat) {
    if (!has_public_) throw LabError(LabProblem::bad_request, "add_home() before add_public()");
    if (homes_.size() >= 200) throw LabError(LabProblem::bad_request, "at most 200 homes");
    for (const auto& h : homes_)
        if (h.name == name) throw LabError(LabProblem::bad_request, "home " + name + " exists");
    Home h;
    h.name = name;
    h.nat = nat;
    h.index = static_cast<int>(homes_.size()) + 1;
    const std::string x = std::to_string(h.index);
    h.host = "h" + name;
    h.wan_ip = "203.0.113." + std::to_string(10 + h.index);
    const std::string port = "w" + x;  // the bridge port in "pub"

    add_netns(h.host);
    if (nat == Nat::none) {
        h.host_ip = h.wan_ip;
        must({ip_, "link", "add", "lan", "netns", ns(h.host), "type", "veth", "peer", "name", port,
              "netns", ns("pub")});
    } else {
        h.router = "r" + name;
        h.host_ip = "10." + x + ".0.2";
        add_netns(h.router);
        must({ip_, "link", "add", "wan", "netns", ns(h.router), "type", "veth", "peer", "name",
              port, "netns", ns("pub")});
        must({ip_, "link", "add", "lan", "netns", ns(h.router), "type", "veth", "peer", "name",
              "lan", "netns", ns(h.host)});
        must_in(h.router, {"addr", "add", h.wan_ip + "/24", "dev", "wan"});
        must_in(h.router, {"link", "set", "wan", "up"});
        must_in(h.router, {"addr", "add", "10." + x + ".0.1/24", "dev", "lan"});
        must_in(h.router, {"link", "set", "lan", "up"});
        must_in(h.router, {"route", "add", "default", "via", kTurnIp});
        set_forwarding(h.router);
    }
    must_in("pub", {"link", "set", port, "master", "br0"});
    must_in("pub", {"link", "set", port, "up"});
    must_in(h.host, {"addr", "add", h.host_ip + "/24", "dev", "lan"});
    must_in(h.host, {"link", "set", "lan", "up"});
    if (nat != Nat::none) must_in(h.host, {"route", "add", "default", "via", "10." + x + ".0.1"});

    const std::string& r = h.router;
    if (nat != Nat::none) {
        // A home router's firewall drops what arrives unasked for itself. Without it the
        // router's conntrack records an unsolicited packet (a peer's first hole-punching
        // check) as a flow to itself, and the host's own packet to that peer afterwards
        // clashes with it, so the NAT gives the host another port and the punch misses.
        // A dropped packet's conntrack entry is never confirmed.
        iptables(r,
                 {"-A", "INPUT", "-i", "wan", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"});
    }
    switch (nat) {
        case Nat::none:
            break;
        case Nat::port_restricted:
            iptables(r, {"-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"});
            break;
        case Nat::symmetric:
            iptables(r, {"-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE",
                         "--random-fully"});
            break;
        case Nat::full_cone:
        case Nat::restricted:
            iptables(r, {"-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-p", "udp", "-j", "SNAT",
                         "--to-source", h.wan_ip});
            iptables(r, {"-t", "nat", "-A", "PREROUTING", "-i", "wan", "-p", "udp", "-j", "DNAT",
                         "--to-destination", h.host_ip});
            break;
    }
    if (nat == Nat::restricted) {
        // Inbound only from addresses the host has sent to (any port): address-dependent.
        iptables(r, {"-A", "FORWARD", "-i", "lan", "-m", "recent", "--name", "contacted", "--rdest",
                     "--set"});
        iptables(r, {"-A", "FORWARD", "-i", "wan", "-m", "conntrack", "--ctstate",
                     "ESTABLISHED,RELATED", "-j", "ACCEPT"});
        iptables(r, {"-A", "FORWARD", "-i", "wan", "-m", "recent", "--name", "contacted",
                     "--rcheck", "--rsource", "--seconds", "300", "-j", "ACCEPT"});
        iptables(r, {"-A", "FORWARD", "-i", "wan", "-j", "DROP"});
    }
    homes_.push_back(h);
    return homes_.back();
}

void NatLab::forget_contacts(const Home& home) {
    if (home.nat != Nat::restricted) return;
    const auto r = run(home.router, {"sh", "-c", "echo / > /proc/net/xt_recent/contacted"});
    if (r.exit_code != 0)
        throw LabError(LabProblem::command_failed,
                       "cannot clear the contacted list in " + ns(home.router) + ": " + r.err);
}

// A STUN binding request (RFC 8489 header only) from "pub" to ip:port; true if a success
// response with the same transaction id comes back within 300 ms.
bool NatLab::stun_answers(const std::string& ip, std::uint16_t port) const {
    const int fd = socket_in("pub", SOCK_DGRAM);
    if (fd < 0) return false;
    std::array<std::uint8_t, 20> req{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
    std::mt19937 rng(std::random_device{}());
    for (std::size_t i = 8; i < req.size(); ++i)
        req[i] = static_cast<std::uint8_t>(rng());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
    bool ok = false;
    if (::sendto(fd, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
        static_cast<ssize_t>(req.size())) {
        pollfd p{fd, POLLIN, 0};
        std::array<std::uint8_t, 1500> resp{};
        if (::poll(&p, 1, 300) == 1) {
            const ssize_t n = ::recv(fd, resp.data(), resp.size(), 0);
            ok = n >= 20 && resp[0] == 0x01 && resp[1] == 0x01 &&
                 std::equal(req.begin() + 4, req.end(), resp.begin() + 4);
        }
    }
    ::close(fd);
    return ok;
}

void NatLab::start_turn() {
    if (!has_public_) throw LabError(LabProblem::bad_request, "start_turn() before add_public()");
    if (turn_pid_ > 0) throw LabError(LabProblem::bad_request, "start_turn() called twice");
    // --pidfile and --userdb in the lab's directory: the defaults (/var/run, /var/lib/turn)
    // would be shared with another server. --no-cli: no admin port.
    // clang-format off
    const std::vector<std::string> argv{
        turnserver_, "-n",
        "--listening-ip", kTurnIp, "--listening-ip", kTurnAltIp,
        "--listening-port", std::to_string(kTurnPort),
        "--alt-listening-port", std::to_string(kTurnAltPort),  // RFC 5780 needs both
        "--relay-ip", kTurnIp, "--min-port", "49152", "--max-port", "49200",
        "--lt-cred-mech", "--user", std::string(kTurnUser) + ":" + kTurnPassword,
        "--realm", kTurnRealm,
        "--no-tls", "--no-dtls", "--no-cli",
        "-v", "--log-file", turn_log().string(), "--simple-log",  // -v: each ALLOCATE
        "--pidfile", (dir_ / "turn.pid").string(), "--userdb", (dir_ / "turndb").string()};
    // clang-format on
    turn_pid_ = spawn("pub", argv, dir_ / "turn.out");
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!alive(turn_pid_))
            throw LabError(LabProblem::turn_not_ready, "turnserver exited; its log:\n" +
                                                           read_file(turn_log()) +
                                                           read_file(dir_ / "turn.out"));
        if (stun_answers(kTurnIp, kTurnPort) && stun_answers(kTurnAltIp, kTurnAltPort)) return;
        std::this_thread::sleep_for(100ms);
    }
    throw LabError(LabProblem::turn_not_ready, "no STUN answer from turnserver within 15 s");
}

RunResult NatLab::run(const std::string& role, const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout) {
    std::vector<std::string> a{ip_, "netns", "exec", ns(role)};
    a.insert(a.end(), argv.begin(), argv.end());
    return exec(a, timeout);
}

pid_t NatLab::spawn(const std::string& role, const std::vector<std::string>& argv, fs::path log) {
    if (log.empty()) log = dir_ / (role + "-" + std::to_string(++logs_) + ".log");
    std::vector<std::string> args{ip_, "netns", "exec", ns(role)};
    args.insert(args.end(), argv.begin(), argv.end());
    std::vector<char*> cargv;
    for (auto& a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, ip_.c_str(), &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        throw LabError(LabProblem::command_failed,
                       "cannot start `" + join(args) + "`: " + std::strerror(rc));
    // `ip netns exec` execs the program: `pid` is the program itself.
    spawned_.push_back(pid);
    return pid;
}

bool NatLab::alive(pid_t pid) {
    for (auto it = spawned_.begin(); it != spawned_.end(); ++it) {
        if (*it != pid) continue;
        int st = 0;
        if (::waitpid(pid, &st, WNOHANG) == 0) return true;
        spawned_.erase(it);
        if (pid == turn_pid_) turn_pid_ = -1;
        return false;
    }
    return false;
}

int NatLab::stop(pid_t pid) {
    auto it = std::find(spawned_.begin(), spawned_.end(), pid);
    if (it == spawned_.end()) return -1;
    spawned_.erase(it);
    if (pid == turn_pid_) turn_pid_ = -1;
    ::kill(pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 30; ++i) {
        if (::waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        std::this_thread::sleep_for(100ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &st, 0);
    return -1;
}

int NatLab::socket_in(const std::string& role, int type) const {
    int fd = -1;
    in_netns(ns(role), [&] { fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0); });
    return fd;
}

int NatLab::connect_tcp(const std::string& role, const std::string& ip, std::uint16_t port,
                        int timeout_ms) const {
    const int fd = socket_in(role, SOCK_STREAM);
    if (fd < 0) return -1;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void NatLab::teardown() {
    for (const pid_t pid : std::vector<pid_t>(spawned_))
        stop(pid);
    std::string failed;
    for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
        const RunResult r = exec({ip_, "netns", "del", *it}, 10s);
        if (r.exit_code != 0) failed += " " + *it + " (" + r.err + ")";
    }
    namespaces_.clear();
    if (!failed.empty()) ADD_FAILURE() << "NAT lab: could not delete namespaces:" << failed;
}

}  // namespace itest
