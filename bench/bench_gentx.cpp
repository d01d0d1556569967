// The V36 generated-transaction check (chain::check_share_gentx) at the window sizes of
// Litecoin testnet (REAL_CHAIN_LENGTH 400) and Litecoin (8640).
//
// The chain is built once per size, outside the timed loop: W ancestors (W = the window)
// paying 200 distinct payees (P2PKH, P2WPKH, P2SH in turn), targets spread over 16 bits below
// the network's MAX_TARGET, donations of 0 to 2%, one share in seven voting desired_version
// 35. The checked share carries the share_info fields and gentx hash the chain gives it, so
// every iteration runs the whole check and passes.
//
//   BM_CheckShareGentx/W   check_share_gentx: the decayed PPLNS weights, the merged weights and
//                          their hash, the outputs, the gentx and its txid (items/s = shares)
//   BM_DecayedWeights/W    decayed_weights alone
//   BM_MergedPayoutHash/W  merged_weights + merged_payout_hash alone
//   BM_CheckMergedCoinbase/W  check_merged_coinbase of a share merge-mining Dogecoin, half the
//                          window's payees naming their merged script: the merged weights
//                          keyed for the chain, the canonical coinbase, its txid and the
//                          header and mm_data comparisons (items/s = shares)
//   BM_AverageAttempts     average_attempts of one target: done once per share by the caller
//                          (GentxAncestor::attempts), not per window
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "chain/gentx.hpp"
#include "chain/merged_coinbase.hpp"
#include "chain/pplns.hpp"
#include "chain/target.hpp"
#include "p2p/params.hpp"

using namespace sharemsg;
using namespace sharemsg::chain;

namespace {

struct Setup {
    GentxParams params;
    GentxChain chain;
    Share share;
    VerifiedShare verified;
};

const p2p::NetworkParams& network_of(std::int64_t window) {
    return window == 400 ? p2p::LITECOIN_TESTNET : p2p::LITECOIN_MAINNET;
}

Setup make_setup(std::int64_t window) {
    const p2p::NetworkParams& net = network_of(window);
    Setup s;
    s.params = p2p::gentx_params(net);
    s.chain.parent_height = static_cast<std::uint64_t>(window) + 100;
    s.chain.reaches_first_share = false;
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    for (std::int64_t i = 0; i < window; ++i) {
        GentxAncestor a;
        a.hash = le_from_u64<32>(next());
        Uint160 h{};
        const auto payee = static_cast<std::uint64_t>(i % 200);
        for (std::size_t k = 0; k < 8; ++k)
            h[k] = static_cast<std::uint8_t>(payee >> (8 * k));
        a.script = payout_script(static_cast<std::uint8_t>(payee % 3), h);
        Uint256 target = *target_from_bits(bits_from_target_upper_bound(net.max_target));
        const unsigned shift = static_cast<unsigned>(next() % 16);
        for (unsigned k = 0; k < shift; ++k) {  // target >> shift, byte-wise little-endian
            std::uint8_t carry = 0;
            for (std::size_t j = 32; j-- > 0;) {
                const std::uint8_t b = target[j];
                target[j] = static_cast<std::uint8_t>(b >> 1 | carry << 7);
                carry = b & 1;
            }
        }
        a.attempts = average_attempts(target);
        a.donation = static_cast<std::uint16_t>(next() % 1311);
        a.desired_version = i % 7 == 3 ? 35 : 36;
        a.absheight = 123456;
        a.abswork = 1ULL << 40;
        if (payee % 2 == 0)  // an explicit Dogecoin address: the payout script's own bytes
            a.merged_addresses.push_back(MergedAddress{DOGECOIN_CHAIN_ID, a.script});
        s.chain.window.push_back(std::move(a));
    }
    ShareInfo& info = s.share.share_info;
    info.share_data.coinbase = Bytes(40, 0x51);
    info.share_data.subsidy = 625000000;
    info.share_data.desired_version = 36;
    info.segwit_data = SegwitData{{}, le_from_u64<32>(7)};
    info.bits = bits_from_target_upper_bound(net.max_target);
    auto fields = derive_chain_fields(s.params, s.chain, info.bits);
    info.absheight = fields->absheight;
    info.abswork = static_cast<std::uint64_t>(fields->abswork);
    info.far_share_hash = fields->far_share_hash;
    info.merged_payout_hash = fields->merged_payout_hash;
    s.verified.ref_hash = le_from_u64<32>(42);
    auto gentx = build_v36_gentx(s.params, s.chain, info, s.verified.ref_hash, 0);
    s.verified.gentx_hash = crypto::sha256d(*gentx);
    return s;
}

void BM_CheckShareGentx(benchmark::State& state) {
    const Setup s = make_setup(state.range(0));
    for (auto _ : state) {
        GentxVerdict v = check_share_gentx(s.params, s.chain, s.share, s.verified);
        if (!v.ok()) {
            state.SkipWithError(v.reason.c_str());
            break;
        }
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckShareGentx)->Arg(400)->Arg(8640)->Unit(benchmark::kMicrosecond);

void BM_CheckMergedCoinbase(benchmark::State& state) {
    Setup s = make_setup(state.range(0));
    ShareInfo& info = s.share.share_info;
    info.share_data.previous_share_hash = Uint256{};
    MergedCoinbaseInfo m;
    m.chain_id = DOGECOIN_CHAIN_ID;
    m.coinbase_value = 10000ULL * 100000000;
    m.block_height = 5000000;
    const Bytes payout = payout_script(0, info.share_data.pubkey_hash);
    const auto txid = crypto::sha256d(*canonical_merged_coinbase(s.params, s.chain, payout, {}, m));
    std::copy(txid.begin(), txid.end(), m.block_header_bytes.begin() + 36);
    const auto block = crypto::sha256d(m.block_header_bytes);
    info.share_data.coinbase = {0x03, 0x40, 0x42, 0x0f, 0xfa, 0xbe, 0x6d, 0x6d};
    info.share_data.coinbase.insert(info.share_data.coinbase.end(), block.rbegin(), block.rend());
    for (std::uint8_t b : {1, 0, 0, 0, 0, 0, 0, 0})
        info.share_data.coinbase.push_back(b);
    info.merged_coinbase_info = std::vector<MergedCoinbaseInfo>{m};
    for (auto _ : state) {
        MergedCoinbaseVerdict v = check_merged_coinbase(s.params, s.chain, s.share);
        if (!v.ok()) {
            state.SkipWithError(v.reason.c_str());
            break;
        }
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckMergedCoinbase)->Arg(400)->Arg(8640)->Unit(benchmark::kMicrosecond);

void BM_DecayedWeights(benchmark::State& state) {
    const Setup s = make_setup(state.range(0));
    for (auto _ : state) {
        auto w = decayed_weights(s.chain.window, s.chain.window.size(), s.params.chain_length);
        benchmark::DoNotOptimize(w);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecayedWeights)->Arg(400)->Arg(8640)->Unit(benchmark::kMicrosecond);

void BM_MergedPayoutHash(benchmark::State& state) {
    const Setup s = make_setup(state.range(0));
    for (auto _ : state) {
        auto h = merged_payout_hash(merged_weights(s.chain.window, s.chain.window.size()));
        benchmark::DoNotOptimize(h);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MergedPayoutHash)->Arg(400)->Arg(8640)->Unit(benchmark::kMicrosecond);

void BM_AverageAttempts(benchmark::State& state) {
    const Uint256 target = *target_from_bits(0x1e0fffff);
    for (auto _ : state)
        benchmark::DoNotOptimize(average_attempts(target));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AverageAttempts);

}  // namespace

BENCHMARK_MAIN();
