// Fuzz target: the relay's registration body decoder (relay/codec.hpp), and the lookup answer
// decoder over the same bytes.
//
// Properties: a registration accepted re-encodes to JSON that decodes to the same value, and
// that encoding is a fixed point; it has 1..6 distinct endpoints with ports 1..65535, version
// 1, a valid signing pubkey and master pubkey; its canonical bytes have the length the layout
// gives; checking its signature and delegation does not crash. A refusal has a 4xx status and
// a non-empty detail. The same holds for a lookup answer (an Entry).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "relay/codec.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;

namespace {

void check_registration(const Registration& r) {
    FUZZ_CHECK(r.version == FORMAT_VERSION);
    FUZZ_CHECK(!r.endpoints.empty() && r.endpoints.size() <= MAX_ENDPOINTS);
    std::size_t addr = 0;
    for (std::size_t i = 0; i < r.endpoints.size(); ++i) {
        FUZZ_CHECK(r.endpoints[i].port != 0);
        addr += 1 + (r.endpoints[i].v6 ? 16 : 4) + 2;
        for (std::size_t j = 0; j < i; ++j)
            FUZZ_CHECK(!(r.endpoints[i] == r.endpoints[j]));
        auto again = parse_endpoint(r.endpoints[i].to_string());
        FUZZ_CHECK(again.ok() && *again == r.endpoints[i]);
    }
    FUZZ_CHECK(crypto::parse_pubkey(r.signing_pubkey).ok());
    FUZZ_CHECK(crypto::parse_pubkey(r.delegation.master_pubkey).ok());
    FUZZ_CHECK(canonical_bytes(r).size() == 1 + 8 + 33 + 4 + 97 + 1 + addr + 1 + 8);
    (void)signature_ok(r);
    (void)delegation_ok(r);
}

void check_failure(const Failure& f) {
    FUZZ_CHECK(problem_status(f.problem) >= 400 && problem_status(f.problem) < 500);
    FUZZ_CHECK(!f.detail.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = decode_registration(text);
    if (r) {
        check_registration(*r);
        const std::string once = encode_registration(*r);
        auto back = decode_registration(once);
        FUZZ_CHECK(back.ok() && *back == *r);
        FUZZ_CHECK(encode_registration(*back) == once);
    } else {
        check_failure(r.failure());
    }
    auto e = decode_entry(text);
    if (e) {
        check_registration(e->registration);
        auto back = decode_entry(encode_entry(*e));
        FUZZ_CHECK(back.ok() && *back == *e);
    } else {
        check_failure(e.failure());
    }
    return 0;
}
