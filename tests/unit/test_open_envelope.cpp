// The open profile's wire format (proto/open_envelope.hpp): sealing and opening, every
// structural rejection, delegations, message signatures and the outbox packer.
#include <gtest/gtest.h>

#include "open_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;
namespace po = sharemsg::proto::open;

namespace {

bool has(const std::string& s, std::string_view needle) {
    return s.find(needle) != std::string::npos;
}

// An envelope with an announcement, a public and a private message.
Envelope sample_envelope() {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    Envelope env;
    env.announcement = a.ann;
    env.messages.push_back(signed_msg(a, "hello devnet", 1700000000));
    env.messages.push_back(signed_msg(a, "for b only", 1700000001, kNet, b.id()));
    return env;
}

// Expects open() to fail with `code` and a reason containing `field`.
void expect_open_error(ByteView data, Errc code, std::string_view field) {
    auto r = po::open(data, kNet);
    ASSERT_FALSE(r) << "decoded, expected " << errc_name(code) << " naming " << field;
    EXPECT_EQ(r.error().code, code) << r.error().to_string();
    EXPECT_TRUE(has(r.error().reason, field)) << r.error().to_string();
}

Bytes inner_of(const Envelope& env) {
    auto r = encode_inner(env);
    if (!r) throw std::runtime_error(r.error().to_string());
    return *r;
}

}  // namespace

TEST(OpenEnvelope, SealOpenRoundTrip) {
    const Envelope env = sample_envelope();
    auto data = seal(env, kNet, nonce(9));
    ASSERT_TRUE(data) << data.error().to_string();
    ASSERT_GE(data->size(), HEADER_SIZE + 2);
    EXPECT_EQ((*data)[0], 0x02);
    EXPECT_EQ((*data)[1], 0x01);
    const auto n = nonce(9);
    EXPECT_TRUE(std::equal(n.begin(), n.end(), data->begin() + 2));
    EXPECT_TRUE(is_open_profile(*data));
    auto back = po::open(*data, kNet);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, env);
    // Re-sealing with the same nonce gives the same bytes: the encoding is canonical.
    EXPECT_EQ(*seal(*back, kNet, n), *data);
}

TEST(OpenEnvelope, ObfuscationHidesPlaintextAndDependsOnNonceAndNetwork) {
    const Envelope env = sample_envelope();
    const Bytes inner = inner_of(env);
    const Bytes a = *seal(env, kNet, nonce(1));
    const Bytes b = *seal(env, kNet, nonce(2));
    EXPECT_NE(a, b);
    // The ciphertext is not the plaintext, and the text is not visible.
    EXPECT_NE(Bytes(a.begin() + HEADER_SIZE, a.end()), inner);
    EXPECT_FALSE(has(to_string(a), "hello devnet"));
    // The key is SHA256("p2pool-msg-obfuscate" || identifier).
    Bytes pre = text("p2pool-msg-obfuscate");
    append(pre, kNet);
    EXPECT_EQ(obfuscation_key(kNet), crypto::sha256(pre));
    // Another network's key does not open it (this fixed case decodes to garbage).
    EXPECT_FALSE(po::open(a, kOtherNet));
}

TEST(OpenEnvelope, EveryTruncationIsAnError) {
    const Bytes data = *seal(sample_envelope(), kNet, nonce(3));
    for (std::size_t n = 0; n < data.size(); ++n) {
        auto r = po::open(ByteView(data).first(n), kNet);
        ASSERT_FALSE(r) << "prefix of " << n << " bytes decoded";
        EXPECT_FALSE(r.error().reason.empty());
        if (n >= HEADER_SIZE + 2) {
            EXPECT_EQ(r.error().code, Errc::truncated) << n << ": " << r.error().to_string();
        }
    }
    expect_open_error({}, Errc::truncated, "empty");
    expect_open_error(ByteView(data).first(1), Errc::truncated, "version");
    expect_open_error(ByteView(data).first(10), Errc::truncated, "header");
}

TEST(OpenEnvelope, HeaderRejections) {
    Bytes data = *seal(sample_envelope(), kNet, nonce(3));
    Bytes v1 = data;
    v1[0] = 0x01;
    expect_open_error(v1, Errc::bad_version, "profile");
    Bytes v2 = data;
    v2[1] = 0x02;
    expect_open_error(v2, Errc::bad_version, "version");
    Bytes big = data;
    big.resize(MAX_MESSAGE_DATA + 1);
    expect_open_error(big, Errc::oversize, "message_data");
}

TEST(OpenEnvelope, InnerRejectionsNameTheField) {
    const Envelope env = sample_envelope();
    const Bytes inner = inner_of(env);
    // Offsets inside the inner plaintext.
    const std::size_t msg0 = 1 + ANNOUNCEMENT_SIZE + 1;
    const std::size_t plen0 = msg0 + 26;

    Bytes reserved = inner;
    reserved[0] |= 0x80;
    expect_open_error(raw_seal(reserved), Errc::bad_encoding, "inner_flags");

    Bytes count = inner;
    count[1 + ANNOUNCEMENT_SIZE] = 17;
    expect_open_error(raw_seal(count), Errc::oversize, "msg_count");

    Bytes fewer = inner;
    fewer[1 + ANNOUNCEMENT_SIZE] = 1;  // the second message becomes trailing bytes
    expect_open_error(raw_seal(fewer), Errc::trailing_bytes, "after the last message");

    Bytes trailing = inner;
    trailing.push_back(0);
    expect_open_error(raw_seal(trailing), Errc::trailing_bytes, "inner envelope");

    Bytes more = inner;
    more[1 + ANNOUNCEMENT_SIZE] = 3;  // a third message that is not there
    expect_open_error(raw_seal(more), Errc::truncated, "message 3: msg_type");

    Bytes authority_flag = inner;
    authority_flag[msg0 + 1] |= proto::FLAG_PROTOCOL_AUTHORITY;
    expect_open_error(raw_seal(authority_flag), Errc::bad_encoding, "message 1: flags");

    Bytes unsigned_msg = inner;
    unsigned_msg[msg0 + 1] &= static_cast<std::uint8_t>(~proto::FLAG_HAS_SIGNATURE);
    expect_open_error(raw_seal(unsigned_msg), Errc::bad_encoding, "FLAG_HAS_SIGNATURE");

    Bytes long_payload = inner;
    long_payload[plen0] = 221;
    long_payload[plen0 + 1] = 0;
    expect_open_error(raw_seal(long_payload), Errc::oversize, "message 1: payload_len");

    Envelope single;
    single.messages.push_back(env.messages[0]);
    Bytes short_payload = inner_of(single);
    short_payload[2 + 26] = 200;  // more than the bytes that follow
    expect_open_error(raw_seal(short_payload), Errc::truncated, "message 1: payload");

    const std::size_t slen0 = plen0 + 2 + env.messages[0].payload.size();
    Bytes sig73 = inner;
    sig73[slen0] = 73;
    expect_open_error(raw_seal(sig73), Errc::oversize, "message 1: sig_len");
    Bytes sig0 = inner;
    sig0[slen0] = 0;
    expect_open_error(raw_seal(sig0), Errc::bad_encoding, "message 1: sig_len");

    Bytes bad_key = inner;
    bad_key[1] = 0x04;  // signing pubkey prefix
    expect_open_error(raw_seal(bad_key), Errc::bad_key, "announcement.signing_pubkey");
    Bytes bad_master = inner;
    bad_master[1 + 37] = 0x07;
    expect_open_error(raw_seal(bad_master), Errc::bad_key, "announcement.master_pubkey");

    Bytes short_ann = {INNER_HAS_ANNOUNCEMENT};
    short_ann.resize(100);
    expect_open_error(raw_seal(short_ann), Errc::truncated, "announcement");

    const Bytes tag_only = {INNER_HAS_SACRIFICE_TAG, 1, 2, 3};
    expect_open_error(raw_seal(tag_only), Errc::truncated, "sacrifice_tag");
}

TEST(OpenEnvelope, PrivateAndFragmentHeaders) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    Envelope env;
    env.sacrifice_tag = a.id();
    OpenMessage first = signed_msg(a, "part one", 1700000000);
    first.flags =
        static_cast<std::uint8_t>((first.flags | FLAG_FRAGMENT) & ~proto::FLAG_HAS_SIGNATURE);
    first.fragment = FragmentInfo{0xdeadbeef, 0, 2};
    first.signature.clear();
    OpenMessage last = signed_msg(a, "part two", 1700000000, kNet, b.id());
    last.flags |= FLAG_FRAGMENT;
    last.fragment = FragmentInfo{0xdeadbeef, 1, 2};
    env.messages = {first, last};
    auto data = seal(env, kNet, nonce(4));
    ASSERT_TRUE(data) << data.error().to_string();
    auto back = po::open(*data, kNet);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, env);
    ASSERT_EQ(back->messages[1].recipient, b.id());
    EXPECT_EQ(back->messages[1].fragment->msg_id, 0xdeadbeefu);

    const Bytes inner = inner_of(env);
    const std::size_t msg0 = 1 + 20 + 1;
    const std::size_t frag0 = msg0 + 26;
    Bytes total9 = inner;
    total9[frag0 + 5] = 9;
    expect_open_error(raw_seal(total9), Errc::oversize, "message 1: fragment.total");
    Bytes index2 = inner;
    index2[frag0 + 4] = 2;
    expect_open_error(raw_seal(index2), Errc::bad_encoding, "message 1: fragment.index");
    Bytes signed_first = inner;
    signed_first[msg0 + 1] |= proto::FLAG_HAS_SIGNATURE;
    expect_open_error(raw_seal(signed_first), Errc::bad_encoding, "must be clear");
    Bytes no_recipient = inner;
    // Clearing FLAG_PRIVATE on message 2 shifts its fields: it no longer parses.
    const std::size_t msg1 = msg0 + first.encoded_size();
    no_recipient[msg1 + 1] &= static_cast<std::uint8_t>(~FLAG_PRIVATE);
    EXPECT_FALSE(po::open(raw_seal(no_recipient), kNet));
}

TEST(OpenEnvelope, EncoderRefusesWhatTheDecoderWould) {
    const Party a = party(kMaster1, 0);
    auto check = [](OpenMessage m, std::string_view field) {
        Envelope env;
        env.messages.push_back(std::move(m));
        auto r = seal(env, kNet, nonce(1));
        ASSERT_FALSE(r) << field;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_TRUE(has(r.error().reason, field)) << r.error().reason;
    };
    OpenMessage m = signed_msg(a, "x", 1);
    OpenMessage no_recipient = m;
    no_recipient.flags |= FLAG_PRIVATE;
    check(no_recipient, "FLAG_PRIVATE");
    OpenMessage reserved = m;
    reserved.flags |= 0x40;
    check(reserved, "reserved bits");
    OpenMessage big = m;
    big.payload.assign(221, 'x');
    check(big, "payload");
    OpenMessage nosig = m;
    nosig.signature.clear();
    check(nosig, "signature");
    OpenMessage unsigned_flag = m;
    unsigned_flag.flags &= static_cast<std::uint8_t>(~proto::FLAG_HAS_SIGNATURE);
    check(unsigned_flag, "FLAG_HAS_SIGNATURE");
    OpenMessage frag = m;
    frag.fragment = FragmentInfo{1, 0, 2};
    check(frag, "FLAG_FRAGMENT");
    Envelope many;
    many.messages.assign(MAX_MESSAGES + 1, m);
    EXPECT_EQ(seal(many, kNet, nonce(1)).error().code, Errc::invalid_argument);
}

TEST(OpenDelegation, SignVerifyAndHexRoundTrip) {
    const Party a = party(kMaster1, 3);
    EXPECT_TRUE(verify_delegation(a.ann, kNet));
    EXPECT_EQ(a.ann.master_pubkey, a.master.pubkey());
    EXPECT_EQ(a.ann.signing_id(), a.key.signing_id());
    EXPECT_EQ(a.ann.address_hash(), crypto::hash160(a.master.pubkey()));
    // Bound to the network, the key index, the signing key and the master.
    EXPECT_FALSE(verify_delegation(a.ann, kOtherNet));
    BoundAnnouncement idx = a.ann;
    idx.key_index = 4;
    EXPECT_FALSE(verify_delegation(idx, kNet));
    BoundAnnouncement other_key = a.ann;
    other_key.signing_pubkey = party(kMaster2, 3).key.pubkey();
    EXPECT_FALSE(verify_delegation(other_key, kNet));
    BoundAnnouncement other_master = a.ann;
    other_master.master_pubkey = priv(kMaster2).pubkey();
    EXPECT_FALSE(verify_delegation(other_master, kNet));
    BoundAnnouncement flipped = a.ann;
    flipped.delegation_sig[10] ^= 1;
    EXPECT_FALSE(verify_delegation(flipped, kNet));

    const std::string hex = delegation_to_hex(a.ann.delegation());
    EXPECT_EQ(hex.size(), 194u);
    auto d = parse_delegation_hex(hex);
    ASSERT_TRUE(d) << d.error().to_string();
    EXPECT_EQ(*d, a.ann.delegation());
    auto ann = make_announcement(a.key, *d, kNet);
    ASSERT_TRUE(ann);
    EXPECT_EQ(*ann, a.ann);
    // Deterministic without aux randomness; aux randomness changes the signature only.
    EXPECT_EQ(make_delegation(a.master, kNet, a.key.pubkey(), 3), a.ann.delegation());
    ByteArray<32> aux{};
    aux[0] = 1;
    const Delegation r = make_delegation(a.master, kNet, a.key.pubkey(), 3, aux);
    EXPECT_NE(r.signature, a.ann.delegation_sig);
    EXPECT_TRUE(make_announcement(a.key, r, kNet));
}

TEST(OpenDelegation, ParserAndAnnouncementRejections) {
    const Party a = party(kMaster1, 3);
    const std::string hex = delegation_to_hex(a.ann.delegation());
    EXPECT_EQ(parse_delegation_hex(hex.substr(2)).error().code, Errc::invalid_argument);
    EXPECT_EQ(parse_delegation_hex(hex + "00").error().code, Errc::invalid_argument);
    EXPECT_EQ(parse_delegation_hex("zz" + hex.substr(2)).error().code, Errc::bad_encoding);
    EXPECT_EQ(parse_delegation_hex(" " + hex).error().code, Errc::bad_encoding);
    EXPECT_EQ(parse_delegation_hex("04" + hex.substr(2)).error().code, Errc::bad_key);
    EXPECT_EQ(parse_delegation_hex("").error().code, Errc::invalid_argument);
    // A delegation for index 3 does not announce index 4, nor on another network.
    auto k4 = proto::DerivedSigningKey::derive(a.master.bytes(), 4);
    ASSERT_TRUE(k4);
    auto wrong_index = make_announcement(*k4, a.ann.delegation(), kNet);
    ASSERT_FALSE(wrong_index);
    EXPECT_EQ(wrong_index.error().code, Errc::bad_signature);
    EXPECT_FALSE(make_announcement(a.key, a.ann.delegation(), kOtherNet));
}

TEST(OpenMessageSig, SignVerifyAndWhatTheSignatureCovers) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const OpenMessage m = signed_msg(a, "hello", 1700000000);
    EXPECT_EQ(m.signing_id, a.id());
    EXPECT_TRUE(m.flags & proto::FLAG_HAS_SIGNATURE);
    EXPECT_FALSE(crypto::ecdsa_der_is_high_s(m.signature));
    EXPECT_TRUE(verify_open_message(m, a.key.pubkey(), a.address(), kNet));
    // Another network, another claimed address, another key.
    EXPECT_FALSE(verify_open_message(m, a.key.pubkey(), a.address(), kOtherNet));
    EXPECT_FALSE(verify_open_message(m, a.key.pubkey(), b.address(), kNet));
    EXPECT_FALSE(verify_open_message(m, b.key.pubkey(), a.address(), kNet));
    // Every field is covered.
    auto tampered = [&](auto&& change) {
        OpenMessage t = m;
        change(t);
        return verify_open_message(t, a.key.pubkey(), a.address(), kNet);
    };
    EXPECT_FALSE(tampered([](OpenMessage& t) { t.msg_type = proto::MSG_POOL_ANNOUNCE; }));
    EXPECT_FALSE(tampered([](OpenMessage& t) { t.flags ^= proto::FLAG_PERSISTENT; }));
    EXPECT_FALSE(tampered([](OpenMessage& t) { t.timestamp += 1; }));
    EXPECT_FALSE(tampered([](OpenMessage& t) { t.payload.push_back('!'); }));
    EXPECT_FALSE(tampered([](OpenMessage& t) { t.signing_id[0] ^= 1; }));
    // High-S twin of a valid signature: rejected, never normalized.
    const Bytes high = high_s_twin(m.signature);
    ASSERT_TRUE(crypto::ecdsa_der_is_high_s(high));
    ASSERT_EQ(*crypto::ecdsa_der_normalize(high), m.signature);
    EXPECT_FALSE(tampered([&](OpenMessage& t) { t.signature = high; }));
}

TEST(OpenMessageSig, PrivateSignatureBindsTheRecipient) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party c = party(kMasterEvil, 0);
    const OpenMessage m = signed_msg(a, "secret-ish", 1700000000, kNet, b.id());
    EXPECT_TRUE(m.is_private());
    EXPECT_TRUE(verify_open_message(m, a.key.pubkey(), a.address(), kNet));
    OpenMessage redirected = m;
    redirected.recipient = c.id();
    EXPECT_FALSE(verify_open_message(redirected, a.key.pubkey(), a.address(), kNet));
    // Turning it into a public message (dropping the recipient) breaks it too.
    OpenMessage made_public = m;
    made_public.recipient.reset();
    made_public.flags &= static_cast<std::uint8_t>(~FLAG_PRIVATE);
    EXPECT_FALSE(verify_open_message(made_public, a.key.pubkey(), a.address(), kNet));
}

TEST(OpenMessageSig, SigningRules) {
    const Party a = party(kMaster1, 0);
    OpenMessage frag = make_open_message(proto::MSG_MINER_MESSAGE, as_bytes("x"), 1);
    frag.flags |= FLAG_FRAGMENT;
    frag.fragment = FragmentInfo{1, 0, 2};
    EXPECT_EQ(sign_open_message(frag, a.key, a.address(), kNet).error().code,
              Errc::invalid_argument);
    OpenMessage huge =
        make_open_message(proto::MSG_MINER_MESSAGE, Bytes(MAX_REASSEMBLED_PAYLOAD + 1, 'x'), 1);
    EXPECT_EQ(sign_open_message(huge, a.key, a.address(), kNet).error().code, Errc::oversize);
    // Reserved and authority bits are cleared by signing.
    OpenMessage odd = make_open_message(proto::MSG_MINER_MESSAGE, as_bytes("x"), 1, 0xcf);
    ASSERT_TRUE(sign_open_message(odd, a.key, a.address(), kNet));
    EXPECT_EQ(odd.flags,
              proto::FLAG_HAS_SIGNATURE | proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT);
}

TEST(OpenMwu, WeightsFollowTheConstants) {
    const Party a = party(kMaster1, 0);
    const OpenMessage m = signed_msg(a, "0123456789", 1);
    EXPECT_EQ(mwu(m), 8 + 10 + 2 * m.signature.size());
    const OpenMessage p = signed_msg(a, "0123456789", 1, kNet, a.id());
    EXPECT_EQ(mwu(p), 8 + 10 + 20 + 2 * p.signature.size());
    Envelope env;
    env.announcement = a.ann;
    env.sacrifice_tag = a.id();
    env.messages = {m, p};
    EXPECT_EQ(mwu(env), 171 + 20 + mwu(m) + mwu(p));
}

TEST(OpenPack, TakesTheLongestPrefixWithinTheLimits) {
    const Party a = party(kMaster1, 0);
    std::vector<OpenMessage> queue;
    for (int i = 0; i < 5; ++i)
        queue.push_back(signed_msg(a, "queued message " + std::to_string(i), 1700000000 + i));
    auto p = pack_queue(a.ann, queue, kNet, nonce(5));
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(p->taken, 3u);
    EXPECT_LE(p->message_data.size(), 512u);
    auto env = po::open(p->message_data, kNet);
    ASSERT_TRUE(env);
    EXPECT_EQ(env->announcement, a.ann);
    ASSERT_EQ(env->messages.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(env->messages[i], queue[i]);

    // Large messages: fewer fit in 512 bytes, in order.
    std::vector<OpenMessage> big;
    for (int i = 0; i < 3; ++i)
        big.push_back(signed_msg(a, std::string(200, static_cast<char>('a' + i)), 1700000000));
    auto pb = pack_queue(a.ann, big, kNet, nonce(5));
    ASSERT_TRUE(pb);
    EXPECT_EQ(pb->taken, 1u);
    EXPECT_LE(pb->message_data.size(), 512u);
    auto pb2 = pack_queue(std::nullopt, big, kNet, nonce(5));
    ASSERT_TRUE(pb2);
    EXPECT_EQ(pb2->taken, 1u);  // 2 x 300 bytes do not fit either
    EXPECT_EQ(po::open(pb2->message_data, kNet)->messages.front(), big.front());

    // A budget and a share cap in MWU.
    PackLimits budget;
    budget.budget_mwu = mwu(queue[0]) + mwu(queue[1]);
    EXPECT_EQ(pack_queue(a.ann, queue, kNet, nonce(5), budget)->taken, 2u);
    PackLimits cap;
    cap.max_share_mwu = proto::MWU_ANNOUNCEMENT + mwu(queue[0]);
    EXPECT_EQ(pack_queue(a.ann, queue, kNet, nonce(5), cap)->taken, 1u);
    PackLimits zero;
    zero.budget_mwu = 0;
    auto z = pack_queue(a.ann, queue, kNet, nonce(5), zero);
    EXPECT_EQ(z->taken, 0u);
    EXPECT_FALSE(z->message_data.empty());  // the announcement still goes out

    // Nothing to pack: no bytes.
    auto empty = pack_queue(std::nullopt, {}, kNet, nonce(5));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->message_data.empty());
    EXPECT_EQ(empty->taken, 0u);

    // A message that can never be packed is named.
    std::vector<OpenMessage> bad = {queue[0], queue[1]};
    bad[1].signature.clear();
    auto pbad = pack_queue(a.ann, bad, kNet, nonce(5));
    ASSERT_FALSE(pbad);
    EXPECT_TRUE(has(pbad.error().reason, "queue position 1")) << pbad.error().reason;
}

// One layout (src/proto/open_layout.hpp) serves the encoder, the decoder and encoded_size: the
// encoder refuses an announcement the decoder would refuse, and the size of every kind of
// message is what the encoder writes for it.
TEST(OpenLayout, EncoderRefusesAnnouncementKeysTheDecoderRefuses) {
    Envelope env = sample_envelope();
    env.announcement->signing_pubkey[0] = 0x05;
    auto r = seal(env, kNet, nonce(1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_TRUE(has(r.error().reason, "announcement.signing_pubkey")) << r.error().reason;
    env = sample_envelope();
    env.announcement->master_pubkey[0] = 0x04;
    r = seal(env, kNet, nonce(1));
    ASSERT_FALSE(r);
    EXPECT_TRUE(has(r.error().reason, "announcement.master_pubkey")) << r.error().reason;
}

TEST(OpenLayout, EncodedSizeIsWhatTheEncoderWrites) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    std::vector<OpenMessage> kinds{signed_msg(a, "public", 1),
                                   signed_msg(a, "to b", 2, kNet, b.id()), signed_msg(a, "", 3)};
    auto parts = split_fragments(signed_msg(a, std::string(300, 'f'), 4, kNet, b.id()), 7);
    ASSERT_TRUE(parts);
    kinds.insert(kinds.end(), parts->begin(), parts->end());
    for (const auto& m : kinds) {
        Envelope env;
        env.messages.push_back(m);
        auto inner = encode_inner(env);
        ASSERT_TRUE(inner) << inner.error().reason;
        EXPECT_EQ(inner->size(), 2 + m.encoded_size());  // inner_flags, msg_count
        auto back = decode_inner(*inner);
        ASSERT_TRUE(back) << back.error().reason;
        EXPECT_EQ(back->messages.at(0), m);
    }
}
