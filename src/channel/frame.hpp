// The channel's record layer: length-prefixed ChaCha20-Poly1305 frames (docs/channel.md).
//
// Frame layout (one direction of the stream):
//
//   offset 0   length      4        u32 little-endian: plaintext bytes, 0..MAX_FRAME_PAYLOAD
//   offset 4   ciphertext  length   ChaCha20-Poly1305 of the plaintext
//   offset 4+length  tag   16       Poly1305 tag
//
// The AEAD key is the direction's 32-byte key from the handshake. The nonce is never sent:
// it is 4 zero bytes || the frame's 64-bit sequence number (little-endian), counted from 0 in
// each direction. The 4 length bytes are the AAD. A replayed, reordered, dropped, truncated
// or changed frame therefore fails authentication, and the decoder closes: it refuses all
// further input. A length above MAX_FRAME_PAYLOAD is refused from the 4 length bytes alone,
// before anything is allocated.
//
// FrameSealer and FrameDecoder are single-owner state machines without sockets, threads or
// clocks: the owner moves bytes between them and its transport.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"

namespace sharemsg::channel {

inline constexpr std::size_t FRAME_HEADER_SIZE = 4;
inline constexpr std::size_t FRAME_TAG_SIZE = 16;
inline constexpr std::size_t MAX_FRAME_PAYLOAD = 128 * 1024;  // room for a mailbox message
// The last sequence number a direction may use; a frame needing the next one is refused
// (counter_exhausted) rather than reusing a nonce.
inline constexpr std::uint64_t MAX_FRAME_SEQUENCE = UINT64_MAX - 1;

enum class FrameError {
    oversize,           // a length above MAX_FRAME_PAYLOAD (sent or to be sealed)
    bad_tag,            // authentication failed: changed, replayed, reordered or wrong key
    counter_exhausted,  // the direction's 64-bit sequence is used up
    closed,             // the decoder failed earlier (or the channel is closed)
};

std::string_view frame_error_name(FrameError e) noexcept;

// The nonce of sequence number `seq`: 4 zero bytes || u64le(seq).
ByteArray<12> frame_nonce(std::uint64_t seq);

// Seals plaintexts into frames for one direction.
class FrameSealer {
  public:
    // `first_sequence` is 0 on a channel; tests start near the end to reach exhaustion.
    explicit FrameSealer(const ByteArray<32>& key, std::uint64_t first_sequence = 0);
    ~FrameSealer();
    FrameSealer(const FrameSealer&) = delete;
    FrameSealer& operator=(const FrameSealer&) = delete;
    FrameSealer(FrameSealer&&) noexcept = default;
    FrameSealer& operator=(FrameSealer&&) noexcept = default;

    // One whole frame, or oversize (plaintext above MAX_FRAME_PAYLOAD) or counter_exhausted.
    // A failure consumes no sequence number.
    struct Sealed {
        Bytes frame;
        std::optional<FrameError> error;
    };
    Sealed seal(ByteView plaintext);
    std::uint64_t next_sequence() const { return next_; }

  private:
    ByteArray<32> key_;
    std::uint64_t next_;
    bool exhausted_ = false;
};

// The result of FrameDecoder::feed: the plaintexts of the whole frames completed by the
// input, in order, then at most one error. The plaintexts before an error were
// authenticated and are delivered; nothing after it is.
struct FrameFeed {
    std::vector<Bytes> messages;
    std::optional<FrameError> error;
};

// Decodes one direction's stream of frames, split anywhere.
class FrameDecoder {
  public:
    explicit FrameDecoder(const ByteArray<32>& key, std::uint64_t first_sequence = 0);
    ~FrameDecoder();
    FrameDecoder(const FrameDecoder&) = delete;
    FrameDecoder& operator=(const FrameDecoder&) = delete;
    FrameDecoder(FrameDecoder&&) noexcept = default;
    FrameDecoder& operator=(FrameDecoder&&) noexcept = default;

    FrameFeed feed(ByteView bytes);
    bool closed() const { return closed_; }
    // Bytes of an incomplete frame held back for the next feed.
    std::size_t buffered() const { return buf_.size(); }
    std::uint64_t next_sequence() const { return next_; }

  private:
    FrameError fail(FrameError e);
    ByteArray<32> key_;
    std::uint64_t next_;
    bool exhausted_ = false;
    bool closed_ = false;
    Bytes buf_;
};

}  // namespace sharemsg::channel
