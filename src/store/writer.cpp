#include "store/writer.hpp"

#include <sqlite3.h>

namespace sharemsg::store {

namespace {

// Runs one of the fixed transaction-control statements (cached per connection).
Status control(Database& db, const char* sql) {
    auto st = db.cached(sql);
    if (!st) return st.error();
    auto r = (*st)->run();
    db.set_last_rc((*st)->last_rc());
    return r;
}

void rollback_if_open(Database& db) {
    if (!sqlite3_get_autocommit(db.handle())) (void)db.exec("ROLLBACK");
}

}  // namespace

Writer::Writer(Database db, WriterOptions options) : db_(std::move(db)), opt_(options) {
    if (opt_.max_batch == 0) opt_.max_batch = 1;
    if (opt_.queue_capacity == 0) opt_.queue_capacity = 1;
    thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
    stop();
}

void Writer::enqueue(Op op, Done done) {
    std::unique_lock lk(mu_);
    not_full_.wait(lk, [this] { return stopping_ || queue_.size() < opt_.queue_capacity; });
    if (stopping_) {
        lk.unlock();
        if (done) done(Outcome::fail(Failure::stopped, "store writer stopped"));
        return;
    }
    queue_.push_back(Item{std::move(op), std::move(done)});
    lk.unlock();
    not_empty_.notify_one();
}

bool Writer::try_enqueue(Op op, Done done) {
    std::unique_lock lk(mu_);
    if (!stopping_ && queue_.size() >= opt_.queue_capacity) return false;
    if (stopping_) {
        lk.unlock();
        if (done) done(Outcome::fail(Failure::stopped, "store writer stopped"));
        return true;
    }
    queue_.push_back(Item{std::move(op), std::move(done)});
    lk.unlock();
    not_empty_.notify_one();
    return true;
}

std::future<Outcome> Writer::enqueue_future(Op op) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto fut = promise->get_future();
    enqueue(std::move(op), [promise](const Outcome& o) { promise->set_value(o); });
    return fut;
}

std::vector<Outcome> Writer::commit_now(std::vector<Op> ops) {
    std::vector<Item> items;
    items.reserve(ops.size());
    for (auto& op : ops)
        items.push_back(Item{std::move(op), {}});
    std::vector<Outcome> outcomes;
    bool committed = false;
    {
        std::lock_guard dl(db_mu_);
        committed = commit_batch(items, outcomes);
    }
    std::lock_guard lk(mu_);
    ++(committed ? stats_.batches_committed : stats_.batches_failed);
    for (const auto& o : outcomes)
        ++(o.ok() ? stats_.ops_committed : stats_.ops_failed);
    return outcomes;
}

void Writer::flush() {
    std::unique_lock lk(mu_);
    drained_.wait(lk, [this] { return (queue_.empty() && !busy_) || finished_; });
}

void Writer::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    if (thread_.joinable()) thread_.join();
    drained_.notify_all();
}

Result<std::int64_t> Writer::set_max_page_count(std::int64_t pages) {
    std::lock_guard dl(db_mu_);
    return db_.set_max_page_count(pages);
}

WriterStats Writer::stats() const {
    std::lock_guard lk(mu_);
    WriterStats s = stats_;
    s.queue_depth = queue_.size();
    return s;
}

void Writer::run() {
    std::vector<Item> batch;
    std::vector<Outcome> outcomes;
    for (;;) {
        {
            std::unique_lock lk(mu_);
            not_empty_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {  // stopping and drained
                finished_ = true;
                break;
            }
            // Group commit: give other producers up to max_delay to add to this batch.
            if (queue_.size() < opt_.max_batch && opt_.max_delay.count() > 0 && !stopping_) {
                const auto deadline = std::chrono::steady_clock::now() + opt_.max_delay;
                not_empty_.wait_until(
                    lk, deadline, [this] { return stopping_ || queue_.size() >= opt_.max_batch; });
            }
            const std::size_t n = std::min(queue_.size(), opt_.max_batch);
            for (std::size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            busy_ = true;
        }
        not_full_.notify_all();
        bool committed = false;
        {
            std::lock_guard dl(db_mu_);
            committed = commit_batch(batch, outcomes);
        }
        // Acknowledge only now: COMMIT has returned (or the batch was rolled back).
        std::size_t ok = 0;
        for (const auto& o : outcomes)
            ok += o.ok();
        {
            std::lock_guard lk(mu_);
            ++(committed ? stats_.batches_committed : stats_.batches_failed);
            stats_.ops_committed += ok;
            stats_.ops_failed += batch.size() - ok;
        }
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (batch[i].done) call_guarded(batch[i].done, outcomes[i]);
        batch.clear();
        {
            std::lock_guard lk(mu_);
            busy_ = false;
        }
        drained_.notify_all();
    }
    drained_.notify_all();
}

void Writer::call_guarded(const Done& done, const Outcome& outcome) noexcept {
    std::string reason;
    try {
        done(outcome);
        return;
    } catch (const std::exception& e) {
        reason = e.what();
    } catch (...) {
        reason = "unknown exception";
    }
    {
        std::lock_guard lk(mu_);
        ++stats_.callbacks_failed;
    }
    if (!opt_.on_callback_error) return;
    try {
        opt_.on_callback_error("a write's callback threw: " + reason);
    } catch (...) {  // the report itself failed: counted above, nothing more to do
    }
}

bool Writer::commit_batch(std::vector<Item>& items, std::vector<Outcome>& outcomes) {
    outcomes.assign(items.size(), Outcome{});
    if (items.empty()) return true;
    // Ends the transaction without writing anything and fails every op of the batch.
    auto fail_all = [&](const Status& why, int rc) {
        rollback_if_open(db_);
        const std::string reason = "transaction rolled back, none of its " +
                                   std::to_string(items.size()) +
                                   " writes were stored: " + why.error().reason;
        for (auto& o : outcomes)
            o = Outcome::fail(failure_of(rc), reason);
        return false;
    };
    if (auto s = control(db_, "BEGIN IMMEDIATE"); !s) return fail_all(s, db_.last_rc());
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (auto s = control(db_, "SAVEPOINT op"); !s) return fail_all(s, db_.last_rc());
        outcomes[i] = apply_op(db_, items[i].op);
        if (outcomes[i].ok()) {
            if (auto s = control(db_, "RELEASE op"); !s) return fail_all(s, db_.last_rc());
            continue;
        }
        const int rc = db_.last_rc();
        if (is_fatal_for_transaction(rc) || sqlite3_get_autocommit(db_.handle())) {
            return fail_all(make_error(Errc::io, std::string(sqlite3_errstr(rc)) + " (sqlite " +
                                                     std::to_string(rc) + ")"),
                            rc);
        }
        // This op alone failed: undo its partial effects, keep the rest of the batch.
        auto s = control(db_, "ROLLBACK TO op");
        if (s) s = control(db_, "RELEASE op");
        if (!s) return fail_all(s, db_.last_rc());
    }
    if (auto s = control(db_, "COMMIT"); !s) return fail_all(s, db_.last_rc());
    return true;
}

}  // namespace sharemsg::store
