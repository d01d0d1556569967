// Fuzz target: the BIP327 (MuSig2) byte decoders of src/musig/codec.hpp, and NonceAgg and
// KeyAgg over lists cut from the input.
//
// Each decoder sees the whole input and its first 32/33/66 bytes. Properties:
// - a decoder accepts exactly the bytes an independent check accepts (a compressed point is
//   what crypto::parse_pubkey accepts with a 0x02/0x03 prefix; an x-only key is 0x02 || x; a
//   pubnonce is two compressed points; an aggnonce two halves that are each a compressed
//   point or 33 zero bytes; a partial signature 32 bytes below n, compared bytewise), and
//   returns the input itself;
// - a decoded pubnonce aggregates to itself (NonceAgg of one nonce); every decoded aggnonce
//   starts a session (infinite halves included), in which a decoded partial signature
//   aggregates and verifies without crashing;
// - NonceAgg of the input cut into 66-byte nonces, and KeyAgg of the input cut into 33-byte
//   keys, succeed only when every piece decodes, and otherwise blame a piece that does not
//   (for KeyAgg: the first).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "fuzz_common.hpp"
#include "musig/musig.hpp"

namespace mu = sharemsg::musig;
using sharemsg::ByteArray;
using sharemsg::ByteView;

namespace {

bool is_point(ByteView b) {
    return b.size() == 33 && (b[0] == 0x02 || b[0] == 0x03) &&
           sharemsg::crypto::parse_pubkey(b).ok();
}

bool is_zero(ByteView b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == 0; });
}

// The group order n, big-endian.
constexpr std::uint8_t N[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

bool below_n(ByteView b) {
    return std::lexicographical_compare(b.begin(), b.end(), std::begin(N), std::end(N));
}

template <class T>
bool same_bytes(const T& value, ByteView in) {
    return value.size() == in.size() && std::equal(value.begin(), value.end(), in.begin());
}

// A session over one fixed key (the generator) and the given aggregate nonce.
mu::Result<mu::Session> session_for(const mu::AggNonce& agg) {
    mu::PlainPubKey g{};
    const auto gk = sharemsg::from_hex_fixed<33>(
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    FUZZ_CHECK(gk.ok());
    g = *gk;
    const std::uint8_t msg[] = {'f', 'u', 'z', 'z'};
    return mu::Session::create(agg, std::vector<mu::PlainPubKey>{g}, {}, msg);
}

void check_decoders(ByteView b, ByteView whole) {
    const auto pk = mu::decode_plain_pubkey(b);
    FUZZ_CHECK(pk.ok() == is_point(b));
    if (pk)
        FUZZ_CHECK(same_bytes(*pk, b));
    else
        FUZZ_CHECK(pk.error().contribution == mu::Contribution::pubkey);

    const auto x = mu::decode_xonly_pubkey(b);
    bool x_ok = false;
    if (b.size() == 32) {
        ByteArray<33> c{};
        c[0] = 0x02;
        std::copy(b.begin(), b.end(), c.begin() + 1);
        x_ok = is_point(c);
    }
    FUZZ_CHECK(x.ok() == x_ok);
    if (x) FUZZ_CHECK(same_bytes(*x, b));

    const auto pn = mu::decode_pubnonce(b);
    FUZZ_CHECK(pn.ok() ==
               (b.size() == 66 && is_point(b.subspan(0, 33)) && is_point(b.subspan(33, 33))));
    if (pn) {
        FUZZ_CHECK(same_bytes(*pn, b));
        const auto agg = mu::nonce_agg(std::vector<mu::PubNonce>{*pn});
        FUZZ_CHECK(agg.ok() && *agg == *pn);
    }

    const auto an = mu::decode_aggnonce(b);
    const auto half_ok = [](ByteView h) { return is_zero(h) || is_point(h); };
    FUZZ_CHECK(an.ok() ==
               (b.size() == 66 && half_ok(b.subspan(0, 33)) && half_ok(b.subspan(33, 33))));
    const auto ps = mu::decode_partial_sig(b);
    FUZZ_CHECK(ps.ok() == (b.size() == 32 && below_n(b)));
    if (ps) FUZZ_CHECK(same_bytes(*ps, b));
    if (an) {
        FUZZ_CHECK(same_bytes(*an, b));
        const auto s = session_for(*an);
        FUZZ_CHECK(s.ok());
        // Any 32 bytes of the input as a partial signature, checked against any 66 bytes as
        // its nonce: neither may crash, and aggregation accepts exactly what decodes.
        if (whole.size() >= 32) {
            mu::PartialSig p{};
            std::copy(whole.begin(), whole.begin() + 32, p.begin());
            const auto sig = s->aggregate(std::vector<mu::PartialSig>{p});
            FUZZ_CHECK(sig.ok() == below_n(p));
            mu::PubNonce nonce{};
            std::copy(b.begin(), b.end(), nonce.begin());
            (void)s->verify(p, nonce, s->keys().pubkeys()[0]);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in(data, size);
    check_decoders(in, in);
    for (std::size_t len : {32u, 33u, 66u})
        if (size >= len) check_decoders(in.subspan(0, len), in);

    // NonceAgg over the input cut into 66-byte nonces (at most 16).
    std::vector<mu::PubNonce> nonces;
    for (std::size_t off = 0; off + 66 <= size && nonces.size() < 16; off += 66) {
        mu::PubNonce n{};
        std::copy(in.begin() + off, in.begin() + off + 66, n.begin());
        nonces.push_back(n);
    }
    if (!nonces.empty()) {
        const auto agg = mu::nonce_agg(nonces);
        bool all = true;
        for (const auto& n : nonces)
            all = all && mu::decode_pubnonce(n).ok();
        FUZZ_CHECK(agg.ok() == all);
        if (!agg) {
            FUZZ_CHECK(agg.error().contribution == mu::Contribution::pubnonce);
            FUZZ_CHECK(agg.error().signer && *agg.error().signer < nonces.size());
            FUZZ_CHECK(!mu::decode_pubnonce(nonces[*agg.error().signer]).ok());
        } else {
            FUZZ_CHECK(mu::decode_aggnonce(*agg).ok());
        }
    }

    // KeyAgg over the input cut into 33-byte keys (at most 16).
    std::vector<mu::PlainPubKey> keys;
    for (std::size_t off = 0; off + 33 <= size && keys.size() < 16; off += 33) {
        mu::PlainPubKey k{};
        std::copy(in.begin() + off, in.begin() + off + 33, k.begin());
        keys.push_back(k);
    }
    if (!keys.empty()) {
        const auto ctx = mu::KeyAggContext::create(keys);
        std::size_t first_bad = keys.size();
        for (std::size_t i = 0; i < keys.size() && first_bad == keys.size(); ++i)
            if (!mu::decode_plain_pubkey(keys[i])) first_bad = i;
        if (first_bad < keys.size()) {
            FUZZ_CHECK(!ctx.ok());
            FUZZ_CHECK(ctx.error() == mu::invalid(mu::Contribution::pubkey, first_bad));
        } else {
            // Valid keys aggregate (an infinite aggregate needs a discrete-log relation).
            FUZZ_CHECK(ctx.ok() || ctx.error().code == mu::ErrorCode::aggregate_key_infinite);
            if (ctx) FUZZ_CHECK(mu::decode_plain_pubkey(ctx->plain_pubkey()).ok());
        }
    }
    return 0;
}
