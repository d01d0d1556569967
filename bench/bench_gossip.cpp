// Gossip convergence (src/node/gossip_service.*): N GossipServices in this process, each on
// its own UDP socket on 127.0.0.1, until every node's table lists the N − 1 others.
//
//   BM_GossipConverge/nodes:N/push_ms:P   N = 20 or 100 nodes, a push every P = 1,000 ms, a
//                                         pull every P / 4 ms; one run each (Iterations(1);
//                                         more with --benchmark_repetitions)
//
// Each node has a deterministic identity (master key i + 1, its derived signing key 0 and
// the master's delegation on the devnet network), a window that pays all N masters
// (set_window) and announces 127.0.0.1 with its gossip port (set_public_address, the --stun
// path). Node i > 0 is seeded with 1 to 3 nodes started before it (a fixed random choice);
// node 0 has no seed and learns the others from their pushes. The graph is connected and far
// from complete. The service's default timers are a push every 60 s and a pull every 15 s (the
// same 4:1 ratio); every other option is the service's default (rate limits included).
//
// The reported time (manual time) is the wall time from the first start to the moment the
// last node lists N − 1 identities, each with an endpoint. Counters:
//   start_ms          starting the N services (binds, threads)
//   cpu_s             CPU time of the whole process (every thread) over the run
//   rss_growth_MiB    VmRSS at convergence minus VmRSS before the first start
//   hwm_growth_MiB    VmHWM likewise (a peak reached earlier in the process is not seen)
//   datagrams         sent by all nodes until convergence (sharemsg_gossip_datagrams_out_total)
//   announce/pull/delta  the same by kind; dgrams_per_node = datagrams / N
//   accepted          announces the tables accepted (sharemsg_gossip_accepted_total)
//   stale             refused stale_version (a version the node already held)
//   rate_refused      refused by a rate limit (source_rate, answer_rate, identity_rate)
//   busy              dropped because a verifier queue was full (verifier_busy)
//   poll_ms           the bench's own polling of peers_json() (every 100 ms), in wall time
//   stop_ms           stopping the N services (all at once), not in the reported time
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "bench_util.hpp"
#include "node/gossip_service.hpp"
#include "node/metrics.hpp"
#include "proto/open_envelope.hpp"

namespace {

using namespace sharemsg;
using boost::asio::ip::udp;
using Clock = std::chrono::steady_clock;

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kTimeout = std::chrono::seconds(60);
constexpr unsigned kSeedChoice = 7;  // the seed graph's random choice

// "VmRSS" / "VmHWM" of this process in KiB (0 when unreadable).
double status_kib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) != 0) continue;
        std::istringstream s(line.substr(field.size() + 1));
        double kib = 0;
        s >> kib;
        return kib;
    }
    return 0;
}

double process_cpu_s() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return s(u.ru_utime) + s(u.ru_stime);
}

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// Node i's identity: master key i + 1 (big-endian in 32 bytes), signing key 0 under it.
node::GossipService::Identity identity(std::size_t i) {
    ByteArray<32> master{};
    master[30] = static_cast<std::uint8_t>((i + 1) >> 8);
    master[31] = static_cast<std::uint8_t>(i + 1);
    auto key = bench::need(proto::DerivedSigningKey::derive(master, 0), "derive");
    auto priv = bench::need(crypto::PrivKey::from_bytes(master), "master key");
    gossip::Announce a;
    a.network = proto::open::DEVNET_NETWORK_ID;
    a.signing_pubkey = key.pubkey();
    a.key_index = 0;
    a.delegation = proto::open::make_delegation(priv, a.network, key.pubkey(), 0);
    return {key, std::move(a)};
}

// The seeds of node i: 1 to 3 distinct nodes among 0..i-1 (none for node 0).
std::vector<std::vector<std::size_t>> seed_graph(std::size_t n) {
    std::mt19937 rng(kSeedChoice);
    std::vector<std::vector<std::size_t>> out(n);
    for (std::size_t i = 1; i < n; ++i) {
        const std::size_t want = std::min<std::size_t>(i, 1 + rng() % 3);
        std::set<std::size_t> picked;
        while (picked.size() < want)
            picked.insert(rng() % i);
        out[i].assign(picked.begin(), picked.end());
    }
    return out;
}

// Whether the node lists `others` identities, each with at least one endpoint.
bool converged(const node::GossipService& s, std::size_t others) {
    const auto peers = s.peers_json();
    if (peers.size() != others) return false;
    for (const auto& p : peers)
        if (p["endpoints"].empty()) return false;
    return true;
}

double sum(const std::vector<std::unique_ptr<node::Metrics>>& metrics, const std::string& name,
           const std::vector<std::string>& labels) {
    double total = 0;
    for (const auto& m : metrics)
        for (const auto& l : labels)
            total += m->get(name, l);
    return total;
}

void BM_GossipConverge(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto push = std::chrono::milliseconds(state.range(1));
    std::vector<node::GossipService::Identity> ids;
    std::set<relay::MasterHash> window;
    for (std::size_t i = 0; i < n; ++i) {
        ids.push_back(identity(i));
        window.insert(ids.back().unsigned_announce.master_hash());
    }
    const auto graph = seed_graph(n);
    const auto loopback = boost::asio::ip::make_address("127.0.0.1");

    for (auto _ : state) {
        std::vector<std::unique_ptr<node::Metrics>> metrics;
        std::vector<std::unique_ptr<node::GossipService>> nodes;
        const double rss0 = status_kib("VmRSS"), hwm0 = status_kib("VmHWM");
        const double cpu0 = process_cpu_s();
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < n; ++i) {
            node::GossipOptions o;
            o.network = proto::open::DEVNET_NETWORK_ID;
            o.bind = udp::endpoint(loopback, 0);
            for (auto s : graph[i])
                o.seeds.emplace_back(loopback, nodes[s]->port());
            o.push_interval = push;
            o.pull_interval = push / 4;
            metrics.push_back(std::make_unique<node::Metrics>());
            auto id = ids[i];
            auto s = bench::need(
                node::GossipService::start(
                    std::move(o), [id] { return std::optional(id); }, unix_now, *metrics.back()),
                "gossip service start");
            s->set_window(window);
            s->set_public_address(loopback);
            nodes.push_back(std::move(s));
        }
        const auto started = Clock::now();

        std::vector<bool> done(n, false);
        std::size_t remaining = n;
        Clock::duration polling{};
        while (remaining > 0 && Clock::now() - t0 < kTimeout) {
            const auto p0 = Clock::now();
            for (std::size_t i = 0; i < n; ++i)
                if (!done[i] && converged(*nodes[i], n - 1)) {
                    done[i] = true;
                    --remaining;
                }
            polling += Clock::now() - p0;
            if (remaining > 0) std::this_thread::sleep_for(kPoll);
        }
        const auto t1 = Clock::now();
        const double cpu = process_cpu_s() - cpu0;
        const double rss1 = status_kib("VmRSS"), hwm1 = status_kib("VmHWM");
        const std::vector<std::string> kinds = {"kind=\"announce\"", "kind=\"pull\"",
                                                "kind=\"delta\""};
        const char* out = "sharemsg_gossip_datagrams_out_total";
        const double announce = sum(metrics, out, {kinds[0]});
        const double pull = sum(metrics, out, {kinds[1]});
        const double delta = sum(metrics, out, {kinds[2]});
        const char* refused = "sharemsg_gossip_refused_total";
        const double stale = sum(metrics, refused, {"reason=\"stale_version\""});
        const double rate =
            sum(metrics, refused,
                {"reason=\"source_rate\"", "reason=\"answer_rate\"", "reason=\"identity_rate\""});
        const double busy = sum(metrics, refused, {"reason=\"verifier_busy\""});
        const double accepted = sum(metrics, "sharemsg_gossip_accepted_total", {""});
        const auto s0 = Clock::now();
        {  // all at once: the ones still running would slow each stop down
            std::vector<std::thread> stoppers;
            for (auto& s : nodes)
                stoppers.emplace_back([&s] { s->stop(); });
            for (auto& t : stoppers)
                t.join();
        }
        const auto stopped = Clock::now();

        if (remaining > 0) {
            state.SkipWithError((std::to_string(remaining) + " of " + std::to_string(n) +
                                 " nodes had not converged after 60 s")
                                    .c_str());
            return;
        }
        const double seconds = std::chrono::duration<double>(t1 - t0).count();
        state.SetIterationTime(seconds);
        state.counters["nodes"] = static_cast<double>(n);
        state.counters["start_ms"] =
            std::chrono::duration<double, std::milli>(started - t0).count();
        state.counters["cpu_s"] = cpu;
        state.counters["poll_ms"] = std::chrono::duration<double, std::milli>(polling).count();
        state.counters["stop_ms"] = std::chrono::duration<double, std::milli>(stopped - s0).count();
        state.counters["rss_growth_MiB"] = (rss1 - rss0) / 1024;
        state.counters["hwm_growth_MiB"] = (hwm1 - hwm0) / 1024;
        state.counters["datagrams"] = announce + pull + delta;
        state.counters["dgrams_per_node"] = (announce + pull + delta) / static_cast<double>(n);
        state.counters["announce"] = announce;
        state.counters["pull"] = pull;
        state.counters["delta"] = delta;
        state.counters["accepted"] = accepted;
        state.counters["stale"] = stale;
        state.counters["rate_refused"] = rate;
        state.counters["busy"] = busy;
    }
}
BENCHMARK(BM_GossipConverge)
    ->ArgNames({"nodes", "push_ms"})
    ->Args({20, 1000})
    ->Args({100, 1000})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);  // not a line per service started
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
