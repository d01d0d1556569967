// The node's MuSig2 signing sessions (docs/musig.md, "Sessions between nodes"): one
// musig::Coordinator, owned by this service's worker thread, with the node's signing key.
//
// Session frames travel as mail application frames (MailApp::musig, node/mail_client.hpp):
// over a direct link when one is up, through the mailbox otherwise, sealed end to end, once
// and in order per sender. Frames are signed by their senders (musig/frame.hpp), so the path
// they took does not matter to the coordinator.
//
// Threads: take_frame and post may be called from any thread; they queue work for the worker,
// which alone touches the coordinator, sends through the mail client and sweeps every
// cleanup_interval. The queue is bounded, and shared fairly: one sender's frames take at most
// max_queued_per_sender places and frames together leave reserved_for_requests places to the
// API, so a signer that floods frames loses its own excess (counted) while the other signers'
// frames and the API's requests still get in.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "musig/coordinator.hpp"
#include "node/mail_client.hpp"

namespace sharemsg::node {

struct MusigOptions {
    musig::CoordinatorOptions coordinator;
    std::size_t max_queued = 1024;            // frames and requests waiting for the worker
    std::size_t max_queued_per_sender = 128;  // frames of one sender among them
    std::size_t reserved_for_requests = 64;   // places frames never take
};

// Counters for /musig/status and the metrics.
struct MusigStats {
    std::uint64_t frames_in = 0;       // frames the coordinator accepted
    std::uint64_t frames_refused = 0;  // frames it refused (a log line each, rate-limited)
    std::uint64_t frames_dropped = 0;  // frames dropped: the queue, or their sender's share, full
    std::uint64_t frames_out = 0;      // frames handed to the mail client
    std::uint64_t send_failures = 0;   // frames the mail client refused at once
    std::uint64_t completed = 0;       // sessions that completed here
    std::uint64_t aborted = 0;         // sessions that aborted here
    std::size_t sessions = 0;          // sessions held now
};

// What the node did with what a completed session signed (an authority message it queued, or
// why it could not), shown in the session's view while the session is held.
struct MusigPublication {
    bool queued = false;
    std::string message_hash;  // when queued
    std::string error;         // when not: the API's error name and detail
    std::string detail;
};

// The publications by session, shared (shared_ptr) with the callbacks that report them: those
// run on the thread that made the message durable, and may outlive the service.
class MusigPublications {
  public:
    void set(const musig::SessionId& id, MusigPublication p);
    std::optional<MusigPublication> get(const musig::SessionId& id) const;
    // Forgets the publications of sessions `held` says are gone.
    void keep_only(const std::function<bool(const musig::SessionId&)>& held);

  private:
    mutable std::mutex mu_;
    std::map<musig::SessionId, MusigPublication> by_id_;
};

class MusigService final : private musig::Transport, private musig::Listener {
  public:
    using Clock = std::function<std::uint64_t()>;  // unix seconds
    // Called on the worker when a session ends, with its view (e.g. to publish what it signed).
    using EndHook = std::function<void(const musig::SessionView&)>;

    MusigService(MusigOptions o, crypto::PrivKey key, MailClient& mail, Clock clock);
    ~MusigService() override;
    MusigService(const MusigService&) = delete;
    MusigService& operator=(const MusigService&) = delete;

    void start();
    void stop();  // idempotent; the task in hand finishes first

    // A frame that came by mail from `from`. Any thread; never blocks on the worker.
    void take_frame(const crypto::CompressedPubKey& from, ByteView frame);
    // Runs `task` on the worker with the coordinator. False (and `task` is not run) when the
    // queue is full or the service stopped.
    using Task = std::function<void(musig::Coordinator&)>;
    bool post(Task task);

    void set_end_hook(EndHook h);
    // Forgotten, session by session, at the sweep after the coordinator removes the session.
    const std::shared_ptr<MusigPublications>& publications() const { return publications_; }
    MusigStats stats() const;
    const crypto::CompressedPubKey& pubkey() const { return pubkey_; }

  private:
    // musig::Transport, on the worker.
    void send(const musig::PlainPubKey& to, Bytes frame) override;
    // musig::Listener, on the worker.
    void completed(const musig::SessionId& id, const musig::Signature& signature) override;
    void aborted(const musig::SessionId& id, musig::AbortReason reason,
                 std::optional<std::size_t> blamed) override;
    void report_ended();

    void run();
    // A request (no sender) or a frame of `sender`; false (and counted for a frame) when there
    // is no room for it.
    bool enqueue(Task task, const crypto::CompressedPubKey* sender);

    MusigOptions o_;
    MailClient& mail_;
    crypto::CompressedPubKey pubkey_;
    musig::Coordinator coordinator_;       // worker thread only (after start)
    std::vector<musig::SessionId> ended_;  // worker: sessions that ended in the task in hand

    mutable std::mutex mu_;  // guards what follows
    std::condition_variable cv_;
    struct Queued {
        Task task;
        std::optional<crypto::CompressedPubKey> sender;  // a frame's
    };
    std::deque<Queued> queue_;
    std::map<crypto::CompressedPubKey, std::size_t> queued_by_sender_;  // frames in queue_
    bool stopping_ = false;
    MusigStats stats_;
    EndHook end_hook_;
    const std::shared_ptr<MusigPublications> publications_ = std::make_shared<MusigPublications>();
    std::uint64_t refusals_logged_ = 0;  // in this minute
    std::uint64_t refusal_minute_ = 0;

    std::thread worker_;
};

}  // namespace sharemsg::node
