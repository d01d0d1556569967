// Fuzz target: the P2P message decoders (p2p::decode_message), one per command.
//
// Input: byte 0 selects a command from p2p::MESSAGE_COMMANDS; the rest is its payload.
// Properties:
//   - decoding never crashes, reads out of bounds or allocates beyond the input's size;
//   - a decoded message encodes back to exactly the input payload, and that decodes to
//     the same message (one description per message: the directions cannot drift);
//   - an error names the message (its reason starts with the command) and has one of the
//     codes a decoder may give;
//   - the transaction scanner on the same bytes never crashes, and agrees with itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "p2p/messages.hpp"
#include "p2p/tx_scan.hpp"

using namespace sharemsg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view command = p2p::MESSAGE_COMMANDS[data[0] % p2p::MESSAGE_COMMANDS.size()];
    const ByteView payload = fuzz::input(data, size).subspan(1);

    auto m = p2p::decode_message(command, payload);
    if (m) {
        FUZZ_CHECK(p2p::command_of(*m) == command);
        auto b = p2p::encode_payload(*m);
        FUZZ_CHECK(b.ok());
        FUZZ_CHECK(b->size() == payload.size());
        FUZZ_CHECK(std::equal(b->begin(), b->end(), payload.begin()));
        auto again = p2p::decode_message(command, *b);
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(*again == *m);
    } else {
        const Errc c = m.error().code;
        FUZZ_CHECK(c == Errc::truncated || c == Errc::oversize || c == Errc::bad_encoding ||
                   c == Errc::trailing_bytes);
        FUZZ_CHECK(m.error().reason.compare(0, command.size(), command) == 0);
    }

    // The scanner alone: a transaction it finds is a prefix of the input that it accepts again
    // exactly.
    ByteReader r(payload);
    auto tx = p2p::read_raw_tx(r, "tx");
    if (tx) {
        FUZZ_CHECK(tx->size() == r.pos());
        FUZZ_CHECK(tx->size() <= payload.size());
        FUZZ_CHECK(p2p::check_raw_tx(*tx, "tx").ok());
        FUZZ_CHECK(p2p::check_raw_tx(payload, "tx").ok() == (tx->size() == payload.size()));
    } else {
        FUZZ_CHECK(!p2p::check_raw_tx(payload, "tx").ok());
    }
    return 0;
}
