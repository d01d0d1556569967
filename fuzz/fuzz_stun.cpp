// Fuzz target: the STUN message decoder (net/stun.hpp).
//
// Properties: a decoded message re-encodes (with MESSAGE-INTEGRITY and FINGERPRINT when it had
// them) to bytes that decode to the same message, and that encoding is a fixed point; it is a
// multiple of 4 bytes and its header length is the rest of it; every address has port and
// family as decoded; the integrity check does not crash and accepts the re-encoding under the
// key it was made with; an error has a name.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_common.hpp"
#include "net/stun.hpp"

using namespace sharemsg;
using namespace sharemsg::net::stun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    auto d = decode(in);
    if (!d) {
        FUZZ_CHECK(std::strcmp(error_name(d.error()), "unknown") != 0);
        return 0;
    }
    (void)integrity_ok(in, ByteView{});
    const Message m = *d;
    for (const auto& a : m.other)
        FUZZ_CHECK(a.value.size() <= 0xFFFF);
    if (m.software) FUZZ_CHECK(m.software->size() <= MAX_TEXT);
    if (m.error_code) FUZZ_CHECK(m.error_code->code >= 300 && m.error_code->code <= 699);

    EncodeOptions o;
    const Bytes key{'k', 'e', 'y'};
    if (m.has_integrity) o.integrity_key = key;
    o.fingerprint = m.has_fingerprint;
    const Bytes once = encode(m, o);
    FUZZ_CHECK(once.size() % 4 == 0 && once.size() >= HEADER_SIZE);
    FUZZ_CHECK(((std::size_t{once[2]} << 8) | once[3]) == once.size() - HEADER_SIZE);
    auto back = decode(once);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(*back == m);
    FUZZ_CHECK(encode(*back, o) == once);
    FUZZ_CHECK(integrity_ok(once, key) == m.has_integrity);
    return 0;
}
