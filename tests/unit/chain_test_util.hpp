// Small helpers shared by the chain tests.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace chain_test
