// The open profile's authority (co-signed) messages: the wire form with FLAG_AUTHORITY
// (proto/open_envelope.hpp), the co-signing authority set (proto/open_authority.hpp) and the
// ledger's rule for them (proto/open_ledger.hpp). The signatures are made by the BIP327 code
// (conformance/open_cosign.hpp: NonceGen, NonceAgg, Sign, verify and aggregate).
#include <gtest/gtest.h>

#include "conformance/open_cosign.hpp"
#include "musig/keyagg.hpp"
#include "open_test_util.hpp"
#include "proto/open_authority.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;
namespace po = sharemsg::proto::open;

namespace {

constexpr std::uint32_t T = 1700000000;

bool has(const std::string& s, std::string_view needle) {
    return s.find(needle) != std::string::npos;
}

// The three signers of the test authority "ops" and a fourth key outside it.
const std::vector<crypto::PrivKey>& signers() {
    static const std::vector<crypto::PrivKey> keys = {
        priv("1111111111111111111111111111111111111111111111111111111111111111"),
        priv("2222222222222222222222222222222222222222222222222222222222222222"),
        priv("3333333333333333333333333333333333333333333333333333333333333333")};
    return keys;
}
const crypto::PrivKey& outsider() {
    static const crypto::PrivKey k =
        priv("4444444444444444444444444444444444444444444444444444444444444444");
    return k;
}

std::string spec_of(std::string name, std::span<const crypto::PrivKey> sks) {
    std::string s = name + "=";
    for (std::size_t i = 0; i < sks.size(); ++i)
        s += (i ? "," : "") + to_hex(sks[i].pubkey());
    return s;
}

CosignAuthority ops() {
    auto a = CosignAuthority::parse(spec_of("ops", signers()));
    if (!a) throw std::runtime_error(a.error().to_string());
    return *a;
}

XonlyKey key_of(std::span<const crypto::PrivKey> sks) {
    std::vector<crypto::CompressedPubKey> pks;
    for (const auto& k : sks)
        pks.push_back(k.pubkey());
    return musig::KeyAggContext::create(musig::key_sort(pks))->xonly_pubkey();
}

// An authority message under the aggregate of `sks`, co-signed by all of them.
OpenMessage cosigned(std::span<const crypto::PrivKey> sks, std::string_view text, std::uint32_t ts,
                     std::uint8_t type = proto::MSG_EMERGENCY, const NetworkId& net = kNet) {
    auto m = make_authority_message(type, as_bytes(text), ts, key_of(sks));
    if (!m) throw std::runtime_error(m.error().to_string());
    const auto sig = conformance::cosign_digest(sks, authority_sighash(net, *m));
    m->signature.assign(sig.begin(), sig.end());
    return *m;
}

void expect_open_error(ByteView data, Errc code, std::string_view field) {
    auto r = po::open(data, kNet);
    ASSERT_FALSE(r) << "decoded, expected " << errc_name(code) << " naming " << field;
    EXPECT_EQ(r.error().code, code) << r.error().to_string();
    EXPECT_TRUE(has(r.error().reason, field)) << r.error().to_string();
}

void expect_encode_error(const OpenMessage& m, std::string_view field) {
    Envelope e;
    e.messages.push_back(m);
    auto r = encode_inner(e);
    ASSERT_FALSE(r) << "encoded, expected an error naming " << field;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_TRUE(has(r.error().reason, field)) << r.error().to_string();
}

Envelope only(std::vector<OpenMessage> msgs) {
    Envelope e;
    e.messages = std::move(msgs);
    return e;
}

LedgerConfig with_ops() {
    LedgerConfig c;
    c.cosign_authorities.push_back(ops());
    return c;
}

}  // namespace

// ---- the wire form ---------------------------------------------------------------------------

TEST(OpenCosigned, RoundTripAndLayout) {
    const OpenMessage m = cosigned(signers(), "halt: bad release", T);
    EXPECT_EQ(m.flags, FLAG_AUTHORITY | proto::FLAG_HAS_SIGNATURE | proto::FLAG_BROADCAST |
                           proto::FLAG_PERSISTENT);
    EXPECT_EQ(m.signing_id, proto::SigningId{});
    ASSERT_EQ(m.signature.size(), AUTHORITY_SIGNATURE_SIZE);
    const Envelope env = only({m});
    const Bytes inner = *encode_inner(env);
    // inner_flags, msg_count, then type, flags, timestamp, the 32-byte key, payload, signature.
    const std::size_t msg0 = 2;
    EXPECT_EQ(inner[msg0], proto::MSG_EMERGENCY);
    EXPECT_EQ(inner[msg0 + 1], m.flags);
    EXPECT_TRUE(
        std::equal(m.authority_key->begin(), m.authority_key->end(), inner.begin() + msg0 + 6));
    EXPECT_EQ(inner.size(), msg0 + 6 + 32 + 2 + m.payload.size() + 1 + 64);
    EXPECT_EQ(m.encoded_size(), inner.size() - msg0);
    auto back = decode_inner(inner);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, env);
    EXPECT_EQ(*encode_inner(*back), inner);  // encode(decode(x)) == x
    auto sealed = seal(env, kNet, nonce(4));
    ASSERT_TRUE(sealed);
    EXPECT_EQ(*po::open(*sealed, kNet), env);
    EXPECT_TRUE(verify_authority_signature(m, kNet));
}

TEST(OpenCosigned, DecodeRejectionsNameTheField) {
    const OpenMessage m = cosigned(signers(), "halt", T);
    const Bytes inner = *encode_inner(only({m}));
    const std::size_t msg0 = 2;
    const std::size_t sig_len_at = msg0 + 6 + 32 + 2 + m.payload.size();

    Bytes miner = inner;
    miner[msg0] = proto::MSG_MINER_MESSAGE;
    expect_open_error(raw_seal(miner), Errc::bad_encoding, "message 1: flags: FLAG_AUTHORITY");
    Bytes priv_flag = inner;
    priv_flag[msg0 + 1] |= FLAG_PRIVATE;
    expect_open_error(raw_seal(priv_flag), Errc::bad_encoding, "excludes FLAG_PRIVATE");
    Bytes frag_flag = inner;
    frag_flag[msg0 + 1] |= FLAG_FRAGMENT;
    expect_open_error(raw_seal(frag_flag), Errc::bad_encoding, "excludes FLAG_PRIVATE");
    Bytes unsigned_flag = inner;
    unsigned_flag[msg0 + 1] &= static_cast<std::uint8_t>(~proto::FLAG_HAS_SIGNATURE);
    expect_open_error(raw_seal(unsigned_flag), Errc::bad_encoding, "FLAG_HAS_SIGNATURE");
    for (std::uint8_t len : {0, 63, 65, 72}) {
        Bytes b = inner;
        b[sig_len_at] = len;
        expect_open_error(raw_seal(b), Errc::bad_encoding, "sig_len");
    }
    expect_open_error(raw_seal(ByteView(inner).first(msg0 + 6 + 20)), Errc::truncated,
                      "authority_key");
    for (std::size_t n = msg0; n < inner.size(); ++n) {
        Bytes cut(inner.begin(), inner.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(po::open(raw_seal(cut), kNet)) << n;
    }
}

TEST(OpenCosigned, EncoderRefusesWhatTheDecoderWould) {
    const OpenMessage m = cosigned(signers(), "halt", T);
    OpenMessage no_key = m;
    no_key.authority_key.reset();
    expect_encode_error(no_key, "FLAG_AUTHORITY must be set exactly when");
    OpenMessage no_flag = m;
    no_flag.flags &= static_cast<std::uint8_t>(~FLAG_AUTHORITY);
    expect_encode_error(no_flag, "FLAG_AUTHORITY must be set exactly when");
    OpenMessage with_id = m;
    with_id.signing_id[0] = 1;
    expect_encode_error(with_id, "signing_id");
    OpenMessage der_len = m;
    der_len.signature.resize(70);
    expect_encode_error(der_len, "signature");
    OpenMessage chat = m;
    chat.msg_type = proto::MSG_MINER_MESSAGE;
    expect_encode_error(chat, "flags: FLAG_AUTHORITY");
    // Never fragmented.
    EXPECT_FALSE(split_fragments(m, 1));
    EXPECT_FALSE(make_authority_message(proto::MSG_MINER_MESSAGE, {}, T, XonlyKey{}));
    EXPECT_EQ(
        make_authority_message(proto::MSG_EMERGENCY, Bytes(221, 'x'), T, XonlyKey{}).error().code,
        Errc::oversize);
    // make_authority_message clears private and fragment bits and sets the authority ones.
    auto t = make_authority_message(proto::MSG_TRANSITION_SIGNAL, {}, T, XonlyKey{},
                                    FLAG_PRIVATE | FLAG_FRAGMENT | proto::FLAG_BROADCAST);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->flags, FLAG_AUTHORITY | proto::FLAG_HAS_SIGNATURE | proto::FLAG_BROADCAST);
}

TEST(OpenCosigned, SighashCoversEveryField) {
    const OpenMessage m = cosigned(signers(), "halt", T);
    const auto base = authority_sighash(kNet, m);
    // The documented preimage.
    ByteWriter w;
    w.bytes(kNet);
    w.bytes(*m.authority_key);
    w.u8(m.msg_type);
    w.u8(m.flags);
    w.u32le(m.timestamp);
    w.u16le(static_cast<std::uint16_t>(m.payload.size()));
    w.bytes(m.payload);
    EXPECT_EQ(base, crypto::tagged_hash("sharemsg/open/authority", w.data()));
    EXPECT_NE(authority_sighash(kOtherNet, m), base);
    EXPECT_FALSE(verify_authority_signature(m, kOtherNet));
    auto changed = [&](auto edit) {
        OpenMessage x = m;
        edit(x);
        EXPECT_NE(authority_sighash(kNet, x), base);
        EXPECT_FALSE(verify_authority_signature(x, kNet));
    };
    changed([](OpenMessage& x) { x.msg_type = proto::MSG_TRANSITION_SIGNAL; });
    changed([](OpenMessage& x) { x.flags ^= proto::FLAG_PERSISTENT; });
    changed([](OpenMessage& x) { x.timestamp += 1; });
    changed([](OpenMessage& x) { x.payload.push_back('!'); });
    changed([](OpenMessage& x) { (*x.authority_key)[5] ^= 1; });
}

// ---- the authority set -------------------------------------------------------------------------

TEST(OpenCosignAuthority, ParseAggregatesTheSortedKeys) {
    const CosignAuthority a = ops();
    EXPECT_EQ(a.name(), "ops");
    ASSERT_EQ(a.signers().size(), 3u);
    EXPECT_TRUE(std::is_sorted(a.signers().begin(), a.signers().end()));
    EXPECT_EQ(a.key(), key_of(signers()));
    // The order given does not matter: KeySort first.
    const std::vector<crypto::PrivKey> rev = {signers()[2], signers()[0], signers()[1]};
    auto b = CosignAuthority::parse(spec_of("ops", rev));
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, a);
    const std::vector<CosignAuthority> set{a};
    EXPECT_EQ(find_cosign_authority(set, a.key()), &set[0]);
    EXPECT_EQ(find_cosign_authority(set, key_of(std::span(signers()).first(2))), nullptr);
}

TEST(OpenCosignAuthority, ParseErrors) {
    const std::string k1 = to_hex(signers()[0].pubkey());
    const std::string k2 = to_hex(signers()[1].pubkey());
    auto err = [](std::string_view spec) {
        auto r = CosignAuthority::parse(spec);
        EXPECT_FALSE(r) << spec;
        return r ? Error{Errc::io, "parsed"} : r.error();
    };
    EXPECT_EQ(err("ops").code, Errc::invalid_argument);                   // no '='
    EXPECT_EQ(err("ops=" + k1).code, Errc::invalid_argument);             // one key
    EXPECT_EQ(err("ops=" + k1 + "," + k1).code, Errc::invalid_argument);  // twice
    EXPECT_TRUE(has(err("ops=" + k1 + "," + k1).reason, "twice"));
    EXPECT_EQ(err("ops=" + k1 + "," + k2.substr(2)).code, Errc::bad_encoding);
    EXPECT_EQ(err("ops=" + k1 + ",").code, Errc::bad_encoding);
    EXPECT_EQ(err("=" + k1 + "," + k2).code, Errc::invalid_argument);  // no name
    EXPECT_EQ(err("o p=" + k1 + "," + k2).code, Errc::invalid_argument);
    std::string not_point = "04" + k2.substr(2);
    EXPECT_EQ(err("ops=" + k1 + "," + not_point).code, Errc::bad_key);
}

// ---- the ledger --------------------------------------------------------------------------------

// ---- a co-signing session's alert (its context and message) ------------------------------------

TEST(OpenCosignAlert, TheContextAndSighashGiveBackTheMessage) {
    const auto key = ops().key();
    auto m = make_authority_message(proto::MSG_TRANSITION_SIGNAL, as_bytes("move to v37"), T, key);
    ASSERT_TRUE(m);
    const auto ctx = alert_context(*m);
    EXPECT_EQ(to_hex(ctx), to_hex(as_bytes("SMA1")) + "20" + "0f" + "00f15365" +
                               to_hex(as_bytes("move to v37")));
    const auto digest = authority_sighash(kNet, *m);
    auto back = alert_of_session(ctx, key, digest, kNet);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, *m);
    // Signing the digest gives a message the ledger's check accepts.
    const auto sig = conformance::cosign_digest(signers(), digest);
    back->signature.assign(sig.begin(), sig.end());
    EXPECT_TRUE(verify_authority_signature(*back, kNet));
}

TEST(OpenCosignAlert, ASessionThatSignsSomethingElseIsNoAlert) {
    const auto key = ops().key();
    auto m = make_authority_message(proto::MSG_EMERGENCY, as_bytes("halt"), T, key);
    ASSERT_TRUE(m);
    const auto ctx = alert_context(*m);
    const auto digest = authority_sighash(kNet, *m);
    auto refused = [](const Result<OpenMessage>& r, std::string_view why) {
        ASSERT_FALSE(r) << why;
        EXPECT_EQ(r.error().code, Errc::bad_encoding);
        EXPECT_TRUE(has(r.error().reason, why)) << r.error().to_string();
    };
    // Another network, another key, another digest: the digest is not the context's.
    refused(alert_of_session(ctx, key, digest, NetworkId{1, 2, 3, 4, 5, 6, 7, 8}), "sighash");
    refused(alert_of_session(ctx, key_of(std::span(signers()).first(2)), digest, kNet), "sighash");
    refused(alert_of_session(ctx, key, Bytes(32, 0), kNet), "sighash");
    refused(alert_of_session(ctx, key, Bytes(digest.begin(), digest.end() - 1), kNet), "sighash");
    // A context of another form.
    refused(alert_of_session(as_bytes("a plain text context"), key, digest, kNet), "SMA1");
    refused(alert_of_session(Bytes(ctx.begin(), ctx.begin() + 10), key, digest, kNet), "short");
    Bytes chat = ctx;
    chat[4] = proto::MSG_MINER_MESSAGE;
    refused(alert_of_session(chat, key, digest, kNet), "msg_type");
    Bytes priv = ctx;
    priv[5] |= FLAG_PRIVATE;
    refused(alert_of_session(priv, key, digest, kNet), "flags");
    Bytes longer = ctx;
    longer.resize(10 + proto::MAX_MESSAGE_PAYLOAD + 1, 'x');
    refused(alert_of_session(longer, key, digest, kNet), "payload");
}

TEST(OpenCosignedLedger, EmergencyCosignedByThreeKeysIsAccepted) {
    const Party miner = party(kMaster1, 0);
    Ledger ledger(with_ops());
    const auto s = share(10, miner.address(), T);
    const OpenMessage m = cosigned(signers(), "EMERGENCY: stop mining release 1.2", T - 5);
    auto r = ledger.apply_share(s, only({m}));
    ASSERT_EQ(r.ignored.total(), 0u) << r.notes.front();
    ASSERT_EQ(r.fates.size(), 1u);
    EXPECT_FALSE(r.fates[0]);
    ASSERT_EQ(r.messages.size(), 1u);
    const proto::ShareMessage& sm = r.messages[0];
    EXPECT_TRUE(sm.verified);
    EXPECT_EQ(sm.msg_type, proto::MSG_EMERGENCY);
    EXPECT_EQ(to_string(sm.payload), "EMERGENCY: stop mining release 1.2");
    EXPECT_EQ(sm.authority_key, ops().key());
    EXPECT_FALSE(sm.signing_id);
    EXPECT_FALSE(sm.sender_address);
    EXPECT_TRUE(sm.is_protocol_authority());
    EXPECT_EQ(sm.wire_flags, m.flags);
    EXPECT_EQ(sm.share_hash, s.share_hash);
    EXPECT_EQ(sm.signature, m.signature);
    // Weighs in its share, charged to nobody.
    EXPECT_EQ(r.share_mwu, mwu(m));
    EXPECT_TRUE(ledger.budget_events(miner.address()).spent.empty());
    // A TRANSITION_SIGNAL too, in the same ledger.
    auto r2 = ledger.apply_share(
        share(11, miner.address(), T + 1),
        only({cosigned(signers(), "switch at 3000000", T, proto::MSG_TRANSITION_SIGNAL)}));
    EXPECT_EQ(r2.messages.size(), 1u);
    EXPECT_EQ(ledger.messages_accepted(), 2u);
}

TEST(OpenCosignedLedger, RefusalsByName) {
    const Party miner = party(kMaster1, 0);
    const OpenMessage good = cosigned(signers(), "EMERGENCY", T);
    // Two of the three (another aggregate key), and three with an outsider.
    const std::vector<crypto::PrivKey> two(signers().begin(), signers().begin() + 2);
    const std::vector<crypto::PrivKey> other = {signers()[0], signers()[1], outsider()};
    OpenMessage bad_sig = good;
    bad_sig.signature[10] ^= 1;
    OpenMessage tampered = good;
    tampered.payload.back() ^= 1;
    OpenMessage other_net = cosigned(signers(), "EMERGENCY", T, proto::MSG_EMERGENCY, kOtherNet);
    OpenMessage late = cosigned(signers(), "EMERGENCY late", T + 3600);
    const std::vector<std::pair<OpenMessage, Ignored>> cases = {
        {cosigned(two, "EMERGENCY", T), Ignored::unknown_authority},
        {cosigned(other, "EMERGENCY", T), Ignored::unknown_authority},
        {bad_sig, Ignored::bad_authority_signature},
        {tampered, Ignored::bad_authority_signature},
        {other_net, Ignored::bad_authority_signature},
        {late, Ignored::bad_timestamp},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        Ledger ledger(with_ops());
        auto r = ledger.apply_share(share(10, miner.address(), T), only({cases[i].first}));
        EXPECT_TRUE(r.messages.empty()) << i;
        ASSERT_EQ(r.fates.size(), 1u);
        EXPECT_EQ(r.fates[0], cases[i].second) << i << ": " << r.notes.front();
        EXPECT_EQ(r.ignored[cases[i].second], 1u) << i;
    }
    // Without a configured authority every co-signed message is unknown.
    Ledger none;
    EXPECT_EQ(none.apply_share(share(10, miner.address(), T), only({good})).fates[0],
              Ignored::unknown_authority);
    // A copy in a later share is a duplicate.
    Ledger ledger(with_ops());
    EXPECT_EQ(ledger.apply_share(share(10, miner.address(), T), only({good})).messages.size(), 1u);
    auto again = ledger.apply_share(share(11, miner.address(), T + 1), only({good}));
    EXPECT_EQ(again.fates[0], Ignored::duplicate);
    EXPECT_EQ(std::string(ignored_name(Ignored::unknown_authority)), "unknown_authority");
    EXPECT_EQ(std::string(ignored_name(Ignored::bad_authority_signature)),
              "bad_authority_signature");
}

TEST(OpenCosignedLedger, CountsTowardTheShareCapNotTheBudget) {
    // A signer with no budget at all still sees the authority message accepted; the share
    // cap counts it before the signer's own messages.
    const Party a = party(kMaster1, 0);
    Ledger ledger(with_ops());
    std::vector<OpenMessage> msgs;
    for (int i = 0; i < 5; ++i)
        msgs.push_back(cosigned(signers(), std::string(200, static_cast<char>('a' + i)), T));
    auto r = ledger.apply_share(share(10, a.address(), T), only(msgs));
    // 8 + 200 + 128 = 336 MWU each: three fit under 1024, the fourth does not.
    EXPECT_EQ(mwu(msgs[0]), 336u);
    EXPECT_EQ(r.messages.size(), 3u);
    EXPECT_EQ(r.ignored[Ignored::over_share_cap], 2u);
}

TEST(OpenCosignedLedger, TheSameChainGivesTheSameVerdict) {
    const Party a = party(kMaster1, 0);
    OpenMessage bad = cosigned(signers(), "EMERGENCY", T + 1);
    bad.signature[0] ^= 0x80;
    const std::vector<std::pair<ShareContext, Envelope>> chain = {
        {share(1, a.address(), T), only({cosigned(signers(), "one", T)})},
        {share(2, a.address(), T + 10), only({bad, signed_msg(a, "unknown signer", T)})},
        {share(3, a.address(), T + 20),
         only({cosigned(signers(), "one", T), cosigned(signers(), "two", T + 20)})},
    };
    auto run = [&] {
        Ledger l(with_ops());
        std::vector<std::vector<std::optional<Ignored>>> fates;
        std::vector<crypto::Hash256> hashes;
        for (const auto& [s, e] : chain) {
            auto r = l.apply_share(s, e);
            fates.push_back(r.fates);
            for (const auto& m : r.messages)
                hashes.push_back(m.hash());
        }
        return std::make_pair(fates, hashes);
    };
    const auto first = run();
    EXPECT_EQ(run(), first);
    ASSERT_EQ(first.first.size(), 3u);
    EXPECT_EQ(first.first[1][0], Ignored::bad_authority_signature);
    EXPECT_EQ(first.first[1][1], Ignored::unknown_signer);
    EXPECT_EQ(first.first[2][0], Ignored::duplicate);
    EXPECT_FALSE(first.first[2][1]);
    EXPECT_EQ(first.second.size(), 2u);
    // Through the ledger's own decode too: seal and apply the bytes.
    Ledger l(with_ops());
    auto md = seal(chain[0].second, kNet, nonce(2));
    ASSERT_TRUE(md);
    auto r = l.apply_share_data(chain[0].first, *md);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->messages.size(), 1u);
}
