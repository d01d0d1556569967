// The V36 merged-mining commitment: a share that merge-mines another chain (Dogecoin, AuxPoW
// chain id 98) must pay that chain's block reward by the sharechain's PPLNS weights, and its
// parent-chain coinbase must commit to that block.
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30, p2pool/data.py:
// verify_merged_coinbase_commitment (392-535), build_canonical_merged_coinbase (218-357),
// get_canonical_merged_finder_script (360-389), _get_merged_chain_net (537-567),
// MergedWeightsSkipList with a chain_id (2425-2535), OkayTracker.add's merged-address lookup
// (2650-2679). For a share S with parent P, the window = P and its parents, as the gentx rule
// reads them (chain/gentx.hpp):
//
//   nothing to check when S has no merged_coinbase_info;
//   mm_data = the bytes after the first fa be 6d 6d in S's coinbase: refused when absent or
//     shorter than 40 bytes (aux merkle root 32, big-endian; aux tree size le32; nonce le32);
//   nothing more to check when S has no parent or height(P) < REAL_CHAIN_LENGTH;
//   then for each merged_coinbase_info entry (chain_id, coinbase_value, block_height,
//   block_header_bytes, coinbase_merkle_link, coinbase_script) of a known chain (98):
//     weights = merged_weights(window, REAL_CHAIN_LENGTH, keys for chain_id) (chain/pplns.hpp);
//       no weight or a total of 0: nothing to check for this entry;
//     the canonical coinbase (canonical_merged_coinbase below), its script_sig replaced by
//       coinbase_script when that is not empty; txid = sha256d(tx_id_type packing);
//     check_merkle_link(txid, coinbase_merkle_link) must be the header's merkle root;
//     the aux tree size must be 1 and sha256d(header) the aux merkle root.
//
// Where we differ, on purpose: the reference's "tier 1.5" lookup (a miner's merged address
// taken from its other shares, for a share that names none) is filled by every share its
// tracker ever added, the first one seen winning, so two reference nodes can disagree. Ours
// reads the window only, newest share first, then S itself (merged_chain_keys): what a node
// that has just downloaded the chain (newest first) and then receives S holds. A miner who
// keeps one merged address, the network's practice, gets the same verdict from both. When
// two payees tie for the largest amount and the marker satoshi must be taken from one of
// them, the reference takes the first in its dict's order; we take the smaller script.
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/gentx.hpp"
#include "chain/pplns.hpp"
#include "chain/share.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"
#include "util/rule.hpp"

namespace sharemsg::chain {

// The AuxPoW chain ids whose merged coinbase the rule checks (_get_merged_chain_net): Dogecoin.
inline constexpr std::uint32_t DOGECOIN_CHAIN_ID = 98;
bool merged_chain_known(std::uint32_t chain_id);

// The keys merged_weights reads for `chain_id` on `window`, then S's own payout script and
// merged addresses (see "Where we differ" above).
MergedChainKeys merged_chain_keys(std::span<const GentxAncestor> window, const Bytes& share_payout,
                                  std::span<const MergedAddress> share_addresses,
                                  std::uint32_t chain_id);

// build_canonical_merged_coinbase's outputs for `weights` (merged_weights with chain keys):
// miners by merged script in byte order (P2WPKH payout scripts paid to the P2PKH of the same
// hash), each coinbase_value' * weight // accepted weight, amounts of 0 left out, where
// coinbase_value' = coinbase_value - the donation share (coinbase_value * donation // total);
// the OP_RETURN "P2Pool merged mining"; the donation script last with the rest (at least 1
// satoshi when coinbase_value > 0 and a miner is paid: the largest miner gives it). The
// finder fee is 0 per mille on V36 (CANONICAL_MERGED_FINDER_FEE_PER_MILLE), so the finder's
// script changes nothing. Errc::invalid_argument when total is 0.
[[nodiscard]] Result<std::vector<TxOut>> canonical_merged_outputs(const PplnsWeights& weights,
                                                                  std::uint64_t coinbase_value);
// The canonical coinbase's script_sig: create_push_script([block_height]) + "/P2Pool v36/".
Bytes canonical_merged_script_sig(std::uint64_t block_height);

// The canonical merged coinbase (tx_id_type bytes) that merged_coinbase_info entry `m` of a
// share paying `share_payout`, with these merged addresses, must commit to on `chain`;
// nullopt when the rule checks nothing for the entry (an unknown chain, no merged weight).
// Reads min(REAL_CHAIN_LENGTH, window size) shares of the window.
std::optional<Bytes> canonical_merged_coinbase(const GentxParams& params, const GentxChain& chain,
                                               const Bytes& share_payout,
                                               std::span<const MergedAddress> share_addresses,
                                               const MergedCoinbaseInfo& m);

enum class MergedCoinbaseRule {
    ok,
    no_mm_data,     // merged_coinbase_info without fa be 6d 6d in the coinbase
    short_mm_data,  // fewer than 40 bytes after the marker
    merkle_root,    // the canonical coinbase is not in the merged block's merkle root
    block_hash,     // the merged block's hash is not the aux merkle root
    aux_tree_size,  // an aux tree size other than 1
};

// "ok" or "share_merged_coinbase".
const char* merged_coinbase_rule_name(MergedCoinbaseRule r);
// Rule::share_merged_coinbase for any failure, Rule::none for ok.
Rule to_rule(MergedCoinbaseRule r);

struct MergedCoinbaseVerdict {
    MergedCoinbaseRule rule = MergedCoinbaseRule::ok;
    std::string reason;  // one line naming the chain and the values that differ
    bool ok() const { return rule == MergedCoinbaseRule::ok; }
};

// The check above for share S on `chain` (the gentx rule's view of the shares below S).
MergedCoinbaseVerdict check_merged_coinbase(const GentxParams& params, const GentxChain& chain,
                                            const Share& share);

}  // namespace sharemsg::chain
