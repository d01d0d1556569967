#include "crypto/secp256k1.hpp"
#include "crypto/secp256k1_context.hpp"

#include <secp256k1.h>

#include <cstring>
#include <stdexcept>

namespace sharemsg::crypto {

namespace {

// One context for the process: created on first use, randomized against side channels,
// read-only afterwards, destroyed at exit.
class Context {
  public:
    Context() : ctx_(secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY)) {
        if (!ctx_) throw std::runtime_error("secp256k1_context_create failed");
        Bytes seed = random_bytes(32);
        if (!secp256k1_context_randomize(ctx_, seed.data()))
            throw std::runtime_error("secp256k1_context_randomize failed");
        wipe(seed.data(), seed.size());
    }
    ~Context() { secp256k1_context_destroy(ctx_); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    const secp256k1_context* get() const { return ctx_; }

  private:
    secp256k1_context* ctx_;
};

const secp256k1_context* ctx() {
    static const Context context;
    return context.get();
}

bool parse_pub(ByteView b, secp256k1_pubkey& out) {
    if (b.size() != 33 && b.size() != 65) return false;
    return secp256k1_ec_pubkey_parse(ctx(), &out, b.data(), b.size()) == 1;
}

CompressedPubKey serialize_compressed(const secp256k1_pubkey& pk) {
    CompressedPubKey out{};
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
    return out;
}

}  // namespace

Result<PrivKey> PrivKey::from_bytes(ByteView b) {
    if (b.size() != 32)
        return make_error(Errc::bad_key,
                          "private key must be 32 bytes, got " + std::to_string(b.size()));
    PrivKey k;
    for (std::size_t i = 0; i < 32; ++i)
        k.key_[i] = b[i];
    if (!secp256k1_ec_seckey_verify(ctx(), k.key_.data()))
        return make_error(Errc::bad_key, "private key is zero or not below the group order");
    return k;
}

CompressedPubKey PrivKey::pubkey() const {
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx(), &pk, key_.data()))
        throw std::logic_error("invalid private key");
    return serialize_compressed(pk);
}

Bytes PrivKey::pubkey_uncompressed() const {
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx(), &pk, key_.data()))
        throw std::logic_error("invalid private key");
    Bytes out(65);
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    return out;
}

static_assert(sizeof(secp256k1_pubkey) == 64, "ParsedPubKey stores a secp256k1_pubkey");

Result<ParsedPubKey> ParsedPubKey::parse(ByteView b) {
    secp256k1_pubkey pk;
    if (!parse_pub(b, pk))
        return make_error(Errc::bad_key, "public key is not a valid secp256k1 point encoding");
    ParsedPubKey out;
    std::memcpy(out.point_.data(), pk.data, sizeof pk.data);
    return out;
}

Result<CompressedPubKey> parse_pubkey(ByteView b) {
    secp256k1_pubkey pk;
    if (!parse_pub(b, pk))
        return make_error(Errc::bad_key, "public key is not a valid secp256k1 point encoding");
    return serialize_compressed(pk);
}

Bytes ecdsa_sign_der(const PrivKey& key, const Hash256& digest) {
    secp256k1_ecdsa_signature sig;
    if (!secp256k1_ecdsa_sign(ctx(), &sig, digest.data(), key.bytes().data(), nullptr, nullptr))
        throw std::logic_error("secp256k1_ecdsa_sign failed");
    Bytes der(72);
    size_t len = der.size();
    secp256k1_ecdsa_signature_serialize_der(ctx(), der.data(), &len, &sig);
    der.resize(len);
    return der;
}

bool ecdsa_verify_der(ByteView pubkey, const Hash256& digest, ByteView der_sig) {
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature sig;
    if (!parse_pub(pubkey, pk)) return false;
    if (der_sig.empty() ||
        !secp256k1_ecdsa_signature_parse_der(ctx(), &sig, der_sig.data(), der_sig.size()))
        return false;
    return secp256k1_ecdsa_verify(ctx(), &sig, digest.data(), &pk) == 1;
}

namespace {
bool verify_normalized(const secp256k1_pubkey& pk, const Hash256& digest, ByteView der_sig) {
    secp256k1_ecdsa_signature sig;
    if (der_sig.empty() ||
        !secp256k1_ecdsa_signature_parse_der(ctx(), &sig, der_sig.data(), der_sig.size()))
        return false;
    // Deliberate: accept high-S for the deployed v1 authority envelope (PRODUCT.md, "Low-S").
    secp256k1_ecdsa_signature_normalize(ctx(), &sig, &sig);
    return secp256k1_ecdsa_verify(ctx(), &sig, digest.data(), &pk) == 1;
}
}  // namespace

bool ecdsa_verify_der_normalized(ByteView pubkey, const Hash256& digest, ByteView der_sig) {
    secp256k1_pubkey pk;
    if (!parse_pub(pubkey, pk)) return false;
    return verify_normalized(pk, digest, der_sig);
}

bool ecdsa_verify_der_normalized(const ParsedPubKey& pubkey, const Hash256& digest,
                                 ByteView der_sig) {
    secp256k1_pubkey pk;
    std::memcpy(pk.data, pubkey.raw().data(), sizeof pk.data);
    return verify_normalized(pk, digest, der_sig);
}

bool ecdsa_der_is_high_s(ByteView der_sig) {
    secp256k1_ecdsa_signature sig;
    if (der_sig.empty() ||
        !secp256k1_ecdsa_signature_parse_der(ctx(), &sig, der_sig.data(), der_sig.size()))
        return false;
    return secp256k1_ecdsa_signature_normalize(ctx(), nullptr, &sig) == 1;
}

Result<ByteArray<64>> ecdsa_der_to_compact(ByteView der_sig) {
    secp256k1_ecdsa_signature sig;
    if (der_sig.empty() ||
        !secp256k1_ecdsa_signature_parse_der(ctx(), &sig, der_sig.data(), der_sig.size()))
        return make_error(Errc::bad_encoding, "signature is not strict DER");
    ByteArray<64> out{};
    secp256k1_ecdsa_signature_serialize_compact(ctx(), out.data(), &sig);
    return out;
}

Result<Bytes> ecdsa_der_normalize(ByteView der_sig) {
    secp256k1_ecdsa_signature sig;
    if (der_sig.empty() ||
        !secp256k1_ecdsa_signature_parse_der(ctx(), &sig, der_sig.data(), der_sig.size()))
        return make_error(Errc::bad_encoding, "signature is not strict DER");
    secp256k1_ecdsa_signature_normalize(ctx(), &sig, &sig);
    Bytes der(72);
    size_t len = der.size();
    secp256k1_ecdsa_signature_serialize_der(ctx(), der.data(), &len, &sig);
    der.resize(len);
    return der;
}

namespace detail {
const secp256k1_context* secp256k1_ctx() {
    return ctx();
}
}  // namespace detail

}  // namespace sharemsg::crypto
