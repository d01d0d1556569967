// MuSig2 signing sessions in one process (src/musig/coordinator.hpp over LocalHub).
//
//   BM_KeyAgg/100              KeyAggContext::create of 100 keys (what a coordinator does once
//                              per announcement, for the session's signers)
//   BM_ReceiveAnnouncement/n   one coordinator taking an announcement of n signers: decode,
//                              the creator's BIP340 signature, KeyAgg, the session stored
//   BM_DecodeNonceFrame        decode_frame of a nonce frame (two points checked)
//   BM_SessionOverHub/n        a whole session of n coordinators over LocalHub, n = 2..16:
//                              the announcement to n-1, every join (NonceGen), n(n-1) nonce and
//                              n(n-1) partial frames, each decoded and its signature checked,
//                              each partial verified by every coordinator, n aggregations and
//                              BIP340 checks. Per iteration; "s_per_signer" is the time divided by
//                              n.
//
// The keys are made before the timed loops; the coordinators of a session are made inside.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "crypto/bip340.hpp"
#include "musig/coordinator.hpp"
#include "musig/local_hub.hpp"
#include "musig/musig.hpp"

namespace mu = sharemsg::musig;
namespace crypto = sharemsg::crypto;
using sharemsg::as_bytes;
using sharemsg::Bytes;

namespace {

constexpr std::uint64_t NOW = 1700000000;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "benchmark set-up failed: %s\n", what.c_str());
    std::exit(1);
}

struct Keys {
    std::vector<crypto::PrivKey> sks;
    std::vector<mu::PlainPubKey> pks;
};

Keys keys(std::size_t n) {
    Keys k;
    for (std::size_t i = 0; i < n; ++i) {
        auto sk = crypto::PrivKey::from_bytes(
            crypto::sha256(as_bytes("bench musig session signer " + std::to_string(i))));
        if (!sk) die("key");
        k.pks.push_back(sk->pubkey());
        k.sks.push_back(*sk);
    }
    return k;
}

mu::CoordinatorOptions options() {
    mu::CoordinatorOptions o;
    o.network_id = mu::NetworkId{'b', 'e', 'n', 'c', 'h', 0, 0, 0};
    o.auto_cleanup = false;
    return o;
}

const crypto::Hash256& message() {
    static const crypto::Hash256 m = crypto::sha256(as_bytes("EMERGENCY: co-signed alert"));
    return m;
}

void BM_KeyAgg(benchmark::State& state) {
    const auto k = keys(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto ctx = mu::KeyAggContext::create(k.pks);
        if (!ctx) die("keyagg");
        benchmark::DoNotOptimize(ctx->xonly_pubkey());
    }
}
BENCHMARK(BM_KeyAgg)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_ReceiveAnnouncement(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto k = keys(n);
    mu::LocalHub hub;
    std::uint64_t now = NOW;
    mu::Coordinator creator(options(), k.sks[0], hub.port(k.pks[0]), [&] { return now; });
    auto opt = options();
    opt.max_sessions = 1;
    mu::Coordinator taker(opt, k.sks[1], hub.port(k.pks[1]), [&] { return now; });
    if (!creator.create(k.pks, message(), as_bytes("context"), NOW + 3600)) die("create");
    const Bytes frame = hub.sent().front().frame;
    for (auto _ : state) {
        auto r = taker.receive(frame);
        if (!r) die("receive: " + r.error().to_string());
        state.PauseTiming();
        now += 3601;  // the sweep makes room for the same announcement again
        taker.sweep(now);
        now = NOW;
        state.ResumeTiming();
    }
}
BENCHMARK(BM_ReceiveAnnouncement)->Arg(2)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond);

void BM_DecodeNonceFrame(benchmark::State& state) {
    const auto k = keys(1);
    mu::NonceGenArgs args;
    args.pk = k.pks[0];
    auto n = mu::nonce_gen(args);
    if (!n) die("nonce_gen");
    mu::SessionMessage m;
    m.seq = 1;
    m.payload = mu::NonceBody{n->pubnonce};
    mu::sign_message(m, k.sks[0]);
    const Bytes frame = mu::encode_message(m);
    for (auto _ : state) {
        auto f = mu::decode_frame(frame);
        if (!f) die("decode");
        benchmark::DoNotOptimize(f);
    }
}
BENCHMARK(BM_DecodeNonceFrame)->Unit(benchmark::kMicrosecond);

void BM_SessionOverHub(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto k = keys(n);
    std::uint64_t now = NOW;
    std::size_t frames = 0;
    for (auto _ : state) {
        mu::LocalHub hub;
        std::vector<std::unique_ptr<mu::Coordinator>> cs;
        for (std::size_t i = 0; i < n; ++i) {
            cs.push_back(std::make_unique<mu::Coordinator>(options(), k.sks[i], hub.port(k.pks[i]),
                                                           [&] { return now; }));
            hub.attach(*cs.back());
        }
        auto id = cs[0]->create(k.pks, message(), as_bytes("context"), NOW + 3600);
        if (!id) die("create");
        hub.deliver_all();
        for (auto& c : cs)
            if (!c->join(*id)) die("join");
        hub.deliver_all();
        for (auto& c : cs)
            if (c->get(*id)->phase != mu::Phase::complete) die("session did not complete");
        frames += hub.sent().size();
    }
    state.counters["frames"] =
        benchmark::Counter(static_cast<double>(frames) / static_cast<double>(state.iterations()));
    state.counters["s_per_signer"] =
        benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}
BENCHMARK(BM_SessionOverHub)
    ->Arg(2)
    ->Arg(4)
    ->Arg(8)
    ->Arg(16)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
