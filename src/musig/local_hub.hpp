// An in-process transport for session coordinators (musig/coordinator.hpp): tests, benches and
// the fuzz target run several identities in one process through it.
//
// Each identity sends through its port (port(pubkey)); a sent frame waits in one queue until
// deliver_one()/deliver_all() hands it to the recipient's Coordinator::receive and logs what
// that answered. A filter sees every frame as it is taken from the queue and may change its
// bytes (tamper), drop it, deliver it twice, or put it back at the end of the queue (reorder).
// A frame to an identity that is not attached (or was detached: a signer who disappears) is
// dropped and logged without an answer. Single-threaded, like the coordinators.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "musig/coordinator.hpp"

namespace sharemsg::musig {

class LocalHub {
  public:
    struct Envelope {
        PlainPubKey from{};
        PlainPubKey to{};
        Bytes frame;
    };
    enum class Verdict : std::uint8_t {
        deliver,    // as it is now (the filter may have changed its bytes)
        drop,       // lost
        duplicate,  // delivered twice in a row
        defer,      // put back at the end of the queue
    };
    using Filter = std::function<Verdict(Envelope&)>;

    // One delivery attempt and what the recipient answered (nothing: not attached, dropped).
    struct Delivery {
        Envelope envelope;
        std::optional<Event> event;
        std::optional<Refusal> refusal;
        bool delivered = false;
    };

    LocalHub();
    ~LocalHub();
    LocalHub(const LocalHub&) = delete;
    LocalHub& operator=(const LocalHub&) = delete;

    // The transport the identity `from` sends with (made on first use; lives as long as the hub).
    Transport& port(const PlainPubKey& from);
    // Frames to c.own_pubkey() go to c from now on; detach stops that.
    void attach(Coordinator& c);
    void detach(const PlainPubKey& pk);

    void set_filter(Filter f) { filter_ = std::move(f); }
    // Queues a frame as if `e.from` had sent it (a replay, a forgery).
    void inject(Envelope e) { queue_.push_back(std::move(e)); }

    std::deque<Envelope>& queue() { return queue_; }
    std::size_t pending() const { return queue_.size(); }
    // Every frame any port has sent so far.
    const std::vector<Envelope>& sent() const { return sent_; }

    // Takes the first queued frame through the filter to its recipient; false when the queue
    // is empty.
    bool deliver_one();
    // Delivers until the queue is empty (frames sent in reply included), at most max_steps
    // frames; returns how many were taken from the queue.
    std::size_t deliver_all(std::size_t max_steps = 1000000);

    const std::vector<Delivery>& log() const { return log_; }
    void clear_log() { log_.clear(); }

  private:
    class Port;
    void hand_over(const Envelope& e);

    std::map<PlainPubKey, std::unique_ptr<Port>> ports_;
    std::map<PlainPubKey, Coordinator*> members_;
    std::deque<Envelope> queue_;
    std::vector<Envelope> sent_;
    std::vector<Delivery> log_;
    Filter filter_;
};

}  // namespace sharemsg::musig
