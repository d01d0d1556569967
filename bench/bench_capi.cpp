// The C ABI's verify call beside the C++ call it wraps, on the same fresh envelopes.
//
// Nine envelopes are built at start-up as bench_envelope builds its one: three messages signed
// by test authority A plus a 57-byte announcement, packed for the test authority set, each
// with another nonce (so nine different byte strings). The loops go round the nine, one more
// than the verify-once cache holds, so every C ABI call below "fresh" misses the cache.
//
//   BM_CppCheckV36         proto::check_v36_message_data (the core, linked statically)
//   BM_CApiVerifyFresh     sharemsg_verify_message_data through libsharemsg.so: SHA-256 of the
//                          bytes, a cache miss, the same check, the verdict handle and its
//                          destruction
//   BM_CApiVerifyCached    the same call on one envelope again and again: the cache's answer
//   BM_Sha256Envelope      crypto::sha256 of one envelope: what a cached call costs at least
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "bench_util.hpp"
#include "crypto/hash.hpp"
#include "proto/envelope.hpp"
#include "proto/signing_key.hpp"
#include "sharemsg/sharemsg.h"

using namespace sharemsg;

namespace {

using bench::die;
using bench::need;

constexpr std::size_t ENVELOPES = 9;

struct Fixture {
    std::vector<Bytes> envelopes;
    sharemsg_context* ctx = nullptr;

    Fixture() {
        auto a = need(crypto::PrivKey::from_bytes(
                          need(from_hex(bench::TEST_AUTHORITY_A_PRIVKEY), "A key hex")),
                      "A key");
        const auto messages = bench::signed_authority_messages(a);
        auto key = need(proto::DerivedSigningKey::derive(Bytes(32, 0x42), 0), "derived key");
        const Bytes announcement = key.announcement().pack();
        for (std::size_t i = 0; i < ENVELOPES; ++i) {
            proto::Nonce16 nonce{};
            nonce.fill(static_cast<std::uint8_t>(i + 1));
            auto to_pack = messages;
            envelopes.push_back(need(
                proto::pack_share_messages(to_pack, announcement, nonce, proto::test_authorities()),
                "pack_share_messages"));
        }
        if (sharemsg_context_create(SHAREMSG_AUTHORITIES_TEST, &ctx, nullptr) != SHAREMSG_OK)
            die("sharemsg_context_create");
        for (const auto& e : envelopes) {
            sharemsg_verdict* v = nullptr;
            if (sharemsg_verify_message_data(ctx, e.data(), e.size(), &v, nullptr) != SHAREMSG_OK ||
                sharemsg_verdict_rule(v) != SHAREMSG_V36_OK ||
                sharemsg_verdict_message_count(v) != 3)
                die("an envelope fails the V36 rule through the C ABI");
            sharemsg_verdict_destroy(v);
        }
    }
};

const Fixture& fixture() {
    static const Fixture f;
    return f;
}

void BM_CppCheckV36(benchmark::State& state) {
    const auto& f = fixture();
    std::size_t i = 0;
    for (auto _ : state) {
        auto v = proto::check_v36_message_data(f.envelopes[i], proto::test_authorities());
        if (v.rule != proto::V36Rule::ok) state.SkipWithError("V36 rule failed");
        benchmark::DoNotOptimize(v);
        i = (i + 1) % ENVELOPES;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CppCheckV36);

void BM_CApiVerifyFresh(benchmark::State& state) {
    const auto& f = fixture();
    // Kept across the runs Google Benchmark makes of this function, so that the round never
    // restarts on an envelope the cache still holds.
    static std::size_t i = 0;
    for (auto _ : state) {
        sharemsg_verdict* v = nullptr;
        sharemsg_verify_message_data(f.ctx, f.envelopes[i].data(), f.envelopes[i].size(), &v,
                                     nullptr);
        if (sharemsg_verdict_cached(v)) state.SkipWithError("the cache answered");
        sharemsg_verdict_destroy(v);
        i = (i + 1) % ENVELOPES;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CApiVerifyFresh);

void BM_CApiVerifyCached(benchmark::State& state) {
    const auto& f = fixture();
    const Bytes& e = f.envelopes[0];
    for (auto _ : state) {
        sharemsg_verdict* v = nullptr;
        sharemsg_verify_message_data(f.ctx, e.data(), e.size(), &v, nullptr);
        if (!sharemsg_verdict_cached(v)) state.SkipWithError("the cache missed");
        sharemsg_verdict_destroy(v);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CApiVerifyCached);

void BM_Sha256Envelope(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::sha256(f.envelopes[0]));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256Envelope);

}  // namespace

BENCHMARK_MAIN();
