#include "relay/codec.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "relay/streams.hpp"

namespace sharemsg::relay {

namespace {

using streams::Canonical;
using streams::decode_with;
using streams::JsonIn;
using streams::JsonOut;

constexpr std::array<const char*, NAT_TYPE_COUNT> kNatNames = {
    "unknown", "open", "full_cone", "restricted", "port_restricted", "symmetric"};

// ---- the descriptions ----------------------------------------------------------------------

template <class S, class T>
void describe_registration(S& s, T& r) {
    s.version("version", r.version);
    s.network("network", r.network);
    s.pubkey("signing_pubkey", r.signing_pubkey);
    s.u32("key_index", r.key_index);
    s.delegation("delegation", r.delegation);
    s.endpoints("endpoints", r.endpoints);
    s.nat("nat", r.nat);
    s.u64("timestamp", r.timestamp);
    s.signature("signature", r.signature);
}

template <class S, class T>
void describe_entry(S& s, T& e) {
    describe_registration(s, e.registration);
    s.extra("received", e.received);
    s.extra("expires", e.expires);
}

template <class S, class T>
void describe_allow(S& s, T& c) {
    s.version("version", c.version);
    s.network("network", c.network);
    s.hash("master_hash", c.master_hash);
    s.flag("allow", c.allow);
    s.u64("timestamp", c.timestamp);
    s.signature("signature", c.signature);
}

}  // namespace

const char* nat_name(NatType n) noexcept {
    const auto i = static_cast<std::size_t>(n);
    return i < kNatNames.size() ? kNatNames[i] : "unknown";
}

std::optional<NatType> parse_nat(std::string_view name) {
    for (std::size_t i = 0; i < kNatNames.size(); ++i)
        if (name == kNatNames[i]) return static_cast<NatType>(i);
    return std::nullopt;
}

void write_endpoints(ByteWriter& w, const std::vector<Endpoint>& list) {
    w.u8(static_cast<std::uint8_t>(list.size()));
    for (const auto& e : list) {
        const std::size_t n = e.v6 ? 16 : 4;
        w.u8(static_cast<std::uint8_t>(n));
        w.bytes(ByteView(e.addr.data(), n));
        w.u16le(e.port);
    }
}

std::string Endpoint::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, addr.data(), buf, sizeof buf);
    const std::string host = v6 ? "[" + std::string(buf) + "]" : std::string(buf);
    return host + ":" + std::to_string(port);
}

Checked<Endpoint> parse_endpoint(std::string_view text) {
    const auto bad = [&](const char* why) {
        return fail(Problem::bad_endpoint, "\"" + std::string(text.substr(0, 64)) + "\": " + why);
    };
    if (text.size() > 64) return bad("longer than 64 characters");
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("need ip:port");
    std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
    Endpoint e;
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p == 0 ||
        p > 65535 || port[0] == '0')
        return bad("the port must be 1 to 65535");
    e.port = static_cast<std::uint16_t>(p);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        const std::string h(host.substr(1, host.size() - 2));
        if (::inet_pton(AF_INET6, h.c_str(), e.addr.data()) != 1) return bad("not an IPv6 address");
        e.v6 = true;
        return e;
    }
    const std::string h(host);
    if (::inet_pton(AF_INET, h.c_str(), e.addr.data()) != 1)
        return bad("not an IPv4 address (IPv6 goes in brackets)");
    return e;
}

Checked<Registration> decode_registration(std::string_view json_text) {
    return decode_with<Registration>(
        json_text, [](JsonIn& in, Registration& r) { describe_registration(in, r); });
}

std::string encode_registration(const Registration& r) {
    JsonOut out;
    describe_registration(out, r);
    return out.j.dump();
}

Checked<Entry> decode_entry(std::string_view json_text) {
    return decode_with<Entry>(json_text, [](JsonIn& in, Entry& e) { describe_entry(in, e); });
}

std::string encode_entry(const Entry& e) {
    JsonOut out;
    describe_entry(out, e);
    return out.j.dump();
}

Checked<AllowChange> decode_allow_change(std::string_view json_text) {
    return decode_with<AllowChange>(json_text,
                                    [](JsonIn& in, AllowChange& c) { describe_allow(in, c); });
}

std::string encode_allow_change(const AllowChange& c) {
    JsonOut out;
    describe_allow(out, c);
    return out.j.dump();
}

Bytes canonical_bytes(const Registration& r) {
    Canonical c;
    describe_registration(c, r);
    return std::move(c.w).take();
}

Bytes canonical_bytes(const AllowChange& ch) {
    Canonical c;
    describe_allow(c, ch);
    return std::move(c.w).take();
}

crypto::Hash256 registration_sighash(const Registration& r) {
    return crypto::tagged_hash(TAG_REGISTER, canonical_bytes(r));
}

crypto::Hash256 allow_sighash(const AllowChange& c) {
    return crypto::tagged_hash(TAG_ALLOW, canonical_bytes(c));
}

void sign(Registration& r, const crypto::PrivKey& signing_key) {
    r.signature = crypto::schnorr_sign(signing_key, registration_sighash(r));
}

void sign(AllowChange& c, const crypto::PrivKey& admin_key) {
    c.signature = crypto::schnorr_sign(admin_key, allow_sighash(c));
}

bool signature_ok(const Registration& r) {
    return crypto::schnorr_verify(r.signing_pubkey, registration_sighash(r), r.signature);
}

bool delegation_ok(const Registration& r) {
    proto::open::BoundAnnouncement a{r.signing_pubkey, r.key_index, r.delegation.master_pubkey,
                                     r.delegation.signature};
    return proto::open::verify_delegation(a, r.network);
}

bool signature_ok(const AllowChange& c, const crypto::CompressedPubKey& admin_pubkey) {
    return crypto::schnorr_verify(admin_pubkey, allow_sighash(c), c.signature);
}

}  // namespace sharemsg::relay
