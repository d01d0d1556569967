// Fuzz target: the streaming P2P frame decoder (p2p::FrameDecoder).
//
// Input: byte 0 = mode and chunking seed; the rest is a byte stream, or (build mode)
// a recipe of frames and garbage that the target encodes itself, so that valid
// checksums are reachable.
// Properties:
//   - the stream fed in chunks of sizes derived from the input gives exactly the same
//     events as the stream fed at once;
//   - the decoder never holds more than max_buffered() bytes, nor memory() more than
//     len(prefix) + 20 + max payload;
//   - fed with feed_frame() (which stops after each frame, as the node does for
//     back-pressure), the events are the same, one frame at most per call;
//   - every frame has a valid command and a payload within the maximum; re-encoded with
//     encode_frame it decodes, in a fresh decoder, to exactly that frame (a 12-character
//     command cannot be sent, as in the reference);
//   - a frame whose payload decodes as its message re-encodes to the same payload;
//   - build mode: the frames come out in order, equal to what was encoded, and the only
//     errors are garbage_skipped.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "p2p/frame.hpp"
#include "p2p/messages.hpp"
#include "p2p/params.hpp"

using namespace sharemsg;

namespace {

constexpr std::size_t kMaxPayload = 300;  // small, so that oversize lengths are reachable

const ByteView kPrefix{p2p::LITECOIN_MAINNET.prefix};

std::vector<p2p::FrameEvent> feed_chunked(p2p::FrameDecoder& d, ByteView stream,
                                          std::uint32_t seed) {
    std::vector<p2p::FrameEvent> out;
    std::size_t i = 0;
    while (i < stream.size()) {
        seed = seed * 1103515245u + 12345u;
        const std::size_t n = std::min<std::size_t>(1 + (seed >> 16) % 97, stream.size() - i);
        for (auto& e : d.feed(stream.subspan(i, n)))
            out.push_back(std::move(e));
        FUZZ_CHECK(d.buffered() <= d.max_buffered());
        i += n;
    }
    return out;
}

std::vector<p2p::FrameEvent> feed_by_frame(p2p::FrameDecoder& d, ByteView stream) {
    std::vector<p2p::FrameEvent> out;
    while (!stream.empty()) {
        std::size_t frames = 0;
        const std::size_t used = d.feed_frame(stream, [&](p2p::FrameEvent&& e) {
            frames += std::holds_alternative<p2p::Frame>(e);
            out.push_back(std::move(e));
        });
        FUZZ_CHECK(used > 0 && used <= stream.size());
        FUZZ_CHECK(frames <= 1);
        FUZZ_CHECK(frames == 1 || used == stream.size());
        FUZZ_CHECK(d.memory() <= kPrefix.size() + p2p::HEADER_SIZE + kMaxPayload);
        stream = stream.subspan(used);
    }
    return out;
}

bool same(const p2p::FrameEvent& a, const p2p::FrameEvent& b) {
    if (a.index() != b.index()) return false;
    if (auto f = std::get_if<p2p::Frame>(&a)) return *f == std::get<p2p::Frame>(b);
    const auto& x = std::get<p2p::FrameError>(a);
    const auto& y = std::get<p2p::FrameError>(b);
    return x.code == y.code && x.reason == y.reason;
}

void check_frame(const p2p::Frame& f) {
    FUZZ_CHECK(p2p::valid_command_text(f.command));
    FUZZ_CHECK(f.payload.size() <= kMaxPayload);
    auto enc = p2p::encode_frame(kPrefix, f.command, f.payload, kMaxPayload);
    if (f.command.size() == p2p::COMMAND_SIZE) {
        FUZZ_CHECK(!enc.ok() && enc.error().code == Errc::invalid_argument);
    } else {
        FUZZ_CHECK(enc.ok());
        auto ev = p2p::FrameDecoder(kPrefix, kMaxPayload).feed(*enc);
        FUZZ_CHECK(ev.size() == 1);
        FUZZ_CHECK(std::get<p2p::Frame>(ev[0]) == f);
    }
    auto m = p2p::decode_message(f.command, f.payload);
    if (m) {
        auto b = p2p::encode_payload(*m);
        FUZZ_CHECK(b.ok() && *b == f.payload);
    }
}

// Recipe: records [kind][len][len bytes]. kind % 4 == 0: garbage (with every byte of the
// prefix's first value replaced, so it can never complete or start a prefix); otherwise a
// frame whose command is a message command or, for kind % 4 == 3, a made-up one.
Bytes build(ByteView recipe, std::vector<p2p::Frame>& expected) {
    Bytes stream;
    std::size_t i = 0;
    while (i + 2 <= recipe.size()) {
        const std::uint8_t kind = recipe[i];
        const std::size_t len = std::min<std::size_t>(recipe[i + 1], recipe.size() - i - 2);
        const ByteView body = recipe.subspan(i + 2, len);
        i += 2 + len;
        if (kind % 4 == 0) {
            for (std::uint8_t b : body)
                stream.push_back(b == kPrefix[0] ? 0 : b);
            continue;
        }
        const std::string command =
            kind % 4 == 3
                ? std::string("x") + std::to_string(kind)
                : std::string(p2p::MESSAGE_COMMANDS[(kind / 4) % p2p::MESSAGE_COMMANDS.size()]);
        auto enc = p2p::encode_frame(kPrefix, command, body, kMaxPayload);
        FUZZ_CHECK(enc.ok());
        append(stream, *enc);
        expected.push_back({command, Bytes(body.begin(), body.end())});
    }
    return stream;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const ByteView rest = fuzz::input(data, size).subspan(1);

    std::vector<p2p::Frame> expected;
    const bool build_mode = (mode & 1) != 0;
    const Bytes stream = build_mode ? build(rest, expected) : Bytes(rest.begin(), rest.end());

    auto whole = p2p::FrameDecoder(kPrefix, kMaxPayload).feed(stream);
    p2p::FrameDecoder d(kPrefix, kMaxPayload);
    auto chunked = feed_chunked(d, stream, mode);
    FUZZ_CHECK(whole.size() == chunked.size());
    for (std::size_t i = 0; i < whole.size(); ++i)
        FUZZ_CHECK(same(whole[i], chunked[i]));
    p2p::FrameDecoder by_frame_decoder(kPrefix, kMaxPayload);
    auto by_frame = feed_by_frame(by_frame_decoder, stream);
    FUZZ_CHECK(whole.size() == by_frame.size());
    for (std::size_t i = 0; i < whole.size(); ++i)
        FUZZ_CHECK(same(whole[i], by_frame[i]));

    std::size_t frames = 0;
    for (const auto& e : whole) {
        if (auto f = std::get_if<p2p::Frame>(&e)) {
            check_frame(*f);
            if (build_mode) {
                FUZZ_CHECK(frames < expected.size());
                FUZZ_CHECK(*f == expected[frames]);
            }
            ++frames;
        } else if (build_mode) {
            FUZZ_CHECK(std::get<p2p::FrameError>(e).code == p2p::FrameErrc::garbage_skipped);
        }
    }
    if (build_mode) FUZZ_CHECK(frames == expected.size());
    return 0;
}
