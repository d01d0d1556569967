// The single storage writer (strfry's pattern): every write to the node's database goes
// through one Writer, which owns the one read-write connection.
//
//   any thread ──enqueue(op, done)──► bounded queue ──► writer thread
//                                                        BEGIN IMMEDIATE
//                                                        op 1 … op n   (n ≤ max_batch, or
//                                                                       max_delay elapsed)
//                                                        COMMIT (WAL fsync)
//                                                        done(outcome) for each op, in order
//
// The acknowledgement point is the callback (or future): it fires only after the COMMIT of
// the transaction that holds the op has returned, so an acknowledged write survives kill -9
// (and power loss, with synchronous=FULL). Each op runs inside its own SAVEPOINT: an op that
// fails on its own (a constraint) is rolled back alone and reported; the rest of the batch
// commits. A failure that ends the transaction (SQLITE_FULL, an I/O error, busy) or a failed
// COMMIT rolls the whole batch back and fails every op in it with the reason ("disk full:
// …", Failure::disk_full); nothing of that batch is acknowledged, and the writer goes on with
// the next batch.
//
// Callbacks run on the writer thread: they must be quick and must not call commit_now,
// flush or stop, nor wait on another op's future (post work elsewhere instead). Calling enqueue
// from a callback is allowed unless the queue is full. A callback that throws does not end the
// writer thread: the exception is caught, counted (WriterStats::callbacks_failed) and handed
// to WriterOptions::on_callback_error, and the writer goes on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/database.hpp"
#include "store/ops.hpp"

namespace sharemsg::store {

struct WriterOptions {
    std::size_t max_batch = 2048;            // ops per transaction
    std::chrono::milliseconds max_delay{2};  // wait for more ops after the first
    std::size_t queue_capacity = 65536;      // enqueue blocks beyond this
    // Told (on the writer thread) the reason when a callback throws; may be empty.
    std::function<void(const std::string& reason)> on_callback_error;
};

struct WriterStats {
    std::uint64_t batches_committed = 0;
    std::uint64_t batches_failed = 0;
    std::uint64_t ops_committed = 0;
    std::uint64_t ops_failed = 0;
    std::size_t queue_depth = 0;
    std::uint64_t callbacks_failed = 0;  // callbacks that threw
};

class Writer {
  public:
    using Done = std::function<void(const Outcome&)>;

    // Takes the writer connection (Database::open_writer) and starts the writer thread.
    explicit Writer(Database db, WriterOptions options = {});
    // Stops: commits every op already enqueued, then joins the thread.
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Queues an op; `done` (may be empty) fires on the writer thread after the op's batch
    // committed or failed. Blocks while the queue is full. After stop() the op is failed at
    // once with Failure::stopped.
    void enqueue(Op op, Done done = {});
    // As enqueue, but returns false (and does not queue) when the queue is full.
    bool try_enqueue(Op op, Done done = {});
    std::future<Outcome> enqueue_future(Op op);

    // Applies `ops` in one transaction on the calling thread (start-up, before traffic),
    // serialized with the writer thread's batches. Same all-or-nothing rules as a batch.
    std::vector<Outcome> commit_now(std::vector<Op> ops);

    // Commits everything queued so far, then returns.
    void flush();
    // Finishes the queue and stops the thread; later enqueues fail with Failure::stopped.
    void stop();

    // PRAGMA max_page_count on the writer connection (a size cap; 0 = leave as is).
    Result<std::int64_t> set_max_page_count(std::int64_t pages);

    WriterStats stats() const;
    const std::string& path() const { return db_.path(); }

  private:
    struct Item {
        Op op;
        Done done;
    };
    void run();
    // Runs one callback; what it throws is caught, counted and reported.
    void call_guarded(const Done& done, const Outcome& outcome) noexcept;
    // Runs one transaction over `items` and reports every outcome; false when the whole
    // transaction was rolled back.
    bool commit_batch(std::vector<Item>& items, std::vector<Outcome>& outcomes);

    Database db_;
    WriterOptions opt_;
    mutable std::mutex mu_;  // queue, stopping_, stats_
    std::condition_variable not_empty_, not_full_, drained_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    bool busy_ = false;      // a batch taken from the queue is being committed
    bool finished_ = false;  // the writer thread has left its loop
    WriterStats stats_;
    std::mutex db_mu_;  // the connection: writer thread vs commit_now / set_max_page_count
    std::thread thread_;
};

}  // namespace sharemsg::store
