// The relay's formats: JSON both ways from one description, strict reading, the canonical
// bytes that are signed, and the signatures.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "relay/codec.hpp"
#include "test_relay_util.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;
using relay_test::identity;
using J = nlohmann::json;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

std::string with(const Registration& r, const std::function<void(J&)>& edit) {
    J j = J::parse(encode_registration(r));
    edit(j);
    return j.dump();
}

Problem problem_of(const std::string& text) {
    auto r = decode_registration(text);
    EXPECT_FALSE(r.ok()) << text;
    return r ? Problem::bad_json : r.failure().problem;
}

}  // namespace

TEST(RelayCodec, RegistrationRoundTripsThroughJson) {
    const auto id = identity(1);
    const auto r =
        id.registration(kNow, {"127.0.0.1:9333", "[2001:db8::7]:9334"}, NatType::port_restricted);
    const std::string text = encode_registration(r);
    auto back = decode_registration(text);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, r);
    EXPECT_TRUE(signature_ok(*back));
    EXPECT_TRUE(delegation_ok(*back));
    const J j = J::parse(text);
    EXPECT_EQ(j["network"], "73686d7364657601");
    EXPECT_EQ(j["endpoints"][1], "[2001:db8::7]:9334");
    EXPECT_EQ(j["nat"], "port_restricted");
    EXPECT_EQ(j["key_index"], 0);
}

TEST(RelayCodec, EntryRoundTripsAndCarriesTheSignedRegistration) {
    const auto r = identity(2).registration(kNow);
    Entry e{r, kNow + 1, kNow + 301};
    auto back = decode_entry(encode_entry(e));
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, e);
    EXPECT_TRUE(signature_ok(back->registration));
}

TEST(RelayCodec, AllowChangeRoundTripsAndVerifiesUnderTheAdminKey) {
    const auto c = relay_test::allow_change(identity(3).master_hash(), true, kNow);
    auto back = decode_allow_change(encode_allow_change(c));
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, c);
    EXPECT_TRUE(signature_ok(*back, relay_test::admin_key().pubkey()));
    EXPECT_FALSE(signature_ok(*back, identity(3).master.pubkey()));
    auto removed = *back;
    removed.allow = false;
    EXPECT_FALSE(signature_ok(removed, relay_test::admin_key().pubkey()));
}

TEST(RelayCodec, StrictReadingNamesTheProblem) {
    const auto r = identity(1).registration(kNow);
    EXPECT_EQ(problem_of("not json"), Problem::bad_json);
    EXPECT_EQ(problem_of("[1,2]"), Problem::bad_json);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j.erase("nat"); })), Problem::missing_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["extra"] = 1; })), Problem::unknown_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["version"] = 2; })), Problem::bad_version);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["version"] = 0; })), Problem::bad_version);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["network"] = "devnet"; })), Problem::bad_network);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["signing_pubkey"] = std::string(66, '0'); })),
              Problem::bad_pubkey);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["key_index"] = -1; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["key_index"] = 4294967296ULL; })),
              Problem::bad_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["timestamp"] = 1.5; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["timestamp"] = "1"; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["delegation"] = "00"; })), Problem::bad_delegation);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["nat"] = "cone"; })), Problem::bad_nat);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["signature"] = "zz"; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["endpoints"] = J::array(); })),
              Problem::too_many_endpoints);
    EXPECT_EQ(problem_of(with(r,
                              [](J& j) {
                                  j["endpoints"] = J::array();
                                  for (int i = 0; i < 7; ++i)
                                      j["endpoints"].push_back("10.0.0.1:" + std::to_string(i + 1));
                              })),
              Problem::too_many_endpoints);
    EXPECT_EQ(problem_of(with(r,
                              [](J& j) {
                                  j["endpoints"] = {"1.2.3.4:5", "1.2.3.4:5"};
                              })),
              Problem::bad_endpoint);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["endpoints"] = {7}; })), Problem::bad_endpoint);
    EXPECT_EQ(problem_of(with(r, [](J& j) { j["endpoints"] = "1.2.3.4:5"; })), Problem::bad_field);
    // The failure names the field.
    auto f = decode_registration(with(r, [](J& j) { j["nat"] = "cone"; }));
    EXPECT_NE(f.failure().detail.find("nat"), std::string::npos);
}

TEST(RelayCodec, EndpointsAreIpv4OrBracketedIpv6WithAPort) {
    EXPECT_EQ(parse_endpoint("192.0.2.1:9333")->to_string(), "192.0.2.1:9333");
    EXPECT_EQ(parse_endpoint("[::1]:1")->to_string(), "[::1]:1");
    EXPECT_EQ(parse_endpoint("[2001:DB8::1]:65535")->to_string(), "[2001:db8::1]:65535");
    for (const char* bad :
         {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:01", "1.2.3.4:+1",
          "::1:5", "host:5", "1.2.3:5", "[1.2.3.4]:5", "1.2.3.4:5x", " 1.2.3.4:5"})
        EXPECT_FALSE(parse_endpoint(bad).ok()) << bad;
}

TEST(RelayCodec, CanonicalBytesAreLengthPrefixedAndExcludeTheSignature) {
    auto r = identity(1).registration(kNow, {"1.2.3.4:258", "[::1]:1"}, NatType::symmetric);
    const Bytes b = canonical_bytes(r);
    // version 1 + network 8 + pubkey 33 + index 4 + delegation 97 + count 1
    // + (1 + 4 + 2) + (1 + 16 + 2) + nat 1 + timestamp 8
    EXPECT_EQ(b.size(), 1 + 8 + 33 + 4 + 97 + 1 + 7 + 19 + 1 + 8);
    EXPECT_EQ(b[0], FORMAT_VERSION);
    EXPECT_EQ(b[1 + 8 + 33 + 4 + 97], 2);      // endpoint count
    EXPECT_EQ(b[1 + 8 + 33 + 4 + 97 + 1], 4);  // first address length
    EXPECT_EQ(b[b.size() - 9], static_cast<std::uint8_t>(NatType::symmetric));
    auto resigned = r;
    resigned.signature = {};
    EXPECT_EQ(canonical_bytes(resigned), b);
    // Moving a byte from one endpoint to the next changes the bytes (no ambiguity).
    auto other = r;
    other.endpoints = {*parse_endpoint("1.2.3.42:58"), *parse_endpoint("[::1]:1")};
    EXPECT_NE(canonical_bytes(other), b);
}

TEST(RelayCodec, EveryFieldIsCoveredByTheSignature) {
    const auto id = identity(1);
    const auto r = id.registration(kNow);
    ASSERT_TRUE(signature_ok(r));
    std::vector<Registration> changed(8, r);
    changed[0].network[0] ^= 1;
    changed[1].key_index = 1;
    changed[2].delegation.signature[5] ^= 1;
    changed[3].endpoints[0].port = 9334;
    changed[4].nat = NatType::open;
    changed[5].timestamp = kNow + 1;
    changed[6].signing_pubkey = identity(2).key.pubkey();
    changed[7].endpoints.push_back(*parse_endpoint("10.0.0.1:1"));
    for (std::size_t i = 0; i < changed.size(); ++i)
        EXPECT_FALSE(signature_ok(changed[i])) << i;
}

TEST(RelayCodec, TheSignedDigestIsTaggedAndIncludesTheNetwork) {
    const auto r = identity(1).registration(kNow);
    EXPECT_EQ(registration_sighash(r),
              crypto::tagged_hash("sharemsg/relay/register", canonical_bytes(r)));
    EXPECT_NE(registration_sighash(r), crypto::sha256(canonical_bytes(r)));
    // A registration signed for another network does not verify after its network is swapped.
    NetworkId other{1, 2, 3, 4, 5, 6, 7, 8};
    auto moved = identity(1, 0, other).registration(kNow);
    moved.network = proto::open::DEVNET_NETWORK_ID;
    EXPECT_FALSE(signature_ok(moved));
    EXPECT_FALSE(delegation_ok(moved));
}

TEST(RelayCodec, DelegationOfAnotherKeyOrIndexFails) {
    auto r = identity(1).registration(kNow);
    r.delegation = identity(2).delegation;
    relay::sign(r, identity(1).key.privkey());
    EXPECT_TRUE(signature_ok(r));
    EXPECT_FALSE(delegation_ok(r));
    auto wrong_index = identity(1, 1).registration(kNow);
    wrong_index.key_index = 0;
    relay::sign(wrong_index, identity(1, 1).key.privkey());
    EXPECT_FALSE(delegation_ok(wrong_index));
}

TEST(RelayCodec, ProblemsHaveNamesAndStatuses) {
    EXPECT_STREQ(problem_name(Problem::rate_limited), "rate_limited");
    EXPECT_EQ(problem_status(Problem::rate_limited), 429u);
    EXPECT_EQ(problem_status(Problem::unauthorized), 403u);
    EXPECT_EQ(problem_status(Problem::replayed), 409u);
    EXPECT_EQ(problem_status(Problem::bad_json), 400u);
    EXPECT_EQ(problem_status(Problem::not_found), 404u);
    EXPECT_EQ(problem_status(Problem::bad_signature), 401u);
}
