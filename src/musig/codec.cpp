#include "musig/codec.hpp"

#include <algorithm>

#include "musig/group.hpp"

namespace sharemsg::musig {

using detail::Point;
using detail::Scalar;

namespace {

template <std::size_t N>
ByteArray<N> copy_of(ByteView b) {
    ByteArray<N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

}  // namespace

Result<PlainPubKey> decode_plain_pubkey(ByteView b) {
    if (b.size() != 33 || !Point::parse(b)) return invalid(Contribution::pubkey, std::nullopt);
    return copy_of<33>(b);
}

Result<XonlyPubKey> decode_xonly_pubkey(ByteView b) {
    if (b.size() != 32 || !Point::lift_x(b)) return invalid(Contribution::pubkey, std::nullopt);
    return copy_of<32>(b);
}

Result<PubNonce> decode_pubnonce(ByteView b) {
    if (b.size() != 66 || !Point::parse(b.subspan(0, 33)) || !Point::parse(b.subspan(33, 33)))
        return invalid(Contribution::pubnonce, std::nullopt);
    return copy_of<66>(b);
}

Result<AggNonce> decode_aggnonce(ByteView b) {
    if (b.size() != 66 || !Point::parse_ext(b.subspan(0, 33)) ||
        !Point::parse_ext(b.subspan(33, 33)))
        return invalid(Contribution::aggnonce, std::nullopt);
    return copy_of<66>(b);
}

Result<PartialSig> decode_partial_sig(ByteView b) {
    if (b.size() != 32 || !Scalar::parse(b)) return invalid(Contribution::psig, std::nullopt);
    return copy_of<32>(b);
}

}  // namespace sharemsg::musig
