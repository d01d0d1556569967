// Helpers of the gossip tests: signed announces of the relay tests' identities.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gossip/codec.hpp"
#include "test_relay_util.hpp"

namespace gossip_test {

using namespace sharemsg;

inline constexpr std::uint64_t kNow = 1'760'000'000;

// An announce by `id`, signed by its signing key.
inline gossip::Announce announce(const relay_test::Identity& id, std::uint64_t version,
                                 std::uint64_t timestamp = kNow,
                                 std::vector<std::string> endpoints = {"127.0.0.1:7070"},
                                 relay::NatType nat = relay::NatType::port_restricted) {
    gossip::Announce a;
    a.network = id.network;
    a.signing_pubkey = id.key.pubkey();
    a.key_index = id.key.key_index();
    a.delegation = id.delegation;
    for (const auto& e : endpoints)
        a.endpoints.push_back(*relay::parse_endpoint(e));
    a.nat = nat;
    a.timestamp = timestamp;
    a.version = version;
    gossip::sign(a, id.key.privkey());
    return a;
}

// Six distinct IPv6 endpoints: the largest announce.
inline std::vector<std::string> six_v6(unsigned salt = 0) {
    std::vector<std::string> out;
    for (unsigned i = 1; i <= 6; ++i)
        out.push_back("[2001:db8:" + std::to_string(salt) + "::" + std::to_string(i) +
                      "]:" + std::to_string(7000 + i));
    return out;
}

}  // namespace gossip_test
