// Catching up with a sharechain: shares verified per second while a window is downloaded,
// beside the scrypt hash rate of the same machine (each share costs one scrypt to verify, so
// that rate is the floor's ceiling).
//
// The chain: 800 litecoin_testnet shares (the window a follower needs: CHAIN_LENGTH 400 and the
// 400 below its oldest share), made once by node::SyntheticChain at the network's pace, paying
// three payees in turn. Each iteration verifies it into a fresh tracker with the node's own
// functions, as the node's ingest does: verify_share (decode, scrypt PoW, hash link, difficulty,
// generated transaction, message_data), the tracker, and check_pending for shares that wait for
// their ancestors. The shares come as a follower receives them: `sharereply`s of 100 shares
// from the tip back, each listing its shares newest first; the node adds a reply's shares
// oldest first, so most of them wait (pending) only until the next, older reply arrives.
//
//   BM_CatchUp               items_per_second = shares verified per second, as the node does
//   BM_CatchUpAsReceived     each reply's shares added in the order received (newest first)
//   BM_CatchUpOldestFirst    the whole chain parents first (a restart reading its share log)
//   BM_ScryptHeader          one scrypt_1024_1_1 of an 80-byte header
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>

#include "bench_util.hpp"
#include "chain/pow.hpp"
#include "node/network.hpp"
#include "node/synthetic_chain.hpp"

using namespace sharemsg;

namespace {

constexpr std::size_t kShares = 800;
constexpr std::size_t kBatch = 100;  // the parents a follower asks for with each hash

const std::vector<p2p::WrappedShare>& chain_shares() {
    static const std::vector<p2p::WrappedShare> shares = [] {
        node::SyntheticChain maker(node::litecoin_testnet_network(), 7);
        return bench::need(maker.extend(kShares, bench::NOW, 4,
                                        {ByteArray<20>{1}, ByteArray<20>{2}, ByteArray<20>{3}}),
                           "synthetic chain");
    }();
    return shares;
}

// Verifies `order` into a fresh tracker as the node does; the number of checked shares.
std::size_t verify_all(const std::vector<const p2p::WrappedShare*>& order) {
    const auto net = node::litecoin_testnet_network();
    chain::ShareTracker tracker;
    std::map<chain::ShareId, node::ShareView> views;
    tracker.set_further_check([&](const chain::ShareId& id) {
        auto it = views.find(id);
        return it == views.end() ? chain::FurtherVerdict{}
                                 : node::check_pending(net, it->second, tracker);
    });
    for (const auto* ws : order) {
        auto v = node::verify_share(net, *ws, tracker, bench::NOW + 600);
        if (!v) bench::die("a share of the chain was refused: " + v.error().reason);
        tracker.add(v->hash, v->prev, v->work, v->target, v->checked, net.target(), v->payout);
        views.emplace(v->hash, std::move(*v));
        if (!tracker.take_rejected().empty()) bench::die("a pending share was refused");
    }
    return tracker.size() - tracker.pending();
}

void run(benchmark::State& state, const std::vector<const p2p::WrappedShare*>& order) {
    std::size_t checked = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(checked = verify_all(order));
    if (checked != kShares) bench::die("not every share was checked");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kShares));
}

// The replies from the tip back; each reply's shares oldest first (as the node adds them) or
// newest first (as they are listed).
std::vector<const p2p::WrappedShare*> reply_order(bool oldest_first_in_reply) {
    const auto& shares = chain_shares();
    std::vector<const p2p::WrappedShare*> order;
    for (std::size_t end = shares.size(); end > 0; end -= std::min(end, kBatch)) {
        const std::size_t begin = end - std::min(end, kBatch);
        std::vector<const p2p::WrappedShare*> reply;
        for (std::size_t i = end; i > begin; --i)
            reply.push_back(&shares[i - 1]);
        if (oldest_first_in_reply) std::reverse(reply.begin(), reply.end());
        order.insert(order.end(), reply.begin(), reply.end());
    }
    return order;
}

void BM_CatchUp(benchmark::State& state) {
    run(state, reply_order(true));
}
BENCHMARK(BM_CatchUp)->Unit(benchmark::kMillisecond);

void BM_CatchUpAsReceived(benchmark::State& state) {
    run(state, reply_order(false));
}
BENCHMARK(BM_CatchUpAsReceived)->Unit(benchmark::kMillisecond);

void BM_CatchUpOldestFirst(benchmark::State& state) {
    std::vector<const p2p::WrappedShare*> order;
    for (const auto& s : chain_shares())
        order.push_back(&s);
    run(state, order);
}
BENCHMARK(BM_CatchUpOldestFirst)->Unit(benchmark::kMillisecond);

void BM_ScryptHeader(benchmark::State& state) {
    const Bytes header(80, 0x5a);
    for (auto _ : state)
        benchmark::DoNotOptimize(chain::scrypt_1024_1_1(header));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScryptHeader);

}  // namespace

BENCHMARK_MAIN();
