// Constants of P2Pool share messaging, identical to the deployed reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sharemsg::proto {

// Message types (first byte of a message).
enum MsgType : std::uint8_t {
    MSG_NODE_STATUS = 0x01,
    MSG_MINER_MESSAGE = 0x02,
    MSG_POOL_ANNOUNCE = 0x03,
    MSG_VERSION_SIGNAL = 0x04,
    MSG_MERGED_STATUS = 0x05,
    MSG_EMERGENCY = 0x10,
    MSG_TRANSITION_SIGNAL = 0x20,
};

// Message flags (second byte).
inline constexpr std::uint8_t FLAG_HAS_SIGNATURE = 0x01;
inline constexpr std::uint8_t FLAG_BROADCAST = 0x02;
inline constexpr std::uint8_t FLAG_PERSISTENT = 0x04;
// Set on the wire by authority signers, but never trusted from the wire: it is stripped on
// unpack and set again only when a signature by an authority key verifies.
inline constexpr std::uint8_t FLAG_PROTOCOL_AUTHORITY = 0x08;

inline constexpr std::size_t MAX_MESSAGE_PAYLOAD = 220;
inline constexpr std::size_t MAX_MESSAGES_PER_SHARE = 3;
inline constexpr std::size_t MAX_TOTAL_MESSAGE_BYTES = 512;
inline constexpr double MAX_MESSAGE_AGE = 24 * 60 * 60;
inline constexpr std::size_t MAX_MESSAGE_HISTORY = 1000;
inline constexpr std::size_t MAX_PACKED_SIGNATURE = 73;  // largest DER ECDSA signature

inline constexpr std::size_t SIGNING_ID_SIZE = 20;
inline constexpr std::size_t SIGNING_KEY_ANNOUNCEMENT_SIZE = 57;  // id 20 + index 4 + pubkey 33
inline constexpr std::string_view SIGNING_KEY_DOMAIN = "p2pool-msg-v1";

// The v1 authority envelope.
inline constexpr std::uint8_t ENCRYPTED_ENVELOPE_VERSION = 0x01;
inline constexpr std::size_t ENCRYPTION_NONCE_SIZE = 16;
inline constexpr std::size_t ENCRYPTION_MAC_SIZE = 32;
inline constexpr std::size_t ENCRYPTION_HEADER_SIZE =
    1 + ENCRYPTION_NONCE_SIZE + ENCRYPTION_MAC_SIZE;
inline constexpr std::uint8_t INNER_ENVELOPE_VERSION = 1;
inline constexpr std::uint8_t INNER_FLAG_HAS_ANNOUNCEMENT = 0x01;

// Message Weight Units (share-cost economics; used by the open profile).
inline constexpr std::uint32_t MWU_HEADER = 8;
inline constexpr std::uint32_t MWU_PER_PAYLOAD_BYTE = 1;
inline constexpr std::uint32_t MWU_PER_SIGNATURE_BYTE = 2;
inline constexpr std::uint32_t MWU_ANNOUNCEMENT = 171;
inline constexpr std::uint32_t MAX_MWU_PER_SHARE = 1024;
inline constexpr std::uint32_t FREE_MWU_ALLOWANCE = 64;
inline constexpr std::uint32_t MWU_PER_SACRIFICE = 256;
inline constexpr std::uint32_t ROLLING_MWU_WINDOW = 3600;
inline constexpr std::uint32_t MAX_MWU_PER_HOUR = 4096;

// Display name of a type: "NODE_STATUS", ..., or "UNKNOWN_0x7f" for unknown types.
std::string type_name(std::uint8_t msg_type);
// The reference's short form used in ban lists: the known name, or "0x7f".
std::string type_short_name(std::uint8_t msg_type);
bool is_known_type(std::uint8_t msg_type);
// Parses "chat", "announce", "alert", "status" and the full names ("MINER_MESSAGE", ...).
std::optional<std::uint8_t> type_from_name(std::string_view name);

}  // namespace sharemsg::proto
