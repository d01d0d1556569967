#include "proto/registry.hpp"

namespace sharemsg::proto {

KeyInfo* SigningKeyRegistry::Miner::find(const std::string& sid_hex) {
    for (auto& [sid, info] : keys)
        if (sid == sid_hex) return &info;
    return nullptr;
}
const KeyInfo* SigningKeyRegistry::Miner::find(const std::string& sid_hex) const {
    for (const auto& [sid, info] : keys)
        if (sid == sid_hex) return &info;
    return nullptr;
}

SigningKeyRegistry::Miner* SigningKeyRegistry::miner(const std::string& address) {
    for (auto& m : miners_)
        if (m.address == address) return &m;
    return nullptr;
}
const SigningKeyRegistry::Miner* SigningKeyRegistry::miner(const std::string& address) const {
    for (const auto& m : miners_)
        if (m.address == address) return &m;
    return nullptr;
}

bool SigningKeyRegistry::register_key(const std::string& address, const SigningId& id,
                                      std::uint32_t key_index,
                                      const crypto::CompressedPubKey& pubkey, double now,
                                      double timestamp, std::optional<ByteArray<32>> share_hash) {
    Miner* m = miner(address);
    if (!m) {
        miners_.push_back(Miner{address, -1, {}});
        m = &miners_.back();
    }
    if (static_cast<std::int64_t>(key_index) > m->current_key_index) {
        for (auto& [sid, info] : m->keys)
            if (info.key_index < key_index) info.revoked = true;
        m->current_key_index = key_index;
    }
    const std::string sid_hex = to_hex(id);
    KeyInfo fresh{key_index, pubkey, timestamp != 0 ? timestamp : now, share_hash,
                  static_cast<std::int64_t>(key_index) < m->current_key_index};
    bool is_new = false;
    if (KeyInfo* existing = m->find(sid_hex)) {
        *existing = fresh;
    } else {
        m->keys.emplace_back(sid_hex, fresh);
        is_new = true;
    }
    bool mapped = false;
    for (auto& [sid, addr] : id_to_address_)
        if (sid == sid_hex) {
            addr = address;
            mapped = true;
        }
    if (!mapped) id_to_address_.emplace_back(sid_hex, address);
    return is_new;
}

const KeyInfo* SigningKeyRegistry::lookup(const SigningId& id) const {
    auto addr = address_for(id);
    if (!addr) return nullptr;
    const Miner* m = miner(*addr);
    return m ? m->find(to_hex(id)) : nullptr;
}

bool SigningKeyRegistry::is_key_valid(const SigningId& id) const {
    const KeyInfo* info = lookup(id);
    return info && !info->revoked;
}

std::optional<crypto::CompressedPubKey> SigningKeyRegistry::pubkey_for(const SigningId& id) const {
    const KeyInfo* info = lookup(id);
    if (!info || info->revoked) return std::nullopt;
    return info->pubkey;
}

std::optional<std::string> SigningKeyRegistry::address_for(const SigningId& id) const {
    const std::string sid_hex = to_hex(id);
    for (const auto& [sid, addr] : id_to_address_)
        if (sid == sid_hex) return addr;
    return std::nullopt;
}

std::optional<CurrentKey> SigningKeyRegistry::current_key(const std::string& address) const {
    const Miner* m = miner(address);
    if (!m) return std::nullopt;
    for (const auto& [sid, info] : m->keys)
        if (static_cast<std::int64_t>(info.key_index) == m->current_key_index && !info.revoked)
            return CurrentKey{sid, info.key_index, info.pubkey};
    return std::nullopt;
}

std::vector<SigningKeyRegistry::Entry> SigningKeyRegistry::entries() const {
    std::vector<Entry> out;
    for (const auto& m : miners_)
        for (const auto& [sid, info] : m.keys)
            out.push_back({m.address, sid, info});
    return out;
}

nlohmann::ordered_json SigningKeyRegistry::to_json() const {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& m : miners_) {
        nlohmann::ordered_json keys = nlohmann::ordered_json::object();
        for (const auto& [sid, info] : m.keys)
            keys[sid] = {{"key_index", info.key_index},
                         {"revoked", info.revoked},
                         {"first_seen", info.first_seen}};
        out[m.address] = {{"current_key_index", m.current_key_index}, {"keys", std::move(keys)}};
    }
    return out;
}

}  // namespace sharemsg::proto
