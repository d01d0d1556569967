// p2pool P2P framing (p2pool/util/p2protocol.py of frstrtr/p2pool-merged-v36).
//
// Byte layout of one frame:
//
//   field      bytes          content
//   prefix     len(PREFIX)    the network's PREFIX (8 bytes on every p2pool network)
//   command    12             ASCII command, NUL-padded on the right
//   length     4              payload length, u32 little-endian
//   checksum   4              first 4 bytes of sha256d(payload)
//   payload    length         the message (p2p/messages.hpp)
//
// Receiving, the reference (Protocol.dataReceiver) does, in this order:
//   1. reads one byte at a time until the last len(PREFIX) bytes equal PREFIX:
//      bytes before the prefix are skipped silently, any number of them, with
//      no penalty (it resynchronises; it never drops the connection for it)
//      (p2protocol.py:31-33);
//   2. reads command (12) and length (4); a length over the maximum prints
//      'length too large' and goes back to step 1 *at the next byte* (the
//      checksum and payload are then scanned for a prefix like garbage)
//      (p2protocol.py:35-39);
//   3. reads checksum (4) and payload; a checksum mismatch is badPeerHappened:
//      disconnect and ban for p2pool peers (p2protocol.py:40-48, p2p.py:109);
//   4. command = the 12 bytes with trailing NULs stripped; a command with no
//      message_<command> type is ignored silently, no penalty (p2protocol.py:50-54).
// FrameDecoder does exactly these steps and reports each outcome as an event;
// what to do about it (ignore, penalize, disconnect) is the peer layer's call.
// Our only addition is FrameErrc::bad_command: a command field that is not
// 1..12 printable ASCII characters (0x21..0x7e) followed by NULs only. The
// reference has no message type for any such command, so it would ignore
// the frame exactly as it ignores an unknown command; we name the case.
//
// Sending (Protocol.sendPacket, p2protocol.py:115-124): a command of 12 or more characters is a
// ValueError; a payload longer than the maximum is TooLong (which the
// reference catches to split a message or to answer 'too long').
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2p/params.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::p2p {

inline constexpr std::size_t COMMAND_SIZE = 12;
inline constexpr std::size_t LENGTH_SIZE = 4;
inline constexpr std::size_t CHECKSUM_SIZE = 4;
// Bytes between the prefix and the payload.
inline constexpr std::size_t HEADER_SIZE = COMMAND_SIZE + LENGTH_SIZE + CHECKSUM_SIZE;

struct Frame {
    std::string command;  // without the NUL padding
    Bytes payload;
    bool operator==(const Frame&) const = default;
};

// sha256d(payload)[:4].
[[nodiscard]] ByteArray<CHECKSUM_SIZE> payload_checksum(ByteView payload);

// True when `command` is 1..12 printable ASCII characters (0x21..0x7e).
[[nodiscard]] bool valid_command_text(std::string_view command);

// prefix || command padded to 12 || le32(len) || checksum || payload.
// Errors: Errc::invalid_argument when the command is empty, 12 or more
// characters (the reference's limit for sending) or not printable ASCII, or
// the prefix is empty; Errc::oversize when payload.size() > max_payload
// (the reference's TooLong).
[[nodiscard]] Result<Bytes> encode_frame(ByteView prefix, std::string_view command,
                                         ByteView payload,
                                         std::size_t max_payload = MAX_PAYLOAD_LENGTH);

enum class FrameErrc {
    garbage_skipped,  // bytes before a prefix were skipped (reference: silent resync, no penalty)
    oversize_length,  // length field > max payload; scanning resumes after the length field
                      // (reference: 'length too large', no penalty)
    bad_checksum,     // checksum mismatch; frame consumed (reference: disconnect + ban)
    bad_command,      // command field not printable ASCII + NUL padding; frame consumed
                      // (reference: no message type, ignored silently)
};
[[nodiscard]] const char* frame_errc_name(FrameErrc c) noexcept;

struct FrameError {
    FrameErrc code;
    std::string reason;  // human-readable: counts, the command, lengths, checksums
    // The same as a library Error: oversize_length -> Errc::oversize, the rest ->
    // Errc::bad_encoding.
    [[nodiscard]] Error to_error() const;
};

using FrameEvent = std::variant<Frame, FrameError>;

// Streaming decoder for one connection. Not thread-safe; one per peer.
//
// Memory: the decoder holds at most one frame in progress: len(prefix) bytes
// while scanning, then the 20 header bytes, then at most max_payload payload
// bytes (allocated as they arrive, never from the length field alone). It never
// holds bytes of a following frame: feed() consumes its input as it goes.
// max_payload is the receiver's budget for one frame: the node gives each peer
// far less than the reference's 32,000,000 (docs/architecture.md, "Limits"); a
// longer frame is skipped as the reference skips one over its maximum.
//
// Events come out in stream order, and the sequence of events for a byte
// stream does not depend on how the stream is split across feed() calls.
class FrameDecoder {
  public:
    // `prefix` must not be empty (asserted); it is copied.
    explicit FrameDecoder(ByteView prefix, std::size_t max_payload = MAX_PAYLOAD_LENGTH);

    using Sink = std::function<void(FrameEvent&&)>;
    // Consumes all of `data`; calls `sink` for each event it completes.
    void feed(ByteView data, const Sink& sink);
    // The same, collecting the events.
    [[nodiscard]] std::vector<FrameEvent> feed(ByteView data);
    // Consumes `data` up to the end of the first frame it completes (or all of it) and
    // returns the bytes consumed: a caller that must stop after a frame (back-pressure)
    // feeds the rest later. The events are the same as feed()'s.
    std::size_t feed_frame(ByteView data, const Sink& sink);
    // Forgets the frame in progress and frees its memory.
    void reset() { restart_scan(); }

    // Bytes of memory held for the frame in progress (the payload's allocation included):
    // at most max_buffered().
    [[nodiscard]] std::size_t memory() const;

    // Bytes held for the frame in progress.
    [[nodiscard]] std::size_t buffered() const;
    // The most that buffered() can ever be: len(prefix) + 20 + max_payload.
    [[nodiscard]] std::size_t max_buffered() const {
        return prefix_.size() + HEADER_SIZE + max_payload_;
    }
    // Garbage skipped so far in the current prefix scan (reported as a
    // garbage_skipped event only once the prefix is found).
    [[nodiscard]] std::uint64_t pending_garbage() const { return skipped_; }

  private:
    enum class State { scan, header, payload };
    std::size_t take_scan(ByteView data, const Sink& sink);
    std::size_t take_header(ByteView data, const Sink& sink);
    std::size_t take_payload(ByteView data, const Sink& sink);
    void finish_frame(const Sink& sink);
    void restart_scan();

    Bytes prefix_;
    std::size_t max_payload_;
    State state_ = State::scan;
    Bytes window_;               // scan: the last <= len(prefix) bytes
    std::uint64_t skipped_ = 0;  // scan: bytes dropped before the prefix
    ByteArray<HEADER_SIZE> header_{};
    std::size_t header_len_ = 0;
    std::uint32_t length_ = 0;
    Bytes payload_;
};

}  // namespace sharemsg::p2p
