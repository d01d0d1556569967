#include "chain/devnet.hpp"

#include <algorithm>

#include "chain/gentx.hpp"
#include "chain/hash_link.hpp"
#include "chain/pack.hpp"
#include "chain/target.hpp"

namespace sharemsg::chain {

namespace {

constexpr std::size_t gentx_suffix_size = 32 + 8 + 4;  // ref_hash, last_txout_nonce, lock_time

// A minimal data push of a non-negative script number (BIP34's height push in spirit).
Bytes height_push(std::uint32_t height) {
    Bytes num;
    for (std::uint32_t v = height; v != 0; v >>= 8)
        num.push_back(static_cast<std::uint8_t>(v));
    if (!num.empty() && (num.back() & 0x80) != 0) num.push_back(0);  // keep it positive
    Bytes out{static_cast<std::uint8_t>(num.size())};
    append(out, num);
    return out;
}

}  // namespace

Result<ShareInfo> devnet_share_info(const PowParams& params, const DevnetShareSpec& spec) {
    const std::uint32_t default_bits = bits_from_target_upper_bound(params.max_target);
    const std::uint32_t bits = spec.bits != 0 ? spec.bits : default_bits;
    const std::uint32_t max_bits = spec.max_bits != 0 ? spec.max_bits : default_bits;
    const auto target = target_from_bits(bits);
    const auto max_target = target_from_bits(max_bits);
    if (!target || compare_uint256(*target, params.max_target) > 0)
        return make_error(Errc::invalid_argument,
                          "devnet share: bits give a target above the network's MAX_TARGET");
    if (max_target && compare_uint256(*target, *max_target) > 0)
        return make_error(Errc::invalid_argument,
                          "devnet share: bits give a target above max_bits' target");

    ShareInfo info;
    ShareData& d = info.share_data;
    const std::uint32_t absheight =
        spec.previous ? spec.previous->absheight + 1 : 1;  // % 2^32, as the reference
    d.previous_share_hash =
        spec.previous ? std::optional<Uint256>(spec.previous->hash) : std::nullopt;
    if (d.previous_share_hash && is_zero(*d.previous_share_hash))
        return make_error(Errc::invalid_argument,
                          "devnet share: a previous share hash of 0 means None");
    d.coinbase = height_push(absheight);
    append(d.coinbase, spec.coinbase_tag);
    if (d.coinbase.size() < 2 || d.coinbase.size() > 100)
        return make_error(Errc::invalid_argument, "devnet share: coinbase of " +
                                                      std::to_string(d.coinbase.size()) +
                                                      " bytes (2..100 allowed)");
    d.nonce = spec.share_nonce;
    d.pubkey_hash = spec.pubkey_hash;
    d.pubkey_type = spec.pubkey_type;
    d.subsidy = spec.subsidy;
    d.donation = spec.donation;
    d.stale_info = stale_info::none;
    d.desired_version = V36_SHARE_VERSION;
    if (params.segwit_activated)
        info.segwit_data = SegwitData{MerkleLink{}, Uint256{}};  // merkle_hash([0]) = 0
    info.far_share_hash = spec.far_share_hash;
    info.merged_payout_hash = spec.merged_payout_hash;
    info.merged_coinbase_info = spec.merged_coinbase_info;
    info.max_bits = max_bits;
    info.bits = bits;
    info.timestamp =
        spec.previous ? std::max(spec.timestamp, spec.previous->timestamp + 1) : spec.timestamp;
    info.absheight = absheight;
    const unsigned __int128 work = target_to_average_attempts(*target);
    const unsigned __int128 abswork = (spec.previous ? spec.previous->abswork : 0) + work;
    if (abswork > 0xffffffffffffffffULL)
        return make_error(Errc::invalid_argument,
                          "devnet share: abswork does not fit V36's VarInt");
    info.abswork = static_cast<std::uint64_t>(abswork);
    return info;
}

Bytes devnet_gentx(const PowParams& params, const ShareInfo& info, const crypto::Hash256& ref_hash,
                   std::uint64_t last_txout_nonce) {
    const ShareData& d = info.share_data;
    unsigned __int128 donation_amount =
        static_cast<unsigned __int128>(d.subsidy) * d.donation / 65535;
    if (donation_amount == 0 && d.subsidy > 0)
        donation_amount = 1;  // the donation output is never empty
    const TxOut outputs[] = {
        {d.subsidy - static_cast<std::uint64_t>(donation_amount),
         payout_script(d.pubkey_type, d.pubkey_hash)},
        {static_cast<std::uint64_t>(donation_amount),
         Bytes(COMBINED_DONATION_SCRIPT.begin(), COMBINED_DONATION_SCRIPT.end())},
    };
    std::optional<Uint256> witness_root;
    if (params.segwit_activated)
        witness_root = info.segwit_data ? info.segwit_data->wtxid_merkle_root : Uint256{};
    return write_v36_gentx(d.coinbase, witness_root, outputs, ref_hash, last_txout_nonce);
}

namespace {

// Commits to `info` (its gentx made by make_gentx from the ref_hash) and mines the share.
template <class MakeGentx>
Result<DevnetShare> mine(const PowParams& params, const DevnetShareSpec& spec, ShareInfo info,
                         MakeGentx&& make_gentx) {
    DevnetShare out;
    Share& sh = out.share;
    sh.share_info = std::move(info);
    sh.message_data = message_data_or_none(spec.message_data);
    sh.last_txout_nonce = spec.last_txout_nonce;
    auto ref = ref_hash(params.identifier, sh.share_info, sh.ref_merkle_link, sh.message_data);
    if (!ref) return ref.error();

    Result<Bytes> gentx = make_gentx(sh.share_info, *ref);
    if (!gentx) return gentx.error();
    out.gentx = std::move(*gentx);
    const ByteView prefix = ByteView(out.gentx).first(out.gentx.size() - gentx_suffix_size);
    auto link = prefix_to_hash_link(prefix, params.gentx_before_refhash);
    if (!link) return link.error();  // a gentx_before_refhash this gentx shape does not end with
    sh.hash_link = std::move(*link);

    sh.min_header.version = 0x20000000;
    sh.min_header.previous_block = std::nullopt;  // no parent chain on the devnet
    sh.min_header.timestamp = sh.share_info.timestamp;
    sh.min_header.bits = sh.share_info.bits;
    sh.min_header.nonce = spec.header_nonce_start;

    const crypto::Hash256 merkle_root = crypto::sha256d(out.gentx);  // the only transaction
    auto header = block_header_bytes(sh.min_header, merkle_root);
    if (!header) return header.error();
    const Uint256 target = *target_from_bits(sh.share_info.bits);  // checked by devnet_share_info

    for (std::uint64_t i = 0; i < spec.max_attempts; ++i) {
        const auto nonce = static_cast<std::uint32_t>(spec.header_nonce_start + i);
        for (std::size_t k = 0; k < 4; ++k)
            (*header)[76 + k] = static_cast<std::uint8_t>(nonce >> (8 * k));
        if (compare_uint256(pow_hash(params.pow, *header), target) > 0) continue;
        sh.min_header.nonce = nonce;
        out.attempts = i + 1;
        auto verified = verify_share_pow(params, sh);
        if (!verified) return verified.error();  // a bug: the builder disagrees with the verifier
        out.verified = std::move(*verified);
        return out;
    }
    return make_error(Errc::not_found, "devnet share: no header nonce met the target in " +
                                           std::to_string(spec.max_attempts) + " attempts");
}

}  // namespace

Result<DevnetShare> build_devnet_share(const PowParams& params, const DevnetShareSpec& spec) {
    auto info = devnet_share_info(params, spec);
    if (!info) return info.error();
    return mine(params, spec, std::move(*info),
                [&](const ShareInfo& i, const crypto::Hash256& ref) -> Result<Bytes> {
                    return devnet_gentx(params, i, ref, spec.last_txout_nonce);
                });
}

Result<DevnetShare> build_devnet_share(const PowParams& params, const GentxParams& gentx_params,
                                       const DevnetShareSpec& spec, const GentxChain& chain) {
    if (spec.previous.has_value() != (chain.parent_height > 0))
        return make_error(Errc::invalid_argument,
                          "devnet share: spec.previous and the chain disagree on a parent");
    if (spec.previous && (chain.window.empty() || chain.window.front().hash != spec.previous->hash))
        return make_error(Errc::invalid_argument,
                          "devnet share: the chain's first share is not spec.previous");
    DevnetShareSpec s = spec;
    const std::uint32_t default_bits = bits_from_target_upper_bound(params.max_target);
    auto fields = derive_chain_fields(gentx_params, chain, s.bits != 0 ? s.bits : default_bits);
    if (!fields) return fields.error();
    if (s.previous) {
        s.previous->absheight = chain.window.front().absheight;
        s.previous->abswork = chain.window.front().abswork;
    }
    s.far_share_hash = fields->far_share_hash;
    auto info = devnet_share_info(params, s);
    if (!info) return info.error();
    info->merged_payout_hash = fields->merged_payout_hash;
    return mine(params, s, std::move(*info), [&](const ShareInfo& i, const crypto::Hash256& ref) {
        return build_v36_gentx(gentx_params, chain, i, ref, s.last_txout_nonce);
    });
}

}  // namespace sharemsg::chain
