// The scalar and point helpers of src/musig/group.hpp at their edges (zero, n, 2^255,
// infinity), where libsecp256k1's API refuses and the helpers answer themselves, and the
// byte decoders of src/musig/codec.hpp.
#include <gtest/gtest.h>

#include "musig/codec.hpp"
#include "musig/group.hpp"

using sharemsg::ByteArray;
using sharemsg::Bytes;
using sharemsg::from_hex_fixed;
using sharemsg::to_hex;
using namespace sharemsg::musig;
using detail::Point;
using detail::Scalar;

namespace {

const char* const N_HEX = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

ByteArray<32> h32(const char* hex) {
    return *from_hex_fixed<32>(hex);
}

Scalar sc(const char* hex) {
    auto s = Scalar::parse(h32(hex));
    EXPECT_TRUE(s) << hex;
    return s ? *s : Scalar{};
}

}  // namespace

TEST(MusigGroup, ParseAcceptsExactlyTheValuesBelowN) {
    EXPECT_TRUE(Scalar::parse(ByteArray<32>{}));  // zero is a scalar (not a secret key)
    EXPECT_TRUE(
        Scalar::parse(h32("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")));
    EXPECT_FALSE(Scalar::parse(h32(N_HEX)));
    EXPECT_FALSE(
        Scalar::parse(h32("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")));
    EXPECT_FALSE(Scalar::parse(Bytes(31, 1)));
}

TEST(MusigGroup, ReduceIsModNAtEveryEdge) {
    const struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"0000000000000000000000000000000000000000000000000000000000000000",
         "0000000000000000000000000000000000000000000000000000000000000000"},
        {"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
        // 2^255: the top bit alone (the API's zero-tweak case)
        {"8000000000000000000000000000000000000000000000000000000000000000",
         "8000000000000000000000000000000000000000000000000000000000000000"},
        {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
         "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"},
        // n: the API's zero-sum case
        {N_HEX, "0000000000000000000000000000000000000000000000000000000000000000"},
        {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
         "0000000000000000000000000000000000000000000000000000000000000001"},
        // 2^256 - 1 = n + 0x14551231950b75fc4402da1732fc9bebe
        {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "000000000000000000000000000000014551231950b75fc4402da1732fc9bebe"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(to_hex(Scalar::reduce(h32(c.in)).bytes()), c.out) << c.in;
}

TEST(MusigGroup, AdditionMultiplicationAndNegationThroughZero) {
    const Scalar zero;
    const Scalar one = Scalar::one();
    const Scalar n_minus_1 = sc("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
    EXPECT_TRUE((one + n_minus_1).is_zero());  // a sum that is n: zero, not a failure
    EXPECT_EQ(zero + one, one);
    EXPECT_EQ(one + zero, one);
    EXPECT_TRUE((zero + zero).is_zero());
    EXPECT_TRUE((zero * n_minus_1).is_zero());
    EXPECT_TRUE((n_minus_1 * zero).is_zero());
    EXPECT_EQ(n_minus_1 * n_minus_1, one);  // (-1)^2
    EXPECT_EQ(-one, n_minus_1);
    EXPECT_TRUE((-zero).is_zero());
    const Scalar a = sc("8000000000000000000000000000000000000000000000000000000000000001");
    EXPECT_EQ(to_hex((a + a).bytes()),  // 2^256 + 2 mod n
              "000000000000000000000000000000014551231950b75fc4402da1732fc9bec1");
}

TEST(MusigGroup, PointsAndInfinity) {
    const Point g = Point::base_mul(Scalar::one());
    EXPECT_EQ(to_hex(g.cbytes()),
              "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    EXPECT_TRUE(Point::base_mul(Scalar{}).is_infinity());
    const Point pts[] = {g, -g};
    const Point inf = Point::sum(pts);
    EXPECT_TRUE(inf.is_infinity());  // the API's combine refuses; the helper says infinity
    EXPECT_EQ(inf.cbytes_ext(), ByteArray<33>{});
    EXPECT_TRUE(inf.mul(Scalar::one()).is_infinity());
    EXPECT_TRUE(g.mul(Scalar{}).is_infinity());
    EXPECT_TRUE((-inf).is_infinity());
    const Point with_inf[] = {inf, g, inf};
    EXPECT_EQ(Point::sum(with_inf), g);
    EXPECT_TRUE(Point::sum({}).is_infinity());
    const Scalar two = Scalar::one() + Scalar::one();
    const Point gg[] = {g, g};
    EXPECT_EQ(Point::sum(gg), Point::base_mul(two));
    EXPECT_EQ(g.mul(two), Point::base_mul(two));
    EXPECT_EQ(inf.add_base_mul(two), Point::base_mul(two));
    EXPECT_TRUE(g.add_base_mul(-Scalar::one()).is_infinity());  // G - G
    EXPECT_EQ(g.add_base_mul(Scalar{}), g);
    EXPECT_EQ(Point::parse_ext(ByteArray<33>{}).value(), inf);
    EXPECT_FALSE(Point::parse(ByteArray<33>{}));
    EXPECT_TRUE(g.has_even_y());
    EXPECT_FALSE((-g).has_even_y());
    EXPECT_EQ(Point::lift_x(g.xbytes()).value(), g);
}

TEST(MusigCodec, DecodersAcceptValidBytesAndNameTheContribution) {
    const auto g =
        *from_hex_fixed<33>("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    EXPECT_EQ(decode_plain_pubkey(g).value(), g);
    EXPECT_EQ(decode_plain_pubkey(Bytes(g.begin(), g.end() - 1)).error(),
              invalid(Contribution::pubkey, std::nullopt));
    auto g4 = g;
    g4[0] = 0x04;
    EXPECT_FALSE(decode_plain_pubkey(g4));
    // x = 5 is not on the curve; x = p + 1 is not below p.
    EXPECT_FALSE(decode_xonly_pubkey(
        *from_hex_fixed<32>("0000000000000000000000000000000000000000000000000000000000000005")));
    EXPECT_FALSE(decode_xonly_pubkey(
        *from_hex_fixed<32>("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30")));
    EXPECT_TRUE(decode_xonly_pubkey(Bytes(g.begin() + 1, g.end())));

    Bytes nonce(g.begin(), g.end());
    nonce.insert(nonce.end(), g.begin(), g.end());
    EXPECT_TRUE(decode_pubnonce(nonce));
    EXPECT_TRUE(decode_aggnonce(nonce));
    Bytes half_inf = nonce;
    std::fill(half_inf.begin() + 33, half_inf.end(), 0);
    EXPECT_EQ(decode_pubnonce(half_inf).error().contribution, Contribution::pubnonce);
    EXPECT_TRUE(decode_aggnonce(half_inf));
    EXPECT_TRUE(decode_aggnonce(Bytes(66, 0)));
    EXPECT_EQ(decode_aggnonce(Bytes(65, 0)).error().contribution, Contribution::aggnonce);

    EXPECT_TRUE(decode_partial_sig(Bytes(32, 0)));
    EXPECT_EQ(decode_partial_sig(*from_hex_fixed<32>(N_HEX)).error(),
              invalid(Contribution::psig, std::nullopt));
    EXPECT_EQ(blame(decode_partial_sig(Bytes(33, 0)).error(), 4).to_string(),
              "invalid_contribution: psig of signer 4");
}

TEST(MusigErrors, NamesAndTheProjectWideError) {
    EXPECT_EQ(invalid(Contribution::aggnonce, std::nullopt).to_string(),
              "invalid_contribution: aggnonce (nonce aggregator)");
    EXPECT_EQ(make_error(ErrorCode::secnonce_invalid).to_string(), "secnonce_invalid");
    EXPECT_EQ(to_project_error(invalid(Contribution::pubkey, 1u)).code, sharemsg::Errc::bad_key);
    EXPECT_EQ(to_project_error(invalid(Contribution::pubnonce, 0u)).code,
              sharemsg::Errc::bad_encoding);
    EXPECT_EQ(to_project_error(invalid(Contribution::psig, 2u)).code,
              sharemsg::Errc::bad_signature);
    const auto e = to_project_error(make_error(ErrorCode::tweak_out_of_range));
    EXPECT_EQ(e.code, sharemsg::Errc::invalid_argument);
    EXPECT_EQ(e.reason, "musig: tweak_out_of_range");
}
