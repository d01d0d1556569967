#include "gossip/problem.hpp"

namespace sharemsg::gossip {

const char* problem_name(Problem p) noexcept {
    switch (p) {
        case Problem::truncated:
            return "truncated";
        case Problem::oversize:
            return "oversize";
        case Problem::bad_magic:
            return "bad_magic";
        case Problem::unknown_type:
            return "unknown_type";
        case Problem::bad_version:
            return "bad_version";
        case Problem::bad_pubkey:
            return "bad_pubkey";
        case Problem::no_endpoints:
            return "no_endpoints";
        case Problem::too_many_endpoints:
            return "too_many_endpoints";
        case Problem::bad_address_length:
            return "bad_address_length";
        case Problem::port_zero:
            return "port_zero";
        case Problem::duplicate_endpoint:
            return "duplicate_endpoint";
        case Problem::unknown_nat:
            return "unknown_nat";
        case Problem::bad_flag:
            return "bad_flag";
        case Problem::trailing_bytes:
            return "trailing_bytes";
    }
    return "unknown";
}

}  // namespace sharemsg::gossip
