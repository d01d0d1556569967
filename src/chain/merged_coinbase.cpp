#include "chain/merged_coinbase.hpp"

#include <algorithm>
#include <string_view>

#include "chain/ref_hash.hpp"

namespace sharemsg::chain {

namespace {

constexpr std::uint8_t MM_MARKER[] = {0xfa, 0xbe, 0x6d, 0x6d};
constexpr std::size_t MM_DATA_MIN = 40;  // aux merkle root 32, size 4, nonce 4
constexpr std::string_view COINBASE_TEXT = "P2Pool merged mining";  // CANONICAL_..._TEXT
constexpr std::string_view COINBASE_EXTRA = "/P2Pool v36/";         // CANONICAL_..._EXTRA

// build_canonical_merged_coinbase's merged-chain script of a weight key: "MERGED:<hex>" as
// written; a payout script (always P2PKH, P2WPKH or P2SH) in its merged-chain form.
std::optional<Bytes> merged_script_of_key(const Bytes& key) {
    if (key.size() >= MERGED_KEY_PREFIX.size() &&
        std::equal(MERGED_KEY_PREFIX.begin(), MERGED_KEY_PREFIX.end(), key.begin())) {
        const std::string_view hex(
            reinterpret_cast<const char*>(key.data()) + MERGED_KEY_PREFIX.size(),
            key.size() - MERGED_KEY_PREFIX.size());
        auto bytes = from_hex(hex);
        if (!bytes) return std::nullopt;  // never: merged_weights writes the hex
        return std::move(*bytes);
    }
    Bytes s = normalized_merged_script(key);
    if (s.empty()) return std::nullopt;  // unconvertible: its weight goes to the others
    return s;
}

MergedCoinbaseVerdict fail(MergedCoinbaseRule rule, std::string reason) {
    return MergedCoinbaseVerdict{
        rule, std::string(merged_coinbase_rule_name(rule)) + ": " + std::move(reason)};
}

std::string hex_reversed(ByteView b) {
    Bytes r(b.rbegin(), b.rend());
    return to_hex(r);
}

}  // namespace

bool merged_chain_known(std::uint32_t chain_id) {
    return chain_id == DOGECOIN_CHAIN_ID;
}

MergedChainKeys merged_chain_keys(std::span<const GentxAncestor> window, const Bytes& share_payout,
                                  std::span<const MergedAddress> share_addresses,
                                  std::uint32_t chain_id) {
    MergedChainKeys keys;
    keys.chain_id = chain_id;
    // OkayTracker.add's registration of one share: its non-empty scripts for the chain (the
    // first one counts), under its payout script and its normalized form, unless held.
    auto add = [&](const Bytes& payout, std::span<const MergedAddress> addresses) {
        for (const MergedAddress& m : addresses) {
            if (m.chain_id != chain_id || m.script.empty()) continue;
            keys.miner_scripts.try_emplace(payout, m.script);
            const Bytes norm = normalized_merged_script(payout);
            if (!norm.empty() && norm != payout) keys.miner_scripts.try_emplace(norm, m.script);
        }
    };
    for (const GentxAncestor& a : window)
        if (!a.merged_addresses.empty()) add(a.script, a.merged_addresses);
    add(share_payout, share_addresses);
    return keys;
}

Bytes canonical_merged_script_sig(std::uint64_t block_height) {
    Bytes s;
    if (block_height >= 1 && block_height <= 16) {
        s.push_back(static_cast<std::uint8_t>(0x50 + block_height));  // OP_1 .. OP_16
    } else {
        Bytes le;  // minimal little-endian, a zero byte added when the top bit is set
        for (std::uint64_t v = block_height; v != 0; v >>= 8)
            le.push_back(static_cast<std::uint8_t>(v));
        if (!le.empty() && (le.back() & 0x80) != 0) le.push_back(0);
        s.push_back(static_cast<std::uint8_t>(le.size()));  // at most 9 bytes: a direct push
        append(s, le);
    }
    s.insert(s.end(), COINBASE_EXTRA.begin(), COINBASE_EXTRA.end());
    return s;
}

Result<std::vector<TxOut>> canonical_merged_outputs(const PplnsWeights& weights,
                                                    std::uint64_t coinbase_value) {
    if (weights.total == 0)
        return make_error(Errc::invalid_argument, "merged coinbase: the weights' total is 0");
    const std::uint64_t donation_amount =
        static_cast<std::uint64_t>(WideUint(coinbase_value) * weights.donation / weights.total);
    const std::uint64_t miners_reward = coinbase_value - donation_amount;  // finder fee 0

    std::map<Bytes, WideUint> script_weights;
    WideUint accepted = 0;
    for (const auto& [key, weight] : weights.weights) {
        auto script = merged_script_of_key(key);
        if (!script) continue;
        script_weights[std::move(*script)] += weight;
        accepted += weight;
    }
    std::map<Bytes, std::uint64_t> amounts;
    std::uint64_t distributed = 0;
    for (const auto& [script, weight] : script_weights) {
        const auto amount = static_cast<std::uint64_t>(WideUint(miners_reward) * weight / accepted);
        if (amount == 0) continue;
        amounts.emplace(script, amount);
        distributed += amount;
    }
    std::uint64_t donation = donation_amount + (miners_reward - distributed);
    if (donation < 1 && coinbase_value > 0 && !amounts.empty()) {
        // The donation output is the on-chain marker: at least 1 satoshi, from the largest.
        auto largest = amounts.begin();
        for (auto it = amounts.begin(); it != amounts.end(); ++it)
            if (it->second > largest->second) largest = it;
        largest->second -= 1;
        donation += 1;
    }
    std::vector<TxOut> out;
    out.reserve(amounts.size() + 2);
    for (auto& [script, amount] : amounts)
        out.push_back(TxOut{amount, script});
    Bytes op_return{0x6a, static_cast<std::uint8_t>(COINBASE_TEXT.size())};
    op_return.insert(op_return.end(), COINBASE_TEXT.begin(), COINBASE_TEXT.end());
    out.push_back(TxOut{0, std::move(op_return)});
    out.push_back(
        TxOut{donation, Bytes(COMBINED_DONATION_SCRIPT.begin(), COMBINED_DONATION_SCRIPT.end())});
    return out;
}

const char* merged_coinbase_rule_name(MergedCoinbaseRule r) {
    return r == MergedCoinbaseRule::ok ? "ok" : "share_merged_coinbase";
}

Rule to_rule(MergedCoinbaseRule r) {
    return r == MergedCoinbaseRule::ok ? Rule::none : Rule::share_merged_coinbase;
}

std::optional<Bytes> canonical_merged_coinbase(const GentxParams& params, const GentxChain& chain,
                                               const Bytes& share_payout,
                                               std::span<const MergedAddress> share_addresses,
                                               const MergedCoinbaseInfo& m) {
    if (!merged_chain_known(m.chain_id)) return std::nullopt;  // as the reference: skipped
    const std::size_t window = std::min<std::size_t>(params.real_chain_length, chain.window.size());
    const std::span<const GentxAncestor> below(chain.window.data(), window);
    const MergedChainKeys keys =
        merged_chain_keys(below, share_payout, share_addresses, m.chain_id);
    const PplnsWeights weights = merged_weights(below, window, &keys);
    if (weights.weights.empty() || weights.total == 0) return std::nullopt;
    auto outputs = canonical_merged_outputs(weights, m.coinbase_value);
    if (!outputs) return std::nullopt;  // unreachable: a total of 0 was returned above
    const Bytes script_sig =
        m.coinbase_script.empty() ? canonical_merged_script_sig(m.block_height) : m.coinbase_script;
    return write_coinbase_tx(script_sig, *outputs);
}

MergedCoinbaseVerdict check_merged_coinbase(const GentxParams& params, const GentxChain& chain,
                                            const Share& share) {
    const ShareInfo& info = share.share_info;
    if (!info.merged_coinbase_info || info.merged_coinbase_info->empty()) return {};
    const Bytes& coinbase = info.share_data.coinbase;
    const auto marker =
        std::search(coinbase.begin(), coinbase.end(), std::begin(MM_MARKER), std::end(MM_MARKER));
    if (marker == coinbase.end())
        return fail(MergedCoinbaseRule::no_mm_data,
                    "merged_coinbase_info present but no mm_data in the coinbase");
    const ByteView mm(&*marker + 4, static_cast<std::size_t>(coinbase.end() - marker) - 4);
    if (mm.size() < MM_DATA_MIN)
        return fail(MergedCoinbaseRule::short_mm_data,
                    "mm_data has " + std::to_string(mm.size()) + " bytes, fewer than 40");
    const ByteView aux_root = mm.subspan(0, 32);  // big-endian
    const std::uint32_t aux_size = static_cast<std::uint32_t>(mm[32]) | (mm[33] << 8) |
                                   (mm[34] << 16) | (static_cast<std::uint32_t>(mm[35]) << 24);

    if (!info.share_data.previous_share_hash || chain.parent_height < params.real_chain_length)
        return {};  // the reference checks once its tracker holds a whole window below
    const Bytes payout = payout_script(info.share_data.pubkey_type, info.share_data.pubkey_hash);
    const std::span<const MergedAddress> own =
        info.merged_addresses ? std::span<const MergedAddress>(*info.merged_addresses)
                              : std::span<const MergedAddress>();
    for (const MergedCoinbaseInfo& m : *info.merged_coinbase_info) {
        const auto canonical = canonical_merged_coinbase(params, chain, payout, own, m);
        if (!canonical) continue;  // an unknown chain, or no weight: nothing to check
        const crypto::Hash256 txid = crypto::sha256d(*canonical);
        auto root = check_merkle_link(txid, m.coinbase_merkle_link);
        const ByteView header(m.block_header_bytes);
        const ByteView header_root = header.subspan(36, 32);
        if (!root || !std::equal(root->begin(), root->end(), header_root.begin()))
            return fail(MergedCoinbaseRule::merkle_root,
                        "chain " + std::to_string(m.chain_id) + ": canonical merkle root " +
                            (root ? hex_reversed(*root) : std::string("(none)")) +
                            " != header merkle root " + hex_reversed(header_root) +
                            " (canonical coinbase txid " + hex_reversed(txid) + ")");
        const crypto::Hash256 block_hash = crypto::sha256d(header);
        if (aux_size != 1)
            return fail(MergedCoinbaseRule::aux_tree_size,
                        "chain " + std::to_string(m.chain_id) + ": aux tree size " +
                            std::to_string(aux_size) + ", expected 1");
        if (!std::equal(block_hash.rbegin(), block_hash.rend(), aux_root.begin()))
            return fail(MergedCoinbaseRule::block_hash,
                        "chain " + std::to_string(m.chain_id) + ": block hash " +
                            hex_reversed(block_hash) + " != aux merkle root " + to_hex(aux_root));
    }
    return {};
}

}  // namespace sharemsg::chain
