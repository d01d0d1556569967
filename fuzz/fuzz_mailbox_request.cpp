// Fuzz target: the mailbox's request decoder (mailbox/codec.hpp: a header and a base64 payload),
// the stored message decoder over the same bytes, and the strict base64 decoder
// (util/base64.hpp) over them too.
//
// Properties: a request accepted re-encodes to JSON that decodes to the same value, and that
// encoding is a fixed point; its payload is at most MAX_PAYLOAD bytes; check_request agrees
// with payload_ok and signature_ok, in its order (too_large, bad_payload_hash,
// bad_signature); the request signed again by a fixed key passes check_request, and fails it
// with bad_payload_hash once a payload byte changes. The same round trip for a stored message,
// whose message obeys the same. Every refusal has a 4xx status and a non-empty detail.
// base64: the decoder accepts exactly what an independent reading of canonical base64 accepts,
// with the same bytes, and what it accepts encodes back to itself.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "fuzz_common.hpp"
#include "mailbox/codec.hpp"
#include "util/base64.hpp"

using namespace sharemsg;
using namespace sharemsg::mailbox;

namespace {

const crypto::PrivKey& fixed_key() {
    static const crypto::PrivKey key = [] {
        auto k = crypto::PrivKey::from_bytes(Bytes(32, 0x43));
        FUZZ_CHECK(k.ok());
        return *k;
    }();
    return key;
}

// A second, independent reading of canonical base64, character by character: groups of 4,
// at most two '=' and only at the end, and the bits under the padding zero.
std::optional<Bytes> reference_base64(std::string_view t) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (t.size() % 4 != 0) return std::nullopt;
    Bytes out;
    for (std::size_t g = 0; g < t.size(); g += 4) {
        const bool last = g + 4 == t.size();
        std::uint32_t v = 0;
        std::size_t pads = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            const char c = t[g + i];
            if (c == '=') {
                if (!last || i < 2) return std::nullopt;
                ++pads;
                v <<= 6;
                continue;
            }
            if (pads) return std::nullopt;  // a character after a pad
            const auto at = kAlphabet.find(c);
            if (at == std::string_view::npos) return std::nullopt;
            v = (v << 6) | static_cast<std::uint32_t>(at);
        }
        if (pads == 2 && (v & 0xffff) != 0) return std::nullopt;
        if (pads == 1 && (v & 0xff) != 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(v >> 16));
        if (pads < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
        if (pads < 1) out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

void check_failure(const Failure& f) {
    FUZZ_CHECK(relay::problem_status(f.problem) >= 400 && relay::problem_status(f.problem) < 500);
    FUZZ_CHECK(!f.detail.empty());
}

void check_request_value(const Request& r) {
    FUZZ_CHECK(r.payload.size() <= MAX_PAYLOAD);
    FUZZ_CHECK(r.header.version == FORMAT_VERSION);
    FUZZ_CHECK(crypto::parse_pubkey(r.header.sender_pubkey).ok());
    FUZZ_CHECK(crypto::parse_pubkey(r.header.receiver_pubkey).ok());
    const auto c = check_request(r);
    if (!payload_ok(r))
        FUZZ_CHECK(c && c->problem == Problem::bad_payload_hash);
    else if (!signature_ok(r.header))
        FUZZ_CHECK(c && c->problem == Problem::bad_signature);
    else
        FUZZ_CHECK(!c);
    if (c) check_failure(*c);

    Request mine = r;
    mine.header.sender_pubkey = fixed_key().pubkey();
    sign(mine.header, mine.payload, fixed_key());
    FUZZ_CHECK(!check_request(mine));
    auto back = decode_request(encode_request(mine));
    FUZZ_CHECK(back.ok() && *back == mine);
    if (!mine.payload.empty()) {
        mine.payload[mine.payload.size() / 2] ^= 0x01;
        const auto changed = check_request(mine);
        FUZZ_CHECK(changed && changed->problem == Problem::bad_payload_hash);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    auto r = decode_request(text);
    if (r) {
        check_request_value(*r);
        const std::string once = encode_request(*r);
        FUZZ_CHECK(once.size() <= MAX_BODY);
        auto back = decode_request(once);
        FUZZ_CHECK(back.ok() && *back == *r);
        FUZZ_CHECK(encode_request(*back) == once);
    } else {
        check_failure(r.failure());
    }

    auto s = decode_stored(text);
    if (s) {
        check_request_value(s->message);
        const std::string once = encode_stored(*s);
        auto back = decode_stored(once);
        FUZZ_CHECK(back.ok() && *back == *s);
        FUZZ_CHECK(encode_stored(*back) == once);
    } else {
        check_failure(s.failure());
    }

    // base64: the same verdict and bytes as the reference reading below.
    const auto b = util::base64_decode(text);
    const auto expected = reference_base64(text);
    FUZZ_CHECK(b.has_value() == expected.has_value());
    if (b) {
        FUZZ_CHECK(*b == *expected);
        FUZZ_CHECK(util::base64_encode(*b) == text);
    }
    return 0;
}
