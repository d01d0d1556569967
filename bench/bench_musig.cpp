// BIP327 (MuSig2) in one process, on libsecp256k1's public API (src/musig/).
//
//   BM_KeyAgg/100          KeyAggContext::create of 100 keys (KeyAgg: the list hash, 100
//                          coefficients, 99 point multiplications, one sum)
//   BM_SigningRound/n      a whole signing round of n signers, n = 2..16: every signer's
//                          NonceGen, NonceAgg, the session values, every signer's Sign (each
//                          verifies its own partial signature), verify_and_aggregate (NonceAgg
//                          again and n partial verifications) and the BIP340 verification of
//                          the result
//   BM_Sign/n              one signer's NonceGen + Sign in a session of n
//   BM_PartialVerify/n     one PartialSigVerifyInternal in a session of n
//   BM_VerifyAndAggregate/n  verify_and_aggregate of n partial signatures
//   BM_Bip340Verify        the floor: one BIP340 verification of the final signature
//
// The keys, the key aggregation and (except in BM_SigningRound and BM_Sign) the nonces are
// made before the timed loops.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/bip340.hpp"
#include "musig/musig.hpp"

namespace mu = sharemsg::musig;
namespace crypto = sharemsg::crypto;
using sharemsg::as_bytes;
using sharemsg::Bytes;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "benchmark set-up failed: %s\n", what.c_str());
    std::exit(1);
}

template <class T>
T need(mu::Result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error().to_string());
    return std::move(r).value();
}

struct Signers {
    std::vector<crypto::PrivKey> sks;
    std::vector<mu::PlainPubKey> pks;
};

Signers signers(std::size_t n) {
    Signers s;
    for (std::size_t i = 0; i < n; ++i) {
        auto sk = crypto::PrivKey::from_bytes(
            crypto::sha256(as_bytes("bench musig signer " + std::to_string(i))));
        if (!sk) die("key");
        s.pks.push_back(sk->pubkey());
        s.sks.push_back(*sk);
    }
    return s;
}

const crypto::Hash256& message() {
    static const crypto::Hash256 m = crypto::sha256(as_bytes("EMERGENCY: co-signed alert"));
    return m;
}

mu::Nonces make_nonces(const Signers& s, std::size_t i, const mu::XonlyPubKey& aggpk) {
    mu::NonceGenArgs args;
    args.sk = &s.sks[i];
    args.pk = s.pks[i];
    args.aggpk = aggpk;
    args.msg = Bytes(message().begin(), message().end());
    return need(mu::nonce_gen(args), "nonce_gen");
}

// A session of n signers with every partial signature made.
struct Signed {
    Signers s;
    mu::KeyAggContext keys;
    std::vector<mu::PubNonce> pubnonces;
    std::vector<mu::PartialSig> psigs;
    mu::Session session;
};

Signed signed_session(std::size_t n) {
    Signers s = signers(n);
    auto keys = need(mu::KeyAggContext::create(s.pks), "key_agg");
    std::vector<mu::SecNonce> secnonces;
    std::vector<mu::PubNonce> pubnonces;
    for (std::size_t i = 0; i < n; ++i) {
        auto nn = make_nonces(s, i, keys.xonly_pubkey());
        pubnonces.push_back(nn.pubnonce);
        secnonces.push_back(std::move(nn.secnonce));
    }
    auto session =
        need(mu::Session::create(need(mu::nonce_agg(pubnonces), "nonce_agg"), keys, message()),
             "session");
    std::vector<mu::PartialSig> psigs;
    for (std::size_t i = 0; i < n; ++i)
        psigs.push_back(need(session.sign(std::move(secnonces[i]), s.sks[i]), "sign"));
    return Signed{std::move(s), std::move(keys), std::move(pubnonces), std::move(psigs),
                  std::move(session)};
}

void BM_KeyAgg(benchmark::State& state) {
    const Signers s = signers(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto ctx = mu::KeyAggContext::create(s.pks);
        if (!ctx) die("key_agg");
        benchmark::DoNotOptimize(ctx->xonly_pubkey());
    }
    state.counters["keys/s"] = benchmark::Counter(static_cast<double>(state.range(0)),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_KeyAgg)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_SigningRound(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const Signers s = signers(n);
    const auto keys = need(mu::KeyAggContext::create(s.pks), "key_agg");
    sharemsg::ByteArray<33> aggpk{};
    aggpk[0] = 0x02;
    const auto x = keys.xonly_pubkey();
    std::copy(x.begin(), x.end(), aggpk.begin() + 1);
    for (auto _ : state) {
        std::vector<mu::SecNonce> secnonces;
        std::vector<mu::PubNonce> pubnonces;
        for (std::size_t i = 0; i < n; ++i) {
            auto nn = make_nonces(s, i, x);
            pubnonces.push_back(nn.pubnonce);
            secnonces.push_back(std::move(nn.secnonce));
        }
        const auto session =
            need(mu::Session::create(need(mu::nonce_agg(pubnonces), "nonce_agg"), keys, message()),
                 "session");
        std::vector<mu::PartialSig> psigs;
        for (std::size_t i = 0; i < n; ++i)
            psigs.push_back(need(session.sign(std::move(secnonces[i]), s.sks[i]), "sign"));
        const auto sig = need(mu::verify_and_aggregate(session, pubnonces, psigs), "aggregate");
        if (!crypto::schnorr_verify(aggpk, message(), sig)) die("the signature does not verify");
    }
    state.counters["signers/s"] =
        benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SigningRound)->DenseRange(2, 16, 1)->Unit(benchmark::kMillisecond);

void BM_Sign(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const Signed d = signed_session(n);
    for (auto _ : state) {
        auto nn = make_nonces(d.s, 0, d.keys.xonly_pubkey());
        // Signed under the session's aggregate nonce: a partial signature that would not be
        // used, but the same work.
        benchmark::DoNotOptimize(need(d.session.sign(std::move(nn.secnonce), d.s.sks[0]), "sign"));
    }
}
BENCHMARK(BM_Sign)->Arg(2)->Arg(5)->Arg(16)->Unit(benchmark::kMicrosecond);

void BM_PartialVerify(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const Signed d = signed_session(n);
    std::size_t i = 0;
    for (auto _ : state) {
        if (!d.session.verify(d.psigs[i], d.pubnonces[i], d.s.pks[i])) die("verify");
        i = (i + 1) % n;
    }
}
BENCHMARK(BM_PartialVerify)->Arg(2)->Arg(5)->Arg(16)->Unit(benchmark::kMicrosecond);

void BM_VerifyAndAggregate(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const Signed d = signed_session(n);
    for (auto _ : state)
        benchmark::DoNotOptimize(
            need(mu::verify_and_aggregate(d.session, d.pubnonces, d.psigs), "aggregate"));
    state.counters["psigs/s"] =
        benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_VerifyAndAggregate)->Arg(2)->Arg(5)->Arg(16)->Unit(benchmark::kMicrosecond);

// The floor: one BIP340 verification (libsecp256k1's schnorrsig) of a MuSig2 signature.
void BM_Bip340Verify(benchmark::State& state) {
    const Signed d = signed_session(2);
    const auto sig = need(d.session.aggregate(d.psigs), "aggregate");
    sharemsg::ByteArray<33> aggpk{};
    aggpk[0] = 0x02;
    const auto x = d.keys.xonly_pubkey();
    std::copy(x.begin(), x.end(), aggpk.begin() + 1);
    for (auto _ : state)
        if (!crypto::schnorr_verify(aggpk, message(), sig)) die("verify");
}
BENCHMARK(BM_Bip340Verify)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
