// The conformance runner against the public vector file, and against altered copies of it
// (a runner that cannot fail is worth nothing).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "conformance/runner.hpp"

using nlohmann::json;
using sharemsg::conformance::Report;
using sharemsg::conformance::run_vectors;
using sharemsg::conformance::Status;

namespace {
json load_public() {
    std::ifstream in(std::string(SHAREMSG_VECTORS_DIR) + "/share_messages_public.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

std::string failures(const Report& r) {
    std::string s;
    for (const auto& o : r.outcomes)
        if (o.status == Status::fail) s += o.category + ": " + o.what + " -- " + o.detail + "\n";
    return s;
}
}  // namespace

TEST(Conformance, PublicVectorsAllPass) {
    const Report r = run_vectors(load_public());
    EXPECT_EQ(r.count(Status::fail), 0u) << failures(r);
    EXPECT_GT(r.count(Status::pass), 90u);
    for (const auto& o : r.outcomes) {
        if (o.status == Status::skip) {
            EXPECT_NE(o.detail.find("intentional difference"), std::string::npos) << o.what;
        }
    }
}

TEST(Conformance, AlteredExpectationsFail) {
    json f = load_public();
    f["share_message"]["vectors"][1]["message"]["signature"] = "3044deadbeef";
    f["authority_envelope"]["encrypt"][0]["envelope"] = "01";
    f["ban_list"]["is_banned"][1]["results"]["chat from addrA with sid1"] = false;
    f["message_store"]["steps"][0]["state"]["stats"]["total_messages"] = 4;
    f["signing_key_registry"]["steps"][2]["is_key_valid"]["m1k0"] = true;
    f["derived_signing_key"]["vectors"][0]["signing_id"] = "00";
    const Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::fail), 6u) << failures(r);
}

TEST(Conformance, UnknownCategorySkippedMalformedFails) {
    json f = {{"meta", json::object()}, {"no_such_category", json::array()}};
    f["share_message_unpack"] = json::array({json{{"what", "no data field"}}});
    const Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::skip), 1u);
    EXPECT_EQ(r.count(Status::fail), 1u);
    EXPECT_EQ(run_vectors(json::array()).count(Status::fail), 1u);
}

TEST(Conformance, OutOfRangeNumbersAreMalformedNotUndefined) {
    json f = load_public();
    f["share_message"]["vectors"][0]["input"]["msg_type"] = 2.42424e+47;
    f["share_message"]["vectors"][1]["input"]["timestamp"] = 5.7e9 + 0.5;
    f["builders"]["vectors"][0]["clock"] = 5.7e9;  // integral: read as an integer clock
    const Report r = run_vectors(f);
    std::size_t malformed = 0;
    for (const auto& o : r.outcomes)
        malformed += o.detail.find("malformed vector") != std::string::npos;
    EXPECT_EQ(malformed, 2u) << failures(r);
}
