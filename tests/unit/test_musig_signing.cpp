// MuSig2 signing end to end in one process: n-of-n round trips whose signature verifies with
// plain BIP340 under the aggregate key, the one-use secret nonce, and identifiable aborts (a
// bad partial signature, nonce or key names its signer).
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "crypto/bip340.hpp"
#include "musig/musig.hpp"

// The musig namespace has its own Error and Result: take only the byte helpers from sharemsg.
using namespace sharemsg::musig;
using sharemsg::as_bytes;
using sharemsg::ByteArray;
using sharemsg::Bytes;
namespace crypto = sharemsg::crypto;

namespace {

crypto::PrivKey key(const std::string& name) {
    return *crypto::PrivKey::from_bytes(crypto::sha256(as_bytes("musig test signer " + name)));
}

// A group of n signers and everything one signing round makes.
struct Group {
    std::vector<crypto::PrivKey> sks;
    std::vector<PlainPubKey> pks;

    explicit Group(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            sks.push_back(key(std::to_string(n) + "/" + std::to_string(i)));
            pks.push_back(sks.back().pubkey());
        }
    }
};

ByteArray<33> even_point(const XonlyPubKey& x) {
    ByteArray<33> pk{};
    pk[0] = 0x02;
    std::copy(x.begin(), x.end(), pk.begin() + 1);
    return pk;
}

// One full round: NonceGen (fresh randomness, with sk, aggpk and msg), NonceAgg, Sign by
// every signer, verify_and_aggregate. Returns the signature, or the error.
Result<Signature> round_trip(const Group& g, const std::vector<Tweak>& tweaks,
                             const crypto::Hash256& msg) {
    auto keys = key_agg(g.pks, tweaks);
    if (!keys) return keys.error();
    std::vector<SecNonce> secnonces;
    std::vector<PubNonce> pubnonces;
    for (std::size_t i = 0; i < g.sks.size(); ++i) {
        NonceGenArgs args;
        args.sk = &g.sks[i];
        args.pk = g.pks[i];
        args.aggpk = keys->xonly_pubkey();
        args.msg = Bytes(msg.begin(), msg.end());
        auto n = nonce_gen(args);
        if (!n) return n.error();
        pubnonces.push_back(n->pubnonce);
        secnonces.push_back(std::move(n->secnonce));
    }
    auto aggnonce = nonce_agg(pubnonces);
    if (!aggnonce) return aggnonce.error();
    auto session = Session::create(*aggnonce, *keys, msg);
    if (!session) return session.error();
    std::vector<PartialSig> psigs;
    for (std::size_t i = 0; i < g.sks.size(); ++i) {
        auto psig = session->sign(std::move(secnonces[i]), g.sks[i]);
        if (!psig) return psig.error();
        EXPECT_TRUE(secnonces[i].empty());
        psigs.push_back(*psig);
    }
    return verify_and_aggregate(*session, pubnonces, psigs);
}

}  // namespace

TEST(MusigSigning, NOfNRoundTripsVerifyWithPlainBip340) {
    const auto msg = crypto::sha256(as_bytes("EMERGENCY: co-signed alert"));
    for (std::size_t n : {2u, 3u, 5u}) {
        const Group g(n);
        const auto sig = round_trip(g, {}, msg);
        ASSERT_TRUE(sig) << n << ": " << sig.error().to_string();
        const auto agg = KeyAggContext::create(g.pks);
        ASSERT_TRUE(agg);
        EXPECT_TRUE(crypto::schnorr_verify(even_point(agg->xonly_pubkey()), msg, *sig)) << n;
        // Not under another message, nor under one signer's own key.
        EXPECT_FALSE(crypto::schnorr_verify(even_point(agg->xonly_pubkey()),
                                            crypto::sha256(as_bytes("other")), *sig));
        EXPECT_FALSE(crypto::schnorr_verify(g.pks[0], msg, *sig));
        std::cout << "[ musig    ] " << n << "-of-" << n << ": signature verifies under "
                  << sharemsg::to_hex(agg->xonly_pubkey()) << "\n";
    }
}

TEST(MusigSigning, TweakedRoundTripVerifiesUnderTheTweakedKey) {
    const Group g(3);
    const auto msg = crypto::sha256(as_bytes("tweaked"));
    const std::vector<Tweak> tweaks = {{crypto::sha256(as_bytes("plain tweak")), false},
                                       {crypto::sha256(as_bytes("x-only tweak")), true}};
    const auto sig = round_trip(g, tweaks, msg);
    ASSERT_TRUE(sig) << sig.error().to_string();
    const auto tweaked = key_agg(g.pks, tweaks);
    const auto plain = KeyAggContext::create(g.pks);
    ASSERT_TRUE(tweaked && plain);
    EXPECT_NE(tweaked->xonly_pubkey(), plain->xonly_pubkey());
    EXPECT_TRUE(crypto::schnorr_verify(even_point(tweaked->xonly_pubkey()), msg, *sig));
    EXPECT_FALSE(crypto::schnorr_verify(even_point(plain->xonly_pubkey()), msg, *sig));
}

TEST(MusigSigning, KeySortMakesTheAggregateIndependentOfOrder) {
    const Group g(5);
    std::vector<PlainPubKey> reversed(g.pks.rbegin(), g.pks.rend());
    const auto a = KeyAggContext::create(key_sort(g.pks));
    const auto b = KeyAggContext::create(key_sort(reversed));
    const auto unsorted = KeyAggContext::create(reversed);
    ASSERT_TRUE(a && b && unsorted);
    EXPECT_EQ(a->xonly_pubkey(), b->xonly_pubkey());
    EXPECT_NE(a->xonly_pubkey(), unsorted->xonly_pubkey());
}

TEST(MusigSigning, DeterministicLastSignerCompletesTheSignature) {
    const Group g(3);
    const auto msg = crypto::sha256(as_bytes("stateless last signer"));
    const auto keys = KeyAggContext::create(g.pks);
    ASSERT_TRUE(keys);
    std::vector<SecNonce> secnonces;
    std::vector<PubNonce> pubnonces;
    for (std::size_t i = 0; i < 2; ++i) {
        NonceGenArgs args;
        args.pk = g.pks[i];
        auto n = nonce_gen(args);
        ASSERT_TRUE(n);
        pubnonces.push_back(n->pubnonce);
        secnonces.push_back(std::move(n->secnonce));
    }
    const auto aggother = nonce_agg(pubnonces);
    ASSERT_TRUE(aggother);
    const auto last = deterministic_sign(g.sks[2], *aggother, g.pks, {}, msg, std::nullopt);
    ASSERT_TRUE(last) << last.error().to_string();
    pubnonces.push_back(last->pubnonce);
    const auto aggnonce = nonce_agg(pubnonces);
    ASSERT_TRUE(aggnonce);
    const auto session = Session::create(*aggnonce, *keys, msg);
    ASSERT_TRUE(session);
    std::vector<PartialSig> psigs;
    for (std::size_t i = 0; i < 2; ++i)
        psigs.push_back(*session->sign(std::move(secnonces[i]), g.sks[i]));
    psigs.push_back(last->psig);
    const auto sig = verify_and_aggregate(*session, pubnonces, psigs);
    ASSERT_TRUE(sig) << sig.error().to_string();
    EXPECT_TRUE(crypto::schnorr_verify(even_point(keys->xonly_pubkey()), msg, *sig));
}

// ---- the secret nonce is used once ----------------------------------------------------------

static_assert(!std::is_copy_constructible_v<SecNonce>);
static_assert(!std::is_copy_assignable_v<SecNonce>);
static_assert(std::is_nothrow_move_constructible_v<SecNonce>);

namespace {

struct OneSigner {
    Group g{2};
    crypto::Hash256 msg = crypto::sha256(as_bytes("nonce reuse"));
    std::vector<PubNonce> pubnonces;
    std::vector<SecNonce> secnonces;

    Session session() {
        pubnonces.clear();
        secnonces.clear();
        for (std::size_t i = 0; i < 2; ++i) {
            NonceGenArgs args;
            args.sk = &g.sks[i];
            args.pk = g.pks[i];
            auto n = nonce_gen(args);
            pubnonces.push_back(n->pubnonce);
            secnonces.push_back(std::move(n->secnonce));
        }
        return *Session::create(*nonce_agg(pubnonces), g.pks, {}, msg);
    }
};

}  // namespace

TEST(MusigSecNonce, SignConsumesTheNonceAndASecondSignIsRefused) {
    OneSigner s;
    const Session session = s.session();
    SecNonce& n = s.secnonces[0];
    EXPECT_FALSE(n.empty());
    const auto first = session.sign(std::move(n), s.g.sks[0]);
    ASSERT_TRUE(first) << first.error().to_string();
    EXPECT_TRUE(n.empty());
    const auto again = session.sign(std::move(n), s.g.sks[0]);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::secnonce_invalid);
}

TEST(MusigSecNonce, AMovedFromNonceCannotSignAndTheMovedToOneSignsOnce) {
    OneSigner s;
    const Session session = s.session();
    SecNonce moved = std::move(s.secnonces[0]);
    EXPECT_TRUE(s.secnonces[0].empty());
    EXPECT_FALSE(moved.empty());
    const auto from_empty = session.sign(std::move(s.secnonces[0]), s.g.sks[0]);
    ASSERT_FALSE(from_empty);
    EXPECT_EQ(from_empty.error().code, ErrorCode::secnonce_invalid);
    EXPECT_TRUE(session.sign(std::move(moved), s.g.sks[0]));
    EXPECT_TRUE(moved.empty());
    // Move assignment empties its source too, and the target signs for signer 1.
    SecNonce target = std::move(moved);  // an empty nonce
    EXPECT_TRUE(target.empty());
    target = std::move(s.secnonces[1]);
    EXPECT_TRUE(s.secnonces[1].empty());
    EXPECT_FALSE(target.empty());
    EXPECT_TRUE(session.sign(std::move(target), s.g.sks[1]));
}

TEST(MusigSecNonce, AFailedSignConsumesTheNonceToo) {
    OneSigner s;
    const Session session = s.session();
    // Signer 0's nonce with signer 1's key: refused, and the nonce is gone.
    const auto wrong = session.sign(std::move(s.secnonces[0]), s.g.sks[1]);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::secnonce_key_mismatch);
    EXPECT_TRUE(s.secnonces[0].empty());
    const auto retry = session.sign(std::move(s.secnonces[0]), s.g.sks[0]);
    ASSERT_FALSE(retry);
    EXPECT_EQ(retry.error().code, ErrorCode::secnonce_invalid);
}

TEST(MusigSecNonce, NonceGenDrawsFreshRandomness) {
    const Group g(1);
    NonceGenArgs args;
    args.sk = &g.sks[0];
    args.pk = g.pks[0];
    const auto a = nonce_gen(args);
    const auto b = nonce_gen(args);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->pubnonce, b->pubnonce);
    // The same rand' and arguments give the same nonce (which is why rand' must be fresh).
    const ByteArray<32> rand{};
    EXPECT_EQ(nonce_gen_with_rand(rand, args)->pubnonce, nonce_gen_with_rand(rand, args)->pubnonce);
}

// ---- identifiable aborts --------------------------------------------------------------------

TEST(MusigBlame, ABadPartialSignatureNamesItsSigner) {
    const Group g(3);
    const auto msg = crypto::sha256(as_bytes("blame"));
    std::vector<SecNonce> secnonces;
    std::vector<PubNonce> pubnonces;
    for (std::size_t i = 0; i < 3; ++i) {
        NonceGenArgs args;
        args.pk = g.pks[i];
        auto n = nonce_gen(args);
        pubnonces.push_back(n->pubnonce);
        secnonces.push_back(std::move(n->secnonce));
    }
    const auto session = Session::create(*nonce_agg(pubnonces), g.pks, {}, msg);
    ASSERT_TRUE(session);
    std::vector<PartialSig> psigs;
    for (std::size_t i = 0; i < 3; ++i)
        psigs.push_back(*session->sign(std::move(secnonces[i]), g.sks[i]));
    ASSERT_TRUE(verify_and_aggregate(*session, pubnonces, psigs));

    // Signer 1 sends something else: a flipped bit, then signer 2's partial signature.
    for (const PartialSig bad : {[&] {
                                     PartialSig p = psigs[1];
                                     p[31] ^= 1;
                                     return p;
                                 }(),
                                 psigs[2]}) {
        auto tampered = psigs;
        tampered[1] = bad;
        const auto r = verify_and_aggregate(*session, pubnonces, tampered);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), invalid(Contribution::psig, 1u)) << r.error().to_string();
        EXPECT_EQ(r.error().to_string(), "invalid_contribution: psig of signer 1");
        // Aggregated without the check, the result is no valid signature.
        const auto unchecked = session->aggregate(tampered);
        ASSERT_TRUE(unchecked);
        EXPECT_FALSE(
            crypto::schnorr_verify(even_point(session->aggregate_pubkey()), msg, *unchecked));
    }

    // A partial signature not below n is named by the aggregation itself.
    auto huge = psigs;
    huge[2].fill(0xff);
    EXPECT_EQ(session->aggregate(huge).error(), invalid(Contribution::psig, 2u));
    auto other_nonces = pubnonces;
    std::swap(other_nonces[0], other_nonces[1]);
    // The same aggregate (a sum), but signer 0's psig is checked against signer 1's nonce.
    EXPECT_EQ(verify_and_aggregate(*session, other_nonces, psigs).error(),
              invalid(Contribution::psig, 0u));
    // The aggregator's nonce is not the pubnonces' aggregate: the aggregator is blamed.
    other_nonces = pubnonces;
    NonceGenArgs args;
    args.pk = g.pks[0];
    other_nonces[0] = nonce_gen(args)->pubnonce;
    EXPECT_EQ(verify_and_aggregate(*session, other_nonces, psigs).error().code,
              ErrorCode::aggnonce_mismatch);
}

TEST(MusigBlame, BadKeysAndNoncesNameTheirSigner) {
    const Group g(4);
    auto keys = g.pks;
    keys[2][0] = 0x04;  // not a compressed point
    EXPECT_EQ(KeyAggContext::create(keys).error(), invalid(Contribution::pubkey, 2u));
    std::vector<PubNonce> nonces;
    for (std::size_t i = 0; i < 4; ++i) {
        NonceGenArgs args;
        args.pk = g.pks[i];
        nonces.push_back(nonce_gen(args)->pubnonce);
    }
    nonces[3][40] ^= 0xff;  // the second point's x is (almost surely) off the curve now
    const auto r = nonce_agg(nonces);
    if (!r) {
        EXPECT_EQ(r.error(), invalid(Contribution::pubnonce, 3u));
    }
    nonces[3][33] = 0x05;  // and certainly not a compressed point
    EXPECT_EQ(nonce_agg(nonces).error(), invalid(Contribution::pubnonce, 3u));
    EXPECT_EQ(KeyAggContext::create({}).error().code, ErrorCode::no_signers);
    EXPECT_EQ(nonce_agg({}).error().code, ErrorCode::no_signers);
}
