// src/p2p/messages: every P2P message against the reference's bytes, round trips,
// and strict decoding (truncation, trailing bytes, bad values, unknown commands).
#include <gtest/gtest.h>

#include <string>

#include "p2p/messages.hpp"
#include "p2p/params.hpp"
#include "p2p_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::p2p;
using namespace sharemsg::p2p::test;

namespace {

bool starts_with(const std::string& s, std::string_view p) {
    return s.compare(0, p.size(), p) == 0;
}

}  // namespace

TEST(P2pMessages, CommandsAreTheReferenceMessageNames) {
    const std::vector<std::string_view> expected{
        "version",    "ping",      "addrme",  "addrs",     "getaddrs",    "shares",   "sharereq",
        "sharereply", "bestblock", "have_tx", "losing_tx", "remember_tx", "forget_tx"};
    ASSERT_EQ(MESSAGE_COMMANDS.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_EQ(MESSAGE_COMMANDS[i], expected[i]);
    for (const auto& s : samples())
        EXPECT_EQ(command_of(s.message), s.name);
}

TEST(P2pMessages, EncodeMatchesReferenceBytes) {
    for (const auto& s : samples()) {
        auto b = encode_payload(s.message);
        ASSERT_TRUE(b.ok()) << s.name << ": " << b.error().to_string();
        EXPECT_EQ(to_hex(*b), to_hex(s.payload)) << s.name;
    }
}

TEST(P2pMessages, DecodeReferenceBytesGivesTheValues) {
    for (const auto& s : samples()) {
        auto m = decode_message(s.name, s.payload);
        ASSERT_TRUE(m.ok()) << s.name << ": " << m.error().to_string();
        EXPECT_TRUE(*m == s.message) << s.name;
        EXPECT_EQ(command_of(*m), s.name);
    }
}

// The version message written out field by field, independently of the sample table.
TEST(P2pMessages, VersionGoldenFieldByField) {
    Bytes expected;
    auto put = [&](std::string_view h) { append(expected, hex(h)); };
    put("100e0000");                          // version: IntType(32) 3600
    put("0000000000000000");                  // services: IntType(64) 0
    put("0100000000000000");                  // addr_to.services: 1
    put("00000000000000000000ffff01020304");  // addr_to.address: 1.2.3.4 as ::ffff:1.2.3.4
    put("246e");                              // addr_to.port: 9326 big-endian
    put("0807060504030201");                  // addr_from.services
    put("20010db8000000000000ff0000428329");  // addr_from.address: 2001:db8::ff00:42:8329
    put("4b8a");                              // addr_from.port: 19338 big-endian
    put("efcdab8967452301");                  // nonce: 0x0123456789abcdef little-endian
    put("0c");                                // sub_version: VarStr length 12
    append(expected, text("v36-sharemsg"));
    put("01000000");  // mode: 1
    put("efcdab");    // best_share_hash: 0xabcdef as IntType(256)
    expected.resize(expected.size() + 29, 0);
    ASSERT_EQ(expected.size(), 109u + 12u);

    Version v;
    v.version = PROTOCOL_VERSION;
    v.addr_to = {1, ipv4_mapped(1, 2, 3, 4), 9326};
    v.addr_from = {0x0102030405060708, ipv6("20010db8000000000000ff0000428329"), 19338};
    v.nonce = 0x0123456789abcdef;
    v.sub_version = text("v36-sharemsg");
    v.mode = 1;
    v.best_share_hash = int256("abcdef");
    auto b = encode_payload(v);
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    EXPECT_EQ(to_hex(*b), to_hex(expected));
}

TEST(P2pMessages, VersionWithoutBestShareHash) {
    // best_share_hash None packs as 32 zero bytes and decodes back to None.
    const Bytes payload =
        hex("ae0d0000"
            "0000000000000000"
            "0000000000000000"
            "00000000000000000000ffff7f000001"
            "246e"
            "0000000000000000"
            "00000000000000000000ffff0a000002"
            "0001"
            "0100000000000000"
            "00"
            "01000000"
            "0000000000000000000000000000000000000000000000000000000000000000");
    auto m = decode_message("version", payload);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    const auto& v = std::get<Version>(*m);
    EXPECT_EQ(v.version, 3502u);
    EXPECT_FALSE(v.best_share_hash.has_value());
    EXPECT_EQ(address_text(v.addr_to.address), "127.0.0.1");
    EXPECT_EQ(v.addr_to.port, 9326);
    EXPECT_EQ(v.addr_from.port, 1);
    EXPECT_TRUE(v.sub_version.empty());
    auto again = encode_payload(*m);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, payload);
}

TEST(P2pMessages, RoundTripOfEverySample) {
    for (const auto& s : samples()) {
        auto b = encode_payload(s.message);
        ASSERT_TRUE(b.ok()) << s.name;
        auto m = decode_message(command_of(s.message), *b);
        ASSERT_TRUE(m.ok()) << s.name << ": " << m.error().to_string();
        EXPECT_TRUE(*m == s.message) << s.name;
    }
}

TEST(P2pMessages, EveryStrictPrefixIsTruncatedAndNamesTheMessage) {
    for (const auto& s : samples()) {
        for (std::size_t k = 0; k < s.payload.size(); ++k) {
            auto m = decode_message(s.name, ByteView(s.payload).first(k));
            ASSERT_FALSE(m.ok()) << s.name << " cut to " << k;
            const auto c = m.error().code;
            EXPECT_TRUE(c == Errc::truncated || c == Errc::oversize)
                << s.name << " cut to " << k << ": " << m.error().to_string();
            EXPECT_TRUE(starts_with(m.error().reason, s.name)) << m.error().reason;
        }
    }
}

TEST(P2pMessages, TrailingBytesAreAnError) {
    for (const auto& s : samples()) {
        Bytes longer = s.payload;
        longer.push_back(0x00);
        auto m = decode_message(s.name, longer);
        ASSERT_FALSE(m.ok()) << s.name;
        EXPECT_EQ(m.error().code, Errc::trailing_bytes) << s.name << ": " << m.error().to_string();
        EXPECT_EQ(m.error().reason, s.name + ": 1 bytes after the end of the message");
    }
}

TEST(P2pMessages, ErrorsNameTheField) {
    const auto all = samples();
    auto reason_of = [&](std::string_view name, std::size_t cut) {
        for (const auto& s : all)
            if (s.name == name) {
                auto m = decode_message(name, ByteView(s.payload).first(cut));
                return m ? std::string("ok") : m.error().reason;
            }
        return std::string("no sample");
    };
    // version: cut inside addr_to.port (4+8+8+16 = 36 bytes, then 1 of the 2 port bytes).
    EXPECT_TRUE(starts_with(reason_of("version", 37), "version.addr_to.port: need 2 bytes"))
        << reason_of("version", 37);
    // version: cut inside addr_from.port (12 + 26 + 24 bytes, then 1 of 2).
    EXPECT_TRUE(starts_with(reason_of("version", 63), "version.addr_from.port: need 2 bytes"))
        << reason_of("version", 63);
    // A list of fixed-size elements cut short fails its count check first, naming the list.
    EXPECT_TRUE(
        starts_with(reason_of("addrs", 68), "addrs.addrs: count 2 needs at least 34 bytes each"))
        << reason_of("addrs", 68);
    // sharereq: cut inside parents (fd 2c01 at offset 97).
    EXPECT_TRUE(starts_with(reason_of("sharereq", 98), "sharereq.parents: need 2 bytes"))
        << reason_of("sharereq", 98);
    // shares: the first share's contents run past the end.
    EXPECT_TRUE(starts_with(reason_of("shares", 5),
                            "shares.shares[0].contents: length 3 runs past the end"))
        << reason_of("shares", 5);
    // remember_tx: cut inside the first witness item of the second transaction.
    EXPECT_TRUE(
        starts_with(reason_of("remember_tx", 190), "remember_tx.txs[1].witness[0][0]: length 3"))
        << reason_of("remember_tx", 190);
}

TEST(P2pMessages, ListCountBeyondTheBytesLeftIsOversizeBeforeAllocating) {
    // have_tx claiming 2^32 hashes with 32 bytes present.
    Bytes p = hex("feffffffff");
    p.resize(p.size() + 32, 0);
    auto m = decode_message("have_tx", p);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::oversize);
    EXPECT_TRUE(starts_with(m.error().reason, "have_tx.tx_hashes: count 4294967295"))
        << m.error().reason;

    // addrs claiming 2 records of 34 bytes with 67 bytes left.
    Bytes a = hex("02");
    a.resize(a.size() + 67, 0);
    m = decode_message("addrs", a);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::oversize);

    // A CompactSize of 2^64-1 elements.
    m = decode_message("shares", hex("ffffffffffffffffff0000"));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::oversize);
}

TEST(P2pMessages, NonCanonicalCompactSizeIsRejected) {
    // 1 share as fd 01 00: the reference asserts 'VarInt not canonically packed'.
    auto m = decode_message("shares", hex("fd0100"
                                          "24"
                                          "00"));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::bad_encoding);
    // sharereq.parents = 1 written as fe 01000000.
    Bytes p(32, 0);
    append(p, hex("00"
                  "fe01000000"
                  "00"));
    m = decode_message("sharereq", p);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::bad_encoding);
    EXPECT_TRUE(starts_with(m.error().reason, "sharereq.parents")) << m.error().reason;
}

TEST(P2pMessages, ShareReplyResultMustBeInTheEnum) {
    Bytes p(32, 0x11);
    append(p, hex("06"
                  "00"));  // 'unk6': the last value of the enum
    auto m = decode_message("sharereply", p);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(std::get<ShareReply>(*m).result, 6u);

    p[32] = 0x07;
    m = decode_message("sharereply", p);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::bad_encoding);
    EXPECT_TRUE(starts_with(m.error().reason, "sharereply.result: 7")) << m.error().reason;

    ShareReply r;
    r.result = 7;
    auto b = encode_payload(r);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, Errc::invalid_argument);
}

TEST(P2pMessages, PresentZeroHashIsRefusedLikeNoneValueUsed) {
    Version v;
    v.best_share_hash = Uint256{};
    auto b = encode_payload(v);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, Errc::invalid_argument);
    EXPECT_NE(b.error().reason.find("best_share_hash"), std::string::npos) << b.error().reason;

    BestBlock bb;
    bb.header.previous_block = Uint256{};
    b = encode_payload(bb);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().reason.find("bestblock.header.previous_block"), std::string::npos)
        << b.error().reason;

    bb.header.previous_block.reset();  // None: 32 zero bytes, decodes back to None
    b = encode_payload(bb);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), 80u);
    auto m = decode_message("bestblock", *b);
    ASSERT_TRUE(m.ok());
    EXPECT_FALSE(std::get<BestBlock>(*m).header.previous_block.has_value());
}

TEST(P2pMessages, UnknownCommandIsNotFoundAndNamed) {
    auto m = decode_message("verack", {});
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::not_found);
    EXPECT_NE(m.error().reason.find("'verack'"), std::string::npos);
    // Commands are exact: no case folding, no padding.
    EXPECT_FALSE(decode_message("Ping", {}).ok());
    EXPECT_FALSE(decode_message(std::string("ping\0", 5), {}).ok());
    EXPECT_TRUE(decode_message("ping", {}).ok());
}

TEST(P2pMessages, AddressText) {
    EXPECT_EQ(address_text(ipv4_mapped(192, 168, 1, 20)), "192.168.1.20");
    EXPECT_EQ(address_text(ipv6("20010db8000000000000ff0000428329")),
              "2001:0db8:0000:0000:0000:ff00:0042:8329");
}

TEST(P2pMessages, LargeListsRoundTrip) {
    HaveTx h;
    for (std::uint32_t i = 0; i < 300; ++i)
        h.tx_hashes.push_back(chain::le_from_u64<32>(i * 7919ull));
    auto b = encode_payload(h);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), 3u + 300u * 32u);  // fd 2c01
    EXPECT_EQ((*b)[0], 0xfd);
    auto m = decode_message("have_tx", *b);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(std::get<HaveTx>(*m) == h);

    Shares s;
    s.shares.push_back({36, Bytes(70000, 0xab)});  // contents length fe 70110100
    b = encode_payload(s);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(to_hex(ByteView(*b).first(7)), "0124fe70110100");
    m = decode_message("shares", *b);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(std::get<Shares>(*m) == s);
}
