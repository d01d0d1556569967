#include "node/task_guard.hpp"

#include <spdlog/spdlog.h>

namespace sharemsg::node {

std::string TaskGuard::reason_of(const std::exception& e) noexcept {
    try {
        return e.what();
    } catch (...) {
        return "exception";
    }
}

void TaskGuard::report(const char* what, const std::string& reason) const noexcept {
    try {
        spdlog::error("{} thread: {} failed: {}; the thread goes on", thread_, what, reason);
        metrics_.inc("sharemsg_thread_task_failures_total",
                     "thread=\"" + thread_ + "\",task=\"" + what + "\"");
    } catch (...) {
        // Out of memory while reporting: nothing more can be said.
    }
}

void TaskGuard::run_loop(boost::asio::io_context& ctx) noexcept {
    for (;;) {
        try {
            ctx.run();
            return;
        } catch (const std::exception& e) {
            report("handler", reason_of(e));
        } catch (...) {
            report("handler", "unknown exception");
        }
        // io_context::run() may be called again after an exception left it (Asio's documented
        // way to go on after a handler threw); a stopped context returns at once.
        if (ctx.stopped()) return;
    }
}

}  // namespace sharemsg::node
