// What happens when work on one of the node's worker threads throws: the task in hand fails
// with its reason, one log line and a counter record it, and the thread goes on with the
// next task. Nothing thrown there ends the process.
//
// Every post to the chain thread goes through TaskGuard::post; the thread itself runs
// TaskGuard::run_loop, which also survives a handler that was not posted through it (a
// timer's, say). API operations answer through a once() callback, so that a task that
// throws before answering is answered by its `failed` handler (a 500 with the reason), and
// one that throws after answering is not answered twice.
//
// Thread-safety: a TaskGuard may be used from any thread (it only logs and counts through
// the thread-safe Metrics).
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "node/metrics.hpp"

namespace sharemsg::node {

class TaskGuard {
  public:
    // `thread` names the thread in log lines and in the metric's label.
    TaskGuard(Metrics& metrics, std::string thread)
        : metrics_(metrics), thread_(std::move(thread)) {}

    // Runs `task()`. An exception it throws is caught, logged ("<thread> thread: <what>
    // failed: <reason>"), counted (sharemsg_thread_task_failures_total{thread, task}) and
    // handed to `failed(reason)` (guarded the same way). True when the task completed.
    template <class Task, class Failed>
    bool run(const char* what, Task&& task, Failed&& failed) noexcept {
        std::string reason;
        try {
            task();
            return true;
        } catch (const std::exception& e) {
            reason = reason_of(e);
        } catch (...) {
            reason = "unknown exception";
        }
        report(what, reason);
        try {
            failed(reason);
        } catch (const std::exception& e) {
            report(what, std::string("its failure handler: ") + reason_of(e));
        } catch (...) {
            report(what, "its failure handler: unknown exception");
        }
        return false;
    }
    template <class Task>
    bool run(const char* what, Task&& task) noexcept {
        return run(what, std::forward<Task>(task), [](const std::string&) {});
    }

    // Posts `task` to `ctx`, to be run as run() runs it.
    template <class Task, class Failed>
    void post(boost::asio::io_context& ctx, const char* what, Task task, Failed failed) {
        boost::asio::post(ctx, [this, what, task = std::move(task),
                                failed = std::move(failed)]() mutable { run(what, task, failed); });
    }
    template <class Task>
    void post(boost::asio::io_context& ctx, const char* what, Task task) {
        post(ctx, what, std::move(task), [](const std::string&) {});
    }

    // Runs ctx.run() until it returns on its own (stopped, or out of work). A handler that
    // throws out of run() is caught, logged and counted as above (task "handler"), and the
    // loop goes on with the next handler.
    void run_loop(boost::asio::io_context& ctx) noexcept;

    // Logs and counts a failure caught elsewhere on this thread (as run() does).
    void report(const char* what, const std::string& reason) const noexcept;

  private:
    static std::string reason_of(const std::exception& e) noexcept;

    Metrics& metrics_;
    std::string thread_;
};

// A callback that acts at most once, from whichever thread calls it first; later calls do
// nothing. Copies share the one-shot state.
template <class... Args>
std::function<void(Args...)> once(std::function<void(Args...)> f) {
    struct State {
        std::atomic<bool> used{false};
        std::function<void(Args...)> f;
    };
    auto s = std::make_shared<State>();
    s->f = std::move(f);
    return [s](Args... args) {
        if (!s->used.exchange(true) && s->f) s->f(std::forward<Args>(args)...);
    };
}

}  // namespace sharemsg::node
