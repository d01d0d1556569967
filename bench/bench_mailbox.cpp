// The mailbox server (src/mailbox): a message's whole cycle per second through
// mailbox::Service, the path an HTTP request takes after the web port (decode, hash and
// BIP340 check, freshness, the rate limits, the registrations, the store's transactions), on
// each backend:
//
//   BM_MailboxCycle/sqlite      deposit (send), get and ack of one 1 KiB message; a file
//                               under $TMPDIR, WAL, synchronous=FULL
//   BM_MailboxCycle/postgresql  the same on a server of the bench's own (initdb in a temp
//                               directory, Unix socket; fsync off, as in the tests)
//   BM_MailboxDeposit/...       deposits alone (the mailbox filling up)
//
// Requests are signed before timing.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "mailbox/service.hpp"
#include "unit/test_mailbox_server_util.hpp"
#include "unit/test_relay_pg.hpp"

using namespace sharemsg;
namespace fs = std::filesystem;
using mailbox::Op;

namespace {

constexpr std::uint64_t kBase = 1'760'000'000;
constexpr std::size_t kMessages = 2000;

struct Fixture {
    relay_test::Identity alice = relay_test::identity(1, 0), bob = relay_test::identity(1, 1);
    fs::path dir;
    std::unique_ptr<relay_test::PgServer> pg;
    std::string pg_why;

    Fixture() {
        dir = fs::temp_directory_path() / ("sharemsg-bench-mailbox-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Fixture() {
        pg.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::unique_ptr<mailbox::MailboxStore> store(const std::string& backend) {
        static int n = 0;
        ++n;
        std::string spec;
        if (backend == "postgresql") {
            if (!pg) pg = relay_test::PgServer::start(pg_why);
            if (!pg) return nullptr;
            spec = pg->new_database("mb" + std::to_string(n));
        }
        auto s = mailbox::open_mailbox_store(
            spec, (dir / ("mailbox" + std::to_string(n) + ".sqlite")).string());
        return s ? std::move(*s) : nullptr;
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

relay::Answer call(const std::function<void(relay::AnswerFn)>& f) {
    std::promise<relay::Answer> p;
    f([&](relay::Answer a) { p.set_value(std::move(a)); });
    return p.get_future().get();
}

std::unique_ptr<mailbox::Service> service(const std::string& backend, benchmark::State& state) {
    auto store = fixture().store(backend);
    if (!store) {
        state.SkipWithError(("no " + backend + " store: " + fixture().pg_why).c_str());
        return nullptr;
    }
    mailbox::ServiceOptions o;
    o.network = proto::open::DEVNET_NETWORK_ID;
    o.rate_per_minute = 1'000'000'000;
    o.max_queue = 1 << 20;
    o.quota = mailbox::Quota{1'000'000, 1ull << 40};
    auto s = std::make_unique<mailbox::Service>(o, std::move(store), [] { return double(kBase); });
    s->window().replace({fixture().alice.master_hash()});
    s->start();
    for (const auto* id : {&fixture().alice, &fixture().bob})
        call([&](relay::AnswerFn done) {
            s->post_register(mailbox::encode_request(mailbox_test::registration(*id, kBase)),
                             "bench", std::move(done));
        });
    return s;
}

// Signed bodies: kMessages sends from alice to bob, and bob's gets and acks of ids 1, 2, ...
struct Bodies {
    std::vector<std::string> send, get, ack;
};
const Bodies& bodies() {
    static const Bodies b = [] {
        Bodies out;
        const auto& f = fixture();
        for (std::size_t i = 0; i < kMessages; ++i) {
            out.send.push_back(mailbox::encode_request(mailbox_test::request(
                f.alice, Op::send, f.bob.key.pubkey(), kBase, mailbox_test::sealed(1024))));
            out.get.push_back(
                mailbox::encode_request(mailbox_test::own(f.bob, Op::get, kBase, i + 1)));
            out.ack.push_back(
                mailbox::encode_request(mailbox_test::own(f.bob, Op::ack, kBase, i + 1)));
        }
        return out;
    }();
    return b;
}

void BM_MailboxCycle(benchmark::State& state, const std::string& backend) {
    const auto& b = bodies();
    auto s = service(backend, state);
    if (!s) return;
    std::size_t i = 0, ok = 0;
    for (auto _ : state) {
        ok += call([&](relay::AnswerFn d) {
                  s->post_send(b.send[i], "bench", std::move(d));
              }).status == 200;
        ok += call([&](relay::AnswerFn d) {
                  s->post_get(b.get[i], "bench", std::move(d));
              }).status == 200;
        ok += call([&](relay::AnswerFn d) {
                  s->post_ack(b.ack[i], "bench", std::move(d));
              }).status == 200;
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
    state.counters["ok_requests"] = static_cast<double>(ok);
}

void BM_MailboxDeposit(benchmark::State& state, const std::string& backend) {
    const auto& b = bodies();
    auto s = service(backend, state);
    if (!s) return;
    std::size_t i = 0, ok = 0;
    for (auto _ : state) {
        ok += call([&](relay::AnswerFn d) {
                  s->post_send(b.send[i], "bench", std::move(d));
              }).status == 200;
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
    state.counters["stored"] = static_cast<double>(ok);
}

}  // namespace

BENCHMARK_CAPTURE(BM_MailboxCycle, sqlite, std::string("sqlite"))
    ->UseRealTime()
    ->Iterations(kMessages);
BENCHMARK_CAPTURE(BM_MailboxCycle, postgresql, std::string("postgresql"))
    ->UseRealTime()
    ->Iterations(kMessages);
BENCHMARK_CAPTURE(BM_MailboxDeposit, sqlite, std::string("sqlite"))
    ->UseRealTime()
    ->Iterations(kMessages);
BENCHMARK_CAPTURE(BM_MailboxDeposit, postgresql, std::string("postgresql"))
    ->UseRealTime()
    ->Iterations(kMessages);

BENCHMARK_MAIN();
