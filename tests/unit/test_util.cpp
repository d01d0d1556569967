#include <gtest/gtest.h>

#include "util/bytes.hpp"
#include "util/pyjson.hpp"
#include "util/text.hpp"

using namespace sharemsg;

TEST(Hex, RoundTripAndErrors) {
    auto b = from_hex("00ffA0");
    ASSERT_TRUE(b);
    EXPECT_EQ(to_hex(*b), "00ffa0");
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_EQ(from_hex("zz").error().code, Errc::bad_encoding);
}

TEST(ByteReader, TruncationNamesField) {
    Bytes d{1, 2, 3};
    ByteReader r(d);
    EXPECT_EQ(*r.u16le("a"), 0x0201);
    auto e = r.u32le("field_x");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::truncated);
    EXPECT_NE(e.error().reason.find("field_x"), std::string::npos);
}

TEST(Utf8, PythonStrictness) {
    EXPECT_TRUE(
        is_valid_utf8(as_bytes("Gr\xc3\xbc\xc3\x9f"
                               "e")));
    EXPECT_FALSE(is_valid_utf8(as_bytes("\xff\xfe")));
    EXPECT_FALSE(is_valid_utf8(as_bytes("\xc0\xaf")));          // overlong
    EXPECT_FALSE(is_valid_utf8(as_bytes("\xed\xa0\x80")));      // surrogate
    EXPECT_FALSE(is_valid_utf8(as_bytes("\xf4\x90\x80\x80")));  // > U+10FFFF
    EXPECT_EQ(utf8_lower("SPAM \xc3\x9c"), "spam \xc3\xbc");
}

TEST(PyJson, MatchesPythonDumps) {
    nlohmann::ordered_json j;
    j["b"] = 10000.0;
    j["a"] = "caf\xc3\xa9 \xf0\x9f\x98\x80";
    j["c"] = {1, 2.5, nullptr, true};
    EXPECT_EQ(python_json_dumps(j),
              R"({"b":10000.0,"a":"caf\u00e9 \ud83d\ude00","c":[1,2.5,null,true]})");
    EXPECT_EQ(python_float_repr(1e16), "1e+16");
    EXPECT_EQ(python_float_repr(1.5e-5), "1.5e-05");
    EXPECT_EQ(python_float_repr(0.0001), "0.0001");
    EXPECT_EQ(python_float_repr(123456789012345.6), "123456789012345.6");
}

#include "util/numeric.hpp"

TEST(Numeric, SaturateCastIsDefinedForEveryDouble) {
    EXPECT_EQ(saturate_cast<std::uint32_t>(5.7e9), 4294967295u);
    EXPECT_EQ(saturate_cast<std::uint32_t>(-3.0), 0u);
    EXPECT_EQ(saturate_cast<std::uint32_t>(1700000000.9), 1700000000u);
    EXPECT_EQ(saturate_cast<std::int64_t>(-2.5), -2);
    EXPECT_EQ(saturate_cast<std::int64_t>(1e300), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(saturate_cast<std::int64_t>(std::nan("")), 0);
}
