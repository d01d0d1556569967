// The gossip datagrams: binary both ways from one description, strict reading (each refusal
// its own Problem), the sizes, and the announce's signatures.
#include <gtest/gtest.h>

#include "gossip/codec.hpp"
#include "test_gossip_util.hpp"

using namespace sharemsg;
using namespace sharemsg::gossip;
using gossip_test::announce;
using gossip_test::kNow;
using relay_test::identity;

namespace {

Bytes bytes_of(const Datagram& d) {
    auto b = encode(d);
    EXPECT_TRUE(b.ok()) << (b ? "" : b.failure().detail);
    return b ? *b : Bytes{};
}

Problem problem_of(const Bytes& b) {
    auto d = decode(b);
    EXPECT_FALSE(d.ok());
    return d ? Problem::truncated : d.failure().problem;
}

// Offsets inside an announce datagram (header 5 bytes).
constexpr std::size_t kFormat = HEADER_SIZE;
constexpr std::size_t kSigningKey = kFormat + 1 + 8;
constexpr std::size_t kEndpointCount = kFormat + 1 + 8 + 33 + 4 + 33 + 64;

}  // namespace

TEST(GossipCodec, AnnounceRoundTripsAndVerifies) {
    const auto a = announce(identity(1), 7, kNow, {"198.51.100.7:7070", "[2001:db8::1]:7071"});
    const Bytes b = bytes_of(a);
    ASSERT_EQ(b.size(), HEADER_SIZE + ANNOUNCE_FIXED_SIZE + ENDPOINT_V4_SIZE + ENDPOINT_V6_SIZE);
    EXPECT_EQ(b.size(), HEADER_SIZE + announce_size(a));
    EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "SMG1");
    EXPECT_EQ(b[4], 1);
    auto back = decode(b);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    ASSERT_TRUE(std::holds_alternative<Announce>(*back));
    const auto& got = std::get<Announce>(*back);
    EXPECT_EQ(got, a);
    EXPECT_TRUE(signature_ok(got));
    EXPECT_TRUE(delegation_ok(got));
    EXPECT_EQ(bytes_of(got), b);
    // The canonical bytes are the body without its signature.
    EXPECT_EQ(canonical_bytes(a), Bytes(b.begin() + HEADER_SIZE, b.end() - 64));
}

TEST(GossipCodec, PullAndDeltaRoundTrip) {
    const Pull p{123456789, 0xfeedface'cafebeefULL, proto::open::DEVNET_NETWORK_ID};
    const Bytes pb = bytes_of(p);
    EXPECT_EQ(pb.size(), HEADER_SIZE + PULL_SIZE);
    EXPECT_EQ(pb[4], 2);
    auto pback = decode(pb);
    ASSERT_TRUE(pback.ok());
    EXPECT_EQ(std::get<Pull>(*pback), p);

    Delta d{p.nonce, 99, true, {announce(identity(1), 1), announce(identity(2), 5)}};
    const Bytes db = bytes_of(d);
    EXPECT_EQ(db[4], 3);
    EXPECT_EQ(db.size(), HEADER_SIZE + DELTA_HEADER_SIZE + 2 * MIN_ANNOUNCE_SIZE);
    auto dback = decode(db);
    ASSERT_TRUE(dback.ok()) << dback.failure().detail;
    EXPECT_EQ(std::get<Delta>(*dback), d);
    EXPECT_TRUE(signature_ok(std::get<Delta>(*dback).announces[1]));

    const Delta empty{1, 2, false, {}};
    auto eback = decode(bytes_of(empty));
    ASSERT_TRUE(eback.ok());
    EXPECT_EQ(std::get<Delta>(*eback), empty);
}

TEST(GossipCodec, MaximalSizes) {
    const auto big = announce(identity(1), 1, kNow, gossip_test::six_v6());
    EXPECT_EQ(announce_size(big), MAX_ANNOUNCE_SIZE);
    EXPECT_EQ(bytes_of(big).size(), 344u);
    // Three of the largest announces always fit in a delta, a fourth does not.
    Delta d{1, 2, false, {}};
    for (unsigned i = 0; i < DELTA_ANNOUNCES_ALWAYS; ++i)
        d.announces.push_back(announce(identity(i), 1, kNow, gossip_test::six_v6(i)));
    const Bytes three = bytes_of(d);
    EXPECT_LE(three.size(), MAX_DATAGRAM);
    EXPECT_TRUE(decode(three).ok());
    d.announces.push_back(announce(identity(9), 1, kNow, gossip_test::six_v6(9)));
    auto four = encode(d);
    ASSERT_FALSE(four.ok());
    EXPECT_EQ(four.failure().problem, Problem::oversize);
    // Five of the smallest fit, a sixth does not.
    Delta small{1, 2, false, {}};
    for (unsigned i = 0; i < DELTA_ANNOUNCES_AT_MOST; ++i)
        small.announces.push_back(announce(identity(i), 1));
    EXPECT_LE(bytes_of(small).size(), MAX_DATAGRAM);
    small.announces.push_back(announce(identity(7), 1));
    EXPECT_EQ(encode(small).failure().problem, Problem::oversize);
}

TEST(GossipCodec, EachRefusalHasItsProblem) {
    const Bytes good = bytes_of(announce(identity(1), 1, kNow, {"198.51.100.7:7070"}));
    auto edit = [&](std::size_t at, std::uint8_t v) {
        Bytes b = good;
        b[at] = v;
        return b;
    };
    EXPECT_EQ(problem_of(Bytes(good.begin(), good.end() - 1)), Problem::truncated);
    EXPECT_EQ(problem_of(Bytes(good.begin(), good.begin() + 3)), Problem::truncated);
    EXPECT_EQ(problem_of(Bytes(good.begin(), good.begin() + 4)), Problem::truncated);
    EXPECT_EQ(problem_of(Bytes(MAX_DATAGRAM + 1, 0)), Problem::oversize);
    EXPECT_EQ(problem_of(edit(0, 'X')), Problem::bad_magic);
    EXPECT_EQ(problem_of(edit(4, 0)), Problem::unknown_type);
    EXPECT_EQ(problem_of(edit(4, 4)), Problem::unknown_type);
    EXPECT_EQ(problem_of(edit(kFormat, 2)), Problem::bad_version);
    EXPECT_EQ(problem_of(edit(kSigningKey, 0x05)), Problem::bad_pubkey);
    EXPECT_EQ(problem_of(edit(kEndpointCount, 0)), Problem::no_endpoints);
    EXPECT_EQ(problem_of(edit(kEndpointCount, 7)), Problem::too_many_endpoints);
    EXPECT_EQ(problem_of(edit(kEndpointCount + 1, 6)), Problem::bad_address_length);
    {
        Bytes b = edit(kEndpointCount + 1 + 1 + 4, 0);
        b[kEndpointCount + 1 + 1 + 4 + 1] = 0;
        EXPECT_EQ(problem_of(b), Problem::port_zero);
    }
    EXPECT_EQ(problem_of(edit(kEndpointCount + 1 + ENDPOINT_V4_SIZE, relay::NAT_TYPE_COUNT)),
              Problem::unknown_nat);
    {
        Bytes b = good;
        b.push_back(0);
        EXPECT_EQ(problem_of(b), Problem::trailing_bytes);
    }
    {
        // The same endpoint twice: copy the first over the second.
        Bytes two = bytes_of(announce(identity(1), 1, kNow, {"198.51.100.7:7070", "10.0.0.1:1"}));
        std::copy(two.begin() + kEndpointCount + 1,
                  two.begin() + kEndpointCount + 1 + ENDPOINT_V4_SIZE,
                  two.begin() + kEndpointCount + 1 + ENDPOINT_V4_SIZE);
        EXPECT_EQ(problem_of(two), Problem::duplicate_endpoint);
    }
    {
        Bytes d = bytes_of(Delta{1, 2, false, {}});
        d[HEADER_SIZE + 16] = 2;
        EXPECT_EQ(problem_of(d), Problem::bad_flag);
        Bytes p = bytes_of(Pull{});
        p.push_back(1);
        EXPECT_EQ(problem_of(p), Problem::trailing_bytes);
        EXPECT_EQ(problem_of(Bytes(p.begin(), p.end() - 2)), Problem::truncated);
    }
    EXPECT_STREQ(problem_name(Problem::duplicate_endpoint), "duplicate_endpoint");
}

TEST(GossipCodec, EncodeRefusesWhatDecodeWould) {
    auto a = announce(identity(1), 1);
    a.endpoints.clear();
    EXPECT_EQ(encode(a).failure().problem, Problem::no_endpoints);
    a = announce(identity(1), 1, kNow, gossip_test::six_v6());
    a.endpoints.push_back(*relay::parse_endpoint("10.0.0.1:9"));
    EXPECT_EQ(encode(a).failure().problem, Problem::too_many_endpoints);
    a = announce(identity(1), 1, kNow, {"10.0.0.1:9", "10.0.0.1:9"});
    EXPECT_EQ(encode(a).failure().problem, Problem::duplicate_endpoint);
    a = announce(identity(1), 1);
    a.endpoints[0].port = 0;
    EXPECT_EQ(encode(a).failure().problem, Problem::port_zero);
}

TEST(GossipCodec, SignaturesBindTheNetworkAndEveryField) {
    const auto a = announce(identity(1), 3);
    ASSERT_TRUE(signature_ok(a));
    ASSERT_TRUE(delegation_ok(a));
    // The same announce moved to another network: neither signature holds.
    auto moved = a;
    moved.network[7] ^= 1;
    EXPECT_FALSE(signature_ok(moved));
    EXPECT_FALSE(delegation_ok(moved));
    // Re-signed by the signing key for the other network: the delegation still does not.
    sign(moved, identity(1).key.privkey());
    EXPECT_TRUE(signature_ok(moved));
    EXPECT_FALSE(delegation_ok(moved));
    // An identity delegated on the other network signs fine there, and nowhere else.
    auto other_net = a.network;
    other_net[0] ^= 0x40;
    const auto there = announce(identity(1, 0, other_net), 3);
    EXPECT_TRUE(signature_ok(there) && delegation_ok(there));
    auto here = there;
    here.network = a.network;
    EXPECT_FALSE(signature_ok(here));
    EXPECT_FALSE(delegation_ok(here));
    // Any signed field changed breaks the signature.
    auto v = a;
    v.version += 1;
    EXPECT_FALSE(signature_ok(v));
    auto t = a;
    t.timestamp += 1;
    EXPECT_FALSE(signature_ok(t));
    auto e = a;
    e.endpoints[0].port += 1;
    EXPECT_FALSE(signature_ok(e));
    auto n = a;
    n.nat = NatType::symmetric;
    EXPECT_FALSE(signature_ok(n));
}
