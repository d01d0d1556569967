// Fuzz target: the persisted ban list (banned_senders.json), BanList::from_file_text.
//
// Properties, with our defaults and with every reference quirk switched on:
//   - from_file_text either fails or gives a list whose to_file_text() loads again to the
//     same to_json() and writes the same text again (the file format is a fixed point);
//   - to_json() dumps (what the API would serve);
//   - is_banned on a few fixed messages does not crash, and never hides an authority message.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "proto/banlist.hpp"

using namespace sharemsg;

namespace {

std::vector<proto::ShareMessage> sample_messages() {
    std::vector<proto::ShareMessage> out;
    auto chat = proto::ShareMessage::make(proto::MSG_MINER_MESSAGE,
                                          as_bytes("Hello World, free AIRDROP"), 0x07, 1699999500);
    chat.signing_id = from_hex_fixed<20>("6b000460548e25968e1e7e6ac54c18003bee5242").value();
    chat.sender_address = "LaAddr1";
    out.push_back(chat);

    const std::uint8_t bad_utf8[] = {'s', 'c', 0xff, 'a', 'm', 0xc3, 0x89};
    auto raw = proto::ShareMessage::make(proto::MSG_POOL_ANNOUNCE, bad_utf8, 0x06, 1699999501);
    raw.sender_address = "";
    out.push_back(raw);

    auto status = proto::ShareMessage::make(proto::MSG_NODE_STATUS, as_bytes("{\"v\":\"13.4\"}"),
                                            0x02, 1699999502);
    out.push_back(status);

    auto authority = proto::ShareMessage::make(proto::MSG_TRANSITION_SIGNAL,
                                               as_bytes("{\"msg\":\"scam\"}"), 0x0f, 1699999503);
    authority.sender_address = "LaAddr1";
    out.push_back(authority);  // flags carry FLAG_PROTOCOL_AUTHORITY: never banned
    return out;
}

void check(std::string_view text, proto::ReferenceQuirks quirks,
           const std::vector<proto::ShareMessage>& msgs) {
    std::string warnings;
    auto b1 = proto::BanList::from_file_text(text, quirks, &warnings);
    if (!b1) {
        FUZZ_CHECK(b1.error().code == Errc::bad_encoding);
        return;
    }
    const std::string t1 = b1->to_file_text();
    std::string rewarnings;
    auto b2 = proto::BanList::from_file_text(t1, quirks, &rewarnings);
    FUZZ_CHECK(b2.ok());
    FUZZ_CHECK(rewarnings.empty());  // what we write loads without complaint
    FUZZ_CHECK(b2->to_json() == b1->to_json());
    FUZZ_CHECK(b2->to_file_text() == t1);
    for (unsigned char c : t1)
        FUZZ_CHECK(c < 0x80);  // ASCII escapes only

    try {
        (void)b1->to_json().dump();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "to_json().dump() threw: %s\n", e.what());
        FUZZ_CHECK(false);
    }
    for (const auto& m : msgs) {
        const bool banned = b1->is_banned(m);
        FUZZ_CHECK(banned == b2->is_banned(m));
        if (m.is_protocol_authority()) FUZZ_CHECK(!banned);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<proto::ShareMessage> msgs = sample_messages();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check(text, proto::ReferenceQuirks{}, msgs);
    proto::ReferenceQuirks all;
    all.keywords_loaded_verbatim = true;
    all.keywords_skip_invalid_utf8 = true;
    all.cap_evicts_transition_signals = true;
    all.process_share_aborts = true;
    check(text, all, msgs);
    return 0;
}
