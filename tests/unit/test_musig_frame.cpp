// The session frames (src/musig/frame.hpp): round trips, every refusal of the decoder by its
// FrameError, and what the signatures and the session id cover.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "musig/frame.hpp"
#include "musig_session_util.hpp"

namespace sharemsg::musig {
namespace {

using test::key;

Announcement sample_announcement(std::size_t n = 3) {
    Announcement a;
    a.network_id = test::test_network();
    for (std::size_t i = 0; i < a.salt.size(); ++i)
        a.salt[i] = static_cast<std::uint8_t>(i + 1);
    for (std::size_t i = 0; i < n; ++i)
        a.signers.push_back(key(i).pubkey());
    a.creator_index = 1;
    a.required_signers = static_cast<std::uint8_t>(n);
    a.created = test::T0;
    a.expiry = test::T0 + 3600;
    const auto m = test::test_message();
    a.message.assign(m.begin(), m.end());
    a.context = Bytes{'c', 't', 'x'};
    sign_announcement(a, key(1));
    return a;
}

PubNonce sample_pubnonce() {
    const auto sk = key(0);
    NonceGenArgs args;
    args.pk = sk.pubkey();
    auto n = nonce_gen_with_rand(ByteArray<32>{7}, args);
    EXPECT_TRUE(n.ok());
    return n->pubnonce;
}

SessionMessage sample_message(decltype(SessionMessage::payload) payload) {
    SessionMessage m;
    m.network_id = test::test_network();
    m.session_id = session_id(sample_announcement());
    m.sender_index = 2;
    m.seq = 7;
    m.payload = std::move(payload);
    sign_message(m, key(2));
    return m;
}

FrameError refusal_of(const Bytes& b) {
    auto f = decode_frame(b);
    EXPECT_FALSE(f.ok());
    return f ? FrameError::none : f.error();
}

template <class T>
void expect_round_trip(const T& value, const Bytes& encoded) {
    auto f = decode_frame(encoded);
    ASSERT_TRUE(f.ok()) << frame_error_name(f.error());
    ASSERT_TRUE(std::holds_alternative<T>(*f));
    EXPECT_EQ(std::get<T>(*f), value);
    EXPECT_EQ(encode_frame(*f), encoded);
}

TEST(MusigFrame, AnnouncementRoundTrip) {
    const auto a = sample_announcement();
    const Bytes b = encode_announcement(a);
    EXPECT_EQ(b.size(), 2 + 8 + 16 + 1 + 3 * 33 + 1 + 1 + 8 + 8 + 2 + 32 + 2 + 3 + 64);
    expect_round_trip(a, b);
    // The largest announcement decodes too, and is MAX_FRAME bytes.
    Announcement big = sample_announcement(MAX_SIGNERS);
    big.message.assign(MAX_MESSAGE, 0xab);
    big.context.assign(MAX_CONTEXT, 0xcd);
    const Bytes bb = encode_announcement(big);
    EXPECT_EQ(bb.size(), MAX_FRAME);
    expect_round_trip(big, bb);
    // An empty context is allowed.
    Announcement empty_ctx = sample_announcement(2);
    empty_ctx.creator_index = 0;
    empty_ctx.context.clear();
    expect_round_trip(empty_ctx, encode_announcement(empty_ctx));
}

TEST(MusigFrame, SessionMessageRoundTrips) {
    const auto nonce = sample_message(NonceBody{sample_pubnonce()});
    EXPECT_EQ(nonce.type(), FrameType::nonce);
    EXPECT_EQ(encode_message(nonce).size(), 2 + 8 + 32 + 1 + 4 + 66 + 64);
    expect_round_trip(nonce, encode_message(nonce));

    PartialSig p{};
    p[31] = 0x42;
    const auto partial = sample_message(PartialBody{p});
    EXPECT_EQ(partial.type(), FrameType::partial);
    EXPECT_EQ(encode_message(partial).size(), 2 + 8 + 32 + 1 + 4 + 32 + 64);
    expect_round_trip(partial, encode_message(partial));

    for (auto reason : {AbortReason::cancelled, AbortReason::bad_partial_sig, AbortReason::stuck,
                        AbortReason::expired})
        for (std::uint8_t blamed : {std::uint8_t{0}, std::uint8_t{63}, NO_SIGNER}) {
            const auto abort = sample_message(AbortBody{reason, blamed});
            EXPECT_EQ(abort.type(), FrameType::abort);
            EXPECT_EQ(encode_message(abort).size(), 2 + 8 + 32 + 1 + 4 + 2 + 64);
            expect_round_trip(abort, encode_message(abort));
        }
}

TEST(MusigFrame, EveryPrefixIsTruncated) {
    const std::vector<Bytes> frames = {
        encode_announcement(sample_announcement()),
        encode_message(sample_message(NonceBody{sample_pubnonce()})),
        encode_message(sample_message(PartialBody{})),
        encode_message(sample_message(AbortBody{AbortReason::stuck, NO_SIGNER})),
    };
    for (const auto& f : frames)
        for (std::size_t len = 0; len < f.size(); ++len)
            EXPECT_EQ(refusal_of(Bytes(f.begin(), f.begin() + len)), FrameError::truncated)
                << "length " << len << " of " << f.size();
}

TEST(MusigFrame, HeaderRefusals) {
    Bytes b = encode_message(sample_message(PartialBody{}));
    Bytes v = b;
    v[0] = 2;
    EXPECT_EQ(refusal_of(v), FrameError::bad_version);
    v[0] = 0;
    EXPECT_EQ(refusal_of(v), FrameError::bad_version);
    for (std::uint8_t t : {0, 5, 255}) {
        Bytes x = b;
        x[1] = t;
        EXPECT_EQ(refusal_of(x), FrameError::bad_type) << int(t);
    }
    Bytes trailing = b;
    trailing.push_back(0);
    EXPECT_EQ(refusal_of(trailing), FrameError::trailing_bytes);
    Bytes ann = encode_announcement(sample_announcement());
    ann.push_back(0);
    EXPECT_EQ(refusal_of(ann), FrameError::trailing_bytes);
}

TEST(MusigFrame, AnnouncementRefusals) {
    const auto refused = [](auto change) {
        Announcement a = sample_announcement();
        change(a);
        return refusal_of(encode_announcement(a));
    };
    EXPECT_EQ(refused([](Announcement& a) {
                  a.signers.resize(1);
                  a.creator_index = 0;
                  a.required_signers = 1;
              }),
              FrameError::bad_signer_count);
    EXPECT_EQ(refused([](Announcement& a) {
                  a.signers.clear();
                  a.required_signers = 0;
              }),
              FrameError::bad_signer_count);
    EXPECT_EQ(refused([](Announcement& a) {
                  for (std::size_t i = 3; i < MAX_SIGNERS + 1; ++i)
                      a.signers.push_back(key(i).pubkey());
                  a.required_signers = MAX_SIGNERS + 1;
              }),
              FrameError::bad_signer_count);
    EXPECT_EQ(refused([](Announcement& a) { a.signers[2][0] = 0x04; }), FrameError::bad_pubkey);
    EXPECT_EQ(refused([](Announcement& a) {
                  a.signers[2] = PlainPubKey{};
                  a.signers[2][0] = 0x02;
              }),
              FrameError::bad_pubkey);  // x = 0 is not on the curve
    EXPECT_EQ(refused([](Announcement& a) { a.signers[2] = a.signers[0]; }),
              FrameError::duplicate_signer);
    EXPECT_EQ(refused([](Announcement& a) { a.creator_index = 3; }), FrameError::bad_creator_index);
    EXPECT_EQ(refused([](Announcement& a) { a.required_signers = 2; }),
              FrameError::bad_required_signers);
    EXPECT_EQ(refused([](Announcement& a) { a.expiry = a.created; }), FrameError::bad_expiry);
    EXPECT_EQ(refused([](Announcement& a) { a.expiry = a.created - 1; }), FrameError::bad_expiry);
    EXPECT_EQ(refused([](Announcement& a) { a.expiry = a.created + MAX_SESSION_LIFETIME + 1; }),
              FrameError::bad_expiry);
    EXPECT_EQ(refused([](Announcement& a) { a.message.clear(); }), FrameError::bad_message_length);
    EXPECT_EQ(refused([](Announcement& a) { a.message.assign(MAX_MESSAGE + 1, 1); }),
              FrameError::bad_message_length);
    EXPECT_EQ(refused([](Announcement& a) { a.context.assign(MAX_CONTEXT + 1, 1); }),
              FrameError::bad_context_length);
    // The edges that are allowed.
    Announcement edge = sample_announcement();
    edge.expiry = edge.created + MAX_SESSION_LIFETIME;
    edge.message.assign(1, 9);
    edge.context.assign(MAX_CONTEXT, 0);
    EXPECT_TRUE(decode_frame(encode_announcement(edge)).ok());
}

TEST(MusigFrame, SessionMessageRefusals) {
    const auto refused = [](auto change, decltype(SessionMessage::payload) payload) {
        SessionMessage m = sample_message(std::move(payload));
        change(m);
        return refusal_of(encode_message(m));
    };
    const auto none = [](SessionMessage&) {};
    EXPECT_EQ(refused([](SessionMessage& m) { m.sender_index = MAX_SIGNERS; }, PartialBody{}),
              FrameError::bad_sender_index);
    EXPECT_EQ(refused([](SessionMessage& m) { m.seq = 0; }, PartialBody{}),
              FrameError::bad_sequence);
    PubNonce bad = sample_pubnonce();
    bad[33] = 0x05;
    EXPECT_EQ(refused(none, NonceBody{bad}), FrameError::bad_pubnonce);
    PubNonce zero{};  // the point at infinity is not a pubnonce
    EXPECT_EQ(refused(none, NonceBody{zero}), FrameError::bad_pubnonce);
    PartialSig n{};  // the group order n is not below n
    const auto order =
        from_hex_fixed<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    ASSERT_TRUE(order.ok());
    n = *order;
    EXPECT_EQ(refused(none, PartialBody{n}), FrameError::bad_partial_sig);
    for (std::uint8_t r : {0, 5, 255})
        EXPECT_EQ(refused(none, AbortBody{static_cast<AbortReason>(r), NO_SIGNER}),
                  FrameError::bad_abort_reason)
            << int(r);
    EXPECT_EQ(refused(none, AbortBody{AbortReason::stuck, MAX_SIGNERS}),
              FrameError::bad_blamed_index);
    EXPECT_EQ(refused(none, AbortBody{AbortReason::stuck, 0xfe}), FrameError::bad_blamed_index);
}

TEST(MusigFrame, ErrorNamesAreDistinct) {
    std::set<std::string> names;
    for (int e = 0; e <= static_cast<int>(FrameError::bad_blamed_index); ++e)
        names.insert(frame_error_name(static_cast<FrameError>(e)));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(FrameError::bad_blamed_index) + 1);
    EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(MusigFrame, SignaturesAndIdCoverTheBody) {
    const auto a = sample_announcement();
    EXPECT_TRUE(announcement_signature_ok(a));
    const SessionId id = session_id(a);
    // The signature is not part of the id.
    Announcement resigned = a;
    sign_announcement(resigned, key(1));
    resigned.creator_sig[0] ^= 0;
    EXPECT_EQ(session_id(resigned), id);
    // Every field is.
    Announcement b = a;
    b.context.push_back(0);
    EXPECT_NE(session_id(b), id);
    EXPECT_FALSE(announcement_signature_ok(b));
    b = a;
    b.salt[0] ^= 1;
    EXPECT_NE(session_id(b), id);
    EXPECT_FALSE(announcement_signature_ok(b));
    b = a;
    b.network_id[0] ^= 1;
    EXPECT_NE(session_id(b), id);
    // Signed by another signer than the creator: refused.
    b = a;
    sign_announcement(b, key(0));
    EXPECT_FALSE(announcement_signature_ok(b));

    auto m = sample_message(NonceBody{sample_pubnonce()});
    EXPECT_TRUE(message_signature_ok(m, key(2).pubkey()));
    EXPECT_FALSE(message_signature_ok(m, key(1).pubkey()));
    auto m2 = m;
    m2.seq += 1;
    EXPECT_FALSE(message_signature_ok(m2, key(2).pubkey()));
    // The type is covered: a partial's bytes cannot be re-labelled.
    EXPECT_NE(message_sighash(sample_message(AbortBody{AbortReason::stuck, 1})),
              message_sighash(sample_message(AbortBody{AbortReason::expired, 1})));
}

// The seeds of fuzz/fuzz_musig_session.cpp (written once with this encoder) still decode and
// encode back to themselves.
TEST(MusigFrame, FuzzSeedsRoundTrip) {
    const std::filesystem::path dir = std::filesystem::path(SHAREMSG_VECTORS_DIR) / ".." / ".." /
                                      "fuzz" / "corpus" / "fuzz_musig_session";
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << "missing seed directory " << dir;
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream f(entry.path(), std::ios::binary);
        const Bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        auto d = decode_frame(b);
        ASSERT_TRUE(d.ok()) << entry.path() << ": " << frame_error_name(d.error());
        EXPECT_EQ(encode_frame(*d), b) << entry.path();
        ++n;
    }
    EXPECT_GE(n, 6u);
}

}  // namespace
}  // namespace sharemsg::musig
