// Small helpers shared by the chain tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string_view>

#include "util/bytes.hpp"

namespace chain_test {

// Hex that must decode (a test's own constant); a bad one fails the test.
inline sharemsg::Bytes hex(std::string_view h) {
    auto b = sharemsg::from_hex(h);
    EXPECT_TRUE(b) << h;
    return b ? *b : sharemsg::Bytes{};
}

template <std::size_t N>
sharemsg::ByteArray<N> filled(std::uint8_t v) {
    sharemsg::ByteArray<N> a{};
    a.fill(v);
    return a;
}

// A file of this checkout's vectors/ directory (`rel` below it, e.g. "gentx/gentx.json"):
// beside this file's tree, or found from the vectors directory the build names (the project
// is one of its lexical parents).
inline std::filesystem::path project_vector(const std::filesystem::path& rel_to_vectors) {
    namespace fs = std::filesystem;
    const fs::path rel = fs::path("vectors") / rel_to_vectors;
    const fs::path here = fs::path(__FILE__).parent_path() / ".." / "..";
    if (fs::exists(here / rel)) return here / rel;
    for (fs::path p = SHAREMSG_VECTORS_DIR; p.has_relative_path(); p = p.parent_path())
        if (fs::exists(p / rel)) return p / rel;
    return here / rel;
}

}  // namespace chain_test
