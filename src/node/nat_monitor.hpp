// What this node knows of its own address on the Internet (docs/nat.md, "The node's view"):
// NAT behaviour discovery (nat_discovery.hpp) against the --stun servers, at start, every
// --stun-interval seconds, and soon after the machine's own addresses change (polled every
// 30 s). The last report is served as GET /net/self and handed to `on_report` (the relay
// registrar registers the NAT type it found).
//
// Threads: runs on a strand of the I/O context it is given; snapshot() from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "node/nat_discovery.hpp"

namespace sharemsg::node {

struct NatMonitorOptions {
    std::vector<std::string> server_names;  // as given: HOST:PORT
    std::vector<udp::endpoint> servers;     // resolved, in the same order
    udp::endpoint local_bind;               // the address STUN is sent from (port 0)
    std::chrono::milliseconds interval{std::chrono::minutes(5)};
    std::chrono::milliseconds address_poll{std::chrono::seconds(30)};
    StunTiming timing;
};

// The machine's own addresses (not loopback), sorted: what a change is judged by.
std::vector<std::string> local_addresses();

class NatMonitor : public std::enable_shared_from_this<NatMonitor> {
  public:
    using OnReport = std::function<void(const NatReport&)>;
    using Clock = std::function<std::int64_t()>;  // unix seconds

    static std::shared_ptr<NatMonitor> start(boost::asio::io_context& io, NatMonitorOptions o,
                                             Clock clock, OnReport on_report);
    // Cancels the discovery under way and the timers (on the strand): nothing more is sent
    // and `on_report` is not called again. Any thread.
    void stop();
    // Asks for a discovery now (a direct link failed: the address may have changed), unless
    // one runs or the last ended less than `min_gap` ago. Any thread.
    void request_refresh(std::chrono::seconds min_gap = std::chrono::seconds(60));

    // GET /net/self: {"stun_servers", "nat", "public_endpoint", "mapping", "filtering",
    // "refreshed" (unix s or null), "refreshing", "refreshes", "address_changes", "report"}.
    nlohmann::ordered_json snapshot() const;
    // The same fields for a node without --stun (`m` null): nat "unknown", nulls, zeros.
    static nlohmann::ordered_json snapshot_of(const NatMonitor* m);

  private:
    NatMonitor(boost::asio::io_context& io, NatMonitorOptions o, Clock clock, OnReport on_report);
    void refresh();
    // Takes the report by value: it outlives the discovery released here.
    void finished(NatReport r);
    void schedule_refresh(std::chrono::milliseconds after);
    void poll_addresses();

    StunStrand strand_;
    NatMonitorOptions o_;
    Clock clock_;
    OnReport on_report_;
    boost::asio::steady_timer refresh_timer_;
    boost::asio::steady_timer poll_timer_;
    std::shared_ptr<NatDiscovery> running_;  // strand only
    std::vector<std::string> addresses_;     // strand only
    bool stopped_ = false;                   // strand only

    mutable std::mutex mu_;  // guards what snapshot() reads
    std::optional<NatReport> last_;
    std::optional<std::int64_t> refreshed_;
    bool refreshing_ = false;
    std::uint64_t refreshes_ = 0;
    std::uint64_t address_changes_ = 0;
};

}  // namespace sharemsg::node
