// The NAT lab itself (netlab.hpp): coturn's own NAT behaviour discovery
// (turnutils_natdiscovery, RFC 5780), an independent oracle, finds in each home the mapping and
// filtering its router's rules were written for, and so does ours (`sharemsg stun`, the node's
// discover_nat), which names the NAT type; a TURN allocation works through the symmetric
// NAT; a node inside a home answers HTTP through the lab's connect hook; the lab leaves no
// namespace behind, removes those of crashed runs, and names what is missing when it cannot run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "netlab.hpp"
#include "relay/codec.hpp"

using namespace itest;
using namespace std::chrono_literals;

namespace {

// RFC 5780's behaviours, as turnutils_natdiscovery reports them.
enum class Behaviour { unknown, endpoint_independent, address_dependent, address_port_dependent };

// natdiscovery ends each test with "NAT with <kind> Mapping!" or "... Filtering!".
Behaviour behaviour_in(const std::string& out, const std::string& what) {
    const std::pair<const char*, Behaviour> kinds[] = {
        {"Endpoint Independent", Behaviour::endpoint_independent},
        {"Address and Port Dependent", Behaviour::address_port_dependent},
        {"Address Dependent", Behaviour::address_dependent},
    };
    for (const auto& [text, b] : kinds)
        if (out.find(std::string("NAT with ") + text + " " + what + "!") != std::string::npos)
            return b;
    return Behaviour::unknown;
}

// The address of the last "UDP reflexive addr: IP:PORT" line, or "".
std::string reflexive_ip(const std::string& out) {
    const std::string tag = "UDP reflexive addr: ";
    const auto p = out.rfind(tag);
    if (p == std::string::npos) return {};
    const auto start = p + tag.size();
    return out.substr(start, out.find(':', start) - start);
}

struct Discovery {
    Behaviour mapping = Behaviour::unknown;
    Behaviour filtering = Behaviour::unknown;
    std::string reflexive;  // the public address coturn saw in the mapping test
    std::string log;
};

// Filtering first, from a fresh socket: the mapping test sends to coturn's alternate address,
// which an address-restricted NAT would let in afterwards (docs/natlab.md).
Discovery discover(NatLab& lab, const Home& home) {
    Discovery d;
    const auto f = lab.run(home.host, {"turnutils_natdiscovery", "-f", NatLab::kTurnIp});
    const auto m = lab.run(home.host, {"turnutils_natdiscovery", "-m", NatLab::kTurnIp});
    d.filtering = behaviour_in(f.out, "Filtering");
    d.mapping = behaviour_in(m.out, "Mapping");
    d.reflexive = reflexive_ip(m.out);
    d.log = "-f exit " + std::to_string(f.exit_code) + ":\n" + f.out + f.err + "\n-m exit " +
            std::to_string(m.exit_code) + ":\n" + m.out + m.err;
    return d;
}

// Our own discovery from the same host: `sharemsg stun --json` against coturn.
nlohmann::json our_discovery(NatLab& lab, const Home& home) {
    const auto r = lab.run(
        home.host, {SHAREMSG_CLI_PATH, "stun", std::string(NatLab::kTurnIp) + ":3478", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out << r.err;
    return j.is_object() ? j : nlohmann::json::object();
}

// What our report says of a NAT, and the mapped address it found.
void expect_ours(NatLab& lab, const Home& home, const char* nat, const char* mapping,
                 const char* filtering) {
    const auto j = our_discovery(lab, home);
    EXPECT_EQ(j.value("nat", ""), nat) << j.dump();
    EXPECT_EQ(j.value("mapping", ""), mapping) << j.dump();
    EXPECT_EQ(j.value("filtering", ""), filtering) << j.dump();
    const std::string mapped = j.value("mapped", "");
    EXPECT_EQ(mapped.substr(0, mapped.find(':')), home.wan_ip) << j.dump();
}

class NatLabTest : public ::testing::Test {
  protected:
    // A lab with coturn and one home "1" behind `nat`.
    const Home& build(Nat nat) {
        lab_ = std::make_unique<NatLab>(test_dir(std::string("natlab-") + nat_name(nat)));
        lab_->add_public();
        const Home& h = lab_->add_home("1", nat);
        lab_->start_turn();
        return h;
    }
    // coturn's oracle finds `mapping` and `filtering`; ours finds the same and names the type.
    void expect(Nat nat, Behaviour mapping, Behaviour filtering, const char* type) {
        const Home& h = build(nat);
        const Discovery d = discover(*lab_, h);
        EXPECT_EQ(d.mapping, mapping) << d.log;
        EXPECT_EQ(d.filtering, filtering) << d.log;
        EXPECT_EQ(d.reflexive, h.wan_ip) << d.log;
        lab_->forget_contacts(h);  // the oracle's mapping test contacted the other address
        expect_ours(*lab_, h, type, name(mapping), name(filtering));
    }
    static const char* name(Behaviour b) {
        switch (b) {
            case Behaviour::endpoint_independent:
                return "endpoint_independent";
            case Behaviour::address_dependent:
                return "address_dependent";
            case Behaviour::address_port_dependent:
                return "address_and_port_dependent";
            case Behaviour::unknown:
                break;
        }
        return "unknown";
    }
    std::unique_ptr<NatLab> lab_;
};

std::vector<std::string> sm_namespaces_of(pid_t pid) {
    const std::string prefix = "sm" + std::to_string(pid) + "-";
    std::vector<std::string> out;
    for (const auto& n : NatLab::list_netns())
        if (n.rfind(prefix, 0) == 0) out.push_back(n);
    return out;
}

bool has_netns(const std::string& name) {
    for (const auto& n : NatLab::list_netns())
        if (n == name) return true;
    return false;
}

}  // namespace

TEST_F(NatLabTest, NoNatIsOpen) {
    const Home& h = build(Nat::none);
    EXPECT_EQ(h.host_ip, h.wan_ip);
    const Discovery d = discover(*lab_, h);
    EXPECT_EQ(d.mapping, Behaviour::endpoint_independent) << d.log;
    EXPECT_EQ(d.filtering, Behaviour::endpoint_independent) << d.log;
    EXPECT_EQ(d.reflexive, h.host_ip) << d.log;  // coturn sees the host's own address
    expect_ours(*lab_, h, "open", "endpoint_independent", "endpoint_independent");
}

TEST_F(NatLabTest, FullConeMapsAndFiltersIndependentlyOfTheEndpoint) {
    expect(Nat::full_cone, Behaviour::endpoint_independent, Behaviour::endpoint_independent,
           "full_cone");
}

TEST_F(NatLabTest, RestrictedConeFiltersByAddress) {
    expect(Nat::restricted, Behaviour::endpoint_independent, Behaviour::address_dependent,
           "restricted");
}

TEST_F(NatLabTest, PortRestrictedConeFiltersByAddressAndPort) {
    expect(Nat::port_restricted, Behaviour::endpoint_independent, Behaviour::address_port_dependent,
           "port_restricted");
}

TEST_F(NatLabTest, SymmetricNatMapsPerDestination) {
    expect(Nat::symmetric, Behaviour::address_port_dependent, Behaviour::address_port_dependent,
           "symmetric");
}

// coturn's test client allocates relays through the symmetric NAT and echoes through them
// (relay to relay, -y). "pub" has no route to the home's 10.1.0.0/24: every answer came back
// through the NAT.
TEST_F(NatLabTest, TurnAllocationThroughSymmetricNat) {
    const Home& h = build(Nat::symmetric);
    const auto r =
        lab_->run(h.host,
                  {"turnutils_uclient", "-u", NatLab::kTurnUser, "-w", NatLab::kTurnPassword, "-y",
                   "-n", "5", "-m", "1", "-l", "100", NatLab::kTurnIp},
                  30s);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string out = r.out + r.err;
    EXPECT_NE(out.find("Total lost packets 0 "), std::string::npos) << out;
    std::ifstream in(lab_->turn_log());
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(log.find("ALLOCATE processed, success"), std::string::npos) << log;
    EXPECT_EQ(lab_->connect_tcp("pub", h.host_ip, 9, 500), -1);  // no route into the home
}

// A node behind a NAT, its API bound to its private address, answers the test through a
// socket made inside the home's namespace (no route from the host into the lab).
// A node behind a NAT answers HTTP through the lab's connect hook, and finds its public
// address and NAT type with --stun (GET /net/self).
TEST_F(NatLabTest, NodeInsideAHomeAnswersHttpAndKnowsItsNat) {
    const Home& h = build(Nat::port_restricted);
    const auto dir = lab_->dir() / "node";
    const pid_t node = lab_->spawn(
        h.host,
        {SHAREMSGD_PATH, "--devnet", "--datadir", dir.string(), "--mine", "false", "--p2p-bind",
         h.host_ip, "--p2p-port", "37890", "--web-bind", h.host_ip, "--web-port", "8080", "--stun",
         std::string(NatLab::kTurnIp) + ":3478", "--stun", "203.0.113.99:3478"});
    HttpResult health;
    ASSERT_TRUE(wait_until(
        [&] {
            health = http_request_on(lab_->connect_tcp(h.host, h.host_ip, 8080), "GET", "/health");
            return health.status == 200 || !lab_->alive(node);
        },
        60s));
    EXPECT_EQ(health.status, 200) << health.body;
    EXPECT_TRUE(lab_->alive(node));
    // From the public segment the private address is not routed.
    EXPECT_EQ(lab_->connect_tcp("pub", h.host_ip, 8080, 500), -1);

    // The first server answers (the second has nothing behind it); a discovery behind this
    // NAT waits out two filtering tests of 5 s each.
    nlohmann::json self;
    ASSERT_TRUE(wait_until(
        [&] {
            const auto r =
                http_request_on(lab_->connect_tcp(h.host, h.host_ip, 8080), "GET", "/net/self");
            self = nlohmann::json::parse(r.body, nullptr, false);
            return (self.is_object() && self.value("refreshes", 0) > 0) || !lab_->alive(node);
        },
        60s));
    EXPECT_EQ(self["stun_servers"],
              nlohmann::json::array({std::string(NatLab::kTurnIp) + ":3478", "203.0.113.99:3478"}));
    EXPECT_EQ(self.value("nat", ""), "port_restricted") << self.dump();
    EXPECT_EQ(self.value("mapping", ""), "endpoint_independent") << self.dump();
    EXPECT_EQ(self.value("filtering", ""), "address_and_port_dependent") << self.dump();
    const std::string pub = self.value("public_endpoint", "");
    EXPECT_EQ(pub.substr(0, pub.find(':')), h.wan_ip) << self.dump();
    EXPECT_EQ(self.value("/report/server"_json_pointer, std::string()),
              std::string(NatLab::kTurnIp) + ":3478");
    EXPECT_EQ(lab_->stop(node), 0);
}

// A node behind a NAT registers with a relay on the public segment the NAT type its --stun
// discovery found (no --relay-nat given).
TEST_F(NatLabTest, RelayRegistrationCarriesTheNatTypeStunFound) {
    const Home& h = build(Nat::symmetric);
    const auto key = test_signing_key(1);
    const std::string relay_ip = NatLab::kTurnAltIp;  // coturn has .1; the relay node .3
    const pid_t relay = lab_->spawn(
        "pub", {SHAREMSGD_PATH, "--devnet", "--datadir", (lab_->dir() / "relay").string(),
                "--relay", "--share-period", "0.3", "--address", key.master_hash, "--p2p-bind",
                relay_ip, "--p2p-port", "37891", "--web-bind", relay_ip, "--web-port", "8081"});
    std::vector<std::string> argv{SHAREMSGD_PATH,     "--devnet",
                                  "--datadir",        (lab_->dir() / "node").string(),
                                  "--mine",           "false",
                                  "--p2p-bind",       h.host_ip,
                                  "--p2p-port",       "37890",
                                  "--web-bind",       h.host_ip,
                                  "--web-port",       "8080",
                                  "--stun",           std::string(NatLab::kTurnIp) + ":3478",
                                  "--relay-url",      "http://" + relay_ip + ":8081",
                                  "--relay-interval", "1"};
    for (const auto& f : key_flags(key))
        argv.push_back(f);
    const pid_t node = lab_->spawn(h.host, argv);

    // Registrations before the discovery ends say "unknown"; the relay keeps the newest.
    const std::string path = "/relay/lookup/devnet/" + key.signing_id;
    std::string nat;
    EXPECT_TRUE(wait_until(
        [&] {
            const auto r = http_request_on(lab_->connect_tcp("pub", relay_ip, 8081), "GET", path);
            if (r.status == 200) {
                auto entry = sharemsg::relay::decode_entry(r.body);
                if (entry.ok()) nat = sharemsg::relay::nat_name(entry->registration.nat);
            }
            return nat == "symmetric" || !lab_->alive(node) || !lab_->alive(relay);
        },
        90s))
        << "last registered: " << nat;
    EXPECT_EQ(nat, "symmetric");
    EXPECT_EQ(lab_->stop(node), 0);
    EXPECT_EQ(lab_->stop(relay), 0);
}

// Everything the lab made goes with it: processes (coturn, spawned ones) and namespaces.
TEST(NatLab, DestructorLeavesNoNamespaceOrProcess) {
    pid_t turn = -1, sleeper = -1;
    {
        NatLab lab(test_dir("natlab-teardown"));
        lab.add_public();
        for (Nat n :
             {Nat::none, Nat::full_cone, Nat::restricted, Nat::port_restricted, Nat::symmetric})
            lab.add_home(nat_name(n), n);
        lab.start_turn();
        turn = lab.turn_pid();
        sleeper = lab.spawn("hsymmetric", {"sleep", "600"});
        EXPECT_EQ(sm_namespaces_of(::getpid()).size(), 10u);  // pub, 5 hosts, 4 routers
        EXPECT_EQ(lab.namespaces().size(), 10u);
    }
    EXPECT_TRUE(sm_namespaces_of(::getpid()).empty());
    EXPECT_NE(::kill(turn, 0), 0);
    EXPECT_NE(::kill(sleeper, 0), 0);
}

// A crashed run leaves sm<pid>-* namespaces behind: a new lab removes those whose process is
// gone and keeps those of a live process.
TEST(NatLab, RemovesLeftoversOfDeadProcessesOnly) {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    int st = 0;
    ASSERT_EQ(::waitpid(child, &st, 0), child);  // `child` is now a dead pid
    const std::string dead = "sm" + std::to_string(child) + "-pub";
    const std::string live = "sm1-natlabtest";  // pid 1 is alive
    ASSERT_EQ(std::system(("ip netns add " + dead).c_str()), 0);
    ASSERT_EQ(std::system(("ip netns add " + live).c_str()), 0);
    {
        NatLab lab(test_dir("natlab-leftovers"));
        EXPECT_FALSE(has_netns(dead));
        EXPECT_TRUE(has_netns(live));
    }
    EXPECT_EQ(std::system(("ip netns del " + live).c_str()), 0);
}

// Without turnserver on PATH the preflight names it (and only it).
TEST(NatLab, PreflightNamesWhatIsMissing) {
    ASSERT_TRUE(NatLab::preflight().ok()) << NatLab::preflight().detail;
    const auto dir = test_dir("natlab-path");
    for (const char* prog : {"ip", "iptables"}) {
        std::string found;
        std::istringstream path(std::getenv("PATH"));
        for (std::string d; found.empty() && std::getline(path, d, ':');)
            if (::access((d + "/" + prog).c_str(), X_OK) == 0) found = d + "/" + prog;
        ASSERT_FALSE(found.empty()) << prog;
        std::filesystem::create_symlink(found, dir / prog);
    }
    const Preflight p = NatLab::preflight(dir.string());
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.problem, LabProblem::missing_program);
    EXPECT_NE(p.detail.find("turnserver"), std::string::npos) << p.detail;
    EXPECT_EQ(p.detail.find("iptables"), std::string::npos) << p.detail;
}
