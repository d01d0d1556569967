// SQLite store writer: batching, acknowledgement after COMMIT, disk full, stop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_store_util.hpp"

using namespace sharemsg;
using namespace std::chrono_literals;
using test::numbered_message;

TEST(StoreWriter, ThousandOpsFromManyThreadsAreAllAcknowledgedAndSurviveReopen) {
    test::TempDir dir("store-batch");
    const auto path = dir.file("node.db");
    constexpr std::uint32_t kThreads = 4, kPerThread = 250;
    std::atomic<int> acked{0}, changed{0};
    store::WriterStats stats;
    {
        store::Writer w(test::open_writer_db(path), {64, 2ms, 100, {}});
        std::vector<std::thread> producers;
        for (std::uint32_t t = 0; t < kThreads; ++t) {
            producers.emplace_back([&w, &acked, &changed, t] {
                for (std::uint32_t i = 0; i < kPerThread; ++i)
                    w.enqueue(store::PutMessage{numbered_message(t * kPerThread + i), 0},
                              [&](const store::Outcome& o) {
                                  acked += o.ok();
                                  changed += o.changed;
                              });
            });
        }
        for (auto& p : producers)
            p.join();
        w.flush();
        stats = w.stats();
    }  // closes the writer
    EXPECT_EQ(acked, 1000);
    EXPECT_EQ(changed, 1000);
    EXPECT_EQ(stats.ops_committed, 1000u);
    EXPECT_EQ(stats.ops_failed, 0u);
    EXPECT_GE(stats.batches_committed, 1000u / 64u);  // no batch over max_batch
    EXPECT_LT(stats.batches_committed, 1000u);        // and they were batched

    auto r = test::open_reader_db(path);
    EXPECT_EQ(*store::count_messages(r), 1000);
    auto all = store::load_messages(r);
    ASSERT_TRUE(all);
    std::set<crypto::Hash256> hashes;
    for (const auto& m : *all)
        hashes.insert(m.hash());
    for (std::uint32_t i = 0; i < kThreads * kPerThread; ++i)
        EXPECT_TRUE(hashes.count(numbered_message(i).hash()));
    EXPECT_EQ(*r.integrity_check(), "ok");
}

TEST(StoreWriter, AcknowledgesOnlyAfterCommitInEnqueueOrder) {
    test::TempDir dir("store-ack");
    const auto path = dir.file("node.db");
    // A long delay so the batch is certainly still open right after enqueue.
    store::Writer w(test::open_writer_db(path), {1000, 1000ms, 1000, {}});
    auto test_reader = test::open_reader_db(path);
    auto cb_reader = test::open_reader_db(path);  // used only on the writer thread

    std::mutex mu;
    std::vector<int> order;
    std::vector<bool> visible_at_ack;
    const auto first = numbered_message(1);
    auto fut = w.enqueue_future(store::PutMessage{first, 0});
    for (int i = 0; i < 50; ++i) {
        const auto m = numbered_message(100 + static_cast<std::uint32_t>(i));
        const auto h = m.hash();
        w.enqueue(store::PutMessage{m, 0}, [&, i, h](const store::Outcome& o) {
            ASSERT_TRUE(o.ok());
            auto found = store::find_message(cb_reader, h);
            std::lock_guard lk(mu);
            order.push_back(i);
            visible_at_ack.push_back(found && found->has_value());
        });
    }
    // Not acknowledged yet, and not visible to a reader.
    EXPECT_EQ(fut.wait_for(0ms), std::future_status::timeout);
    EXPECT_FALSE(store::find_message(test_reader, first.hash())->has_value());
    ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(fut.get().ok());
    EXPECT_TRUE(store::find_message(test_reader, first.hash())->has_value());
    w.flush();
    std::lock_guard lk(mu);
    ASSERT_EQ(order.size(), 50u);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
        EXPECT_TRUE(visible_at_ack[static_cast<std::size_t>(i)])
            << "op " << i << " acknowledged before visible";
    }
}

TEST(StoreWriter, DiskFullFailsWholeBatchClearlyThenRecovers) {
    test::TempDir dir("store-full");
    const auto path = dir.file("node.db");
    store::Writer w(test::open_writer_db(path), {512, 2ms, 4096, {}});
    auto r = test::open_reader_db(path);
    std::vector<store::Op> seed;
    for (std::uint32_t i = 0; i < 20; ++i)
        seed.push_back(store::PutMessage{numbered_message(i), 0});
    for (const auto& o : w.commit_now(std::move(seed)))
        ASSERT_TRUE(o.ok());
    const auto pages = *r.query_int("PRAGMA page_count");
    ASSERT_EQ(*w.set_max_page_count(pages + 2), pages + 2);

    // One synchronous batch far bigger than two pages: every op fails, nothing is written.
    std::vector<store::Op> big;
    for (std::uint32_t i = 1000; i < 1300; ++i)
        big.push_back(store::PutMessage{numbered_message(i, 0, 220), 0});
    big.push_back(store::QueueOutbox{numbered_message(5000).hash(), Bytes(300, 1), 0});
    auto out = w.commit_now(big);
    for (const auto& o : out) {
        ASSERT_FALSE(o.ok());
        EXPECT_EQ(o.failure, store::Failure::disk_full);
        EXPECT_EQ(o.status.error().reason.rfind("disk full: ", 0), 0u) << o.status.error().reason;
        EXPECT_FALSE(o.changed);
    }
    EXPECT_EQ(*store::count_messages(r), 20);
    EXPECT_TRUE(store::load_outbox(r, std::nullopt)->empty());
    EXPECT_EQ(*r.integrity_check(), "ok");

    // Through the queue: batches that do not fit fail, the writer keeps going, and exactly the
    // acknowledged ops are stored.
    std::vector<std::future<store::Outcome>> futs;
    for (std::uint32_t i = 2000; i < 2300; ++i)
        futs.push_back(w.enqueue_future(store::PutMessage{numbered_message(i, 0, 220), 0}));
    std::size_t failed = 0;
    std::vector<std::uint32_t> retry;
    for (std::uint32_t i = 0; i < futs.size(); ++i) {
        auto o = futs[i].get();
        const auto found = store::find_message(r, numbered_message(2000 + i, 0, 220).hash());
        EXPECT_EQ(found->has_value(), o.ok())
            << "op " << i << ": " << (o.ok() ? "ok" : o.status.error().reason);
        if (!o.ok()) {
            EXPECT_EQ(o.failure, store::Failure::disk_full);
            ++failed;
            retry.push_back(2000 + i);
        }
    }
    EXPECT_GT(failed, 0u);
    EXPECT_EQ(*r.integrity_check(), "ok");

    // Room again: the same writes succeed.
    ASSERT_TRUE(w.set_max_page_count(1 << 30));
    for (const auto& o : w.commit_now(big))
        EXPECT_TRUE(o.ok()) << o.status.error().reason;
    std::vector<std::future<store::Outcome>> again;
    for (auto i : retry)
        again.push_back(w.enqueue_future(store::PutMessage{numbered_message(i, 0, 220), 0}));
    for (auto& f : again)
        EXPECT_TRUE(f.get().ok());
    EXPECT_EQ(*store::count_messages(r), 20 + 300 + 300);
    EXPECT_EQ(store::load_outbox(r)->size(), 1u);
    EXPECT_EQ(*r.integrity_check(), "ok");
    const auto st = w.stats();
    EXPECT_GE(st.batches_failed, 1u);
    EXPECT_GE(st.ops_failed, 301u);
}

TEST(StoreWriter, StopDrainsQueueThenRefusesNewOps) {
    test::TempDir dir("store-stop");
    const auto path = dir.file("node.db");
    std::atomic<int> acked{0};
    {
        store::Writer w(test::open_writer_db(path), {16, 50ms, 1000, {}});
        for (std::uint32_t i = 0; i < 200; ++i)
            w.enqueue(store::PutMessage{numbered_message(i), 0},
                      [&](const store::Outcome& o) { acked += o.ok(); });
        w.stop();  // commits the 200 first
        EXPECT_EQ(acked, 200);
        auto late = w.enqueue_future(store::PutMessage{numbered_message(999), 0}).get();
        EXPECT_FALSE(late.ok());
        EXPECT_EQ(late.failure, store::Failure::stopped);
        w.flush();  // returns at once after stop
    }
    auto r = test::open_reader_db(path);
    EXPECT_EQ(*store::count_messages(r), 200);
}

TEST(StoreWriter, BoundedQueueTryEnqueueRefusesWhenFull) {
    test::TempDir dir("store-bounded");
    store::Writer w(test::open_writer_db(dir.file("node.db")), {1, 0ms, 2, {}});
    // Block the writer thread inside a callback so the queue fills up behind it.
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<void> entered;
    w.enqueue(store::PutMessage{numbered_message(0), 0},
              [&entered, released](const store::Outcome&) {
                  entered.set_value();
                  released.wait();
              });
    entered.get_future().wait();
    EXPECT_TRUE(w.try_enqueue(store::PutMessage{numbered_message(1), 0}));
    EXPECT_TRUE(w.try_enqueue(store::PutMessage{numbered_message(2), 0}));
    EXPECT_FALSE(w.try_enqueue(store::PutMessage{numbered_message(3), 0}));
    EXPECT_EQ(w.stats().queue_depth, 2u);
    release.set_value();
    w.flush();
    EXPECT_EQ(w.stats().ops_committed, 3u);
}

TEST(StoreWriter, ACallbackThatThrowsIsReportedAndTheWriterGoesOn) {
    test::TempDir dir("store-callback-throws");
    const auto path = dir.file("node.db");
    std::vector<std::string> reports;
    std::mutex mu;
    store::WriterOptions opt;
    opt.on_callback_error = [&](const std::string& reason) {
        std::lock_guard lk(mu);
        reports.push_back(reason);
    };
    store::Writer w(test::open_writer_db(path), opt);
    w.enqueue(store::PutMessage{numbered_message(1), 0},
              [](const store::Outcome&) { throw std::runtime_error("callback bug"); });
    w.enqueue(store::PutMessage{numbered_message(2), 0}, [](const store::Outcome&) { throw 42; });
    auto after = w.enqueue_future(store::PutMessage{numbered_message(3), 0}).get();
    EXPECT_TRUE(after.ok()) << after.status.error().reason;
    EXPECT_EQ(w.stats().callbacks_failed, 2u);
    {
        std::lock_guard lk(mu);
        ASSERT_EQ(reports.size(), 2u);
        EXPECT_NE(reports[0].find("callback bug"), std::string::npos) << reports[0];
        EXPECT_NE(reports[1].find("unknown exception"), std::string::npos) << reports[1];
    }
    w.stop();
    auto r = test::open_reader_db(path);
    EXPECT_EQ(*store::count_messages(r), 3);  // the writes committed all the same
}
