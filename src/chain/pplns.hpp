// V36 PPLNS weights: who a share's generated transaction pays, and the merged-mining weight
// commitment (share_info.merged_payout_hash).
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30, p2pool/data.py:
// get_decayed_cumulative_weights (2538-2612), MergedWeightsSkipList (2425-2535, chain_id None,
// as compute_merged_payout_hash calls it through OkayTracker) and compute_merged_payout_hash
// (3367-3430). Both walk the window of shares a share builds on: its parent first, then the
// parent's parents, min(parent height, REAL_CHAIN_LENGTH) of them. Each share contributes
// att = target_to_average_attempts(its bits target) = 2^256 // (target + 1) (held by the
// caller: GentxAncestor::attempts), keyed by its payout script (payout_script below: the
// reference's share.new_script).
//
// Decayed weights (what the gentx pays), over the window, depth d = 0 for the parent:
//   half_life = max(CHAIN_LENGTH // 4, 1)
//   decay_per = 2^40 - 2^40 * 693147 // (10^6 * half_life)
//   decay_0   = 2^40,  decay_{d+1} = decay_d * decay_per >> 40
//   decayed   = att * decay_d >> 40
//   weight[script] += decayed * (65535 - donation);  donation_weight += decayed * donation
//   total += decayed * 65535
// with a cap at 2^288 - 1 that generate_transaction passes and that no window below 65537
// shares can reach (each share adds less than 2^272); it is applied as the reference does
// (the share that crosses it counts in proportion, and the walk stops). Entries of weight 0
// stay (a share donating 100%): they are among the payees, paid nothing.
//
// Merged weights (what merged_payout_hash commits to), over the same window, not decayed:
//   a share with desired_version < 36 counts as a step of the window but adds nothing;
//   weight[script] += att * (65535 - donation); total += att * 65535;
//   donation_weight += att * donation; entries of weight 0 are dropped (math.add_dicts).
//   The same 2^288 - 1 cap, as the skip list applies it.
// merged_payout_hash = sha256d(payload), None when no weight is left (or the window is empty):
//   payload = "<hex(script)>:<weight>|..." for scripts in byte order, then
//   "|T:<total>|D:<donation>", hex lower case, weights in decimal.
//
// Every sum is exact: weights exceed 128 bits, and here are 512-bit integers (the 2^288 cap
// keeps them far below), with unbounded arithmetic where the cap is applied.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/share.hpp"
#include "chain/uint.hpp"
#include "crypto/hash.hpp"
#include "util/bytes.hpp"

namespace sharemsg::chain {

// Exact for every value the weights take (below 2^289); products are formed in it only where
// they stay below 2^512 (see pplns.cpp).
using WideUint = boost::multiprecision::uint512_t;

// What the generated-transaction rule reads of each share below the one checked.
struct GentxAncestor {
    Uint256 hash{};  // the share's hash (raw digest bytes)
    Bytes script;    // payout_script(pubkey_type, pubkey_hash): new_script
    // average_attempts(share_info.bits target): 2^256 // (target + 1), exact. Held rather
    // than the target so that the division is done once per share, not once per window.
    WideUint attempts = 0;
    std::uint16_t donation = 0;         // share_data.donation (of 65535)
    std::uint64_t desired_version = 0;  // share_data.desired_version
    std::uint32_t absheight = 0;        // share_info.absheight (read of the parent only)
    std::uint64_t abswork = 0;          // share_info.abswork (read of the parent only)
    // share_info.merged_addresses (None: empty): who it pays on each merged chain.
    std::vector<MergedAddress> merged_addresses{};
};

// The chain below a share, as the caller knows it.
struct GentxChain {
    // Shares known from the parent back, the parent included (tracker.get_height(prev)); 0 for
    // a share with no parent.
    std::uint64_t parent_height = 0;
    // Whether they end at a share with no previous share; true for a share with no parent.
    bool reaches_first_share = false;
    // The parent first, then its parents: min(parent_height, real_chain_length) of them (more
    // are ignored).
    std::vector<GentxAncestor> window;
};

// BaseShare.__init__'s new_script of a V36 share (pubkey_hash_to_script2 with the version
// pubkey_type_to_version_witver gives): 1 (P2WPKH) 00 14 <h>; 2 (P2SH) a9 14 <h> 87; any
// other value (0 is P2PKH) 76 a9 14 <h> 88 ac. <h> is IntType(160).pack(pubkey_hash): the
// 20 bytes as held.
Bytes payout_script(std::uint8_t pubkey_type, const Uint160& pubkey_hash);

// The ancestor fields of a decoded share whose hash is `hash`. A bits value whose target is
// 2^256 or more (never a verified share's) gives 0 attempts, as 2^256 // (target + 1) does.
GentxAncestor gentx_ancestor(const Share& share, const crypto::Hash256& hash);

// 2^256 // (target + 1), exact (also for targets below 2^128, where it exceeds 128 bits).
WideUint average_attempts(const Uint256& target);
// The same of FloatingInteger(bits).target (0 when that is 2^256 or more).
WideUint average_attempts_of_bits(std::uint32_t bits);

struct PplnsWeights {
    std::map<Bytes, WideUint> weights;  // by payout script, in byte order
    WideUint total = 0;                 // sum of weights + donation
    WideUint donation = 0;
    std::size_t shares = 0;  // window shares walked
};

// The 2^288 - 1 both walks are capped at (data.py:1004, 3406).
const WideUint& pplns_max_weight();

// get_decayed_cumulative_weights(start = window[0], max_shares, 2^288 - 1) with
// half_life = max(chain_length // 4, 1); walks min(max_shares, window.size()) shares.
PplnsWeights decayed_weights(std::span<const GentxAncestor> window, std::size_t max_shares,
                             std::uint32_t chain_length);

// How the merged weights of one merged chain are keyed (MergedWeightsSkipList with a
// chain_id): a share's weight goes under "MERGED:" + hex(script) when its merged_addresses
// name `chain_id` (its first such entry, even with an empty script); else under that of
// `miner_scripts`[its payout script] or [its normalized script] ("tier 1.5": the miner's
// merged address from its other shares); else under its payout script. merged_chain_keys()
// (chain/merged_coinbase.hpp) fills miner_scripts.
struct MergedChainKeys {
    std::uint32_t chain_id = 0;
    std::map<Bytes, Bytes> miner_scripts;  // payout script (or normalized form) -> merged script
};

// get_v36_merged_weights(start = window[0], max_shares, 2^288 - 1, chain_id) as the skip list
// computes it; walks min(max_shares, window.size()) shares. chain_id None without `chain`
// (keys are payout scripts); else keyed as MergedChainKeys says.
PplnsWeights merged_weights(std::span<const GentxAncestor> window, std::size_t max_shares,
                            const MergedChainKeys* chain = nullptr);

// OkayTracker._normalize_script_for_merged: P2PKH and P2SH as they are, P2WPKH as the P2PKH
// of the same hash, anything else empty (no merged-chain form).
Bytes normalized_merged_script(ByteView script);

// The prefix of a key that is already a merged chain's script ("MERGED:" + hex(script)).
inline constexpr std::string_view MERGED_KEY_PREFIX = "MERGED:";

// The payload compute_merged_payout_hash hashes; nullopt when it returns None (no weights, or
// a total of 0).
std::optional<std::string> merged_payout_payload(const PplnsWeights& merged);
// sha256d(payload) as IntType(256) packs it (the raw digest bytes), or nullopt for None.
std::optional<Uint256> merged_payout_hash(const PplnsWeights& merged);

// Decimal digits of a weight ('%d').
std::string to_decimal(const WideUint& v);

}  // namespace sharemsg::chain
