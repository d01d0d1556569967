#include "node/gossip_verifier.hpp"

#include <utility>

namespace sharemsg::node {

GossipVerifier::GossipVerifier(gossip::NetworkId network, Clock clock,
                               gossip::Authorizer authorized, Done done, std::size_t max_queue)
    : network_(network),
      clock_(std::move(clock)),
      authorized_(std::move(authorized)),
      done_(std::move(done)),
      max_queue_(max_queue),
      thread_([this] { run(); }) {}

GossipVerifier::~GossipVerifier() {
    stop();
}

bool GossipVerifier::submit(Job job) {
    {
        std::lock_guard lk(mu_);
        if (stopping_ || queue_.size() >= max_queue_) return false;
        queue_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

void GossipVerifier::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void GossipVerifier::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        const auto verdict = gossip::check(job.announce, network_, clock_(), authorized_);
        done_(std::move(job), verdict);
    }
}

}  // namespace sharemsg::node
