#include "musig/session.hpp"

#include <cstdlib>
#include <vector>

#include "crypto/bip340.hpp"
#include "musig/group.hpp"
#include "musig/nonce_access.hpp"

namespace sharemsg::musig {

using detail::Point;
using detail::Scalar;

namespace {

// A scalar we stored ourselves (always below n).
Scalar stored(const ByteArray<32>& b) {
    auto s = Scalar::parse(b);
    if (!s) std::abort();
    return *s;
}

ByteView half(const ByteArray<66>& two_points, std::size_t j) {
    return ByteView(two_points).subspan(33 * j, 33);
}

void put_be64(Bytes& out, std::uint64_t v) {
    for (int i = 7; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

PubNonce pubnonce_of(const Scalar& k1, const Scalar& k2) {
    PubNonce out{};
    const auto r1 = Point::base_mul(k1).cbytes();
    const auto r2 = Point::base_mul(k2).cbytes();
    std::copy(r1.begin(), r1.end(), out.begin());
    std::copy(r2.begin(), r2.end(), out.begin() + 33);
    return out;
}

}  // namespace

// ---- GetSessionValues -----------------------------------------------------------------------

Result<Session> Session::create(const AggNonce& aggnonce, std::span<const PlainPubKey> pubkeys,
                                std::span<const Tweak> tweaks, ByteView msg) {
    auto keys = key_agg(pubkeys, tweaks);
    if (!keys) return keys.error();
    return create(aggnonce, std::move(*keys), msg);
}

Result<Session> Session::create(const AggNonce& aggnonce, KeyAggContext keys, ByteView msg) {
    Session s(std::move(keys));
    s.aggnonce_ = aggnonce;
    s.msg_.assign(msg.begin(), msg.end());
    const auto q = Point::parse(s.keys_.plain_pubkey());
    if (!q) std::abort();  // a key we serialized
    s.q_even_ = q->has_even_y();
    const XonlyPubKey qx = q->xbytes();

    // b = int(hash_{MuSig/noncecoef}(aggnonce || xbytes(Q) || m)) mod n
    Bytes in;
    append(in, aggnonce);
    append(in, qx);
    append(in, msg);
    const Scalar b = Scalar::reduce(crypto::tagged_hash("MuSig/noncecoef", in));

    const auto r1 = Point::parse_ext(half(aggnonce, 0));
    const auto r2 = Point::parse_ext(half(aggnonce, 1));
    if (!r1 || !r2) return invalid(Contribution::aggnonce, std::nullopt);
    // R' = R1 + b*R2; either half may be infinity, and so may R'. An infinite R' becomes G
    // (BIP327, "Dealing with Infinity in Nonce Aggregation"): signing goes on so that the
    // partial signatures show who cheated, and a valid set of them still makes a valid
    // BIP340 signature.
    const Point terms[] = {*r1, r2->mul(b)};
    Point r = Point::sum(terms);
    if (r.is_infinity()) r = Point::base_mul(Scalar::one());
    s.r_x_ = r.xbytes();
    s.r_even_ = r.has_even_y();

    // e = int(hash_{BIP0340/challenge}(xbytes(R) || xbytes(Q) || m)) mod n
    Bytes ch;
    append(ch, s.r_x_);
    append(ch, qx);
    append(ch, msg);
    s.b_ = b.bytes();
    s.e_ = Scalar::reduce(crypto::tagged_hash("BIP0340/challenge", ch)).bytes();
    return s;
}

// ---- Sign -----------------------------------------------------------------------------------

Result<PartialSig> Session::sign(SecNonce&& secnonce, const crypto::PrivKey& sk) const {
    // Take the nonce first: the caller's object is empty from here on, whatever happens.
    const SecNonce nonce = std::move(secnonce);
    const auto& sn = detail::SecNonceAccess::bytes(nonce);
    const auto k1p = Scalar::parse(ByteView(sn).subspan(0, 32));
    const auto k2p = Scalar::parse(ByteView(sn).subspan(32, 32));
    if (!k1p || !k2p || k1p->is_zero() || k2p->is_zero())
        return make_error(ErrorCode::secnonce_invalid);
    // k = k' when R has an even y, n - k' otherwise.
    const Scalar k1 = r_even_ ? *k1p : -*k1p;
    const Scalar k2 = r_even_ ? *k2p : -*k2p;

    // sk is a PrivKey, so d' is in [1, n-1] (BIP327's "fail if d' = 0 or d' >= n").
    const Scalar d_prime = stored(sk.bytes());
    const PlainPubKey pk = Point::base_mul(d_prime).cbytes();
    if (!crypto::equal_ct(pk, ByteView(sn).subspan(64, 33)))
        return make_error(ErrorCode::secnonce_key_mismatch);
    const auto a_bytes = keys_.coefficient(pk);
    if (!a_bytes) return make_error(ErrorCode::signer_not_in_keys);

    // d = g * gacc * d', with g = -1 when Q has an odd y: both are signs, so d is d' or -d'.
    const bool negate = !q_even_ != keys_.gacc_negative();
    const Scalar d = negate ? -d_prime : d_prime;
    const Scalar s = k1 + stored(b_) * k2 + stored(e_) * stored(*a_bytes) * d;
    const PartialSig psig = s.bytes();

    // Verify before releasing (BIP327 recommends it): a fault must not leak the key.
    if (!verify(psig, pubnonce_of(*k1p, *k2p), pk)) std::abort();
    return psig;
}

// ---- PartialSigVerifyInternal ---------------------------------------------------------------

bool Session::verify(const PartialSig& psig, const PubNonce& pubnonce,
                     const PlainPubKey& pk) const {
    const auto s = Scalar::parse(psig);
    if (!s) return false;
    const auto r1 = Point::parse(half(pubnonce, 0));
    const auto r2 = Point::parse(half(pubnonce, 1));
    if (!r1 || !r2) return false;
    const Point re_terms[] = {*r1, r2->mul(stored(b_))};
    Point re = Point::sum(re_terms);  // Re*' = R*1 + b*R*2
    if (!r_even_) re = -re;           // the effective nonce follows R's parity
    const auto p = Point::parse(pk);
    if (!p) return false;
    const auto a = keys_.coefficient(pk);
    if (!a) return false;
    // s*G == Re* + e*a*g'*P, with g' = g*gacc a sign.
    const bool negate = !q_even_ != keys_.gacc_negative();
    Scalar c = stored(e_) * stored(*a);
    if (negate) c = -c;
    const Point rhs_terms[] = {re, p->mul(c)};
    return Point::base_mul(*s) == Point::sum(rhs_terms);
}

// ---- PartialSigAgg --------------------------------------------------------------------------

Result<Signature> Session::aggregate(std::span<const PartialSig> psigs) const {
    if (psigs.empty()) return make_error(ErrorCode::no_signers);
    if (psigs.size() > 0xffffffffu) return make_error(ErrorCode::too_large);
    Scalar s;
    for (std::size_t i = 0; i < psigs.size(); ++i) {
        const auto si = Scalar::parse(psigs[i]);
        if (!si) return invalid(Contribution::psig, i);
        s = s + *si;
    }
    // + e * g * tacc
    Scalar t = stored(e_) * stored(keys_.tacc());
    if (!q_even_) t = -t;
    s = s + t;
    Signature sig{};
    std::copy(r_x_.begin(), r_x_.end(), sig.begin());
    std::copy(s.bytes().begin(), s.bytes().end(), sig.begin() + 32);
    return sig;
}

// ---- PartialSigVerify and identifiable aborts -----------------------------------------------

Result<bool> partial_sig_verify(const PartialSig& psig, std::span<const PubNonce> pubnonces,
                                std::span<const PlainPubKey> pubkeys, std::span<const Tweak> tweaks,
                                ByteView msg, std::size_t i) {
    if (pubnonces.size() != pubkeys.size()) return make_error(ErrorCode::count_mismatch);
    if (i >= pubkeys.size()) return make_error(ErrorCode::signer_index_out_of_range);
    auto aggnonce = nonce_agg(pubnonces);
    if (!aggnonce) return aggnonce.error();
    auto session = Session::create(*aggnonce, pubkeys, tweaks, msg);
    if (!session) return session.error();
    return session->verify(psig, pubnonces[i], pubkeys[i]);
}

Result<Signature> verify_and_aggregate(const Session& session, std::span<const PubNonce> pubnonces,
                                       std::span<const PartialSig> psigs) {
    const auto& pubkeys = session.keys().pubkeys();
    if (pubnonces.size() != pubkeys.size() || psigs.size() != pubkeys.size())
        return make_error(ErrorCode::count_mismatch);
    auto aggnonce = nonce_agg(pubnonces);
    if (!aggnonce) return aggnonce.error();
    if (*aggnonce != session.aggnonce())
        return Error{ErrorCode::aggnonce_mismatch, Contribution::aggnonce, std::nullopt};
    for (std::size_t i = 0; i < psigs.size(); ++i)
        if (!session.verify(psigs[i], pubnonces[i], pubkeys[i]))
            return invalid(Contribution::psig, i);
    return session.aggregate(psigs);
}

// ---- DeterministicSign ----------------------------------------------------------------------

Result<DeterministicSignature> deterministic_sign(const crypto::PrivKey& sk,
                                                  const AggNonce& aggothernonce,
                                                  std::span<const PlainPubKey> pubkeys,
                                                  std::span<const Tweak> tweaks, ByteView msg,
                                                  const std::optional<ByteArray<32>>& rand) {
    auto keys = key_agg(pubkeys, tweaks);
    if (!keys) return keys.error();
    const XonlyPubKey aggpk = keys->xonly_pubkey();

    // sk' || aggothernonce || aggpk || bytes(8, len(m)) || m, then the index byte i - 1;
    // sk' = sk XOR hash_{MuSig/aux}(rand) when rand is given, else sk. Wiped after use.
    struct Secret {
        Bytes b;
        ~Secret() { crypto::wipe(b.data(), b.size()); }
    } in;
    // Reserved up front: a reallocation would leave a copy of sk' in freed memory.
    in.b.reserve(32 + 66 + 32 + 8 + msg.size() + 1);
    append(in.b, sk.bytes());
    if (rand) {
        const auto aux = crypto::tagged_hash("MuSig/aux", *rand);
        for (std::size_t i = 0; i < 32; ++i)
            in.b[i] ^= aux[i];
    }
    append(in.b, aggothernonce);
    append(in.b, aggpk);
    put_be64(in.b, msg.size());
    append(in.b, msg);
    in.b.push_back(0);
    const Scalar k1 = Scalar::reduce(crypto::tagged_hash("MuSig/deterministic/nonce", in.b));
    in.b.back() = 1;
    const Scalar k2 = Scalar::reduce(crypto::tagged_hash("MuSig/deterministic/nonce", in.b));
    if (k1.is_zero() || k2.is_zero()) return make_error(ErrorCode::nonce_zero);

    const PubNonce pubnonce = pubnonce_of(k1, k2);
    crypto::wipe(in.b.data(), in.b.size());
    in.b.clear();
    append(in.b, k1.bytes());
    append(in.b, k2.bytes());
    append(in.b, sk.pubkey());
    SecNonce secnonce = detail::SecNonceAccess::make(in.b);

    const PubNonce pair[] = {pubnonce, aggothernonce};
    auto aggnonce = nonce_agg(pair);
    if (!aggnonce) return invalid(Contribution::aggothernonce, std::nullopt);
    auto session = Session::create(*aggnonce, std::move(*keys), msg);
    if (!session) return session.error();
    auto psig = session->sign(std::move(secnonce), sk);
    if (!psig) return psig.error();
    return DeterministicSignature{pubnonce, *psig};
}

}  // namespace sharemsg::musig
