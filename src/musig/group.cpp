#include "musig/group.hpp"

#include <cstdlib>
#include <vector>

#include "crypto/secp256k1_context.hpp"

namespace sharemsg::musig::detail {

namespace {

// 2^255 as a scalar: below n (n = 2^256 - 0x14551231950b75fc4402da1732fc9bebf), so a valid
// secret key.
ByteArray<32> two_pow_255() {
    ByteArray<32> b{};
    b[0] = 0x80;
    return b;
}

// Constant-time byte selection: a when pick_a is 1, b when it is 0.
void select(ByteArray<32>& out, const ByteArray<32>& a, const ByteArray<32>& b, unsigned pick_a) {
    const auto mask = static_cast<std::uint8_t>(0u - (pick_a & 1u));
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] =
            static_cast<std::uint8_t>((a[i] & mask) | (b[i] & static_cast<std::uint8_t>(~mask)));
}

}  // namespace

const secp256k1_context* ctx() {
    return crypto::detail::secp256k1_ctx();
}

// ---- Scalar ---------------------------------------------------------------------------------

Scalar Scalar::one() {
    Scalar s;
    s.b_[31] = 1;
    return s;
}

bool Scalar::is_zero() const {
    std::uint8_t acc = 0;
    for (auto v : b_)
        acc |= v;
    return acc == 0;
}

std::optional<Scalar> Scalar::parse(ByteView b32) {
    if (b32.size() != 32) return std::nullopt;
    Scalar s;
    for (std::size_t i = 0; i < 32; ++i)
        s.b_[i] = b32[i];
    if (s.is_zero()) return s;
    // A nonzero value is below n exactly when the API accepts it as a secret key.
    if (!secp256k1_ec_seckey_verify(ctx(), s.b_.data())) return std::nullopt;
    return s;
}

// int(h) mod n. Since 2^255 < n < 2^256:
// - if the top bit of h is clear, h < 2^255 < n and h is already reduced;
// - if it is set, h = 2^255 + h' where h' (h with its top bit cleared) is below 2^255 < n,
//   so h mod n = (2^255 + h') mod n, which is seckey_tweak_add(2^255, h'): the API adds a
//   tweak below n to a valid secret key modulo n. It refuses only when the sum is zero
//   (h' = n - 2^255, i.e. h = n, whose residue is indeed zero); we also give the right answer
//   (2^255) should the API refuse a zero tweak (h' = 0, i.e. h = 2^255), which its header
//   leaves open. Both events have probability 2^-256 for a hash.
// Both candidates are computed every time and one is selected by mask, so whether a secret
// hash had its top bit set does not show in the time taken. Clearing a bit is the only thing
// done to the bytes here; the modular addition is libsecp256k1's.
Scalar Scalar::reduce(const ByteArray<32>& h) {
    Scalar low;
    low.b_ = h;
    low.b_[0] &= 0x7f;
    Scalar high;
    high.b_ = two_pow_255();
    if (!secp256k1_ec_seckey_tweak_add(ctx(), high.b_.data(), low.b_.data())) {
        if (low.is_zero())
            high.b_ = two_pow_255();
        else
            high.b_.fill(0);
    }
    Scalar out;
    select(out.b_, high.b_, low.b_, static_cast<unsigned>(h[0] >> 7));
    return out;
}

// a + b mod n. The API adds two nonzero values below n and refuses exactly when the sum is
// n, i.e. zero mod n; a zero operand is answered without it (0 + b = b).
Scalar operator+(const Scalar& a, const Scalar& b) {
    if (a.is_zero()) return b;
    if (b.is_zero()) return a;
    Scalar r = a;
    if (!secp256k1_ec_seckey_tweak_add(ctx(), r.b_.data(), b.b_.data())) return Scalar{};
    return r;
}

// a * b mod n. n is prime, so two nonzero values below n have a nonzero product: the API
// never refuses them. A zero operand gives zero, answered without it.
Scalar operator*(const Scalar& a, const Scalar& b) {
    if (a.is_zero() || b.is_zero()) return Scalar{};
    Scalar r = a;
    if (!secp256k1_ec_seckey_tweak_mul(ctx(), r.b_.data(), b.b_.data())) std::abort();
    return r;
}

// n - a mod n. -0 = 0, answered without the API, which negates every other valid key.
Scalar Scalar::operator-() const {
    if (is_zero()) return Scalar{};
    Scalar r = *this;
    if (!secp256k1_ec_seckey_negate(ctx(), r.b_.data())) std::abort();
    return r;
}

// ---- Point ----------------------------------------------------------------------------------

std::optional<Point> Point::parse(ByteView b33) {
    // The API parses 33 bytes only as 0x02/0x03 || x with x < p on the curve, which is
    // exactly cpoint; the explicit prefix check keeps that visible here.
    if (b33.size() != 33 || (b33[0] != 0x02 && b33[0] != 0x03)) return std::nullopt;
    Point p;
    if (!secp256k1_ec_pubkey_parse(ctx(), &p.pk_, b33.data(), b33.size())) return std::nullopt;
    p.inf_ = false;
    return p;
}

std::optional<Point> Point::parse_ext(ByteView b33) {
    if (b33.size() != 33) return std::nullopt;
    bool zero = true;
    for (auto v : b33)
        zero = zero && v == 0;
    if (zero) return Point{};
    return parse(b33);
}

std::optional<Point> Point::lift_x(ByteView b32) {
    if (b32.size() != 32) return std::nullopt;
    ByteArray<33> c{};
    c[0] = 0x02;  // the point with this x and an even y
    for (std::size_t i = 0; i < 32; ++i)
        c[i + 1] = b32[i];
    return parse(c);
}

Point Point::base_mul(const Scalar& k) {
    Point p;
    if (k.is_zero()) return p;
    // Nonzero and below n: a valid secret key, whose public key is k*G.
    if (!secp256k1_ec_pubkey_create(ctx(), &p.pk_, k.bytes().data())) std::abort();
    p.inf_ = false;
    return p;
}

// The API sums one or more points and reports an infinite sum as failure; infinity adds
// nothing, so it is left out, and a sum of nothing is infinity.
Point Point::sum(std::span<const Point> points) {
    std::vector<const secp256k1_pubkey*> ins;
    ins.reserve(points.size());
    for (const auto& p : points)
        if (!p.inf_) ins.push_back(&p.pk_);
    Point out;
    if (ins.empty()) return out;
    if (!secp256k1_ec_pubkey_combine(ctx(), &out.pk_, ins.data(), ins.size())) return Point{};
    out.inf_ = false;
    return out;
}

ByteArray<33> Point::cbytes() const {
    ByteArray<33> out{};
    if (inf_) std::abort();  // a precondition of our own code
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &pk_, SECP256K1_EC_COMPRESSED);
    return out;
}

ByteArray<33> Point::cbytes_ext() const {
    if (inf_) return ByteArray<33>{};
    return cbytes();
}

bool Point::has_even_y() const {
    return cbytes()[0] == 0x02;
}

ByteArray<32> Point::xbytes() const {
    const auto c = cbytes();
    ByteArray<32> x{};
    for (std::size_t i = 0; i < 32; ++i)
        x[i] = c[i + 1];
    return x;
}

Point Point::operator-() const {
    Point r = *this;
    if (!r.inf_ && !secp256k1_ec_pubkey_negate(ctx(), &r.pk_)) std::abort();
    return r;
}

// k*P: infinity when either is; otherwise the API's tweak_mul, which multiplies by any
// nonzero scalar below n and never yields infinity (n is prime, P has order n).
Point Point::mul(const Scalar& k) const {
    if (inf_ || k.is_zero()) return Point{};
    if (k == Scalar::one()) return *this;
    Point r = *this;
    if (!secp256k1_ec_pubkey_tweak_mul(ctx(), &r.pk_, k.bytes().data())) std::abort();
    return r;
}

// P + t*G: for t = 0 it is P; for infinite P it is t*G; otherwise the API's tweak_add, which
// reports an infinite result (P = -t*G) as failure.
Point Point::add_base_mul(const Scalar& t) const {
    if (t.is_zero()) return *this;
    if (inf_) return base_mul(t);
    Point r = *this;
    if (!secp256k1_ec_pubkey_tweak_add(ctx(), &r.pk_, t.bytes().data())) return Point{};
    return r;
}

}  // namespace sharemsg::musig::detail
