#include "proto/signing_key.hpp"

#include "proto/constants.hpp"

namespace sharemsg::proto {

Bytes Announcement::pack() const {
    ByteWriter w;
    w.bytes(signing_id);
    w.u32le(key_index);
    w.bytes(pubkey);
    return std::move(w).take();
}

Result<Announcement> unpack_announcement(ByteView data, std::size_t offset) {
    if (offset > data.size() || data.size() - offset < SIGNING_KEY_ANNOUNCEMENT_SIZE)
        return make_error(Errc::truncated,
                          "announcement: need 57 bytes, have " +
                              std::to_string(offset > data.size() ? 0 : data.size() - offset));
    ByteReader r(data, offset);
    Announcement a;
    a.signing_id = *r.array<20>("announcement.signing_id");
    a.key_index = *r.u32le("announcement.key_index");
    a.pubkey = *r.array<33>("announcement.pubkey");
    if (crypto::hash160(a.pubkey) != a.signing_id)
        return make_error(Errc::bad_key,
                          "announcement: signing_id is not HASH160 of the announced pubkey");
    return a;
}

Bytes signing_key_hmac_message(std::uint32_t key_index) {
    ByteWriter w;
    w.bytes(as_bytes(SIGNING_KEY_DOMAIN));
    w.u32le(key_index);
    return std::move(w).take();
}

DerivedSigningKey::DerivedSigningKey(crypto::PrivKey priv, std::uint32_t index)
    : priv_(std::move(priv)), key_index_(index), pub_(priv_.pubkey()), id_(crypto::hash160(pub_)) {}

Result<DerivedSigningKey> DerivedSigningKey::derive(ByteView master, std::uint32_t key_index) {
    if (master.size() != 32)
        return make_error(Errc::invalid_argument, "Master private key must be 32 bytes, got " +
                                                      std::to_string(master.size()));
    crypto::Hash256 sk = crypto::hmac_sha256(master, signing_key_hmac_message(key_index));
    auto priv = crypto::PrivKey::from_bytes(sk);
    crypto::wipe(sk.data(), sk.size());
    if (!priv) return priv.error();
    return DerivedSigningKey(std::move(priv).value(), key_index);
}

Result<DerivedSigningKey> DerivedSigningKey::from_signing_key(ByteView signing_privkey,
                                                              std::uint32_t key_index) {
    auto priv = crypto::PrivKey::from_bytes(signing_privkey);
    if (!priv) return priv.error();
    return DerivedSigningKey(std::move(priv).value(), key_index);
}

}  // namespace sharemsg::proto
