// Building real V36 shares on a private devnet, with no coin daemon.
//
// The share's gentx commits to its ref_hash (and so to message_data) through the same
// hash-link path as mainnet: the gentx ends with the OP_RETURN output
// 6a 28 || ref_hash || le64(last_txout_nonce) and lock_time 0, its donation output
// (COMBINED_DONATION_SCRIPT) comes right before, so the gentx minus its last 44 bytes ends
// with the network's gentx_before_refhash and verify_share_pow() checks the share exactly as
// it checks a mainnet share.
//
// The gentx follows MergedMiningShare.generate_transaction's shape (data.py:1188-1203):
//   version 1; one input: previous_output None (0, 0xffffffff), script = share_data.coinbase,
//   sequence None (0xffffffff); outputs:
//     [segwit networks] 0 sat, 6a 24 aa21a9ed || sha256d(wtxid_merkle_root || '[P2Pool]' x 4)
//     subsidy - donation_amount  to 76 a9 14 <pubkey_hash> 88 ac (P2PKH)  -- or a9 14 <h> 87 (P2SH)
//     donation_amount            to COMBINED_DONATION_SCRIPT
//     0 sat                      6a 28 || ref_hash || le64(last_txout_nonce)
//   lock_time 0.
// The gentx is the block's only transaction: merkle_link (and segwit_data.txid_merkle_link)
// are empty, wtxid_merkle_root is merkle_hash([0]) = 0.
//
// Payouts. Given the chain below (build_devnet_share with a GentxChain), the share is built as
// the reference's generate_transaction builds it: absheight, abswork, far_share_hash and
// merged_payout_hash derived from the chain and the subsidy split over the PPLNS window
// (chain/gentx.hpp: derive_chain_fields, build_v36_gentx), so check_share_gentx accepts it.
// Without a chain, a devnet share pays its whole subsidy, less the donation, to its own miner,
// and takes absheight/abswork from spec.previous and far_share_hash from the spec: a share
// check_share_gentx refuses (even a chain's first share, whose window is empty, must pay its
// whole subsidy to the donation script). Either way the
// retargeting of bits/max_bits is not derived here: the caller (the node, which has the
// tracker) supplies bits and max_bits from chain::pool_target (chain/target_rules.hpp).
//
// Pure: the clock (timestamp) and randomness (nonces) are parameters; the same spec gives
// the same share.
#pragma once

#include <cstdint>
#include <optional>

#include "chain/gentx.hpp"
#include "chain/pow.hpp"
#include "chain/pow_params.hpp"
#include "chain/share.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

// What the builder needs to know about the share it builds on.
struct DevnetParent {
    crypto::Hash256 hash{};  // becomes share_data.previous_share_hash
    std::uint32_t absheight = 0;
    std::uint64_t abswork = 0;
    std::uint32_t timestamp = 0;  // the new share's timestamp is at least this + 1 (data.py:1084)
};

struct DevnetShareSpec {
    std::optional<DevnetParent> previous;       // none: the first share of a chain
    Uint160 pubkey_hash{};                      // payout, as in the script (hash160 digest bytes)
    std::uint8_t pubkey_type = 0;               // 0 P2PKH, 2 P2SH (1, P2WPKH, pays 00 14 <hash>)
    std::optional<Bytes> message_data;          // empty is the same as none
    std::uint32_t timestamp = 0;                // the clock
    std::uint32_t bits = 0;                     // share target; 0: from params.max_target
    std::uint32_t max_bits = 0;                 // 0: from params.max_target
    std::optional<Uint256> far_share_hash;      // without a chain: as given
    std::optional<Uint256> merged_payout_hash;  // without a chain: as given
    // A merged-mining commitment (chain/merged_coinbase.hpp): its mm_data goes in coinbase_tag.
    std::optional<std::vector<MergedCoinbaseInfo>> merged_coinbase_info;
    std::uint64_t subsidy = 50ULL * 100'000'000;  // informational: the devnet has no coin
    std::uint16_t donation = 655;                 // 1/65535 units (655: 1%)
    Bytes coinbase_tag{'/', 's', 'h', 'a', 'r', 'e', 'm', 's', 'g', '/'};  // after the height push
    // Randomness, from the caller.
    std::uint32_t share_nonce = 0;  // share_data.nonce
    std::uint64_t last_txout_nonce = 0;
    std::uint32_t header_nonce_start = 0;
    std::uint64_t max_attempts = 1'000'000;  // header nonces tried before giving up
};

struct DevnetShare {
    Share share;
    VerifiedShare verified;  // verify_share_pow's result for it
    Bytes gentx;  // tx_id_type packing (no witness): sha256d(gentx) == verified.gentx_hash
    std::uint64_t attempts = 0;
};

// Builds and mines a share. Errors: Errc::invalid_argument for a spec that cannot make a
// valid share (coinbase over 100 bytes, bits above the network's MAX_TARGET or above
// max_bits, abswork overflowing the VarInt); Errc::not_found when max_attempts nonces
// did not meet the target (try again with another header_nonce_start or timestamp).
[[nodiscard]] Result<DevnetShare> build_devnet_share(const PowParams& params,
                                                     const DevnetShareSpec& spec);
// The same on `chain` (see Payouts above): spec.previous must be the chain's parent
// (window[0].hash; nullopt for a chain's first share) and gives the timestamp floor; its
// absheight and abswork, and spec.far_share_hash, are replaced by the chain's.
// Errc::invalid_argument as above, and when spec.previous does not match the chain or the
// chain is too short to check (can_check_gentx).
[[nodiscard]] Result<DevnetShare> build_devnet_share(const PowParams& params,
                                                     const GentxParams& gentx_params,
                                                     const DevnetShareSpec& spec,
                                                     const GentxChain& chain);

// The share_info build_devnet_share commits to (before mining). Exposed for tests and tools.
[[nodiscard]] Result<ShareInfo> devnet_share_info(const PowParams& params,
                                                  const DevnetShareSpec& spec);

// The gentx (tx_id_type bytes) for share_info and its ref_hash that pays the miner alone, as
// described above (written by chain::write_v36_gentx).
[[nodiscard]] Bytes devnet_gentx(const PowParams& params, const ShareInfo& info,
                                 const crypto::Hash256& ref_hash, std::uint64_t last_txout_nonce);

}  // namespace sharemsg::chain
