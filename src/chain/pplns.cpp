#include "chain/pplns.hpp"

#include <algorithm>

#include "chain/target.hpp"

namespace sharemsg::chain {

namespace {

using Big = boost::multiprecision::cpp_int;  // unbounded, where the cap is applied

constexpr unsigned DECAY_PRECISION = 40;  // _DECAY_PRECISION
constexpr std::uint64_t DECAY_SCALE = std::uint64_t{1} << DECAY_PRECISION;
constexpr std::uint64_t LN2_MICRO = 693147;  // _LN2_MICRO

Big to_big(const WideUint& v) {
    return Big(v);
}

WideUint to_wide(const Big& v) {
    return static_cast<WideUint>(v);  // every capped value is below 2^288
}

void add_weight(std::map<Bytes, WideUint>& weights, const Bytes& script, const WideUint& w) {
    auto [it, inserted] = weights.try_emplace(script, w);
    if (!inserted) it->second += w;
}

}  // namespace

Bytes payout_script(std::uint8_t pubkey_type, const Uint160& h) {
    Bytes s;
    if (pubkey_type == 1) {  // P2WPKH: 00 <size 0x14> <hash>, 20 bytes with padding_bugfix
        s = {0x00, 0x14};
        append(s, h);
    } else if (pubkey_type == 2) {  // P2SH
        s = {0xa9, 0x14};
        append(s, h);
        s.push_back(0x87);
    } else {  // P2PKH, the reference's default for any other value
        s = {0x76, 0xa9, 0x14};
        append(s, h);
        s.push_back(0x88);
        s.push_back(0xac);
    }
    return s;
}

GentxAncestor gentx_ancestor(const Share& share, const crypto::Hash256& hash) {
    const ShareInfo& info = share.share_info;
    GentxAncestor a;
    a.hash = hash;
    a.script = payout_script(info.share_data.pubkey_type, info.share_data.pubkey_hash);
    a.attempts = average_attempts_of_bits(info.bits);
    a.donation = info.share_data.donation;
    a.desired_version = info.share_data.desired_version;
    a.absheight = info.absheight;
    a.abswork = info.abswork;
    if (info.merged_addresses) a.merged_addresses = *info.merged_addresses;
    return a;
}

WideUint average_attempts(const Uint256& target) {
    // 2^256 // d with d = target + 1, in 256-bit arithmetic (faster than 512-bit): with
    // q, r = divmod(2^256 - 1, d), 2^256 = q * d + r + 1, so the quotient is q + 1 when
    // r + 1 == d and q otherwise. d = 2^256 (target 2^256 - 1) gives 1.
    using U256 = boost::multiprecision::uint256_t;
    U256 t = 0;
    for (std::size_t i = 32; i-- > 0;)
        t = (t << 8) | target[i];
    if (t == ~U256(0)) return 1;
    const U256 d = t + 1;
    const U256 all = ~U256(0);
    U256 q, r;
    boost::multiprecision::divide_qr(all, d, q, r);
    WideUint out(q);
    if (r + 1 == d) out += 1;
    return out;
}

WideUint average_attempts_of_bits(std::uint32_t bits) {
    const auto target = target_from_bits(bits);
    return target ? average_attempts(*target) : WideUint(0);
}

const WideUint& pplns_max_weight() {
    static const WideUint v = (WideUint(1) << 288) - 1;
    return v;
}

PplnsWeights decayed_weights(std::span<const GentxAncestor> window, std::size_t max_shares,
                             std::uint32_t chain_length) {
    const std::uint64_t half_life = std::max<std::uint64_t>(chain_length / 4, 1);
    const std::uint64_t decay_per = DECAY_SCALE - DECAY_SCALE * LN2_MICRO / (1000000 * half_life);
    const WideUint& cap = pplns_max_weight();
    std::uint64_t decay_fp = DECAY_SCALE;  // depth 0: 1.0

    PplnsWeights out;
    const std::size_t n = std::min(max_shares, window.size());
    for (std::size_t i = 0; i < n; ++i) {
        const GentxAncestor& a = window[i];
        // att <= 2^256 and decay_fp <= 2^40: the product stays below 2^297.
        const WideUint decayed = (a.attempts * decay_fp) >> DECAY_PRECISION;
        WideUint addr_w = decayed * (65535u - a.donation);
        WideUint don_w = decayed * a.donation;
        WideUint this_total = addr_w + don_w;
        if (out.total + this_total > cap) {
            // The share crossing the cap counts in proportion (products beyond 512 bits).
            const Big remaining = to_big(cap) - to_big(out.total);
            if (this_total > 0) {
                addr_w = to_wide(to_big(addr_w) * remaining / to_big(this_total));
                don_w = to_wide(to_big(don_w) * remaining / to_big(this_total));
            }
            this_total = to_wide(remaining);
        }
        add_weight(out.weights, a.script, addr_w);
        out.total += this_total;
        out.donation += don_w;
        ++out.shares;
        if (out.total >= cap) break;
        decay_fp = static_cast<std::uint64_t>(
            (static_cast<unsigned __int128>(decay_fp) * decay_per) >> DECAY_PRECISION);
    }
    return out;
}

namespace {

Bytes merged_key(ByteView merged_script) {
    Bytes key(MERGED_KEY_PREFIX.begin(), MERGED_KEY_PREFIX.end());
    const std::string h = to_hex(merged_script);
    key.insert(key.end(), h.begin(), h.end());
    return key;
}

// MergedWeightsSkipList.get_delta's address_key of a V36 share (every share held is one),
// for one merged chain.
Bytes merged_weight_key(const GentxAncestor& a, const MergedChainKeys& chain) {
    for (const MergedAddress& m : a.merged_addresses)
        if (m.chain_id == chain.chain_id) return merged_key(m.script);
    auto it = chain.miner_scripts.find(a.script);
    if (it == chain.miner_scripts.end()) {
        const Bytes norm = normalized_merged_script(a.script);
        if (!norm.empty()) it = chain.miner_scripts.find(norm);
    }
    if (it != chain.miner_scripts.end()) return merged_key(it->second);
    return a.script;
}

}  // namespace

Bytes normalized_merged_script(ByteView s) {
    const bool p2pkh = s.size() == 25 && s[0] == 0x76 && s[1] == 0xa9 && s[2] == 0x14 &&
                       s[23] == 0x88 && s[24] == 0xac;
    const bool p2sh = s.size() == 23 && s[0] == 0xa9 && s[1] == 0x14 && s[22] == 0x87;
    if (p2pkh || p2sh) return Bytes(s.begin(), s.end());
    if (s.size() == 22 && s[0] == 0x00 && s[1] == 0x14) {  // P2WPKH: P2PKH of the same hash
        Bytes out{0x76, 0xa9, 0x14};
        out.insert(out.end(), s.begin() + 2, s.end());
        out.push_back(0x88);
        out.push_back(0xac);
        return out;
    }
    return {};
}

PplnsWeights merged_weights(std::span<const GentxAncestor> window, std::size_t max_shares,
                            const MergedChainKeys* chain) {
    const WideUint& cap = pplns_max_weight();
    PplnsWeights out;
    const std::size_t n = std::min(max_shares, window.size());
    for (std::size_t i = 0; i < n; ++i) {
        const GentxAncestor& a = window[i];
        ++out.shares;
        if (a.desired_version < 36) continue;  // a step of the window, no weight
        Bytes keyed;
        const Bytes& key = chain ? (keyed = merged_weight_key(a, *chain)) : a.script;
        const WideUint& att = a.attempts;
        const WideUint share_total = att * 65535u;
        if (out.total + share_total > cap) {
            // MergedWeightsSkipList.apply_delta on one share: the part of it the cap leaves,
            // in whole 1/65535 units of its attempts. cap - total is a multiple of 65535.
            const Big units = (to_big(cap) - to_big(out.total)) / 65535;
            const Big a_big = to_big(att);
            add_weight(out.weights, key, to_wide(units * (a_big * (65535u - a.donation)) / a_big));
            out.donation += to_wide(units * (a_big * a.donation) / a_big);
            out.total = cap;
            break;
        }
        add_weight(out.weights, key, att * (65535u - a.donation));
        out.total += share_total;
        out.donation += att * a.donation;
        if (out.total == cap) break;
    }
    std::erase_if(out.weights, [](const auto& kv) { return kv.second == 0; });
    return out;
}

std::string to_decimal(const WideUint& v) {
    return v.str();
}

std::optional<std::string> merged_payout_payload(const PplnsWeights& merged) {
    if (merged.weights.empty() || merged.total == 0) return std::nullopt;
    std::string payload;
    for (const auto& [script, weight] : merged.weights) {
        payload += to_hex(script);
        payload += ':';
        payload += to_decimal(weight);
        payload += '|';
    }
    payload += "T:" + to_decimal(merged.total) + "|D:" + to_decimal(merged.donation);
    return payload;
}

std::optional<Uint256> merged_payout_hash(const PplnsWeights& merged) {
    const auto payload = merged_payout_payload(merged);
    if (!payload) return std::nullopt;
    return crypto::sha256d(as_bytes(*payload));
}

}  // namespace sharemsg::chain
