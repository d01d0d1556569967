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
//   - the V36 message_data rule with the mainnet authorities never crashes, and is
//     ok_empty exactly when the share has no message_data.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "chain/pow.hpp"
#include "chain/pow_params.hpp"
#include "chain/share.hpp"
#include "fuzz_common.hpp"
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
    check_pow(chain::DEVNET_POW, *share, true);
    check_pow(chain::LITECOIN_TESTNET_POW, *share, false);  // scrypt: once is enough

    const ByteView md = share->message_data ? ByteView{*share->message_data} : ByteView{};
    const auto verdict = proto::check_v36_message_data(md, proto::mainnet_authorities());
    FUZZ_CHECK((verdict.rule == proto::V36Rule::ok_empty) == !share->message_data.has_value());
    return 0;
}
