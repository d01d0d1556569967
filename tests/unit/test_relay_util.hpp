// Helpers of the relay's tests (unit, integration, fuzz seeds, bench): an identity (a master
// key, a signing key derived from it, the master's delegation) and its signed registrations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"
#include "relay/codec.hpp"

namespace relay_test {

using namespace sharemsg;

struct Identity {
    Bytes master_secret;
    crypto::PrivKey master;
    proto::DerivedSigningKey key;
    proto::open::Delegation delegation;
    relay::NetworkId network;

    relay::MasterHash master_hash() const { return crypto::hash160(master.pubkey()); }
    std::string signing_id() const { return to_hex(key.signing_id()); }

    // A registration signed by the signing key (endpoints: 127.0.0.1:<port>).
    relay::Registration registration(std::uint64_t timestamp,
                                     std::vector<std::string> endpoints = {"127.0.0.1:9333"},
                                     relay::NatType nat = relay::NatType::full_cone) const {
        relay::Registration r;
        r.network = network;
        r.signing_pubkey = key.pubkey();
        r.key_index = key.key_index();
        r.delegation = delegation;
        for (const auto& e : endpoints)
            r.endpoints.push_back(*relay::parse_endpoint(e));
        r.nat = nat;
        r.timestamp = timestamp;
        relay::sign(r, key.privkey());
        return r;
    }
};

// The identity of master `seed` with key index `index`, delegated on `network`.
inline Identity identity(unsigned seed, std::uint32_t index = 0,
                         relay::NetworkId network = proto::open::DEVNET_NETWORK_ID) {
    const std::string label = "relay test master " + std::to_string(seed);
    const auto digest = crypto::sha256(as_bytes(label));
    Bytes secret(digest.begin(), digest.end());
    auto master = crypto::PrivKey::from_bytes(secret);
    auto key = proto::DerivedSigningKey::derive(secret, index);
    auto d = proto::open::make_delegation(*master, network, key->pubkey(), index);
    return Identity{secret, std::move(*master), std::move(*key), d, network};
}

// The relay's admin key in tests.
inline crypto::PrivKey admin_key() {
    return std::move(*crypto::PrivKey::from_bytes(Bytes(32, 0x7a)));
}

inline relay::AllowChange allow_change(const relay::MasterHash& master, bool allow,
                                       std::uint64_t timestamp,
                                       relay::NetworkId network = proto::open::DEVNET_NETWORK_ID) {
    relay::AllowChange c;
    c.network = network;
    c.master_hash = master;
    c.allow = allow;
    c.timestamp = timestamp;
    relay::sign(c, admin_key());
    return c;
}

}  // namespace relay_test
