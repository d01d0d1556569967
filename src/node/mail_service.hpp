// The node's mail client (node/mail_client.hpp) with its state in <datadir>/mail.sqlite
// (node/mail_db.hpp), the inbox's order (node/mail_inbox.hpp) and the mailbox's HTTP client
// (node/mailbox_http.hpp).
//
// Threads: the public methods run on the caller's thread and take the database lock only for
// their own reads and writes (send() seals and commits there, so its answer is the row as
// kept). A worker thread registers with the mailbox (at start, again halfway to the
// registration's expiry, and whenever the signing key changes), fetches and acks what the
// event stream announces, opens what comes in (from the mailbox and over direct links, in the
// order it arrives), tries the outbox's queued messages (a direct link first when one is
// given, then the mailbox; each failure waits first_backoff, doubled up to max_backoff) and
// gives up the inbox's old gaps. A second thread holds the /mailbox/subscribe stream while
// registered, reconnecting after 1 s, doubled up to 60 s, while it fails.
//
// Exactly once: a message is committed (receiving chain, inbox or held row) before it is
// acknowledged to the mailbox or to the sending node; the receiving chain opens each index
// once, so the same message by another path, or fetched again after a crash, is dropped as a
// repeat. Acks to the mailbox cover only ids that were all committed or dropped for good.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>

#include "mailbox/codec.hpp"
#include "node/mail_client.hpp"
#include "node/mail_db.hpp"
#include "node/mail_inbox.hpp"
#include "node/mailbox_http.hpp"
#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"

namespace sharemsg::node {

// What this node's mail is signed with: its signing key and the master's delegation of it.
struct MailIdentity {
    proto::DerivedSigningKey key;
    proto::open::Delegation delegation;
};

struct MailOptions {
    std::string db_path;  // <datadir>/mail.sqlite
    MailboxAddress mailbox;
    relay::NetworkId network{};
    std::chrono::milliseconds timeout{5000};      // per mailbox request
    std::size_t max_queued = 1000;                // queued outbox rows; beyond: outbox_full
    std::uint64_t gap_timeout = 600;              // seconds an inbox gap is waited for
    double first_backoff = 1, max_backoff = 300;  // seconds between a message's tries
    double sweep_interval = 30;                   // seconds between sweeps of old gaps
    // A queued message's header older than this is signed again (new nonce and timestamp)
    // before it goes to the mailbox, which takes headers of the last 300 s only.
    std::uint64_t resign_after = 120;
};

// Why an incoming message was not taken (a direct link's answer; a log line for the mailbox).
enum class MailRefusal {
    bad_request,  // size, payload hash or signature (mailbox::check_request)
    bad_op,       // not a send
    wrong_network,
    wrong_recipient,  // not addressed to this node's current signing key
    replayed,         // opened already (the same message by another path, or fetched again)
    unopenable,       // the sealed payload does not open (seal error)
    no_identity,      // this node has no signing key now
    storage,          // the database failed; nothing was kept (try again)
    stopped,
};
const char* mail_refusal_name(MailRefusal r) noexcept;

class MailService final : public MailClient {
  public:
    using IdentityFn = std::function<std::optional<MailIdentity>()>;
    // Hands a message to the recipient's node over a direct link; `delivered(true)` once that
    // node committed it. Null: the mailbox only.
    using DirectSend = std::function<void(const crypto::CompressedPubKey& to, mailbox::Request,
                                          std::function<void(bool delivered)>)>;
    using Clock = std::function<double()>;  // unix seconds

    // Opens the database (Errc::io naming it when it cannot); start() starts the threads.
    static Result<std::unique_ptr<MailService>> open(MailOptions o, IdentityFn identity,
                                                     DirectSend direct, Clock clock);
    ~MailService() override;
    void start();
    // Ends both threads (the request in hand finishes first). Idempotent.
    void stop();

    SendResult send(const crypto::CompressedPubKey& to, const std::string& text) override;
    SendResult send_frame(const crypto::CompressedPubKey& to, MailApp app, ByteView bytes) override;
    std::vector<MailReceived> inbox(std::uint64_t after, std::size_t limit) const override;
    std::optional<MailReceived> read(std::uint64_t id) const override;
    std::vector<MailSent> outbox(std::size_t limit) const override;
    // Any time, from any thread (the next message goes to the new listener).
    void set_listener(Listener l) override {
        std::lock_guard lk(mu_);
        listener_ = std::move(l);
    }
    void set_frame_handler(MailApp app, FrameHandler h) override {
        std::lock_guard lk(mu_);
        frame_handlers_[app] = std::move(h);
    }
    void accept_direct(mailbox::Request message, Accepted done) override;
    std::string status_json() const override;

  private:
    static constexpr double kDirectTimeout = 60;  // seconds a direct try may take
    static constexpr int kStreamIdle = 45'000;    // ms without a byte (keepalives every 15 s)

    MailService(MailOptions o, std::unique_ptr<MailDb> db, IdentityFn identity, DirectSend direct,
                Clock clock);

    struct DirectIn {
        mailbox::Request message;
        Accepted done;
    };
    struct DirectOut {
        std::uint64_t outbox_id = 0;
        bool delivered = false;
    };
    struct StreamState {
        std::uint64_t lowest = 0, highest = 0;
    };
    struct StreamId {
        std::uint64_t id = 0;
    };
    using Event = std::variant<DirectIn, DirectOut, StreamState, StreamId>;

    std::uint64_t now() const { return static_cast<std::uint64_t>(clock_()); }
    // Seals a plaintext (text or an application frame) and queues it.
    SendResult send_plaintext(const crypto::CompressedPubKey& to, const std::string& text);
    void push(Event e);
    // Worker thread.
    void run();
    void handle(Event& e);
    void register_if_due(const std::optional<MailIdentity>& id);
    void fetch(const MailIdentity& id);
    // Loads the fetch watermark of `me` (kept in the database) when the key changed.
    void ensure_watermark(const PubKey& me);
    void deliver_due(const std::optional<MailIdentity>& id);
    void post_to_mailbox(OutboxRow row, const MailIdentity& id);
    void retry_later(OutboxRow& row, const std::string& why);
    void sweep_gaps();
    // Checks, opens and commits an incoming message; publishes what entered the inbox.
    std::optional<MailRefusal> take(const mailbox::Request& r, const std::string& path,
                                    std::string& why);
    void publish(const std::vector<MailReceived>& in);
    std::string watermark_key(const PubKey& me) const;
    // A signed request of our own about our own mailbox (register, subscribe, get, ack).
    mailbox::Request own_request(const MailIdentity& id, mailbox::Op op, std::uint64_t message_id,
                                 Bytes payload) const;
    // Stream thread.
    void run_stream();
    void set_error(std::string why);

    MailOptions o_;
    IdentityFn identity_;
    DirectSend direct_;
    Clock clock_;
    MailboxHttp http_;
    EventStream stream_;

    mutable std::mutex db_mu_;  // guards db_ and order_
    std::unique_ptr<MailDb> db_;
    InboxOrder order_;

    mutable std::mutex mu_;  // guards what follows
    std::condition_variable cv_;
    std::deque<Event> events_;
    bool stopping_ = false;
    bool registered_ = false;
    std::optional<PubKey> registered_key_;
    bool connected_ = false;
    bool register_now_ = false;  // the mailbox forgot us: register again at once
    bool poked_ = false;         // a send or a stream change: the worker looks at once
    std::string last_error_;
    Listener listener_;
    std::map<MailApp, FrameHandler> frame_handlers_;
    // Worker thread only.
    std::optional<PubKey> register_key_;  // the key registrations are made with
    double register_at_ = 0, register_backoff_ = 1;
    std::optional<PubKey> watermark_for_;   // the key fetched_ and acked_ belong to
    std::uint64_t fetch_target_ = 0;        // the highest id the stream announced
    std::optional<std::uint64_t> fetched_;  // every id up to it committed or dropped
    std::uint64_t acked_ = 0;
    double fetch_at_ = 0, fetch_backoff_ = 1;
    double sweep_at_ = 0;
    std::map<std::uint64_t, double> in_direct_;  // outbox ids a direct link is trying: since
    std::set<std::uint64_t> tried_direct_;       // outbox ids whose direct try of this round failed

    // Lets a direct link's late answer find this object, or nothing once it stopped.
    struct Guard {
        std::mutex mu;
        MailService* self = nullptr;
    };
    std::shared_ptr<Guard> guard_ = std::make_shared<Guard>();

    std::thread worker_, streamer_;
};

}  // namespace sharemsg::node
