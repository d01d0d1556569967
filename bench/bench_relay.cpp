// The relay (src/relay): registrations and lookups per second through relay::Service, the
// path an HTTP request takes after the web port (decode, freshness, two BIP340 checks, the
// rate limits, the window, the store's transaction; a lookup's query and encoding), on each
// backend:
//
//   BM_RelayRegister/sqlite      a file under $TMPDIR, WAL, synchronous=FULL
//   BM_RelayRegister/postgresql  a server of the bench's own (initdb in a temp directory,
//                                Unix socket; fsync off, as in the tests: the figure is the
//                                relay's, not the disk's)
//   BM_RelayLookup/...           lookups of registered identities
//
// Bodies are signed before timing; 1,000 identities register in turn, each with a newer
// timestamp every round.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "relay/service.hpp"
#include "unit/test_relay_pg.hpp"
#include "unit/test_relay_util.hpp"

using namespace sharemsg;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kBase = 1'760'000'000;
constexpr std::size_t kIdentities = 1000;
constexpr std::size_t kRounds = 250;

struct Fixture {
    std::vector<relay_test::Identity> ids;
    fs::path dir;
    std::unique_ptr<relay_test::PgServer> pg;
    std::string pg_why;

    Fixture() {
        for (std::size_t i = 0; i < kIdentities; ++i)
            ids.push_back(relay_test::identity(static_cast<unsigned>(i % 200),
                                               static_cast<std::uint32_t>(i / 200)));
        dir = fs::temp_directory_path() / ("sharemsg-bench-relay-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Fixture() {
        pg.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    // A fresh store of `backend`.
    std::unique_ptr<relay::RelayStore> store(const std::string& backend) {
        static int n = 0;
        ++n;
        if (backend == "sqlite") {
            auto s = relay::open_sqlite_relay_store(
                (dir / ("relay" + std::to_string(n) + ".db")).string());
            return s ? std::move(*s) : nullptr;
        }
        if (!pg) pg = relay_test::PgServer::start(pg_why);
        if (!pg) return nullptr;
        auto s = relay::open_pg_relay_store(pg->new_database("b" + std::to_string(n)));
        return s ? std::move(*s) : nullptr;
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

std::unique_ptr<relay::Service> service(const std::string& backend, benchmark::State& state) {
    auto store = fixture().store(backend);
    if (!store) {
        state.SkipWithError(("no " + backend + " store: " + fixture().pg_why).c_str());
        return nullptr;
    }
    relay::ServiceOptions o;
    o.network = proto::open::DEVNET_NETWORK_ID;
    o.rate_per_minute = 1'000'000'000;
    o.skew = 1'000'000;
    o.max_queue = 1 << 20;
    auto s = std::make_unique<relay::Service>(o, std::move(store), [] { return double(kBase); });
    std::set<relay::MasterHash> payouts;
    for (const auto& id : fixture().ids)
        payouts.insert(id.master_hash());
    s->window().replace(std::move(payouts));
    s->start();
    return s;
}

relay::Answer call(const std::function<void(relay::AnswerFn)>& f) {
    std::promise<relay::Answer> p;
    f([&](relay::Answer a) { p.set_value(std::move(a)); });
    return p.get_future().get();
}

// Bodies for `n` registrations: identity i % 1000 with timestamp kBase + round.
std::vector<std::string> bodies(std::size_t n) {
    std::vector<std::string> out;
    auto& ids = fixture().ids;
    for (std::size_t i = 0; i < n; ++i) {
        // Each master's highest key index registers (the others are rotated away).
        const auto& id = ids[(i % 200) + 800];
        out.push_back(relay::encode_registration(id.registration(kBase + i / 200)));
    }
    return out;
}

void BM_RelayRegister(benchmark::State& state, const std::string& backend) {
    auto s = service(backend, state);
    if (!s) return;
    static const auto all = bodies(200 * kRounds);
    std::size_t i = 0, stored = 0;
    for (auto _ : state) {
        auto a = call([&](relay::AnswerFn done) {
            s->post_register(all[i % all.size()], "bench", std::move(done));
        });
        stored += a.status == 200;
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
    state.counters["stored"] = static_cast<double>(stored);
}

void BM_RelayLookup(benchmark::State& state, const std::string& backend) {
    auto s = service(backend, state);
    if (!s) return;
    const auto reg = bodies(200);
    for (const auto& b : reg)
        call([&](relay::AnswerFn done) { s->post_register(b, "bench", std::move(done)); });
    std::vector<std::string> ids;
    for (std::size_t i = 800; i < 1000; ++i)
        ids.push_back(fixture().ids[i].signing_id());
    std::size_t i = 0, found = 0;
    for (auto _ : state) {
        auto a = call([&](relay::AnswerFn done) {
            s->lookup(relay::Service::LookupBy::identity, "devnet", ids[i % ids.size()], "bench",
                      std::move(done));
        });
        found += a.status == 200;
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
    state.counters["found"] = static_cast<double>(found);
}

}  // namespace

BENCHMARK_CAPTURE(BM_RelayRegister, sqlite, std::string("sqlite"))->UseRealTime()->Iterations(2000);
BENCHMARK_CAPTURE(BM_RelayRegister, postgresql, std::string("postgresql"))
    ->UseRealTime()
    ->Iterations(2000);
BENCHMARK_CAPTURE(BM_RelayLookup, sqlite, std::string("sqlite"))->UseRealTime();
BENCHMARK_CAPTURE(BM_RelayLookup, postgresql, std::string("postgresql"))->UseRealTime();

BENCHMARK_MAIN();
