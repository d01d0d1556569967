// The NAT lab (docs/natlab.md): network namespaces joined by veth pairs, home routers whose
// iptables rules make each kind of NAT, and coturn as the STUN (RFC 5780) and TURN server of
// the public segment. Integration tests build one lab each, run programs inside it and talk to
// them; the lab's destructor stops what it started and deletes every namespace it made.
//
// Needs root, `ip` (iproute2), `iptables` and `turnserver` (coturn; scripts/deps.sh installs
// them). When anything is missing the constructor records a test failure that names it and
// throws LabError: the test fails, it never skips.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace itest {

// How the router of a home translates and filters (the table in docs/natlab.md).
enum class Nat {
    none,             // no router: the host is on the public segment
    full_cone,        // SNAT + DNAT of all inbound UDP to the host
    restricted,       // full cone + a filter: only addresses the host has sent to get in
    port_restricted,  // MASQUERADE (the Linux default)
    symmetric,        // MASQUERADE --random-fully: a new port per destination
};
const char* nat_name(Nat nat);

// Why the lab could not be built, or why one of its steps failed.
enum class LabProblem {
    not_root,         // network namespaces and iptables need euid 0
    missing_program,  // ip, iptables or turnserver not found on PATH
    no_netns,         // a trial `ip netns add` failed
    command_failed,   // a command that builds the lab exited non-zero
    turn_not_ready,   // coturn exited or did not answer a STUN binding in time
    bad_request,      // the test asked for something the lab does not have
};
const char* problem_name(LabProblem problem);

class LabError : public std::runtime_error {
  public:
    LabError(LabProblem problem, const std::string& detail);
    LabProblem problem() const { return problem_; }

  private:
    LabProblem problem_;
};

// The result of the checks the constructor makes before it builds anything.
struct Preflight {
    std::optional<LabProblem> problem;  // the first problem found; none: the lab can run
    std::string detail;                 // every problem found, e.g. "missing on PATH: turnserver"
    bool ok() const { return !problem; }
};

struct RunResult {
    int exit_code = -1;  // -1: killed by a signal, or by run() at its timeout
    std::string out;     // standard output
    std::string err;     // standard error
};

struct Home {
    std::string name;
    Nat nat = Nat::none;
    int index = 0;        // X in the addresses below (1, 2, ... in the order of add_home)
    std::string router;   // the router's role, "r<name>" (none for Nat::none)
    std::string host;     // the host's role, "h<name>"
    std::string host_ip;  // 10.X.0.2 behind a NAT, 203.0.113.(10+X) with Nat::none
    std::string wan_ip;   // 203.0.113.(10+X): the address the public segment sees
};

class NatLab {
  public:
    // coturn in the public namespace: STUN and TURN on kTurnIp:kTurnPort, the RFC 5780
    // alternate address kTurnAltIp:kTurnAltPort, long-term credentials kTurnUser/kTurnPassword.
    static constexpr const char* kTurnIp = "203.0.113.1";
    static constexpr const char* kTurnAltIp = "203.0.113.3";
    static constexpr std::uint16_t kTurnPort = 3478;
    static constexpr std::uint16_t kTurnAltPort = 3479;
    static constexpr const char* kTurnUser = "test";
    static constexpr const char* kTurnPassword = "secret";
    static constexpr const char* kTurnRealm = "sharemsg.test";

    // Root, the programs (looked up in `path`, a PATH value) and a trial namespace.
    static Preflight preflight(const std::string& path);
    // preflight() with this process's PATH.
    static Preflight preflight();

    // Preflight (a failure is recorded and thrown, see above), then deletes leftover
    // namespaces sm<pid>-* of dead processes (and of this one). Files (logs, coturn's pid
    // file and database) go in `dir`. One lab at a time per process.
    explicit NatLab(std::filesystem::path dir);
    ~NatLab();
    NatLab(const NatLab&) = delete;
    NatLab& operator=(const NatLab&) = delete;

    // The namespace of a role ("pub", "r1", "h1"): sm<pid>-<role>.
    std::string ns(const std::string& role) const;
    // The public segment: namespace "pub", bridge br0 with 203.0.113.1/24 and .3/24.
    void add_public();
    // A home behind `nat`: router "r<name>" (wan on the bridge, lan 10.X.0.1, forwarding on)
    // and host "h<name>" (10.X.0.2, default route via the router). add_public() first.
    const Home& add_home(const std::string& name, Nat nat);
    // The restricted cone's filter remembers the addresses its host sent to for the whole
    // router, not per mapping as a real NAT does: a test that runs a second discovery from the
    // same home clears that memory first. Nothing for the other kinds.
    void forget_contacts(const Home& home);
    // coturn in "pub"; returns once it answers STUN bindings on both addresses.
    void start_turn();
    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path turn_log() const { return dir_ / "turn.log"; }
    pid_t turn_pid() const { return turn_pid_; }

    // Runs argv in the role's namespace and waits (killed after `timeout`).
    RunResult run(const std::string& role, const std::vector<std::string>& argv,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Starts argv in the role's namespace, output to `log` (default: dir/<role>-<n>.log).
    // The destructor stops it if stop() did not.
    pid_t spawn(const std::string& role, const std::vector<std::string>& argv,
                std::filesystem::path log = {});
    // SIGTERM, SIGKILL after 3 s; the exit status (-1 after a signal or if not ours).
    int stop(pid_t pid);
    bool alive(pid_t pid);

    // A socket of `type` (SOCK_STREAM, SOCK_DGRAM) in the role's namespace (-1 on failure): a
    // short-lived thread enters the namespace to create it; it stays there for its life.
    int socket_in(const std::string& role, int type) const;
    // A blocking TCP connection from the role's namespace to ip:port (fd, or -1), with
    // send/receive timeouts of `timeout_ms`; e.g. for itest::http_request_on.
    int connect_tcp(const std::string& role, const std::string& ip, std::uint16_t port,
                    int timeout_ms = 2000) const;

    // The namespaces this lab made (full names).
    const std::vector<std::string>& namespaces() const { return namespaces_; }
    // Every namespace on the machine (`ip netns list`).
    static std::vector<std::string> list_netns();

  private:
    void add_netns(const std::string& role);
    void must(const std::vector<std::string>& argv);
    void must_in(const std::string& role, const std::vector<std::string>& argv);
    void iptables(const std::string& role, const std::vector<std::string>& rule);
    void set_forwarding(const std::string& role);
    bool stun_answers(const std::string& ip, std::uint16_t port) const;
    void remove_leftovers();
    void teardown();

    std::filesystem::path dir_;
    std::string prefix_;                      // sm<pid>-
    std::string ip_, iptables_, turnserver_;  // absolute paths, found on PATH
    std::vector<std::string> namespaces_;
    std::vector<Home> homes_;
    std::vector<pid_t> spawned_;
    pid_t turn_pid_ = -1;
    bool has_public_ = false;
    int logs_ = 0;
};

}  // namespace itest
