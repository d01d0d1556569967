// MessageStore insert and query rates at 1,000 and 100,000 messages.
//
// The messages are built once per size, outside every timed loop: a realistic mix of types
// (miner messages, node status, pool announcements, merged-mining status, version signals),
// 200 senders with their own signing ids, timestamps spread over the last ~24 hours and
// increasing (as messages arrive), two thirds of them verified. The query stores hold N
// messages (max_messages = N) and a few bans: two signing ids, one address, one keyword.
//
//   BM_StoreInsert/N        add_local_message of N distinct messages into an empty store;
//                           items/s = messages inserted per second while it fills to N
//   BM_QueryRecent/N        MessageQuery{limit=50} (the /recent view), bans applied
//   BM_QueryByType/N        limit 50 of one type (pool announcements, 1 in 10 messages)
//   BM_QueryBySender/N      limit 50 of one sender (1 in 200 messages)
//   BM_QueryRecentJson/N    /recent as JSON (query + message_to_json of 50 messages)
//   BM_Stats/N              stats() (walks every message)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proto/builders.hpp"
#include "proto/store.hpp"

using namespace sharemsg;

namespace {

constexpr double NOW = 1700000000.0;
constexpr std::size_t SENDERS = 200;
constexpr std::int64_t SIZES[] = {1000, 100000};

std::string sender_name(std::size_t k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "LSender%03zu", k);
    return buf;
}

proto::SigningId sender_id(std::size_t k) {
    proto::SigningId id{};
    for (std::size_t i = 0; i < id.size(); ++i)
        id[i] = static_cast<std::uint8_t>(k * 31 + i * 7 + 1);
    return id;
}

// N distinct messages, oldest first (the order in which they arrive).
std::vector<proto::ShareMessage> make_messages(std::size_t n) {
    std::vector<proto::ShareMessage> out;
    out.reserve(n);
    const Bytes fake_sig(71, 0x30);
    for (std::size_t i = 0; i < n; ++i) {
        const auto ts = static_cast<std::uint32_t>(
            NOW - 86000.0 + 86000.0 * static_cast<double>(i) / static_cast<double>(n));
        const std::size_t k = i % SENDERS;
        proto::ShareMessage m;
        switch (i % 10) {
            case 0:
            case 1:
            case 2:
            case 3:
                m = proto::build_miner_message(
                    "hello from miner " + std::to_string(k) + ", share #" + std::to_string(i), ts);
                break;
            case 4:
            case 5:
            case 6: {
                proto::NodeStatus s;
                s.version = "13.4";
                s.uptime = static_cast<double>(i);
                s.hashrate = 1.5e6 + static_cast<double>(i);
                s.share_count = i;
                s.peers = 8;
                m = proto::build_node_status(s, ts);
                break;
            }
            case 7:
                m = proto::build_pool_announcement("pool notice " + std::to_string(i), ts);
                break;
            case 8:
                m = proto::build_merged_status("dogecoin", "DOGE", 5000000 + i, 10000, i / 100, ts);
                break;
            default:
                m = proto::build_version_signal(36,
                                                nlohmann::ordered_json::array({"msg", "merged"}),
                                                nlohmann::ordered_json::object({{"n", i}}), ts);
                break;
        }
        m.sender_address = sender_name(k);
        if (m.has_signature()) {
            m.signing_id = sender_id(k);
            m.signature = fake_sig;
            m.verified = (i % 3) != 0;
        }
        out.push_back(std::move(m));
    }
    return out;
}

proto::StoreOptions options(std::size_t n) {
    proto::StoreOptions o;
    o.max_messages = n;
    return o;
}

void add_bans(proto::MessageStore& store) {
    store.bans().ban_signing_id(to_hex(sender_id(3)));
    store.bans().ban_signing_id(to_hex(sender_id(77)));
    store.bans().ban_address(sender_name(150));
    store.bans().ban_keyword("airdrop");
}

// Data shared by every benchmark of one size; built on first use, outside the timed loops.
struct Sized {
    std::vector<proto::ShareMessage> messages;
    std::unique_ptr<proto::MessageStore> store;  // holds all of `messages`, with bans
};

class Data {
  public:
    const std::vector<proto::ShareMessage>& messages(std::size_t n) { return sized(n).messages; }
    const proto::MessageStore& store(std::size_t n) {
        Sized& s = sized(n);
        if (!s.store) {
            auto store = std::make_unique<proto::MessageStore>(options(n), proto::AuthoritySet{});
            for (const auto& m : s.messages)
                store->add_local_message(m, NOW);
            adopt(n, std::move(store));
        }
        return *s.store;
    }
    // Keeps a store filled with messages(n) (BM_StoreInsert's last one, which saves building
    // the 100,000-message store twice).
    void adopt(std::size_t n, std::unique_ptr<proto::MessageStore> store) {
        Sized& s = sized(n);
        if (s.store) return;
        if (store->size() != n)
            std::fprintf(stderr, "bench_store: store holds %zu of %zu\n", store->size(), n);
        add_bans(*store);
        s.store = std::move(store);
    }

  private:
    Sized& sized(std::size_t n) {
        Sized& s = sized_[n];
        if (s.messages.empty()) s.messages = make_messages(n);
        return s;
    }
    std::map<std::size_t, Sized> sized_;
};

void BM_StoreInsert(benchmark::State& state, Data& data) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& msgs = data.messages(n);
    std::unique_ptr<proto::MessageStore> store;
    for (auto _ : state) {
        state.PauseTiming();
        auto copies = msgs;
        store = std::make_unique<proto::MessageStore>(options(n), proto::AuthoritySet{});
        state.ResumeTiming();
        for (auto& m : copies)
            store->add_local_message(std::move(m), NOW);
        benchmark::DoNotOptimize(store->size());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    if (store) data.adopt(n, std::move(store));
}

template <class Q>
void run_query(benchmark::State& state, Data& data, Q make_query) {
    const auto& store = data.store(static_cast<std::size_t>(state.range(0)));
    const proto::MessageQuery q = make_query();
    std::size_t found = 0;
    for (auto _ : state) {
        auto r = store.query(q);
        found = r.size();
        benchmark::DoNotOptimize(r);
    }
    state.counters["found"] = static_cast<double>(found);
    state.SetItemsProcessed(state.iterations());
}

void BM_QueryRecent(benchmark::State& state, Data& data) {
    run_query(state, data, [] { return proto::MessageQuery{}; });
}

void BM_QueryByType(benchmark::State& state, Data& data) {
    run_query(state, data, [] {
        proto::MessageQuery q;
        q.msg_type = proto::MSG_POOL_ANNOUNCE;
        return q;
    });
}

void BM_QueryBySender(benchmark::State& state, Data& data) {
    run_query(state, data, [] {
        proto::MessageQuery q;
        q.sender = sender_name(42);
        return q;
    });
}

void BM_QueryRecentJson(benchmark::State& state, Data& data) {
    const auto& store = data.store(static_cast<std::size_t>(state.range(0)));
    const proto::MessageQuery q;
    for (auto _ : state) {
        auto j = store.to_json(q, NOW);
        benchmark::DoNotOptimize(j);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_Stats(benchmark::State& state, Data& data) {
    const auto& store = data.store(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto j = store.stats();
        benchmark::DoNotOptimize(j);
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
    Data data;  // owned here, so it outlives every benchmark and is freed at exit
    auto reg = [&](const char* name, void (*fn)(benchmark::State&, Data&)) {
        auto* b =
            benchmark::RegisterBenchmark(name, [fn, &data](benchmark::State& s) { fn(s, data); });
        for (auto n : SIZES)
            b->Arg(n);
        return b;
    };
    reg("BM_StoreInsert", BM_StoreInsert)->Unit(benchmark::kMillisecond);
    reg("BM_QueryRecent", BM_QueryRecent)->Unit(benchmark::kMicrosecond);
    reg("BM_QueryByType", BM_QueryByType)->Unit(benchmark::kMicrosecond);
    reg("BM_QueryBySender", BM_QueryBySender)->Unit(benchmark::kMicrosecond);
    reg("BM_QueryRecentJson", BM_QueryRecentJson)->Unit(benchmark::kMicrosecond);
    reg("BM_Stats", BM_Stats)->Unit(benchmark::kMillisecond);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
