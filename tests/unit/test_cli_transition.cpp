// `sharemsg transition create|verify`, run as the real binary.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "proto/envelope.hpp"
#include "proto/keys_io.hpp"
#include "test_cli_runner.hpp"

using namespace sharemsg;
using namespace sharemsg::testing;

namespace {

// meta.test_authority of the vector file: A is in the test set, B's master is not a key of
// either set.
const std::string kKeyA = "35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5";
const std::string kNotAuthority =
    "d6ffd098043558a4e9f432e4a4752297342bdfcc1c324dee8f0abe3165afe58e";

std::vector<std::string> create_args(const std::string& key_file) {
    return {"transition",    "create",
            "--key-file",    key_file,
            "--from",        "36",
            "--to",          "37",
            "--msg",         "Upgrade to v37",
            "--urgency",     "required",
            "--url",         "https://example.invalid/r",
            "--threshold",   "95",
            "--authorities", "test"};
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

// Creates a blob signed by A and returns its hex.
std::string create_with_a(const TempDir& dir) {
    auto r = run_cli(create_args(dir.write("a.key", kKeyA + "\n")));
    EXPECT_EQ(r.status, 0) << r.err;
    return trim(r.out);
}

}  // namespace

TEST(CliTransition, CreateThenVerifyIsValid) {
    TempDir dir;
    const std::string hex = create_with_a(dir);
    ASSERT_FALSE(hex.empty());
    EXPECT_EQ(hex.substr(0, 2), "01");

    auto v = run_cli({"transition", "verify", hex, "--authorities", "test"});
    EXPECT_EQ(v.status, 0) << v.out << v.err;
    EXPECT_TRUE(contains(v.out, "Decrypted by: test_authority_A"));
    EXPECT_TRUE(contains(v.out, "from:      36\n"));
    EXPECT_TRUE(contains(v.out, "to:        37\n"));
    EXPECT_TRUE(contains(v.out, "message:   Upgrade to v37\n"));
    EXPECT_TRUE(contains(v.out, "urgency:   required\n"));
    EXPECT_TRUE(contains(v.out, "threshold: 95\n"));
    EXPECT_EQ(v.out.substr(v.out.size() - 6), "valid\n");

    // decode sees the same: payload keys in the reference's order, a low-S signature.
    auto d = run_cli({"decode", "--json", "--authorities", "test", hex});
    ASSERT_EQ(d.status, 0) << d.err;
    auto j = nlohmann::json::parse(d.out);
    ASSERT_EQ(j["messages"].size(), 1u);
    EXPECT_EQ(j["messages"][0]["json"]["data"]["from"], 36);
    EXPECT_EQ(j["messages"][0]["signature_check"]["high_s"], false);
    EXPECT_EQ(j["messages"][0]["wire_flags"], 15);
    // Two runs use different random nonces.
    EXPECT_NE(create_with_a(dir).substr(2, 32), hex.substr(2, 32));
}

TEST(CliTransition, FlippedByteIsInvalid) {
    TempDir dir;
    std::string hex = create_with_a(dir);
    ASSERT_GT(hex.size(), 120u);
    hex[110] = hex[110] == '0' ? '1' : '0';  // inside the ciphertext: the MAC no longer matches
    auto v = run_cli({"transition", "verify", hex, "--authorities", "test"});
    EXPECT_EQ(v.status, 2);
    EXPECT_TRUE(contains(v.out, "INVALID: ")) << v.out;
}

TEST(CliTransition, TamperedPayloadUnderAValidMacIsInvalid) {
    // The MAC's key comes from a public key, so anyone can re-encrypt altered content: only the
    // signature catches it.
    TempDir dir;
    const Bytes blob = *from_hex(create_with_a(dir));
    auto dec = proto::decrypt_envelope(blob, proto::test_authorities());
    ASSERT_TRUE(dec);
    Bytes inner = dec->inner;
    const std::string needle = "v37";
    auto it = std::search(inner.begin(), inner.end(), needle.begin(), needle.end());
    ASSERT_NE(it, inner.end());
    it[2] = '8';  // "Upgrade to v38"
    proto::Nonce16 nonce{};
    std::copy(blob.begin() + 1, blob.begin() + 17, nonce.begin());
    auto forged =
        proto::encrypt_envelope(inner, dec->authority->pubkey, nonce, proto::test_authorities());
    ASSERT_TRUE(forged);
    auto v = run_cli({"transition", "verify", to_hex(*forged), "--authorities", "test"});
    EXPECT_EQ(v.status, 2);
    EXPECT_TRUE(contains(v.out, "INVALID: ")) << v.out;
    EXPECT_TRUE(contains(v.out, "invalid signature")) << v.out;
}

TEST(CliTransition, NonAuthorityKeyIsRefused) {
    TempDir dir;
    auto r = run_cli(create_args(dir.write("other.key", kNotAuthority)));
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.err, "is not in the test authority set")) << r.err;
    EXPECT_EQ(r.out, "");
    // A's key is not a real authority either.
    auto args = create_args(dir.write("a.key", kKeyA));
    args.back() = "real";
    auto real = run_cli(args);
    EXPECT_EQ(real.status, 1);
    EXPECT_TRUE(contains(real.err, "not in the real authority set")) << real.err;
}

TEST(CliTransition, KeyFromStandardInputOrWif) {
    auto r = run_cli(create_args("-"), kKeyA + "\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(run_cli({"transition", "verify", trim(r.out), "--authorities", "test"}).status, 0);

    TempDir dir;
    const std::string wif = proto::encode_wif(*from_hex(kKeyA), proto::WIF_VERSION_LTC_MAIN, true);
    auto w = run_cli(create_args(dir.write("a.wif", wif)));
    ASSERT_EQ(w.status, 0) << w.err;

    auto missing = run_cli(create_args(dir.file("nope.key")));
    EXPECT_EQ(missing.status, 1);
    EXPECT_TRUE(contains(missing.err, "--key-file")) << missing.err;
    auto garbage = run_cli(create_args(dir.write("g.key", "not a key")));
    EXPECT_EQ(garbage.status, 1);
    EXPECT_FALSE(contains(garbage.err, "not a key"));
}

TEST(CliTransition, StringVersionsLikeTheMainnetSignal) {
    TempDir dir;
    auto args = create_args(dir.write("a.key", kKeyA));
    args.push_back("--string-versions");
    auto r = run_cli(args);
    ASSERT_EQ(r.status, 0) << r.err;
    auto d = run_cli({"decode", "--json", "--authorities", "test", trim(r.out)});
    auto j = nlohmann::json::parse(d.out);
    EXPECT_EQ(j["messages"][0]["json"]["data"]["from"], "36");
    EXPECT_EQ(j["messages"][0]["json"]["data"]["to"], "37");
    EXPECT_EQ(j["messages"][0]["json"]["data"]["urg"], "required");
}

TEST(CliTransition, WritesOutFileAtomically) {
    TempDir dir;
    auto args = create_args(dir.write("a.key", kKeyA));
    const std::string out = dir.file("signal.hex");
    args.insert(args.end(), {"--out", out});
    auto r = run_cli(args);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    const std::string content = read_file(out);
    ASSERT_FALSE(content.empty());
    EXPECT_EQ(content.back(), '\n');
    struct stat st {};
    ASSERT_EQ(::stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    EXPECT_EQ(run_cli({"transition", "verify", "@" + out, "--authorities", "test"}).status, 0);
    auto bad_dir = args;
    bad_dir.back() = dir.file("no/such/dir/x.hex");
    EXPECT_EQ(run_cli(bad_dir).status, 1);
}

TEST(CliTransition, RejectsBadFields) {
    TempDir dir;
    const std::string key = dir.write("a.key", kKeyA);
    auto with = [&](const std::string& flag, const std::string& value) {
        auto a = create_args(key);
        auto it = std::find(a.begin(), a.end(), flag);
        *(it + 1) = value;
        return run_cli(a);
    };
    EXPECT_NE(with("--urgency", "urgent").status, 0);
    EXPECT_EQ(with("--threshold", "lots").status, 1);
    auto big = with("--msg", std::string(300, 'x'));
    EXPECT_EQ(big.status, 1);
    EXPECT_TRUE(contains(big.err, "too large")) << big.err;
    EXPECT_EQ(with("--from", "").status, 1);
}

TEST(CliTransition, VerifyMainnetBlob) {
    auto v = run_cli({"transition", "verify", "@" + mainnet_blob_path()});
    EXPECT_EQ(v.status, 0) << v.out << v.err;
    EXPECT_TRUE(contains(v.out, "Decrypted by: maintainer"));
    EXPECT_TRUE(contains(v.out, "from:      \"35\""));
    EXPECT_TRUE(contains(v.out, "urgency:   info"));
    EXPECT_TRUE(contains(v.out, "high-S, accepted after normalization for the deployed network"));
    EXPECT_TRUE(contains(v.out, "\nvalid\n"));

    auto empty = run_cli({"transition", "verify", ""});
    EXPECT_EQ(empty.status, 2);
    EXPECT_TRUE(contains(empty.out, "INVALID: "));
    EXPECT_EQ(run_cli({"transition", "verify", "xyz"}).status, 1);
}
