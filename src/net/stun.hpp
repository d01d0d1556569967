// The STUN message codec (RFC 8489), with the RFC 5780 attributes that NAT behaviour
// discovery needs. Pure: no sockets, clocks or threads.
//
// A message is a 20-byte header (type: 2 zero bits, method and class bits; length of the
// attributes; magic cookie 0x2112A442; 96-bit transaction id) followed by attributes, each
// type u16 || length u16 || value padded to a multiple of 4 bytes (all big-endian).
//
// The attributes this codec knows are described once (stun.cpp, `describe`); that one
// description drives both the decoder and the encoder. MESSAGE-INTEGRITY (HMAC-SHA1) and
// FINGERPRINT (CRC-32 XOR 0x5354554E) are positional: when present they come last, in that
// order, and are written by `encode` from its options. An attribute this codec does not
// know is kept as it came (`Message::other`); the comprehension-required ones (type below
// 0x8000) are listed by `unknown_required()`, so that a caller can refuse the message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relay/codec.hpp"
#include "util/bytes.hpp"

namespace sharemsg::net::stun {

using relay::Endpoint;
using TransactionId = ByteArray<12>;

inline constexpr std::uint32_t MAGIC_COOKIE = 0x2112A442;
inline constexpr std::uint32_t FINGERPRINT_XOR = 0x5354554E;
inline constexpr std::size_t HEADER_SIZE = 20;
inline constexpr std::uint16_t METHOD_BINDING = 0x001;
// SOFTWARE and an ERROR-CODE's reason: fewer than 128 characters, at most 763 bytes.
inline constexpr std::size_t MAX_TEXT = 763;

// Attribute types.
namespace attr {
inline constexpr std::uint16_t mapped_address = 0x0001;
inline constexpr std::uint16_t change_request = 0x0003;  // RFC 5780
inline constexpr std::uint16_t message_integrity = 0x0008;
inline constexpr std::uint16_t error_code = 0x0009;
inline constexpr std::uint16_t xor_mapped_address = 0x0020;
inline constexpr std::uint16_t software = 0x8022;
inline constexpr std::uint16_t fingerprint = 0x8028;
inline constexpr std::uint16_t response_origin = 0x802B;  // RFC 5780
inline constexpr std::uint16_t other_address = 0x802C;    // RFC 5780
}  // namespace attr

enum class Class : std::uint8_t { request = 0, indication = 1, success = 2, error = 3 };

struct ChangeRequest {
    bool change_ip = false;
    bool change_port = false;
    bool operator==(const ChangeRequest&) const = default;
};

struct ErrorCode {
    std::uint16_t code = 0;  // 300..699
    std::string reason;      // UTF-8, at most MAX_TEXT bytes
    bool operator==(const ErrorCode&) const = default;
};

// An attribute this codec does not know: its type and value (without padding).
struct RawAttribute {
    std::uint16_t type = 0;
    Bytes value;
    bool operator==(const RawAttribute&) const = default;
};

struct Message {
    Class cls = Class::request;
    std::uint16_t method = METHOD_BINDING;  // 12 bits
    TransactionId transaction{};
    std::optional<std::string> software;
    std::optional<Endpoint> mapped_address;
    std::optional<Endpoint> xor_mapped_address;
    std::optional<ChangeRequest> change_request;
    std::optional<Endpoint> response_origin;
    std::optional<Endpoint> other_address;
    std::optional<ErrorCode> error_code;
    std::vector<RawAttribute> other;  // unknown attributes, in the order received
    // Set by decode: whether MESSAGE-INTEGRITY / FINGERPRINT were present (a present
    // FINGERPRINT has been checked; MESSAGE-INTEGRITY needs the key, see integrity_ok).
    bool has_integrity = false;
    bool has_fingerprint = false;

    // The types in `other` that are comprehension-required (below 0x8000).
    std::vector<std::uint16_t> unknown_required() const;
    // XOR-MAPPED-ADDRESS if present, else MAPPED-ADDRESS.
    std::optional<Endpoint> mapped() const;
    bool operator==(const Message&) const = default;
};

enum class Error : std::uint8_t {
    short_header,          // fewer than 20 bytes
    not_stun,              // the two top bits of the type are not zero
    bad_cookie,            // not the magic cookie
    bad_length,            // the header's length is not a multiple of 4
    length_mismatch,       // the header's length is not the size of the rest of the datagram
    truncated_attribute,   // an attribute (or its padding) runs past the end
    bad_attribute_length,  // a known attribute whose value has the wrong size
    bad_address_family,    // an address attribute that is neither IPv4 (1) nor IPv6 (2)
    bad_error_code,        // ERROR-CODE class not 3..6 or number above 99
    text_too_long,         // SOFTWARE or an error reason over MAX_TEXT bytes
    after_fingerprint,     // an attribute after FINGERPRINT
    bad_fingerprint,       // FINGERPRINT does not match the message
};
inline constexpr std::uint8_t ERROR_COUNT = 12;
const char* error_name(Error e) noexcept;

// A decoded message or the reason there is none.
class Decoded {
  public:
    Decoded(Message m) : m_(std::move(m)) {}  // NOLINT(implicit)
    Decoded(Error e) : e_(e) {}               // NOLINT(implicit)
    bool ok() const { return m_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Message& operator*() const { return *m_; }
    const Message* operator->() const { return &*m_; }
    Message& value() { return *m_; }
    Error error() const { return e_; }

  private:
    std::optional<Message> m_;
    Error e_ = Error::short_header;
};

struct EncodeOptions {
    std::optional<Bytes> integrity_key;  // add MESSAGE-INTEGRITY with this HMAC-SHA1 key
    bool fingerprint = false;            // add FINGERPRINT
    std::uint8_t padding = 0;            // the value of padding bytes (ignored on receipt)
};

// Decodes one datagram: exactly one message, strict lengths. Attributes after
// MESSAGE-INTEGRITY other than FINGERPRINT are ignored (RFC 8489 §14.5); of a known
// attribute repeated, the first counts.
Decoded decode(ByteView datagram);
// Encodes the known attributes in the order of the description, then `other`, then
// MESSAGE-INTEGRITY and FINGERPRINT as the options ask. Preconditions: method below 0x1000,
// error code 300..699, texts within MAX_TEXT.
Bytes encode(const Message& m, const EncodeOptions& options = {});
// Whether the datagram (decoded without error) carries a MESSAGE-INTEGRITY that `key`
// produces. False when it has none.
bool integrity_ok(ByteView datagram, ByteView key);

// A binding request with this transaction id (and CHANGE-REQUEST if given).
Message binding_request(const TransactionId& id, std::optional<ChangeRequest> change = {});

}  // namespace sharemsg::net::stun
