// Why a gossip datagram is refused, as one enum (docs/gossip.md). Decisions are taken on the
// value, never on the detail's text.
#pragma once

#include <string>
#include <utility>

#include "util/checked.hpp"

namespace sharemsg::gossip {

enum class Problem {
    truncated,           // the datagram ended inside a field
    oversize,            // longer than MAX_DATAGRAM (1,200 bytes)
    bad_magic,           // does not start with "SMG1"
    unknown_type,        // a datagram type this node does not know
    bad_version,         // an announce format version this node does not speak
    bad_pubkey,          // a signing or master key that is not a compressed secp256k1 point
    no_endpoints,        // an announce with no endpoint
    too_many_endpoints,  // an announce with more than MAX_ENDPOINTS endpoints
    bad_address_length,  // an endpoint address length other than 4 (IPv4) or 16 (IPv6)
    port_zero,           // an endpoint with port 0
    duplicate_endpoint,  // the same endpoint twice in one announce
    unknown_nat,         // a NAT type byte outside relay::NatType
    bad_flag,            // a delta's "more" flag other than 0 or 1
    trailing_bytes,      // bytes after the body
};

const char* problem_name(Problem p) noexcept;

using Failure = util::Failure<Problem>;
template <class T>
using Checked = util::Checked<T, Problem>;

inline Failure fail(Problem p, std::string detail) {
    return Failure{p, std::move(detail)};
}

}  // namespace sharemsg::gossip
