// Decoders of BIP327's byte encodings, for bytes from outside (a peer, a file, a command line).
//
// Each checks the length and the contents and returns the same bytes, now known to be
// valid: a decoded value encodes back to its input exactly. A failure is
// ErrorCode::invalid_contribution naming the contribution (pubkey, pubnonce, aggnonce, psig)
// with no signer; a caller that knows whose bytes they were names the signer
// (`blame(error, i)`).
#pragma once

#include "musig/types.hpp"

namespace sharemsg::musig {

// 33 bytes: a compressed point (0x02/0x03, x below p, on the curve).
Result<PlainPubKey> decode_plain_pubkey(ByteView b);
// 32 bytes: the x coordinate of a point (BIP340 x-only key).
Result<XonlyPubKey> decode_xonly_pubkey(ByteView b);
// 66 bytes: two compressed points.
Result<PubNonce> decode_pubnonce(ByteView b);
// 66 bytes: two halves, each a compressed point or 33 zero bytes (the point at infinity).
Result<AggNonce> decode_aggnonce(ByteView b);
// 32 bytes: a big-endian integer below the group order n.
Result<PartialSig> decode_partial_sig(ByteView b);

// The error with the signer it blames set to i.
inline Error blame(Error e, std::size_t i) {
    e.signer = i;
    return e;
}

}  // namespace sharemsg::musig
