#include "crypto/ecdh.hpp"

#include <secp256k1_ecdh.h>

#include "crypto/secp256k1_context.hpp"

namespace sharemsg::crypto {

Result<Hash256> ecdh_sha256(const PrivKey& my_key, ByteView their_pubkey) {
    const secp256k1_context* ctx = detail::secp256k1_ctx();
    secp256k1_pubkey pk;
    if ((their_pubkey.size() != 33 && their_pubkey.size() != 65) ||
        !secp256k1_ec_pubkey_parse(ctx, &pk, their_pubkey.data(), their_pubkey.size()))
        return make_error(Errc::bad_key, "ECDH public key is not a valid secp256k1 point");
    Hash256 out{};
    if (!secp256k1_ecdh(ctx, out.data(), &pk, my_key.bytes().data(), nullptr, nullptr))
        return make_error(Errc::bad_key, "ECDH failed");
    return out;
}

}  // namespace sharemsg::crypto
