#include "crypto/bip340.hpp"

#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>

#include "crypto/secp256k1_context.hpp"

namespace sharemsg::crypto {

Hash256 tagged_hash(std::string_view tag, ByteView msg) {
    const Hash256 t = sha256(as_bytes(tag));
    Sha256 h;
    h.update(t).update(t).update(msg);
    return h.finish();
}

SchnorrSig schnorr_sign(const PrivKey& key, const Hash256& msg,
                        const std::optional<ByteArray<32>>& aux_rand) {
    const secp256k1_context* ctx = detail::secp256k1_ctx();
    secp256k1_keypair kp;
    // PrivKey holds a valid secret key by construction.
    if (!secp256k1_keypair_create(ctx, &kp, key.bytes().data())) std::abort();
    SchnorrSig sig{};
    const int ok = secp256k1_schnorrsig_sign32(ctx, sig.data(), msg.data(), &kp,
                                               aux_rand ? aux_rand->data() : nullptr);
    secp256k1_xonly_pubkey xonly;
    const bool self_check =
        ok && secp256k1_keypair_xonly_pub(ctx, &xonly, nullptr, &kp) &&
        secp256k1_schnorrsig_verify(ctx, sig.data(), msg.data(), msg.size(), &xonly) == 1;
    wipe(&kp, sizeof kp);
    if (!self_check) std::abort();  // a fault while signing: never release the signature
    return sig;
}

bool schnorr_verify(ByteView pubkey, const Hash256& msg, const SchnorrSig& sig) {
    const secp256k1_context* ctx = detail::secp256k1_ctx();
    if (pubkey.size() != 33 && pubkey.size() != 65) return false;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(ctx, &pk, pubkey.data(), pubkey.size())) return false;
    secp256k1_xonly_pubkey xonly;
    if (!secp256k1_xonly_pubkey_from_pubkey(ctx, &xonly, nullptr, &pk)) return false;
    return secp256k1_schnorrsig_verify(ctx, sig.data(), msg.data(), msg.size(), &xonly) == 1;
}

}  // namespace sharemsg::crypto
