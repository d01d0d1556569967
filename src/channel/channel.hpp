// One side of an encrypted, mutually authenticated channel between two identities: the
// handshake (channel/handshake.hpp), then frames (channel/frame.hpp) both ways. A pure state
// machine: the owner feeds it the bytes its transport received and sends the bytes it
// returns; it has no sockets, threads or clocks. Single owner; not thread-safe.
//
// Stream: the initiator sends hello; the responder answers reply; the initiator sends
// confirm and may send frames right after it; the responder sends frames once it has the
// confirm. Any error closes the channel for good: every later feed or seal fails.
#pragma once

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "channel/frame.hpp"
#include "channel/handshake.hpp"

namespace sharemsg::channel {

// Why a channel closed: during the handshake or in the frames after it.
using ChannelError = std::variant<HandshakeError, FrameError>;

std::string_view channel_error_name(const ChannelError& e) noexcept;

class Channel {
  public:
    static Channel initiator(LocalIdentity local, const proto::SigningId& wanted);
    static Channel responder(LocalIdentity local);

    Channel(Channel&&) noexcept = default;
    Channel& operator=(Channel&&) noexcept = default;
    ~Channel() = default;

    // The first bytes to send: the initiator's hello (once); nothing for a responder.
    Bytes start();

    struct Output {
        Bytes to_send;                      // handshake bytes to send back, if any
        std::vector<Bytes> messages;        // plaintexts received, in order
        std::optional<ChannelError> error;  // set: the channel is now closed
        bool established = false;           // the handshake completed during this feed
    };
    // Bytes from the transport, split anywhere.
    Output feed(ByteView bytes);

    // A frame carrying `plaintext` (at most MAX_FRAME_PAYLOAD bytes). Errors: oversize (the
    // channel stays open), counter_exhausted (closes it), closed (not established yet, or
    // closed).
    FrameSealer::Sealed seal(ByteView plaintext);

    // Closes the channel: keys are dropped, and every later feed or seal fails.
    void close();

    bool established() const { return sealer_.has_value() && !closed_; }
    bool closed() const { return closed_; }
    // The peer's proven identity, once established.
    const std::optional<PeerIdentity>& peer() const { return handshake_.peer(); }
    const Handshake& handshake() const { return handshake_; }

  private:
    explicit Channel(Handshake h) : handshake_(std::move(h)) {}
    Output fail(Output out, ChannelError e);

    Handshake handshake_;
    Bytes hs_buf_;  // the part of the next handshake message received so far
    std::optional<FrameSealer> sealer_;
    std::optional<FrameDecoder> decoder_;
    bool closed_ = false;
};

}  // namespace sharemsg::channel
