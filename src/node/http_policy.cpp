#include "node/http_policy.hpp"

#include <algorithm>

namespace sharemsg::node {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.' || c == '_';
}
bool is_v6_char(char c) {
    return is_hex(c) || c == ':' || c == '.';
}
bool is_port(std::string_view p) {
    return !p.empty() && p.size() <= 5 && std::all_of(p.begin(), p.end(), is_digit);
}
std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

const char* const kLoopback[] = {"localhost", "127.0.0.1", "[::1]"};

}  // namespace

std::optional<std::string> host_name_of(std::string_view h) {
    std::string_view name, rest;
    if (!h.empty() && h.front() == '[') {
        const auto close = h.find(']');
        if (close == std::string_view::npos || close == 1) return std::nullopt;
        const auto inside = h.substr(1, close - 1);
        if (!std::all_of(inside.begin(), inside.end(), is_v6_char)) return std::nullopt;
        name = h.substr(0, close + 1);
        rest = h.substr(close + 1);
    } else {
        const auto colon = h.find(':');
        name = h.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view{} : h.substr(colon);
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char))
            return std::nullopt;
    }
    if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1)))) return std::nullopt;
    return lowered(name);
}

HostAllowList::HostAllowList(std::vector<std::string> extra) {
    for (const char* n : kLoopback)
        names_.emplace_back(n);
    for (auto& n : extra)
        if (std::find(names_.begin(), names_.end(), n) == names_.end())
            names_.push_back(std::move(n));
}

bool HostAllowList::allows(std::optional<std::string_view> host_header) const {
    if (!host_header) return false;
    const auto name = host_name_of(*host_header);
    return name && std::find(names_.begin(), names_.end(), *name) != names_.end();
}

Result<std::string> HostAllowList::normalize(std::string_view name) {
    std::string v(name);
    // A bare IPv6 address (two colons at least): bracketed, as a Host header carries it.
    if (std::count(v.begin(), v.end(), ':') >= 2 && v.find('[') == std::string::npos &&
        std::all_of(v.begin(), v.end(), is_v6_char))
        v = "[" + v + "]";
    const auto n = host_name_of(v);
    if (!n || *n != lowered(v))
        return make_error(Errc::invalid_argument,
                          "--web-allow-host '" + std::string(name) +
                              "': give a host name or address without a port (IPv6 in "
                              "brackets), e.g. node.example.org or 192.168.1.5");
    return *n;
}

std::optional<std::string> HostAllowList::bind_name(std::string_view bind) {
    if (bind == "0.0.0.0" || bind == "::" || bind == "[::]") return std::nullopt;
    auto n = normalize(bind);
    if (!n) return std::nullopt;
    return std::move(*n);
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    static constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < kScheme.size(); ++i)
        if (lower(authorization[i]) != kScheme[i]) return std::nullopt;
    return authorization.substr(kScheme.size());
}

ClientKey client_key_v4(const std::array<std::uint8_t, 4>& v4) {
    ClientKey k{};
    k[10] = k[11] = 0xff;
    std::copy(v4.begin(), v4.end(), k.begin() + 12);
    return k;
}

ClientKey client_key_v6(const std::array<std::uint8_t, 16>& v6) {
    const bool mapped = std::all_of(v6.begin(), v6.begin() + 10, [](auto b) { return b == 0; }) &&
                        v6[10] == 0xff && v6[11] == 0xff;
    ClientKey k = v6;
    if (!mapped) std::fill(k.begin() + 8, k.end(), std::uint8_t{0});
    return k;
}

HttpLimits limits_for_open_files(std::uint64_t open_files, std::size_t per_client,
                                 std::size_t streams_per_client) {
    HttpLimits l;
    l.per_client = per_client;
    l.streams_per_client = streams_per_client;
    l.total = static_cast<std::size_t>(std::clamp<std::uint64_t>(open_files / 2, 64, l.total));
    l.streams_total =
        static_cast<std::size_t>(std::clamp<std::uint64_t>(open_files / 8, 16, l.streams_total));
    l.refusals =
        static_cast<std::size_t>(std::clamp<std::uint64_t>(open_files / 32, 4, l.refusals));
    l.per_client = std::min(l.per_client, l.total);
    l.streams_per_client = std::min(l.streams_per_client, l.streams_total);
    return l;
}

ClientSlots::Room ClientSlots::room(const ClientKey& client, Slot slot) const {
    const bool request = slot == Slot::request;
    if (held(client, slot) >= (request ? limits_.per_client : limits_.streams_per_client))
        return Room::client_full;
    if (total(slot) >= (request ? limits_.total : limits_.streams_total)) return Room::server_full;
    return Room::free;
}

void ClientSlots::take(const ClientKey& client, Slot slot) {
    auto& h = by_client_[client];
    if (slot == Slot::request) {
        ++h.requests;
        ++requests_;
    } else {
        ++h.streams;
        ++streams_;
    }
}

void ClientSlots::give_back(const ClientKey& client, Slot slot) {
    auto it = by_client_.find(client);
    if (it == by_client_.end()) return;
    auto& n = slot == Slot::request ? it->second.requests : it->second.streams;
    auto& all = slot == Slot::request ? requests_ : streams_;
    if (n == 0) return;
    --n;
    --all;
    if (it->second.requests == 0 && it->second.streams == 0) by_client_.erase(it);
}

std::size_t ClientSlots::held(const ClientKey& client, Slot slot) const {
    auto it = by_client_.find(client);
    if (it == by_client_.end()) return 0;
    return slot == Slot::request ? it->second.requests : it->second.streams;
}

std::optional<ClientKey> ClientSlots::busiest() const {
    std::optional<ClientKey> best;
    std::size_t most = 0;
    for (const auto& [k, h] : by_client_)
        if (h.requests > most) {
            most = h.requests;
            best = k;
        }
    return best;
}

}  // namespace sharemsg::node
