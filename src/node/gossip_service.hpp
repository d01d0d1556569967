// The gossip service (docs/gossip.md, "The gossip service"): signed address announces over
// UDP between the identities the sharechain window pays. It pushes this node's announce to
// a few known peers now and then, pulls what changed from one or two of them more often,
// answers pulls with delta pages, and keeps what it learns in a gossip::PeerTable that is
// saved to DATADIR/gossip.db and loaded at the next start.
//
// Receiving: a banned source is dropped before decoding; then the per-source rate limit,
// decode, the signature work on the verifier thread (gossip_verifier.hpp), the per-identity
// rate limit (of verified announces) and the table on the service thread. A source (IP:PORT)
// that sends `ban_strikes` malformed datagrams or bad signatures within `strike_window` is
// banned for `ban_time`. Delta pages sent to one IP are limited too (`answers_per_ip_minute`).
//
// Threads: one service thread runs the socket, the timers and the table; the verifier thread
// checks signatures. set_window, set_public_address, peers_json and stop from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "gossip/peer_cache.hpp"
#include "gossip/peer_table.hpp"
#include "node/gossip_verifier.hpp"
#include "proto/signing_key.hpp"
#include "relay/rate_limiter.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class Metrics;

struct GossipOptions {
    gossip::NetworkId network{};
    boost::asio::ip::udp::endpoint bind;
    std::vector<boost::asio::ip::udp::endpoint> seeds;
    std::vector<relay::Endpoint> endpoints;  // announced; empty: what set_public_address gives
    std::string cache_path;                  // empty: no cache
    std::chrono::milliseconds push_interval{std::chrono::seconds(60)};  // ± 1/6 of it
    std::chrono::milliseconds pull_interval{std::chrono::seconds(15)};
    std::size_t push_fanout = 3;         // peers each push goes to
    std::size_t pull_fanout = 2;         // peers each pull round asks (1 or 2)
    unsigned quick_pulls = 3;            // in the first pull interval
    unsigned source_per_minute = 100;    // datagrams a minute per source IP:PORT
    unsigned identity_per_minute = 100;  // verified announces a minute per signing id
    // Delta pages a minute sent to one IP (any port): bounds what pulls with a forged source
    // address can make this node send to that address.
    unsigned answers_per_ip_minute = 600;
    unsigned ban_strikes = 5;  // bad datagrams within strike_window: a ban
    std::chrono::seconds strike_window{60};
    std::chrono::seconds ban_time{600};
    std::size_t pages_per_pull = 3;  // delta pages answered to one pull
    std::chrono::seconds save_interval{180};
};

class GossipService {
  public:
    struct Identity {
        proto::DerivedSigningKey key;
        gossip::Announce unsigned_announce;  // network, keys and delegation filled in
    };
    // This node's signing key and delegation, when it has them (read before each push).
    using IdentityFn = std::function<std::optional<Identity>()>;
    using Clock = std::function<std::uint64_t()>;  // unix seconds

    // Binds the socket, loads the cache, starts the threads.
    static Result<std::unique_ptr<GossipService>> start(GossipOptions o, IdentityFn identity,
                                                        Clock clock, Metrics& metrics);
    ~GossipService();  // stop()

    // The payout pubkey hashes of the window: the identities whose master hash is among them
    // take part. Until the first call nobody is authorized (cached entries are still listed).
    void set_window(const std::set<relay::MasterHash>& payouts);
    // What --stun found: announced with the gossip port unless --gossip-endpoint names some.
    void set_public_address(const boost::asio::ip::address& a);
    // Saves the cache, closes the socket, stops and joins both threads. Idempotent.
    void stop();

    // The identities in the table (authorized by the window, once it is known), as
    // /net/peers lists them: {"signing_id", "signing_pubkey", "master_hash", "key_index",
    // "endpoints", "scores" (each endpoint's, in the same order), "nat", "last_seen", "source"
    // ("gossip" or "cache"), "gossip_version",
    // "updated"}.
    nlohmann::ordered_json peers_json() const;
    // One of them by its signing id (40 hex), if listed.
    std::optional<nlohmann::ordered_json> find_json(const std::string& signing_id) const;
    std::uint16_t port() const { return port_; }

  private:
    using udp = boost::asio::ip::udp;
    GossipService(GossipOptions o, IdentityFn identity, Clock clock, Metrics& metrics);

    // Service thread.
    void load_cache();
    void save_cache();
    void receive();
    void on_datagram(const udp::endpoint& from, std::size_t n);
    void on_announce(gossip::Announce a, const std::string& source);
    void on_pull(const gossip::Pull& p, const udp::endpoint& from);
    void on_delta(gossip::Delta d, const udp::endpoint& from, const std::string& source);
    void on_verdict(GossipVerifier::Job job, gossip::Verdict v);
    void strike(const std::string& source);
    bool banned(const std::string& source);
    void push_round();
    void pull_round();
    void send_pull(const udp::endpoint& to, std::uint64_t since);
    void send(const gossip::Datagram& d, const udp::endpoint& to, const char* kind);
    std::vector<udp::endpoint> targets() const;
    bool authorized(const gossip::Announce& a) const;
    void publish();
    void schedule_push(std::chrono::milliseconds after);
    void schedule_pull(std::chrono::milliseconds after);
    void schedule_save();

    GossipOptions o_;
    IdentityFn identity_;
    Clock clock_;
    Metrics& metrics_;
    std::uint16_t port_ = 0;

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    udp::socket socket_;
    boost::asio::steady_timer push_timer_, pull_timer_, save_timer_;
    std::unique_ptr<GossipVerifier> verifier_;
    std::thread thread_;

    // Service thread state.
    gossip::PeerTable table_;
    std::optional<gossip::PeerCache> cache_;
    relay::RateLimiter per_source_, per_identity_, answers_per_ip_;
    struct Strikes {
        std::vector<std::uint64_t> at;  // unix s of the recent strikes
        std::uint64_t banned_until = 0;
    };
    std::map<std::string, Strikes> strikes_;
    struct PullState {
        std::uint64_t nonce = 0;
        std::uint64_t sent = 0;
        std::uint64_t cursor = 0;
        unsigned chained = 0;  // pages pulled in a row after a `more`
    };
    std::map<std::string, PullState> pulls_;  // by target IP:PORT
    std::array<std::uint8_t, gossip::MAX_DATAGRAM + 1> buf_{};
    udp::endpoint from_;
    std::mt19937_64 rng_;
    std::set<gossip::SigningId> fresh_;  // identities accepted since start (not only cached)
    std::uint64_t version_ = 0;          // of the last announce sent
    unsigned pulls_done_ = 0;
    bool stopped_ = false;

    // Shared with other threads.
    mutable std::mutex mu_;
    std::shared_ptr<const std::set<relay::MasterHash>> window_;  // null: not known yet
    std::optional<boost::asio::ip::address> public_address_;
    nlohmann::ordered_json snapshot_ = nlohmann::ordered_json::array();
    std::mutex stop_mu_;
    bool stop_requested_ = false;
};

}  // namespace sharemsg::node
