// Signing-key registry with the deployed reference's semantics (v1 profile).
//
// Keys are learned from announcements in verified shares. Per miner address, the highest
// key_index seen is current; announcing a higher index revokes every lower one. A signing
// id maps to the address that announced it last (a reference behaviour the open profile
// replaces with delegations; see docs/protocol-differences.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/signing_key.hpp"
#include "util/bytes.hpp"

namespace sharemsg::proto {

struct KeyInfo {
    std::uint32_t key_index = 0;
    crypto::CompressedPubKey pubkey{};
    double first_seen = 0;
    std::optional<ByteArray<32>> share_hash;
    bool revoked = false;
};

struct CurrentKey {
    std::string signing_id_hex;
    std::uint32_t key_index = 0;
    crypto::CompressedPubKey pubkey{};
};

class SigningKeyRegistry {
  public:
    // Registers an announcement. `timestamp` 0 means "now" (as the reference's `or` does).
    // Returns true when this (address, signing id) pair was not known before.
    bool register_key(const std::string& address, const SigningId& id, std::uint32_t key_index,
                      const crypto::CompressedPubKey& pubkey, double now, double timestamp = 0,
                      std::optional<ByteArray<32>> share_hash = std::nullopt);

    bool is_key_valid(const SigningId& id) const;
    // The announced pubkey of a known, unrevoked id.
    std::optional<crypto::CompressedPubKey> pubkey_for(const SigningId& id) const;
    std::optional<std::string> address_for(const SigningId& id) const;
    std::optional<CurrentKey> current_key(const std::string& address) const;
    std::size_t known_ids() const { return id_to_address_.size(); }

    struct Entry {
        std::string address;
        std::string signing_id_hex;
        KeyInfo info;
    };
    // Every known (address, key), in announcement order.
    std::vector<Entry> entries() const;

    // {address: {"current_key_index": n, "keys": {sid_hex: {key_index, revoked, first_seen}}}}
    nlohmann::ordered_json to_json() const;

  private:
    struct Miner {
        std::string address;
        std::int64_t current_key_index = -1;
        std::vector<std::pair<std::string, KeyInfo>> keys;  // insertion order, as the reference
        KeyInfo* find(const std::string& sid_hex);
        const KeyInfo* find(const std::string& sid_hex) const;
    };
    Miner* miner(const std::string& address);
    const Miner* miner(const std::string& address) const;
    const KeyInfo* lookup(const SigningId& id) const;

    std::vector<Miner> miners_;                                       // insertion order
    std::vector<std::pair<std::string, std::string>> id_to_address_;  // sid_hex -> address
};

}  // namespace sharemsg::proto
