// The HTTP API's parsers of outside bytes (node/api_parse.hpp): query strings, decimal
// integers and the bodies of /msg/send, /msg/ban and /msg/rotate_key. The statuses, error
// strings and details are the API's contract (tests/integration/test_api.cpp checks them over
// HTTP; these check every branch without a daemon).
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <variant>
#include <vector>

#include "node/api_parse.hpp"
#include "proto/constants.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

namespace {

const std::string kId = "00112233445566778899aabbccddeeff00112233";

template <class T>
ApiError error_of(const std::variant<T, ApiError>& r) {
    EXPECT_TRUE(std::holds_alternative<ApiError>(r)) << "expected an error";
    if (!std::holds_alternative<ApiError>(r)) return {};
    const auto& e = std::get<ApiError>(r);
    EXPECT_EQ(e.status, 400u);
    EXPECT_FALSE(e.error.empty());
    EXPECT_FALSE(e.detail.empty());
    return e;
}

template <class T>
T value_of(const std::variant<T, ApiError>& r) {
    if (const auto* e = std::get_if<ApiError>(&r)) {
        ADD_FAILURE() << "unexpected error: " << e->error << ": " << e->detail;
        return {};
    }
    return std::get<T>(r);
}

std::string send_body(const std::string& text, const std::string& extra = "") {
    return R"({"type":"chat","text":")" + text + "\"" + extra + "}";
}

// A JSON string literal of `n` bytes of text, as a JSON document's value.
std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

}  // namespace

// ---------------------------------------------------------------- parse_query

TEST(ApiParseQuery, NoQuery) {
    std::string path = "stale";
    EXPECT_TRUE(parse_query("/msg/recent", path).empty());
    EXPECT_EQ(path, "/msg/recent");
    EXPECT_TRUE(parse_query("", path).empty());
    EXPECT_EQ(path, "");
}

TEST(ApiParseQuery, Pairs) {
    std::string path;
    auto q = parse_query("/msg/recent?limit=5&since=17", path);
    EXPECT_EQ(path, "/msg/recent");
    EXPECT_EQ(q.size(), 2u);
    EXPECT_EQ(q["limit"], "5");
    EXPECT_EQ(q["since"], "17");
}

TEST(ApiParseQuery, EdgeCases) {
    std::string path;
    // An empty query, and one of separators only.
    EXPECT_TRUE(parse_query("/a?", path).empty());
    EXPECT_EQ(path, "/a");
    EXPECT_TRUE(parse_query("/a?&&&", path).empty());
    // No '=': the value is empty.
    auto q = parse_query("/a?flag", path);
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q["flag"], "");
    // An empty key.
    q = parse_query("/a?=v&x=", path);
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[""], "v");
    EXPECT_EQ(q["x"], "");
    // A repeated key keeps its last value.
    q = parse_query("/a?limit=1&limit=2&limit=3", path);
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q["limit"], "3");
    // A trailing '&' and a leading one.
    q = parse_query("/a?&limit=4&", path);
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q["limit"], "4");
    // Only the first '=' splits; only the first '?' starts the query.
    q = parse_query("/a?k=v=w&q=?x", path);
    EXPECT_EQ(path, "/a");
    EXPECT_EQ(q["k"], "v=w");
    EXPECT_EQ(q["q"], "?x");
    // No percent-decoding.
    q = parse_query("/a?k%20=%41", path);
    EXPECT_EQ(q["k%20"], "%41");
    // A target that is only a query.
    q = parse_query("?x=1", path);
    EXPECT_EQ(path, "");
    EXPECT_EQ(q["x"], "1");
}

// ---------------------------------------------------------------- parse_int

TEST(ApiParseInt, Valid) {
    EXPECT_EQ(parse_int("0"), 0);
    EXPECT_EQ(parse_int("-0"), 0);
    EXPECT_EQ(parse_int("007"), 7);
    EXPECT_EQ(parse_int("-42"), -42);
    EXPECT_EQ(parse_int("200"), 200);
    EXPECT_EQ(parse_int("999999999999999999"), 999999999999999999LL);  // 18 digits
    EXPECT_EQ(parse_int("-99999999999999999"), -99999999999999999LL);  // 18 characters
}

TEST(ApiParseInt, Invalid) {
    for (const char* s : {"", "-", "+1", " 1", "1 ", "1.5", "1e3", "0x10", "--1", "1-", "abc",
                          "1000000000000000000",  // 19 digits
                          "-999999999999999999",  // 19 characters
                          "99999999999999999999999999"})
        EXPECT_FALSE(parse_int(s).has_value()) << s;
    EXPECT_FALSE(parse_int(std::string("1\0", 2)).has_value());
}

// ---------------------------------------------------------------- parse_send

TEST(ApiParseSend, Valid) {
    auto r = value_of(parse_send(R"({"type":"chat","text":"hello"})"));
    EXPECT_EQ(r.msg_type, proto::MSG_MINER_MESSAGE);
    EXPECT_EQ(r.text, "hello");
    EXPECT_FALSE(r.to.has_value());
    EXPECT_EQ(value_of(parse_send(R"({"type":"announce","text":"a"})")).msg_type,
              proto::MSG_POOL_ANNOUNCE);
    EXPECT_EQ(value_of(parse_send(R"({"type":"alert","text":"a"})")).msg_type,
              proto::MSG_EMERGENCY);
    EXPECT_EQ(value_of(parse_send(R"({"type":"status","text":"{}"})")).msg_type,
              proto::MSG_NODE_STATUS);
    // Unknown fields are ignored; a null "to" is no recipient.
    r = value_of(parse_send(R"({"type":"chat","text":"x","extra":[1,2],"to":null})"));
    EXPECT_FALSE(r.to.has_value());
    // JSON escapes are decoded; \u0000 is valid UTF-8.
    r = value_of(parse_send(R"({"type":"chat","text":"a\"\\\u00e9\u0000\ud83d\ude00"})"));
    EXPECT_EQ(r.text, std::string("a\"\\\xc3\xa9\0\xf0\x9f\x98\x80", 10));
}

TEST(ApiParseSend, Recipient) {
    auto r = value_of(parse_send(send_body("x", R"(,"to":")" + kId + "\"")));
    ASSERT_TRUE(r.to.has_value());
    EXPECT_EQ(to_hex(*r.to), kId);
    // Upper case hex is accepted too.
    std::string upper = kId;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    r = value_of(parse_send(send_body("x", R"(,"to":")" + upper + "\"")));
    ASSERT_TRUE(r.to.has_value());
    EXPECT_EQ(to_hex(*r.to), kId);
}

TEST(ApiParseSend, BadRecipient) {
    for (const std::string& to :
         {quoted("abc"), quoted("zz" + std::string(38, '0')), quoted(kId.substr(2)),
          quoted(kId + "00"), quoted(kId + "0"), quoted(""), quoted(" " + kId.substr(1)),
          std::string("12"), std::string("true"), std::string("[]"), std::string("{}")}) {
        auto e = error_of(parse_send(send_body("x", ",\"to\":" + to)));
        EXPECT_EQ(e.error, "bad hex") << to;
        EXPECT_EQ(e.detail, "\"to\" must be a signing id of 40 hex digits");
    }
}

TEST(ApiParseSend, BadJson) {
    for (const std::string& body :
         std::vector<std::string>{"not json", "{", "{\"type\":", "{} {}", "{\"a\":1,}", "nul"}) {
        auto e = error_of(parse_send(body));
        EXPECT_EQ(e.error, "bad json") << body;
        EXPECT_EQ(e.detail, "the request body is not JSON");
    }
    for (const std::string& body :
         std::vector<std::string>{"[1,2]", "null", "1", "\"chat\"", "[]", "true"}) {
        auto e = error_of(parse_send(body));
        EXPECT_EQ(e.error, "bad json") << body;
        EXPECT_EQ(e.detail, "the request body must be an object");
    }
    // Raw bytes that are not UTF-8 inside a JSON string are not JSON (the parser refuses them
    // before "bad text" could), and neither is an unpaired surrogate escape.
    EXPECT_EQ(error_of(parse_send(send_body("\xff"))).error, "bad json");
    EXPECT_EQ(error_of(parse_send(send_body("\xc3"))).error, "bad json");
    EXPECT_EQ(error_of(parse_send(send_body("\xed\xa0\x80"))).error, "bad json");
    EXPECT_EQ(error_of(parse_send(send_body("\\ud800"))).error, "bad json");
    EXPECT_EQ(error_of(parse_send(send_body("\\udc00x"))).error, "bad json");
}

TEST(ApiParseSend, Type) {
    // An empty body is an empty object: no type.
    auto e = error_of(parse_send(""));
    EXPECT_EQ(e.error, "invalid type");
    EXPECT_EQ(e.detail, "\"type\" must be one of chat, announce, alert, status");
    for (const std::string& body : std::vector<std::string>{
             R"({"text":"x"})", R"({"type":7,"text":"x"})", R"({"type":null,"text":"x"})",
             R"({"type":["chat"],"text":"x"})"}) {
        e = error_of(parse_send(body));
        EXPECT_EQ(e.error, "invalid type") << body;
        EXPECT_EQ(e.detail, "\"type\" must be one of chat, announce, alert, status");
    }
    // Only the four send names: not the full names, not other cases.
    for (const std::string& t :
         std::vector<std::string>{"shout", "CHAT", "MINER_MESSAGE", "version", "", "chat "}) {
        e = error_of(parse_send(R"({"type":")" + t + R"(","text":"x"})"));
        EXPECT_EQ(e.error, "invalid type") << t;
        EXPECT_EQ(e.detail, "unknown type \"" + t + "\": use chat, announce, alert or status");
    }
}

TEST(ApiParseSend, Text) {
    auto e = error_of(parse_send(R"({"type":"chat"})"));
    EXPECT_EQ(e.error, "missing text");
    EXPECT_EQ(e.detail, "\"text\" must be a string");
    EXPECT_EQ(error_of(parse_send(R"({"type":"chat","text":5})")).error, "missing text");
    EXPECT_EQ(error_of(parse_send(R"({"type":"chat","text":null})")).error, "missing text");
    e = error_of(parse_send(send_body("")));
    EXPECT_EQ(e.error, "empty text");
    EXPECT_EQ(e.detail, "\"text\" must not be empty");
    // The type is checked before the text.
    EXPECT_EQ(error_of(parse_send(R"({"type":"shout","text":""})")).error, "invalid type");
    // The text before the recipient.
    EXPECT_EQ(error_of(parse_send(send_body("", R"(,"to":"abc")"))).error, "empty text");
}

TEST(ApiParseSend, Length) {
    // 220 bytes is the limit; 221 is not.
    EXPECT_EQ(value_of(parse_send(send_body(std::string(220, 'b')))).text.size(), 220u);
    auto e = error_of(parse_send(send_body(std::string(221, 'a'))));
    EXPECT_EQ(e.error, "text too long");
    EXPECT_EQ(e.detail,
              "221 bytes; a message holds at most 220 bytes of UTF-8 (up to 1600 with "
              "\"fragment\": true on an open-profile network)");
    // Bytes, not characters: 110 two-byte characters fit, 74 three-byte ones (222) do not.
    std::string two;
    for (int i = 0; i < 110; ++i)
        two += "\xc3\xa9";
    EXPECT_EQ(value_of(parse_send(send_body(two))).text, two);
    std::string three;
    for (int i = 0; i < 74; ++i)
        three += "\xe2\x82\xac";
    EXPECT_EQ(error_of(parse_send(send_body(three))).detail.substr(0, 53),
              "222 bytes; a message holds at most 220 bytes of UTF-8");
    // Escapes count as the bytes they decode to.
    std::string escaped;
    for (int i = 0; i < 220; ++i)
        escaped += "\\u0041";
    EXPECT_EQ(value_of(parse_send(send_body(escaped))).text, std::string(220, 'A'));
    EXPECT_EQ(error_of(parse_send(send_body(escaped + "\\n"))).error, "text too long");
}

TEST(ApiParseSend, FragmentOptInAllowsUpTo1600Bytes) {
    const auto body = [](const std::string& text, const std::string& fragment) {
        return R"({"type":"chat","text":")" + text + R"(","fragment":)" + fragment + "}";
    };
    EXPECT_FALSE(value_of(parse_send(send_body("hi"))).fragment);
    auto r = value_of(parse_send(body(std::string(1600, 'x'), "true")));
    EXPECT_TRUE(r.fragment);
    EXPECT_EQ(r.text.size(), 1600u);
    EXPECT_TRUE(value_of(parse_send(body("short", "true"))).fragment);  // allowed, not needed
    auto e = error_of(parse_send(body(std::string(1601, 'x'), "true")));
    EXPECT_EQ(e.error, "text too long");
    EXPECT_EQ(e.detail, "1601 bytes; a fragmented message holds at most 1600 bytes of UTF-8");
    EXPECT_EQ(error_of(parse_send(body(std::string(221, 'x'), "false"))).error, "text too long");
    EXPECT_FALSE(value_of(parse_send(body("x", "null"))).fragment);
    for (const char* bad : {"1", "\"true\"", "[]", "{}"}) {
        auto b = error_of(parse_send(body("x", bad)));
        EXPECT_EQ(b.error, "bad fragment") << bad;
        EXPECT_EQ(b.status, 400u);
    }
}

// ---------------------------------------------------------------- parse_ban

TEST(ApiParseBan, Valid) {
    auto b = value_of(parse_ban(R"({"signing_id":")" + kId + "\"}"));
    EXPECT_EQ(b.kind, store::BanKind::signing_id);
    EXPECT_EQ(b.value, kId);
    // A signing id is stored lowercase.
    b = value_of(parse_ban(R"({"signing_id":"00112233445566778899AABBCCDDEEFF00112233"})"));
    EXPECT_EQ(b.value, kId);
    b = value_of(parse_ban(R"({"address":"mABCDEF"})"));
    EXPECT_EQ(b.kind, store::BanKind::address);
    EXPECT_EQ(b.value, "mABCDEF");
    b = value_of(parse_ban(R"({"word":"casino"})"));
    EXPECT_EQ(b.kind, store::BanKind::keyword);
    EXPECT_EQ(b.value, "casino");
    // Unknown fields are ignored.
    EXPECT_EQ(value_of(parse_ban(R"({"word":"x","note":1})")).value, "x");
}

TEST(ApiParseBan, ExactlyOneKey) {
    for (const std::string& body : std::vector<std::string>{
             "", "{}", R"({"word":"a","address":"b"})", R"({"signing_id":"x","type":1})",
             R"({"word":"a","address":"b","type":1,"signing_id":"c"})", R"({"note":"x"})"}) {
        auto e = error_of(parse_ban(body));
        EXPECT_EQ(e.error, "bad ban") << body;
        EXPECT_EQ(e.detail, "give exactly one of signing_id, address, word, type");
    }
    // A key that is present counts even when null.
    EXPECT_EQ(error_of(parse_ban(R"({"word":"a","type":null})")).error, "bad ban");
    EXPECT_EQ(error_of(parse_ban("nope")).error, "bad json");
    EXPECT_EQ(error_of(parse_ban("[]")).error, "bad json");
}

TEST(ApiParseBan, SigningId) {
    for (const std::string& v : {quoted("xyz"), quoted(kId.substr(1)), quoted(kId + "00"),
                                 quoted(""), std::string("null"), std::string("1")}) {
        auto e = error_of(parse_ban(R"({"signing_id":)" + v + "}"));
        EXPECT_EQ(e.error, "bad hex") << v;
        EXPECT_EQ(e.detail, "\"signing_id\" must be 40 hex digits");
    }
}

TEST(ApiParseBan, Address) {
    EXPECT_EQ(value_of(parse_ban(R"({"address":")" + std::string(128, 'm') + "\"}")).value.size(),
              128u);
    for (const std::string& v : {quoted(""), quoted(std::string(129, 'm')), std::string("null"),
                                 std::string("42"), std::string("[\"a\"]")}) {
        auto e = error_of(parse_ban(R"({"address":)" + v + "}"));
        EXPECT_EQ(e.error, "bad address") << v;
        EXPECT_EQ(e.detail, "\"address\" must be a non-empty string");
    }
}

TEST(ApiParseBan, Word) {
    EXPECT_EQ(value_of(parse_ban(R"({"word":")" + std::string(220, 'w') + "\"}")).value.size(),
              220u);
    EXPECT_EQ(value_of(parse_ban(R"({"word":"caf\u00e9"})")).value, "caf\xc3\xa9");
    for (const std::string& v :
         {quoted(""), quoted(std::string(221, 'w')), std::string("null"), std::string("{}")}) {
        auto e = error_of(parse_ban(R"({"word":)" + v + "}"));
        EXPECT_EQ(e.error, "bad word") << v;
        EXPECT_EQ(e.detail, "\"word\" must be non-empty UTF-8 text of at most 220 bytes");
    }
    EXPECT_EQ(error_of(parse_ban("{\"word\":\"\xfe\"}")).error, "bad json");
}

TEST(ApiParseBan, Type) {
    struct Case {
        std::string json;
        std::string value;
    };
    for (const auto& c : std::vector<Case>{
             // The send names, the full names and the short names (the same for known types).
             {quoted("chat"), "2"},
             {quoted("announce"), "3"},
             {quoted("alert"), "16"},
             {quoted("status"), "1"},
             {quoted("MINER_MESSAGE"), "2"},
             {quoted("VERSION_SIGNAL"), "4"},
             {quoted("MERGED_STATUS"), "5"},
             {quoted("TRANSITION_SIGNAL"), "32"},
             // Numbers, as JSON numbers or decimal strings, 0..255.
             {"0", "0"},
             {"7", "7"},
             {"255", "255"},
             {quoted("0"), "0"},
             {quoted("-0"), "0"},
             {quoted("0255"), "255"},
             {quoted("127"), "127"},
         }) {
        auto b = value_of(parse_ban(R"({"type":)" + c.json + "}"));
        EXPECT_EQ(b.kind, store::BanKind::type) << c.json;
        EXPECT_EQ(b.value, c.value) << c.json;
    }
    for (const std::string& v :
         {quoted("no-such-type"), quoted("0x7f"), quoted("UNKNOWN_0x7f"), quoted("version"),
          quoted("256"), quoted("-1"), quoted(""), quoted("1.0"), std::string("256"),
          std::string("-1"), std::string("1.0"), std::string("2.5"), std::string("1e2"),
          std::string("-0"), std::string("18446744073709551615"),
          std::string("18446744073709551616"), std::string("null"), std::string("true"),
          std::string("[2]")}) {
        auto e = error_of(parse_ban(R"({"type":)" + v + "}"));
        EXPECT_EQ(e.error, "invalid type") << v;
        EXPECT_EQ(e.detail, "\"type\" must be a message type name or number");
    }
}

// ---------------------------------------------------------------- parse_rotate

TEST(ApiParseRotate, Valid) {
    auto r = value_of(parse_rotate(R"({"signing_key":"cWIF","key_index":3})"));
    EXPECT_EQ(r.signing_key, "cWIF");
    EXPECT_EQ(r.key_index, 3u);
    EXPECT_EQ(r.delegation, "");
    r = value_of(parse_rotate(R"({"signing_key":"k","key_index":0,"delegation":"abcd"})"));
    EXPECT_EQ(r.key_index, 0u);
    EXPECT_EQ(r.delegation, "abcd");
    r = value_of(parse_rotate(R"({"signing_key":"k","key_index":4294967295})"));
    EXPECT_EQ(r.key_index, 4294967295u);
    // Shape only: the node checks the WIF and the delegation.
    r = value_of(parse_rotate(R"({"signing_key":"","key_index":1,"delegation":""})"));
    EXPECT_EQ(r.signing_key, "");
}

TEST(ApiParseRotate, SigningKey) {
    for (const std::string& body : std::vector<std::string>{"", "{}", R"({"key_index":1})",
                                                            R"({"signing_key":null,"key_index":1})",
                                                            R"({"signing_key":7,"key_index":1})"}) {
        auto e = error_of(parse_rotate(body));
        EXPECT_EQ(e.error, "missing signing_key") << body;
        EXPECT_EQ(e.detail,
                  "\"signing_key\" (a WIF from `sharemsg derive-key` with the next index) is "
                  "required; the node never takes a master key");
    }
    EXPECT_EQ(error_of(parse_rotate("[\"k\"]")).error, "bad json");
}

TEST(ApiParseRotate, KeyIndex) {
    for (const std::string& v :
         {std::string("-2"), std::string("-0"), std::string("1.0"), std::string("0.5"),
          std::string("1e3"), std::string("4294967296"), std::string("18446744073709551615"),
          std::string("18446744073709551616"), std::string("99999999999999999999999"), quoted("3"),
          std::string("null"), std::string("true"), std::string("[1]")}) {
        auto e = error_of(parse_rotate(R"({"signing_key":"k","key_index":)" + v + "}"));
        EXPECT_EQ(e.error, "bad key_index") << v;
        EXPECT_EQ(e.detail, "\"key_index\" must be an integer from 0 to 4294967295");
    }
    EXPECT_EQ(error_of(parse_rotate(R"({"signing_key":"k"})")).error, "bad key_index");
}

TEST(ApiParseRotate, Delegation) {
    for (const std::string& v : {std::string("null"), std::string("1"), std::string("{}")}) {
        auto e =
            error_of(parse_rotate(R"({"signing_key":"k","key_index":1,"delegation":)" + v + "}"));
        EXPECT_EQ(e.error, "bad delegation") << v;
        EXPECT_EQ(e.detail, "\"delegation\" must be a hex string");
    }
}

// ---------------------------------------------------------------- hostile bodies

TEST(ApiParseBodies, DeepNesting) {
    // 32k levels (a 64 KiB body, the HTTP limit): parsed and destroyed without recursion.
    const std::size_t depth = 32 * 1024;
    const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
    EXPECT_EQ(error_of(parse_send(arrays)).detail, "the request body must be an object");
    const std::string in_object = R"({"type":"chat","text":"x","extra":)" +
                                  std::string(depth, '[') + std::string(depth, ']') + "}";
    EXPECT_EQ(value_of(parse_send(in_object)).text, "x");
    std::string objects;
    for (std::size_t i = 0; i < depth / 8; ++i)
        objects += R"({"a":)";
    objects += "1" + std::string(depth / 8, '}');
    EXPECT_EQ(error_of(parse_ban(objects)).error, "bad ban");
    // Unbalanced: not JSON.
    EXPECT_EQ(error_of(parse_rotate(std::string(depth, '['))).error, "bad json");
    EXPECT_EQ(error_of(parse_rotate("{\"a\":" + std::string(depth, '{'))).error, "bad json");
}

TEST(ApiParseBodies, HugeNumbers) {
    // Integers beyond 64 bits become doubles: never a type or a key index.
    const std::string big(300, '9');
    EXPECT_EQ(error_of(parse_ban(R"({"type":)" + big + "}")).error, "invalid type");
    EXPECT_EQ(error_of(parse_ban(R"({"type":-)" + big + "}")).error, "invalid type");
    EXPECT_EQ(error_of(parse_rotate(R"({"signing_key":"k","key_index":)" + big + "}")).error,
              "bad key_index");
    EXPECT_EQ(error_of(parse_rotate(R"({"signing_key":"k","key_index":1e308})")).error,
              "bad key_index");
    EXPECT_EQ(error_of(parse_send(R"({"type":)" + big + R"(,"text":"x"})")).error, "invalid type");
    // A huge number elsewhere in the body does not matter.
    EXPECT_EQ(value_of(parse_send(R"({"type":"chat","text":"x","n":)" + big + "}")).text, "x");
    // Beyond a double's range the parser refuses the number ("number overflow"): not JSON.
    for (const std::string& n :
         {std::string(400, '9'), std::string("1e400"), std::string("-1e400")}) {
        EXPECT_EQ(error_of(parse_ban(R"({"type":)" + n + "}")).error, "bad json") << n;
        EXPECT_EQ(error_of(parse_rotate(R"({"signing_key":"k","key_index":)" + n + "}")).error,
                  "bad json")
            << n;
    }
}

TEST(ApiParseBodies, DuplicateKeysKeepTheLast) {
    EXPECT_EQ(value_of(parse_send(R"({"type":"shout","type":"chat","text":"a","text":"b"})")).text,
              "b");
    EXPECT_EQ(value_of(parse_ban(R"({"word":"a","word":"b"})")).value, "b");
}
