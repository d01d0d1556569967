// Share message: wire layout, hash, signing, verification and the JSON view.
#include <gtest/gtest.h>

#include "crypto/secp256k1.hpp"
#include "proto/message.hpp"
#include "proto/registry.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

const ojson& share_message_vectors() {
    return vectors()["share_message"]["vectors"];
}

// The vector's input as a locally created message, signed by its signer if it has one.
ShareMessage from_input(const ojson& v) {
    const auto& in = v["input"];
    auto m = ShareMessage::make(
        in["msg_type"].get<std::uint8_t>(), hexb(in["payload"].get<std::string>()),
        in.value("flags", FLAG_BROADCAST | FLAG_PERSISTENT), in["timestamp"].get<std::uint32_t>());
    if (v.contains("signer")) sign_message(m, signing_key(v["signer"].get<std::string>()));
    return m;
}

// A registry in which `key` is registered for `address`.
SigningKeyRegistry registry_with(const DerivedSigningKey& key, const std::string& address) {
    SigningKeyRegistry reg;
    reg.register_key(address, key.signing_id(), key.key_index(), key.pubkey(), kNow);
    return reg;
}

Error unpack_error(const Bytes& data, std::size_t offset = 0) {
    auto r = unpack_message(data, offset);
    EXPECT_FALSE(r.ok());
    return r ? Error{Errc::io, "unexpectedly ok"} : r.error();
}

// Header for a message with the given payload length (type 2, flags 6, timestamp 0x01020304).
Bytes header(std::uint16_t payload_len) {
    return {0x02,
            0x06,
            0x04,
            0x03,
            0x02,
            0x01,
            static_cast<std::uint8_t>(payload_len),
            static_cast<std::uint8_t>(payload_len >> 8)};
}

}  // namespace

TEST(ProtoMessagePack, HandComputedLayout) {
    auto m = ShareMessage::make(0x02, as_bytes("hi"), 0x06, 0x01020304);
    m.signing_id = SigningId{};
    m.signing_id->fill(0xab);
    m.signature = {0x30, 0x01, 0x02};
    Bytes expected = header(2);
    append(expected, as_bytes("hi"));
    expected.insert(expected.end(), 20, 0xab);
    append(expected, Bytes{0x03, 0x30, 0x01, 0x02});
    EXPECT_EQ(to_hex(packed(m)), to_hex(expected));
    EXPECT_EQ(m.packed_size(), expected.size());
}

TEST(ProtoMessagePack, UnsignedHasZeroIdAndZeroSigLen) {
    auto m = ShareMessage::make(0x01, {}, 0x02, 0xffffffff);
    Bytes expected{0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00};
    expected.insert(expected.end(), 21, 0x00);
    EXPECT_EQ(to_hex(packed(m)), to_hex(expected));
    EXPECT_EQ(m.packed_size(), 29u);
}

TEST(ProtoMessagePack, HashIsSha256dOfTypeWireFlagsTimestampPayload) {
    auto m = ShareMessage::make(0x02, as_bytes("hi"), 0x06, 0x01020304);
    Bytes pre{0x02, 0x06, 0x04, 0x03, 0x02, 0x01, 'h', 'i'};
    EXPECT_EQ(m.hash(), crypto::sha256d(pre));
    m.flags = 0x02;  // local flags are not hashed
    EXPECT_EQ(m.hash(), crypto::sha256d(pre));
    m.wire_flags = 0x0e;
    pre[1] = 0x0e;
    EXPECT_EQ(m.hash(), crypto::sha256d(pre));
}

TEST(ProtoMessagePack, MatchesReferenceVectorsIncludingRfc6979Signatures) {
    int checked = 0;
    for (const auto& v : share_message_vectors()) {
        SCOPED_TRACE(v["what"].get<std::string>());
        const auto& want = v["message"];
        auto m = from_input(v);
        EXPECT_EQ(m.flags, want["flags"].get<int>());
        EXPECT_EQ(to_hex(m.hash()), want["message_hash"].get<std::string>());
        EXPECT_EQ(to_hex(m.signature), want["signature"].get<std::string>());
        auto p = pack_message(m);
        if (want.contains("pack_error")) {
            ASSERT_FALSE(p);
            EXPECT_EQ(p.error().code, Errc::oversize);
            EXPECT_EQ(p.error().reason, want["pack_error"]["message"].get<std::string>());
        } else {
            ASSERT_TRUE(p) << p.error().to_string();
            EXPECT_EQ(to_hex(*p), want["pack"].get<std::string>());
        }
        EXPECT_EQ(message_to_json(m, v["clock"].get<double>()), v["to_dict"]["ok"]);
        ++checked;
    }
    EXPECT_EQ(checked, 5);
}

TEST(ProtoMessageUnpack, RoundTripsReferenceVectors) {
    for (const auto& v : share_message_vectors()) {
        if (!v.contains("unpacked")) continue;
        SCOPED_TRACE(v["what"].get<std::string>());
        const auto& want = v["unpacked"];
        auto r = unpack_message(hexb(v["message"]["pack"].get<std::string>()));
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->next_offset, want["new_offset"].get<std::size_t>());
        EXPECT_EQ(r->message.flags, want["flags"].get<int>());
        EXPECT_EQ(r->message.wire_flags, want["wire_flags"].get<int>());
        EXPECT_EQ(to_hex(r->message.hash()), want["message_hash"].get<std::string>());
        EXPECT_EQ(to_hex(packed(r->message)), want["pack"].get<std::string>());
        EXPECT_EQ(message_to_json(r->message, v["clock"].get<double>()),
                  v["unpacked_to_dict"]["ok"]);
    }
}

TEST(ProtoMessageUnpack, ReferenceUnpackVectorsAndErrorTexts) {
    for (const auto& v : vectors()["share_message_unpack"]) {
        SCOPED_TRACE(v["what"].get<std::string>());
        auto r = unpack_message(hexb(v["data"].get<std::string>()), v["offset"].get<std::size_t>());
        const auto& want = v["result"];
        if (want.contains("error")) {
            ASSERT_FALSE(r);
            EXPECT_EQ(r.error().reason, want["message"].get<std::string>());
            continue;
        }
        ASSERT_TRUE(r) << r.error().to_string();
        const auto& m = r->message;
        EXPECT_EQ(r->next_offset, want["new_offset"].get<std::size_t>());
        EXPECT_EQ(m.flags, want["flags"].get<int>());
        EXPECT_EQ(m.wire_flags, want["wire_flags"].get<int>());
        EXPECT_EQ(m.signing_id.has_value(), want["signing_id"].is_string());
        EXPECT_EQ(to_hex(m.signature), want["signature"].get<std::string>());
        EXPECT_EQ(to_hex(m.hash()), want["message_hash"].get<std::string>());
        EXPECT_EQ(to_hex(packed(m)), want["pack"].get<std::string>());
    }
}

TEST(ProtoMessageUnpack, AuthorityFlagStrippedButHashedAndKeptInWireFlags) {
    Bytes data{0x20, 0x0f, 0, 0, 0, 0, 0x02, 0x00, '{', '}'};
    data.insert(data.end(), 21, 0x00);
    auto r = unpack_message(data);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message.flags, 0x07);
    EXPECT_EQ(r->message.wire_flags, 0x0f);
    EXPECT_FALSE(r->message.is_protocol_authority());
    EXPECT_EQ(r->message.hash(), crypto::sha256d(Bytes{0x20, 0x0f, 0, 0, 0, 0, '{', '}'}));
    EXPECT_EQ(packed(r->message)[1], 0x07);  // pack writes the local flags
}

TEST(ProtoMessageUnpack, ReadsAtOffsetAndReportsNextOffset) {
    auto m = ShareMessage::make(0x03, as_bytes("abc"), 0x06, 7);
    Bytes data{0xee, 0xee};
    append(data, packed(m));
    data.push_back(0x99);  // trailing byte is not this message's business
    auto r = unpack_message(data, 2);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->next_offset, 2 + 32u);
    EXPECT_EQ(to_string(r->message.payload), "abc");
    EXPECT_FALSE(r->message.signing_id);
    EXPECT_EQ(unpack_error(data, 100).code, Errc::truncated);  // offset past the end
}

TEST(ProtoMessageUnpack, EveryErrorNamesItsField) {
    {  // 7 bytes
        Bytes d = header(0);
        d.pop_back();
        auto e = unpack_error(d);
        EXPECT_EQ(e.code, Errc::truncated);
        EXPECT_EQ(e.reason, "Message data too short: 7 bytes at offset 0");
    }
    {  // payload_len 221
        Bytes d = header(221);
        d.insert(d.end(), 221 + 21, 0x41);
        auto e = unpack_error(d);
        EXPECT_EQ(e.code, Errc::oversize);
        EXPECT_TRUE(has(e.reason, "Payload length 221")) << e.reason;
    }
    {  // truncated payload
        Bytes d = header(10);
        d.insert(d.end(), 3, 0x41);
        auto e = unpack_error(d);
        EXPECT_EQ(e.code, Errc::truncated);
        EXPECT_EQ(e.reason, "Not enough data for payload: need 10, have 3");
    }
    {  // missing signing_id
        Bytes d = header(1);
        d.push_back('x');
        d.insert(d.end(), 19, 0x01);
        auto e = unpack_error(d);
        EXPECT_EQ(e.code, Errc::truncated);
        EXPECT_TRUE(has(e.reason, "signing_id")) << e.reason;
    }
    {  // missing sig_len
        Bytes d = header(1);
        d.push_back('x');
        d.insert(d.end(), 20, 0x01);
        auto e = unpack_error(d);
        EXPECT_EQ(e.code, Errc::truncated);
        EXPECT_TRUE(has(e.reason, "signature length")) << e.reason;
    }
    {  // sig_len beyond the data
        Bytes d = header(0);
        d.insert(d.end(), 20, 0x01);
        d.push_back(72);
        d.insert(d.end(), 10, 0x30);
        auto e = unpack_error(d);
        EXPECT_EQ(e.code, Errc::truncated);
        EXPECT_EQ(e.reason, "Not enough data for signature: need 72, have 10");
    }
}

TEST(ProtoMessageUnpack, AcceptsLongSignaturesThatPackRefuses) {
    Bytes d = header(0);
    d.insert(d.end(), 20, 0x00);
    d.push_back(255);
    d.insert(d.end(), 255, 0x30);
    auto r = unpack_message(d);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message.signature.size(), 255u);
    EXPECT_EQ(r->next_offset, d.size());
    auto p = pack_message(r->message);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, Errc::oversize);
}

TEST(ProtoMessagePack, Errors) {
    auto big = ShareMessage::make(0x02, Bytes(221, 'B'), 0x06, 1);
    auto e = pack_message(big);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::oversize);
    EXPECT_EQ(e.error().reason, "Message payload too large: 221 > 220");
    big.payload.resize(220);
    EXPECT_TRUE(pack_message(big));

    auto sig = ShareMessage::make(0x02, as_bytes("x"), 0x07, 1);
    sig.signature.assign(74, 0x30);
    e = pack_message(sig);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::oversize);
    EXPECT_EQ(e.error().reason, "Signature too large: 74");
    sig.signature.resize(73);
    EXPECT_TRUE(pack_message(sig));
}

TEST(ProtoMessageSign, SignsWithDerivedKeyAndVerifiesThroughRegistry) {
    const auto key = signing_key("m1k0");
    auto m = text_message(MSG_MINER_MESSAGE, "verify me", 1699999100);
    sign_message(m, key);
    EXPECT_EQ(m.flags, 0x07);
    EXPECT_EQ(m.wire_flags, 0x07);
    EXPECT_EQ(m.signing_id, key.signing_id());
    // The reference's verify vector: same key and message, same RFC6979 signature.
    const auto& want = vectors()["share_message"]["verify"][0]["message"];
    EXPECT_EQ(to_hex(m.signature), want["signature"].get<std::string>());
    EXPECT_EQ(to_hex(packed(m)), want["pack"].get<std::string>());

    auto reg = registry_with(key, "A");
    EXPECT_TRUE(verify_with_registry(m, reg, mainnet_authorities()));
    EXPECT_TRUE(m.verified);
    EXPECT_EQ(m.sender_address, "A");
    EXPECT_FALSE(m.is_protocol_authority());
}

TEST(ProtoMessageSign, VectorAfterRegistryVerifyJson) {
    for (const auto& v : share_message_vectors()) {
        if (!v.contains("after_registry_verify")) continue;
        SCOPED_TRACE(v["what"].get<std::string>());
        const auto signer = v["signer"].get<std::string>();
        auto m = unpack_message(hexb(v["message"]["pack"].get<std::string>()))->message;
        auto reg = registry_with(signing_key(signer), "miner_" + signer);
        EXPECT_TRUE(verify_with_registry(m, reg, mainnet_authorities()));
        EXPECT_EQ(m.flags, v["after_registry_verify"]["flags"].get<int>());
        EXPECT_EQ(message_to_json(m, v["clock"].get<double>()),
                  v["after_registry_verify"]["to_dict"]);
    }
}

TEST(ProtoMessageVerify, RegistryPathFailures) {
    const auto key = signing_key("m1k0");
    auto fresh = [&] {
        auto m = text_message(MSG_MINER_MESSAGE, "verify me", 1699999100);
        sign_message(m, key);
        return m;
    };
    const auto& auth = mainnet_authorities();
    {  // unknown signing id
        auto m = fresh();
        auto reg = registry_with(signing_key("m2k0"), "B");
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
        EXPECT_FALSE(m.verified);
        EXPECT_FALSE(m.sender_address);
    }
    {  // revoked by rotation to key index 1
        auto m = fresh();
        auto reg = registry_with(key, "A");
        const auto k1 = signing_key("m1k1");
        reg.register_key("A", k1.signing_id(), 1, k1.pubkey(), kNow);
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
    }
    auto reg = registry_with(key, "A");
    {  // flipped payload byte
        auto m = fresh();
        m.payload[0] ^= 0x01;
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
    }
    {  // flipped signature byte (last byte of S: still well-formed DER)
        auto m = fresh();
        m.signature.back() ^= 0x01;
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
    }
    {  // garbage signature
        auto m = fresh();
        m.signature = {0x30, 0x00};
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
    }
    {  // no signature flag, or no signature at all
        auto m = fresh();
        m.flags &= static_cast<std::uint8_t>(~FLAG_HAS_SIGNATURE);
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
        auto n = fresh();
        n.signature.clear();
        EXPECT_FALSE(verify_with_registry(n, reg, auth));
    }
    {  // the high-S twin of a valid signature: the registry path is low-S only
        auto m = fresh();
        const Bytes high = negate_s(m.signature);
        EXPECT_TRUE(crypto::ecdsa_der_is_high_s(high));
        EXPECT_TRUE(crypto::ecdsa_verify_der_normalized(key.pubkey(), m.hash(), high));
        m.signature = high;
        EXPECT_FALSE(verify_with_registry(m, reg, auth));
        EXPECT_FALSE(m.verified);
    }
    {  // sanity: the untouched message still verifies against the same registry
        auto m = fresh();
        EXPECT_TRUE(verify_with_registry(m, reg, auth));
    }
}

TEST(ProtoMessageVerify, RegistryKeyThatIsAnAuthoritySetsTheAuthorityFlag) {
    auto m = text_message(MSG_EMERGENCY, "alert", 1699999000);
    m.signing_id = crypto::hash160(hexb(kAuthorityAPub));
    sign_message_with(m, privkey(kAuthorityAPriv));
    SigningKeyRegistry reg;
    reg.register_key("authA", *m.signing_id, 0, hexa<33>(kAuthorityAPub), kNow);
    EXPECT_TRUE(verify_with_registry(m, reg, ab_authorities()));
    EXPECT_TRUE(m.is_protocol_authority());
    m.flags &= static_cast<std::uint8_t>(~FLAG_PROTOCOL_AUTHORITY);
    EXPECT_TRUE(
        verify_with_registry(m, reg, mainnet_authorities()));  // A is not a mainnet authority
    EXPECT_FALSE(m.is_protocol_authority());
}

TEST(ProtoMessageVerify, AuthorityDirectPath) {
    auto m = authority_signed(kAuthorityAPriv, MSG_TRANSITION_SIGNAL, "{}", 1699999400);
    EXPECT_FALSE(m.signing_id);  // sign_message_with leaves the id alone
    m.flags = 0x07;              // as after unpack
    EXPECT_FALSE(verify_authority_direct(m, hexb(kAuthorityBPub), ab_authorities()));
    EXPECT_FALSE(verify_authority_direct(m, hexb(kAuthorityAPub), mainnet_authorities()));
    EXPECT_FALSE(m.is_protocol_authority());
    EXPECT_TRUE(verify_authority_direct(m, hexb(kAuthorityAPub), ab_authorities()));
    EXPECT_TRUE(m.verified);
    EXPECT_EQ(m.flags, 0x0f);

    // High-S twin: accepted on this path only (normalized), never by strict verification.
    auto twin = m;
    twin.flags = 0x07;
    twin.signature = negate_s(m.signature);
    EXPECT_FALSE(crypto::ecdsa_verify_der(hexb(kAuthorityAPub), twin.hash(), twin.signature));
    EXPECT_TRUE(verify_authority_direct(twin, hexb(kAuthorityAPub), ab_authorities()));
    twin.payload[0] ^= 1;
    EXPECT_FALSE(verify_authority_direct(twin, hexb(kAuthorityAPub), ab_authorities()));
    // The path does not require the signature flag; it sets it (and the authority flag).
    auto bare = ShareMessage::make(MSG_TRANSITION_SIGNAL, as_bytes("{}"), 0x06, 1699999400);
    bare.signature = crypto::ecdsa_sign_der(privkey(kAuthorityAPriv), bare.hash());
    EXPECT_FALSE(bare.has_signature());
    EXPECT_TRUE(verify_authority_direct(bare, hexb(kAuthorityAPub), ab_authorities()));
    EXPECT_EQ(bare.flags, 0x0f);
    EXPECT_EQ(bare.wire_flags, 0x06);
    bare.signature.clear();
    EXPECT_FALSE(verify_authority_direct(bare, hexb(kAuthorityAPub), ab_authorities()));
    EXPECT_FALSE(bare.verified);
}

TEST(ProtoMessageVerify, MainnetBlobHighSSignatureAcceptedOnlyAfterNormalization) {
    const auto& blob = vectors()["mainnet_transition_blob"];
    const auto& mv = blob["messages"][0];
    auto dec = decrypt_envelope(mainnet_blob(), mainnet_authorities());
    ASSERT_TRUE(dec) << dec.error().to_string();
    auto m = unpack_message(dec->inner, 4)->message;
    EXPECT_EQ(to_hex(m.signature), mv["unpacked"]["signature"].get<std::string>());
    EXPECT_EQ(to_hex(m.hash()), mv["unpacked"]["message_hash"].get<std::string>());
    const auto& sa = mv["signature_analysis"];
    EXPECT_TRUE(has(to_hex(m.signature), sa["r"].get<std::string>()));
    EXPECT_TRUE(has(to_hex(m.signature), sa["s"].get<std::string>()));

    const Bytes maintainer = hexb(blob["decrypt_authority_pubkey"].get<std::string>());
    EXPECT_TRUE(crypto::ecdsa_der_is_high_s(m.signature));
    EXPECT_FALSE(crypto::ecdsa_verify_der(maintainer, m.hash(), m.signature));
    EXPECT_TRUE(crypto::ecdsa_verify_der(
        maintainer, m.hash(), hexb(sa["low_s_normalized_signature"].get<std::string>())));
    EXPECT_EQ(to_hex(negate_s(hexb(sa["low_s_normalized_signature"].get<std::string>()))),
              to_hex(m.signature));

    auto other = m;
    EXPECT_FALSE(
        verify_authority_direct(other, mainnet_authorities()[0].pubkey, mainnet_authorities()));
    EXPECT_TRUE(verify_authority_direct(m, maintainer, mainnet_authorities()));
    EXPECT_EQ(m.flags, mv["verify_authority_direct_ecdsa"]["flags_after"].get<int>());
    EXPECT_EQ(message_to_json(m, blob["clock"].get<double>()),
              mv["verify_authority_direct_ecdsa"]["to_dict_after"]);
}

TEST(ProtoMessageJson, TextDataRawAndFallbacks) {
    auto json_of = [](std::uint8_t type, Bytes payload) {
        return message_to_json(ShareMessage::make(type, payload, 0x06, 1000), 1000);
    };
    auto j = json_of(MSG_MINER_MESSAGE, text_bytes("Gr\xc3\xbc\xc3\x9f"
                                                   "e"));
    EXPECT_EQ(j["text"],
              "Gr\xc3\xbc\xc3\x9f"
              "e");
    EXPECT_FALSE(j.contains("data") || j.contains("raw"));
    EXPECT_EQ(json_of(MSG_EMERGENCY, {0xff, 0xfe, 0x41})["text"],
              "fffe41");                                                  // invalid UTF-8 -> hex
    EXPECT_EQ(json_of(MSG_POOL_ANNOUNCE, {0xc0, 0xaf})["text"], "c0af");  // overlong -> hex

    j = json_of(MSG_VERSION_SIGNAL, text_bytes(R"({"ver":36,"feat":["mm"]})"));
    EXPECT_EQ(j["data"].dump(), R"({"ver":36,"feat":["mm"]})");
    EXPECT_FALSE(j.contains("raw"));
    EXPECT_EQ(json_of(MSG_NODE_STATUS, text_bytes("not json"))["raw"],
              to_hex(as_bytes("not json")));
    EXPECT_EQ(json_of(MSG_MERGED_STATUS, {0xff, '{', '}'})["raw"], "ff7b7d");
    EXPECT_FALSE(json_of(MSG_TRANSITION_SIGNAL, text_bytes("{")).contains("data"));

    j = json_of(0x7f, text_bytes("hello"));
    EXPECT_EQ(j["type"], "UNKNOWN_0x7f");
    EXPECT_EQ(j["type_id"], 0x7f);
    EXPECT_EQ(j["raw"], to_hex(as_bytes("hello")));
    EXPECT_FALSE(j.contains("text"));
}

TEST(ProtoMessageJson, AgeSenderShareHashAndKeyOrder) {
    auto m = text_message(MSG_MINER_MESSAGE, "hi", 1000, 0x07);
    EXPECT_EQ(message_to_json(m, 1010.9)["age"], 10);
    EXPECT_EQ(message_to_json(m, 999.5)["age"], 0);  // int() truncates toward zero
    EXPECT_EQ(message_to_json(m, 990.0)["age"], -10);

    m.sender_address = "";
    EXPECT_FALSE(message_to_json(m, 1000).contains("sender"));
    m.sender_address.reset();
    EXPECT_FALSE(message_to_json(m, 1000).contains("sender"));
    EXPECT_FALSE(message_to_json(m, 1000).contains("signing_id"));

    m.sender_address = "LaAddr";
    m.signing_id = hexa<20>("6b000460548e25968e1e7e6ac54c18003bee5242");
    m.share_hash = share_hash(0x1001);
    m.verified = true;
    EXPECT_EQ(
        message_to_json(m, 1005).dump(),
        R"({"type":"MINER_MESSAGE","type_id":2,"timestamp":1000,"age":5,)"
        R"("flags":{"signed":true,"broadcast":true,"persistent":true},"verified":true,)"
        R"("signing_id":"6b000460548e25968e1e7e6ac54c18003bee5242","protocol_authority":false,)"
        R"("text":"hi","sender":"LaAddr",)"
        R"("share_hash":"0000000000000000000000000000000000000000000000000000000000001001"})");
}
