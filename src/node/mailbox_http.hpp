// The node's HTTP client of a mailbox (--mailbox-url; docs/mailbox.md, "The mailbox server"):
// one request per connection for register, get, ack and send, and the event stream of
// /mailbox/subscribe (Server-Sent Events), both decided on what the mailbox answered: a 2xx,
// a refusal named by its JSON error (relay::Problem), or no usable answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "relay/problem.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

struct MailboxAddress {
    std::string url, host;
    std::uint16_t port = 0;
};
// http://HOST:PORT (a trailing / allowed); Errc::invalid_argument otherwise.
Result<MailboxAddress> parse_mailbox_url(const std::string& url);

struct MailboxReply {
    // ok: 2xx; refused: a 4xx other than 429 (the mailbox works and said no); failed: no
    // answer, 429 or 5xx (try again later).
    enum class Kind { ok, refused, failed } kind = Kind::failed;
    unsigned status = 0;
    std::optional<relay::Problem> problem;  // the refusal's "error", when the name is known
    std::string body;
    std::string why;  // "HTTP 404 unknown_receiver", or why there was no answer
};
// The Problem a JSON error name stands for.
std::optional<relay::Problem> problem_from_name(std::string_view name);

class MailboxHttp {
  public:
    MailboxHttp(MailboxAddress a, std::chrono::milliseconds timeout)
        : a_(std::move(a)), timeout_(timeout) {}
    // POSTs a JSON body to `target` ("/mailbox/send").
    MailboxReply post(const std::string& target, const std::string& body) const;
    const MailboxAddress& address() const { return a_; }

  private:
    MailboxAddress a_;
    std::chrono::milliseconds timeout_;
};

// One /mailbox/subscribe connection at a time: run() blocks the calling thread while the
// stream lasts; stop() (any thread) ends the current run and every later one.
class EventStream {
  public:
    struct Event {
        std::string name;  // "message" when the stream named none
        std::string data;
    };
    // How a run ended: the stream was refused (a reply that is not a 200 event stream), failed
    // (no connection, a read error, nothing for `idle`, an oversized event) or ended (the
    // mailbox closed it), or stop() was called.
    struct End {
        enum class Kind { refused, failed, ended, stopped } kind = Kind::failed;
        MailboxReply reply;  // refused: the answer
        std::string why;
    };
    using OnEvent = std::function<void(const Event&)>;

    // Limits a hostile mailbox cannot pass: an event's size and the reply head's.
    static constexpr std::size_t kMaxEvent = 64 * 1024;

    EventStream() = default;
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    End run(const MailboxAddress& a, const std::string& target, const std::string& body,
            const OnEvent& on_event, std::chrono::milliseconds connect_timeout,
            std::chrono::milliseconds idle);
    void stop();

  private:
    boost::asio::io_context io_;
    std::atomic<bool> stopped_{false};
};

}  // namespace sharemsg::node
