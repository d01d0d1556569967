// Why a gossip datagram is refused, as one enum (docs/gossip.md). Decisions are taken on the
// value, never on the detail's text.
#pragma once

#include <string>
#include <utility>
#include <variant>

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

struct Failure {
    Problem problem;
    std::string detail;  // for people: names the field and what is wrong with it
};

// A value or a Failure.
template <class T>
class Checked {
  public:
    Checked(T v) : v_(std::move(v)) {}                                // NOLINT(implicit)
    Checked(Failure f) : v_(std::in_place_index<1>, std::move(f)) {}  // NOLINT(implicit)
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Failure& failure() const { return std::get<1>(v_); }

  private:
    std::variant<T, Failure> v_;
};

inline Failure fail(Problem p, std::string detail) {
    return Failure{p, std::move(detail)};
}

}  // namespace sharemsg::gossip
