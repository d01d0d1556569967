#include "p2p/frame.hpp"

#include <algorithm>
#include <cassert>

#include "crypto/hash.hpp"

namespace sharemsg::p2p {

namespace {

// A command field for an error message: printable bytes as they are, others as \xNN.
std::string printable(ByteView raw) {
    std::string out;
    for (std::uint8_t c : raw) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            static constexpr char digits[] = "0123456789abcdef";
            out += "\\x";
            out += digits[c >> 4];
            out += digits[c & 0x0f];
        }
    }
    return out;
}

bool command_char(std::uint8_t c) {
    return c >= 0x21 && c <= 0x7e;
}

}  // namespace

ByteArray<CHECKSUM_SIZE> payload_checksum(ByteView payload) {
    const auto h = crypto::sha256d(payload);
    ByteArray<CHECKSUM_SIZE> out{};
    std::copy_n(h.begin(), CHECKSUM_SIZE, out.begin());
    return out;
}

bool valid_command_text(std::string_view command) {
    if (command.empty() || command.size() > COMMAND_SIZE) return false;
    return std::all_of(command.begin(), command.end(),
                       [](char c) { return command_char(static_cast<std::uint8_t>(c)); });
}

Result<Bytes> encode_frame(ByteView prefix, std::string_view command, ByteView payload,
                           std::size_t max_payload) {
    if (prefix.empty()) return make_error(Errc::invalid_argument, "frame prefix: empty");
    if (command.size() >= COMMAND_SIZE)
        return make_error(Errc::invalid_argument, "frame command: '" +
                                                      printable(as_bytes(command)) + "' is " +
                                                      std::to_string(command.size()) +
                                                      " characters; at most 11 can be sent");
    if (!valid_command_text(command))
        return make_error(Errc::invalid_argument, "frame command: '" +
                                                      printable(as_bytes(command)) +
                                                      "' is not 1..11 printable ASCII characters");
    if (payload.size() > max_payload || payload.size() > 0xffffffffu)
        return make_error(Errc::oversize, "frame payload: " + std::to_string(payload.size()) +
                                              " bytes, more than the maximum " +
                                              std::to_string(max_payload));
    ByteWriter w;
    w.bytes(prefix);
    w.bytes(as_bytes(command));
    for (std::size_t i = command.size(); i < COMMAND_SIZE; ++i)
        w.u8(0);
    w.u32le(static_cast<std::uint32_t>(payload.size()));
    w.bytes(payload_checksum(payload));
    w.bytes(payload);
    return std::move(w).take();
}

const char* frame_errc_name(FrameErrc c) noexcept {
    switch (c) {
        case FrameErrc::garbage_skipped:
            return "garbage_skipped";
        case FrameErrc::oversize_length:
            return "oversize_length";
        case FrameErrc::bad_checksum:
            return "bad_checksum";
        case FrameErrc::bad_command:
            return "bad_command";
    }
    return "unknown";
}

Error FrameError::to_error() const {
    const Errc c = code == FrameErrc::oversize_length ? Errc::oversize : Errc::bad_encoding;
    return make_error(c, std::string(frame_errc_name(code)) + ": " + reason);
}

FrameDecoder::FrameDecoder(ByteView prefix, std::size_t max_payload)
    : prefix_(prefix.begin(), prefix.end()), max_payload_(max_payload) {
    assert(!prefix_.empty());
    window_.reserve(prefix_.size());
}

std::size_t FrameDecoder::buffered() const {
    switch (state_) {
        case State::scan:
            return window_.size();
        case State::header:
            return prefix_.size() + header_len_;
        case State::payload:
            return prefix_.size() + HEADER_SIZE + payload_.size();
    }
    return 0;
}

void FrameDecoder::restart_scan() {
    state_ = State::scan;
    window_.clear();
    skipped_ = 0;
    header_len_ = 0;
    length_ = 0;
    payload_ = Bytes{};  // releases the memory of the frame just finished
}

void FrameDecoder::feed(ByteView data, const Sink& sink) {
    while (!data.empty()) {
        std::size_t used = 0;
        switch (state_) {
            case State::scan:
                used = take_scan(data, sink);
                break;
            case State::header:
                used = take_header(data, sink);
                break;
            case State::payload:
                used = take_payload(data, sink);
                break;
        }
        data = data.subspan(used);
    }
}

std::size_t FrameDecoder::feed_frame(ByteView data, const Sink& sink) {
    bool framed = false;
    const Sink note = [&](FrameEvent&& e) {
        framed = framed || std::holds_alternative<Frame>(e);
        sink(std::move(e));
    };
    std::size_t used = 0;
    while (used < data.size() && !framed) {
        const ByteView rest = data.subspan(used);
        switch (state_) {
            case State::scan:
                used += take_scan(rest, note);
                break;
            case State::header:
                used += take_header(rest, note);
                break;
            case State::payload:
                used += take_payload(rest, note);
                break;
        }
    }
    return used;
}

std::size_t FrameDecoder::memory() const {
    return window_.capacity() + header_.size() + payload_.capacity();
}

std::vector<FrameEvent> FrameDecoder::feed(ByteView data) {
    std::vector<FrameEvent> out;
    feed(data, [&](FrameEvent&& e) { out.push_back(std::move(e)); });
    return out;
}

// Step 1: slide a window of len(prefix) bytes over the stream until it equals the prefix.
std::size_t FrameDecoder::take_scan(ByteView data, const Sink& sink) {
    const std::size_t n = prefix_.size();
    std::size_t i = 0;
    while (i < data.size()) {
        if (window_.size() == n) {  // the oldest byte leaves first: never over len(prefix)
            window_.erase(window_.begin());
            ++skipped_;
        }
        window_.push_back(data[i++]);
        if (window_.size() == n && std::equal(window_.begin(), window_.end(), prefix_.begin())) {
            if (skipped_ > 0)
                sink(FrameError{
                    FrameErrc::garbage_skipped,
                    "skipped " + std::to_string(skipped_) + " bytes before the network prefix"});
            window_.clear();
            skipped_ = 0;
            state_ = State::header;
            header_len_ = 0;
            break;
        }
    }
    return i;
}

// Step 2: command and length, then (length permitting) the checksum.
std::size_t FrameDecoder::take_header(ByteView data, const Sink& sink) {
    constexpr std::size_t before_checksum = COMMAND_SIZE + LENGTH_SIZE;
    const std::size_t want =
        (header_len_ < before_checksum ? before_checksum : HEADER_SIZE) - header_len_;
    const std::size_t k = std::min(want, data.size());
    std::copy_n(data.begin(), k, header_.begin() + static_cast<std::ptrdiff_t>(header_len_));
    header_len_ += k;
    if (header_len_ == before_checksum) {
        length_ = 0;
        for (std::size_t i = 0; i < LENGTH_SIZE; ++i)
            length_ |= static_cast<std::uint32_t>(header_[COMMAND_SIZE + i]) << (8 * i);
        if (length_ > max_payload_) {
            sink(FrameError{FrameErrc::oversize_length,
                            "command '" + printable(ByteView(header_.data(), COMMAND_SIZE)) +
                                "' length " + std::to_string(length_) +
                                " is over the maximum payload " + std::to_string(max_payload_) +
                                "; scanning for the prefix again"});
            restart_scan();
        }
    } else if (header_len_ == HEADER_SIZE) {
        state_ = State::payload;
        payload_.clear();
        if (length_ == 0) finish_frame(sink);  // complete now, even at the end of the input
    }
    return k;
}

// Step 3: the payload. Memory grows with the bytes received, never past length_.
std::size_t FrameDecoder::take_payload(ByteView data, const Sink& sink) {
    const std::size_t k = std::min<std::size_t>(length_ - payload_.size(), data.size());
    const std::size_t need = payload_.size() + k;
    if (need > payload_.capacity())
        payload_.reserve(std::min<std::size_t>(length_, std::max(need, 2 * payload_.capacity())));
    payload_.insert(payload_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(k));
    if (payload_.size() == length_) finish_frame(sink);
    return k;
}

// Steps 3 and 4: checksum, then the command field.
void FrameDecoder::finish_frame(const Sink& sink) {
    const ByteView command_field(header_.data(), COMMAND_SIZE);
    const ByteView checksum(header_.data() + COMMAND_SIZE + LENGTH_SIZE, CHECKSUM_SIZE);
    const auto expected = payload_checksum(payload_);
    if (!std::equal(expected.begin(), expected.end(), checksum.begin())) {
        sink(FrameError{FrameErrc::bad_checksum, "command '" + printable(command_field) +
                                                     "' length " + std::to_string(length_) +
                                                     ": checksum " + to_hex(checksum) +
                                                     ", payload hashes to " + to_hex(expected)});
        restart_scan();
        return;
    }
    std::size_t n = 0;
    while (n < COMMAND_SIZE && command_field[n] != 0)
        ++n;
    const bool padding_ok = std::all_of(command_field.begin() + static_cast<std::ptrdiff_t>(n),
                                        command_field.end(), [](std::uint8_t c) { return c == 0; });
    const bool text_ok =
        n > 0 && std::all_of(command_field.begin(),
                             command_field.begin() + static_cast<std::ptrdiff_t>(n), command_char);
    if (!padding_ok || !text_ok) {
        sink(FrameError{FrameErrc::bad_command,
                        "command field '" + printable(command_field) +
                            "' is not printable ASCII followed by NUL padding"});
        restart_scan();
        return;
    }
    Frame f{
        std::string(command_field.begin(), command_field.begin() + static_cast<std::ptrdiff_t>(n)),
        std::move(payload_)};
    restart_scan();
    sink(std::move(f));
}

}  // namespace sharemsg::p2p
