// p2pool P2P messages: the payloads of p2p/frame.hpp frames.
//
// Source of truth: Protocol.message_* in p2pool/p2p.py of
// frstrtr/p2pool-merged-v36 (commit 44a10f30), with bitcoin_data.address_type,
// block_header_type and tx_type from p2pool/bitcoin/data.py and share_type from
// p2pool/data.py. One description per message serves both directions
// (p2p/messages_layout.hpp, on the chain/pack.hpp streams); the byte layout of
// each message is tabled there. Integers are little-endian except the port of
// a NetAddress, which is big-endian (network order).
//
// Decoding is strict: truncation (Errc::truncated), list counts that cannot
// fit in the bytes left (Errc::oversize, checked before allocating),
// non-canonical CompactSize (Errc::bad_encoding), a sharereply result outside
// the reference's enum (Errc::bad_encoding) and bytes after the message
// (Errc::trailing_bytes) are errors that name the field by its path, e.g.
// "addrs.addrs[3].address.port". The reference is laxer in places (a VarStr
// or 256-bit integer cut short by the end of the payload reads short rather than
// failing); everything it rejects we reject too.
//
// How the reference reacts to a payload that does not decode
// (p2protocol.py:56-92): for 'remember_tx', 'shares' and 'sharereply' a
// struct.error or ValueError skips the message and keeps the peer ("MWEB-SKIP");
// anything else - trailing bytes (LateEnd), a non-canonical CompactSize
// (AssertionError), or any error in the other messages - disconnects. An
// unknown command is ignored. That policy belongs to the peer layer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chain/uint.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::p2p {

using chain::Uint256;

// bitcoin_data.address_type: services, IPv6 address (IPv4 as ::ffff:a.b.c.d), port.
struct NetAddress {
    std::uint64_t services = 0;  // IntType(64)
    ByteArray<16> address{};     // IPV6AddressType: 16 bytes as on the wire
    std::uint16_t port = 0;      // IntType(16, 'big')
    bool operator==(const NetAddress&) const = default;
};
// ::ffff:a.b.c.d, as IPV6AddressType.write packs a dotted IPv4 address.
[[nodiscard]] ByteArray<16> ipv4_mapped(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                        std::uint8_t d);
// As IPV6AddressType.read shows it: "a.b.c.d" for ::ffff:0:0/96, otherwise
// eight groups of four lowercase hex digits joined by ':' (no '::' shortening).
[[nodiscard]] std::string address_text(const ByteArray<16>& address);

// share_type of p2pool/data.py: a share, kept opaque here (chain/ decodes contents by type).
struct WrappedShare {
    std::uint64_t type = 0;  // VarInt: the share version (36 for V36)
    Bytes contents;          // VarStr: the share's own serialization
    bool operator==(const WrappedShare&) const = default;
};

// bitcoin_data.block_header_type (80 bytes).
struct BlockHeader {
    std::uint32_t version = 0;
    std::optional<Uint256> previous_block;  // PossiblyNone(0, IntType(256))
    Uint256 merkle_root{};
    std::uint32_t timestamp = 0;
    std::uint32_t bits = 0;  // FloatingIntegerType: the compact target
    std::uint32_t nonce = 0;
    bool operator==(const BlockHeader&) const = default;
};

struct Version {
    static constexpr std::string_view command = "version";
    std::uint32_t version = 0;  // protocol version, see p2p/params.hpp
    std::uint64_t services = 0;
    NetAddress addr_to;
    NetAddress addr_from;
    std::uint64_t nonce = 0;  // the node's random id; equal to ours means we connected to ourselves
    Bytes sub_version;        // VarStr: software version text
    std::uint32_t mode = 0;   // always 1 (VERSION_MODE)
    std::optional<Uint256> best_share_hash;  // PossiblyNone(0, IntType(256))
    bool operator==(const Version&) const = default;
};

struct Ping {
    static constexpr std::string_view command = "ping";
    bool operator==(const Ping&) const = default;
};

struct AddrMe {
    static constexpr std::string_view command = "addrme";
    std::uint16_t port = 0;  // IntType(16): little-endian, unlike NetAddress::port
    bool operator==(const AddrMe&) const = default;
};

struct AddrRecord {
    std::uint64_t timestamp = 0;  // IntType(64), unix seconds
    NetAddress address;
    bool operator==(const AddrRecord&) const = default;
};

struct Addrs {
    static constexpr std::string_view command = "addrs";
    std::vector<AddrRecord> addrs;
    bool operator==(const Addrs&) const = default;
};

struct GetAddrs {
    static constexpr std::string_view command = "getaddrs";
    std::uint32_t count = 0;  // the reference answers with at most 100
    bool operator==(const GetAddrs&) const = default;
};

struct Shares {
    static constexpr std::string_view command = "shares";
    std::vector<WrappedShare> shares;
    bool operator==(const Shares&) const = default;
};

struct ShareReq {
    static constexpr std::string_view command = "sharereq";
    Uint256 id{};
    std::vector<Uint256> hashes;
    std::uint64_t parents = 0;  // VarInt
    std::vector<Uint256> stops;
    bool operator==(const ShareReq&) const = default;
};

// sharereply.result: EnumType(VarIntType(), {0: 'good', 1: 'too long', 2..6: 'unk2'..'unk6'}).
// The wire value is kept; any other value fails to decode (and to encode), as in the reference.
namespace sharereply_result {
inline constexpr std::uint64_t good = 0;
inline constexpr std::uint64_t too_long = 1;
inline constexpr std::uint64_t max = 6;  // 'unk6'
}  // namespace sharereply_result

struct ShareReply {
    static constexpr std::string_view command = "sharereply";
    Uint256 id{};
    std::uint64_t result = sharereply_result::good;
    std::vector<WrappedShare> shares;
    bool operator==(const ShareReply&) const = default;
};

struct BestBlock {
    static constexpr std::string_view command = "bestblock";
    BlockHeader header;
    bool operator==(const BestBlock&) const = default;
};

struct HaveTx {
    static constexpr std::string_view command = "have_tx";
    std::vector<Uint256> tx_hashes;
    bool operator==(const HaveTx&) const = default;
};

struct LosingTx {
    static constexpr std::string_view command = "losing_tx";
    std::vector<Uint256> tx_hashes;
    bool operator==(const LosingTx&) const = default;
};

struct RememberTx {
    static constexpr std::string_view command = "remember_tx";
    std::vector<Uint256> tx_hashes;
    // Each a whole bitcoin_data.tx_type serialization, kept as bytes (p2p/tx_scan.hpp).
    std::vector<Bytes> txs;
    bool operator==(const RememberTx&) const = default;
};

struct ForgetTx {
    static constexpr std::string_view command = "forget_tx";
    std::vector<Uint256> tx_hashes;
    bool operator==(const ForgetTx&) const = default;
};

using Message = std::variant<Version, Ping, AddrMe, Addrs, GetAddrs, Shares, ShareReq, ShareReply,
                             BestBlock, HaveTx, LosingTx, RememberTx, ForgetTx>;

namespace detail {
template <std::size_t... I>
constexpr auto commands_of(std::index_sequence<I...>) {
    return std::array<std::string_view, sizeof...(I)>{
        std::variant_alternative_t<I, Message>::command...};
}
}  // namespace detail

// Every command with a message type, in the order of the Message variant.
inline constexpr auto MESSAGE_COMMANDS =
    detail::commands_of(std::make_index_sequence<std::variant_size_v<Message>>{});

// The command of a message ("version", ...).
[[nodiscard]] std::string_view command_of(const Message& m);

// Decodes the payload of a frame whose command is `command`. Errc::not_found
// for a command without a message type (the reference ignores those frames).
// Other errors: see the top of this file.
[[nodiscard]] Result<Message> decode_message(std::string_view command, ByteView payload);

// The payload of a message. Fails, as the reference's pack raises, with
// Errc::invalid_argument for: a present best_share_hash or previous_block equal
// to 0 (PossiblyNone's 'none_value used'), a sharereply result over 6. It also
// refuses a remember_tx entry that is not exactly one transaction by
// p2p/tx_scan.hpp (the reference would write it and its peers fail to read it),
// so that every payload we encode decodes back to the same message.
[[nodiscard]] Result<Bytes> encode_payload(const Message& m);

// encode_payload, framed with `prefix` (p2p/frame.hpp encode_frame): the bytes
// to send. Errc::oversize when the payload is over max_payload (TooLong).
[[nodiscard]] Result<Bytes> encode_message(ByteView prefix, const Message& m,
                                           std::size_t max_payload);
[[nodiscard]] Result<Bytes> encode_message(ByteView prefix, const Message& m);

}  // namespace sharemsg::p2p
