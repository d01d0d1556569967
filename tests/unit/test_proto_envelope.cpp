// The v1 authority envelope: encryption, decryption, inner-envelope parsing, the packing
// gate and the V36 share rule.
#include <gtest/gtest.h>

#include <set>

#include "proto/envelope.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

const ojson& env_vectors() {
    return vectors()["authority_envelope"];
}

// The authority in `set` with this pubkey, by name ("" when none).
std::string authority_name(const Authority* a) {
    return a ? a->name : "";
}

// A message signed by authority A, with the given text (transition type, flags 0x0f).
ShareMessage by_a(std::string_view text, std::uint32_t ts = 1699999400) {
    return authority_signed(kAuthorityAPriv, MSG_TRANSITION_SIGNAL, text, ts);
}

Bytes inner_header(std::uint8_t version, std::uint8_t flags, std::uint8_t count,
                   std::uint8_t ann_len) {
    return {version, flags, count, ann_len};
}

bool any_note(const UnpackedShareMessages& u, std::string_view needle) {
    for (const auto& n : u.notes)
        if (has(n, needle)) return true;
    return false;
}

}  // namespace

TEST(ProtoEnvelopeCrypto, EncryptMatchesReferenceVectors) {
    int n = 0;
    for (const auto& v : env_vectors()["encrypt"]) {
        SCOPED_TRACE(v["what"].get<std::string>());
        const Bytes pub = hexb(v["authority_pubkey"].get<std::string>());
        const Bytes inner = hexb(v["inner"].get<std::string>());
        const auto nn = hexa<16>(v["nonce"].get<std::string>());
        const auto key = envelope_key(pub, nn);
        EXPECT_EQ(to_hex(key), v["enc_key"].get<std::string>());
        EXPECT_EQ(to_hex(envelope_keystream(key, inner.size())), v["keystream"].get<std::string>());
        auto env = encrypt_envelope(inner, pub, nn, mainnet_authorities());
        ASSERT_TRUE(env) << env.error().to_string();
        EXPECT_EQ(to_hex(*env), v["envelope"].get<std::string>());
        auto dec = decrypt_envelope(*env, mainnet_authorities());
        ASSERT_TRUE(dec) << dec.error().to_string();
        EXPECT_EQ(to_hex(dec->inner), v["decrypt"][0].get<std::string>());
        EXPECT_EQ(authority_name(dec->authority), v["decrypt_authority"].get<std::string>());
        ++n;
    }
    EXPECT_EQ(n, 3);
}

TEST(ProtoEnvelopeCrypto, KeystreamIsSha256CounterMode) {
    const auto key = envelope_key(hexb(kAuthorityAPub), nonce(1));
    EXPECT_EQ(key, crypto::hmac_sha256(hexb(kAuthorityAPub), nonce(1)));
    auto block = [&](std::uint8_t counter) {
        Bytes in(key.begin(), key.end());
        append(in, Bytes{counter, 0, 0, 0});
        return to_hex(crypto::sha256(in));
    };
    EXPECT_EQ(to_hex(envelope_keystream(key, 65)), block(0) + block(1) + block(2).substr(0, 2));
    EXPECT_TRUE(envelope_keystream(key, 0).empty());
}

TEST(ProtoEnvelopeCrypto, EncryptEdgeCases) {
    EXPECT_TRUE(
        encrypt_envelope({}, mainnet_authorities()[0].pubkey, nonce(0), mainnet_authorities())
            ->empty());
    auto e = encrypt_envelope(Bytes{1}, hexb(kAuthorityAPub), nonce(0), mainnet_authorities());
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::not_authority);
    // Layout: version, nonce, HMAC(enc_key, ciphertext), ciphertext.
    auto env = *encrypt_envelope(Bytes{1, 2, 3}, hexb(kAuthorityAPub), nonce(5), ab_authorities());
    ASSERT_EQ(env.size(), 49u + 3);
    EXPECT_EQ(env[0], 0x01);
    EXPECT_EQ(Bytes(env.begin() + 1, env.begin() + 17), Bytes(16, 5));
    const auto key = envelope_key(hexb(kAuthorityAPub), nonce(5));
    const Bytes ct(env.begin() + 49, env.end());
    EXPECT_EQ(to_hex(Bytes(env.begin() + 17, env.begin() + 49)),
              to_hex(crypto::hmac_sha256(key, ct)));
}

TEST(ProtoEnvelopeCrypto, DecryptVectorsAndErrors) {
    for (const auto& v : env_vectors()["decrypt"]) {
        SCOPED_TRACE(v["what"].get<std::string>());
        auto dec = decrypt_envelope(hexb(v["envelope"].get<std::string>()), mainnet_authorities());
        if (v["decrypt"][0].is_null()) {
            ASSERT_FALSE(dec);
            EXPECT_EQ(dec.error().code, Errc::truncated);
        } else {
            ASSERT_TRUE(dec);
            EXPECT_EQ(to_hex(dec->inner), v["decrypt"][0].get<std::string>());
            EXPECT_EQ(authority_name(dec->authority), v["decrypt_authority"].get<std::string>());
        }
    }
    const Bytes good = hexb(env_vectors()["decrypt"][0]["envelope"].get<std::string>());
    auto expect_error = [](const Bytes& env, const AuthoritySet& set, Errc code) {
        auto d = decrypt_envelope(env, set);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, code) << d.error().to_string();
    };
    Bytes bad = good;
    bad[0] = 0x02;
    expect_error(bad, mainnet_authorities(), Errc::bad_version);
    bad = good;
    bad[20] ^= 0x01;  // MAC
    expect_error(bad, mainnet_authorities(), Errc::not_authority);
    bad = good;
    bad.back() ^= 0x01;  // ciphertext
    expect_error(bad, mainnet_authorities(), Errc::not_authority);
    expect_error(good, ab_authorities(), Errc::not_authority);  // right bytes, wrong key set
    expect_error(Bytes(good.begin(), good.begin() + 49), mainnet_authorities(), Errc::truncated);
    expect_error(Bytes(good.begin(), good.begin() + 50), mainnet_authorities(),
                 Errc::not_authority);
}

TEST(ProtoEnvelopeCrypto, MessageDataHash) {
    for (const auto& v : env_vectors()["compute_message_data_hash"]) {
        SCOPED_TRACE(v["what"].get<std::string>());
        const Bytes in = v["input"].is_null() ? Bytes{} : hexb(v["input"].get<std::string>());
        EXPECT_EQ(to_hex(message_data_hash(in)), v["hash"].get<std::string>());
    }
}

TEST(ProtoEnvelopeUnpack, ReferenceVectors) {
    for (const auto& v : vectors()["unpack_share_messages"]) {
        SCOPED_TRACE(v["what"].get<std::string>());
        const Bytes env = hexb(v["envelope"].get<std::string>());
        // The envelope is the vector's inner encrypted under forrestv with its nonce.
        EXPECT_EQ(to_hex(*encrypt_envelope(
                      hexb(v["inner"].get<std::string>()), mainnet_authorities()[0].pubkey,
                      hexa<16>(v["nonce"].get<std::string>()), mainnet_authorities())),
                  to_hex(env));
        auto u = unpack_share_messages(env, mainnet_authorities());
        const auto& want = v["result"];
        ASSERT_TRUE(u.info);
        EXPECT_EQ(authority_name(u.info->authority),
                  want["signing_key_info"]["authority_name"].get<std::string>());
        EXPECT_EQ(u.info->announcement.has_value(),
                  want["signing_key_info"].contains("signing_id"));
        if (u.info->announcement) {
            EXPECT_EQ(to_hex(u.info->announcement->signing_id),
                      want["signing_key_info"]["signing_id"].get<std::string>());
            EXPECT_EQ(u.info->announcement->key_index,
                      want["signing_key_info"]["key_index"].get<std::uint32_t>());
            EXPECT_EQ(to_hex(u.info->announcement->pubkey),
                      want["signing_key_info"]["signing_pubkey"].get<std::string>());
        }
        ASSERT_EQ(u.messages.size(), want["messages"].size());
        for (std::size_t i = 0; i < u.messages.size(); ++i) {
            EXPECT_EQ(to_hex(u.messages[i].hash()),
                      want["messages"][i]["message_hash"].get<std::string>());
            EXPECT_EQ(to_hex(packed(u.messages[i])),
                      want["messages"][i]["pack"].get<std::string>());
        }
    }
}

TEST(ProtoEnvelopeUnpack, NoInfoForShortOrUndecryptableData) {
    const Bytes env = seal({by_a("x")}, std::nullopt, kAuthorityAPub, ab_authorities());
    EXPECT_FALSE(
        unpack_share_messages(Bytes(env.begin(), env.begin() + 52), ab_authorities()).info);
    EXPECT_FALSE(unpack_share_messages(env, mainnet_authorities()).info);
    EXPECT_FALSE(unpack_share_messages({}, ab_authorities()).info);
    auto u = unpack_share_messages(env, ab_authorities());
    ASSERT_TRUE(u.info);
    EXPECT_EQ(u.messages.size(), 1u);
    EXPECT_TRUE(u.notes.empty());
}

TEST(ProtoEnvelopeUnpack, ToleranceCases) {
    const Bytes msg = packed(by_a("m"));
    auto with = [&](Bytes inner, int copies = 1) {
        for (int i = 0; i < copies; ++i)
            append(inner, msg);
        return unpack_share_messages(seal_raw(inner), ab_authorities());
    };
    {  // a 3-byte inner makes a 52-byte envelope: below the 53-byte minimum, so no info at all
        auto u = unpack_share_messages(seal_raw({1, 0, 0}), ab_authorities());
        EXPECT_FALSE(u.info);
        EXPECT_TRUE(u.messages.empty());
        auto four = unpack_share_messages(seal_raw({1, 0, 0, 0}), ab_authorities());
        ASSERT_TRUE(four.info);
        EXPECT_TRUE(four.messages.empty());
        EXPECT_TRUE(four.notes.empty());
    }
    {  // inner version 2: info, no messages, a note
        auto u = with(inner_header(2, 0, 1, 0));
        ASSERT_TRUE(u.info);
        EXPECT_EQ(authority_name(u.info->authority), "test_authority_A");
        EXPECT_TRUE(u.messages.empty());
        EXPECT_TRUE(any_note(u, "version 2"));
    }
    {  // announcement flag off but ann_len > 0: the length is ignored, messages start at 4
        auto u = with(inner_header(1, 0, 1, 57));
        ASSERT_EQ(u.messages.size(), 1u);
        EXPECT_FALSE(u.info->announcement);
        EXPECT_EQ(to_string(u.messages[0].payload), "m");
    }
    {  // announcement longer than the inner envelope: skipped, and so are the messages
        auto u = with(inner_header(1, 1, 1, 200));
        ASSERT_TRUE(u.info);
        EXPECT_FALSE(u.info->announcement);
        EXPECT_TRUE(u.messages.empty());
        EXPECT_TRUE(any_note(u, "exceeds"));
    }
    {  // announcement whose id is not HASH160(pubkey): ignored, messages still read
        Bytes ann = signing_key("m1k0").announcement().pack();
        ann[0] ^= 1;
        Bytes inner = inner_header(1, 1, 1, 57);
        append(inner, ann);
        auto u = with(inner);
        EXPECT_FALSE(u.info->announcement);
        EXPECT_EQ(u.messages.size(), 1u);
        EXPECT_TRUE(any_note(u, "announcement ignored"));
    }
    {  // a valid announcement
        Bytes inner = inner_header(1, 1, 1, 57);
        append(inner, signing_key("m2k7").announcement().pack());
        auto u = with(inner);
        ASSERT_TRUE(u.info->announcement);
        EXPECT_EQ(*u.info->announcement, signing_key("m2k7").announcement());
        EXPECT_EQ(u.messages.size(), 1u);
    }
    {  // announcement_len 60 holding a valid 57-byte announcement: accepted, 60 bytes skipped
        Bytes inner = inner_header(1, 1, 1, 60);
        append(inner, signing_key("m1k0").announcement().pack());
        append(inner, Bytes{0xaa, 0xbb, 0xcc});
        auto u = with(inner);
        ASSERT_TRUE(u.info->announcement);
        EXPECT_EQ(u.messages.size(), 1u);
        EXPECT_TRUE(any_note(u, "announcement_len 60 is not 57"));
    }
    {  // announcement_len 56: too short to be one, skipped
        Bytes ann = signing_key("m1k0").announcement().pack();
        ann.pop_back();
        Bytes inner = inner_header(1, 1, 1, 56);
        append(inner, ann);
        auto u = with(inner);
        EXPECT_FALSE(u.info->announcement);
        EXPECT_EQ(u.messages.size(), 1u);
    }
    {  // msg_count 5 with 5 messages: capped at 3, the rest is trailing
        auto u = with(inner_header(1, 0, 5, 0), 5);
        EXPECT_EQ(u.messages.size(), 3u);
        EXPECT_TRUE(any_note(u, "capped"));
        EXPECT_TRUE(any_note(u, "trailing"));
    }
    {  // garbage after the messages: messages kept, a note
        Bytes inner = inner_header(1, 0, 2, 0);
        append(inner, msg);
        append(inner, msg);
        append(inner, Bytes{0xde, 0xad});
        auto u = unpack_share_messages(seal_raw(inner), ab_authorities());
        EXPECT_EQ(u.messages.size(), 2u);
        EXPECT_TRUE(any_note(u, "2 trailing bytes"));
    }
    {  // a malformed second message: the first is kept, parsing stops
        Bytes inner = inner_header(1, 0, 3, 0);
        append(inner, msg);
        append(inner, Bytes{0x02, 0x06, 0, 0, 0, 0, 0xff, 0x00});  // payload_len 255
        append(inner, msg);
        auto u = unpack_share_messages(seal_raw(inner), ab_authorities());
        EXPECT_EQ(u.messages.size(), 1u);
        EXPECT_TRUE(any_note(u, "message 1 dropped"));
    }
    {  // count 0 with message bytes present
        auto u = with(inner_header(1, 0, 0, 0));
        EXPECT_TRUE(u.messages.empty());
    }
}

TEST(ProtoEnvelopePack, ReferenceVectors) {
    for (const auto& v : vectors()["pack_share_messages"]) {
        SCOPED_TRACE(v["what"].get<std::string>());
        std::vector<ShareMessage> msgs;
        for (const auto& mj : v["messages_in"])
            msgs.push_back(message_from_json(mj));
        std::optional<Bytes> ann;
        if (v["announcement"].is_string()) ann = hexb(v["announcement"].get<std::string>());
        auto env = pack_share_messages(msgs, ann, hexa<16>(v["nonce"].get<std::string>()),
                                       ab_authorities());
        if (v.contains("result")) {
            ASSERT_FALSE(env);
            EXPECT_EQ(env.error().code, Errc::not_authority);
            EXPECT_EQ(env.error().reason, v["result"]["message"].get<std::string>());
            continue;
        }
        ASSERT_TRUE(env) << env.error().to_string();
        EXPECT_EQ(to_hex(*env), v["envelope"].get<std::string>());
        EXPECT_EQ(to_hex(*pack_inner(msgs, ann)), v["inner"].get<std::string>());
        ASSERT_EQ(msgs.size(), v["messages_after_pack_flags"].size());
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            EXPECT_EQ(msgs[i].flags, v["messages_after_pack_flags"][i]["flags"].get<int>());
            EXPECT_EQ(msgs[i].verified, v["messages_after_pack_flags"][i]["verified"].get<bool>());
        }
        auto dec = decrypt_envelope(*env, ab_authorities());
        ASSERT_TRUE(dec);
        EXPECT_EQ(authority_name(dec->authority), v["encrypted_with"].get<std::string>());
    }
}

TEST(ProtoEnvelopePack, AuthoritySignatureIsDeterministic) {
    // The vector's TRANSITION_SIGNAL, signed afresh with A: RFC6979 gives the same bytes.
    const auto& want = vectors()["pack_share_messages"][1]["messages_in"][0];
    auto m = ShareMessage::make(
        want["msg_type"].get<std::uint8_t>(), hexb(want["payload"].get<std::string>()),
        want["flags"].get<std::uint8_t>(), want["timestamp"].get<std::uint32_t>());
    sign_message_with(m, privkey(kAuthorityAPriv));
    EXPECT_EQ(to_hex(m.signature), want["signature"].get<std::string>());
    EXPECT_EQ(to_hex(packed(m)), want["pack"].get<std::string>());
}

TEST(ProtoEnvelopePack, Gate) {
    const auto& set = ab_authorities();
    std::vector<ShareMessage> none;
    EXPECT_TRUE(pack_share_messages(none, std::nullopt, nonce(1), set)->empty());
    EXPECT_TRUE(pack_share_messages(none, Bytes{}, nonce(1), set)->empty());

    std::vector<ShareMessage> unsigned_msg{text_message(MSG_MINER_MESSAGE, "x", 1)};
    auto r = pack_share_messages(unsigned_msg, std::nullopt, nonce(1), set);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_authority);
    EXPECT_TRUE(has(r.error().reason, "has no signature"));

    auto chat = text_message(MSG_MINER_MESSAGE, "x", 1);
    sign_message(chat, signing_key("m1k0"));
    std::vector<ShareMessage> non_authority{chat};
    r = pack_share_messages(non_authority, std::nullopt, nonce(1), set);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_authority);
    EXPECT_TRUE(has(r.error().reason, "does not match any"));

    // A spoofed authority flag on a non-authority message does not get it through.
    non_authority[0].flags |= FLAG_PROTOCOL_AUTHORITY;
    EXPECT_FALSE(pack_share_messages(non_authority, std::nullopt, nonce(1), set));

    std::vector<ShareMessage> a_signed{by_a("x")};
    EXPECT_FALSE(pack_share_messages(a_signed, std::nullopt, nonce(1), mainnet_authorities()));
    EXPECT_FALSE(pack_share_messages(a_signed, std::nullopt, nonce(1), AuthoritySet{}));
}

TEST(ProtoEnvelopePack, TruncatesToThreeAndLimitsSize) {
    const auto& set = ab_authorities();
    std::vector<ShareMessage> four{by_a("1", 1), by_a("2", 2), by_a("3", 3), by_a("4", 4)};
    auto env = pack_share_messages(four, std::nullopt, nonce(2), set);
    ASSERT_TRUE(env) << env.error().to_string();
    auto u = unpack_share_messages(*env, set);
    ASSERT_EQ(u.messages.size(), 3u);
    EXPECT_EQ(to_string(u.messages[2].payload), "3");

    const std::string big(200, 'x');
    std::vector<ShareMessage> large{by_a(big, 1), by_a(big, 2), by_a(big, 3)};
    auto too_big = pack_share_messages(large, std::nullopt, nonce(2), set);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, Errc::oversize);
    EXPECT_TRUE(has(too_big.error().reason, "exceeds limit 512"));

    // Exactly 512 bytes of inner envelope pass; 513 do not.
    const auto first = by_a(std::string(220, 'y'), 1);
    auto pair_of_size = [&](std::size_t total) -> std::optional<std::vector<ShareMessage>> {
        for (std::size_t k = 0; k <= 220; ++k) {
            auto second = by_a(std::string(k, 'z'), 2);
            if (4 + first.packed_size() + second.packed_size() == total)
                return std::vector<ShareMessage>{first, second};
        }
        return std::nullopt;
    };
    auto at_limit = pair_of_size(512);
    ASSERT_TRUE(at_limit);
    auto inner = pack_inner(*at_limit, std::nullopt);
    ASSERT_TRUE(inner) << inner.error().to_string();
    EXPECT_EQ(inner->size(), 512u);
    auto over = pair_of_size(513);
    ASSERT_TRUE(over);
    EXPECT_EQ(pack_inner(*over, std::nullopt).error().code, Errc::oversize);
}

TEST(ProtoEnvelopePack, AnnouncementOnlyAndLastSignerChoosesKey) {
    const auto& set = ab_authorities();
    std::vector<ShareMessage> none;
    const Bytes ann = signing_key("m1k0").announcement().pack();
    auto env = pack_share_messages(none, ann, nonce(3), set);
    ASSERT_TRUE(env);
    auto dec = decrypt_envelope(*env, set);
    ASSERT_TRUE(dec);
    EXPECT_EQ(authority_name(dec->authority), "test_authority_A");  // first authority
    Bytes expect_inner = inner_header(1, 1, 0, 57);
    append(expect_inner, ann);
    EXPECT_EQ(to_hex(dec->inner), to_hex(expect_inner));

    std::vector<ShareMessage> mixed{
        by_a("a"), authority_signed(kAuthorityBPriv, MSG_EMERGENCY, "b", 1699999401)};
    env = pack_share_messages(mixed, std::nullopt, nonce(3), set);
    ASSERT_TRUE(env);
    EXPECT_EQ(authority_name(decrypt_envelope(*env, set)->authority), "test_authority_B");
}

TEST(ProtoEnvelopePack, RefusesToRewriteSignedFlags) {
    // The reference ORs the authority flag in before packing, although the signature covers
    // the flags it was made with, so a message signed without the authority bit packs into
    // an envelope that fails the V36 rule. We refuse it; the quirk switch reproduces the
    // reference for the conformance runner.
    std::vector<ShareMessage> msgs{
        authority_signed(kAuthorityAPriv, MSG_EMERGENCY, "alert", 1699999000, 0x07)};
    auto refused = pack_share_messages(msgs, std::nullopt, nonce(6), ab_authorities());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    EXPECT_NE(refused.error().reason.find("signed with flags 0x07"), std::string::npos);

    ReferenceQuirks quirks;
    quirks.pack_rewrites_signed_flags = true;
    auto env = pack_share_messages(msgs, std::nullopt, nonce(6), ab_authorities(), quirks);
    ASSERT_TRUE(env);
    EXPECT_EQ(msgs[0].flags, 0x0f);
    EXPECT_EQ(msgs[0].wire_flags, 0x07);
    auto u = unpack_share_messages(*env, ab_authorities());
    ASSERT_EQ(u.messages.size(), 1u);
    EXPECT_EQ(u.messages[0].wire_flags, 0x0f);
    EXPECT_EQ(check_v36_message_data(*env, ab_authorities()).rule, V36Rule::bad_signature);

    // Signed with the authority bit set, the same message packs and passes the rule.
    std::vector<ShareMessage> good{
        authority_signed(kAuthorityAPriv, MSG_EMERGENCY, "alert", 1699999000, 0x0f)};
    auto ok = pack_share_messages(good, std::nullopt, nonce(6), ab_authorities());
    ASSERT_TRUE(ok);
    EXPECT_EQ(check_v36_message_data(*ok, ab_authorities()).rule, V36Rule::ok);
}

TEST(ProtoEnvelopeV36, EveryRule) {
    const auto& set = ab_authorities();
    auto rule = [&](const Bytes& data) { return check_v36_message_data(data, set).rule; };

    EXPECT_EQ(rule({}), V36Rule::ok_empty);
    EXPECT_TRUE(check_v36_message_data({}, set).valid());

    std::vector<ShareMessage> msgs{by_a("{\"from\":\"35\",\"to\":\"36\"}")};
    const Bytes good = *pack_share_messages(msgs, std::nullopt, nonce(4), set);
    auto v = check_v36_message_data(good, set);
    EXPECT_EQ(v.rule, V36Rule::ok) << v.reason;
    EXPECT_TRUE(v.valid());
    EXPECT_EQ(authority_name(v.authority), "test_authority_A");
    ASSERT_EQ(v.messages.size(), 1u);
    EXPECT_TRUE(v.messages[0].is_protocol_authority());
    EXPECT_TRUE(v.messages[0].verified);

    Bytes flipped = good;
    flipped[60] ^= 0x01;
    EXPECT_EQ(rule(flipped), V36Rule::not_decrypted);
    EXPECT_EQ(rule(Bytes(80, 0x01)), V36Rule::not_decrypted);
    EXPECT_EQ(rule(Bytes{0x01}), V36Rule::not_decrypted);
    EXPECT_EQ(rule(good), V36Rule::ok);
    EXPECT_FALSE(check_v36_message_data(flipped, set).valid());

    std::vector<ShareMessage> none;
    EXPECT_EQ(
        rule(*pack_share_messages(none, signing_key("m1k0").announcement().pack(), nonce(4), set)),
        V36Rule::no_messages);
    EXPECT_EQ(rule(seal_raw(inner_header(2, 0, 1, 0))), V36Rule::no_messages);

    EXPECT_EQ(
        rule(seal({text_message(MSG_MINER_MESSAGE, "u", 5)}, std::nullopt, kAuthorityAPub, set)),
        V36Rule::unsigned_message);

    auto chat = text_message(MSG_MINER_MESSAGE, "c", 5);
    sign_message(chat, signing_key("m1k0"));
    EXPECT_EQ(rule(seal({chat}, std::nullopt, kAuthorityAPub, set)), V36Rule::bad_signature);
    // Signed by B but encrypted under A: the signature must be by the decrypting key.
    auto by_b = authority_signed(kAuthorityBPriv, MSG_EMERGENCY, "b", 5);
    EXPECT_EQ(rule(seal({by_b}, std::nullopt, kAuthorityAPub, set)), V36Rule::bad_signature);
    EXPECT_EQ(rule(seal({by_b}, std::nullopt, kAuthorityBPub, set)), V36Rule::ok);
    // One good and one bad message: the share is invalid.
    EXPECT_EQ(rule(seal({by_a("ok"), chat}, std::nullopt, kAuthorityAPub, set)),
              V36Rule::bad_signature);

    // High-S authority signature: accepted (normalized), as the deployed network does.
    auto high = by_a("high");
    high.signature = negate_s(high.signature);
    EXPECT_EQ(rule(seal({high}, std::nullopt, kAuthorityAPub, set)), V36Rule::ok);

    std::set<std::string> names;
    for (auto r : {V36Rule::ok_empty, V36Rule::ok, V36Rule::not_decrypted, V36Rule::no_messages,
                   V36Rule::unsigned_message, V36Rule::bad_signature})
        names.insert(v36_rule_name(r));
    EXPECT_EQ(names.size(), 6u);
}

TEST(ProtoEnvelopeV36, RealMainnetBlob) {
    const auto& want = vectors()["mainnet_transition_blob"];
    const Bytes blob = mainnet_blob();
    EXPECT_EQ(to_hex(blob), want["file_hex_stripped"].get<std::string>());
    auto dec = decrypt_envelope(blob, mainnet_authorities());
    ASSERT_TRUE(dec);
    EXPECT_EQ(to_hex(dec->inner), want["inner"].get<std::string>());

    auto v = check_v36_message_data(blob, mainnet_authorities());
    EXPECT_EQ(v.rule, V36Rule::ok) << v.reason;
    EXPECT_EQ(authority_name(v.authority), "maintainer");
    ASSERT_EQ(v.messages.size(), 1u);
    EXPECT_EQ(v.messages[0].msg_type, MSG_TRANSITION_SIGNAL);
    EXPECT_TRUE(v.messages[0].is_protocol_authority());
    EXPECT_EQ(to_hex(v.messages[0].hash()),
              want["messages"][0]["unpacked"]["message_hash"].get<std::string>());

    Bytes flipped = blob;
    flipped[100] ^= 0x01;  // one ciphertext byte
    EXPECT_EQ(check_v36_message_data(flipped, mainnet_authorities()).rule, V36Rule::not_decrypted);
    EXPECT_EQ(check_v36_message_data(blob, ab_authorities()).rule, V36Rule::not_decrypted);
}
