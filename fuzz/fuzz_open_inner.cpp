// Fuzz target: the open profile's inner plaintext (announcement, sacrifice tag, messages) and
// the ledger that judges it.
//
// Properties: decode_inner() accepts only what encode_inner() reproduces byte for byte; the
// announcement keys of a decoded envelope are valid points; every message respects the flag
// rules (recipient iff private, fragment header iff fragment, signature iff signed); the
// ledger (which knows the seeds' signer) accepts only verified messages and counts every
// ignored item; a second application of the same envelope accepts nothing already accepted.
#include <cstddef>
#include <cstdint>

#include "fuzz_open_common.hpp"

using namespace sharemsg;
namespace po = sharemsg::proto::open;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    auto env = po::decode_inner(in);
    if (!env) {
        FUZZ_CHECK(!env.error().reason.empty());
        return 0;
    }
    auto again = po::encode_inner(*env);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->size() == size && std::equal(again->begin(), again->end(), in.begin()));
    if (env->announcement) {
        FUZZ_CHECK(crypto::parse_pubkey(env->announcement->signing_pubkey).ok());
        FUZZ_CHECK(crypto::parse_pubkey(env->announcement->master_pubkey).ok());
    }
    std::size_t encoded = 2 + (env->announcement ? po::ANNOUNCEMENT_SIZE : 0) +
                          (env->sacrifice_tag ? proto::SIGNING_ID_SIZE : 0);
    for (const auto& m : env->messages) {
        FUZZ_CHECK(m.is_private() == m.recipient.has_value());
        FUZZ_CHECK(m.is_fragment() == m.fragment.has_value());
        FUZZ_CHECK(m.payload.size() <= proto::MAX_MESSAGE_PAYLOAD);
        const bool last = !m.fragment || m.fragment->index + 1 == m.fragment->total;
        FUZZ_CHECK(((m.flags & proto::FLAG_HAS_SIGNATURE) != 0) == last);
        FUZZ_CHECK(last ? m.signature.size() >= po::MIN_SIGNATURE : m.signature.empty());
        FUZZ_CHECK(m.signature.size() <= po::MAX_SIGNATURE);
        encoded += m.encoded_size();
        (void)po::mwu(m);
    }
    FUZZ_CHECK(encoded == size);
    fuzz::check_ledger(*env);
    return 0;
}
