#include "proto/envelope.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace sharemsg::proto {

namespace {
std::string type_hex(std::uint8_t t) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", t);
    return buf;
}
}  // namespace

crypto::Hash256 envelope_key(ByteView authority_pubkey, ByteView nonce) {
    return crypto::hmac_sha256(authority_pubkey, nonce);
}

namespace {

// XORs `data` with the keystream into `out` (same size); `out` may be `data`.
void apply_keystream(ByteView data, const crypto::Hash256& enc_key, std::uint8_t* out) {
    std::array<std::uint8_t, 36> block_input;  // enc_key || le32(counter)
    std::copy(enc_key.begin(), enc_key.end(), block_input.begin());
    std::uint32_t counter = 0;
    for (std::size_t done = 0; done < data.size(); ++counter) {
        for (std::size_t i = 0; i < 4; ++i)
            block_input[32 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
        const auto block = crypto::sha256(block_input);
        const std::size_t n = std::min(block.size(), data.size() - done);
        for (std::size_t i = 0; i < n; ++i)
            out[done + i] = data[done + i] ^ block[i];
        done += n;
    }
}

Bytes xor_stream(ByteView data, const crypto::Hash256& enc_key) {
    Bytes out(data.size());
    apply_keystream(data, enc_key, out.data());
    return out;
}

}  // namespace

Bytes envelope_keystream(const crypto::Hash256& enc_key, std::size_t length) {
    Bytes stream(length, 0);
    apply_keystream(stream, enc_key, stream.data());
    return stream;
}

Result<Bytes> encrypt_envelope(ByteView inner, ByteView authority_pubkey, const Nonce16& nonce,
                               const AuthoritySet& authorities) {
    if (inner.empty()) return Bytes{};
    if (!find_authority(authorities, authority_pubkey))
        return make_error(Errc::not_authority,
                          "encrypt_message_data: pubkey not in DONATION_AUTHORITY_PUBKEYS");
    const auto key = envelope_key(authority_pubkey, nonce);
    Bytes ciphertext = xor_stream(inner, key);
    const auto mac = crypto::hmac_sha256(key, ciphertext);
    ByteWriter w;
    w.u8(ENCRYPTED_ENVELOPE_VERSION);
    w.bytes(nonce);
    w.bytes(mac);
    w.bytes(ciphertext);
    return std::move(w).take();
}

Result<Decrypted> decrypt_envelope(ByteView env, const AuthoritySet& authorities) {
    if (env.size() < ENCRYPTION_HEADER_SIZE + 1)
        return make_error(Errc::truncated, "envelope: need at least " +
                                               std::to_string(ENCRYPTION_HEADER_SIZE + 1) +
                                               " bytes, have " + std::to_string(env.size()));
    if (env[0] != ENCRYPTED_ENVELOPE_VERSION)
        return make_error(Errc::bad_version,
                          "envelope: version byte " + type_hex(env[0]) + " is not 0x01");
    ByteView nonce = env.subspan(1, ENCRYPTION_NONCE_SIZE);
    ByteView mac = env.subspan(1 + ENCRYPTION_NONCE_SIZE, ENCRYPTION_MAC_SIZE);
    ByteView ciphertext = env.subspan(ENCRYPTION_HEADER_SIZE);
    for (const auto& a : authorities) {
        const auto key = envelope_key(a.pubkey, nonce);
        if (!crypto::equal_ct(crypto::hmac_sha256(key, ciphertext), mac)) continue;
        return Decrypted{xor_stream(ciphertext, key), &a};
    }
    return make_error(Errc::not_authority, "envelope: MAC matches no authority key");
}

UnpackedShareMessages unpack_share_messages(ByteView data, const AuthoritySet& authorities) {
    UnpackedShareMessages out;
    if (data.size() < ENCRYPTION_HEADER_SIZE + 4) {
        out.notes.push_back("message_data shorter than 53 bytes");
        return out;
    }
    auto dec = decrypt_envelope(data, authorities);
    if (!dec) {
        out.notes.push_back(dec.error().reason);
        return out;
    }
    out.info = SigningKeyInfo{dec->authority, std::nullopt};
    const Bytes& inner = dec->inner;
    if (inner.size() < 4) {
        out.notes.push_back("inner envelope shorter than 4 bytes");
        return out;
    }
    const std::uint8_t version = inner[0], flags = inner[1], ann_len = inner[3];
    std::size_t count = inner[2];
    if (version != INNER_ENVELOPE_VERSION) {
        out.notes.push_back("inner envelope version " + std::to_string(version) +
                            " is not 1; skipped");
        return out;
    }
    std::size_t offset = 4;
    if ((flags & INNER_FLAG_HAS_ANNOUNCEMENT) && ann_len > 0) {
        if (inner.size() - offset >= ann_len) {
            ByteView ann_bytes = ByteView(inner).subspan(offset, ann_len);
            auto ann = unpack_announcement(ann_bytes);
            if (ann) {
                out.info->announcement = *ann;
                if (ann_len != SIGNING_KEY_ANNOUNCEMENT_SIZE)
                    out.notes.push_back("announcement_len " + std::to_string(ann_len) +
                                        " is not 57");
            } else {
                out.notes.push_back("announcement ignored: " + ann.error().reason);
            }
        } else {
            out.notes.push_back("announcement_len " + std::to_string(ann_len) +
                                " exceeds the inner envelope");
        }
        offset += ann_len;
    }
    if (count > MAX_MESSAGES_PER_SHARE) {
        out.notes.push_back("msg_count " + std::to_string(count) + " capped to 3");
        count = MAX_MESSAGES_PER_SHARE;
    }
    out.messages.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto m = unpack_message(inner, offset);
        if (!m) {
            out.notes.push_back("message " + std::to_string(i) + " dropped: " + m.error().reason);
            offset = inner.size();
            break;
        }
        out.messages.push_back(std::move(m->message));
        offset = m->next_offset;
    }
    if (offset < inner.size())
        out.notes.push_back(std::to_string(inner.size() - offset) +
                            " trailing bytes after the messages");
    return out;
}

Result<Bytes> pack_inner(const std::vector<ShareMessage>& messages,
                         const std::optional<Bytes>& announcement) {
    const std::size_t count = std::min(messages.size(), MAX_MESSAGES_PER_SHARE);
    const Bytes ann = announcement.value_or(Bytes{});
    if (ann.size() > 255)
        return make_error(Errc::oversize, "announcement: " + std::to_string(ann.size()) +
                                              " bytes do not fit its length byte");
    ByteWriter w;
    w.u8(INNER_ENVELOPE_VERSION);
    w.u8(ann.empty() ? 0 : INNER_FLAG_HAS_ANNOUNCEMENT);
    w.u8(static_cast<std::uint8_t>(count));
    w.u8(static_cast<std::uint8_t>(ann.size()));
    w.bytes(ann);
    for (std::size_t i = 0; i < count; ++i) {
        auto packed = pack_message(messages[i]);
        if (!packed) return packed.error();
        w.bytes(*packed);
    }
    if (w.size() > MAX_TOTAL_MESSAGE_BYTES)
        return make_error(Errc::oversize, "Total message data " + std::to_string(w.size()) +
                                              " exceeds limit " +
                                              std::to_string(MAX_TOTAL_MESSAGE_BYTES));
    return std::move(w).take();
}

Result<Bytes> pack_share_messages(std::vector<ShareMessage>& messages,
                                  const std::optional<Bytes>& announcement, const Nonce16& nonce,
                                  const AuthoritySet& authorities, ReferenceQuirks quirks) {
    const bool has_ann = announcement && !announcement->empty();
    if (messages.empty() && !has_ann) return Bytes{};
    if (authorities.empty()) return make_error(Errc::not_authority, "no authority keys configured");
    const Authority* used = nullptr;
    for (auto& m : messages) {
        if (m.signature.empty())
            return make_error(Errc::not_authority,
                              "Message type " + type_hex(m.msg_type) +
                                  " has no signature -- all share-embedded messages must be "
                                  "signed by a COMBINED_DONATION_SCRIPT authority key");
        m.flags &= static_cast<std::uint8_t>(~FLAG_PROTOCOL_AUTHORITY);
        bool ok = false;
        for (const auto& a : authorities) {
            if (verify_authority_direct(m, a)) {
                ok = true;
                used = &a;
                break;
            }
        }
        if (!ok)
            return make_error(Errc::not_authority,
                              "Message type " + type_hex(m.msg_type) +
                                  " signature does not match any COMBINED_DONATION_SCRIPT "
                                  "authority key -- refusing to pack");
        if (m.flags != m.wire_flags && !quirks.pack_rewrites_signed_flags)
            return make_error(
                Errc::invalid_argument,
                "Message type " + type_hex(m.msg_type) + " was signed with flags " +
                    type_hex(m.wire_flags) + "; packing writes " + type_hex(m.flags) +
                    ", which its signature does not cover (sign with FLAG_PROTOCOL_AUTHORITY set)");
    }
    auto inner = pack_inner(messages, has_ann ? announcement : std::nullopt);
    if (!inner) return inner.error();
    if (!used) used = &authorities.front();
    return encrypt_envelope(*inner, used->pubkey, nonce, authorities);
}

crypto::Hash256 message_data_hash(ByteView message_data) {
    if (message_data.empty()) return crypto::Hash256{};
    return crypto::sha256d(message_data);
}

const char* v36_rule_name(V36Rule r) {
    switch (r) {
        case V36Rule::ok_empty:
            return "ok (no message_data)";
        case V36Rule::ok:
            return "ok";
        case V36Rule::not_decrypted:
            return "not decrypted";
        case V36Rule::no_messages:
            return "no messages";
        case V36Rule::unsigned_message:
            return "unsigned message";
        case V36Rule::bad_signature:
            return "bad signature";
    }
    return "?";
}

V36Verdict check_v36_message_data(ByteView message_data, const AuthoritySet& authorities) {
    V36Verdict v;
    if (message_data.empty()) return v;
    auto unpacked = unpack_share_messages(message_data, authorities);
    if (!unpacked.info) {
        v.rule = V36Rule::not_decrypted;
        v.reason = "share carries message_data that failed decryption against all authority keys";
        return v;
    }
    v.authority = unpacked.info->authority;
    if (unpacked.messages.empty()) {
        v.rule = V36Rule::no_messages;
        v.reason = "share message_data decrypted but contains no valid messages";
        return v;
    }
    for (auto& m : unpacked.messages) {
        if (m.signature.empty()) {
            v.rule = V36Rule::unsigned_message;
            v.reason = "share contains unsigned message (type " + type_hex(m.msg_type) +
                       ") inside encrypted envelope";
            return v;
        }
        if (!verify_authority_direct(m, *v.authority)) {
            v.rule = V36Rule::bad_signature;
            v.reason = "share contains message (type " + type_hex(m.msg_type) +
                       ") with invalid signature; does not match encryption authority key";
            return v;
        }
        m.flags |= FLAG_PROTOCOL_AUTHORITY;
    }
    v.rule = V36Rule::ok;
    v.reason = "ok: " + std::to_string(unpacked.messages.size()) +
               " authority message(s) signed by " + v.authority->name;
    v.messages = std::move(unpacked.messages);
    return v;
}

}  // namespace sharemsg::proto
