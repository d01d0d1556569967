// Shared helpers of the libFuzzer targets in this directory (one target per fuzz_*.cpp).
//
// FUZZ_CHECK is the round-trip assertion: when a property does not hold it prints where and
// traps, which libFuzzer reports as a crash and saves the input. It is active in every build
// type (unlike assert, which NDEBUG removes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "proto/authority.hpp"
#include "proto/envelope.hpp"
#include "util/bytes.hpp"

#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            __builtin_trap();                                                                  \
        }                                                                                      \
    } while (0)

namespace sharemsg::fuzz {

// Test authority A of the public vectors (meta.test_authority.A_pubkey); its private key is
// sha256("refharness test authority A"), so anyone can sign for it: tests and fuzzers only.
inline constexpr const char* TEST_AUTHORITY_A_PUBKEY =
    "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee";

// {A}: an authority set whose envelopes and signatures a fuzzer (or a seed) can produce.
inline proto::AuthoritySet test_authorities() {
    auto pk = from_hex_fixed<33>(TEST_AUTHORITY_A_PUBKEY);
    FUZZ_CHECK(pk.ok());
    return {proto::Authority{*pk, "test authority A"}};
}

// A fixed nonce, so that every run of a target is deterministic.
inline proto::Nonce16 fixed_nonce() {
    proto::Nonce16 n{};
    for (std::size_t i = 0; i < n.size(); ++i)
        n[i] = static_cast<std::uint8_t>(0xa0 + i);
    return n;
}

// A fixed clock for JSON views (the public vectors' meta.fixed_clock_time_time).
inline constexpr double FIXED_NOW = 1700000000.0;

inline ByteView input(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? ByteView{} : ByteView{data, size};
}

}  // namespace sharemsg::fuzz
