// The address book: where p2pool peers listen, learnt from `addrs` and `addrme` messages and
// from the peers we reach, kept bounded and persisted in the data directory (addrs.json).
//
// An entry is (host, port) with services, first_seen and last_seen (unix seconds), as the
// reference's addr_store keeps them (p2pool/p2p.py Node.got_addr): a known address keeps its
// first_seen and takes the later last_seen and the new services; a new one starts with both
// times at the record's timestamp (never later than now). The preference for dialling and for
// answering `getaddrs` is the reference's get_good_peers: an address seen over a long span and
// recently comes first, with random spread.
//
// Beyond the reference (which keeps up to 10,000 addresses forever):
// - a hard cap (Limits::max_entries); when full, a new address takes the place of the worst
//   entry only if that entry has failed a dial since it was last reached; otherwise it is
//   refused, so a flood cannot evict addresses that work;
// - each source (a peer's IP address) may add at most Limits::new_per_source new addresses per
//   Limits::source_window;
// - an entry not seen for Limits::max_age is dropped (expire()), and so is one that failed
//   Limits::max_failures dials in a row;
// - addresses that cannot be dialled are refused: port 0, the unspecified address, multicast,
//   broadcast, and loopback unless Limits::allow_loopback (the devnet runs on 127.0.0.1).
//
// Not thread-safe: owned by PeerManager on the I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace sharemsg::node {

struct AddrEntry {
    std::string host;  // an IP address as text ("a.b.c.d", or an IPv6 address)
    std::uint16_t port = 0;
    std::uint64_t services = 0;
    std::int64_t first_seen = 0;  // unix seconds
    std::int64_t last_seen = 0;
    unsigned failures = 0;  // dials failed since the address was last reached (not persisted)
};

// What add() did with an address.
enum class AddrVerdict {
    added,
    updated,          // already known: last_seen and services refreshed
    replaced,         // added in the place of an entry that failed to dial
    refused_invalid,  // not an IP address
    refused_unroutable,
    refused_full,
    refused_rate,  // the source added its share of new addresses for now
    refused_old,   // last seen longer ago than Limits::max_age
};
inline constexpr std::size_t ADDR_VERDICT_COUNT = 8;
const char* addr_verdict_name(AddrVerdict v);

class AddrBook {
  public:
    struct Limits {
        std::size_t max_entries = 1000;
        std::size_t new_per_source = 100;  // new addresses one source may add per window
        std::chrono::seconds source_window{600};
        std::chrono::seconds max_age{7 * 24 * 3600};
        unsigned max_failures = 5;
        bool allow_loopback = false;
    };

    explicit AddrBook(Limits limits);

    // Takes an address from `source` (the sending peer's IP; empty for our own knowledge,
    // which no rate limits). `timestamp` is capped at `now`.
    AddrVerdict add(const std::string& host, std::uint16_t port, std::uint64_t services,
                    std::int64_t timestamp, std::int64_t now, const std::string& source);
    // The address was reached (a handshake): last_seen = now, failures cleared.
    void reached(const std::string& host, std::uint16_t port, std::int64_t now);
    // A dial to the address failed; after Limits::max_failures in a row it is dropped.
    void failed(const std::string& host, std::uint16_t port);
    void remove(const std::string& host, std::uint16_t port);
    // Drops entries not seen for Limits::max_age; the number dropped.
    std::size_t expire(std::int64_t now);
    // Forgets the rate state of sources whose window ended.
    void sweep_sources(std::chrono::steady_clock::time_point now);

    // Up to `count` entries, best first by the reference's preference (random spread).
    std::vector<AddrEntry> good(std::size_t count, std::int64_t now, std::mt19937_64& rng) const;
    const AddrEntry* find(const std::string& host, std::uint16_t port) const;
    std::size_t size() const { return entries_.size(); }
    const Limits& limits() const { return limits_; }

    // The file: a JSON array of {"host","port","services","first_seen","last_seen"}.
    std::string to_json() const;
    // Replaces the book with the file's entries (through the same checks as add(), no rate);
    // Errc::bad_encoding when the text is not such an array. Malformed entries are skipped and
    // counted in `skipped`.
    Status load_json(std::string_view text, std::int64_t now, std::size_t* skipped = nullptr);

    // The rule of Limits::allow_loopback and the unroutable addresses; nothing when the host
    // is fine, else the verdict. `host` must already be an IP address's text.
    std::optional<AddrVerdict> check_host(const std::string& host, std::uint16_t port) const;

  private:
    using Key = std::pair<std::string, std::uint16_t>;
    struct SourceWindow {
        std::chrono::steady_clock::time_point start;
        std::size_t added = 0;
    };
    bool take_from_source(const std::string& source);

    Limits limits_;
    std::map<Key, AddrEntry> entries_;
    std::map<std::string, SourceWindow> sources_;
};

// The reference's score (lower is better) without its random factor: -log(max(3600, span)) /
// log(max(3600, age)), span = last_seen - first_seen, age = now - last_seen.
double addr_preference(const AddrEntry& e, std::int64_t now);

}  // namespace sharemsg::node
