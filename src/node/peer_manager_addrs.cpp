// PeerManager's part in addresses (node/addr_book.hpp): `getaddrs`, `addrs` and `addrme`,
// what is sent after a handshake, dialling addresses from the book while outbound slots are
// free, and the book's file. On the I/O thread, as the rest of PeerManager.
#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>

#include "node/files.hpp"
#include "node/peer_manager.hpp"

namespace sharemsg::node {

using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
// The reference: `getaddrs` answers with at most 100 addresses; a node asks for 8 while its
// book holds fewer than 1000 (preferred_storage), every 20 s on average (Node._think).
constexpr std::uint32_t kMaxAddrsAnswer = 100;
constexpr std::uint32_t kGetAddrsCount = 8;
constexpr std::size_t kPreferredBook = 1000;
constexpr double kGetAddrsMeanSeconds = 20;
// The reference relays each record it is given to a random peer with this probability.
constexpr double kRelayProbability = 0.8;
// A dial from the book gives up after 5 s, as the reference's connectTCP(timeout=5).
constexpr auto kBookConnectTimeout = std::chrono::seconds(5);
// After a connection from the book ends, or turns out to duplicate one we have.
constexpr auto kRedialAfterClose = std::chrono::seconds(60);
constexpr auto kRedialDuplicate = std::chrono::seconds(600);
constexpr auto kDiscoveryTick = std::chrono::seconds(1);
constexpr auto kGetAddrsAnswerGap = std::chrono::seconds(1);

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Clock::duration book_backoff(unsigned failures) {
    return std::chrono::seconds(std::min(600u, 1u << std::min(failures * 2, 9u)));
}

ByteArray<16> wire_address(const std::string& host) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(host, ec);
    if (ec) return {};
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        return p2p::ipv4_mapped(b[0], b[1], b[2], b[3]);
    }
    const auto b = a.to_v6().to_bytes();
    ByteArray<16> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

bool is_loopback(const std::string& host) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(host, ec);
    return !ec && a.is_loopback();
}
}  // namespace

void PeerManager::use_address_book(DiscoveryOptions options) {
    discovery_ = std::move(options);
    book_ = AddrBook(discovery_.book);
    book_in_use_ = true;
    const std::string& path = discovery_.file;
    if (!path.empty()) {
        auto text = read_file(path);
        if (!text) {
            if (text.error().code != Errc::not_found)
                spdlog::warn("address book {}: cannot read it ({}); starting with an empty book",
                             path, text.error().to_string());
        } else {
            std::size_t skipped = 0;
            if (auto s = book_.load_json(*text, unix_now(), &skipped); !s) {
                std::error_code ec;
                std::filesystem::rename(path, path + ".corrupt", ec);
                spdlog::warn(
                    "address book {} is corrupt ({}); moved to {}.corrupt, starting with an "
                    "empty book",
                    path, s.error().reason, path);
            } else {
                spdlog::info("address book: {} addresses read from {}{}", book_.size(), path,
                             skipped ? " (" + std::to_string(skipped) + " skipped)" : "");
            }
        }
    }
    publish_book();
}

bool PeerManager::handle_addr_message(const std::shared_ptr<Peer>& peer, const p2p::Message& msg) {
    if (const auto* m = std::get_if<p2p::GetAddrs>(&msg)) {
        answer_getaddrs(peer, *m);
        return true;
    }
    if (const auto* m = std::get_if<p2p::Addrs>(&msg)) {
        on_addrs(peer, *m);
        return true;
    }
    if (const auto* m = std::get_if<p2p::AddrMe>(&msg)) {
        on_addrme(peer, *m);
        return true;
    }
    return false;
}

void PeerManager::answer_getaddrs(const std::shared_ptr<Peer>& peer, const p2p::GetAddrs& m) {
    // One answer a second per peer (a node asks every 20 s on average): a stream of `getaddrs`
    // costs the I/O thread no more than that.
    const auto now = Clock::now();
    auto& last = getaddrs_answered_[peer->id()];
    if (last != Clock::time_point{} && now - last < kGetAddrsAnswerGap) {
        metrics_.inc("sharemsg_p2p_getaddrs_ignored_total");
        return;
    }
    last = now;
    p2p::Addrs out;
    for (const auto& e : book_.good(std::min(m.count, kMaxAddrsAnswer), unix_now(), rng_)) {
        p2p::AddrRecord r;
        r.timestamp = static_cast<std::uint64_t>(std::max<std::int64_t>(0, e.last_seen));
        r.address.services = e.services;
        r.address.address = wire_address(e.host);
        r.address.port = e.port;
        out.addrs.push_back(r);
    }
    peer->send(out);
}

void PeerManager::on_addrs(const std::shared_ptr<Peer>& peer, const p2p::Addrs& m) {
    const std::int64_t now = unix_now();
    std::array<std::size_t, ADDR_VERDICT_COUNT> counts{};
    std::vector<p2p::AddrRecord> relay;
    for (const auto& r : m.addrs) {
        const std::int64_t ts = r.timestamp > static_cast<std::uint64_t>(now)
                                    ? now
                                    : static_cast<std::int64_t>(r.timestamp);
        const auto v = book_.add(p2p::address_text(r.address.address), r.address.port,
                                 r.address.services, ts, now, peer->remote_ip());
        ++counts[static_cast<std::size_t>(v)];
        if (v == AddrVerdict::added || v == AddrVerdict::replaced) {
            relay.push_back(r);
            relay.back().timestamp = static_cast<std::uint64_t>(ts);
        }
    }
    for (std::size_t i = 0; i < counts.size(); ++i)
        if (counts[i])
            metrics_.inc(
                "sharemsg_addr_records_total",
                std::string("verdict=\"") + addr_verdict_name(static_cast<AddrVerdict>(i)) + "\"",
                static_cast<double>(counts[i]));
    // Logged only when the book gained (at most Limits::new_per_source a window per source):
    // a flood of refused records costs no log lines.
    if (!relay.empty())
        spdlog::debug("{}: addrs with {} records, {} new", peer->label(), m.addrs.size(),
                      relay.size());
    publish_book();
    relay_addrs(std::move(relay), peer->id());
}

void PeerManager::on_addrme(const std::shared_ptr<Peer>& peer, const p2p::AddrMe& m) {
    // The peer listens on m.port at the address it connects from.
    peer->set_listen_port(m.port);
    const std::int64_t now = unix_now();
    const auto v =
        book_.add(peer->remote_ip(), m.port, peer->remote_services(), now, now, peer->remote_ip());
    metrics_.inc("sharemsg_addr_records_total",
                 std::string("verdict=\"") + addr_verdict_name(v) + "\"");
    publish_book();
    if (v != AddrVerdict::added && v != AddrVerdict::updated && v != AddrVerdict::replaced) return;
    p2p::AddrRecord r;
    r.timestamp = static_cast<std::uint64_t>(now);
    r.address.services = peer->remote_services();
    r.address.address = wire_address(peer->remote_ip());
    r.address.port = m.port;
    relay_addrs({r}, peer->id());
}

void PeerManager::relay_addrs(std::vector<p2p::AddrRecord> records, std::uint64_t from) {
    if (records.empty()) return;
    std::bernoulli_distribution relay(kRelayProbability);
    if (!relay(rng_)) return;
    std::vector<std::shared_ptr<Peer>> others;
    for (const auto& [id, p] : peers_)
        if (id != from && p->handshaken()) others.push_back(p);
    if (others.empty()) return;
    std::uniform_int_distribution<std::size_t> pick(0, others.size() - 1);
    others[pick(rng_)]->send(p2p::Addrs{std::move(records)});
}

void PeerManager::discovery_handshake(const std::shared_ptr<Peer>& peer) {
    const std::int64_t now = unix_now();
    if (peer->outbound()) {
        // We reached a node listening there: a good address.
        book_.add(peer->remote_ip(), peer->remote_port(), peer->remote_services(), now, now, "");
        book_.reached(peer->remote_ip(), peer->remote_port(), now);
        publish_book();
    }
    if (const auto it = book_peers_.find(peer->id()); it != book_peers_.end()) {
        for (const auto& [id, p] : peers_) {
            if (id == peer->id() || !p->handshaken() || p->remote_nonce() != peer->remote_nonce())
                continue;
            if (!p->outbound() && nonce_ > peer->remote_nonce()) {
                // Both ends dialled each other: the connection dialled by the end with the
                // larger nonce stays, at both ends.
                p->close("a duplicate of our connection to it (peer " + std::to_string(peer->id()) +
                         ")");
                break;
            }
            book_retry_[it->second] = Clock::now() + kRedialDuplicate;
            peer->close("already connected to this node (peer " + std::to_string(id) + ")");
            return;
        }
    }
    if (!discovery_.discover) return;
    // As the reference: advertise our port (the peer sees our address) and ask for addresses
    // while the book is short.
    peer->send(p2p::AddrMe{advertised_port_});
    if (book_.size() < kPreferredBook) peer->send(p2p::GetAddrs{kGetAddrsCount});
}

void PeerManager::discovery_closed(const std::shared_ptr<Peer>& peer) {
    const auto it = book_peers_.find(peer->id());
    const AddrKey key = it->second;
    book_peers_.erase(it);
    if (peer->was_self()) {
        book_.remove(key.first, key.second);
        book_retry_.erase(key);
        publish_book();
        return;
    }
    if (!peer->handshaken()) {
        book_.failed(key.first, key.second);
        const auto* e = book_.find(key.first, key.second);
        book_retry_[key] = Clock::now() + book_backoff(e ? e->failures : 0);
        publish_book();
    } else if (book_retry_[key] < Clock::now() + kRedialAfterClose) {
        book_retry_[key] = Clock::now() + kRedialAfterClose;
    }
}

void PeerManager::schedule_discovery() {
    discovery_timer_.expires_after(kDiscoveryTick);
    discovery_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        discovery_tick();
        schedule_discovery();
    });
}

void PeerManager::discovery_tick() {
    const auto now = Clock::now();
    ++discovery_ticks_;
    if (discovery_.discover) {
        dial_from_book();
        if (now >= next_getaddrs_) {
            std::exponential_distribution<double> wait(1.0 / kGetAddrsMeanSeconds);
            next_getaddrs_ =
                now + std::chrono::milliseconds(static_cast<std::int64_t>(wait(rng_) * 1000.0));
            std::vector<std::shared_ptr<Peer>> ready;
            for (const auto& [id, p] : peers_)
                if (p->handshaken()) ready.push_back(p);
            if (book_.size() < kPreferredBook && !ready.empty()) {
                std::uniform_int_distribution<std::size_t> pick(0, ready.size() - 1);
                ready[pick(rng_)]->send(p2p::GetAddrs{kGetAddrsCount});
            }
        }
    }
    const auto every =
        static_cast<unsigned>(std::max<std::int64_t>(1, discovery_.save_every.count()));
    if (discovery_ticks_ % every == 0) {
        if (const auto n = book_.expire(unix_now()))
            spdlog::info("address book: {} addresses not seen for {} days dropped", n,
                         discovery_.book.max_age.count() / 86400);
        book_.sweep_sources(now);
        std::erase_if(book_retry_, [&](const auto& kv) { return kv.second <= now; });
        save_book();
        publish_book();
    }
}

void PeerManager::add_bootstrap(const std::vector<std::string_view>& hosts, std::uint16_t port) {
    // Resolved once at start, as the reference resolves BOOTSTRAP_ADDRS into its addr store;
    // the book then dials them like any address it knows. A name that does not resolve is
    // logged and left out.
    for (const auto& h : hosts) {
        auto resolver = std::make_shared<tcp::resolver>(io_);
        resolver->async_resolve(
            std::string(h), std::to_string(port),
            [this, resolver, host = std::string(h), port](boost::system::error_code ec,
                                                          tcp::resolver::results_type eps) {
                if (stopped_) return;
                if (ec) {
                    spdlog::info("bootstrap node {} not resolved: {}", host, ec.message());
                    return;
                }
                const std::int64_t now = unix_now();
                for (const auto& ep : eps) {
                    const auto verdict = book_.add(ep.endpoint().address().to_string(), port, 0,
                                                   now, now, std::string());
                    spdlog::debug("bootstrap node {} ({}): {}", host,
                                  ep.endpoint().address().to_string(), addr_verdict_name(verdict));
                }
                publish_book();
                dial_from_book();
            });
    }
}

bool PeerManager::outbound_slot_free() const {
    if (stopped_ || targets_.size() >= limits_.max_outbound) return false;
    return book_peers_.size() + book_dialling_.size() < limits_.max_outbound - targets_.size();
}

std::set<PeerManager::AddrKey> PeerManager::busy_addresses() const {
    std::set<AddrKey> busy;
    for (const auto& [id, p] : peers_) {
        if (p->outbound())
            busy.insert({p->remote_ip(), p->remote_port()});
        else if (p->listen_port())
            busy.insert({p->remote_ip(), p->listen_port()});
    }
    return busy;
}

bool PeerManager::may_dial(const std::string& host, std::uint16_t port,
                           const std::set<AddrKey>& busy, Clock::time_point now) const {
    const AddrKey key{host, port};
    if (busy.count(key) || book_dialling_.count(key) || banned(host)) return false;
    if (const auto r = book_retry_.find(key); r != book_retry_.end() && r->second > now)
        return false;
    if (port == listen_port() && is_loopback(host)) return false;  // ourselves
    return std::none_of(targets_.begin(), targets_.end(), [&](const Target& t) {
        return t.host == host && t.port == std::to_string(port);
    });
}

void PeerManager::dial_from_book() {
    if (!outbound_slot_free()) return;
    const auto busy = busy_addresses();
    const auto now = Clock::now();
    for (const auto& e : book_.good(16, unix_now(), rng_)) {
        if (!may_dial(e.host, e.port, busy, now)) continue;
        dial_book(e.host, e.port);
        return;  // one dial a tick, as the reference's ClientFactory
    }
}

void PeerManager::dial_found(const std::vector<relay::Endpoint>& endpoints) {
    if (stopped_) return;
    const auto busy = busy_addresses();
    const auto now = Clock::now();
    const std::int64_t unix = unix_now();
    for (const auto& ep : endpoints) {
        std::string host = ep.to_string();
        host = host.substr(0, host.rfind(':'));
        if (ep.v6) host = host.substr(1, host.size() - 2);  // [addr]
        // The book's address policy holds for them too: an address it will not take (not
        // routable on this network: loopback, private) is not dialled.
        const auto verdict = book_.add(host, ep.port, 0, unix, unix, std::string());
        if (verdict == AddrVerdict::refused_invalid || verdict == AddrVerdict::refused_unroutable)
            continue;
        if (outbound_slot_free() && may_dial(host, ep.port, busy, now)) {
            spdlog::debug("dialling {}, found through a relay", ep.to_string());
            metrics_.inc("sharemsg_p2p_relay_dials_total");
            dial_book(host, ep.port);
        }
    }
    publish_book();
}

void PeerManager::dial_book(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(host, ec);
    if (ec) {
        book_.remove(host, port);
        return;
    }
    const AddrKey key{host, port};
    book_dialling_.insert(key);
    metrics_.inc("sharemsg_p2p_book_dials_total");
    spdlog::debug("dialling {}:{} from the address book", host, port);
    auto socket = std::make_shared<tcp::socket>(io_);
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    timer->expires_after(kBookConnectTimeout);
    timer->async_wait([socket](boost::system::error_code tec) {
        if (tec) return;
        boost::system::error_code cec;
        socket->close(cec);
    });
    socket->async_connect(
        tcp::endpoint(addr, port), [this, key, socket, timer](boost::system::error_code cec) {
            timer->cancel();
            if (stopped_) return;
            book_dialling_.erase(key);
            if (cec) {
                spdlog::debug("{}:{} (address book): connect failed: {}", key.first, key.second,
                              cec.message());
                book_.failed(key.first, key.second);
                const auto* e = book_.find(key.first, key.second);
                book_retry_[key] = Clock::now() + book_backoff(e ? e->failures : 0);
                publish_book();
                return;
            }
            auto peer = std::make_shared<Peer>(*this, std::move(*socket), next_id_++, true,
                                               key.first + ":" + std::to_string(key.second));
            book_peers_[peer->id()] = key;
            add_peer(peer);
        });
}

void PeerManager::save_book() {
    if (discovery_.file.empty()) return;
    if (auto s = write_file_atomic(discovery_.file, book_.to_json(), 0600); !s)
        spdlog::warn("address book: cannot write {}: {}", discovery_.file, s.error().to_string());
}

void PeerManager::publish_book() {
    metrics_.set("sharemsg_addr_book_entries", "", static_cast<double>(book_.size()));
}

}  // namespace sharemsg::node
