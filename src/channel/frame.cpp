#include "channel/frame.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "crypto/symmetric.hpp"

namespace sharemsg::channel {

std::string_view frame_error_name(FrameError e) noexcept {
    switch (e) {
        case FrameError::oversize:
            return "oversize";
        case FrameError::bad_tag:
            return "bad_tag";
        case FrameError::counter_exhausted:
            return "counter_exhausted";
        case FrameError::closed:
            return "closed";
    }
    return "unknown";
}

ByteArray<12> frame_nonce(std::uint64_t seq) {
    ByteArray<12> n{};
    for (std::size_t i = 0; i < 8; ++i)
        n[4 + i] = static_cast<std::uint8_t>(seq >> (8 * i));
    return n;
}

namespace {

ByteArray<FRAME_HEADER_SIZE> length_bytes(std::uint32_t len) {
    ByteArray<FRAME_HEADER_SIZE> h{};
    for (std::size_t i = 0; i < FRAME_HEADER_SIZE; ++i)
        h[i] = static_cast<std::uint8_t>(len >> (8 * i));
    return h;
}

std::uint32_t read_length(const Bytes& buf) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < FRAME_HEADER_SIZE; ++i)
        v |= static_cast<std::uint32_t>(buf[i]) << (8 * i);
    return v;
}

}  // namespace

FrameSealer::FrameSealer(const ByteArray<32>& key, std::uint64_t first_sequence)
    : key_(key), next_(first_sequence), exhausted_(first_sequence > MAX_FRAME_SEQUENCE) {}

FrameSealer::~FrameSealer() {
    crypto::wipe(key_.data(), key_.size());
}

FrameSealer::Sealed FrameSealer::seal(ByteView plaintext) {
    if (plaintext.size() > MAX_FRAME_PAYLOAD) return {{}, FrameError::oversize};
    if (exhausted_) return {{}, FrameError::counter_exhausted};
    const auto header = length_bytes(static_cast<std::uint32_t>(plaintext.size()));
    Bytes body = crypto::chacha20poly1305_seal(key_, frame_nonce(next_), header, plaintext);
    Bytes frame;
    frame.reserve(FRAME_HEADER_SIZE + body.size());
    append(frame, header);
    append(frame, body);
    if (next_ == MAX_FRAME_SEQUENCE)
        exhausted_ = true;
    else
        ++next_;
    return {std::move(frame), std::nullopt};
}

FrameDecoder::FrameDecoder(const ByteArray<32>& key, std::uint64_t first_sequence)
    : key_(key), next_(first_sequence), exhausted_(first_sequence > MAX_FRAME_SEQUENCE) {}

FrameDecoder::~FrameDecoder() {
    crypto::wipe(key_.data(), key_.size());
}

FrameError FrameDecoder::fail(FrameError e) {
    closed_ = true;
    crypto::wipe(key_.data(), key_.size());
    crypto::wipe(buf_.data(), buf_.size());
    buf_.clear();
    buf_.shrink_to_fit();
    return e;
}

FrameFeed FrameDecoder::feed(ByteView bytes) {
    FrameFeed out;
    if (closed_) {
        out.error = FrameError::closed;
        return out;
    }
    std::size_t pos = 0;
    while (true) {
        // Complete the header first, so that an oversize length is refused before the body
        // is buffered.
        if (buf_.size() < FRAME_HEADER_SIZE) {
            const std::size_t take = std::min(FRAME_HEADER_SIZE - buf_.size(), bytes.size() - pos);
            buf_.insert(buf_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                        bytes.begin() + static_cast<std::ptrdiff_t>(pos + take));
            pos += take;
            if (buf_.size() < FRAME_HEADER_SIZE) return out;
        }
        const std::uint32_t len = read_length(buf_);
        if (len > MAX_FRAME_PAYLOAD) {
            out.error = fail(FrameError::oversize);
            return out;
        }
        const std::size_t total = FRAME_HEADER_SIZE + len + FRAME_TAG_SIZE;
        const std::size_t take = std::min(total - buf_.size(), bytes.size() - pos);
        buf_.insert(buf_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                    bytes.begin() + static_cast<std::ptrdiff_t>(pos + take));
        pos += take;
        if (buf_.size() < total) return out;
        if (exhausted_) {
            out.error = fail(FrameError::counter_exhausted);
            return out;
        }
        const ByteView all(buf_);
        auto plain = crypto::chacha20poly1305_open(
            key_, frame_nonce(next_), all.first(FRAME_HEADER_SIZE), all.subspan(FRAME_HEADER_SIZE));
        if (!plain) {
            out.error = fail(FrameError::bad_tag);
            return out;
        }
        out.messages.push_back(std::move(*plain));
        buf_.clear();
        if (next_ == MAX_FRAME_SEQUENCE)
            exhausted_ = true;
        else
            ++next_;
        if (pos == bytes.size()) return out;
    }
}

}  // namespace sharemsg::channel
