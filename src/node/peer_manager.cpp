#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/peer_manager.hpp"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "node/rules.hpp"

namespace sharemsg::node {

using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kAcceptBackoffMin = std::chrono::milliseconds(50);
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds(2000);
constexpr auto kHousekeeping = std::chrono::seconds(1);

// Dialling again after a failure or a disconnect: 1 s, doubling up to 60 s.
Clock::duration dial_backoff(unsigned attempt) {
    return std::chrono::seconds(std::min(60u, 1u << std::min(attempt, 6u)));
}

std::string seconds_text(Clock::duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 1000.0)
               .substr(0, 6) +
           " s";
}
}  // namespace

PeerManager::PeerManager(boost::asio::io_context& io, const p2p::NetworkParams& net,
                         PeerLimits limits, std::uint16_t advertised_port, std::uint64_t nonce,
                         Metrics& metrics, Hooks hooks)
    : io_(io),
      net_(net),
      limits_(limits),
      inbound_limit_(limits.max_inbound),
      advertised_port_(advertised_port),
      nonce_(nonce),
      metrics_(metrics),
      hooks_(std::move(hooks)),
      acceptor_(io),
      accept_timer_(io),
      housekeeping_(io),
      discovery_timer_(io) {
    // Every inbound peer holds a descriptor: keep the inbound limit within what the process
    // may open, leaving fd_reserve for the database, the HTTP server and outbound peers.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        const auto cur = static_cast<std::size_t>(rl.rlim_cur);
        const std::size_t room = cur > limits_.fd_reserve ? cur - limits_.fd_reserve : 0;
        if (room < inbound_limit_) {
            spdlog::warn(
                "inbound peers limited to {} (not {}): the open-file limit is {} and {} are kept "
                "for the rest",
                room, inbound_limit_, cur, limits_.fd_reserve);
            inbound_limit_ = room;
        }
    }
    metrics_.set("sharemsg_p2p_inbound_limit", "", static_cast<double>(inbound_limit_));
}

PeerManager::~PeerManager() = default;

Status PeerManager::listen(const std::string& bind, std::uint16_t port) {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(bind, ec);
    if (ec) return make_error(Errc::invalid_argument, "--p2p-bind " + bind + ": " + ec.message());
    tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec)
        return make_error(
            Errc::io, "P2P listen on " + bind + ":" + std::to_string(port) + ": " + ec.message());
    accept_loop();
    schedule_housekeeping();
    if (book_in_use_) schedule_discovery();
    return Ok{};
}

std::uint16_t PeerManager::listen_port() const {
    boost::system::error_code ec;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

Status PeerManager::connect_to(const std::vector<std::string>& targets) {
    if (targets.size() > limits_.max_outbound)
        return make_error(Errc::invalid_argument,
                          std::to_string(targets.size()) + " --peer targets, more than the " +
                              std::to_string(limits_.max_outbound) +
                              " outbound connections allowed (--max-outbound)");
    for (const auto& hp : targets) {
        const auto colon = hp.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size())
            return make_error(Errc::invalid_argument, "--peer " + hp + ": expected HOST:PORT");
        Target t;
        t.host_port = hp;
        t.host = hp.substr(0, colon);
        t.port = hp.substr(colon + 1);
        t.timer = std::make_shared<boost::asio::steady_timer>(io_);
        targets_.push_back(std::move(t));
    }
    for (std::size_t i = 0; i < targets_.size(); ++i)
        dial(i);
    return Ok{};
}

void PeerManager::stop() {
    stopped_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    accept_timer_.cancel();
    housekeeping_.cancel();
    discovery_timer_.cancel();
    for (auto& t : targets_)
        t.timer->cancel();
    auto peers = peers_;
    for (auto& [id, p] : peers)
        p->close("shutting down");
    if (book_in_use_) save_book();
}

// ---------------------------------------------------------------- inbound

void PeerManager::accept_loop() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
        if (ec == boost::asio::error::operation_aborted || stopped_) return;
        if (ec) {
            // Out of descriptors (EMFILE, ENFILE) or memory: the connection waits in the
            // backlog and accepting again at once would fail again; wait, doubling the wait.
            const bool first = accept_backoff_.count() == 0;
            accept_backoff_ = std::min(
                std::max(accept_backoff_ * 2, std::chrono::milliseconds(kAcceptBackoffMin)),
                std::chrono::milliseconds(kAcceptBackoffMax));
            metrics_.inc("sharemsg_p2p_accept_errors_total");
            if (first)
                spdlog::warn("P2P accept failed: {}; accepting again after a pause (at most {} ms)",
                             ec.message(), kAcceptBackoffMax.count());
            else
                spdlog::debug("P2P accept failed: {}; next try in {} ms", ec.message(),
                              accept_backoff_.count());
            accept_timer_.expires_after(accept_backoff_);
            accept_timer_.async_wait([this](boost::system::error_code tec) {
                if (!tec && !stopped_) accept_loop();
            });
            return;
        }
        accept_backoff_ = std::chrono::milliseconds(0);
        on_accept(std::move(s));
        accept_loop();
    });
}

void PeerManager::on_accept(tcp::socket s) {
    boost::system::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) {
        s.close(ec);
        return;
    }
    const std::string ip = ep.address().to_string();
    const auto per_ip = inbound_per_ip_.find(ip);
    const char* refused = nullptr;
    if (banned(ip))
        refused = "banned";
    else if (inbound_ >= inbound_limit_)
        refused = "inbound_limit";
    else if (per_ip != inbound_per_ip_.end() && per_ip->second >= limits_.max_per_ip)
        refused = "per_address_limit";
    if (refused) {
        metrics_.inc("sharemsg_p2p_refused_total", std::string("reason=\"") + refused + "\"");
        spdlog::debug("refusing a P2P connection from {}: {}", ip, refused);
        s.close(ec);
        return;
    }
    ++inbound_;
    ++inbound_per_ip_[ip];
    add_peer(std::make_shared<Peer>(*this, std::move(s), next_id_++, false, std::string()));
}

void PeerManager::add_peer(std::shared_ptr<Peer> peer) {
    peers_[peer->id()] = peer;
    publish_counts();
    spdlog::info("{}: connected{}", peer->label(),
                 peer->target().empty() ? std::string() : " (" + peer->target() + ")");
    peer->start();
}

void PeerManager::on_handshake(const std::shared_ptr<Peer>& peer) {
    for (auto& t : targets_)
        if (t.peer == peer->id()) t.attempt = 0;
    if (book_in_use_) discovery_handshake(peer);
}

void PeerManager::on_closed(const std::shared_ptr<Peer>& peer) {
    if (!peers_.erase(peer->id())) return;
    getaddrs_answered_.erase(peer->id());
    publish_counts();
    if (!peer->outbound()) {
        --inbound_;
        auto it = inbound_per_ip_.find(peer->remote_ip());
        if (it != inbound_per_ip_.end() && --it->second == 0) inbound_per_ip_.erase(it);
        return;
    }
    if (book_peers_.count(peer->id())) {
        discovery_closed(peer);
        return;
    }
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        if (targets_[i].peer != peer->id()) continue;
        targets_[i].peer = 0;
        if (stopped_) return;
        // A target we banned is dialled again when the ban ends; any other after a backoff.
        const auto ban = bans_.find(peer->remote_ip());
        if (ban != bans_.end() && ban->second > Clock::now())
            redial(i, ban->second - Clock::now() + std::chrono::milliseconds(10));
        else
            redial(i, dial_backoff(targets_[i].attempt++));
    }
}

// ---------------------------------------------------------------- outbound

void PeerManager::redial(std::size_t i, Clock::duration delay) {
    auto& t = targets_[i];
    spdlog::debug("peer {}: dialling again in {}", t.host_port, seconds_text(delay));
    t.timer->expires_after(delay);
    t.timer->async_wait([this, i](boost::system::error_code ec) {
        if (!ec && !stopped_) dial(i);
    });
}

void PeerManager::dial(std::size_t i) {
    auto resolver = std::make_shared<tcp::resolver>(io_);
    resolver->async_resolve(
        targets_[i].host, targets_[i].port,
        [this, i, resolver](boost::system::error_code ec, tcp::resolver::results_type eps) {
            if (stopped_) return;
            auto& t = targets_[i];
            if (ec || eps.empty()) {
                spdlog::warn("peer {}: cannot resolve: {}", t.host_port, ec.message());
                redial(i, dial_backoff(t.attempt++));
                return;
            }
            const std::string ip = eps.begin()->endpoint().address().to_string();
            if (const auto ban = bans_.find(ip); ban != bans_.end() && ban->second > Clock::now()) {
                spdlog::info("peer {}: {} is banned; dialling again when the ban ends", t.host_port,
                             ip);
                redial(i, ban->second - Clock::now() + std::chrono::milliseconds(10));
                return;
            }
            auto socket = std::make_shared<tcp::socket>(io_);
            boost::asio::async_connect(
                *socket, eps,
                [this, i, socket](boost::system::error_code cec, const tcp::endpoint&) {
                    if (stopped_) return;
                    auto& tt = targets_[i];
                    if (cec) {
                        spdlog::debug("peer {}: connect failed: {}", tt.host_port, cec.message());
                        redial(i, dial_backoff(tt.attempt++));
                        return;
                    }
                    auto peer = std::make_shared<Peer>(*this, std::move(*socket), next_id_++, true,
                                                       tt.host_port);
                    tt.peer = peer->id();
                    add_peer(peer);
                });
        });
}

// ---------------------------------------------------------------- rules, bans, budget

void PeerManager::penalize(const std::shared_ptr<Peer>& peer, Rule rule,
                           const std::string& detail) {
    if (peer->closed()) return;
    const RulePolicy& p = rule_policy(rule);
    metrics_.inc("sharemsg_peer_penalties_total", std::string("rule=\"") + p.name + "\"");
    peer->set_score(add_score(peer->score(), p.score));
    spdlog::warn("{}: broke rule '{}': {} (score {})", peer->label(), p.name, detail,
                 peer->score());
    if (p.bans || peer->score() >= BAN_SCORE) {
        ban(peer->remote_ip());
        peer->close(std::string("misbehaving (") + p.name + "); banned for " +
                    std::to_string(limits_.ban_time.count()) + " s");
    }
}

bool PeerManager::banned(const std::string& ip) const {
    const auto it = bans_.find(ip);
    return it != bans_.end() && it->second > Clock::now();
}

void PeerManager::ban(const std::string& ip) {
    if (bans_.size() >= limits_.max_bans && !bans_.count(ip)) {
        // Full: the ban that ends soonest gives way.
        auto first = std::min_element(bans_.begin(), bans_.end(), [](const auto& a, const auto& b) {
            return a.second < b.second;
        });
        bans_.erase(first);
    }
    bans_[ip] = Clock::now() + limits_.ban_time;
    metrics_.inc("sharemsg_peer_bans_total");
    metrics_.set("sharemsg_peer_bans", "", static_cast<double>(bans_.size()));
}

void PeerManager::sweep_bans() {
    const auto now = Clock::now();
    bool changed = false;
    for (auto it = bans_.begin(); it != bans_.end();) {
        if (it->second <= now) {
            spdlog::info("ban of {} ended", it->first);
            it = bans_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (changed) metrics_.set("sharemsg_peer_bans", "", static_cast<double>(bans_.size()));
}

void PeerManager::schedule_housekeeping() {
    housekeeping_.expires_after(kHousekeeping);
    housekeeping_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        sweep_bans();
        schedule_housekeeping();
    });
}

void PeerManager::on_held(std::size_t before, std::size_t after) {
    total_held_ = total_held_ - before + after;
    metrics_.set("sharemsg_p2p_buffered_bytes", "", static_cast<double>(total_held_));
    if (total_held_ <= limits_.max_total_held) return;
    // Over the budget of all peers together: the peer holding the most gives way.
    std::shared_ptr<Peer> largest;
    for (const auto& [id, p] : peers_)
        if (!largest || p->held() > largest->held()) largest = p;
    if (!largest) return;
    metrics_.inc("sharemsg_p2p_memory_closes_total");
    largest->close("peers' buffers hold " + std::to_string(total_held_) + " bytes, over " +
                   std::to_string(limits_.max_total_held) + "; this peer held " +
                   std::to_string(largest->held()));
}

// ---------------------------------------------------------------- messages

std::optional<chain::ShareId> PeerManager::best_share() const {
    return hooks_.best_share ? hooks_.best_share() : std::nullopt;
}

void PeerManager::deliver(const std::shared_ptr<Peer>& peer, p2p::Message&& msg,
                          WorkTicket&& ticket) {
    if (handle_addr_message(peer, msg)) return;  // the ticket ends here
    if (hooks_.on_message) hooks_.on_message(peer, std::move(msg), std::move(ticket));
}

void PeerManager::broadcast(const p2p::Message& msg, std::uint64_t except_peer) {
    auto peers = peers_;  // a send may close a peer (its queue over the budget)
    for (auto& [id, p] : peers)
        if (id != except_peer && p->handshaken()) p->send(msg);
}

void PeerManager::publish_counts() {
    count_ = peers_.size();
    metrics_.set("sharemsg_peers", "", static_cast<double>(peers_.size()));
    if (hooks_.on_count) hooks_.on_count(peers_.size());
}

}  // namespace sharemsg::node
