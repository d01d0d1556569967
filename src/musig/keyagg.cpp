#include "musig/keyagg.hpp"

#include <algorithm>
#include <cstdlib>

#include "crypto/bip340.hpp"
#include "musig/group.hpp"

namespace sharemsg::musig {

using detail::Point;
using detail::Scalar;

namespace {

crypto::Hash256 hash_keys(std::span<const PlainPubKey> pubkeys) {
    Bytes all;
    all.reserve(pubkeys.size() * 33);
    for (const auto& pk : pubkeys)
        append(all, pk);
    return crypto::tagged_hash("KeyAgg list", all);
}

PlainPubKey second_key(std::span<const PlainPubKey> pubkeys) {
    for (const auto& pk : pubkeys)
        if (pk != pubkeys[0]) return pk;
    return PlainPubKey{};
}

// KeyAggCoeffInternal: 1 for the second distinct key (MuSig2*), else
// int(hash_{KeyAgg coefficient}(L || pk)) mod n.
Scalar coefficient_internal(const crypto::Hash256& list_hash, const PlainPubKey& pk,
                            const PlainPubKey& pk2) {
    if (pk == pk2) return Scalar::one();
    Bytes in;
    in.reserve(32 + 33);
    append(in, list_hash);
    append(in, pk);
    return Scalar::reduce(crypto::tagged_hash("KeyAgg coefficient", in));
}

}  // namespace

std::vector<PlainPubKey> key_sort(std::span<const PlainPubKey> pubkeys) {
    std::vector<PlainPubKey> out(pubkeys.begin(), pubkeys.end());
    std::sort(out.begin(), out.end());  // std::array compares its bytes lexicographically
    return out;
}

Result<KeyAggContext> KeyAggContext::create(std::span<const PlainPubKey> pubkeys) {
    if (pubkeys.empty()) return make_error(ErrorCode::no_signers);
    if (pubkeys.size() > 0xffffffffu) return make_error(ErrorCode::too_large);
    KeyAggContext c;
    c.pubkeys_.assign(pubkeys.begin(), pubkeys.end());
    c.list_hash_ = hash_keys(pubkeys);
    c.second_key_ = second_key(pubkeys);
    std::vector<Point> terms;
    terms.reserve(pubkeys.size());
    for (std::size_t i = 0; i < pubkeys.size(); ++i) {
        auto p = Point::parse(pubkeys[i]);
        if (!p) return invalid(Contribution::pubkey, i);
        terms.push_back(p->mul(coefficient_internal(c.list_hash_, pubkeys[i], c.second_key_)));
    }
    const Point q = Point::sum(terms);
    if (q.is_infinity()) return make_error(ErrorCode::aggregate_key_infinite);
    c.q_ = q.cbytes();
    return c;
}

Status KeyAggContext::apply_tweak(const Tweak& tweak) {
    const auto t = Scalar::parse(tweak.value);
    if (!t) return make_error(ErrorCode::tweak_out_of_range);
    auto q = Point::parse(q_);
    if (!q) std::abort();  // q_ is always a point we serialized
    // g = -1 when an x-only tweak meets an odd Q: the tweak applies to with_even_y(Q).
    const bool negate = tweak.xonly && !q->has_even_y();
    const Point tweaked = (negate ? -*q : *q).add_base_mul(*t);
    if (tweaked.is_infinity()) return make_error(ErrorCode::tweak_infinite);
    // tacc' = t + g*tacc; gacc' = g*gacc.
    Scalar tacc = *Scalar::parse(tacc_);
    if (negate) tacc = -tacc;
    tacc = *t + tacc;
    q_ = tweaked.cbytes();
    tacc_ = tacc.bytes();
    gacc_negative_ = gacc_negative_ != negate;
    return Ok{};
}

XonlyPubKey KeyAggContext::xonly_pubkey() const {
    XonlyPubKey x{};
    std::copy(q_.begin() + 1, q_.end(), x.begin());
    return x;
}

std::optional<ByteArray<32>> KeyAggContext::coefficient(const PlainPubKey& pk) const {
    if (std::find(pubkeys_.begin(), pubkeys_.end(), pk) == pubkeys_.end()) return std::nullopt;
    return coefficient_internal(list_hash_, pk, second_key_).bytes();
}

Result<KeyAggContext> key_agg(std::span<const PlainPubKey> pubkeys, std::span<const Tweak> tweaks) {
    auto c = KeyAggContext::create(pubkeys);
    if (!c) return c;
    for (const auto& t : tweaks) {
        auto st = c->apply_tweak(t);
        if (!st) return st.error();
    }
    return c;
}

}  // namespace sharemsg::musig
