// Fuzz target: the inner (plaintext) envelope — header, announcement and messages.
//
// The input is the plaintext; it is encrypted under test authority A (fixed nonce) so that
// unpack_share_messages parses exactly these bytes. When that yields messages, they are
// packed again with pack_inner (flags restored to the wire flags, the parsed announcement
// re-packed) and the result must parse to the same messages and announcement. pack_inner
// may refuse only for a limit (a signature over 73 bytes, or more than 512 bytes in all).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fuzz_common.hpp"
#include "proto/envelope.hpp"

using namespace sharemsg;

namespace {

proto::UnpackedShareMessages parse_inner(ByteView inner, const proto::AuthoritySet& set) {
    auto env = proto::encrypt_envelope(inner, set.front().pubkey, fuzz::fixed_nonce(), set);
    FUZZ_CHECK(env.ok());
    return proto::unpack_share_messages(*env, set);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    static const proto::AuthoritySet test_set = fuzz::test_authorities();

    auto un = parse_inner(in, test_set);
    if (size >= 4) {
        FUZZ_CHECK(un.info.has_value());
        FUZZ_CHECK(un.info->authority == &test_set.front());
    }
    FUZZ_CHECK(un.messages.size() <= proto::MAX_MESSAGES_PER_SHARE);
    if (size >= 4 && data[0] != proto::INNER_ENVELOPE_VERSION) FUZZ_CHECK(un.messages.empty());
    if (un.messages.empty()) return 0;

    std::vector<proto::ShareMessage> wire = un.messages;
    bool over_limit = false;
    for (auto& m : wire) {
        m.flags = m.wire_flags;
        over_limit |= m.signature.size() > proto::MAX_PACKED_SIGNATURE;
    }
    std::optional<Bytes> ann;
    if (un.info->announcement) ann = un.info->announcement->pack();

    auto repacked = proto::pack_inner(wire, ann);
    if (!repacked) {
        FUZZ_CHECK(repacked.error().code == Errc::oversize);
        std::size_t total = 4 + (ann ? ann->size() : 0);
        for (const auto& m : wire)
            total += m.packed_size();
        FUZZ_CHECK(over_limit || total > proto::MAX_TOTAL_MESSAGE_BYTES);
        return 0;
    }
    FUZZ_CHECK(!over_limit);
    FUZZ_CHECK(repacked->size() <= proto::MAX_TOTAL_MESSAGE_BYTES);

    auto again = parse_inner(*repacked, test_set);
    FUZZ_CHECK(again.info.has_value());
    FUZZ_CHECK(again.info->announcement == un.info->announcement);
    FUZZ_CHECK(again.messages.size() == un.messages.size());
    for (std::size_t i = 0; i < un.messages.size(); ++i) {
        const auto& a = un.messages[i];
        const auto& b = again.messages[i];
        FUZZ_CHECK(a.hash() == b.hash());
        FUZZ_CHECK(a.wire_flags == b.wire_flags);
        FUZZ_CHECK(a.flags == b.flags);
        FUZZ_CHECK(a.signing_id == b.signing_id);
        FUZZ_CHECK(a.signature == b.signature);
    }
    // Our own packing has nothing to tolerate.
    FUZZ_CHECK(again.notes.empty());

    // The V36 rule on the original must not depend on how the same messages were framed.
    auto env1 = proto::encrypt_envelope(in, test_set.front().pubkey, fuzz::fixed_nonce(), test_set);
    auto env2 =
        proto::encrypt_envelope(*repacked, test_set.front().pubkey, fuzz::fixed_nonce(), test_set);
    FUZZ_CHECK(env1.ok() && env2.ok());
    FUZZ_CHECK(proto::check_v36_message_data(*env1, test_set).rule ==
               proto::check_v36_message_data(*env2, test_set).rule);
    return 0;
}
