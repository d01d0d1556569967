// The V36 generated transaction (gentx): what a share's coinbase must pay, and the check that
// it does.
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30. Share.check (p2pool/data.py:1445)
// regenerates the share's share_info and gentx with BaseShare.generate_transaction (798-1268;
// v36_active, known_txs None, no other transactions) from the shares below it, and refuses the
// share unless the gentx's txid is the one its hash link proves ('gentx doesn't match
// hash_link') and the share_info comes back equal ('share_info invalid'). For a share S whose
// parent is P, with the window = P and its parents, min(height(P), REAL_CHAIN_LENGTH) of them:
//
//   share_info fields derived from the chain (derive_chain_fields):
//     absheight          = (P.absheight + 1) % 2^32                      (0 + 1 without P)
//     abswork            = (P.abswork + 2^256 // (S.target + 1)) % 2^128
//     far_share_hash     = None when the chain reaches its first share and height(P) < 99,
//                          else the 99th parent of P (None when that is before the first share)
//     merged_payout_hash = merged_payout_hash(merged_weights(window)) (chain/pplns.hpp)
//   (timestamp, bits and max_bits are the difficulty rule's: chain/target_rules.hpp.)
//
//   the gentx (build_v36_gentx), tx_id_type packing (no witness):
//     version 1; one input: previous_output None (0, 2^32-1), script = share_data.coinbase,
//       sequence None (2^32-1);
//     outputs:
//       [segwit network and segwit_data present] 0 sat to 6a 24 aa21a9ed || sha256d(
//          wtxid_merkle_root || '[P2Pool]' x 4)
//       the payees, each amount = subsidy * weight // total (decayed_weights), ordered by
//          (amount, script) ascending, the last 4000 of them, amounts of 0 left out
//       COMBINED_DONATION_SCRIPT: subsidy - the payees' sum (its own weight included when a
//          payee's script is the donation script); when that is 0 and subsidy > 0 the payee
//          with the largest (amount, script) gives it 1 satoshi
//       0 sat to 6a 28 || ref_hash || le64(last_txout_nonce)
//     lock_time 0.
//
// When the reference can check (a ValueError 'share chain not long enough' otherwise):
// height(P) >= REAL_CHAIN_LENGTH, or the chain reaches its first share; else "deferred".
//
// Where we differ from the reference's order of failures, on purpose: the reference builds its
// gentx from the share_info it derived, so a wrong absheight (say) changes the ref_hash and it
// reports 'gentx doesn't match hash_link' first. We compare the derived fields first and name
// the field (absheight, abswork, far_share_hash, merged_payout_hash); the share is refused
// either way. On a network without segwit (our devnet) the reference's regenerated share_info
// would lack the segwit_data key and never equal a decoded V36 share_info; we compare the
// fields above only.
//
// Not checked here: merged_coinbase_info (chain/merged_coinbase.hpp, run by the node after
// this check passes) and the message_data authority rule (node/share_glue: the reference's
// generate_transaction drops invalid message_data from its ref_hash, so such a share also fails its
// gentx there).
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chain/pow.hpp"
#include "chain/pplns.hpp"
#include "chain/share.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"
#include "util/rule.hpp"

namespace sharemsg::chain {

// The network's numbers the rule reads (one network table: p2p::gentx_params()).
struct GentxParams {
    std::uint32_t chain_length = 0;       // CHAIN_LENGTH: the decay's half-life is a quarter
    std::uint32_t real_chain_length = 0;  // REAL_CHAIN_LENGTH: the PPLNS window
    bool segwit_activated = false;        // is_segwit_activated(36, net)
};

// What the chain gives a share's share_info.
struct ChainFields {
    std::uint32_t absheight = 0;
    unsigned __int128 abswork = 0;  // % 2^128; a V36 share holds it as a 64-bit VarInt
    std::optional<Uint256> far_share_hash;
    std::optional<Uint256> merged_payout_hash;
    bool operator==(const ChainFields&) const = default;
};

struct TxOut {
    std::uint64_t value = 0;
    Bytes script;
    bool operator==(const TxOut&) const = default;
};

// Whether Share.check can regenerate the gentx of a share on `chain` now: height(P) >=
// REAL_CHAIN_LENGTH or the chain reaches its first share, and the window holds
// min(parent_height, real_chain_length) shares (at least 100 when far_share_hash is read).
bool can_check_gentx(const GentxParams& params, const GentxChain& chain);

// The share_info fields above for a share with these bits on `chain`. Errc::invalid_argument
// when !can_check_gentx (a miner builds on a chain it can check).
[[nodiscard]] Result<ChainFields> derive_chain_fields(const GentxParams& params,
                                                      const GentxChain& chain, std::uint32_t bits);

// The payee outputs of the gentx, the donation output last (without the segwit commitment
// and the OP_RETURN). Errc::invalid_argument when !can_check_gentx, when the weights' total
// is 0 with payees in the window (the reference divides by it and fails), or when the 2^288
// cap rounded a share's parts below the total (the reference's 'PPLNS weight mismatch').
[[nodiscard]] Result<std::vector<TxOut>> v36_payouts(const GentxParams& params,
                                                     const GentxChain& chain,
                                                     std::uint64_t subsidy);

// tx_id_type packing of a coinbase transaction: version 1, one input (previous_output None,
// `script_sig`, sequence None), `outputs` in order, lock_time 0.
Bytes write_coinbase_tx(ByteView script_sig, std::span<const TxOut> outputs);

// tx_id_type packing of a V36 gentx: version 1, the coinbase input, the segwit commitment to
// witness_root when given, `outputs` in order, the OP_RETURN 6a 28 || ref_hash ||
// le64(last_txout_nonce), lock_time 0. The one writer of the format (the devnet uses it too).
Bytes write_v36_gentx(ByteView coinbase, const std::optional<Uint256>& witness_root,
                      std::span<const TxOut> outputs, const crypto::Hash256& ref_hash,
                      std::uint64_t last_txout_nonce);

// The gentx generate_transaction makes for share_info on `chain` (its share_data's coinbase,
// subsidy and, on a segwit network, segwit_data), committing to ref_hash: the gentx a miner
// puts in its block, and the one the check compares. Errors: those of v36_payouts.
[[nodiscard]] Result<Bytes> build_v36_gentx(const GentxParams& params, const GentxChain& chain,
                                            const ShareInfo& share_info,
                                            const crypto::Hash256& ref_hash,
                                            std::uint64_t last_txout_nonce);

enum class GentxRule {
    ok,
    deferred,            // cannot be checked yet: too few ancestors known (not a failure)
    absheight,           // share_info.absheight is not the parent's + 1
    abswork,             // share_info.abswork is not the parent's + this share's work
    far_share_hash,      // share_info.far_share_hash is not the parent's 99th parent
    merged_payout_hash,  // share_info.merged_payout_hash is not the window's merged weights'
    gentx_mismatch,      // 'gentx doesn't match hash_link': payouts (or their order) differ
};

// "ok", "deferred", "share_absheight", "share_abswork", "share_far_share_hash",
// "share_merged_payout_hash", "share_gentx_mismatch".
const char* gentx_rule_name(GentxRule r);
// A failed check is misbehaviour (the reference counts the share bad and bans its peer); ok
// and deferred are not.
bool gentx_rule_is_misbehaviour(GentxRule r);
// The protocol rule (util/rule.hpp); Rule::none for ok and deferred.
Rule to_rule(GentxRule r);

struct GentxVerdict {
    GentxRule rule = GentxRule::ok;
    std::string reason;                  // one line: the rule and the numbers
    std::optional<ChainFields> derived;  // set once computed
    bool ok() const { return rule == GentxRule::ok; }
};

// The check above for `share`, whose proof of work `verified` (chain::check_share_pow) gives
// its ref_hash and the gentx txid its hash link proves.
GentxVerdict check_share_gentx(const GentxParams& params, const GentxChain& chain,
                               const Share& share, const VerifiedShare& verified);

}  // namespace sharemsg::chain
