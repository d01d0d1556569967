#include "chain/pow.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "chain/hash_link.hpp"
#include "chain/target.hpp"

namespace sharemsg::chain {

const char* pow_rule_name(PowRule r) {
    switch (r) {
        case PowRule::ok:
            return "ok";
        case PowRule::bad_coinbase_size:
            return "bad_coinbase_size";
        case PowRule::ref_hash:
            return "ref_hash";
        case PowRule::hash_link:
            return "hash_link";
        case PowRule::segwit_data_missing:
            return "segwit_data_missing";
        case PowRule::merkle_link:
            return "merkle_link";
        case PowRule::header_version:
            return "header_version";
        case PowRule::target_invalid:
            return "target_invalid";
        case PowRule::target_above_max_target:
            return "target_above_max_target";
        case PowRule::pow_invalid:
            return "pow_invalid";
        case PowRule::hash_mismatch:
            return "hash_mismatch";
    }
    return "unknown";
}

bool pow_rule_is_misbehaviour(PowRule r) {
    return r == PowRule::target_invalid || r == PowRule::target_above_max_target ||
           r == PowRule::pow_invalid || r == PowRule::hash_mismatch;
}

Rule to_rule(PowRule r) {
    switch (r) {
        case PowRule::ok:
            return Rule::none;
        case PowRule::bad_coinbase_size:
            return Rule::bad_coinbase_size;
        case PowRule::ref_hash:
            return Rule::ref_hash;
        case PowRule::hash_link:
            return Rule::hash_link;
        case PowRule::segwit_data_missing:
            return Rule::segwit_data_missing;
        case PowRule::merkle_link:
            return Rule::merkle_link;
        case PowRule::header_version:
            return Rule::header_version;
        case PowRule::target_invalid:
            return Rule::target_invalid;
        case PowRule::target_above_max_target:
            return Rule::target_above_max_target;
        case PowRule::pow_invalid:
            return Rule::pow_invalid;
        case PowRule::hash_mismatch:
            return Rule::hash_mismatch;
    }
    return Rule::none;
}

Result<BlockHeader> block_header_bytes(const SmallBlockHeader& h,
                                       const crypto::Hash256& merkle_root) {
    if (h.version > 0xffffffffULL)
        return make_error(Errc::invalid_argument, "min_header.version " +
                                                      std::to_string(h.version) +
                                                      " does not fit the block header's 32 bits");
    BlockHeader out{};
    auto put32 = [&](std::size_t at, std::uint32_t v) {
        for (std::size_t i = 0; i < 4; ++i)
            out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    put32(0, static_cast<std::uint32_t>(h.version));
    if (h.previous_block)
        std::copy(h.previous_block->begin(), h.previous_block->end(), out.begin() + 4);
    std::copy(merkle_root.begin(), merkle_root.end(), out.begin() + 36);
    put32(68, h.timestamp);
    put32(72, h.bits);
    put32(76, h.nonce);
    return out;
}

crypto::Hash256 scrypt_1024_1_1(ByteView data) {
    crypto::Hash256 out{};
    static const std::uint8_t empty = 0;
    const auto* p = reinterpret_cast<const char*>(data.empty() ? &empty : data.data());
    if (EVP_PBE_scrypt(p, data.size(), data.empty() ? &empty : data.data(), data.size(), 1024, 1, 1,
                       0, out.data(), out.size()) != 1)
        throw std::runtime_error("EVP_PBE_scrypt failed");
    return out;
}

crypto::Hash256 pow_hash(PowFunc f, ByteView header) {
    return f == PowFunc::scrypt ? scrypt_1024_1_1(header) : crypto::sha256d(header);
}

namespace {

PowVerdict fail(PowRule rule, std::string reason,
                std::optional<VerifiedShare> computed = std::nullopt) {
    return PowVerdict{rule, std::move(reason), std::move(computed)};
}

}  // namespace

PowVerdict check_share_pow(const PowParams& params, const Share& share,
                           const std::optional<crypto::Hash256>& expected_hash) {
    const ShareInfo& info = share.share_info;
    const std::size_t coinbase_size = info.share_data.coinbase.size();
    if (coinbase_size < 2 || coinbase_size > 100)
        return fail(PowRule::bad_coinbase_size,
                    "bad coinbase size! " + std::to_string(coinbase_size) + " bytes");

    VerifiedShare v;
    auto ref = ref_hash(params.identifier, info, share.ref_merkle_link, share.message_data);
    if (!ref) return fail(PowRule::ref_hash, ref.error().reason);
    v.ref_hash = *ref;

    const ByteArray<44> data = hash_link_data(v.ref_hash, share.last_txout_nonce);
    auto gentx = check_hash_link(share.hash_link, data, params.gentx_before_refhash);
    if (!gentx) return fail(PowRule::hash_link, gentx.error().reason);
    v.gentx_hash = *gentx;

    const MerkleLink* link = &share.merkle_link;
    if (params.segwit_activated) {
        if (!info.segwit_data)
            return fail(PowRule::segwit_data_missing,
                        "share_info.segwit_data is None on a segwit network (no txid merkle link)");
        link = &info.segwit_data->txid_merkle_link;
    }
    auto root = check_merkle_link(v.gentx_hash, *link);
    if (!root) return fail(PowRule::merkle_link, root.error().reason);
    v.merkle_root = *root;

    auto header = block_header_bytes(share.min_header, v.merkle_root);
    if (!header) return fail(PowRule::header_version, header.error().reason);
    v.header = *header;
    v.pow_hash = pow_hash(params.pow, v.header);
    v.share_hash = crypto::sha256d(v.header);

    // The target rules, in the reference's order.
    const auto target = target_from_bits(info.bits);
    if (!target || compare_uint256(*target, params.max_target) > 0)
        return fail(PowRule::target_invalid,
                    "share target invalid: bits " + to_hex(le_from_u64<4>(info.bits)) +
                        " give target " +
                        (target ? to_int_hex(*target) : std::string("2^256 or more")) +
                        " > network MAX_TARGET " + to_int_hex(params.max_target),
                    v);
    v.target = *target;
    v.work = target_to_average_attempts(v.target);
    const auto max_target = target_from_bits(info.max_bits);
    if (max_target && compare_uint256(v.target, *max_target) > 0)
        return fail(PowRule::target_above_max_target,
                    "share target " + to_int_hex(v.target) + " exceeds max_target " +
                        to_int_hex(*max_target) + " -- too easy",
                    v);
    if (compare_uint256(v.pow_hash, v.target) > 0)
        return fail(PowRule::pow_invalid,
                    "share PoW invalid: pow hash " + to_int_hex(v.pow_hash) + " > target " +
                        to_int_hex(v.target) + " (share hash " + to_int_hex(v.share_hash) +
                        "; the header no longer carries the work, e.g. message_data or share_info "
                        "was altered)",
                    v);
    if (expected_hash && *expected_hash != v.share_hash)
        return fail(PowRule::hash_mismatch,
                    "share hash " + to_int_hex(v.share_hash) + " is not the expected " +
                        to_int_hex(*expected_hash) +
                        " (contents altered: the PoW holds only by chance at this target)",
                    v);
    return PowVerdict{PowRule::ok, "ok", std::move(v)};
}

namespace {
Result<VerifiedShare> to_result(PowVerdict verdict) {
    if (!verdict.valid())
        return make_error(Errc::invalid_argument, to_rule(verdict.rule),
                          std::string(pow_rule_name(verdict.rule)) + ": " + verdict.reason);
    return std::move(*verdict.computed);
}
}  // namespace

Result<VerifiedShare> verify_share_pow(const PowParams& params, const Share& share) {
    return to_result(check_share_pow(params, share));
}

Result<VerifiedShare> verify_share_pow(const PowParams& params, const Share& share,
                                       const crypto::Hash256& expected_hash) {
    return to_result(check_share_pow(params, share, expected_hash));
}

}  // namespace sharemsg::chain
