#include "chain/gentx.hpp"

#include <algorithm>
#include <tuple>

#include "chain/pack.hpp"
#include "chain/target.hpp"

namespace sharemsg::chain {

namespace {

constexpr std::size_t MAX_PAYEES = 4000;          // dests[-4000:] (data.py:1091)
constexpr std::uint64_t FAR_SHARE_DISTANCE = 99;  // get_nth_parent_hash(prev, 99)

std::size_t window_size(const GentxParams& params, const GentxChain& chain) {
    return static_cast<std::size_t>(
        std::min<std::uint64_t>(chain.parent_height, params.real_chain_length));
}

// Whether far_share_hash is the 99th parent (read from the window) rather than None.
bool far_share_is_read(const GentxChain& chain) {
    return !(chain.reaches_first_share && chain.parent_height <= FAR_SHARE_DISTANCE);
}

std::string hex_or_none(const std::optional<Uint256>& v) {
    return v ? to_int_hex(*v) : std::string("None");
}

std::string u128_decimal(unsigned __int128 v) {
    if (v == 0) return "0";
    std::string s;
    for (; v != 0; v /= 10)
        s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    return s;
}

unsigned __int128 low_128(const WideUint& v) {
    const WideUint mask = (WideUint(1) << 128) - 1;
    const WideUint low = v & mask;
    const auto lo = static_cast<std::uint64_t>(low & 0xffffffffffffffffULL);
    const auto hi = static_cast<std::uint64_t>(low >> 64);
    return static_cast<unsigned __int128>(hi) << 64 | lo;
}

GentxVerdict fail(GentxRule rule, std::string reason, std::optional<ChainFields> derived) {
    GentxVerdict v;
    v.rule = rule;
    v.reason = std::string(gentx_rule_name(rule)) + ": " + std::move(reason);
    v.derived = std::move(derived);
    return v;
}

}  // namespace

bool can_check_gentx(const GentxParams& params, const GentxChain& chain) {
    if (!(chain.parent_height >= params.real_chain_length || chain.reaches_first_share))
        return false;
    if (chain.window.size() < window_size(params, chain)) return false;
    if (chain.parent_height > 0 && far_share_is_read(chain) &&
        chain.window.size() <= FAR_SHARE_DISTANCE)
        return false;
    return true;
}

namespace {

Error too_short(const char* what) {
    return make_error(Errc::invalid_argument,
                      std::string("gentx: the chain below is too short to ") + what);
}

// derive_chain_fields on a checkable chain.
ChainFields derive_fields(const GentxParams& params, const GentxChain& chain, std::uint32_t bits) {
    const WideUint work = average_attempts_of_bits(bits);
    ChainFields f;
    if (chain.parent_height == 0) {
        f.absheight = 1;
        f.abswork = low_128(work);
        return f;  // no parent: far_share_hash and merged_payout_hash are None
    }
    const GentxAncestor& parent = chain.window.front();
    f.absheight = parent.absheight + 1;  // % 2^32
    f.abswork = low_128(WideUint(parent.abswork) + work);
    if (far_share_is_read(chain)) f.far_share_hash = chain.window[FAR_SHARE_DISTANCE].hash;
    f.merged_payout_hash =
        merged_payout_hash(merged_weights(chain.window, window_size(params, chain)));
    return f;
}

// v36_payouts on a checkable chain.
Result<std::vector<TxOut>> payouts(const GentxParams& params, const GentxChain& chain,
                                   std::uint64_t subsidy) {
    const PplnsWeights w =
        decayed_weights(chain.window, window_size(params, chain), params.chain_length);
    if (!w.weights.empty() && w.total == 0)
        return make_error(Errc::invalid_argument, "gentx: PPLNS total weight is 0");
    // The reference's 'PPLNS weight mismatch' (data.py:1010): only a share cut by the 2^288
    // cap can round its parts below the total (windows above 65536 shares).
    WideUint sum = w.donation;
    for (const auto& kv : w.weights)
        sum += kv.second;
    if (sum != w.total)
        return make_error(Errc::invalid_argument, "gentx: PPLNS weight mismatch at the cap");

    // amounts by script; every amount <= subsidy * weight // total, so their sum <= subsidy.
    std::map<Bytes, std::uint64_t> amounts;
    std::uint64_t paid = 0;
    for (const auto& [script, weight] : w.weights) {
        const auto amount = static_cast<std::uint64_t>(WideUint(subsidy) * weight / w.total);
        amounts.emplace(script, amount);
        paid += amount;
    }
    std::uint64_t donation = subsidy - paid;
    if (donation < 1 && subsidy > 0) {
        // The donation output is at least 1 satoshi: the largest (amount, script) gives it.
        auto largest = amounts.begin();
        for (auto it = amounts.begin(); it != amounts.end(); ++it)
            if (std::tie(it->second, it->first) > std::tie(largest->second, largest->first))
                largest = it;
        largest->second -= 1;
        donation = 1;
    }
    const Bytes donation_script(COMBINED_DONATION_SCRIPT.begin(), COMBINED_DONATION_SCRIPT.end());
    amounts[donation_script] += donation;

    std::vector<std::pair<std::uint64_t, const Bytes*>> dests;
    dests.reserve(amounts.size());
    for (const auto& [script, amount] : amounts)
        if (script != donation_script) dests.emplace_back(amount, &script);
    std::sort(dests.begin(), dests.end(), [](const auto& a, const auto& b) {
        return std::tie(a.first, *a.second) < std::tie(b.first, *b.second);
    });
    const std::size_t first = dests.size() > MAX_PAYEES ? dests.size() - MAX_PAYEES : 0;

    std::vector<TxOut> out;
    out.reserve(dests.size() - first + 1);
    for (std::size_t i = first; i < dests.size(); ++i)
        if (dests[i].first != 0) out.push_back(TxOut{dests[i].first, *dests[i].second});
    out.push_back(TxOut{amounts[donation_script], donation_script});
    return out;
}

Result<Bytes> build_gentx(const GentxParams& params, const GentxChain& chain,
                          const ShareInfo& share_info, const crypto::Hash256& ref_hash,
                          std::uint64_t last_txout_nonce) {
    auto outputs = payouts(params, chain, share_info.share_data.subsidy);
    if (!outputs) return outputs.error();
    std::optional<Uint256> witness_root;
    if (params.segwit_activated && share_info.segwit_data)
        witness_root = share_info.segwit_data->wtxid_merkle_root;
    return write_v36_gentx(share_info.share_data.coinbase, witness_root, *outputs, ref_hash,
                           last_txout_nonce);
}

}  // namespace

Result<ChainFields> derive_chain_fields(const GentxParams& params, const GentxChain& chain,
                                        std::uint32_t bits) {
    if (!can_check_gentx(params, chain)) return too_short("derive share_info from");
    return derive_fields(params, chain, bits);
}

Result<std::vector<TxOut>> v36_payouts(const GentxParams& params, const GentxChain& chain,
                                       std::uint64_t subsidy) {
    if (!can_check_gentx(params, chain)) return too_short("compute payouts from");
    return payouts(params, chain, subsidy);
}

Bytes write_coinbase_tx(ByteView script_sig, std::span<const TxOut> outputs) {
    ByteWriter w;
    w.u32le(1);  // version
    write_var_int(w, 1);
    w.bytes(ByteArray<32>{});  // previous_output None: hash 0 ...
    w.u32le(0xffffffff);       // ... index 2^32 - 1
    write_var_int(w, script_sig.size());
    w.bytes(script_sig);
    w.u32le(0xffffffff);  // sequence None
    write_var_int(w, outputs.size());
    for (const TxOut& o : outputs) {
        w.u64le(o.value);
        write_var_int(w, o.script.size());
        w.bytes(o.script);
    }
    w.u32le(0);  // lock_time
    return std::move(w).take();
}

Bytes write_v36_gentx(ByteView coinbase, const std::optional<Uint256>& witness_root,
                      std::span<const TxOut> outputs, const crypto::Hash256& ref_hash,
                      std::uint64_t last_txout_nonce) {
    std::vector<TxOut> all;
    all.reserve(outputs.size() + 2);
    if (witness_root) {
        // get_witness_commitment_hash(wtxid_merkle_root, '[P2Pool]' * 4), data.py:1071-1074.
        ByteArray<64> pair{};
        std::copy(witness_root->begin(), witness_root->end(), pair.begin());
        static constexpr char reserved[] = "[P2Pool][P2Pool][P2Pool][P2Pool]";
        std::copy(reserved, reserved + 32, pair.begin() + 32);
        Bytes script{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
        append(script, crypto::sha256d(pair));
        all.push_back(TxOut{0, std::move(script)});
    }
    all.insert(all.end(), outputs.begin(), outputs.end());
    Bytes commitment{0x6a, 0x28};
    append(commitment, ref_hash);
    for (int i = 0; i < 8; ++i)
        commitment.push_back(static_cast<std::uint8_t>(last_txout_nonce >> (8 * i)));
    all.push_back(TxOut{0, std::move(commitment)});
    return write_coinbase_tx(coinbase, all);
}

Result<Bytes> build_v36_gentx(const GentxParams& params, const GentxChain& chain,
                              const ShareInfo& share_info, const crypto::Hash256& ref_hash,
                              std::uint64_t last_txout_nonce) {
    if (!can_check_gentx(params, chain)) return too_short("compute payouts from");
    return build_gentx(params, chain, share_info, ref_hash, last_txout_nonce);
}

const char* gentx_rule_name(GentxRule r) {
    switch (r) {
        case GentxRule::ok:
            return "ok";
        case GentxRule::deferred:
            return "deferred";
        case GentxRule::absheight:
            return "share_absheight";
        case GentxRule::abswork:
            return "share_abswork";
        case GentxRule::far_share_hash:
            return "share_far_share_hash";
        case GentxRule::merged_payout_hash:
            return "share_merged_payout_hash";
        case GentxRule::gentx_mismatch:
            return "share_gentx_mismatch";
    }
    return "unknown";
}

bool gentx_rule_is_misbehaviour(GentxRule r) {
    return r != GentxRule::ok && r != GentxRule::deferred;
}

Rule to_rule(GentxRule r) {
    switch (r) {
        case GentxRule::ok:
        case GentxRule::deferred:
            return Rule::none;
        case GentxRule::absheight:
            return Rule::share_absheight;
        case GentxRule::abswork:
            return Rule::share_abswork;
        case GentxRule::far_share_hash:
            return Rule::share_far_share_hash;
        case GentxRule::merged_payout_hash:
            return Rule::share_merged_payout_hash;
        case GentxRule::gentx_mismatch:
            return Rule::share_gentx_mismatch;
    }
    return Rule::none;
}

GentxVerdict check_share_gentx(const GentxParams& params, const GentxChain& chain,
                               const Share& share, const VerifiedShare& verified) {
    if (!can_check_gentx(params, chain)) {
        GentxVerdict v;
        v.rule = GentxRule::deferred;
        v.reason = "deferred: cannot be checked yet: " + std::to_string(chain.parent_height) +
                   " ancestors known (" + std::to_string(chain.window.size()) + " given), " +
                   std::to_string(params.real_chain_length) + " or the chain's first share needed";
        return v;
    }
    const ShareInfo& info = share.share_info;
    const ChainFields f = derive_fields(params, chain, info.bits);
    if (info.absheight != f.absheight)
        return fail(GentxRule::absheight,
                    "absheight " + std::to_string(info.absheight) + " is not " +
                        std::to_string(f.absheight) + " (the parent's + 1)",
                    f);
    if (static_cast<unsigned __int128>(info.abswork) != f.abswork)
        return fail(GentxRule::abswork,
                    "abswork " + std::to_string(info.abswork) + " is not " +
                        u128_decimal(f.abswork) + " (the parent's + this share's work)",
                    f);
    if (info.far_share_hash != f.far_share_hash)
        return fail(GentxRule::far_share_hash,
                    "far_share_hash " + hex_or_none(info.far_share_hash) + " is not " +
                        hex_or_none(f.far_share_hash) + " (the parent's 99th parent)",
                    f);
    if (info.merged_payout_hash != f.merged_payout_hash)
        return fail(GentxRule::merged_payout_hash,
                    "merged_payout_hash " + hex_or_none(info.merged_payout_hash) + " is not " +
                        hex_or_none(f.merged_payout_hash) + " (of " +
                        std::to_string(window_size(params, chain)) + " shares' merged weights)",
                    f);
    auto gentx = build_gentx(params, chain, info, verified.ref_hash, share.last_txout_nonce);
    if (!gentx) return fail(GentxRule::gentx_mismatch, gentx.error().reason, f);
    const crypto::Hash256 txid = crypto::sha256d(*gentx);
    if (txid != verified.gentx_hash)
        return fail(GentxRule::gentx_mismatch,
                    "gentx doesn't match hash_link: txid " + to_int_hex(txid) + " of " +
                        std::to_string(gentx->size()) + " bytes paying " +
                        std::to_string(info.share_data.subsidy) + " over a window of " +
                        std::to_string(window_size(params, chain)) +
                        " shares is not the hash link's " + to_int_hex(verified.gentx_hash),
                    f);
    GentxVerdict v;
    v.derived = f;
    return v;
}

}  // namespace sharemsg::chain
