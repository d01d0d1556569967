#include "node/addr_book.hpp"

#include <algorithm>
#include <cmath>

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

namespace sharemsg::node {

namespace {

// The text of an IP address in one form ("::ffff:a.b.c.d" becomes "a.b.c.d"); nothing when
// `host` is not an IP address.
std::optional<boost::asio::ip::address> parse_ip(const std::string& host) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(host, ec);
    if (ec) return std::nullopt;
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return boost::asio::ip::address(
            boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()));
    return a;
}

}  // namespace

const char* addr_verdict_name(AddrVerdict v) {
    switch (v) {
        case AddrVerdict::added:
            return "added";
        case AddrVerdict::updated:
            return "updated";
        case AddrVerdict::replaced:
            return "replaced";
        case AddrVerdict::refused_invalid:
            return "invalid";
        case AddrVerdict::refused_unroutable:
            return "unroutable";
        case AddrVerdict::refused_full:
            return "full";
        case AddrVerdict::refused_rate:
            return "rate";
        case AddrVerdict::refused_old:
            return "old";
    }
    return "?";
}

double addr_preference(const AddrEntry& e, std::int64_t now) {
    const double span = std::max<double>(3600, static_cast<double>(e.last_seen - e.first_seen));
    const double age = std::max<double>(3600, static_cast<double>(now - e.last_seen));
    return -std::log(span) / std::log(age);
}

AddrBook::AddrBook(Limits limits) : limits_(limits) {}

std::optional<AddrVerdict> AddrBook::check_host(const std::string& host, std::uint16_t port) const {
    const auto a = parse_ip(host);
    if (!a) return AddrVerdict::refused_invalid;
    if (port == 0 || a->is_unspecified() || a->is_multicast())
        return AddrVerdict::refused_unroutable;
    if (a->is_v4() && a->to_v4() == boost::asio::ip::address_v4::broadcast())
        return AddrVerdict::refused_unroutable;
    if (a->is_loopback() && !limits_.allow_loopback) return AddrVerdict::refused_unroutable;
    return std::nullopt;
}

bool AddrBook::take_from_source(const std::string& source) {
    if (source.empty()) return true;
    const auto now = std::chrono::steady_clock::now();
    auto& w = sources_[source];
    if (w.added == 0 || now - w.start >= limits_.source_window) {
        w.start = now;
        w.added = 0;
    }
    if (w.added >= limits_.new_per_source) return false;
    ++w.added;
    return true;
}

AddrVerdict AddrBook::add(const std::string& host, std::uint16_t port, std::uint64_t services,
                          std::int64_t timestamp, std::int64_t now, const std::string& source) {
    if (auto bad = check_host(host, port)) return *bad;
    const Key key{parse_ip(host)->to_string(), port};
    const std::int64_t t = std::min(timestamp, now);
    if (auto it = entries_.find(key); it != entries_.end()) {
        it->second.services = services;
        it->second.last_seen = std::max(it->second.last_seen, t);
        return AddrVerdict::updated;
    }
    if (t < now - static_cast<std::int64_t>(limits_.max_age.count()))
        return AddrVerdict::refused_old;
    auto victim = entries_.end();
    if (entries_.size() >= limits_.max_entries) {
        // Full: only an entry that failed to dial since it was last reached gives way (the
        // one with the most failures, then the oldest last_seen).
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (it->second.failures == 0) continue;
            if (victim == entries_.end() || it->second.failures > victim->second.failures ||
                (it->second.failures == victim->second.failures &&
                 it->second.last_seen < victim->second.last_seen))
                victim = it;
        }
        if (victim == entries_.end()) return AddrVerdict::refused_full;
    }
    if (!take_from_source(source)) return AddrVerdict::refused_rate;
    if (victim != entries_.end()) entries_.erase(victim);
    entries_[key] = AddrEntry{key.first, port, services, t, t, 0};
    return victim != entries_.end() ? AddrVerdict::replaced : AddrVerdict::added;
}

void AddrBook::reached(const std::string& host, std::uint16_t port, std::int64_t now) {
    const auto a = parse_ip(host);
    if (!a) return;
    auto it = entries_.find({a->to_string(), port});
    if (it == entries_.end()) return;
    it->second.last_seen = std::max(it->second.last_seen, now);
    it->second.failures = 0;
}

void AddrBook::failed(const std::string& host, std::uint16_t port) {
    const auto a = parse_ip(host);
    if (!a) return;
    auto it = entries_.find({a->to_string(), port});
    if (it == entries_.end()) return;
    if (++it->second.failures >= limits_.max_failures) entries_.erase(it);
}

void AddrBook::remove(const std::string& host, std::uint16_t port) {
    if (const auto a = parse_ip(host)) entries_.erase({a->to_string(), port});
}

std::size_t AddrBook::expire(std::int64_t now) {
    const std::int64_t oldest = now - static_cast<std::int64_t>(limits_.max_age.count());
    return std::erase_if(entries_, [&](const auto& kv) { return kv.second.last_seen < oldest; });
}

void AddrBook::sweep_sources(std::chrono::steady_clock::time_point now) {
    std::erase_if(sources_,
                  [&](const auto& kv) { return now - kv.second.start >= limits_.source_window; });
}

std::vector<AddrEntry> AddrBook::good(std::size_t count, std::int64_t now,
                                      std::mt19937_64& rng) const {
    std::exponential_distribution<double> spread(1.0);
    std::vector<std::pair<double, const AddrEntry*>> scored;
    scored.reserve(entries_.size());
    for (const auto& [k, e] : entries_)
        scored.emplace_back(addr_preference(e, now) * spread(rng), &e);
    const std::size_t n = std::min(count, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<AddrEntry> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(*scored[i].second);
    return out;
}

const AddrEntry* AddrBook::find(const std::string& host, std::uint16_t port) const {
    const auto a = parse_ip(host);
    if (!a) return nullptr;
    auto it = entries_.find({a->to_string(), port});
    return it == entries_.end() ? nullptr : &it->second;
}

std::string AddrBook::to_json() const {
    auto arr = nlohmann::json::array();
    for (const auto& [k, e] : entries_)
        arr.push_back({{"host", e.host},
                       {"port", e.port},
                       {"services", e.services},
                       {"first_seen", e.first_seen},
                       {"last_seen", e.last_seen}});
    return arr.dump(1) + "\n";
}

Status AddrBook::load_json(std::string_view text, std::int64_t now, std::size_t* skipped) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_array())
        return make_error(Errc::bad_encoding, "not a JSON array of addresses");
    entries_.clear();
    std::size_t bad = 0;
    for (const auto& e : j) {
        const auto field = [&](const char* name) -> const nlohmann::json* {
            if (!e.is_object()) return nullptr;
            auto it = e.find(name);
            return it == e.end() ? nullptr : &*it;
        };
        const auto* host = field("host");
        const auto* port = field("port");
        const auto* services = field("services");
        const auto* first = field("first_seen");
        const auto* last = field("last_seen");
        if (!host || !host->is_string() || !port || !port->is_number_unsigned() ||
            port->get<std::uint64_t>() > 65535 || !services || !services->is_number_unsigned() ||
            !first || !first->is_number_integer() || !last || !last->is_number_integer()) {
            ++bad;
            continue;
        }
        const auto p = static_cast<std::uint16_t>(port->get<std::uint64_t>());
        const auto first_seen = first->get<std::int64_t>();
        const auto v = add(host->get<std::string>(), p, services->get<std::uint64_t>(),
                           last->get<std::int64_t>(), now, std::string());
        if (v != AddrVerdict::added) {
            if (v != AddrVerdict::updated) ++bad;
            continue;
        }
        auto& entry = entries_[{parse_ip(host->get<std::string>())->to_string(), p}];
        entry.first_seen = std::min(first_seen, entry.last_seen);
    }
    if (skipped) *skipped = bad;
    return Ok{};
}

}  // namespace sharemsg::node
