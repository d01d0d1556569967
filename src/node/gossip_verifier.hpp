// The gossip service's signature work (docs/gossip.md, "The gossip service"): a worker thread
// that runs gossip::check (network, clock skew, authorization, delegation, signature) on the
// announces the service received, so that the service's own thread only decodes, counts and
// applies. The queue is bounded: past `max_queue` waiting announces, submit() refuses.
//
// Threads: submit() and stop() from any thread; `done` runs on the worker thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "gossip/peer_table.hpp"

namespace sharemsg::node {

class GossipVerifier {
  public:
    struct Job {
        gossip::Announce announce;
        std::string source;  // the sender's address (IP:PORT), for strikes and bans
    };
    using Done = std::function<void(Job&&, gossip::Verdict)>;
    using Clock = std::function<std::uint64_t()>;  // unix seconds

    GossipVerifier(gossip::NetworkId network, Clock clock, gossip::Authorizer authorized, Done done,
                   std::size_t max_queue = 512);
    ~GossipVerifier();
    GossipVerifier(const GossipVerifier&) = delete;
    GossipVerifier& operator=(const GossipVerifier&) = delete;

    // Queues `job`; false when the queue is full or the worker stopped.
    bool submit(Job job);
    // Drops what waits, lets the job under way finish, joins. Idempotent.
    void stop();

  private:
    void run();

    const gossip::NetworkId network_;
    const Clock clock_;
    const gossip::Authorizer authorized_;
    const Done done_;
    const std::size_t max_queue_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sharemsg::node
