// The node's outbox, owned by the chain thread: the messages it has acknowledged and not yet
// seen delivered, what its next mined share carries of them, and what became of them in the
// best chain.
//
// Delivery is judged by the rule every node applies (proto::open::ChainLedger): an entry
// goes into a share only within the budget and limits of the state that share will be judged
// against, and it counts as embedded only while the share is in the best chain and that
// share's verdict accepted it. An entry whose share leaves the best chain, or whose share's
// verdict ignored it, is queued again (and given up after kMaxIgnored verdicts that ignored
// it). An entry is watched until its share is below the window of the best chain (a reorg can
// orphan a share at any depth of that window), and is settled then. A message that cannot go out
// within the delay bound is refused when it is sent (429 with retry_after), not queued.
//
// Every change of an entry's state is written to the database (store::Writer); the answer to
// a send is given only after its row committed.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chain/tracker.hpp"
#include "node/api_answer.hpp"
#include "node/metrics.hpp"
#include "proto/open_chain.hpp"
#include "proto/open_forecast.hpp"
#include "proto/signing_key.hpp"
#include "store/ops.hpp"
#include "store/writer.hpp"

namespace sharemsg::node {

// Why an entry waits (/msg/outbox "waiting").
enum class OutboxWait : std::uint8_t {
    next_share,         // the node's next share carries it (or its next fragment)
    budget,             // the message budget (MWU) does not cover it yet
    share_limits,       // the next share is full
    fragments,          // behind a message going out in fragments
    behind,             // behind an entry that waits
    recipient_unknown,  // a private message's recipient has no key in the window
    no_sender,          // the node has no bound signing key to send with
    confirming,         // in a share of the best chain, still within its window
};
const char* outbox_wait_name(OutboxWait w);

struct OutboxSettings {
    std::size_t capacity = 256;  // queued entries at most (429 "queue full" beyond)
    double share_interval = 10;  // expected seconds between this node's own shares
    double max_delay = 600;      // refuse what cannot go out within this many seconds
    std::size_t window = 400;    // the open profile's window, in shares
    proto::open::NetworkId network_id{};
};

class Outbox {
  public:
    static constexpr unsigned kMaxIgnored = 3;  // verdicts that ignored it before it fails
    // Rows kept in the database as records (embedded or failed), newest first; older ones are
    // deleted at start and after every kTrimEvery sends.
    static constexpr std::size_t kKeptRecords = 1000;
    static constexpr std::size_t kTrimEvery = 100;
    static constexpr unsigned kMaxFragmentRestarts = 3;

    // `post` runs a function on the owning (chain) thread: database callbacks come back
    // through it.
    using Post = std::function<void(std::function<void()>)>;
    Outbox(OutboxSettings settings, store::Writer& db, Metrics& metrics, Post post);

    // The queued and embedded rows of the database at start (failed rows are records only).
    void load(const std::vector<store::OutboxEntry>& rows);

    // Queued entries (any thread).
    std::size_t depth() const { return depth_.load(); }
    // Whether a NODE_STATUS waits in the queue.
    bool status_waiting() const;

    // Who sends: the node's key and, on the open profile, its bound announcement.
    struct Sender {
        proto::DerivedSigningKey key;
        proto::open::BoundAnnouncement announcement;
    };

    // Queues a message (its hash is m.hash()). `done` gets 200 ("queued", the position and
    // the estimated seconds until a share carries it), 429 (the queue is full, or it cannot
    // go out within the delay bound: "retry_after" says when to try again), 400 (it cannot
    // be encoded) or 503 (its row did not commit). `ledger` gives the state the next share is
    // judged against.
    void queue(proto::ShareMessage m, std::optional<proto::SigningId> to,
               const proto::open::ChainLedger& ledger, const Sender& sender,
               std::uint64_t tip_height, std::uint32_t now, ApiDone done);

    // What a share being built carries of the outbox.
    struct Carried {
        crypto::Hash256 hash{};
        std::size_t pieces_end = 0;  // fragmented: how far its fragments go (0: whole)
        std::size_t index = 0;       // the position of its (last) message in the envelope
        Bytes signature;             // of that message (a fragment's last carries it)
    };
    struct Built {
        Bytes message_data;  // empty: nothing to carry
        std::vector<Carried> carried;
        bool announces = false;
    };
    // The next mined share's message_data on the open profile: the sender's announcement when
    // the window needs it (the key unknown to it, or last announced half a window ago), a
    // sacrifice tag for a sacrifice share, then the queue, oldest first, within the tip
    // state's budget and the per-share limits. `tip_height` is the best share's height.
    Built build(const Sender& sender, const proto::open::ChainLedger& ledger,
                std::uint64_t tip_height, std::uint32_t now, bool sacrifice);

    // The node mined `share` carrying `carried`; returns how many entries it completed.
    std::size_t on_mined(const chain::ShareId& share, const std::vector<Carried>& carried);

    // Where a share stands relative to the best chain.
    struct ChainView {
        // Its depth in the best chain's newest `window` shares (0: the best share), if there.
        std::function<std::optional<std::size_t>(const chain::ShareId&)> depth;
        // Whether it is a known share within the window's reach of the best share (a share
        // that is not, was pruned or is older: what it carried is settled).
        std::function<bool(const chain::ShareId&)> recent;
    };
    // After the best chain changed (and `ledger` followed it).
    void on_best_chain(const ChainView& view, const proto::open::ChainLedger& ledger);

    // The /msg/outbox object: `rows` from the database (the record of what was acknowledged),
    // with each queued or embedded entry's wait reason and estimate.
    nlohmann::ordered_json to_json(const std::vector<store::OutboxEntry>& rows,
                                   const proto::open::ChainLedger* ledger,
                                   const std::optional<Sender>& sender, std::uint64_t tip_height,
                                   std::uint32_t now) const;

  private:
    struct Entry {
        crypto::Hash256 hash{};
        proto::ShareMessage message;  // unsigned; signed with the current key when packed
        std::optional<proto::SigningId> to;
        double created_at = 0;
        std::optional<chain::ShareId> share;  // the share that carries it, once embedded
        std::size_t index = 0;                // its (last) message's position in that share
        Bytes signature;                      // of that message
        // A message too long for one share: signed once, split, and sent one share at a time.
        // pieces[0..next_piece) are in mined shares; pieces_key is the signing id they were
        // signed with (a rotation makes them again).
        std::vector<proto::open::OpenMessage> pieces;
        proto::SigningId pieces_key{};
        std::size_t next_piece = 0;
        unsigned restarts = 0;  // times its fragments started again from the first
        unsigned ignored = 0;   // verdicts that ignored it
        std::string note;       // the last thing that happened to it, for /msg/outbox
    };

    // The entry signed with the sender's key (encrypted first if private); nothing (and the
    // reason) when it cannot be made now.
    std::optional<proto::open::OpenMessage> sign(const Entry& e, const Sender& sender,
                                                 const proto::open::Ledger& tip,
                                                 std::string& why) const;
    // Whether `m`, a message a share's verdict accepted, is the entry's.
    static bool carries(const Entry& e, const proto::ShareMessage& m);
    // Whether the next share must carry the sender's announcement.
    bool needs_announcement(const Sender& sender, const proto::open::Ledger& tip,
                            std::uint64_t tip_height) const;
    // A message not queued yet, for the forecast.
    struct QueuedExtra {
        proto::ShareMessage message;
        bool to = false;  // private
    };
    // The forecast of the queued entries that can be signed now (in queue order: embedded
    // entries and private ones whose recipient is unknown are left out), then `extra`.
    std::vector<proto::open::Forecast> forecast(const Sender& sender,
                                                const proto::open::ChainLedger& ledger,
                                                std::uint64_t tip_height, std::uint32_t now,
                                                const std::optional<QueuedExtra>& extra,
                                                std::size_t max_shares) const;
    // The delay bound: the configured one, and at most half the time a full window spans
    // (a message older than the window's first share is ignored by every node).
    double delay_bound(const proto::open::ChainLedger& ledger) const;
    void requeue(Entry& e, std::string note);
    void fail(const crypto::Hash256& hash, const std::string& reason);
    void publish_depth();

    OutboxSettings settings_;
    store::Writer& db_;
    Metrics& metrics_;
    Post post_;
    std::deque<Entry> entries_;  // queued and embedded, oldest first
    std::atomic<std::size_t> depth_{0};
    std::size_t sends_since_trim_ = 0;
};

}  // namespace sharemsg::node
