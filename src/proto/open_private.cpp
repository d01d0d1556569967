#include "proto/open_private.hpp"

#include <algorithm>

#include "crypto/ecdh.hpp"
#include "crypto/symmetric.hpp"
#include "proto/open_ledger.hpp"

namespace sharemsg::proto::open {

namespace {

Result<Bytes> decrypt_payload(ByteView payload, std::uint8_t msg_type, std::uint8_t wire_flags,
                              std::uint32_t timestamp, const SigningId& sender_id,
                              const SigningId& recipient_id, const DerivedSigningKey& mine,
                              ByteView other_pubkey, const NetworkId& network_id) {
    if (mine.signing_id() != recipient_id && mine.signing_id() != sender_id)
        return make_error(Errc::invalid_argument,
                          "private message: this signing key is neither its sender nor its "
                          "recipient");
    if (payload.size() < PRIVATE_OVERHEAD)
        return make_error(Errc::truncated,
                          "private payload: need at least " + std::to_string(PRIVATE_OVERHEAD) +
                              " bytes (nonce and tag), have " + std::to_string(payload.size()));
    auto key =
        private_message_key(mine.privkey(), other_pubkey, network_id, sender_id, recipient_id);
    if (!key) return key.error();
    GcmNonce nonce{};
    std::copy_n(payload.begin(), PRIVATE_NONCE_SIZE, nonce.begin());
    const Bytes aad =
        private_message_aad(network_id, sender_id, recipient_id, msg_type, wire_flags, timestamp);
    auto pt = crypto::aes256gcm_open(*key, nonce, aad, payload.subspan(PRIVATE_NONCE_SIZE));
    crypto::wipe(key->data(), key->size());
    return pt;
}

}  // namespace

Result<ByteArray<32>> private_message_key(const crypto::PrivKey& mine, ByteView their_pubkey,
                                          const NetworkId& network_id, const SigningId& sender_id,
                                          const SigningId& recipient_id) {
    auto secret = crypto::ecdh_sha256(mine, their_pubkey);
    if (!secret) return secret.error();
    Bytes info(PRIVATE_HKDF_INFO.begin(), PRIVATE_HKDF_INFO.end());
    append(info, network_id);
    append(info, sender_id);
    append(info, recipient_id);
    Bytes okm = crypto::hkdf_sha256(*secret, as_bytes(PRIVATE_HKDF_SALT), info, 32);
    crypto::wipe(secret->data(), secret->size());
    ByteArray<32> key{};
    std::copy(okm.begin(), okm.end(), key.begin());
    crypto::wipe(okm.data(), okm.size());
    return key;
}

Bytes private_message_aad(const NetworkId& network_id, const SigningId& sender_id,
                          const SigningId& recipient_id, std::uint8_t msg_type,
                          std::uint8_t wire_flags, std::uint32_t timestamp) {
    ByteWriter w;
    w.bytes(network_id);
    w.bytes(sender_id);
    w.bytes(recipient_id);
    w.u8(msg_type);
    w.u8(signed_flags(wire_flags));
    w.u32le(timestamp);
    return std::move(w).take();
}

Result<OpenMessage> make_private_message(std::uint8_t msg_type, ByteView plaintext,
                                         std::uint32_t timestamp, const DerivedSigningKey& sender,
                                         const AddressHash& sender_address,
                                         const crypto::CompressedPubKey& recipient_pubkey,
                                         const NetworkId& network_id, const GcmNonce& gcm_nonce,
                                         std::uint8_t flags) {
    if (plaintext.size() > MAX_PRIVATE_PLAINTEXT)
        return make_error(Errc::oversize, "private plaintext: " + std::to_string(plaintext.size()) +
                                              " bytes exceed " +
                                              std::to_string(MAX_PRIVATE_PLAINTEXT));
    if (!crypto::parse_pubkey(recipient_pubkey))
        return make_error(Errc::bad_key, "recipient pubkey is not a valid secp256k1 point");
    const SigningId recipient_id = crypto::hash160(recipient_pubkey);
    OpenMessage m = make_open_message(msg_type, {}, timestamp, flags, recipient_id);
    // The flags as they will be signed (make_open_message set FLAG_PRIVATE).
    m.flags |= FLAG_HAS_SIGNATURE;
    auto key = private_message_key(sender.privkey(), recipient_pubkey, network_id,
                                   sender.signing_id(), recipient_id);
    if (!key) return key.error();
    const Bytes aad = private_message_aad(network_id, sender.signing_id(), recipient_id, msg_type,
                                          m.flags, timestamp);
    m.payload.assign(gcm_nonce.begin(), gcm_nonce.end());
    append(m.payload, crypto::aes256gcm_seal(*key, gcm_nonce, aad, plaintext));
    crypto::wipe(key->data(), key->size());
    if (auto st = sign_open_message(m, sender, sender_address, network_id); !st) return st.error();
    return m;
}

Result<Bytes> decrypt_private(const ShareMessage& m, const DerivedSigningKey& mine,
                              ByteView other_pubkey, const NetworkId& network_id) {
    if (!m.recipient || !(m.flags & FLAG_PRIVATE) || !m.signing_id)
        return make_error(Errc::invalid_argument, "not a private message");
    return decrypt_payload(m.payload, m.msg_type, m.wire_flags, m.timestamp, *m.signing_id,
                           *m.recipient, mine, other_pubkey, network_id);
}

Result<Bytes> decrypt_private(const OpenMessage& m, const DerivedSigningKey& mine,
                              ByteView other_pubkey, const NetworkId& network_id) {
    if (!m.recipient || !m.is_private() || m.fragment)
        return make_error(Errc::invalid_argument, "not a whole private message");
    return decrypt_payload(m.payload, m.msg_type, m.flags, m.timestamp, m.signing_id, *m.recipient,
                           mine, other_pubkey, network_id);
}

Bytes display_payload(
    const ShareMessage& m, const DerivedSigningKey* mine, const NetworkId& network_id,
    const std::function<std::optional<crypto::CompressedPubKey>(const SigningId&)>& pubkey_of) {
    const Bytes placeholder(ENCRYPTED_PLACEHOLDER.begin(), ENCRYPTED_PLACEHOLDER.end());
    if (!m.recipient || !(m.flags & FLAG_PRIVATE)) return m.payload;
    if (!mine || !m.signing_id) return placeholder;
    std::optional<crypto::CompressedPubKey> other;
    if (mine->signing_id() == *m.recipient) {
        other = pubkey_of(*m.signing_id);
    } else if (mine->signing_id() == *m.signing_id) {
        other = pubkey_of(*m.recipient);
    }
    if (!other) return placeholder;
    auto pt = decrypt_private(m, *mine, *other, network_id);
    return pt ? *pt : placeholder;
}

Bytes display_payload(const ShareMessage& m, const DerivedSigningKey* mine, const Ledger& ledger) {
    return display_payload(m, mine, ledger.config().network_id,
                           [&](const SigningId& id) -> std::optional<crypto::CompressedPubKey> {
                               auto k = ledger.key(id);
                               if (!k) return std::nullopt;
                               return k->pubkey;
                           });
}

}  // namespace sharemsg::proto::open
