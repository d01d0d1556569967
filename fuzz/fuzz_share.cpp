// Fuzz target: the V36 share decoder (chain::unpack_versioned_share + chain::decode_share),
// the bytes a peer sends in `shares` and `sharereply`, and what is computed from them.
//
// Input: one versioned share, as on the wire (VarInt type, VarStr contents).
// Properties:
//   - decoding never crashes, reads out of bounds or allocates beyond the input's size;
//   - a decoded wrapper packs back to exactly the input (decoding is strict: canonical
//     CompactSize, no trailing bytes);
//   - only type 36 decodes, anything else is Errc::bad_version;
//   - a decoded share packs (pack_share) to exactly the contents, unpacks from them to
//     itself, and wrap_share + pack_versioned_share re-produce the input exactly;
//   - message_data is never present-and-empty after decoding;
//   - check_share_pow on the devnet (sha256d, no segwit) and Litecoin testnet (scrypt,
//     segwit) never crashes; a valid verdict carries the computed share, and the devnet
//     verdict with the computed hash as expected_hash is the same, with another hash
//     hash_mismatch (the verdict's value otherwise does not matter: fuzzed shares rarely
//     carry work);
//   - every decoded list is within the network's bound (share_info_layout.hpp: 32 hashes
//     per merkle branch, 16 merged chains);
//   - the difficulty rule (check_share_target) on the devnet's and Litecoin's numbers, with
//     the share's own fields as its ancestors', never crashes and is deterministic;
//   - the V36 message_data rule with the mainnet authorities never crashes, and is
//     ok_empty exactly when the share has no message_data.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "chain/pow.hpp"
#include "chain/pow_params.hpp"
#include "chain/share.hpp"
#include "chain/target.hpp"
#include "chain/target_rules.hpp"
#include "fuzz_common.hpp"
#include "p2p/params.hpp"
#include "proto/authority.hpp"
#include "proto/envelope.hpp"

using namespace sharemsg;

namespace {

bool equal_bytes(ByteView a, ByteView b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

void check_pow(const chain::PowParams& params, const chain::Share& share,
               bool expected_hash_checks) {
    const auto v = chain::check_share_pow(params, share);
    FUZZ_CHECK(chain::pow_rule_name(v.rule) != nullptr);
    if (v.valid()) FUZZ_CHECK(v.computed.has_value());
    if (!expected_hash_checks || !v.computed) return;

    // The share hash only adds a comparison after every other rule.
    const auto same = chain::check_share_pow(params, share, v.computed->share_hash);
    FUZZ_CHECK(same.rule == v.rule);
    if (v.valid()) {
        crypto::Hash256 other = v.computed->share_hash;
        other[0] ^= 1;
        FUZZ_CHECK(chain::check_share_pow(params, share, other).rule ==
                   chain::PowRule::hash_mismatch);
    }
}

// The rule over a made-up chain: `depth` ancestors, each with the share's own fields shifted
// back by its distance, so every branch of the formula is reachable from fuzzed fields.
void check_target(const chain::TargetParams& params, const chain::Share& share,
                  std::uint64_t depth) {
    const chain::TargetFields own{share.share_info.timestamp, share.share_info.bits,
                                  share.share_info.max_bits};
    chain::AncestorView view;
    view.parent_height = depth;
    view.reaches_first_share = (share.share_info.absheight & 1) != 0;
    for (std::uint64_t i = 0; i < std::min<std::uint64_t>(depth, params.target_lookbehind); ++i) {
        chain::TargetFields f = own;
        f.timestamp = static_cast<std::uint32_t>(own.timestamp - (i + 1) * share.min_header.nonce);
        f.max_bits = own.max_bits ^ static_cast<std::uint32_t>(i);
        view.window.push_back(f);
    }
    const auto v = chain::check_share_target(params, view, own, share.min_header.timestamp);
    FUZZ_CHECK(chain::target_rule_name(v.rule) != nullptr);
    const auto again = chain::check_share_target(params, view, own, share.min_header.timestamp);
    FUZZ_CHECK(again.rule == v.rule && again.reason == v.reason);
    if (v.demanded)
        FUZZ_CHECK(chain::compare_uint256(v.demanded->pre_target3, params.max_target) <= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);

    auto vs = chain::unpack_versioned_share(in);
    if (!vs) return 0;
    FUZZ_CHECK(equal_bytes(chain::pack_versioned_share(*vs), in));

    auto share = chain::decode_share(*vs);
    if (!share) {
        if (vs->type != chain::V36_SHARE_VERSION)
            FUZZ_CHECK(share.error().code == Errc::bad_version);
        return 0;
    }
    FUZZ_CHECK(vs->type == chain::V36_SHARE_VERSION);
    FUZZ_CHECK(!share->message_data || !share->message_data->empty());

    // Round trips: contents, the share itself, the whole wire form.
    auto contents = chain::pack_share(*share);
    FUZZ_CHECK(contents.ok());
    FUZZ_CHECK(equal_bytes(*contents, vs->contents));
    auto again = chain::unpack_share(*contents);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *share);
    auto wrapped = chain::wrap_share(*share);
    FUZZ_CHECK(wrapped.ok());
    FUZZ_CHECK(*wrapped == *vs);
    FUZZ_CHECK(equal_bytes(chain::pack_versioned_share(*wrapped), in));

    // What a node computes from a share it received.
    check_pow(p2p::DEVNET_POW, *share, true);
    check_pow(p2p::LITECOIN_TESTNET_POW, *share, false);  // scrypt: once is enough

    const auto& info = share->share_info;
    FUZZ_CHECK(share->merkle_link.branch.size() <= 32 &&
               share->ref_merkle_link.branch.size() <= 32);
    if (info.segwit_data) FUZZ_CHECK(info.segwit_data->txid_merkle_link.branch.size() <= 32);
    if (info.merged_addresses) FUZZ_CHECK(info.merged_addresses->size() <= 16);
    if (info.merged_coinbase_info) {
        FUZZ_CHECK(info.merged_coinbase_info->size() <= 16);
        for (const auto& m : *info.merged_coinbase_info)
            FUZZ_CHECK(m.coinbase_merkle_link.branch.size() <= 32);
    }
    const std::uint64_t depth = share->last_txout_nonce % 1000;
    check_target(p2p::target_params(p2p::DEVNET), *share, depth);
    check_target(p2p::target_params(p2p::LITECOIN_MAINNET), *share, depth);

    const ByteView md = share->message_data ? ByteView{*share->message_data} : ByteView{};
    const auto verdict = proto::check_v36_message_data(md, proto::mainnet_authorities());
    FUZZ_CHECK((verdict.rule == proto::V36Rule::ok_empty) == !share->message_data.has_value());
    return 0;
}
