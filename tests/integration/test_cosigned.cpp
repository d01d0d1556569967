// Co-signed authority messages between two devnet nodes (docs/protocol.md §5.2): both list the
// same co-signing authority of three keys; an EMERGENCY co-signed by all three (a BIP327 run
// in this test) is posted to A with POST /msg/authority, mined into A's share, and B shows it
// as co-signed, with the authority's name and its three signers.
#include <gtest/gtest.h>

#include <ctime>

#include "conformance/open_cosign.hpp"
#include "harness.hpp"
#include "proto/open_authority.hpp"

using namespace itest;

namespace {

std::vector<sharemsg::crypto::PrivKey> cosigners() {
    std::vector<sharemsg::crypto::PrivKey> out;
    for (std::uint8_t i = 1; i <= 3; ++i)
        out.push_back(*sharemsg::crypto::PrivKey::from_bytes(sharemsg::Bytes(32, 0x50 + i)));
    return out;
}

std::string authority_flag(const std::vector<sharemsg::crypto::PrivKey>& sks) {
    std::string s = "ops=";
    for (std::size_t i = 0; i < sks.size(); ++i)
        s += (i ? "," : "") + sharemsg::to_hex(sks[i].pubkey());
    return s;
}

std::optional<nlohmann::json> find_alert(Daemon& d, const std::string& text) {
    auto j = d.get("/msg/alerts?limit=200").json();
    if (!j.is_object()) return std::nullopt;
    for (const auto& [key, list] : j.items()) {
        if (!list.is_array()) continue;
        for (const auto& m : list)
            if (m.is_object() && m.value("payload", "") == text) return m;
    }
    return std::nullopt;
}

}  // namespace

TEST(Cosigned, EmergencyTravelsAndShowsItsSigners) {
    namespace po = sharemsg::proto::open;
    const auto dir = test_dir("cosigned");
    const auto sks = cosigners();
    const std::string flag = authority_flag(sks);
    auto authority = po::CosignAuthority::parse(flag);
    ASSERT_TRUE(authority) << authority.error().to_string();

    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    auto flags = key_flags(test_signing_key(12, 0));
    flags.insert(flags.end(), {"--share-period", "0.3", "--cosign-authority", flag});
    ASSERT_TRUE(a.start(flags)) << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port),
                         "--cosign-authority", flag}))
        << b.log();

    const std::string text =
        "EMERGENCY: stop mining release 9.9 (" + std::to_string(::getpid()) + ")";
    const auto ts = static_cast<std::uint32_t>(std::time(nullptr));
    auto m = po::make_authority_message(sharemsg::proto::MSG_EMERGENCY, sharemsg::as_bytes(text),
                                        ts, authority->key());
    ASSERT_TRUE(m);
    const auto sig =
        sharemsg::conformance::cosign_digest(sks, po::authority_sighash(po::DEVNET_NETWORK_ID, *m));
    nlohmann::json body = {{"msg_type", 16},
                           {"timestamp", ts},
                           {"text", text},
                           {"authority_key", sharemsg::to_hex(authority->key())},
                           {"signature", sharemsg::to_hex(sig)}};

    // Refusals first: no token, a bad signature, an unknown authority.
    EXPECT_EQ(a.call("POST", "/msg/authority", body.dump(), "wrong").status, 401);
    auto bad = body;
    std::string s = bad["signature"];
    s[0] = s[0] == '0' ? '1' : '0';
    bad["signature"] = s;
    auto r = a.call("POST", "/msg/authority", bad.dump());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json().value("error", ""), "bad signature") << r.body;
    auto unknown = body;
    unknown["authority_key"] = std::string(64, '1');
    r = a.call("POST", "/msg/authority", unknown.dump());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json().value("error", ""), "unknown authority") << r.body;

    r = a.call("POST", "/msg/authority", body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().value("status", ""), "queued") << r.body;

    ASSERT_TRUE(
        wait_until([&] { return find_alert(b, text).has_value(); }, std::chrono::seconds(60)))
        << "B never showed the co-signed alert\nA:\n"
        << a.log() << "\nB:\n"
        << b.log();
    const auto got = *find_alert(b, text);
    EXPECT_TRUE(got["co_signed"].get<bool>());
    EXPECT_TRUE(got["verified"].get<bool>());
    EXPECT_TRUE(got["protocol_authority"].get<bool>());
    EXPECT_EQ(got["authority"], "ops");
    EXPECT_EQ(got["authority_key"], sharemsg::to_hex(authority->key()));
    ASSERT_TRUE(got["signers"].is_array());
    ASSERT_EQ(got["signers"].size(), 3u);
    std::vector<std::string> want;
    for (const auto& k : authority->signers())
        want.push_back(sharemsg::to_hex(k));
    EXPECT_EQ(got["signers"].get<std::vector<std::string>>(), want);
    EXPECT_TRUE(got["signing_id"].is_null());
    // A's own view agrees.
    ASSERT_TRUE(
        wait_until([&] { return find_alert(a, text).has_value(); }, std::chrono::seconds(20)));
    EXPECT_TRUE((*find_alert(a, text))["co_signed"].get<bool>());
}
