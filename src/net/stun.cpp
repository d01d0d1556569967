#include "net/stun.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <algorithm>

namespace sharemsg::net::stun {

namespace {

constexpr std::size_t kIntegritySize = 20;  // HMAC-SHA1
constexpr std::uint8_t kFamilyV4 = 0x01;
constexpr std::uint8_t kFamilyV6 = 0x02;
constexpr std::uint8_t kChangeIp = 0x04;
constexpr std::uint8_t kChangePort = 0x02;

std::uint16_t be16(ByteView b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
std::uint32_t be32(ByteView b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
           (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}
void put16(Bytes& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void set16(Bytes& out, std::size_t at, std::uint16_t v) {
    out[at] = static_cast<std::uint8_t>(v >> 8);
    out[at + 1] = static_cast<std::uint8_t>(v);
}
std::size_t padded(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

// The 16 bytes an address is XORed with: the cookie, then the transaction id.
ByteArray<16> xor_pad(const TransactionId& id) {
    ByteArray<16> pad{};
    for (int i = 0; i < 4; ++i)
        pad[i] = static_cast<std::uint8_t>(MAGIC_COOKIE >> (24 - 8 * i));
    std::copy(id.begin(), id.end(), pad.begin() + 4);
    return pad;
}

enum class Xor : bool { no, yes };

// Decodes the attribute (type, value) into the field the description gives for `type`.
struct DecodeOne {
    std::uint16_t type;
    ByteView value;
    const TransactionId& id;
    bool known = false;
    std::optional<Error> error;

    bool take(std::uint16_t t, bool already) {
        if (t != type) return false;
        known = true;
        return !already;  // of a repeated attribute the first counts
    }
    void address(std::uint16_t t, std::optional<Endpoint>& field, Xor x) {
        if (!take(t, field.has_value())) return;
        if (value.size() < 4) {
            error = Error::bad_attribute_length;
            return;
        }
        const std::uint8_t family = value[1];
        const std::size_t len = family == kFamilyV4 ? 4 : family == kFamilyV6 ? 16 : 0;
        if (len == 0) {
            error = Error::bad_address_family;
            return;
        }
        if (value.size() != 4 + len) {
            error = Error::bad_attribute_length;
            return;
        }
        const auto pad = xor_pad(id);
        Endpoint e;
        e.v6 = family == kFamilyV6;
        e.port = be16(value, 2);
        if (x == Xor::yes) e.port ^= static_cast<std::uint16_t>(MAGIC_COOKIE >> 16);
        for (std::size_t i = 0; i < len; ++i)
            e.addr[i] = static_cast<std::uint8_t>(value[4 + i] ^ (x == Xor::yes ? pad[i] : 0));
        field = e;
    }
    void change(std::uint16_t t, std::optional<ChangeRequest>& field) {
        if (!take(t, field.has_value())) return;
        if (value.size() != 4) {
            error = Error::bad_attribute_length;
            return;
        }
        field = ChangeRequest{(value[3] & kChangeIp) != 0, (value[3] & kChangePort) != 0};
    }
    void text(std::uint16_t t, std::optional<std::string>& field) {
        if (!take(t, field.has_value())) return;
        if (value.size() > MAX_TEXT) {
            error = Error::text_too_long;
            return;
        }
        field = std::string(value.begin(), value.end());
    }
    void error_code(std::uint16_t t, std::optional<ErrorCode>& field) {
        if (!take(t, field.has_value())) return;
        if (value.size() < 4) {
            error = Error::bad_attribute_length;
            return;
        }
        const unsigned cls = value[2] & 0x07;
        const unsigned number = value[3];
        if (cls < 3 || cls > 6 || number > 99) {
            error = Error::bad_error_code;
            return;
        }
        if (value.size() - 4 > MAX_TEXT) {
            error = Error::text_too_long;
            return;
        }
        field = ErrorCode{static_cast<std::uint16_t>(cls * 100 + number),
                          std::string(value.begin() + 4, value.end())};
    }
};

// Writes each present attribute of the description.
struct EncodeAll {
    Bytes& out;
    const TransactionId& id;
    std::uint8_t padding;

    void attribute(std::uint16_t t, ByteView v) {
        put16(out, t);
        put16(out, static_cast<std::uint16_t>(v.size()));
        out.insert(out.end(), v.begin(), v.end());
        out.resize(out.size() + padded(v.size()) - v.size(), padding);
    }
    void address(std::uint16_t t, const std::optional<Endpoint>& field, Xor x) {
        if (!field) return;
        const std::size_t len = field->v6 ? 16 : 4;
        const auto pad = xor_pad(id);
        Bytes v{0, field->v6 ? kFamilyV6 : kFamilyV4};
        std::uint16_t port = field->port;
        if (x == Xor::yes) port ^= static_cast<std::uint16_t>(MAGIC_COOKIE >> 16);
        put16(v, port);
        for (std::size_t i = 0; i < len; ++i)
            v.push_back(static_cast<std::uint8_t>(field->addr[i] ^ (x == Xor::yes ? pad[i] : 0)));
        attribute(t, v);
    }
    void change(std::uint16_t t, const std::optional<ChangeRequest>& field) {
        if (!field) return;
        const auto flags = static_cast<std::uint8_t>((field->change_ip ? kChangeIp : 0) |
                                                     (field->change_port ? kChangePort : 0));
        const Bytes v{0, 0, 0, flags};
        attribute(t, v);
    }
    void text(std::uint16_t t, const std::optional<std::string>& field) {
        if (!field) return;
        attribute(t, ByteView(reinterpret_cast<const std::uint8_t*>(field->data()), field->size()));
    }
    void error_code(std::uint16_t t, const std::optional<ErrorCode>& field) {
        if (!field) return;
        Bytes v{0, 0, static_cast<std::uint8_t>(field->code / 100),
                static_cast<std::uint8_t>(field->code % 100)};
        v.insert(v.end(), field->reason.begin(), field->reason.end());
        attribute(t, v);
    }
};

// The one description of the attributes this codec knows, in the order they are written.
template <class V, class M>
void describe(V& v, M& m) {
    v.text(attr::software, m.software);
    v.address(attr::mapped_address, m.mapped_address, Xor::no);
    v.address(attr::xor_mapped_address, m.xor_mapped_address, Xor::yes);
    v.change(attr::change_request, m.change_request);
    v.address(attr::response_origin, m.response_origin, Xor::no);
    v.address(attr::other_address, m.other_address, Xor::no);
    v.error_code(attr::error_code, m.error_code);
}

std::uint16_t message_type(std::uint16_t method, Class cls) {
    const auto c = static_cast<unsigned>(cls);
    const unsigned m = method & 0x0FFF;
    return static_cast<std::uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) |
                                      ((c & 1) << 4) | ((c & 2) << 7));
}

ByteArray<kIntegritySize> hmac_sha1(ByteView key, ByteView data) {
    ByteArray<kIntegritySize> out{};
    unsigned len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
         &len);
    return out;
}

std::uint32_t fingerprint_of(ByteView data) {
    const auto crc = crc32(0L, data.data(), static_cast<uInt>(data.size()));
    return static_cast<std::uint32_t>(crc) ^ FINGERPRINT_XOR;
}

// Checks the header; on success the attributes are data[20, 20 + length).
std::optional<Error> check_header(ByteView data) {
    if (data.size() < HEADER_SIZE) return Error::short_header;
    if ((data[0] & 0xC0) != 0) return Error::not_stun;
    if (be32(data, 4) != MAGIC_COOKIE) return Error::bad_cookie;
    const std::size_t length = be16(data, 2);
    if (length % 4 != 0) return Error::bad_length;
    if (length != data.size() - HEADER_SIZE) return Error::length_mismatch;
    return std::nullopt;
}

// The offset of the first attribute of this type, walking a datagram whose header is valid.
std::optional<std::size_t> find(ByteView data, std::uint16_t type) {
    std::size_t at = HEADER_SIZE;
    while (at + 4 <= data.size()) {
        const std::uint16_t t = be16(data, at);
        const std::size_t len = be16(data, at + 2);
        if (t == type) return at;
        at += 4 + padded(len);
    }
    return std::nullopt;
}

}  // namespace

const char* error_name(Error e) noexcept {
    static constexpr const char* kNames[ERROR_COUNT] = {
        "short_header",         "not_stun",           "bad_cookie",
        "bad_length",           "length_mismatch",    "truncated_attribute",
        "bad_attribute_length", "bad_address_family", "bad_error_code",
        "text_too_long",        "after_fingerprint",  "bad_fingerprint"};
    const auto i = static_cast<std::size_t>(e);
    return i < ERROR_COUNT ? kNames[i] : "unknown";
}

std::vector<std::uint16_t> Message::unknown_required() const {
    std::vector<std::uint16_t> out;
    for (const auto& a : other)
        if (a.type < 0x8000) out.push_back(a.type);
    return out;
}

std::optional<Endpoint> Message::mapped() const {
    return xor_mapped_address ? xor_mapped_address : mapped_address;
}

Decoded decode(ByteView data) {
    if (auto e = check_header(data)) return *e;
    Message m;
    const std::uint16_t type = be16(data, 0);
    m.method = static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) |
                                          ((type & 0x3E00) >> 2));
    m.cls = static_cast<Class>(((type >> 4) & 1) | ((type >> 7) & 2));
    std::copy(data.begin() + 8, data.begin() + 20, m.transaction.begin());

    std::size_t at = HEADER_SIZE;
    while (at < data.size()) {
        if (data.size() - at < 4) return Error::truncated_attribute;
        const std::uint16_t t = be16(data, at);
        const std::size_t len = be16(data, at + 2);
        if (data.size() - at - 4 < padded(len)) return Error::truncated_attribute;
        const ByteView value = data.subspan(at + 4, len);
        if (t == attr::fingerprint) {
            if (len != 4) return Error::bad_attribute_length;
            if (at + 8 != data.size()) return Error::after_fingerprint;
            if (be32(value, 0) != fingerprint_of(data.first(at))) return Error::bad_fingerprint;
            m.has_fingerprint = true;
        } else if (t == attr::message_integrity && !m.has_integrity) {
            if (len != kIntegritySize) return Error::bad_attribute_length;
            m.has_integrity = true;
        } else if (!m.has_integrity) {
            DecodeOne one{t, value, m.transaction, false, std::nullopt};
            describe(one, m);
            if (one.error) return *one.error;
            if (!one.known) m.other.push_back(RawAttribute{t, Bytes(value.begin(), value.end())});
        }
        at += 4 + padded(len);
    }
    return m;
}

Bytes encode(const Message& m, const EncodeOptions& options) {
    Bytes out;
    put16(out, message_type(m.method, m.cls));
    put16(out, 0);  // length, set below
    put32(out, MAGIC_COOKIE);
    out.insert(out.end(), m.transaction.begin(), m.transaction.end());
    EncodeAll all{out, m.transaction, options.padding};
    describe(all, m);
    for (const auto& a : m.other)
        all.attribute(a.type, a.value);
    if (options.integrity_key) {
        // The HMAC covers the message up to the attribute, with a length that counts it.
        set16(out, 2, static_cast<std::uint16_t>(out.size() - HEADER_SIZE + 4 + kIntegritySize));
        const auto mac = hmac_sha1(*options.integrity_key, out);
        all.attribute(attr::message_integrity, mac);
    }
    if (options.fingerprint) {
        set16(out, 2, static_cast<std::uint16_t>(out.size() - HEADER_SIZE + 8));
        Bytes v;
        put32(v, fingerprint_of(out));
        all.attribute(attr::fingerprint, v);
    }
    set16(out, 2, static_cast<std::uint16_t>(out.size() - HEADER_SIZE));
    return out;
}

bool integrity_ok(ByteView data, ByteView key) {
    if (check_header(data)) return false;
    const auto at = find(data, attr::message_integrity);
    if (!at || *at + 4 + kIntegritySize > data.size() || be16(data, *at + 2) != kIntegritySize)
        return false;
    Bytes covered(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(*at));
    set16(covered, 2, static_cast<std::uint16_t>(*at - HEADER_SIZE + 4 + kIntegritySize));
    const auto mac = hmac_sha1(key, covered);
    return std::equal(mac.begin(), mac.end(), data.begin() + static_cast<std::ptrdiff_t>(*at) + 4);
}

Message binding_request(const TransactionId& id, std::optional<ChangeRequest> change) {
    Message m;
    m.cls = Class::request;
    m.method = METHOD_BINDING;
    m.transaction = id;
    m.change_request = change;
    return m;
}

}  // namespace sharemsg::net::stun
