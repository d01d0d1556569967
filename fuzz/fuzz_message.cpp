// Fuzz target: one share message (proto::unpack_message) from outside bytes.
//
// Properties:
//   - unpack at offset 0 either fails or consumes a prefix of the input;
//   - the authority flag never survives unpack in `flags` (it stays in wire_flags);
//   - pack(unpacked with flags := wire_flags) reproduces the consumed bytes exactly when the
//     signature fits pack's 73-byte limit, and fails with oversize otherwise;
//   - the re-packed message unpacks to the same hash, signature and signing id;
//   - unpacking at offset k equals unpacking the input's tail from k;
//   - message_to_json does not throw, and its text dumps (what the API would serve).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>

#include "fuzz_common.hpp"
#include "proto/message.hpp"

using namespace sharemsg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);

    auto r = proto::unpack_message(in, 0);
    if (r) {
        const proto::ShareMessage& m = r->message;
        FUZZ_CHECK(r->next_offset <= in.size());
        FUZZ_CHECK(r->next_offset == m.packed_size());
        FUZZ_CHECK(m.payload.size() <= proto::MAX_MESSAGE_PAYLOAD);
        FUZZ_CHECK(!(m.flags & proto::FLAG_PROTOCOL_AUTHORITY));
        FUZZ_CHECK(m.flags == (m.wire_flags & ~proto::FLAG_PROTOCOL_AUTHORITY));
        FUZZ_CHECK(!m.verified);

        proto::ShareMessage wire = m;
        wire.flags = wire.wire_flags;
        auto packed = proto::pack_message(wire);
        if (m.signature.size() <= proto::MAX_PACKED_SIGNATURE) {
            FUZZ_CHECK(packed.ok());
            const ByteView consumed = in.first(r->next_offset);
            FUZZ_CHECK(packed->size() == consumed.size());
            FUZZ_CHECK(std::equal(packed->begin(), packed->end(), consumed.begin()));

            auto again = proto::unpack_message(*packed, 0);
            FUZZ_CHECK(again.ok());
            FUZZ_CHECK(again->next_offset == packed->size());
            FUZZ_CHECK(again->message.hash() == m.hash());
            FUZZ_CHECK(again->message.signature == m.signature);
            FUZZ_CHECK(again->message.signing_id == m.signing_id);
            FUZZ_CHECK(again->message.wire_flags == m.wire_flags);
        } else {
            FUZZ_CHECK(!packed.ok());
            FUZZ_CHECK(packed.error().code == Errc::oversize);
        }

        try {
            const auto j = proto::message_to_json(m, fuzz::FIXED_NOW);
            (void)j.dump();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "message_to_json threw: %s\n", e.what());
            FUZZ_CHECK(false);
        }
    }

    // Offsets: unpacking at k sees the same message as unpacking the tail at 0.
    if (size > 0) {
        const std::size_t k = data[0] % (size + 2);  // includes offsets past the end
        auto at = proto::unpack_message(in, k);
        if (k > size) {
            FUZZ_CHECK(!at.ok());
        } else {
            auto tail = proto::unpack_message(in.subspan(k), 0);
            FUZZ_CHECK(at.ok() == tail.ok());
            if (at.ok()) {
                FUZZ_CHECK(at->next_offset == k + tail->next_offset);
                FUZZ_CHECK(at->message.hash() == tail->message.hash());
            } else {
                FUZZ_CHECK(at.error().code == tail.error().code);
            }
        }
    }
    return 0;
}
