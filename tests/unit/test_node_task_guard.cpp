// TaskGuard: a task that throws on a worker thread fails alone (its failure handler runs, a
// counter and a log line record it), and the thread goes on.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "node/task_guard.hpp"

using namespace sharemsg;

namespace {
double failures(const node::Metrics& m, const std::string& task) {
    return m.get("sharemsg_thread_task_failures_total", "thread=\"chain\",task=\"" + task + "\"");
}
}  // namespace

TEST(NodeTaskGuard, ThrowingTaskFailsAloneAndTheThreadGoesOn) {
    node::Metrics metrics;
    node::TaskGuard guard(metrics, "chain");
    boost::asio::io_context ctx;
    std::vector<std::string> log;
    guard.post(ctx, "first", [&] { log.push_back("first ran"); });
    guard.post(
        ctx, "throws", [&]() -> void { throw std::runtime_error("bad input"); },
        [&](const std::string& reason) { log.push_back("failed: " + reason); });
    guard.post(ctx, "out of memory", [&]() -> void { throw std::bad_alloc(); });
    guard.post(ctx, "not an exception", [&]() -> void { throw 42; });
    guard.post(ctx, "after", [&] { log.push_back("after ran"); });
    std::thread t([&] { guard.run_loop(ctx); });
    t.join();
    EXPECT_EQ(log, (std::vector<std::string>{"first ran", "failed: bad input", "after ran"}));
    EXPECT_EQ(failures(metrics, "throws"), 1);
    EXPECT_EQ(failures(metrics, "out of memory"), 1);
    EXPECT_EQ(failures(metrics, "not an exception"), 1);
    EXPECT_EQ(failures(metrics, "first"), 0);
}

TEST(NodeTaskGuard, RunLoopSurvivesAHandlerPostedWithoutTheGuard) {
    node::Metrics metrics;
    node::TaskGuard guard(metrics, "chain");
    boost::asio::io_context ctx;
    int ran = 0;
    boost::asio::post(ctx, [&] { ++ran; });
    boost::asio::post(ctx, []() -> void { throw std::logic_error("a timer's handler"); });
    boost::asio::post(ctx, [&] { ++ran; });
    guard.run_loop(ctx);  // returns once the context is out of work
    EXPECT_EQ(ran, 2);
    EXPECT_EQ(failures(metrics, "handler"), 1);
}

TEST(NodeTaskGuard, FailureHandlerThatThrowsIsContained) {
    node::Metrics metrics;
    node::TaskGuard guard(metrics, "chain");
    const bool done = guard.run(
        "task", []() -> void { throw std::runtime_error("one"); },
        [](const std::string&) -> void { throw std::runtime_error("two"); });
    EXPECT_FALSE(done);
    EXPECT_EQ(failures(metrics, "task"), 2);
    EXPECT_TRUE(guard.run("fine", [] {}));
}

// An API operation answers exactly once: by the task, or by the failure handler when the
// task threw before answering.
TEST(NodeTaskGuard, OnceAnswersExactlyOnce) {
    node::Metrics metrics;
    node::TaskGuard guard(metrics, "chain");
    boost::asio::io_context ctx;
    std::vector<std::string> answers;
    auto post_api = [&](std::function<void(std::function<void(std::string)>)> task) {
        auto answer = node::once(
            std::function<void(std::string)>([&](std::string a) { answers.push_back(a); }));
        guard.post(
            ctx, "api", [answer, task] { task(answer); },
            [answer](const std::string& reason) { answer("500 " + reason); });
    };
    post_api([](auto answer) { answer("200"); });
    post_api([](auto) { throw std::runtime_error("before answering"); });
    post_api([](auto answer) {
        answer("200 then");
        throw std::runtime_error("after answering");
    });
    guard.run_loop(ctx);
    EXPECT_EQ(answers, (std::vector<std::string>{"200", "500 before answering", "200 then"}));
    EXPECT_EQ(failures(metrics, "api"), 2);

    // Copies share the state, across threads.
    std::atomic<int> calls{0};
    auto f = node::once(std::function<void()>([&] { ++calls; }));
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i)
        ts.emplace_back([f] { f(); });
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(calls.load(), 1);
}
