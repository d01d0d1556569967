// A whole MuSig2 signing session between real sharemsgd processes on 127.0.0.1, for n = 2 to 16
// signers (docs/musig.md, "Sessions between nodes").
//
// Set-up (outside every timing, once for all n): a mailbox daemon (--mailbox, mining devnet
// shares that pay the test master, so every signer is authorized) and 16 signer daemons with
// --musig and --mailbox-url, as the integration tests' MusigNodes starts them, with
// `--mine false`. Every signer comes from the one address 127.0.0.1, so the mailbox's rate
// limit and its per-client connections and streams are raised (each signer holds one stream).
//
//   BM_SessionBetweenNodes/n   one session per iteration among signers 0..n-1: POST
//                              /musig/start on signer 0 (it joins at once), every other signer
//                              POSTs /musig/join/<id> as soon as it holds the session, until
//                              every signer reports `complete` with the same signature, which
//                              is checked under the aggregate key. Wall time (manual), from the
//                              start request to the last `complete`, polled every 5 ms.
//     counters: heard_ms   start request to the last signer holding the session (the
//                          announcement's mail delivery)
//               frames     session frames the n signers sent (/musig/status frames_out)
//               cpu_ms     CPU time of the n signers and the mailbox together
//               mailbox_cpu_ms   the mailbox's part of it
//     (The CPU column is this program's own time: its polling.)
//
// Frames go by mail through the mailbox (every hop a SQLite commit), since the signers have no
// direct links. BENCH_MUSIG_ITERATIONS=N sessions per n (default 3). The daemons are stopped at
// the end, also when a set-up step fails.
#include <utility>  // before anything that may include Boost.Asio (Boost 1.74 under g++ 12)

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "integration/musig_nodes.hpp"
#include "util/bytes.hpp"

using namespace sharemsg;
using Clock = std::chrono::steady_clock;
using J = nlohmann::json;

namespace {

constexpr std::size_t kMaxSigners = 16;
constexpr auto kPoll = std::chrono::milliseconds(5);
constexpr auto kSessionLimit = std::chrono::seconds(120);

std::unique_ptr<itest::MusigNodes> g_nodes;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "benchmark failed: %s\n", what.c_str());
    g_nodes.reset();
    std::exit(1);
}

itest::MusigNodes& nodes() {
    if (!g_nodes) {
        std::fprintf(stderr, "starting a mailbox and %zu signers...\n", kMaxSigners);
        g_nodes = std::make_unique<itest::MusigNodes>(
            "bench-musig", kMaxSigners, std::vector<std::string>{"--mine", "false"},
            std::vector<std::string>{"--mailbox-rate-limit", "1000000", "--web-client-streams",
                                     "32", "--web-client-connections", "256"});
        if (!g_nodes->ok()) die(g_nodes->failure());
    }
    return *g_nodes;
}

double cpu_of_all(itest::MusigNodes& ns, std::size_t n) {
    double s = itest::cpu_seconds(ns.mailbox().pid());
    for (std::size_t i = 0; i < n; ++i)
        s += itest::cpu_seconds(ns.node(i).pid());
    return s;
}

double frames_sent(itest::MusigNodes& ns, std::size_t n) {
    double f = 0;
    for (std::size_t i = 0; i < n; ++i)
        f += ns.node(i).call("GET", "/musig/status").json().value("frames_out", 0.0);
    return f;
}

struct SessionTimes {
    double heard_s = 0;
    double complete_s = 0;
};

// One session among signers 0..n-1, from the start request to every signer complete.
SessionTimes run_session(itest::MusigNodes& ns, std::size_t n) {
    J signers = J::array();
    for (std::size_t i = 0; i < n; ++i)
        signers.push_back(ns.key(i).signing_pubkey);
    const auto msg = to_hex(crypto::random_bytes(32));

    const auto t0 = Clock::now();
    const auto started =
        ns.node(0).call("POST", "/musig/start", J{{"signers", signers}, {"message", msg}}.dump());
    if (started.status != 200) die("POST /musig/start: " + started.body);
    const auto s0 = started.json()["session"];
    const std::string id = s0["id"];

    std::vector<bool> joined(n, false), complete(n, false);
    joined[0] = true;
    std::size_t n_joined = 1, n_complete = 0;
    SessionTimes t;
    std::string signature;
    while (n_complete < n) {
        if (Clock::now() - t0 > kSessionLimit) die("session " + id + " did not complete in time");
        for (std::size_t i = 0; i < n; ++i) {
            if (complete[i]) continue;
            const auto s = ns.session(i, id);
            if (s.is_null()) continue;
            if (s["phase"] == "aborted") die("session " + id + " aborted: " + s.dump());
            if (!joined[i]) {
                const auto r = ns.node(i).call("POST", "/musig/join/" + id);
                if (r.status != 200) die("POST /musig/join: " + r.body);
                joined[i] = true;
                if (++n_joined == n)
                    t.heard_s = std::chrono::duration<double>(Clock::now() - t0).count();
            } else if (s["phase"] == "complete") {
                complete[i] = true;
                ++n_complete;
                if (signature.empty()) signature = s["signature"];
                if (s["signature"] != signature) die("signer " + std::to_string(i) + " differs");
            }
        }
        if (n_complete < n) std::this_thread::sleep_for(kPoll);
    }
    t.complete_s = std::chrono::duration<double>(Clock::now() - t0).count();

    const auto key = from_hex("02" + s0["aggregate_key"].get<std::string>());
    const auto m = from_hex_fixed<32>(msg);
    const auto sig = from_hex_fixed<64>(signature);
    if (!key || !m || !sig || !crypto::schnorr_verify(*key, *m, *sig))
        die("the signature of session " + id + " does not verify");
    return t;
}

void BM_SessionBetweenNodes(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    auto& ns = nodes();
    const double frames0 = frames_sent(ns, n);
    const double cpu0 = cpu_of_all(ns, n);
    const double mailbox_cpu0 = itest::cpu_seconds(ns.mailbox().pid());
    double heard = 0;
    for (auto _ : state) {
        const auto t = run_session(ns, n);
        state.SetIterationTime(t.complete_s);
        heard += t.heard_s;
    }
    const auto iters = static_cast<double>(state.iterations());
    state.counters["heard_ms"] = 1000 * heard / iters;
    state.counters["frames"] = (frames_sent(ns, n) - frames0) / iters;
    state.counters["cpu_ms"] = 1000 * (cpu_of_all(ns, n) - cpu0) / iters;
    state.counters["mailbox_cpu_ms"] =
        1000 * (itest::cpu_seconds(ns.mailbox().pid()) - mailbox_cpu0) / iters;
}

int iterations() {
    const char* e = std::getenv("BENCH_MUSIG_ITERATIONS");
    const int v = e ? std::atoi(e) : 3;
    return v > 0 ? v : 3;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    for (long n : {2, 3, 4, 6, 8, 12, 16})
        benchmark::RegisterBenchmark("BM_SessionBetweenNodes", BM_SessionBetweenNodes)
            ->Arg(n)
            ->UseManualTime()
            ->Iterations(iterations())
            ->Unit(benchmark::kMillisecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_nodes.reset();
    return 0;
}
