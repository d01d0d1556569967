// The node's own mail (docs/mailbox.md, "The node's mail"): private messages between identities,
// end-to-end encrypted (mailbox/seal.hpp), delivered directly over a direct link when the
// recipient is reachable and through the mailbox (--mailbox-url) otherwise; the same header and
// payload either way. Each sender's messages reach the inbox once and in the order they were
// sent, whatever path each took.
//
// State lives in <datadir>/mail.sqlite (WAL, synchronous=FULL): the sending chain per recipient
// (its current link), the receiving chain per sender (its link and skipped keys), the outbox
// (sealed messages and their delivery state) and the inbox (opened messages). A message is
// acknowledged to the mailbox, or to the sending node, only after it is committed here.
//
// Threads: the public methods may be called from any thread (the HTTP handlers call them from
// the I/O thread) and read or write the database under its lock; the client's own threads talk
// to the mailbox (registration, the event stream of new ids, fetch, ack, deposit) and open
// what comes in (node/mail_service.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "mailbox/codec.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

struct MailReceived {
    std::uint64_t id = 0;  // the inbox's own increasing id
    crypto::CompressedPubKey from{};
    std::uint64_t index = 0;  // the sender's chain index
    std::string text;
    std::uint64_t sent = 0;      // the header's timestamp
    std::uint64_t received = 0;  // when it was committed to the inbox
    std::string path;            // "direct" or "mailbox"
};

struct MailSent {
    std::uint64_t id = 0;  // the outbox's own increasing id
    crypto::CompressedPubKey to{};
    std::uint64_t index = 0;  // our chain index towards `to`
    std::string text;
    std::uint64_t created = 0;
    // queued: not yet taken by anyone; deposited: the mailbox acknowledged it (the recipient
    // has not fetched it yet as far as we know); delivered: the recipient's node acknowledged
    // it over a direct link.
    enum class State { queued, deposited, delivered } state = State::queued;
    std::string last_error;  // why the last try failed, while queued
};
const char* mail_state_name(MailSent::State s) noexcept;

// Why a send was refused at once (delivery failures keep the message queued instead).
enum class MailError {
    no_identity,    // this node has no signing key with its delegation
    no_mailbox,     // no --mailbox-url
    bad_recipient,  // not a compressed secp256k1 point, or this node's own key
    too_large,      // over mailbox::MAX_PLAINTEXT bytes
    not_text,       // text that is not UTF-8
    outbox_full,    // too many messages queued
    storage,        // the database failed; nothing was kept
};
const char* mail_error_name(MailError e) noexcept;

// Application frames (docs/mailbox.md, "Application frames"): mail whose plaintext is 0xff (a
// byte UTF-8 never uses, so no text begins with it), an application byte, then the
// application's bytes. They are sealed, delivered, ordered and acknowledged as text is, but
// each is handed to its application's frame handler instead of the inbox and outbox listings.
inline constexpr std::uint8_t APP_FRAME_MARK = 0xff;
enum class MailApp : std::uint8_t {
    musig = 0x01,  // a MuSig2 session frame (musig/frame.hpp)
};
// Whether a plaintext is an application frame, and its application and bytes.
struct AppFrame {
    MailApp app = MailApp::musig;
    ByteView bytes;
};
std::optional<AppFrame> app_frame_of(std::string_view plaintext) noexcept;
std::string app_plaintext(MailApp app, ByteView bytes);

class MailClient {
  public:
    virtual ~MailClient() = default;

    // Seals `text` for `to` and queues it; it goes out at once over a direct link or to the
    // mailbox. Returns the outbox row as kept.
    struct SendResult {
        std::optional<MailSent> sent;
        std::optional<MailError> error;
        std::string detail;
    };
    virtual SendResult send(const crypto::CompressedPubKey& to, const std::string& text) = 0;
    // The same for an application frame (`text` of the outbox row is its plaintext).
    virtual SendResult send_frame(const crypto::CompressedPubKey& to, MailApp app,
                                  ByteView bytes) = 0;

    // The inbox, oldest first, after inbox id `after` (at most `limit`), and one message.
    virtual std::vector<MailReceived> inbox(std::uint64_t after, std::size_t limit) const = 0;
    virtual std::optional<MailReceived> read(std::uint64_t id) const = 0;
    // The outbox, newest first (at most `limit`).
    virtual std::vector<MailSent> outbox(std::size_t limit) const = 0;

    // Called (from the client's thread) with each message as it enters the inbox, in inbox
    // order: /mail/stream's feed. May be set at any time.
    using Listener = std::function<void(const MailReceived&)>;
    virtual void set_listener(Listener l) = 0;

    // Called (from the client's thread) with each application frame of `app` as it is
    // committed, in each sender's order; frames of an application without a handler are
    // dropped. May be set at any time.
    using FrameHandler = std::function<void(const crypto::CompressedPubKey& from, ByteView bytes)>;
    virtual void set_frame_handler(MailApp app, FrameHandler h) = 0;

    // A message that came over a direct link (its header and payload). Committed to the inbox
    // (or held until the messages before it arrive) before `done(true)`; `done(false, why)`
    // when it is refused (bad signature, not for us, replayed). Any thread.
    using Accepted = std::function<void(bool ok, std::string why)>;
    virtual void accept_direct(mailbox::Request message, Accepted done) = 0;

    // {"mailbox": url, "registered": bool, "connected": bool, "inbox": n, "queued": n,
    //  "last_error": ...}: /mail/status and the dashboard.
    virtual std::string status_json() const = 0;
};

}  // namespace sharemsg::node
