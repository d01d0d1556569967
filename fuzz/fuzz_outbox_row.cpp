// Fuzz target: the outbox row decoder (node/outbox_codec.hpp), which reads blobs back from
// the database file (a damaged file is outside bytes).
//
// Properties: decoding never crashes; a decoded row has a payload of 1..1600 bytes, flags
// equal to its wire flags, no signature unless it is an authority (co-signed) message, which has
// its 32-byte key and 64-byte signature, and recipient == to; re-encoding a row decoded from
// the version-2 format gives back exactly the input bytes, and decoding that again gives the
// same message hash.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "node/outbox_codec.hpp"
#include "proto/open_envelope.hpp"

using namespace sharemsg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in(data, size);
    auto item = node::decode_outbox_item(in);
    if (!item) {
        FUZZ_CHECK(!item.error().reason.empty());
        return 0;
    }
    const auto& m = item->message;
    FUZZ_CHECK(m.payload.size() <= proto::open::MAX_REASSEMBLED_PAYLOAD);
    if (m.authority_key)
        FUZZ_CHECK(m.signature.size() == 64 && (m.wire_flags & proto::FLAG_PROTOCOL_AUTHORITY));
    else
        FUZZ_CHECK(m.signature.empty());
    FUZZ_CHECK(m.flags == m.wire_flags);
    const bool v2 =
        size >= 4 && data[0] == 0x00 && data[1] == 0x4f && data[2] == 0x42 && data[3] == 0x02;
    if (v2) {
        FUZZ_CHECK(!m.payload.empty());
        FUZZ_CHECK(m.recipient == item->to);
        auto again = node::encode_outbox_item(m, item->to);
        FUZZ_CHECK(static_cast<bool>(again));
        FUZZ_CHECK(Bytes(in.begin(), in.end()) == *again);
        auto back = node::decode_outbox_item(*again);
        FUZZ_CHECK(back && back->message.hash() == m.hash());
    }
    return 0;
}
