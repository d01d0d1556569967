// Fuzz target: the encrypted channel's decoders (src/channel): a responder's handshake and the
// frame decoder.
//
// Input: byte 0 selects the mode (low 2 bits) and byte 1 seeds the chunking; the rest is:
//   mode 0: a raw stream fed to a responder Channel (fixed identity, everyone authorized);
//   mode 1: a XOR mask over a genuine hello from a fixed initiator (so every check of the
//           hello is reachable), then more stream bytes, fed to a responder Channel;
//   mode 2: a raw stream fed to a FrameDecoder under a fixed key;
//   mode 3: a recipe: records of [u8 length][length bytes] that the target seals as frames
//           under the fixed key, with the last input byte (if the recipe uses it) choosing a
//           bit to flip in the encoded stream.
// Properties:
//   - the same stream fed whole and in chunks gives the same plaintexts and the same error
//     (modes 0, 2, 3), and nothing is accepted after an error;
//   - the decoder never buffers more than one maximal frame;
//   - a responder never establishes (nobody can sign the confirm), and replies only with a
//     REPLY_SIZE message;
//   - a plaintext that decodes as a link message (channel/link.hpp) encodes back to itself;
//   - mode 3 without a flip: exactly the sealed plaintexts come back, no error; with a flip:
//     what comes back is a prefix of them, and an error is reported unless the flip only
//     lengthened a frame (then the decoder waits for more).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "channel/channel.hpp"
#include "channel/frame.hpp"
#include "channel/handshake.hpp"
#include "channel/link.hpp"
#include "fuzz_common.hpp"
#include "proto/open_envelope.hpp"

using namespace sharemsg;
using namespace sharemsg::channel;

namespace {

struct Fixed {
    proto::DerivedSigningKey responder;
    proto::open::Delegation responder_delegation;
    proto::DerivedSigningKey initiator;
    proto::open::Delegation initiator_delegation;
};

proto::DerivedSigningKey derive(std::uint8_t master_byte, std::uint32_t index,
                                proto::open::Delegation& delegation) {
    ByteArray<32> master{};
    master.fill(master_byte);
    auto key = proto::DerivedSigningKey::derive(master, index);
    FUZZ_CHECK(key.ok());
    auto priv = crypto::PrivKey::from_bytes(master);
    FUZZ_CHECK(priv.ok());
    delegation =
        proto::open::make_delegation(*priv, proto::open::DEVNET_NETWORK_ID, key->pubkey(), index);
    return *key;
}

const Fixed& fixed() {
    static const Fixed f = [] {
        proto::open::Delegation dr, di;
        auto r = derive(0x11, 0, dr);
        auto i = derive(0x22, 1, di);
        return Fixed{r, dr, i, di};
    }();
    return f;
}

LocalIdentity identity(const proto::DerivedSigningKey& k, const proto::open::Delegation& d) {
    return LocalIdentity{
        k, d, proto::open::DEVNET_NETWORK_ID,
        [](const proto::open::AddressHash&, const proto::SigningId&) { return true; }};
}

ByteArray<32> frame_key() {
    ByteArray<32> k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::uint8_t>(0x40 + i);
    return k;
}

struct Outcome {
    std::vector<Bytes> messages;
    Bytes sent;
    std::optional<ChannelError> error;
    bool established = false;
    bool operator==(const Outcome&) const = default;
};

std::size_t next_chunk(std::uint32_t& seed, std::size_t left) {
    seed = seed * 1103515245u + 12345u;
    return std::min<std::size_t>(1 + (seed >> 16) % 61, left);
}

// Feeds a responder channel; the reply's contents are random (ephemeral, nonce,
// signature), so only its size is compared.
Outcome run_responder(ByteView stream, std::uint32_t seed, bool chunked) {
    const Fixed& f = fixed();
    Channel c = Channel::responder(identity(f.responder, f.responder_delegation));
    Outcome o;
    std::size_t i = 0;
    while (i < stream.size()) {
        const std::size_t n = chunked ? next_chunk(seed, stream.size() - i) : stream.size();
        auto out = c.feed(stream.subspan(i, n));
        i += n;
        FUZZ_CHECK(out.messages.empty());
        FUZZ_CHECK(!out.established);
        FUZZ_CHECK(out.to_send.empty() || out.to_send.size() == REPLY_SIZE);
        o.sent.resize(o.sent.size() + out.to_send.size());
        if (out.error) {
            o.error = out.error;
            FUZZ_CHECK(c.closed());
            FUZZ_CHECK(c.feed(Bytes{0}).error.has_value());
            break;
        }
    }
    FUZZ_CHECK(!c.established());
    return o;
}

Outcome run_decoder(ByteView stream, std::uint32_t seed, bool chunked) {
    FrameDecoder d(frame_key());
    Outcome o;
    std::size_t i = 0;
    while (i < stream.size()) {
        const std::size_t n = chunked ? next_chunk(seed, stream.size() - i) : stream.size();
        auto out = d.feed(stream.subspan(i, n));
        i += n;
        FUZZ_CHECK(d.buffered() <= FRAME_HEADER_SIZE + MAX_FRAME_PAYLOAD + FRAME_TAG_SIZE);
        for (auto& m : out.messages) {
            FUZZ_CHECK(m.size() <= MAX_FRAME_PAYLOAD);
            if (auto link = decode_link(m)) FUZZ_CHECK(encode_link(*link) == m);
            o.messages.push_back(std::move(m));
        }
        if (out.error) {
            o.error = *out.error;
            FUZZ_CHECK(d.closed());
            auto again = d.feed(Bytes{0});
            FUZZ_CHECK(again.error == FrameError::closed && again.messages.empty());
            break;
        }
    }
    return o;
}

void check_responder(ByteView stream, std::uint32_t seed) {
    const Outcome whole = run_responder(stream, seed, false);
    const Outcome chunked = run_responder(stream, seed, true);
    FUZZ_CHECK(whole.error == chunked.error);
    FUZZ_CHECK(whole.sent.size() == chunked.sent.size());
}

Outcome check_decoder(ByteView stream, std::uint32_t seed) {
    const Outcome whole = run_decoder(stream, seed, false);
    const Outcome chunked = run_decoder(stream, seed, true);
    FUZZ_CHECK(whole == chunked);
    return whole;
}

void masked_hello(ByteView rest, std::uint32_t seed) {
    const Fixed& f = fixed();
    auto init = Handshake::initiator(identity(f.initiator, f.initiator_delegation),
                                     f.responder.signing_id());
    Bytes stream = init.hello();
    for (std::size_t i = 0; i < stream.size() && i < rest.size(); ++i)
        stream[i] ^= rest[i];
    if (rest.size() > stream.size()) append(stream, rest.subspan(stream.size()));
    check_responder(stream, seed);
    // An unmasked hello is answered.
    bool masked = false;
    for (std::size_t i = 0; i < HELLO_SIZE && i < rest.size(); ++i)
        masked = masked || rest[i] != 0;
    if (!masked) {
        auto r = run_responder(ByteView(stream).first(HELLO_SIZE), seed, false);
        FUZZ_CHECK(!r.error && r.sent.size() == REPLY_SIZE);
    }
}

void recipe(ByteView rest, std::uint32_t seed) {
    FrameSealer s(frame_key());
    std::vector<Bytes> plain;
    Bytes stream;
    std::size_t i = 0;
    while (i < rest.size()) {
        const std::size_t len = rest[i];
        if (i + 1 + len > rest.size()) break;
        plain.emplace_back(rest.begin() + static_cast<std::ptrdiff_t>(i + 1),
                           rest.begin() + static_cast<std::ptrdiff_t>(i + 1 + len));
        auto sealed = s.seal(plain.back());
        FUZZ_CHECK(!sealed.error);
        append(stream, sealed.frame);
        i += 1 + len;
    }
    const bool flip = i < rest.size() && !stream.empty();
    std::size_t flipped = 0;
    if (flip) {
        flipped = (static_cast<std::size_t>(rest[i]) * 131 + seed) % (stream.size() * 8);
        stream[flipped / 8] ^= static_cast<std::uint8_t>(1u << (flipped % 8));
    }
    const Outcome o = check_decoder(stream, seed);
    FUZZ_CHECK(o.messages.size() <= plain.size());
    for (std::size_t k = 0; k < o.messages.size(); ++k)
        FUZZ_CHECK(o.messages[k] == plain[k]);
    if (!flip) {
        FUZZ_CHECK(!o.error);
        FUZZ_CHECK(o.messages.size() == plain.size());
    } else {
        FUZZ_CHECK(o.messages.size() < plain.size());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    if (in.size() < 2) return 0;
    const std::uint32_t seed = in[1];
    const ByteView rest = in.subspan(2);
    switch (in[0] & 3) {
        case 0:
            check_responder(rest, seed);
            break;
        case 1:
            masked_hello(rest, seed);
            break;
        case 2:
            check_decoder(rest, seed);
            break;
        case 3:
            recipe(rest, seed);
            break;
    }
    return 0;
}
