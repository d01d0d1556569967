// `sharemsg derive-key`, run as the real binary.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "proto/keys_io.hpp"
#include "proto/open_envelope.hpp"
#include "test_cli_runner.hpp"

using namespace sharemsg;
using namespace sharemsg::testing;

namespace {

const std::string kMaster = "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1";
// kMaster as a compressed Litecoin mainnet WIF (computed independently in Python).
const std::string kMasterLtcWif = "T9GSVWTNdz7Lvg4dDJMjXFoYgq2sb83Zb8EAjQifdxLkPquYAY7J";

nlohmann::json load_vectors() {
    std::ifstream f(vectors_dir() + "/share_messages_public.json");
    return nlohmann::json::parse(f);
}

nlohmann::json run_json(const std::vector<std::string>& args, const std::string& input = "") {
    auto r = run_cli(args, input);
    EXPECT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
}

}  // namespace

TEST(CliDeriveKey, MatchesEverySigningKeyOfTheVectorFile) {
    const auto v = load_vectors();
    ASSERT_TRUE(v.contains("signing_keys_used"));
    int checked = 0;
    for (const auto& [name, k] : v["signing_keys_used"].items()) {
        const std::string index = std::to_string(k["key_index"].get<std::uint32_t>());
        auto j = run_json({"derive-key", k["master"].get<std::string>(), index, "--json"});
        EXPECT_EQ(j["signing_id"], k["signing_id"]) << name;
        EXPECT_EQ(j["signing_pubkey"], k["pubkey"]) << name;
        EXPECT_EQ(j["key_index"], k["key_index"]) << name;
        // The signing WIF carries the derived private key with the LTC mainnet version byte.
        auto wif = proto::decode_wif(j["signing_key_wif"].get<std::string>());
        ASSERT_TRUE(wif) << name;
        EXPECT_EQ(wif->version, proto::WIF_VERSION_LTC_MAIN);
        EXPECT_TRUE(wif->compressed);
        EXPECT_EQ(to_hex(wif->secret), k["signing_privkey"]) << name;
        ++checked;
    }
    EXPECT_GE(checked, 4);
}

TEST(CliDeriveKey, JsonHasExactlyTheDocumentedFields) {
    auto j = run_json({"derive-key", kMaster, "0", "--json"});
    ASSERT_TRUE(j.is_object());
    std::vector<std::string> keys;
    for (const auto& [k, _] : j.items())
        keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"key_index", "master_address", "signing_id",
                                              "signing_key_wif", "signing_pubkey"}));
    EXPECT_EQ(j["signing_id"], "6b000460548e25968e1e7e6ac54c18003bee5242");
    EXPECT_EQ(j["signing_pubkey"],
              "030dddec5d562376cfa07e47a78134e8c8bd5fde4434920d4f1f20a84fd707330c");
    EXPECT_EQ(j["master_address"], "LZoKFHiSXGZpJMhBtdk67wZwsM8FzQ6HUV");
    EXPECT_TRUE(j["key_index"].is_number_integer());
}

TEST(CliDeriveKey, TextReportInTheStyleOfTheSeed) {
    auto r = run_cli({"derive-key", kMasterLtcWif});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string wif = "T9ZpkSHKgDMFBFtxffJCUgqSmfh1YHbNUxRNWMpzR3XXvaQRRRBV";
    EXPECT_EQ(
        r.out,
        "Master address:  LZoKFHiSXGZpJMhBtdk67wZwsM8FzQ6HUV\n"
        "Key index:       0\n"
        "Signing key WIF: " +
            wif +
            "\n"
            "Signing ID:      6b000460548e25968e1e7e6ac54c18003bee5242\n"
            "Signing pubkey:  030dddec5d562376cfa07e47a78134e8c8bd5fde4434920d4f1f20a84fd707330c\n"
            "\n"
            "Copy this to your p2pool node:\n"
            "  --signing-key " +
            wif +
            " --signing-key-index 0\n"
            "\n"
            "WARNING: Do NOT copy your master WIF to the node!\n");
    EXPECT_EQ(r.err, "");  // a WIF names its network: no note
}

TEST(CliDeriveKey, NetworkFollowsTheWifVersion) {
    // Bitcoin mainnet, compressed and uncompressed (different master addresses).
    auto c =
        run_json({"derive-key", "L3SB3mACEc8k9qRkffQsJuGAjyPZX32fmvKusc684zAasxMdbsPj", "--json"});
    EXPECT_EQ(c["master_address"], "1FaMz5QcScKm3Z12iVknqvWBf8kysNKJrr");
    EXPECT_EQ(c["signing_key_wif"], "L3jZJgz9GqNeQRG682MLGLJ4pp3hUCaUfkX7eZCSr5MNQgqscToK");
    auto u =
        run_json({"derive-key", "5KDxHwQqK352AhsvPomNpZEQWDmzDF46cZ27YQMeQ79yAMwh1yo", "--json"});
    EXPECT_EQ(u["master_address"], "1CTtQ3KZ6M5xZVz3Xwzq5TQDNok7jajkkc");
    EXPECT_EQ(u["signing_key_wif"], c["signing_key_wif"]);  // the signing key is always compressed
    EXPECT_EQ(u["signing_id"], "6b000460548e25968e1e7e6ac54c18003bee5242");
    // Testnet 0xef.
    auto t =
        run_json({"derive-key", "cToAWgA3ffq1KGu245DzgDmENCgyBV8MqxUNz2Yda6pb8hW2zLo9", "--json"});
    EXPECT_EQ(t["master_address"], "mv6KH8VbFdm1pfUeS4jAfqiWX8MgofwagN");
    EXPECT_EQ(t["signing_key_wif"], "cU6Ymbyzhu4uZrjMWSATdeo8T3M78egAjnfakyexMC1NfRwoXE8m");
    // A hex master with --network.
    auto b = run_json({"derive-key", kMaster, "--network", "btc", "--json"});
    EXPECT_EQ(b["master_address"], "1FaMz5QcScKm3Z12iVknqvWBf8kysNKJrr");
    // A network contradicting the WIF is refused.
    auto bad = run_cli({"derive-key", kMasterLtcWif, "--network", "btc"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_TRUE(contains(bad.err, "conflicts")) << bad.err;
    EXPECT_NE(run_cli({"derive-key", kMaster, "--network", "doge"}).status, 0);
}

TEST(CliDeriveKey, HexMasterSaysWhichNetworkItAssumed) {
    auto r = run_cli({"derive-key", kMaster});
    ASSERT_EQ(r.status, 0);
    EXPECT_TRUE(contains(r.err, "Litecoin mainnet")) << r.err;
}

TEST(CliDeriveKey, ReadsTheMasterFromStandardInput) {
    auto j = run_json({"derive-key", "-", "1", "--json"}, kMasterLtcWif + "\n");
    EXPECT_EQ(j["signing_id"], "8f6d470e1ec1d8e2c8b02140db59f23ecf09596e");
    auto h = run_json({"derive-key", "-", "--json"}, "  " + kMaster + "\r\n");
    EXPECT_EQ(h["signing_id"], "6b000460548e25968e1e7e6ac54c18003bee5242");
    auto empty = run_cli({"derive-key", "-"}, "");
    EXPECT_EQ(empty.status, 1);
    EXPECT_TRUE(contains(empty.err, "no master key")) << empty.err;
}

TEST(CliDeriveKey, RejectsBadIndexes) {
    for (std::string bad :
         {"-1", "4294967296", "99999999999999999999999", "abc", "1.5", "+1", "0x10", " 1", ""}) {
        auto r = run_cli({"derive-key", kMaster, bad});
        EXPECT_EQ(r.status, 1) << "index '" << bad << "'";
        EXPECT_TRUE(contains(r.err, "INDEX must be an integer from 0 to 4294967295")) << r.err;
        EXPECT_EQ(r.out, "");
    }
    auto max = run_json({"derive-key", kMaster, "4294967295", "--json"});
    EXPECT_EQ(max["key_index"], 4294967295u);
}

TEST(CliDeriveKey, RejectsBadMastersWithoutEchoingThem) {
    const std::string bad_checksum = "T9GSVWTNdz7Lvg4dDJMjXFoYgq2sb83Zb8EAjQifdxLkPquYAY7K";
    auto r = run_cli({"derive-key", bad_checksum});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.err, "checksum")) << r.err;
    EXPECT_FALSE(contains(r.err, bad_checksum));
    EXPECT_EQ(r.out, "");

    auto zero = run_cli({"derive-key", std::string(64, '0')});
    EXPECT_EQ(zero.status, 1);
    EXPECT_TRUE(contains(zero.err, "zero")) << zero.err;

    auto nothex = run_cli({"derive-key", std::string(63, 'a') + "g"});
    EXPECT_EQ(nothex.status, 1);
    EXPECT_FALSE(contains(nothex.err, std::string(63, 'a')));

    EXPECT_NE(run_cli({"derive-key"}).status, 0);  // MASTER is required
}

TEST(CliDeriveKey, HelpWorksEverywhere) {
    for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                          {"derive-key", "--help"},
                                          {"decode", "--help"},
                                          {"transition", "--help"},
                                          {"transition", "create", "--help"},
                                          {"transition", "verify", "--help"}}) {
        auto r = run_cli(args);
        EXPECT_EQ(r.status, 0) << args[0];
        EXPECT_TRUE(contains(r.out, "Usage:")) << r.out;
    }
    EXPECT_TRUE(contains(run_cli({"derive-key", "--help"}).out, "standard input"));
}

// ---- --delegation-network (open profile) ---------------------------------------------------

namespace {

// The signing key and delegation the node would be started with, checked by the library.
void expect_delegation_verifies(const nlohmann::json& j, const proto::open::NetworkId& net) {
    auto wif = proto::decode_wif(j["signing_key_wif"].get<std::string>());
    ASSERT_TRUE(wif);
    auto key = proto::DerivedSigningKey::from_signing_key(wif->secret,
                                                          j["key_index"].get<std::uint32_t>());
    ASSERT_TRUE(key);
    auto d = proto::open::parse_delegation_hex(j["delegation"].get<std::string>());
    ASSERT_TRUE(d) << d.error().to_string();
    EXPECT_EQ(to_hex(d->master_pubkey), j["master_pubkey"]);
    auto ann = proto::open::make_announcement(*key, *d, net);
    ASSERT_TRUE(ann) << ann.error().to_string();
    // Bound to the master address the tool printed.
    EXPECT_EQ(proto::p2pkh_address_from_hash160(ann->address_hash(), proto::p2pkh_version({})),
              j["master_address"]);
}

}  // namespace

TEST(CliDeriveKey, DelegationForTheDevnet) {
    auto j = run_json({"derive-key", kMaster, "2", "--delegation-network", "devnet", "--json"});
    EXPECT_EQ(j["delegation_network"], "73686d7364657601");
    EXPECT_EQ(j["delegation"].get<std::string>().size(), 194u);
    expect_delegation_verifies(j, proto::open::DEVNET_NETWORK_ID);
    // Not valid on another network.
    auto d = proto::open::parse_delegation_hex(j["delegation"].get<std::string>());
    auto wif = proto::decode_wif(j["signing_key_wif"].get<std::string>());
    auto key = proto::DerivedSigningKey::from_signing_key(wif->secret, 2);
    EXPECT_FALSE(proto::open::make_announcement(*key, *d, {1, 2, 3, 4, 5, 6, 7, 8}));
    // The same by hex identifier.
    auto h = run_json(
        {"derive-key", kMaster, "2", "--delegation-network", "73686D7364657601", "--json"});
    expect_delegation_verifies(h, proto::open::DEVNET_NETWORK_ID);
    EXPECT_EQ(h["signing_id"], j["signing_id"]);
}

TEST(CliDeriveKey, DelegationTextReportPrintsTheNodeFlags) {
    auto r =
        run_cli({"derive-key", kMasterLtcWif, "1", "--delegation-network", "e037d5b8c6923410"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Network id:      e037d5b8c6923410")) << r.out;
    EXPECT_TRUE(contains(r.out, "Master pubkey:   ")) << r.out;
    const std::string flag = "--signing-key-delegation ";
    const auto at = r.out.find(flag);
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string hex = r.out.substr(at + flag.size(), 194);
    EXPECT_TRUE(proto::open::parse_delegation_hex(hex)) << hex;
    EXPECT_TRUE(contains(r.out, "--signing-key-index 1 --signing-key-delegation")) << r.out;
    EXPECT_TRUE(contains(r.out, "WARNING: Do NOT copy your master WIF"));
}

TEST(CliDeriveKey, DelegationRejections) {
    for (std::string bad :
         {"mainnet", "73686d73646576", "73686d736465760102", "zz686d7364657601", ""}) {
        auto r = run_cli({"derive-key", kMaster, "--delegation-network", bad});
        EXPECT_NE(r.status, 0) << bad;
        EXPECT_EQ(r.out, "") << bad;
    }
    auto r = run_cli({"derive-key", kMaster, "--delegation-network", "mainnet"});
    EXPECT_TRUE(contains(r.err, "devnet")) << r.err;
    // An uncompressed master's address cannot be bound.
    auto u = run_cli({"derive-key", "5KDxHwQqK352AhsvPomNpZEQWDmzDF46cZ27YQMeQ79yAMwh1yo",
                      "--delegation-network", "devnet"});
    EXPECT_EQ(u.status, 1);
    EXPECT_TRUE(contains(u.err, "compressed")) << u.err;
    EXPECT_EQ(u.out, "");
}
