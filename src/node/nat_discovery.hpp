// NAT behaviour discovery (RFC 5780 §4.3, §4.4) with StunClient, reported as the relay's
// NatType (docs/nat.md, "STUN and NAT type").
//
// On one fresh socket, in this order:
//   1. a binding request to every server; the first answer gives the mapped address, the
//      server and its OTHER-ADDRESS;
//   2. filtering: CHANGE-REQUEST (change IP and port), then, if unanswered, (change port)
//      to that server. These come before the socket ever sends to the other address: a NAT
//      that filters by address lets in what the socket has contacted, so the other order
//      would read a restricted cone as a full cone;
//   3. mapping: a request to (other IP, primary port); if its mapped address differs from 1,
//      one to (other IP, other port).
// The type: `open` when the mapped address is the local one; `unknown` when no server
// answers, the server has no OTHER-ADDRESS, or a test cannot be decided (the server answers
// a CHANGE-REQUEST from its primary address); `symmetric` for a mapping that depends on the
// destination; otherwise a cone decided by the filtering: full_cone (endpoint-independent),
// restricted (address-dependent), port_restricted (address-and-port-dependent).
//
// Threads: runs on the strand given; `done` is called there once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/stun_client.hpp"
#include "relay/codec.hpp"

namespace sharemsg::node {

enum class Behaviour : std::uint8_t {
    unknown,
    endpoint_independent,
    address_dependent,
    address_and_port_dependent,
};
const char* behaviour_name(Behaviour b) noexcept;

struct NatReport {
    relay::NatType nat = relay::NatType::unknown;
    Behaviour mapping = Behaviour::unknown;
    Behaviour filtering = Behaviour::unknown;
    std::optional<udp::endpoint> server;  // the server that answered first
    std::optional<udp::endpoint> local;   // the socket's address (as routed to the server)
    std::optional<udp::endpoint> mapped;  // as the server saw it
    std::optional<udp::endpoint> other_address;
    bool change_request_ignored = false;  // the server answered a CHANGE-REQUEST unchanged
    StunCounters counters;

    // {"nat", "mapping", "filtering", "server", "local", "mapped", "other_address" (strings
    // or null), "change_request_ignored", "counters": {...}}
    nlohmann::ordered_json json() const;
};

class NatDiscovery : public std::enable_shared_from_this<NatDiscovery> {
  public:
    using Done = std::function<void(const NatReport&)>;
    // Starts at once on `strand`. `local_bind` may have port 0 and an unspecified address.
    static std::shared_ptr<NatDiscovery> start(StunStrand strand,
                                               std::vector<udp::endpoint> servers,
                                               udp::endpoint local_bind, StunTiming timing,
                                               Done done);
    // Stops early; `done` gets what was found so far. Any thread.
    void cancel();

  private:
    NatDiscovery(StunStrand strand, Done done) : strand_(strand), done_(std::move(done)) {}
    void begin(std::vector<udp::endpoint> servers, udp::endpoint local_bind, StunTiming timing);
    void on_first(const StunAnswer& a);
    void filtering(bool change_ip);
    void mapping(bool other_port);
    void finish();
    udp::endpoint local_address_towards(const udp::endpoint& server) const;

    StunStrand strand_;
    Done done_;
    std::shared_ptr<StunClient> client_;
    NatReport report_;
    std::optional<udp::endpoint> mapped_other_ip_;  // the mapping test's first answer
    bool finished_ = false;
};

// Runs a discovery on `io` and returns its report: drives `io` from this thread until the
// discovery is done (other threads may run `io` too).
NatReport discover_nat(boost::asio::io_context& io, const std::vector<udp::endpoint>& servers,
                       const udp::endpoint& local_bind, StunTiming timing = {});

// "HOST:PORT" or "[IPv6]:PORT", the host resolved (blocking) to its first address; nullopt
// when it is not of that form or does not resolve.
std::optional<udp::endpoint> resolve_stun_server(boost::asio::io_context& io,
                                                 std::string_view host_port);

}  // namespace sharemsg::node
