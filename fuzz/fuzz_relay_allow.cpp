// Fuzz target: the relay's allow-list change body decoder (relay/codec.hpp).
//
// Properties: a change accepted re-encodes to JSON that decodes to the same value and is a
// fixed point; its canonical bytes are 38 bytes; verifying it under a fixed admin key does not
// crash. A refusal has a 4xx status and a non-empty detail.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "relay/codec.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto c = decode_allow_change(text);
    if (!c) {
        FUZZ_CHECK(problem_status(c.failure().problem) >= 400 &&
                   problem_status(c.failure().problem) < 500);
        FUZZ_CHECK(!c.failure().detail.empty());
        return 0;
    }
    FUZZ_CHECK(c->version == FORMAT_VERSION);
    FUZZ_CHECK(canonical_bytes(*c).size() == 1 + 8 + 20 + 1 + 8);
    const std::string once = encode_allow_change(*c);
    auto back = decode_allow_change(once);
    FUZZ_CHECK(back.ok() && *back == *c);
    FUZZ_CHECK(encode_allow_change(*back) == once);
    static const auto admin = *crypto::parse_pubkey(
        *from_hex("025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee"));
    (void)signature_ok(*c, admin);
    return 0;
}
