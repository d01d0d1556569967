// SQLite persistence (src/store): batched insert rate and /msg/recent-style query rates at
// 1,000 and 100,000 stored messages, on a real file (WAL, synchronous=FULL) under $TMPDIR.
//
//   BM_SqliteInsertBatched/N   N distinct messages through store::Writer (enqueue from one
//                              thread, group commit, wait for every acknowledgement) into an
//                              empty database; items/s = acknowledged messages per second
//   BM_SqliteAckLatency        one message enqueued on an idle writer until its acknowledgement
//                              (max_delay + one COMMIT with its WAL fsync)
//   BM_SqliteRecent/N          recent(limit 50): the /msg/recent view
//   BM_SqliteRecentByType/N    recent(limit 50, one type; 1 in 10 messages)
//   BM_SqliteRecentBySender/N  recent(limit 50, one sender; 1 in 200 messages)
//   BM_SqliteRecentSince/N     recent(limit 200, since = the last ~10% of the time range)
//
// Query databases are filled once per size (commit_now in batches of 5,000, outside the
// timing) and read through one reader connection with cached statements.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proto/constants.hpp"
#include "proto/message.hpp"
#include "store/load.hpp"
#include "store/writer.hpp"

using namespace sharemsg;
namespace fs = std::filesystem;

namespace {

constexpr double NOW = 1700000000.0;
constexpr std::size_t SENDERS = 200;

// The bench's scratch directory, removed at exit (after every database in it is closed:
// bench_dir() is first called before any database is opened).
struct BenchDir {
    fs::path path;
    BenchDir()
        : path(fs::temp_directory_path() /
               ("sharemsg-bench-sqlite-" + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~BenchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

const fs::path& bench_dir() {
    static BenchDir dir;
    return dir.path;
}

std::string sender_name(std::size_t k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "LSender%03zu", k);
    return buf;
}

// N distinct messages, oldest first: a mix of types, 200 senders, ~24 hours of timestamps.
std::vector<proto::ShareMessage> make_messages(std::size_t n, std::uint32_t salt) {
    std::vector<proto::ShareMessage> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        proto::ShareMessage m;
        static constexpr std::uint8_t types[] = {
            proto::MSG_MINER_MESSAGE, proto::MSG_NODE_STATUS,    proto::MSG_MINER_MESSAGE,
            proto::MSG_MERGED_STATUS, proto::MSG_MINER_MESSAGE,  proto::MSG_NODE_STATUS,
            proto::MSG_MINER_MESSAGE, proto::MSG_VERSION_SIGNAL, proto::MSG_MINER_MESSAGE,
            proto::MSG_POOL_ANNOUNCE};
        m.msg_type = types[i % 10];
        m.timestamp = static_cast<std::uint32_t>(
            NOW - 86000.0 + 86000.0 * static_cast<double>(i) / static_cast<double>(n));
        const std::string text =
            "message " + std::to_string(salt) + "/" + std::to_string(i) + " from the bench";
        m.payload.assign(text.begin(), text.end());
        m.flags = m.wire_flags =
            proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT | proto::FLAG_HAS_SIGNATURE;
        m.signature = Bytes(71, 0x30);
        const std::size_t k = i % SENDERS;
        proto::SigningId id{};
        for (std::size_t b = 0; b < id.size(); ++b)
            id[b] = static_cast<std::uint8_t>(k * 31 + b * 7 + 1);
        m.signing_id = id;
        m.sender_address = sender_name(k);
        proto::ShareHash sh{};
        for (std::size_t b = 0; b < sh.size(); ++b)
            sh[b] = static_cast<std::uint8_t>(i >> (b % 4 * 8));
        m.share_hash = sh;
        m.verified = i % 3 != 0;
        out.push_back(std::move(m));
    }
    return out;
}

void BM_SqliteInsertBatched(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto msgs = make_messages(n, 1);
    int run = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const auto path =
            (bench_dir() / ("insert-" + std::to_string(n) + "-" + std::to_string(run++) + ".db"))
                .string();
        auto db = store::Database::open_writer(path);
        if (!db) {
            state.SkipWithError(db.error().reason.c_str());
            return;
        }
        auto writer = std::make_unique<store::Writer>(std::move(*db), store::WriterOptions{});
        std::atomic<std::size_t> acked{0};
        state.ResumeTiming();
        for (const auto& m : msgs)
            writer->enqueue(store::PutMessage{m, NOW},
                            [&acked](const store::Outcome& o) { acked += o.ok(); });
        writer->flush();
        state.PauseTiming();
        state.counters["batches"] = static_cast<double>(writer->stats().batches_committed);
        if (acked != n) state.SkipWithError("not every insert was acknowledged");
        writer.reset();
        fs::remove(path);
        fs::remove(path + "-wal");
        fs::remove(path + "-shm");
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_SqliteAckLatency(benchmark::State& state) {
    const auto path = (bench_dir() / "latency.db").string();
    auto db = store::Database::open_writer(path);
    if (!db) {
        state.SkipWithError(db.error().reason.c_str());
        return;
    }
    store::Writer writer(std::move(*db));
    const auto msgs = make_messages(100000, 3);
    std::size_t i = 0;
    for (auto _ : state) {
        auto o = writer.enqueue_future(store::PutMessage{msgs[i++ % msgs.size()], NOW}).get();
        if (!o.ok()) state.SkipWithError(o.status.error().reason.c_str());
    }
}

// A database holding N messages (built once per size) and a reader connection on it.
store::Database& reader_for(std::size_t n) {
    (void)bench_dir();  // constructed first, destroyed last
    static std::map<std::size_t, std::unique_ptr<store::Database>> readers;
    auto it = readers.find(n);
    if (it != readers.end()) return *it->second;
    const auto path = (bench_dir() / ("query-" + std::to_string(n) + ".db")).string();
    {
        auto db = store::Database::open_writer(path);
        if (!db) throw std::runtime_error(db.error().reason);
        store::Writer w(std::move(*db));
        const auto msgs = make_messages(n, 2);
        std::vector<store::Op> ops;
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            ops.push_back(store::PutMessage{msgs[i], NOW});
            if (ops.size() == 5000 || i + 1 == msgs.size()) {
                for (const auto& o : w.commit_now(std::move(ops)))
                    if (!o.ok()) throw std::runtime_error(o.status.error().reason);
                ops.clear();
            }
        }
    }
    auto r = store::Database::open_reader(path);
    if (!r) throw std::runtime_error(r.error().reason);
    return *readers.emplace(n, std::make_unique<store::Database>(std::move(*r))).first->second;
}

void run_query(benchmark::State& state, const store::RecentQuery& q) {
    auto& db = reader_for(static_cast<std::size_t>(state.range(0)));
    std::size_t rows = 0;
    for (auto _ : state) {
        auto r = store::recent(db, q);
        if (!r) {
            state.SkipWithError(r.error().reason.c_str());
            return;
        }
        rows = r->size();
        benchmark::DoNotOptimize(r->data());
    }
    state.counters["rows"] = static_cast<double>(rows);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_SqliteRecent(benchmark::State& state) {
    run_query(state, {50, std::nullopt, std::nullopt, std::nullopt});
}
void BM_SqliteRecentByType(benchmark::State& state) {
    run_query(state, {50, std::nullopt, proto::MSG_POOL_ANNOUNCE, std::nullopt});
}
void BM_SqliteRecentBySender(benchmark::State& state) {
    run_query(state, {50, std::nullopt, std::nullopt, sender_name(17)});
}
void BM_SqliteRecentSince(benchmark::State& state) {
    run_query(state, {200, NOW - 8600.0, std::nullopt, std::nullopt});
}

}  // namespace

BENCHMARK(BM_SqliteInsertBatched)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_SqliteAckLatency)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SqliteRecent)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SqliteRecentByType)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SqliteRecentBySender)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SqliteRecentSince)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
