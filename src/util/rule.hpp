// Rule: which rule of the protocol a share or a peer's message broke, carried by an Error
// (util/result.hpp) from the verifier that found it to the node, which decides what it costs
// (src/node/rules.hpp: one table from rule to name, penalty score and ban).
//
// The verifiers set it: chain/ (proof of work, difficulty, the generated transaction and the
// merged coinbase: chain::PowRule, TargetRule, GentxRule and MergedCoinbaseRule map onto these),
// node's share_glue.cpp (a share that does not decode, the message_data rules), the peer layer
// (frames and messages). Errors that are not a broken protocol rule (a full disk, a caller's
// bad argument) carry Rule::none.
//
// Adding a rule: a value here (before `count_`), and a row in the node's table; the build
// fails until the row exists.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sharemsg {

enum class Rule : std::uint8_t {
    none,
    // ---- a share (chain/, node/share_glue.cpp) ----
    malformed_share,            // the share's bytes do not decode as its type
    share_version_unsupported,  // a share type other than V36 (a V35 share): dropped, no fault
    bad_coinbase_size,          // chain::PowRule::bad_coinbase_size
    ref_hash,                   // chain::PowRule::ref_hash
    hash_link,                  // chain::PowRule::hash_link
    segwit_data_missing,        // chain::PowRule::segwit_data_missing
    merkle_link,                // chain::PowRule::merkle_link
    header_version,             // chain::PowRule::header_version
    target_invalid,             // chain::PowRule::target_invalid
    target_above_max_target,    // chain::PowRule::target_above_max_target
    pow_invalid,                // chain::PowRule::pow_invalid
    hash_mismatch,              // chain::PowRule::hash_mismatch
    share_timestamp_future,     // chain::TargetRule::timestamp_future
    share_timestamp_order,      // chain::TargetRule::timestamp_order
    share_max_bits,             // chain::TargetRule::max_bits: not the target the chain demands
    share_bits,                 // chain::TargetRule::bits
    share_absheight,            // chain::GentxRule::absheight
    share_abswork,              // chain::GentxRule::abswork
    share_far_share_hash,       // chain::GentxRule::far_share_hash
    share_merged_payout_hash,   // chain::GentxRule::merged_payout_hash
    share_gentx_mismatch,       // chain::GentxRule::gentx_mismatch: payouts differ from the chain's
    share_merged_coinbase,      // chain::MergedCoinbaseRule: the merged chain's coinbase or mm_data
    message_data,               // message_data fails the network's rule (v1 or open envelope)
    open_profile_disabled,      // open-profile message_data (0x02) on a network without it
    // ---- a peer's frames and messages (node/peer.cpp, node/peer_manager.cpp, Node) ----
    bad_checksum,        // a frame whose checksum does not match its payload
    malformed_message,   // a payload that does not decode as its command's message
    protocol,            // out of order: no version first, or a second version
    peer_too_old,        // protocol version below the network's minimum
    oversized_sharereq,  // a sharereq naming more hashes or stops than a reply may answer
    too_many_shares,     // a shares or sharereply message listing more shares than allowed
    count_,              // not a rule: the number of values above
};

inline constexpr std::size_t RULE_COUNT = static_cast<std::size_t>(Rule::count_);

}  // namespace sharemsg
