#include "relay/worker.hpp"

#include <chrono>
#include <utility>

namespace sharemsg::relay {

Worker::Worker(std::size_t max_queue, double interval, Job tick)
    : max_queue_(max_queue), interval_(interval), tick_(std::move(tick)) {}

Worker::~Worker() {
    stop();
}

void Worker::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void Worker::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool Worker::post(Job job) {
    {
        std::lock_guard lk(mu_);
        if (stopping_ || queue_.size() >= max_queue_) return false;
        queue_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

std::size_t Worker::depth() const {
    std::lock_guard lk(mu_);
    return queue_.size();
}

void Worker::run() {
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(interval_));
    auto next_tick = std::chrono::steady_clock::now() + period;
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait_until(lk, next_tick, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) break;
        if (std::chrono::steady_clock::now() >= next_tick) {
            lk.unlock();
            tick_();
            lk.lock();
            next_tick = std::chrono::steady_clock::now() + period;
        }
        if (queue_.empty()) continue;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        lk.unlock();
        job();
        lk.lock();
    }
    auto left = std::move(queue_);
    queue_.clear();
    lk.unlock();
    for (auto& job : left)
        job();
}

}  // namespace sharemsg::relay
