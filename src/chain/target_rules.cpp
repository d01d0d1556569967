#include "chain/target_rules.hpp"

#include <boost/multiprecision/cpp_int.hpp>

#include <algorithm>
#include <cassert>
#include <sstream>

#include "chain/target.hpp"

namespace sharemsg::chain {

namespace {

// Python's int: the formula's intermediate values exceed 256 bits (ref * 11 // 10, a
// FloatingInteger target of 2^2040, 2^256 // (target + 1) of a zero target).
using Big = boost::multiprecision::cpp_int;

Big to_big(const Uint256& v) {
    Big out = 0;
    for (std::size_t i = 32; i-- > 0;)
        out = (out << 8) | v[i];
    return out;
}

const Big& two_256() {
    static const Big v = Big(1) << 256;
    return v;
}

// Only for values below 2^256 (every clipped target is at most MAX_TARGET).
Uint256 to_u256(const Big& v) {
    assert(v >= 0 && v < two_256());
    Uint256 out{};
    Big x = v;
    for (std::size_t i = 0; i < 32; ++i) {
        out[i] = static_cast<Big>(x & 0xff).convert_to<std::uint8_t>();
        x >>= 8;
    }
    return out;
}

// FloatingInteger(bits).target, unbounded.
Big big_target(std::uint32_t bits) {
    Big out = bits & 0x00ffffffu;
    const int shift = 8 * (static_cast<int>(bits >> 24) - 3);
    if (shift >= 0)
        out <<= static_cast<unsigned>(shift);
    else
        out >>= static_cast<unsigned>(-shift);
    return out;
}

Big clip(const Big& x, const Big& low, const Big& high) {
    return x < low ? low : x > high ? high : x;
}

std::string hex_of(const Big& v) {
    std::ostringstream s;
    s << std::hex << v;
    return s.str();
}

std::string bits_hex(std::uint32_t bits) {
    static const char digits[] = "0123456789abcdef";
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i, bits >>= 4)
        s[static_cast<std::size_t>(i)] = digits[bits & 0xf];
    return s;
}

}  // namespace

const char* target_rule_name(TargetRule r) {
    switch (r) {
        case TargetRule::ok:
            return "ok";
        case TargetRule::deferred:
            return "deferred";
        case TargetRule::timestamp_future:
            return "share_timestamp_future";
        case TargetRule::timestamp_order:
            return "share_timestamp_order";
        case TargetRule::max_bits:
            return "share_max_bits";
        case TargetRule::bits:
            return "share_bits";
    }
    return "unknown";
}

bool target_rule_is_misbehaviour(TargetRule r) {
    return r != TargetRule::ok && r != TargetRule::deferred;
}

Rule to_rule(TargetRule r) {
    switch (r) {
        case TargetRule::ok:
        case TargetRule::deferred:
            return Rule::none;
        case TargetRule::timestamp_future:
            return Rule::share_timestamp_future;
        case TargetRule::timestamp_order:
            return Rule::share_timestamp_order;
        case TargetRule::max_bits:
            return Rule::share_max_bits;
        case TargetRule::bits:
            return Rule::share_bits;
    }
    return Rule::none;
}

bool can_check(const TargetParams& params, const AncestorView& ancestors) {
    // attempt_verify: height(share) = parent_height + 1 >= CHAIN_LENGTH + 1, or last is None.
    return ancestors.reaches_first_share || ancestors.parent_height >= params.chain_length;
}

std::optional<PoolTarget> pool_target(const TargetParams& params, const AncestorView& ancestors,
                                      std::uint32_t timestamp) {
    assert(params.share_period_s > 0 && params.target_lookbehind >= 2);
    const Big max_target = to_big(params.max_target);
    Big pre_target3;
    if (ancestors.parent_height < params.target_lookbehind) {
        pre_target3 = max_target;
    } else {
        const std::size_t dist = params.target_lookbehind;
        if (ancestors.window.size() < dist) return std::nullopt;
        const TargetFields& near = ancestors.window.front();
        const TargetFields& far = ancestors.window[dist - 1];
        Big attempts = 0;
        for (std::size_t i = 0; i + 1 < dist; ++i)
            attempts += two_256() / (big_target(ancestors.window[i].max_bits) + 1);
        const std::int64_t dt = std::int64_t{near.timestamp} - std::int64_t{far.timestamp};
        const Big time = dt <= 0 ? Big(1) : Big(dt);
        const Big aps = attempts / time;
        const Big period = params.share_period_s;
        const Big pre_target = aps != 0 ? Big(two_256() / (period * aps) - 1) : Big(two_256() - 1);

        const Big prev_max_target = big_target(near.max_bits);
        Big ref = prev_max_target;
        const std::int64_t since =
            std::max<std::int64_t>(0, std::int64_t{timestamp} - std::int64_t{near.timestamp});
        const std::int64_t threshold = std::int64_t{params.share_period_s} * 20;
        if (since > threshold) {
            const std::int64_t half_life = std::int64_t{params.share_period_s} * 10;
            const std::int64_t excess = since - threshold;
            const std::int64_t halvings = excess / half_life;
            const std::int64_t remainder = excess % half_life;
            if (prev_max_target == 0) {
                ref = 0;
            } else if (halvings >= 256) {
                ref = max_target;  // (mt << halvings) > 2^256 > MAX_TARGET: min() gives MAX_TARGET
            } else {
                Big eased = prev_max_target << static_cast<unsigned>(halvings);
                eased = eased * (half_life + remainder) / half_life;
                ref = eased < max_target ? eased : max_target;
            }
        }
        const Big pre_target2 = clip(pre_target, ref * 9 / 10, ref * 11 / 10);
        pre_target3 = clip(pre_target2, to_big(params.min_target), max_target);
    }
    PoolTarget out;
    out.pre_target3 = to_u256(pre_target3);
    out.max_bits = bits_from_target_upper_bound(out.pre_target3);
    out.hardest = to_u256(pre_target3 / 30);
    return out;
}

std::uint32_t share_bits_for(const PoolTarget& pool, const Uint256& desired_target) {
    const Big t = clip(to_big(desired_target), to_big(pool.hardest), to_big(pool.pre_target3));
    return bits_from_target_upper_bound(to_u256(t));
}

TargetVerdict check_share_target(const TargetParams& params, const AncestorView& ancestors,
                                 const TargetFields& share, std::optional<std::uint64_t> now) {
    TargetVerdict v;
    if (now && share.timestamp > *now + params.max_timestamp_ahead_s) {
        v.rule = TargetRule::timestamp_future;
        v.reason = "share timestamp is " + std::to_string(share.timestamp - *now) +
                   " seconds in the future (at most " +
                   std::to_string(params.max_timestamp_ahead_s) + ")";
        return v;
    }
    if (!can_check(params, ancestors)) {
        v.rule = TargetRule::deferred;
        v.reason = "cannot be checked yet: " + std::to_string(ancestors.parent_height) +
                   " ancestors known, " + std::to_string(params.chain_length) +
                   " or the chain's first share needed";
        return v;
    }
    if (ancestors.parent_height > 0 && !ancestors.window.empty() &&
        share.timestamp <= ancestors.window.front().timestamp) {
        v.rule = TargetRule::timestamp_order;
        v.reason = "share timestamp " + std::to_string(share.timestamp) +
                   " is not after its parent's " +
                   std::to_string(ancestors.window.front().timestamp);
        return v;
    }
    const auto pool = pool_target(params, ancestors, share.timestamp);
    if (!pool) {
        v.rule = TargetRule::deferred;
        v.reason = "cannot be checked yet: " + std::to_string(ancestors.window.size()) +
                   " of the " + std::to_string(params.target_lookbehind) +
                   " shares the target is computed from are known";
        return v;
    }
    v.demanded = pool;
    if (share.max_bits != pool->max_bits) {
        v.rule = TargetRule::max_bits;
        v.reason = "max_bits " + bits_hex(share.max_bits) + " is not the pool's " +
                   bits_hex(pool->max_bits) + " (pre_target3 " + hex_of(to_big(pool->pre_target3)) +
                   "; the reference regenerates share_info: gentx doesn't match hash_link)";
        return v;
    }
    const Big target = big_target(share.bits);
    const Big regenerated = clip(target, to_big(pool->hardest), to_big(pool->pre_target3));
    if (bits_from_target_upper_bound(to_u256(regenerated)) != share.bits) {
        v.rule = TargetRule::bits;
        v.reason = "bits " + bits_hex(share.bits) + " (target " + hex_of(target) +
                   ") is not a target the pool allows: from " + hex_of(to_big(pool->hardest)) +
                   " to " + hex_of(to_big(pool->pre_target3)) +
                   " (the reference regenerates share_info: gentx doesn't match hash_link)";
        return v;
    }
    v.reason = "ok";
    return v;
}

}  // namespace sharemsg::chain
