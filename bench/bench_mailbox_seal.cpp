// The mailbox's end-to-end encryption (src/mailbox/seal.cpp): one chain, Alice -> Bob.
//
//   BM_MailSeal/N        SendChain::seal of an N-byte plaintext (1 KiB, and 65,511 bytes:
//                        MAX_PLAINTEXT, the largest, which seals to 64 KiB); one HKDF for the
//                        key, one for the next link, ChaCha20-Poly1305
//   BM_MailOpen/N        ReceiveChain::open of the next message in order (sealed beforehand,
//                        in batches outside the timing)
//   BM_MailSealOpen/N    both in turn
//   BM_MailChainStart    SendChain::start: an ECDH and one HKDF (a new correspondent)
//   BM_MailOpenForgedFar ReceiveChain::open of a forged payload MAX_SKIP ahead of the chain:
//                        what refusing the most expensive bad message costs a receiver
//                        (MAX_SKIP link derivations and the window's keys, then the tag fails)
//   BM_MailStateRoundTrip  to_bytes + from_bytes of a chain whose window is full
// bytes/s counts plaintext bytes.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "bench_util.hpp"
#include "mailbox/seal.hpp"
#include "proto/open_envelope.hpp"

namespace {

using namespace sharemsg;
using namespace sharemsg::mailbox;

const NetworkId kNet = proto::open::DEVNET_NETWORK_ID;

crypto::PrivKey key(std::uint8_t fill) {
    ByteArray<32> b{};
    b.fill(fill);
    return bench::need(crypto::PrivKey::from_bytes(b), "key");
}

const crypto::PrivKey& alice() {
    static const crypto::PrivKey k = key(0x11);
    return k;
}
const crypto::PrivKey& bob() {
    static const crypto::PrivKey k = key(0x22);
    return k;
}

SendChain send_chain() {
    auto c = SendChain::start(kNet, alice(), bob().pubkey());
    if (!c) bench::die("SendChain::start: " + c.failure().detail);
    return *c;
}

ReceiveChain receive_chain() {
    auto c = ReceiveChain::start(kNet, bob(), alice().pubkey());
    if (!c) bench::die("ReceiveChain::start: " + c.failure().detail);
    return *c;
}

Bytes seal(SendChain& s, ByteView plain) {
    auto m = s.seal(plain);
    if (!m) bench::die("seal: " + m.failure().detail);
    return std::move(*m);
}

// N = 64 KiB stands for the largest plaintext, MAX_PLAINTEXT (64 KiB sealed).
std::size_t plain_size(const benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    return n > MAX_PLAINTEXT ? MAX_PLAINTEXT : n;
}

void BM_MailSeal(benchmark::State& state) {
    const Bytes plain(plain_size(state), 0x61);
    SendChain s = send_chain();
    for (auto _ : state) {
        auto m = s.seal(plain);
        benchmark::DoNotOptimize(m->data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}
BENCHMARK(BM_MailSeal)->Arg(1024)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);

void BM_MailOpen(benchmark::State& state) {
    const Bytes plain(plain_size(state), 0x61);
    const std::size_t batch = plain.size() > 4096 ? 64 : 1024;
    SendChain s = send_chain();
    ReceiveChain r = receive_chain();
    std::vector<Bytes> sealed;
    std::size_t next = 0;
    for (auto _ : state) {
        if (next == sealed.size()) {
            state.PauseTiming();
            sealed.clear();
            for (std::size_t i = 0; i < batch; ++i)
                sealed.push_back(seal(s, plain));
            next = 0;
            state.ResumeTiming();
        }
        auto o = r.open(sealed[next++]);
        if (!o) bench::die("open: " + o.failure().detail);
        benchmark::DoNotOptimize(o->plaintext.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}
BENCHMARK(BM_MailOpen)->Arg(1024)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);

void BM_MailSealOpen(benchmark::State& state) {
    const Bytes plain(plain_size(state), 0x61);
    SendChain s = send_chain();
    ReceiveChain r = receive_chain();
    for (auto _ : state) {
        auto o = r.open(seal(s, plain));
        if (!o) bench::die("open: " + o.failure().detail);
        benchmark::DoNotOptimize(o->plaintext.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}
BENCHMARK(BM_MailSealOpen)->Arg(1024)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);

void BM_MailChainStart(benchmark::State& state) {
    for (auto _ : state) {
        auto c = SendChain::start(kNet, alice(), bob().pubkey());
        benchmark::DoNotOptimize(c->state().bytes.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MailChainStart)->Unit(benchmark::kMicrosecond);

void BM_MailOpenForgedFar(benchmark::State& state) {
    ReceiveChain r = receive_chain();
    // A genuine message's bytes relabelled MAX_SKIP ahead: the tag cannot verify there.
    SendChain s = send_chain();
    Bytes forged = seal(s, Bytes(1024, 0x61));
    for (std::size_t i = 0; i < 8; ++i)
        forged[1 + i] = static_cast<std::uint8_t>(MAX_SKIP >> (8 * i));
    for (auto _ : state) {
        auto o = r.open(forged);
        if (o || o.failure().problem != SealError::bad_tag) bench::die("forgery not refused");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MailOpenForgedFar)->Unit(benchmark::kMicrosecond);

void BM_MailStateRoundTrip(benchmark::State& state) {
    SendChain s = send_chain();
    ReceiveChain r = receive_chain();
    Bytes last;
    for (std::uint64_t i = 0; i <= REORDER_WINDOW; ++i)
        last = seal(s, {});
    if (!r.open(last)) bench::die("open");
    for (auto _ : state) {
        auto back = ReceiveChain::from_bytes(r.id(), r.to_bytes());
        if (!back) bench::die("from_bytes: " + back.failure().detail);
        benchmark::DoNotOptimize(back->next_index());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MailStateRoundTrip)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
