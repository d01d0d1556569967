// `sharemsg decode`, run as the real binary.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "test_cli_runner.hpp"

using namespace sharemsg::testing;

namespace {

nlohmann::json pack_vector(const std::string& what_prefix) {
    std::ifstream f(vectors_dir() + "/share_messages_public.json");
    const auto v = nlohmann::json::parse(f);
    for (const auto& c : v["pack_share_messages"])
        if (c["what"].get<std::string>().rfind(what_prefix, 0) == 0) return c;
    ADD_FAILURE() << "no pack_share_messages vector starting with " << what_prefix;
    return nullptr;
}

}  // namespace

TEST(CliDecode, MainnetBlobTextReport) {
    auto r = run_cli({"decode", "@" + mainnet_blob_path()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "message_data:     363 bytes"));
    EXPECT_TRUE(contains(r.out, "Envelope version: 1"));
    EXPECT_TRUE(contains(r.out, "Nonce:            7c9299b7c4579e67c0e7670dfc9c4207"));
    EXPECT_TRUE(contains(r.out,
                         "Decrypted by:     maintainer "
                         "(02fe6578f8021a7d466787827b3f26437aef88279ef380af326f87ec362633293a)"));
    EXPECT_TRUE(contains(r.out, "inner_version=1 inner_flags=0x00 msg_count=1 announcement_len=0"));
    EXPECT_TRUE(contains(r.out, "Messages:         1\n"));
    EXPECT_TRUE(contains(r.out, "Message 1 of 1: TRANSITION_SIGNAL"));
    EXPECT_TRUE(contains(
        r.out,
        "Signature:      valid, signed by maintainer; high-S, accepted after normalization "
        "for the deployed network"));
    EXPECT_TRUE(contains(r.out, "\"from\": \"35\""));
    EXPECT_TRUE(contains(r.out, "V36 verdict:      valid (ok)"));
}

TEST(CliDecode, MainnetBlobJson) {
    // The hex given inline, with whitespace, works as well as @FILE.
    std::string hex = read_file(mainnet_blob_path());
    auto r = run_cli({"decode", "--json", " " + hex + "\n"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j["length"], 363);
    EXPECT_EQ(j["envelope_version"], 1);
    EXPECT_EQ(j["mac"], "c045f7c7cc28f8eee9a11e1779f41440b240f6c66376d03d5ecd2d03a896ab93");
    EXPECT_EQ(j["decrypted"], true);
    EXPECT_EQ(j["authority"]["name"], "maintainer");
    EXPECT_EQ(j["inner_header"]["msg_count"], 1);
    EXPECT_TRUE(j["announcement"].is_null());
    ASSERT_EQ(j["messages"].size(), 1u);
    const auto& m = j["messages"][0];
    EXPECT_EQ(m["type"], "TRANSITION_SIGNAL");
    EXPECT_EQ(m["message_hash"],
              "0f7c0c162a47f1165df41e357ed36041c94788686c797ad9cbc73b2a710f71c0");
    EXPECT_EQ(m["signature_check"]["valid"], true);
    EXPECT_EQ(m["signature_check"]["high_s"], true);
    EXPECT_EQ(m["json"]["type"], "TRANSITION_SIGNAL");
    EXPECT_EQ(m["json"]["verified"], true);
    EXPECT_EQ(m["json"]["protocol_authority"], true);
    EXPECT_EQ(m["json"]["data"]["to"], "36");
    EXPECT_TRUE(j["notes"].empty());
    EXPECT_EQ(j["v36"]["valid"], true);
    EXPECT_EQ(j["v36"]["rule"], "ok");
}

TEST(CliDecode, WrongAuthoritySetIsInvalidWithAHint) {
    auto r = run_cli({"decode", "@" + mainnet_blob_path(), "--authorities", "test"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.out, "Decrypted by:     none"));
    EXPECT_TRUE(contains(r.out, "try --authorities real"));
    EXPECT_TRUE(contains(r.out, "V36 verdict:      INVALID (not decrypted)"));
}

TEST(CliDecode, AnnouncementOnlyBlobUnderTestAuthorities) {
    const auto v = pack_vector("announcement only");
    ASSERT_FALSE(v.is_null());
    auto r =
        run_cli({"decode", "--json", "--authorities", "test", v["envelope"].get<std::string>()});
    EXPECT_EQ(r.status, 2);  // decrypts, but no messages: invalid under V36
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j["authority"]["name"], "test_authority_A");
    EXPECT_EQ(j["announcement"]["signing_id"], "6b000460548e25968e1e7e6ac54c18003bee5242");
    EXPECT_EQ(j["announcement"]["key_index"], 0);
    EXPECT_EQ(j["inner_header"]["inner_flags"], 1);
    EXPECT_EQ(j["v36"]["valid"], false);
    EXPECT_EQ(j["v36"]["rule"], "no messages");
}

TEST(CliDecode, SignedVectorUnderTestAuthorities) {
    const auto v = pack_vector("1 TRANSITION_SIGNAL signed by A");
    ASSERT_FALSE(v.is_null());
    auto r = run_cli({"decode", "--authorities", "test", v["envelope"].get<std::string>()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "valid, signed by test_authority_A"));
}

TEST(CliDecode, EmptyAndUndecryptableBlobs) {
    auto empty = run_cli({"decode", ""});
    EXPECT_EQ(empty.status, 0);
    EXPECT_TRUE(contains(empty.out, "0 bytes"));

    auto short_blob = run_cli({"decode", "01"});
    EXPECT_EQ(short_blob.status, 2);
    EXPECT_TRUE(contains(short_blob.out, "need at least 50 bytes"));

    auto v2 = run_cli({"decode", "--json", "02" + std::string(120, '0')});
    EXPECT_EQ(v2.status, 2);
    auto j = nlohmann::json::parse(v2.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    EXPECT_EQ(j["envelope_version"], 2);
    EXPECT_EQ(j["decrypted"], false);
}

TEST(CliDecode, UnusableInputExitsOne) {
    TempDir dir;
    for (std::vector<std::string> args : {std::vector<std::string>{"decode", "zz"},
                                          {"decode", "abc"},
                                          {"decode", "@" + dir.file("missing.hex")},
                                          {"decode", "@" + dir.write("bad.hex", "01 02 xx")}}) {
        auto r = run_cli(args);
        EXPECT_EQ(r.status, 1) << args[1];
        EXPECT_TRUE(contains(r.err, "sharemsg decode:")) << r.err;
        EXPECT_EQ(r.out, "");
    }
    auto stdin_blob = run_cli({"decode", "@-"}, read_file(mainnet_blob_path()));
    EXPECT_EQ(stdin_blob.status, 0) << stdin_blob.err;
}
