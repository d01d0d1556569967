// Fuzz target: the C ABI (include/sharemsg/sharemsg.h) on outside bytes, through
// libsharemsg.so.
//
// The input is a share's message_data under the test authorities: encrypted under A as an
// inner envelope, it goes through sharemsg_verify_message_data twice (the second answer comes
// from the verify-once cache and must be the same verdict), sharemsg_unpack_message_data and
// the store. Taken raw, it is a share's contents (sharemsg_share_parse), a message for the
// outbox, and an envelope to decrypt. No call may fail with anything but a status; every
// handle and buffer is released.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_common.hpp"
#include "sharemsg/sharemsg.h"

namespace {

sharemsg_context* test_context() {
    static sharemsg_context* ctx = [] {
        sharemsg_context* c = nullptr;
        FUZZ_CHECK(sharemsg_context_create(SHAREMSG_AUTHORITIES_TEST, &c, nullptr) == SHAREMSG_OK);
        return c;
    }();
    return ctx;
}

// Test authority A's public key.
const std::uint8_t A_PUB[33] = {0x02, 0x5e, 0x21, 0x77, 0xad, 0xea, 0x8e, 0xef, 0x2a, 0x9d, 0x0a,
                                0x15, 0x58, 0x55, 0x7b, 0xd8, 0x9d, 0xeb, 0xba, 0xc7, 0x96, 0x26,
                                0xac, 0xc5, 0x66, 0x9a, 0x05, 0x48, 0x52, 0x42, 0x0c, 0xb9, 0xee};

void verdict_twice(sharemsg_context* ctx, const std::uint8_t* data, std::size_t size) {
    sharemsg_verdict* a = nullptr;
    sharemsg_verdict* b = nullptr;
    FUZZ_CHECK(sharemsg_verify_message_data(ctx, data, size, &a, nullptr) == SHAREMSG_OK);
    FUZZ_CHECK(sharemsg_verify_message_data(ctx, data, size, &b, nullptr) == SHAREMSG_OK);
    FUZZ_CHECK(sharemsg_verdict_rule(a) == sharemsg_verdict_rule(b));
    FUZZ_CHECK(sharemsg_verdict_message_count(a) == sharemsg_verdict_message_count(b));
    if (size > 0) FUZZ_CHECK(sharemsg_verdict_cached(b) == 1);
    for (std::size_t i = 0; i < sharemsg_verdict_message_count(a); ++i) {
        std::uint8_t* out = nullptr;
        std::size_t n = 0;
        FUZZ_CHECK(sharemsg_message_pack(sharemsg_verdict_message(a, i), &out, &n, nullptr) ==
                   SHAREMSG_OK);
        sharemsg_free(out);
        char* json = nullptr;
        FUZZ_CHECK(sharemsg_message_json(sharemsg_verdict_message(a, i), 0, &json, nullptr) ==
                   SHAREMSG_OK);
        sharemsg_free(json);
    }
    sharemsg_store* store = nullptr;
    FUZZ_CHECK(sharemsg_store_create(ctx, 0, 0, &store, nullptr) == SHAREMSG_OK);
    const std::uint8_t share[32] = {1};
    std::size_t added = 0;
    FUZZ_CHECK(sharemsg_store_add_verified(store, a, share, "addr", 1700000000, &added, nullptr) ==
               SHAREMSG_OK);
    FUZZ_CHECK(added <= sharemsg_verdict_message_count(a));
    char* json = nullptr;
    FUZZ_CHECK(sharemsg_store_json(store, -1, 0, 0, 1700000000, &json, nullptr) == SHAREMSG_OK);
    sharemsg_free(json);
    sharemsg_store_destroy(store);
    sharemsg_verdict_destroy(a);
    sharemsg_verdict_destroy(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sharemsg_context* ctx = test_context();
    sharemsg_error err;

    // As an inner envelope, encrypted under A.
    const std::uint8_t nonce[16] = {};
    std::uint8_t* env = nullptr;
    std::size_t env_len = 0;
    FUZZ_CHECK(sharemsg_encrypt_envelope(ctx, data, size, A_PUB, nonce, &env, &env_len, &err) ==
               SHAREMSG_OK);
    verdict_twice(ctx, env, env_len);
    sharemsg_unpacked* u = nullptr;
    FUZZ_CHECK(sharemsg_unpack_message_data(ctx, env, env_len, &u, nullptr) == SHAREMSG_OK);
    FUZZ_CHECK(sharemsg_unpacked_message_count(u) <= 3);
    sharemsg_unpacked_destroy(u);
    sharemsg_free(env);

    // Raw: message_data, an envelope, a share, a message for the outbox.
    verdict_twice(ctx, data, size);
    std::uint8_t* inner = nullptr;
    std::size_t inner_len = 0;
    if (sharemsg_decrypt_envelope(ctx, data, size, &inner, &inner_len, nullptr, &err) ==
        SHAREMSG_OK)
        sharemsg_free(inner);
    else
        FUZZ_CHECK(inner == nullptr && err.code != SHAREMSG_OK && std::strlen(err.message) > 0);
    sharemsg_share* s = nullptr;
    if (sharemsg_share_parse(36, data, size, &s, &err) == SHAREMSG_OK) {
        std::size_t n = 0;
        sharemsg_share_message_data(s, &n);
        FUZZ_CHECK(n < size);
        sharemsg_share_destroy(s);
    } else {
        FUZZ_CHECK(s == nullptr && std::strlen(err.message) > 0);
    }
    sharemsg_outbox* o = nullptr;
    FUZZ_CHECK(sharemsg_outbox_create(ctx, &o, nullptr) == SHAREMSG_OK);
    if (sharemsg_outbox_add(o, data, size, nullptr) == SHAREMSG_OK) {
        std::uint8_t* md = nullptr;
        std::size_t md_len = 0;
        FUZZ_CHECK(sharemsg_outbox_build(o, nonce, &md, &md_len, nullptr) == SHAREMSG_OK);
        sharemsg_verdict* v = nullptr;
        FUZZ_CHECK(sharemsg_verify_message_data(ctx, md, md_len, &v, nullptr) == SHAREMSG_OK);
        FUZZ_CHECK(sharemsg_verdict_rule(v) == SHAREMSG_V36_OK);
        sharemsg_verdict_destroy(v);
        sharemsg_free(md);
    }
    sharemsg_outbox_destroy(o);
    return 0;
}
