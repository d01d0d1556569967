// The node's peers, on the I/O thread: the P2P listener and its accept loop, dialling the
// --peer targets with backoff, the address book (node/addr_book.hpp: `getaddrs`, `addrs` and
// `addrme` are answered and taken here, and addresses from the book are dialled while outbound
// slots are free), the table of connected peers, the ban map, broadcast and penalties, and the
// limits that keep a hostile peer from exhausting the node (connections, file descriptors,
// memory). What the other messages mean is the node's business (Hooks::on_message).
//
// Every method runs on the I/O thread (the io_context given), except count().
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "chain/tracker.hpp"
#include "node/addr_book.hpp"
#include "node/metrics.hpp"
#include "node/peer.hpp"
#include "p2p/params.hpp"
#include "relay/codec.hpp"
#include "util/result.hpp"
#include "util/rule.hpp"

namespace sharemsg::node {

// The figures are in docs/architecture.md ("Limits"); the command line sets the first five.
struct PeerLimits {
    std::size_t max_inbound = 40;  // p2pool's --max-conns default
    std::size_t max_outbound = 6;  // p2pool's --outgoing-conns default; --peer counts against it
    std::size_t max_per_ip = 3;    // inbound connections from one remote address
    std::chrono::seconds ban_time{3600};              // the reference's ban
    std::chrono::milliseconds idle_timeout{100'000};  // the reference's; pings every quarter
    std::chrono::milliseconds handshake_timeout{10'000};
    // Memory, per peer: the frame under assembly, what waits on the chain thread, the send
    // queue; and all peers together (over it, the peer holding the most is closed).
    std::size_t max_frame_payload = 2 * 1024 * 1024;
    std::size_t max_in_flight = 16;  // messages handed on and not yet done (bytes: one frame)
    std::size_t max_send_queue = 4 * 1024 * 1024;
    std::size_t max_total_held = 64 * 1024 * 1024;
    std::size_t max_bans = 10'000;  // addresses in the ban map (the soonest to end go first)
    // File descriptors kept for everything but inbound peers (database, HTTP, outbound): the
    // inbound limit is lowered to RLIMIT_NOFILE minus this when the limit is lower.
    std::size_t fd_reserve = 64;
};

// The address book's place in the peer layer (PeerManager::use_address_book).
struct DiscoveryOptions {
    std::string file;      // DATADIR/addrs.json; empty: not persisted
    bool discover = true;  // ask peers for addresses, advertise ours, dial from the book
    AddrBook::Limits book;
    std::chrono::seconds save_every{60};  // the reference saves its addrs every 60 s
};

class PeerManager {
    using Clock_t = std::chrono::steady_clock;

  public:
    struct Hooks {
        // A decoded message from a handshaken peer (and the version that completed it).
        std::function<void(const std::shared_ptr<Peer>&, p2p::Message&&, WorkTicket&&)> on_message;
        std::function<std::optional<chain::ShareId>()> best_share;  // for our version message
        std::function<void(std::size_t)> on_count;  // the number of connected peers changed
    };

    PeerManager(boost::asio::io_context& io, const p2p::NetworkParams& net, PeerLimits limits,
                std::uint16_t advertised_port, std::uint64_t nonce, Metrics& metrics, Hooks hooks);
    ~PeerManager();
    PeerManager(const PeerManager&) = delete;
    PeerManager& operator=(const PeerManager&) = delete;

    // Binds the listener and starts accepting. Port 0 picks a free one (listen_port()).
    Status listen(const std::string& bind, std::uint16_t port);
    std::uint16_t listen_port() const;
    // Starts dialling these HOST:PORT targets and keeps them connected. Errors: a malformed
    // target, or more targets than PeerLimits::max_outbound.
    Status connect_to(const std::vector<std::string>& targets);
    // Loads the book from options.file (a missing file is an empty book; a corrupt one is
    // logged and ignored) and, with options.discover, starts asking for and dialling
    // addresses. Call before listen(); without it the book is empty and not persisted.
    void use_address_book(DiscoveryOptions options);
    // Resolves the network's bootstrap hosts and adds them to the book (our own knowledge),
    // on `port`; the book dials them while outbound slots are free.
    void add_bootstrap(const std::vector<std::string_view>& hosts, std::uint16_t port);
    const AddrBook& address_book() const { return book_; }
    // Endpoints of miners found through the relays (signed by their identities): added to the
    // book as our own knowledge and dialled now, while outbound slots are free, whether or not
    // --discover is on. One the book refuses (not routable here), not yet due for a retry,
    // busy, banned or ours is left alone.
    void dial_found(const std::vector<relay::Endpoint>& endpoints);
    // Closes the listener and every peer; cancels the timers; saves the book.
    void stop();

    // The one place where a broken rule costs a peer: a log line, a counter, the score
    // (saturating), and a disconnect and ban when the rule bans or the score reaches
    // BAN_SCORE (node/rules.hpp). Nothing for a peer already closed.
    void penalize(const std::shared_ptr<Peer>& peer, Rule rule, const std::string& detail);
    void broadcast(const p2p::Message& msg, std::uint64_t except_peer);
    // Connected peers (any thread).
    std::size_t count() const { return count_.load(); }
    bool banned(const std::string& ip) const;
    const PeerLimits& limits() const { return limits_; }
    std::size_t inbound_limit() const { return inbound_limit_; }

    // --- for Peer ---
    boost::asio::io_context::executor_type executor() { return io_.get_executor(); }
    const p2p::NetworkParams& network() const { return net_; }
    std::uint16_t advertised_port() const { return advertised_port_; }
    std::uint64_t nonce() const { return nonce_; }
    std::optional<chain::ShareId> best_share() const;
    Metrics& metrics() { return metrics_; }
    void deliver(const std::shared_ptr<Peer>& peer, p2p::Message&& msg, WorkTicket&& ticket);
    void on_handshake(const std::shared_ptr<Peer>& peer);
    void on_closed(const std::shared_ptr<Peer>& peer);
    // A peer's held bytes went from `before` to `after`; enforces the total budget.
    void on_held(std::size_t before, std::size_t after);

  private:
    struct Target {
        std::string host_port, host, port;
        unsigned attempt = 0;    // failed attempts since the last handshake
        std::uint64_t peer = 0;  // the connected peer's id, 0 when none
        std::shared_ptr<boost::asio::steady_timer> timer;
    };
    void accept_loop();
    void on_accept(boost::asio::ip::tcp::socket socket);
    void add_peer(std::shared_ptr<Peer> peer);
    void dial(std::size_t target);
    void redial(std::size_t target, std::chrono::steady_clock::duration delay);
    void ban(const std::string& ip);
    void sweep_bans();
    void schedule_housekeeping();
    void publish_counts();
    // Addresses (peer_manager_addrs.cpp).
    bool handle_addr_message(const std::shared_ptr<Peer>& peer, const p2p::Message& msg);
    void on_addrs(const std::shared_ptr<Peer>& peer, const p2p::Addrs& m);
    void on_addrme(const std::shared_ptr<Peer>& peer, const p2p::AddrMe& m);
    void answer_getaddrs(const std::shared_ptr<Peer>& peer, const p2p::GetAddrs& m);
    void relay_addrs(std::vector<p2p::AddrRecord> records, std::uint64_t from);
    void discovery_handshake(const std::shared_ptr<Peer>& peer);
    void discovery_closed(const std::shared_ptr<Peer>& peer);
    void schedule_discovery();
    void discovery_tick();
    void dial_from_book();
    // Where connected peers listen: outbound ones at the address dialled, inbound ones at the
    // port their `addrme` gave.
    std::set<std::pair<std::string, std::uint16_t>> busy_addresses() const;
    // Whether an address may be dialled from the book now.
    bool may_dial(const std::string& host, std::uint16_t port,
                  const std::set<std::pair<std::string, std::uint16_t>>& busy,
                  Clock_t::time_point now) const;
    bool outbound_slot_free() const;
    void dial_book(const std::string& host, std::uint16_t port);
    void save_book();
    void publish_book();

    using AddrKey = std::pair<std::string, std::uint16_t>;

    boost::asio::io_context& io_;
    p2p::NetworkParams net_;
    PeerLimits limits_;
    std::size_t inbound_limit_;
    std::uint16_t advertised_port_;
    std::uint64_t nonce_;
    Metrics& metrics_;
    Hooks hooks_;
    bool stopped_ = false;

    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_timer_;  // backoff after an accept error
    std::chrono::milliseconds accept_backoff_{0};
    boost::asio::steady_timer housekeeping_;  // ban expiry

    std::map<std::uint64_t, std::shared_ptr<Peer>> peers_;
    std::map<std::string, std::size_t> inbound_per_ip_;
    std::size_t inbound_ = 0;
    std::map<std::string, std::chrono::steady_clock::time_point> bans_;  // remote IP -> end
    std::vector<Target> targets_;
    std::atomic<std::size_t> count_{0};
    // The address book and the outbound connections made from it.
    AddrBook book_{AddrBook::Limits{}};
    DiscoveryOptions discovery_;
    bool book_in_use_ = false;
    std::mt19937_64 rng_{std::random_device{}()};
    boost::asio::steady_timer discovery_timer_;
    unsigned discovery_ticks_ = 0;
    Clock_t::time_point next_getaddrs_{};
    std::set<AddrKey> book_dialling_;                    // connects under way
    std::map<std::uint64_t, AddrKey> book_peers_;        // peer id -> the address dialled
    std::map<AddrKey, Clock_t::time_point> book_retry_;  // no dial before this
    std::map<std::uint64_t, Clock_t::time_point> getaddrs_answered_;  // peer id -> last answer
    std::size_t total_held_ = 0;
    std::uint64_t next_id_ = 1;
};

}  // namespace sharemsg::node
