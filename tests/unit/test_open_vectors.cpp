// The open profile's committed vector file (vectors/open_profile.json): every vector holds
// for this implementation, the generator reproduces the file exactly, and the checker is not
// vacuous (it reports a corrupted vector).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "conformance/open_vectors.hpp"
#include "test_cli_runner.hpp"

using namespace sharemsg;
using json = nlohmann::json;

namespace {

std::string open_vectors_path() {
    return SHAREMSG_OPEN_VECTORS;
}

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

const json& committed() {
    static const json j = json::parse(read_all(open_vectors_path()));
    return j;
}

}  // namespace

TEST(OpenVectors, EveryCommittedVectorHolds) {
    const auto rep = conformance::check_open_vectors(committed());
    for (const auto& f : rep.failures)
        ADD_FAILURE() << f;
    EXPECT_GE(rep.checked, 60u);
    for (const char* cat :
         {"parties", "delegation", "delegation_hex", "obfuscation", "message", "envelope",
          "decode_errors", "private", "fragments", "mwu", "ledger", "cosigned"})
        EXPECT_TRUE(committed().contains(cat)) << cat;
}

TEST(OpenVectors, TheGeneratorReproducesTheFile) {
    const json regenerated = json::parse(conformance::make_open_vectors().dump());
    EXPECT_EQ(regenerated, committed())
        << "vectors/open_profile.json is stale: run `sharemsg open-vectors --out "
           "vectors/open_profile.json` and review the diff";
}

TEST(OpenVectors, TheCheckerCatchesCorruptions) {
    auto expect_caught = [](json v, const std::string& what) {
        const auto rep = conformance::check_open_vectors(v);
        EXPECT_FALSE(rep.failures.empty()) << what << " was not caught";
    };
    {
        json v = committed();
        std::string md = v["envelope"]["vectors"][0]["message_data"];
        md[40] = md[40] == '0' ? '1' : '0';
        v["envelope"]["vectors"][0]["message_data"] = md;
        expect_caught(v, "a changed message_data byte");
    }
    {
        json v = committed();
        v["decode_errors"]["vectors"][1]["error"]["code"] = "truncated";
        expect_caught(v, "a wrong expected error code");
    }
    {
        json v = committed();
        v["delegation"]["vectors"][3]["valid_on"]["valid"] = true;
        expect_caught(v, "an invalid delegation marked valid");
    }
    {
        json v = committed();
        v["ledger"]["steps"][2]["result"]["messages"] = json::array();
        expect_caught(v, "a ledger step without its accepted message");
    }
    {
        json v = committed();
        v["private"]["vectors"][0]["plaintext"] = "00";
        expect_caught(v, "another private plaintext");
    }
    {
        json v = committed();
        v["message"]["vectors"][0]["verify"][3]["valid"] = true;
        expect_caught(v, "a high-S signature marked valid");
    }
    {
        json v = committed();
        v.erase("mwu");
        expect_caught(v, "a missing category");
    }
    // The co-signed authority messages.
    {
        json v = committed();
        v["cosigned"]["authorities"][0]["key"] = std::string(64, '0');
        expect_caught(v, "another aggregate key for the authority's signers");
    }
    {
        json v = committed();
        v["cosigned"]["vectors"][0]["fate"] = "unknown_authority";
        expect_caught(v, "an accepted co-signed message said refused");
    }
    {
        json v = committed();
        v["cosigned"]["vectors"][3]["fate"] = nullptr;
        expect_caught(v, "a bad authority signature said accepted");
    }
    {
        json v = committed();
        std::string sig = v["cosigned"]["vectors"][0]["message"]["signature"];
        sig[10] = sig[10] == '0' ? '1' : '0';
        v["cosigned"]["vectors"][0]["message"]["signature"] = sig;
        expect_caught(v, "a changed co-signature");
    }
    {
        json v = committed();
        v["cosigned"]["vectors"][6]["error"]["field"] = "payload_len";
        expect_caught(v, "a co-signed decode error naming another field");
    }
    {
        json v = committed();
        v.erase("cosigned");
        expect_caught(v, "a missing cosigned category");
    }
    // Malformed files are failures, not exceptions.
    for (const json& bad :
         {json(nullptr), json::array(), json::object(),
          json{{"envelope", {{"vectors", {{{"what", 1}}}}}}}, json{{"ledger", {{"steps", "x"}}}}}) {
        const auto rep = conformance::check_open_vectors(bad);
        EXPECT_FALSE(rep.failures.empty()) << bad.dump();
    }
}

TEST(OpenVectors, CliChecksAFile) {
    using namespace sharemsg::testing;
    auto ok = run_cli({"open-vectors", "--check", open_vectors_path()});
    EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
    EXPECT_TRUE(contains(ok.out, " 0 failed")) << ok.out;
    TempDir dir;
    json v = committed();
    v["mwu"]["vectors"][0]["mwu"] = 1;
    auto bad = run_cli({"open-vectors", "--check", dir.write("bad.json", v.dump())});
    EXPECT_EQ(bad.status, 1);
    EXPECT_TRUE(contains(bad.out, "FAIL mwu[0]")) << bad.out;
    auto gen = run_cli({"open-vectors"});
    ASSERT_EQ(gen.status, 0);
    EXPECT_EQ(json::parse(gen.out), committed());
}
