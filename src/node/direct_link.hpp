// One end of a direct link to another identity: the encrypted channel (channel/channel.hpp)
// and the link messages inside it (channel/link.hpp) over a byte stream the owner carries (an
// ICE session's reliable stream). Pings are answered here; everything else (pongs, mail and
// its acks) is reported to the owner. A pure state machine: no sockets, threads or clocks; single
// owner.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "channel/channel.hpp"
#include "channel/link.hpp"

namespace sharemsg::node {

class DirectLink {
  public:
    using SendFn = std::function<void(Bytes)>;  // bytes for the transport, in order

    // The initiator sends its hello now (through `send`); a responder waits for one.
    DirectLink(channel::Channel ch, SendFn send);

    // Why the link closed.
    enum class Closed { channel, protocol, local };
    struct Event {
        bool established = false;          // the handshake completed during this feed
        std::vector<std::uint64_t> pongs;  // nonces of the pongs received
        struct Mail {
            std::uint64_t tag = 0;
            Bytes body;  // the mailbox request JSON
        };
        std::vector<Mail> mails;                                // mail received
        std::vector<std::pair<std::uint64_t, bool>> mail_acks;  // (tag, accepted) received
        std::optional<Closed> closed;                           // set: the link is closed now
        std::optional<channel::ChannelError> channel_error;
        std::optional<channel::LinkProblem> protocol_error;
    };
    // Bytes the transport received, split anywhere.
    Event feed(ByteView bytes);
    // Sends a ping; false when the link is not established (or closed).
    bool ping(std::uint64_t nonce);
    // Sends a mailbox message (its request JSON, at most channel::MAX_LINK_MAIL bytes), and the
    // answer to one received; false when the link is not established (or closed).
    bool send_mail(std::uint64_t tag, Bytes body);
    bool ack_mail(std::uint64_t tag, bool accepted);
    void close();

    bool established() const { return ch_.established(); }
    bool closed() const { return ch_.closed(); }
    const std::optional<channel::PeerIdentity>& peer() const { return ch_.peer(); }
    std::uint64_t frames_in() const { return frames_in_; }
    std::uint64_t frames_out() const { return frames_out_; }

  private:
    bool send_message(const channel::LinkMessage& m);

    channel::Channel ch_;
    SendFn send_;
    std::uint64_t frames_in_ = 0, frames_out_ = 0;
};

}  // namespace sharemsg::node
