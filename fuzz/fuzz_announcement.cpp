// Fuzz target: the 57-byte signing-key announcement (proto::unpack_announcement).
//
// Properties:
//   - fewer than 57 bytes never unpack;
//   - an unpacked announcement's signing id is HASH160 of its pubkey, and pack() gives back
//     exactly the first 57 input bytes;
//   - unpacking at offset k equals unpacking the input's tail from k.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "crypto/hash.hpp"
#include "fuzz_common.hpp"
#include "proto/constants.hpp"
#include "proto/signing_key.hpp"

using namespace sharemsg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    constexpr std::size_t N = proto::SIGNING_KEY_ANNOUNCEMENT_SIZE;

    auto a = proto::unpack_announcement(in, 0);
    if (size < N) FUZZ_CHECK(!a.ok());
    if (a) {
        FUZZ_CHECK(a->signing_id == crypto::hash160(a->pubkey));
        const Bytes packed = a->pack();
        FUZZ_CHECK(packed.size() == N);
        FUZZ_CHECK(std::equal(packed.begin(), packed.end(), in.begin()));
        auto again = proto::unpack_announcement(packed, 0);
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(*again == *a);
    }

    if (size > 0) {
        const std::size_t k = data[0] % (size + 2);
        auto at = proto::unpack_announcement(in, k);
        if (k > size) {
            FUZZ_CHECK(!at.ok());
        } else {
            auto tail = proto::unpack_announcement(in.subspan(k), 0);
            FUZZ_CHECK(at.ok() == tail.ok());
            if (at.ok()) FUZZ_CHECK(*at == *tail);
        }
    }
    return 0;
}
