// Scalars modulo the group order n and curve points, as BIP327 needs them, composed from
// libsecp256k1's public API only (for src/musig/*.cpp; not part of the musig interface).
//
// libsecp256k1 (0.2.0, as Debian ships it) offers no scalar or point type of its own to
// callers: it offers secret keys (32-byte scalars in [1, n-1]) with tweak_add / tweak_mul /
// negate, public keys (points other than infinity) with tweak_add / tweak_mul / negate /
// combine, and parsing and serialization. BIP327 needs a little more: the scalar zero (a sum
// such as k1 + b*k2 + e*a*d may be zero), reduction of a 256-bit hash modulo n, and the point
// at infinity (an aggregate nonce half, R1 + b*R2, a sum of nonces). The two classes below
// add exactly that around the API, and nothing else:
//
// - Scalar holds 32 big-endian bytes of a value in [0, n-1]. Zero is the all-zero array;
//   every other value is a valid libsecp256k1 secret key, so the API's secret-key functions
//   apply to it. Each operation answers the cases the API refuses (an operand or a result of
//   zero) itself, before or after calling it; see the comments in group.cpp for why each
//   case is right. There is no field arithmetic and no scalar arithmetic of our own, except
//   clearing the top bit of a hash in `reduce` (explained there).
// - Point is either the point at infinity or a secp256k1_pubkey. Infinity is a flag: the
//   API cannot represent it, and every operation maps it onto the API's terms (skip it in a
//   sum; the product with it is itself; a sum the API reports as "not a valid key" is
//   infinity).
//
// Branches: operations branch on "is this scalar zero" and "did the API report a zero or
// infinite result". For secret values these events have probability about 2^-128, so the
// branches reveal nothing in practice; the reduction of secret hashes selects its result
// without a branch.
#pragma once

#include <secp256k1.h>

#include <optional>
#include <span>

#include "crypto/hash.hpp"
#include "util/bytes.hpp"

namespace sharemsg::musig::detail {

const secp256k1_context* ctx();

class Scalar {
  public:
    Scalar() = default;  // zero
    Scalar(const Scalar&) = default;
    Scalar& operator=(const Scalar&) = default;
    ~Scalar() { crypto::wipe(b_.data(), b_.size()); }

    static Scalar one();
    // int(b) when it is below n; nullopt when int(b) >= n (BIP327: "fail if s >= n").
    static std::optional<Scalar> parse(ByteView b32);
    // int(h) mod n for any 32 bytes (BIP327: "int(hash(...)) mod n"). Without a branch.
    static Scalar reduce(const ByteArray<32>& h);

    bool is_zero() const;
    const ByteArray<32>& bytes() const { return b_; }

    friend Scalar operator+(const Scalar& a, const Scalar& b);
    friend Scalar operator*(const Scalar& a, const Scalar& b);
    Scalar operator-() const;
    friend bool operator==(const Scalar& a, const Scalar& b) { return a.b_ == b.b_; }

  private:
    ByteArray<32> b_{};
};

class Point {
  public:
    Point() = default;  // the point at infinity

    // cpoint: 33 bytes, 0x02 or 0x03, an x below p that is on the curve.
    static std::optional<Point> parse(ByteView b33);
    // cpoint_ext: as parse, and 33 zero bytes are the point at infinity.
    static std::optional<Point> parse_ext(ByteView b33);
    // lift_x: the point with this x and an even y.
    static std::optional<Point> lift_x(ByteView b32);
    // k*G (infinity when k is zero).
    static Point base_mul(const Scalar& k);
    // The sum of points, infinity included.
    static Point sum(std::span<const Point> points);

    bool is_infinity() const { return inf_; }
    // Preconditions for the next three: not infinity.
    bool has_even_y() const;
    ByteArray<32> xbytes() const;
    ByteArray<33> cbytes() const;
    // cbytes, or 33 zero bytes for infinity.
    ByteArray<33> cbytes_ext() const;

    Point operator-() const;
    // k*P.
    Point mul(const Scalar& k) const;
    // P + t*G (BIP327's ApplyPlainTweak); infinity when the sum is.
    Point add_base_mul(const Scalar& t) const;

    friend bool operator==(const Point& a, const Point& b) {
        return a.cbytes_ext() == b.cbytes_ext();
    }

  private:
    bool inf_ = true;
    secp256k1_pubkey pk_{};
};

}  // namespace sharemsg::musig::detail
