// Fuzz target: a share's message_data, the v1 authority envelope (outer layer).
//
// The input is tried as an envelope against the real mainnet authorities and against the
// test set {A}: decrypt_envelope, unpack_share_messages and the V36 rule must agree with each
// other. Then the input is taken as an *inner* envelope, encrypted under A with a fixed nonce;
// decrypting that must return exactly the input (round trip), and the result runs through
// the inner parser and the V36 rule as well.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/envelope.hpp"

using namespace sharemsg;

namespace {

// The three views of one message_data must agree.
void check_views(ByteView env, const proto::AuthoritySet& set) {
    auto dec = proto::decrypt_envelope(env, set);
    if (dec) {
        FUZZ_CHECK(dec->authority != nullptr);
        FUZZ_CHECK(dec->authority >= set.data() && dec->authority < set.data() + set.size());
        FUZZ_CHECK(dec->inner.size() + proto::ENCRYPTION_HEADER_SIZE == env.size());
    }

    auto un = proto::unpack_share_messages(env, set);
    FUZZ_CHECK(un.messages.size() <= proto::MAX_MESSAGES_PER_SHARE);
    if (env.size() >= proto::ENCRYPTION_HEADER_SIZE + 4) {
        FUZZ_CHECK(un.info.has_value() == dec.ok());
        if (un.info) FUZZ_CHECK(un.info->authority == dec->authority);
    } else {
        FUZZ_CHECK(!un.info);
    }
    if (!un.info) FUZZ_CHECK(un.messages.empty());
    for (const auto& m : un.messages) {
        FUZZ_CHECK(!m.is_protocol_authority());
        FUZZ_CHECK(!m.verified);
    }

    auto v = proto::check_v36_message_data(env, set);
    if (env.empty()) {
        FUZZ_CHECK(v.rule == proto::V36Rule::ok_empty);
    } else if (!un.info) {
        FUZZ_CHECK(v.rule == proto::V36Rule::not_decrypted);
    } else if (un.messages.empty()) {
        FUZZ_CHECK(v.rule == proto::V36Rule::no_messages);
    } else {
        FUZZ_CHECK(v.rule != proto::V36Rule::ok_empty && v.rule != proto::V36Rule::not_decrypted &&
                   v.rule != proto::V36Rule::no_messages);
        FUZZ_CHECK(v.authority == un.info->authority);
    }
    if (v.rule == proto::V36Rule::ok) {
        FUZZ_CHECK(v.messages.size() == un.messages.size());
        for (std::size_t i = 0; i < v.messages.size(); ++i) {
            FUZZ_CHECK(v.messages[i].verified);
            FUZZ_CHECK(v.messages[i].is_protocol_authority());
            FUZZ_CHECK(v.messages[i].hash() == un.messages[i].hash());
        }
    } else {
        FUZZ_CHECK(v.messages.empty());
    }
    FUZZ_CHECK(v.valid() == (v.rule == proto::V36Rule::ok || v.rule == proto::V36Rule::ok_empty));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    static const proto::AuthoritySet test_set = fuzz::test_authorities();
    const proto::AuthoritySet& mainnet = proto::mainnet_authorities();

    // As received: an envelope from a share.
    check_views(in, mainnet);
    check_views(in, test_set);

    // As an inner envelope: encrypt under A, then decrypt must give the input back.
    auto env = proto::encrypt_envelope(in, test_set.front().pubkey, fuzz::fixed_nonce(), test_set);
    FUZZ_CHECK(env.ok());
    if (in.empty()) {
        FUZZ_CHECK(env->empty());
        return 0;
    }
    FUZZ_CHECK(env->size() == proto::ENCRYPTION_HEADER_SIZE + in.size());
    auto dec = proto::decrypt_envelope(*env, test_set);
    FUZZ_CHECK(dec.ok());
    FUZZ_CHECK(dec->authority == &test_set.front());
    FUZZ_CHECK(dec->inner.size() == in.size());
    FUZZ_CHECK(std::equal(dec->inner.begin(), dec->inner.end(), in.begin()));
    // A's envelope is not a mainnet envelope.
    FUZZ_CHECK(!proto::decrypt_envelope(*env, mainnet).ok());
    // Encrypting for a key outside the set is refused.
    FUZZ_CHECK(
        !proto::encrypt_envelope(in, test_set.front().pubkey, fuzz::fixed_nonce(), mainnet).ok());
    check_views(*env, test_set);
    return 0;
}
