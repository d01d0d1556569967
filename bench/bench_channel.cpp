// The encrypted channel (src/channel): handshakes per second and frame throughput.
//
//   BM_Handshake      a complete 3-message handshake between two fresh Channel objects
//                     (both sides' work: 2 X25519 keygens, 2 derivations, 4 HKDF, 2 BIP340
//                     signatures, 2 signature and 2 delegation verifications); items/s =
//                     handshakes per second on one core
//   BM_SealOpen/N     FrameSealer::seal then FrameDecoder::feed of one N-byte frame (1 KiB,
//                     16 KiB); bytes/s counts plaintext bytes through both
//   BM_Seal/N         the sealing side alone
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "channel/channel.hpp"
#include "channel/frame.hpp"
#include "proto/open_envelope.hpp"

namespace {

using namespace sharemsg;
using namespace sharemsg::channel;

struct Side {
    proto::DerivedSigningKey key;
    proto::open::Delegation delegation;
};

Side side(std::uint8_t master_byte, std::uint32_t index) {
    ByteArray<32> master{};
    master.fill(master_byte);
    auto key = bench::need(proto::DerivedSigningKey::derive(master, index), "derive");
    auto priv = bench::need(crypto::PrivKey::from_bytes(master), "master key");
    auto d =
        proto::open::make_delegation(priv, proto::open::DEVNET_NETWORK_ID, key.pubkey(), index);
    return {key, d};
}

LocalIdentity identity(const Side& s) {
    return {s.key, s.delegation, proto::open::DEVNET_NETWORK_ID,
            [](const proto::open::AddressHash&, const proto::SigningId&) { return true; }};
}

void BM_Handshake(benchmark::State& state) {
    const Side a = side(0x11, 0);
    const Side b = side(0x22, 0);
    for (auto _ : state) {
        Channel init = Channel::initiator(identity(a), b.key.signing_id());
        Channel resp = Channel::responder(identity(b));
        auto r1 = resp.feed(init.start());
        auto i1 = init.feed(r1.to_send);
        auto r2 = resp.feed(i1.to_send);
        if (!r2.established || !i1.established) bench::die("handshake failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Handshake)->Unit(benchmark::kMicrosecond);

ByteArray<32> key() {
    ByteArray<32> k{};
    k.fill(0x5a);
    return k;
}

void BM_SealOpen(benchmark::State& state) {
    const Bytes plain(static_cast<std::size_t>(state.range(0)), 0x61);
    FrameSealer s(key());
    FrameDecoder d(key());
    for (auto _ : state) {
        auto sealed = s.seal(plain);
        auto out = d.feed(sealed.frame);
        if (out.error || out.messages.size() != 1) bench::die("frame did not decode");
        benchmark::DoNotOptimize(out.messages[0].data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SealOpen)->Arg(1024)->Arg(16 * 1024);

void BM_Seal(benchmark::State& state) {
    const Bytes plain(static_cast<std::size_t>(state.range(0)), 0x61);
    FrameSealer s(key());
    for (auto _ : state) {
        auto sealed = s.seal(plain);
        benchmark::DoNotOptimize(sealed.frame.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Seal)->Arg(1024)->Arg(16 * 1024);

}  // namespace

BENCHMARK_MAIN();
