// sharemsgd's composition: P2P peers (PeerManager, I/O thread), the chain worker (share
// verification, tracker, message store, mining) and the HTTP API.
//
// Threads and ownership:
//   - I/O thread (io_): the PeerManager (listener, peers, bans, limits), HTTP. Node only tells
//     it what a message means (on_peer_message) and posts share work to the chain thread.
//   - chain thread (chain_io_): decodes and verifies shares (PoW, difficulty, payouts,
//     message_data rule), owns the tracker, appends accepted shares to the share log, updates
//     the message store and the catch-up figures, mines shares (devnet, synthetic), changes
//     the signing keys. Results go back to the I/O thread by
//     posting. Work reaches it only through chain_guard_ (post_api for API operations): a
//     task that throws fails alone (logged, counted, a 500 for an API call) and the thread
//     goes on.
//   - The message store is read by HTTP handlers under store_mutex_; only the chain thread
//     writes it.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <utility>

#include <boost/asio.hpp>

#include "chain/tracker.hpp"
#include "node/api_answer.hpp"
#include "node/api_parse.hpp"  // SendRequest, RotateRequest
#include "node/config.hpp"
#include "node/files.hpp"
#include "node/metrics.hpp"
#include "node/nat_monitor.hpp"
#include "node/network.hpp"
#include "node/outbox.hpp"
#include "node/peer.hpp"
#include "node/peer_manager.hpp"
#include "node/share_log.hpp"
#include "node/signing_keys.hpp"
#include "node/sync_progress.hpp"
#include "node/task_guard.hpp"
#include "proto/open_chain.hpp"
#include "proto/signing_key.hpp"
#include "proto/store.hpp"
#include "store/ops.hpp"
#include "store/writer.hpp"

namespace sharemsg::relay {
class Service;
struct Signal;
}  // namespace sharemsg::relay
namespace sharemsg::mailbox {
struct Request;
class Service;
}  // namespace sharemsg::mailbox
namespace sharemsg::channel {
struct PeerIdentity;
}  // namespace sharemsg::channel

namespace sharemsg::node {

class HttpServer;
class RelayRole;
class MailboxRole;
class GossipService;
class DirectLinks;
class MailClient;
class MusigService;

class Node {
  public:
    Node(Config cfg, Network net);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Loads the datadir, binds sockets, starts threads; returns an error if it cannot start.
    Status start();
    // Runs the I/O loop until stop() (from a signal handler via post, or another thread).
    void run();
    void stop();

    // --- called by the PeerManager on the I/O thread ---
    // What a peer's message means: answered here, or posted to the chain thread with its
    // ticket (the peer reads on once the work is done).
    void on_peer_message(const std::shared_ptr<Peer>& peer, p2p::Message&& msg,
                         WorkTicket&& ticket);
    const Network& network() const { return net_; }
    const Config& config() const { return cfg_; }
    std::uint64_t nonce() const { return nonce_; }
    std::optional<chain::ShareId> best_share() const;
    Metrics& metrics() { return metrics_; }

    // The store, for readers (HTTP). Hold the lock while using it.
    std::shared_lock<std::shared_mutex> read_store() const {
        return std::shared_lock(store_mutex_);
    }
    const proto::MessageStore& store() const { return *store_; }
    std::size_t peer_count() const { return peer_count_.load(); }
    std::size_t share_count() const { return share_count_.load(); }
    std::size_t outbox_depth() const { return outbox_ ? outbox_->depth() : 0; }
    double now() const;
    double uptime() const { return now() - started_at_; }
    const std::string& payout_address() const { return payout_address_; }
    // A follower can never make shares: a live network (a real share needs a block template
    // from a coin daemon), or litecoin_testnet without --synthetic-mining. It verifies and
    // shows the chain; /msg/send and the outbox answer 409 and no NODE_STATUS is made.
    bool follower() const {
        return net_.mining == Network::Mining::none ||
               (net_.mining == Network::Mining::synthetic && !cfg_.synthetic_mining);
    }
    // Whether this node makes shares now: not a follower, and not --mine false.
    bool mines() const { return !follower() && cfg_.mine; }
    SyncProgress::Snapshot sync() const { return sync_.snapshot(now()); }

    // --- the API's messaging calls (any thread; `done` may run on another thread) ---
    // The bearer token of the cookie file; compared in constant time.
    bool token_ok(std::string_view token) const;
    void send(SendRequest req, ApiDone done);
    void ban(store::Ban ban, bool add, ApiDone done);
    void rotate_key(RotateRequest req, ApiDone done);
    // This node's signing identity (the /msg/identity object).
    nlohmann::ordered_json identity() const;
    // The open-profile keys the ledger knows (bound, then recent unbound ones): a snapshot.
    std::vector<proto::open::KeyEntry> open_keys() const {
        std::lock_guard lk(open_keys_mutex_);
        return open_keys_;
    }
    bool open_profile() const { return net_.open_profile; }
    // The co-signing authorities (--cosign-authority): set at start, read-only after.
    const std::vector<proto::open::CosignAuthority>& cosign_authorities() const {
        return cosign_authorities_;
    }
    // POST /msg/authority: a co-signed authority message, checked as the ledger would, queued.
    void send_authority(AuthorityRequest req, ApiDone done);
    // The outbox (the /msg/outbox object).
    void outbox(ApiDone done);

    // The HTTP server publishes stored messages to /msg/stream subscribers.
    HttpServer* http() { return http_.get(); }
    // The relay role's service (--relay), or nullptr (any thread).
    relay::Service* relay() const;
    // The mailbox role's service (--mailbox), or nullptr (any thread).
    mailbox::Service* mailbox() const;
    // The relay parts (server and registrar), or nullptr when neither is configured.
    const RelayRole* relay_role() const { return relay_.get(); }
    // GET /net/self: what --stun found of this node's public address and NAT (node_nat.cpp).
    nlohmann::ordered_json self_json() const;
    // The gossip service (--gossip-port, not 0), or nullptr (node_gossip.cpp).
    const GossipService* gossip() const { return gossip_.get(); }
    // The direct links (with --relay-url, whose relays carry the ICE signaling), or nullptr
    // (node_direct.cpp).
    DirectLinks* direct() const { return direct_.get(); }
    // The node's own mail (--mailbox-url, with a signing key and its delegation), or nullptr
    // (node/mail_client.hpp).
    MailClient* mail() const { return mail_.get(); }
    // The MuSig2 signing sessions (--musig), or nullptr (node/musig_service.hpp).
    MusigService* musig() const { return musig_.get(); }
    // How the mail client hands a message to the direct links (node_direct.cpp): `delivered`
    // false when no link to the recipient is up, or its node did not accept the message.
    using DirectMailSend =
        std::function<void(const crypto::CompressedPubKey& to, mailbox::Request message,
                           std::function<void(bool delivered)> done)>;
    DirectMailSend direct_mail_sender();

  private:
    // Starts the direct links when the relays can carry their signaling (node_direct.cpp).
    Status start_direct();
    // A checked signal from the relays, for the direct links (any thread).
    void deliver_signal(relay::Signal s);
    // Mail that came over a direct link (I/O thread): checked to be from the identity the
    // channel proved, then handed to the mail client; `answer` says whether it was accepted.
    void deliver_direct_mail(const channel::PeerIdentity& from, Bytes request_json,
                             std::function<void(bool accepted)> answer);
    // Starts the mail client when --mailbox-url is set (node.cpp).
    Status start_mail();
    // Starts the signing sessions when --musig is set (node_musig.cpp); after start_mail.
    Status start_musig();
    // Starts the gossip service unless --gossip-port is 0 (node_gossip.cpp).
    Status start_gossip();
    // Starts NAT discovery against the --stun servers, if any (node_nat.cpp; I/O context).
    Status start_nat_monitor();
    // I/O thread
    void broadcast(const p2p::Message& msg, std::uint64_t except_peer);
    PeerLimits peer_limits() const;

    // chain thread
    enum class Source { peer, local, disk };
    struct Ingest {
        std::size_t accepted = 0;
        std::vector<p2p::WrappedShare> to_relay;
        std::vector<chain::ShareId> wanted;  // missing parents
        std::vector<chain::ShareId> accepted_ids;
        // Shares rejected, and the rule the peer is penalized for, once for the message: the
        // costliest rule broken (the first of those); its reason.
        std::size_t rejected = 0;
        Rule rule = Rule::none;
        std::string reason;
        // A peer's share that broke a banning rule ends the message: the shares after it
        // are not processed.
        std::size_t unprocessed = 0;
    };
    // Verifies and adds shares. From a peer, the first share breaking a rule that bans ends
    // the loop; the caller reports the message's rejections once.
    Ingest ingest(const std::vector<p2p::WrappedShare>& shares, Source source);
    // The penalty and log line for a peer's shares message (I/O thread).
    void report_shares(const std::shared_ptr<Peer>& peer, std::size_t received, const Ingest& r);
    void apply_best_chain();
    // Judges the best chain's new shares by the open profile's window rule (ChainLedger),
    // logs and counts their verdicts, and returns the messages of the shown shares (newest
    // `show` of `chain`, newest first) that the store lacks, decrypted where this node holds a
    // key. Runs outside the store lock.
    std::vector<proto::ShareMessage> judge_open(const std::vector<chain::ShareId>& chain,
                                                std::size_t show);
    // Where the outbox's shares stand relative to the best chain.
    Outbox::ChainView chain_view(const std::vector<chain::ShareId>& chain) const;
    // The time of the next share the node mines (mine_share: the clock, and at least a second
    // after the best share), which also dates the messages it makes: a chain whose share times
    // run ahead of the clock (a devnet mining faster than a share a second) judges them by its
    // own time. Chain thread.
    std::uint32_t chain_time() const;
    // The sender the outbox signs as: the current key and its bound announcement.
    std::optional<Outbox::Sender> sender() const;
    // The open profile's window (shares a verdict looks at).
    std::size_t open_window() const { return net_.p2p.chain_length; }
    // The best chain's shares the node needs: the window and, below its oldest share, the
    // window that share's checks read (its difficulty, its generated transaction and, on the
    // open profile, its verdict); a syncing node asks its peers for them.
    std::size_t needed_shares() const { return 2 * std::size_t{net_.p2p.chain_length}; }
    // After a batch of shares: the catch-up figures (sync_, the gauges, the log).
    void update_sync(std::size_t accepted);
    void mine_tick();
    void schedule_mining();
    void answer_sharereq(const std::shared_ptr<Peer>& peer, const p2p::ShareReq& req,
                         WorkTicket ticket);

    // messaging (messaging.cpp)
    // 409 "follower": why a node that makes no shares sends no message.
    ApiAnswer follower_answer() const;
    Status open_database();
    Status load_database();
    Status write_cookie();
    // Chooses the signing key (keys_) and commits its key state.
    Status setup_signing_key();
    // Runs an API operation on the chain thread; `done` answers once: by the task, or with a
    // 500 and the reason when the task throws first.
    template <class Task>
    void post_api(const char* what, ApiDone done, Task task);
    void queue_startup_messages();
    // Persists the store's changes and publishes new messages (chain thread, store locked).
    void on_store_change(const proto::ShareMessage& m, bool added);
    void flush_published();
    // Queues a local message in the outbox (chain thread); `done` gets the outcome.
    void queue_message(proto::ShareMessage m, std::optional<proto::SigningId> to, ApiDone done);
    // message_data for the next mined share and the outbox entries it carries (chain thread).
    // A sacrifice share (it pays sacrifice_hashes_.front()) carries our sacrifice tag and
    // never our announcement (which binds only in a share paying our own address).
    Outbox::Built next_message_data(bool sacrifice);
    // Whether the share about to be mined is one of the --sacrifice-every shares (our key
    // must be known to the ledger, or the tag would be ignored).
    bool sacrifice_turn();
    // Forgets shares far below the best chain (tracker, share views) and compacts the share
    // log to what is kept (chain thread).
    void prune_shares();
    // Saves the key state: the database row, then signing_key.json.
    void save_key_state(const store::KeyState& st);
    void schedule_status();
    void emit_status();
    void save_bans_file();

    Config cfg_;
    Network net_;
    DirLock datadir_lock_;  // DATADIR/.lock, held from start() on
    std::uint64_t nonce_;
    Metrics metrics_;
    TaskGuard chain_guard_{metrics_, "chain"};  // every post to chain_io_ goes through it
    SigningKeys keys_;                          // the signing keys and their files

    boost::asio::io_context io_;
    boost::asio::io_context chain_io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
        chain_work_;
    std::thread chain_thread_;
    std::unique_ptr<PeerManager> peers_;  // I/O thread; made by start()
    boost::asio::steady_timer mine_timer_;
    boost::asio::signal_set signals_;  // SIGINT/SIGTERM: a clean stop, handled on the I/O thread
    std::unique_ptr<HttpServer> http_;

    std::atomic<std::size_t> peer_count_{0};  // PeerManager's count, for any thread

    // chain thread state
    chain::ShareTracker tracker_;
    std::map<chain::ShareId, ShareView> shares_;
    std::set<chain::ShareId> applied_;  // shares whose messages are in the store
    ShareLog share_log_;
    ByteArray<20> payout_{};
    std::vector<Bytes> outbox_blobs_;
    std::size_t outbox_next_ = 0;
    std::atomic<std::size_t> share_count_{0};
    SyncProgress sync_{net_.p2p.chain_length, needed_shares()};
    mutable std::mutex best_mutex_;
    std::optional<chain::ShareId> best_;

    mutable std::shared_mutex store_mutex_;
    std::unique_ptr<proto::MessageStore> store_;

    // messaging
    double started_at_ = 0;
    std::string payout_address_;
    std::string cookie_token_;
    std::unique_ptr<store::Writer> db_;
    std::vector<proto::ShareMessage> to_publish_;  // chain thread: stored, not yet published
    boost::asio::steady_timer status_timer_;
    // chain thread state
    std::unique_ptr<Outbox> outbox_;                        // made by open_database()
    std::unique_ptr<proto::open::ChainLedger> open_chain_;  // open-profile networks only
    std::set<chain::ShareId> open_applied_;  // shares whose open-profile messages are stored
    mutable std::mutex open_keys_mutex_;
    std::vector<proto::open::KeyEntry> open_keys_;     // snapshot of the tip state, for the API
    std::optional<store::KeyState> loaded_key_state_;  // start-up: the database's row
    std::uint64_t mined_ = 0;
    std::uint64_t mine_ticks_ = 0;
    std::vector<ByteArray<20>> sacrifice_hashes_;  // the network's and --sacrifice-address
    std::vector<proto::open::CosignAuthority> cosign_authorities_;  // --cosign-authority
    bool status_sent_ = false;
    std::unique_ptr<RelayRole> relay_;  // --relay; fed the window's payouts by the chain thread
    // --mailbox; fed the window's payouts by the chain thread
    std::unique_ptr<MailboxRole> mailbox_;
    std::shared_ptr<NatMonitor> nat_monitor_;  // --stun; on the I/O context
    // --gossip-port; its own threads; fed the window's payouts by the chain thread
    std::unique_ptr<GossipService> gossip_;
    // --relay-url; on the I/O thread (and its ICE thread); destroyed before the relay parts
    std::unique_ptr<DirectLinks> direct_;
    // --mailbox-url; its own thread
    std::unique_ptr<MailClient> mail_;
    // --musig; its own thread, sending through mail_
    std::unique_ptr<MusigService> musig_;
};

}  // namespace sharemsg::node
