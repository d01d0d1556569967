// Share difficulty: what the chain below a share demands of its bits, max_bits and timestamp.
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30. Share.check (p2pool/data.py:1445)
// regenerates share_info with generate_transaction (data.py:798-837) from the share's own
// timestamp and target, and fails unless it comes back equal ('gentx doesn't match hash_link';
// attempt_verify then counts the share as bad and think() has its peer banned). For the
// fields read here that means, with prev the share's parent:
//
//   if prev's height < TARGET_LOOKBEHIND:  pre_target3 = MAX_TARGET
//   else:
//     far       = the (TARGET_LOOKBEHIND - 1)th parent of prev
//     attempts  = sum of target_to_average_attempts(max_target) over prev and its parents
//                 down to far, far excluded (TARGET_LOOKBEHIND - 1 shares: min_work)
//     time      = prev.timestamp - far.timestamp, 1 if not positive
//     aps       = attempts // time
//     pre_target  = 2^256 // (SHARE_PERIOD * aps) - 1, or 2^256 - 1 when aps is 0
//     ref       = prev.max_target, eased when the share comes more than SHARE_PERIOD * 20 s
//                 after prev (V36 emergency decay, data.py:816-832): the excess over that,
//                 in half-lives of SHARE_PERIOD * 10 s, doubles it per whole half-life and
//                 scales it by (half_life + remainder) / half_life; at most MAX_TARGET
//     pre_target2 = clip(pre_target, ref * 9 // 10, ref * 11 // 10)
//     pre_target3 = clip(pre_target2, MIN_TARGET, MAX_TARGET)
//   max_bits must be  from_target_upper_bound(pre_target3)
//   bits must be      from_target_upper_bound(clip(target(bits), pre_target3 // 30, pre_target3))
//   timestamp must be max(timestamp, prev.timestamp + 1): later than prev's
//
// and Share.check's first line refuses a timestamp more than 600 s ahead of the receiver's
// clock (without it, a timestamp far ahead of the parent's would ease the target through the
// decay at will). All arithmetic is on unbounded integers, as Python's.
//
// When a share can be checked (OkayTracker.attempt_verify, data.py:2687): only once at least
// CHAIN_LENGTH + 1 shares are known from it back (itself included), or the known chain ends
// at a share with no previous share (the first share of the chain). Until then the reference
// keeps it unverified: it is held, but only verified shares are candidates for the best
// chain. (generate_transaction also wants REAL_CHAIN_LENGTH shares below it; that equals
// CHAIN_LENGTH on every network, so it adds nothing.)
//
// Pure and thread-safe; the chain is the caller's view (chain/tracker.hpp builds one).
#pragma once

#include "util/rule.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/uint.hpp"

namespace sharemsg::chain {

// The network's numbers the rule reads (one network table: p2p/params.hpp).
struct TargetParams {
    std::uint32_t share_period_s = 0;     // SHARE_PERIOD, > 0
    std::uint32_t chain_length = 0;       // CHAIN_LENGTH
    std::uint32_t target_lookbehind = 0;  // TARGET_LOOKBEHIND, >= 2
    Uint256 min_target{};                 // MIN_TARGET
    Uint256 max_target{};                 // MAX_TARGET
    // How far ahead of the receiver's clock a share's timestamp may be: Share.check's 600 s
    // (data.py:1447) on every reference network; more on our devnet, whose tests mine
    // faster than a share a second and so run ahead of the clock (p2p/params.hpp).
    std::uint32_t max_timestamp_ahead_s = 600;
};

// A share's fields the rule reads (of ancestors) or checks (of the share).
struct TargetFields {
    std::uint32_t timestamp = 0;
    std::uint32_t bits = 0;      // share_info.bits
    std::uint32_t max_bits = 0;  // share_info.max_bits
    bool operator==(const TargetFields&) const = default;
};

// The chain below a share, as the caller knows it.
struct AncestorView {
    // Shares known from the parent back, the parent included (tracker.get_height(prev));
    // 0 when the parent is unknown or the share has none.
    std::uint64_t parent_height = 0;
    // Whether those end at a share with no previous share; true for a share with no parent.
    bool reaches_first_share = false;
    // The parent first, then its parents: min(parent_height, target_lookbehind) of them.
    std::vector<TargetFields> window;
};

enum class TargetRule {
    ok,
    deferred,          // cannot be checked yet: too few ancestors known (not a failure)
    timestamp_future,  // ValueError 'Share timestamp is N seconds in the future!'
    timestamp_order,   // timestamp not after the parent's (share_info regenerated differs)
    max_bits,          // max_bits is not the pool's target (share_info regenerated differs)
    bits,              // bits outside [pre_target3 // 30, pre_target3] (likewise)
};

// "ok", "deferred", "share_timestamp_future", "share_timestamp_order", "share_max_bits",
// "share_bits": the names logs, metrics and penalties use.
const char* target_rule_name(TargetRule r);
// A failed check is misbehaviour (the reference bans the peer); ok and deferred are not.
bool target_rule_is_misbehaviour(TargetRule r);
// The protocol rule (util/rule.hpp) a share breaking `r` broke; Rule::none for ok and
// deferred.
Rule to_rule(TargetRule r);

// What the chain demands of a share at a given timestamp.
struct PoolTarget {
    Uint256 pre_target3{};       // the easiest target a share may have
    std::uint32_t max_bits = 0;  // from_target_upper_bound(pre_target3)
    Uint256 hardest{};           // pre_target3 // 30: the hardest target bits is raised to
};

// Whether attempt_verify would check a share with these ancestors now.
bool can_check(const TargetParams& params, const AncestorView& ancestors);

// pre_target3 and max_bits for a share at `timestamp` on `ancestors`; nullopt when the
// window holds fewer shares than the formula reads (min(parent_height, target_lookbehind)).
// Does not ask can_check: a miner computes its next share's target with it too.
std::optional<PoolTarget> pool_target(const TargetParams& params, const AncestorView& ancestors,
                                      std::uint32_t timestamp);

// The bits a share gets for a desired target: from_target_upper_bound(clip(desired,
// hardest, pre_target3)), as generate_transaction makes them.
std::uint32_t share_bits_for(const PoolTarget& pool, const Uint256& desired_target);

struct TargetVerdict {
    TargetRule rule = TargetRule::ok;
    std::string reason;                  // one line: the rule and the numbers
    std::optional<PoolTarget> demanded;  // set once computed
    bool ok() const { return rule == TargetRule::ok; }
};

// The checks above, in Share.check's order: the clock (when `now`, the receiver's Unix time,
// is given), whether the share can be checked yet (deferred if not), then its timestamp,
// max_bits and bits against the chain.
TargetVerdict check_share_target(const TargetParams& params, const AncestorView& ancestors,
                                 const TargetFields& share,
                                 std::optional<std::uint64_t> now = std::nullopt);

}  // namespace sharemsg::chain
