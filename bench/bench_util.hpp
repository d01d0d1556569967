// Helpers shared by the benchmark programs: fixture set-up that must not fail silently.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/result.hpp"

namespace sharemsg::bench {

// The reference vectors' public test authority A (its private key is published there).
inline constexpr const char* TEST_AUTHORITY_A_PRIVKEY =
    "35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5";
inline constexpr std::uint32_t NOW = 1700000000;

[[noreturn]] inline void die(const std::string& what) {
    std::fprintf(stderr, "benchmark set-up failed: %s\n", what.c_str());
    std::exit(1);
}

// The value of a set-up step, or exit with its error: a benchmark of a failed set-up
// would print meaningless figures.
template <class T>
T need(Result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error().to_string());
    return std::move(r).value();
}

}  // namespace sharemsg::bench
