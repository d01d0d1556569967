// The STUN codec: the RFC 5769 test vectors byte for byte, round trips of every attribute,
// and each decoding error.
#include <gtest/gtest.h>

#include "net/stun.hpp"

using namespace sharemsg;
using namespace sharemsg::net::stun;
namespace stun = sharemsg::net::stun;

namespace {

Bytes hex(std::string_view h) {
    auto b = from_hex(h);
    EXPECT_TRUE(b.ok());
    return b ? *b : Bytes{};
}

Bytes text_bytes(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

// RFC 5769 §2: every sample uses this short-term password as the MESSAGE-INTEGRITY key and
// pads with spaces.
const Bytes kKey = text_bytes("VOkJxbRl1RmTxUk/WvJxBt");
const TransactionId kVectorId = *from_hex_fixed<12>("b7e7a701bc34d686fa87dfae");

// RFC 5769 §2.1, §2.2, §2.3.
const char* const kSampleRequest =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e740024000"
    "46e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb5"
    "6781ef2b5b2d3f249c1b571a280280004e57a3bcf";
const char* const kSampleIpv4Response =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e"
    "112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
const char* const kSampleIpv6Response =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f72200020001400"
    "02a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed41"
    "80280004c8fb0b4c";

Endpoint endpoint(std::string_view text) {
    auto e = relay::parse_endpoint(text);
    EXPECT_TRUE(e.ok()) << text;
    return e ? *e : Endpoint{};
}

EncodeOptions vector_options() {
    EncodeOptions o;
    o.integrity_key = kKey;
    o.fingerprint = true;
    o.padding = 0x20;
    return o;
}

stun::Error error_of(const Bytes& b) {
    auto d = decode(b);
    EXPECT_FALSE(d.ok());
    return d ? stun::Error::short_header : d.error();
}

// A binding success with one XOR-MAPPED-ADDRESS, no integrity or fingerprint.
Bytes simple_response() {
    Message m;
    m.cls = Class::success;
    m.transaction = kVectorId;
    m.xor_mapped_address = endpoint("192.0.2.1:32853");
    return encode(m);
}

}  // namespace

TEST(NetStun, Rfc5769SampleRequest) {
    const Bytes wire = hex(kSampleRequest);
    auto d = decode(wire);
    ASSERT_TRUE(d.ok()) << error_name(d.error());
    EXPECT_EQ(d->cls, Class::request);
    EXPECT_EQ(d->method, METHOD_BINDING);
    EXPECT_EQ(d->transaction, kVectorId);
    EXPECT_EQ(d->software, "STUN test client");
    // PRIORITY, ICE-CONTROLLED and USERNAME are ICE's: kept as they came.
    ASSERT_EQ(d->other.size(), 3u);
    EXPECT_EQ(d->other[0], (RawAttribute{0x0024, hex("6e0001ff")}));
    EXPECT_EQ(d->other[1], (RawAttribute{0x8029, hex("932ff9b151263b36")}));
    EXPECT_EQ(d->other[2], (RawAttribute{0x0006, text_bytes("evtj:h6vY")}));
    EXPECT_EQ(d->unknown_required(), (std::vector<std::uint16_t>{0x0024, 0x0006}));
    EXPECT_TRUE(d->has_integrity);
    EXPECT_TRUE(d->has_fingerprint);
    EXPECT_TRUE(integrity_ok(wire, kKey));
    EXPECT_FALSE(integrity_ok(wire, text_bytes("VOkJxbRl1RmTxUk/WvJxBT")));

    Message m = *d;
    m.has_integrity = m.has_fingerprint = false;
    EXPECT_EQ(to_hex(encode(m, vector_options())), kSampleRequest);
}

TEST(NetStun, Rfc5769SampleIpv4Response) {
    const Bytes wire = hex(kSampleIpv4Response);
    auto d = decode(wire);
    ASSERT_TRUE(d.ok()) << error_name(d.error());
    EXPECT_EQ(d->cls, Class::success);
    EXPECT_EQ(d->software, "test vector");
    ASSERT_TRUE(d->xor_mapped_address);
    EXPECT_EQ(d->xor_mapped_address->to_string(), "192.0.2.1:32853");
    EXPECT_EQ(d->mapped(), d->xor_mapped_address);
    EXPECT_TRUE(d->other.empty());
    EXPECT_TRUE(integrity_ok(wire, kKey));

    Message m;
    m.cls = Class::success;
    m.transaction = kVectorId;
    m.software = "test vector";
    m.xor_mapped_address = endpoint("192.0.2.1:32853");
    EXPECT_EQ(to_hex(encode(m, vector_options())), kSampleIpv4Response);
}

TEST(NetStun, Rfc5769SampleIpv6Response) {
    const Bytes wire = hex(kSampleIpv6Response);
    auto d = decode(wire);
    ASSERT_TRUE(d.ok()) << error_name(d.error());
    ASSERT_TRUE(d->xor_mapped_address);
    EXPECT_EQ(d->xor_mapped_address->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
    EXPECT_TRUE(integrity_ok(wire, kKey));

    Message m;
    m.cls = Class::success;
    m.transaction = kVectorId;
    m.software = "test vector";
    m.xor_mapped_address = endpoint("[2001:db8:1234:5678:11:2233:4455:6677]:32853");
    EXPECT_EQ(to_hex(encode(m, vector_options())), kSampleIpv6Response);
}

TEST(NetStun, EveryAttributeRoundTrips) {
    for (const bool v6 : {false, true}) {
        for (const bool integrity : {false, true}) {
            for (const bool fingerprint : {false, true}) {
                Message m;
                m.cls = Class::error;
                m.transaction = *from_hex_fixed<12>("0102030405060708090a0b0c");
                m.software = "sharemsg";
                m.mapped_address = endpoint(v6 ? "[2001:db8::1]:1" : "198.51.100.7:65535");
                m.xor_mapped_address = endpoint(v6 ? "[2001:db8::2]:3478" : "203.0.113.9:40000");
                m.change_request = ChangeRequest{true, false};
                m.response_origin = endpoint(v6 ? "[::1]:3478" : "127.0.0.1:3478");
                m.other_address = endpoint(v6 ? "[::2]:3479" : "127.0.0.2:3479");
                m.error_code = ErrorCode{420, "Unknown Attribute"};
                m.other = {RawAttribute{0x8030, hex("0a0b0c")}, RawAttribute{0x0024, {}}};
                EncodeOptions o;
                if (integrity) o.integrity_key = text_bytes("key");
                o.fingerprint = fingerprint;
                const Bytes wire = encode(m, o);
                EXPECT_EQ(wire.size() % 4, 0u);
                auto d = decode(wire);
                ASSERT_TRUE(d.ok()) << error_name(d.error());
                m.has_integrity = integrity;
                m.has_fingerprint = fingerprint;
                EXPECT_EQ(*d, m);
                EXPECT_EQ(integrity_ok(wire, text_bytes("key")), integrity);
            }
        }
    }
}

TEST(NetStun, MessageTypesOfEachClass) {
    Message m = binding_request(kVectorId, ChangeRequest{true, true});
    EXPECT_EQ(to_hex(ByteView(encode(m)).first(2)), "0001");
    for (const auto& [cls, type] :
         {std::pair{Class::indication, "0011"}, {Class::success, "0101"}, {Class::error, "0111"}}) {
        m.cls = cls;
        const Bytes wire = encode(m);
        EXPECT_EQ(to_hex(ByteView(wire).first(2)), type);
        EXPECT_EQ(decode(wire)->cls, cls);
    }
    m.method = 0xABC;  // every method bit survives the interleaving with the class bits
    m.cls = Class::error;
    EXPECT_EQ(decode(encode(m))->method, 0xABC);
    auto d = decode(encode(binding_request(kVectorId, ChangeRequest{false, true})));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->change_request, (ChangeRequest{false, true}));
}

TEST(NetStun, UnknownOptionalAttributesAreSkippedAndRequiredOnesReported) {
    Message m;
    m.other = {RawAttribute{0xC001, hex("01")}};
    auto d = decode(encode(m));
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->unknown_required().empty());
    m.other.push_back(RawAttribute{0x7FFF, hex("0102030405")});
    d = decode(encode(m));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->unknown_required(), (std::vector<std::uint16_t>{0x7FFF}));
}

TEST(NetStun, AttributesAfterIntegrityAreIgnoredAndTheFirstOfARepeatCounts) {
    Message m;
    m.software = "first";
    EncodeOptions o;
    o.integrity_key = text_bytes("k");
    Bytes wire = encode(m, o);
    // Append a SOFTWARE after MESSAGE-INTEGRITY, and a second SOFTWARE before it.
    const Bytes tail = hex("802200046c617465");
    wire.insert(wire.end(), tail.begin(), tail.end());
    wire[3] = static_cast<std::uint8_t>(wire.size() - HEADER_SIZE);
    auto d = decode(wire);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->software, "first");
    EXPECT_TRUE(d->other.empty());
    EXPECT_TRUE(integrity_ok(wire, text_bytes("k")));

    Bytes twice = encode(m);
    const Bytes second = hex("80220004736f6e64");
    twice.insert(twice.end(), second.begin(), second.end());
    twice[3] = static_cast<std::uint8_t>(twice.size() - HEADER_SIZE);
    EXPECT_EQ(decode(twice)->software, "first");
}

TEST(NetStun, HeaderErrors) {
    const Bytes good = simple_response();
    ASSERT_TRUE(decode(good).ok());
    EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + 19)), stun::Error::short_header);
    Bytes b = good;
    b[0] |= 0x40;
    EXPECT_EQ(error_of(b), stun::Error::not_stun);
    b = good;
    b[0] |= 0x80;
    EXPECT_EQ(error_of(b), stun::Error::not_stun);
    b = good;
    b[7] ^= 1;
    EXPECT_EQ(error_of(b), stun::Error::bad_cookie);
    b = good;
    b[3] += 2;
    EXPECT_EQ(error_of(b), stun::Error::bad_length);
    b = good;
    b[3] += 4;
    EXPECT_EQ(error_of(b), stun::Error::length_mismatch);
    b = good;
    b.push_back(0);  // a byte beyond the header's length
    EXPECT_EQ(error_of(b), stun::Error::length_mismatch);
}

TEST(NetStun, AttributeErrors) {
    // The header (a success with the vectors' id) before each attribute under test.
    const auto with_attributes = [](std::string_view attrs) {
        Bytes b = hex("01010000");
        append(b, hex("2112a442b7e7a701bc34d686fa87dfae"));
        append(b, hex(attrs));
        b[2] = static_cast<std::uint8_t>((b.size() - HEADER_SIZE) >> 8);
        b[3] = static_cast<std::uint8_t>(b.size() - HEADER_SIZE);
        return b;
    };
    // The attribute's length runs past the end; its padding does.
    EXPECT_EQ(error_of(with_attributes("8022000861626364")), stun::Error::truncated_attribute);
    EXPECT_EQ(error_of(with_attributes("802200056162636465000000"
                                       "80220001")),
              stun::Error::truncated_attribute);
    // Addresses: too short, over-long for IPv4, short for IPv6, family 3.
    EXPECT_EQ(error_of(with_attributes("00200000")), stun::Error::bad_attribute_length);
    EXPECT_EQ(error_of(with_attributes("0020000c0001a147e112a64300000000")),
              stun::Error::bad_attribute_length);
    EXPECT_EQ(error_of(with_attributes("000100080002a147e112a643")),
              stun::Error::bad_attribute_length);
    EXPECT_EQ(error_of(with_attributes("802c00080003a147e112a643")),
              stun::Error::bad_address_family);
    // CHANGE-REQUEST of 8 bytes; MESSAGE-INTEGRITY of 4; FINGERPRINT of 8.
    EXPECT_EQ(error_of(with_attributes("000300080000000600000000")),
              stun::Error::bad_attribute_length);
    EXPECT_EQ(error_of(with_attributes("0008000400000000")), stun::Error::bad_attribute_length);
    EXPECT_EQ(error_of(with_attributes("802800080000000000000000")),
              stun::Error::bad_attribute_length);
    // ERROR-CODE: class 2, number 100, too short.
    EXPECT_EQ(error_of(with_attributes("0009000400000200")), stun::Error::bad_error_code);
    EXPECT_EQ(error_of(with_attributes("0009000400000464")), stun::Error::bad_error_code);
    EXPECT_EQ(error_of(with_attributes("0009000200000000")), stun::Error::bad_attribute_length);
    // SOFTWARE of 764 bytes.
    std::string long_text = "80220" + std::string("2fc") + std::string(764 * 2, '6');
    EXPECT_EQ(error_of(with_attributes(long_text)), stun::Error::text_too_long);
    // FINGERPRINT wrong, and an attribute after a right one.
    Message m;
    EncodeOptions o;
    o.fingerprint = true;
    Bytes b = encode(m, o);
    b.back() ^= 1;
    EXPECT_EQ(error_of(b), stun::Error::bad_fingerprint);
    b = encode(m, o);
    append(b, hex("c0010000"));
    b[3] = static_cast<std::uint8_t>(b.size() - HEADER_SIZE);
    EXPECT_EQ(error_of(b), stun::Error::after_fingerprint);
    // Every error has a name.
    for (std::uint8_t i = 0; i < ERROR_COUNT; ++i)
        EXPECT_STRNE(error_name(static_cast<stun::Error>(i)), "unknown");
}
