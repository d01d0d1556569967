// The worker thread of the relay's and the mailbox's services (relay/service.hpp,
// mailbox/service.hpp): runs the jobs posted to it in order, at most `max_queue` waiting, and a
// periodic task (the sweeps) every `interval` seconds between them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace sharemsg::relay {

class Worker {
  public:
    using Job = std::function<void()>;
    // `tick` runs on the worker thread every `interval` seconds, the first time one interval
    // after start().
    Worker(std::size_t max_queue, double interval, Job tick);
    ~Worker();  // stop()
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start();
    bool running() const { return thread_.joinable(); }
    // Ends the thread after the job in hand; the jobs still waiting then run before stop()
    // returns (so that each answers). Idempotent.
    void stop();
    // Queues a job; false when `max_queue` jobs wait already or the worker is stopping.
    bool post(Job job);
    std::size_t depth() const;

  private:
    void run();

    const std::size_t max_queue_;
    const double interval_;
    const Job tick_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sharemsg::relay
