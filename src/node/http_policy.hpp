// The web port's rules that need no socket: which Host names are served (against DNS
// rebinding), the token of an Authorization header, and how many connections each client and
// the whole server may hold. Pure functions and plain classes with no Boost and no Node: the
// HTTP server (http.cpp, http_routes.cpp) uses them; tests/unit/test_node_http_policy.cpp and
// the libFuzzer target fuzz/fuzz_http_body.cpp call them directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace sharemsg::node {

// The name of a Host header without its port, lowercased: "LocalHost:8080" -> "localhost",
// "[::1]:80" -> "[::1]", "127.0.0.1" -> "127.0.0.1". nullopt when it is not a host: empty, a
// character outside letters, digits, '-', '.' and '_' (inside brackets: hex digits, ':' and
// '.'), unbalanced brackets, or a port that is not 1 to 5 digits.
std::optional<std::string> host_name_of(std::string_view host_header);

// The Host names the web port answers. A page on another site can reach a server on this
// machine through a name of its own that it points at 127.0.0.1 (DNS rebinding); the browser
// then sends that name as Host. Answering only names we know closes that door.
class HostAllowList {
  public:
    // The loopback names (localhost, 127.0.0.1, [::1]) with any port, plus `extra`.
    explicit HostAllowList(std::vector<std::string> extra = {});
    // Whether a request with this Host header (nullopt: none sent) is served.
    bool allows(std::optional<std::string_view> host_header) const;
    const std::vector<std::string>& names() const { return names_; }

    // A --web-allow-host value as it is kept: a host name or address without a port,
    // lowercased; an IPv6 address in brackets ("[fe80::1]"; bare "fe80::1" is bracketed).
    // Errc::invalid_argument, naming the value, for anything else.
    static Result<std::string> normalize(std::string_view name);
    // The name under which the --web-bind address is reached, when it is one address (not
    // the wildcard 0.0.0.0 or ::): "10.0.0.5", "[fd00::5]". A page can never send an address
    // as Host from a site of its own, so serving it opens nothing.
    static std::optional<std::string> bind_name(std::string_view bind);

  private:
    std::vector<std::string> names_;
};

// The token of an "Authorization: Bearer <token>" header (scheme in any case, one space);
// nullopt for another scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// Connections are counted per client: an IPv4 address, or the /64 network of an IPv6 address
// (one host usually holds a whole /64). Keys are IPv6 bytes; IPv4 is IPv4-mapped.
using ClientKey = std::array<std::uint8_t, 16>;
ClientKey client_key_v4(const std::array<std::uint8_t, 4>& v4);
ClientKey client_key_v6(const std::array<std::uint8_t, 16>& v6);  // an IPv4-mapped one: as v4

// The web port's connection limits (docs/api.md, "Limits").
struct HttpLimits {
    std::size_t per_client = 32;         // connections of one client (streams not counted)
    std::size_t total = 1024;            // connections of all clients
    std::size_t streams_per_client = 8;  // /msg/stream subscriptions of one client
    std::size_t streams_total = 256;     // of all clients
    std::size_t refusals = 64;           // connections being answered 503 at once
};
// The limits for a process that may hold `open_files` descriptors (RLIMIT_NOFILE): the
// connection total is at most half of them, the streams an eighth and the refusals a
// thirty-second, so that peers, the database and the logs keep theirs; never below 64
// connections, 16 streams and 4 refusals.
// `per_client` and `streams_per_client` are what one client may hold (the totals bound them).
HttpLimits limits_for_open_files(std::uint64_t open_files, std::size_t per_client = 32,
                                 std::size_t streams_per_client = 8);

enum class Slot { request, stream };

// The connections each client holds, against HttpLimits. The server takes a slot for every
// connection it keeps and gives it back when the connection ends.
class ClientSlots {
  public:
    explicit ClientSlots(HttpLimits limits) : limits_(limits) {}
    enum class Room { free, client_full, server_full };
    Room room(const ClientKey& client, Slot slot) const;
    void take(const ClientKey& client, Slot slot);
    void give_back(const ClientKey& client, Slot slot);
    std::size_t held(const ClientKey& client, Slot slot) const;
    std::size_t total(Slot slot) const { return slot == Slot::request ? requests_ : streams_; }
    std::size_t clients() const { return by_client_.size(); }
    // The client holding the most request slots (the first such key on a tie), if any.
    std::optional<ClientKey> busiest() const;
    const HttpLimits& limits() const { return limits_; }

  private:
    struct Held {
        std::size_t requests = 0, streams = 0;
    };
    std::map<ClientKey, Held> by_client_;
    std::size_t requests_ = 0, streams_ = 0;
    HttpLimits limits_;
};

}  // namespace sharemsg::node
