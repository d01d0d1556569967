// Signing-key registry: the deployed reference's rotation, revocation and attribution rules.
#include <gtest/gtest.h>

#include "proto/registry.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

const char* const kKeys[] = {"m1k0", "m1k1", "m2k0", "m2k7"};

bool reg(SigningKeyRegistry& r, const std::string& address, const std::string& key,
         double timestamp = 0, double now = kNow) {
    const auto k = signing_key(key);
    return r.register_key(address, k.signing_id(), k.key_index(), k.pubkey(), now, timestamp);
}
// Registers a key under an index other than its own (announcements carry any index).
bool reg_as(SigningKeyRegistry& r, const std::string& address, const std::string& key,
            std::uint32_t index) {
    const auto k = signing_key(key);
    return r.register_key(address, k.signing_id(), index, k.pubkey(), kNow);
}
bool valid(const SigningKeyRegistry& r, const std::string& key) {
    return r.is_key_valid(signing_key(key).signing_id());
}
std::optional<std::string> owner(const SigningKeyRegistry& r, const std::string& key) {
    return r.address_for(signing_key(key).signing_id());
}

}  // namespace

TEST(ProtoRegistry, ReplaysReferenceSequence) {
    const auto& steps = vectors()["signing_key_registry"]["steps"];
    ASSERT_EQ(steps.size(), 3u);
    SigningKeyRegistry r;
    const std::vector<std::pair<std::string, double>> actions{
        {"m1k0", 1000}, {"m1k0", 1001}, {"m1k1", 1002}};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& s = steps[i];
        SCOPED_TRACE(s["step"].get<std::string>());
        EXPECT_EQ(reg(r, "A", actions[i].first, actions[i].second), s["result"]["ok"].get<bool>());
        EXPECT_EQ(r.to_json(), s["to_json"]);
        for (const char* k : kKeys) {
            EXPECT_EQ(valid(r, k), s["is_key_valid"][k].get<bool>()) << k;
            const auto& want_owner = s["get_miner_for_id"][k];
            EXPECT_EQ(owner(r, k).value_or("<none>"),
                      want_owner.is_null() ? "<none>" : want_owner.get<std::string>());
        }
        for (const auto& [address, want] : s["get_miner_current_key"].items()) {
            auto cur = r.current_key(address);
            ASSERT_EQ(cur.has_value(), !want.is_null()) << address;
            if (!cur) continue;
            EXPECT_EQ(cur->signing_id_hex, want["signing_id"].get<std::string>());
            EXPECT_EQ(cur->key_index, want["key_index"].get<std::uint32_t>());
            EXPECT_EQ(to_hex(cur->pubkey), want["signing_pubkey"].get<std::string>());
        }
    }
}

TEST(ProtoRegistry, RotationRevokesEveryLowerIndex) {
    SigningKeyRegistry r;
    EXPECT_TRUE(reg(r, "B", "m2k0"));
    EXPECT_TRUE(reg(r, "B", "m1k1"));  // index 1 (under B)
    EXPECT_FALSE(valid(r, "m2k0"));
    EXPECT_TRUE(valid(r, "m1k1"));
    EXPECT_TRUE(reg(r, "B", "m2k7"));  // index 7 revokes 0 and 1
    EXPECT_FALSE(valid(r, "m2k0"));
    EXPECT_FALSE(valid(r, "m1k1"));
    EXPECT_TRUE(valid(r, "m2k7"));
    EXPECT_FALSE(r.pubkey_for(signing_key("m1k1").signing_id()));
    EXPECT_EQ(r.pubkey_for(signing_key("m2k7").signing_id()), signing_key("m2k7").pubkey());
    EXPECT_EQ(r.current_key("B")->key_index, 7u);
    EXPECT_EQ(r.to_json()["B"]["current_key_index"], 7);
}

TEST(ProtoRegistry, LowerIndexAfterHigherIsRevokedAtOnce) {
    SigningKeyRegistry r;
    reg(r, "B", "m2k7");
    EXPECT_TRUE(reg(r, "B", "m2k0"));  // new, but revoked on arrival
    EXPECT_FALSE(valid(r, "m2k0"));
    EXPECT_EQ(owner(r, "m2k0"), "B");
    EXPECT_TRUE(valid(r, "m2k7"));
    EXPECT_EQ(r.current_key("B")->signing_id_hex, to_hex(signing_key("m2k7").signing_id()));
    EXPECT_EQ(r.to_json()["B"]["keys"][to_hex(signing_key("m2k0").signing_id())]["revoked"], true);
}

TEST(ProtoRegistry, ReRegisterReturnsFalseAndRefreshesFirstSeen) {
    SigningKeyRegistry r;
    EXPECT_TRUE(reg(r, "A", "m1k0", 0, 5000));  // timestamp 0 means "now"
    const std::string sid = to_hex(signing_key("m1k0").signing_id());
    EXPECT_EQ(r.to_json()["A"]["keys"][sid]["first_seen"], 5000.0);
    EXPECT_FALSE(reg(r, "A", "m1k0", 0, 6000));
    EXPECT_EQ(r.to_json()["A"]["keys"][sid]["first_seen"], 6000.0);
    EXPECT_FALSE(reg(r, "A", "m1k0", 4242, 7000));  // an explicit timestamp wins
    EXPECT_EQ(r.to_json()["A"]["keys"][sid]["first_seen"], 4242.0);
    EXPECT_EQ(r.known_ids(), 1u);
}

TEST(ProtoRegistry, SameIndexTwiceKeepsBothValid) {
    SigningKeyRegistry r;
    reg_as(r, "A", "m1k0", 3);
    reg_as(r, "A", "m2k0", 3);
    EXPECT_TRUE(valid(r, "m1k0"));
    EXPECT_TRUE(valid(r, "m2k0"));
    // current_key is the first registered key at the current index (insertion order).
    EXPECT_EQ(r.current_key("A")->signing_id_hex, to_hex(signing_key("m1k0").signing_id()));
}

TEST(ProtoRegistry, SecondAddressTakesOverAttribution) {
    SigningKeyRegistry r;
    reg(r, "A", "m1k0");
    EXPECT_TRUE(reg(r, "Mallory", "m1k0"));  // new for Mallory
    EXPECT_EQ(owner(r, "m1k0"), "Mallory");
    EXPECT_TRUE(valid(r, "m1k0"));
    EXPECT_EQ(r.known_ids(), 1u);
    // Both addresses list the key; the reverse map follows the last announcement.
    EXPECT_TRUE(r.to_json()["A"]["keys"].contains(to_hex(signing_key("m1k0").signing_id())));
    EXPECT_TRUE(r.to_json()["Mallory"]["keys"].contains(to_hex(signing_key("m1k0").signing_id())));

    // Validity is judged under the attributed address: A rotating does not revoke it now.
    reg(r, "A", "m1k1");
    EXPECT_TRUE(valid(r, "m1k0"));
    EXPECT_EQ(r.to_json()["A"]["keys"][to_hex(signing_key("m1k0").signing_id())]["revoked"], true);
    // And an announcement by A again moves it back, revoked.
    reg(r, "A", "m1k0");
    EXPECT_EQ(owner(r, "m1k0"), "A");
    EXPECT_FALSE(valid(r, "m1k0"));
}

TEST(ProtoRegistry, UnknownLookups) {
    SigningKeyRegistry r;
    const SigningId zero{};
    EXPECT_FALSE(r.is_key_valid(zero));
    EXPECT_FALSE(r.pubkey_for(zero));
    EXPECT_FALSE(r.address_for(zero));
    EXPECT_FALSE(r.current_key("nobody"));
    EXPECT_EQ(r.known_ids(), 0u);
    EXPECT_EQ(r.to_json().dump(), "{}");
}

TEST(ProtoRegistry, CurrentKeyAbsentWhenNoUnrevokedKeyHasTheCurrentIndex) {
    // The same id re-announced with a lower index replaces its entry, revoked; the miner's
    // current index stays 5 and no key carries it any more.
    SigningKeyRegistry r;
    reg_as(r, "A", "m1k0", 5);
    EXPECT_EQ(r.current_key("A")->key_index, 5u);
    EXPECT_FALSE(reg_as(r, "A", "m1k0", 2));
    EXPECT_FALSE(r.current_key("A"));
    EXPECT_FALSE(valid(r, "m1k0"));
    const auto j = r.to_json()["A"];
    EXPECT_EQ(j["current_key_index"], 5);
    EXPECT_EQ(j["keys"][to_hex(signing_key("m1k0").signing_id())]["key_index"], 2);
}

TEST(ProtoRegistry, ToJsonShapeAndOrder) {
    SigningKeyRegistry r;
    reg(r, "Z", "m2k0", 10);
    reg(r, "A", "m1k0", 20);
    reg(r, "A", "m1k1", 30);
    const std::string k0 = to_hex(signing_key("m1k0").signing_id());
    const std::string k1 = to_hex(signing_key("m1k1").signing_id());
    const std::string z0 = to_hex(signing_key("m2k0").signing_id());
    EXPECT_EQ(r.to_json().dump(),
              R"({"Z":{"current_key_index":0,"keys":{")" + z0 +
                  R"(":{"key_index":0,"revoked":false,"first_seen":10.0}}},)"
                  R"("A":{"current_key_index":1,"keys":{")" +
                  k0 + R"(":{"key_index":0,"revoked":true,"first_seen":20.0},")" + k1 +
                  R"(":{"key_index":1,"revoked":false,"first_seen":30.0}}}})");
    EXPECT_EQ(r.known_ids(), 3u);
}
