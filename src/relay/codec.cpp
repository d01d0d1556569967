#include "relay/codec.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

namespace sharemsg::relay {

namespace {

using J = nlohmann::ordered_json;

constexpr std::array<const char*, NAT_TYPE_COUNT> kNatNames = {
    "unknown", "open", "full_cone", "restricted", "port_restricted", "symmetric"};

bool is_point(const crypto::CompressedPubKey& k) {
    return crypto::parse_pubkey(k).ok();
}

// ---- the three streams ---------------------------------------------------------------------
//
// A description calls, in order, for each field:
//   version(name, v)            u8 format version; the reader refuses any but FORMAT_VERSION
//   network(name, id)           8 bytes; JSON: 16 hex digits
//   hash(name, h)               20 bytes; JSON: 40 hex digits
//   pubkey(name, k)             33 bytes, a compressed point; JSON: 66 hex digits
//   u32/u64(name, v)            JSON: a non-negative integer in range
//   flag(name, b)               u8 0/1; JSON: true/false
//   delegation(name, d)         97 bytes (master pubkey || signature); JSON: 194 hex digits
//   endpoints(name, list)       count u8 then each; JSON: 1..MAX_ENDPOINTS "ip:port" strings
//   nat(name, n)                u8; JSON: one of the NAT type names
//   signature(name, s)          64 bytes; JSON: 128 hex digits; not part of canonical bytes
//   extra(name, v)              a u64 outside the signed part (JSON only)

class JsonIn {
  public:
    explicit JsonIn(const J& j) : j_(j) {}
    bool ok() const { return !failure_; }
    const Failure& failure() const { return *failure_; }

    void version(const char* name, std::uint8_t& v) {
        std::uint64_t x = 0;
        if (!number(name, x, 255)) return;
        if (x != FORMAT_VERSION)
            return set(Problem::bad_version, std::string(name) + ": this relay speaks version " +
                                                 std::to_string(FORMAT_VERSION) + ", not " +
                                                 std::to_string(x));
        v = static_cast<std::uint8_t>(x);
    }
    void network(const char* name, NetworkId& id) {
        const J* f = string_field(name);
        if (!f) return;
        auto h = from_hex_fixed<8>(f->get_ref<const std::string&>());
        if (!h) return set(Problem::bad_network, std::string(name) + ": need 16 hex digits");
        id = *h;
    }
    void hash(const char* name, crypto::Hash160& h) { hex(name, h, Problem::bad_field); }
    void pubkey(const char* name, crypto::CompressedPubKey& k) {
        if (!hex(name, k, Problem::bad_pubkey)) return;
        if (!is_point(k))
            set(Problem::bad_pubkey, std::string(name) + ": not a compressed secp256k1 point");
    }
    void u32(const char* name, std::uint32_t& v) {
        std::uint64_t x = 0;
        if (number(name, x, 0xffffffffu)) v = static_cast<std::uint32_t>(x);
    }
    void u64(const char* name, std::uint64_t& v) {
        number(name, v, (std::uint64_t{1} << 53));  // exact in every JSON reader
    }
    void extra(const char* name, std::uint64_t& v) { u64(name, v); }
    void flag(const char* name, bool& b) {
        const J* f = field(name);
        if (!f) return;
        if (!f->is_boolean())
            return set(Problem::bad_field, std::string(name) + ": need true or false");
        b = f->get<bool>();
    }
    void delegation(const char* name, proto::open::Delegation& d) {
        const J* f = string_field(name);
        if (!f) return;
        auto p = proto::open::parse_delegation_hex(f->get_ref<const std::string&>());
        if (!p) return set(Problem::bad_delegation, std::string(name) + ": " + p.error().reason);
        d = *p;
    }
    void endpoints(const char* name, std::vector<Endpoint>& list) {
        const J* f = field(name);
        if (!f) return;
        if (!f->is_array())
            return set(Problem::bad_field, std::string(name) + ": need an array of \"ip:port\"");
        if (f->empty() || f->size() > MAX_ENDPOINTS)
            return set(Problem::too_many_endpoints, std::string(name) + ": need 1 to " +
                                                        std::to_string(MAX_ENDPOINTS) + ", got " +
                                                        std::to_string(f->size()));
        list.clear();
        for (std::size_t i = 0; i < f->size(); ++i) {
            const J& e = (*f)[i];
            if (!e.is_string())
                return set(Problem::bad_endpoint,
                           std::string(name) + "[" + std::to_string(i) + "]: need a string");
            auto ep = parse_endpoint(e.get_ref<const std::string&>());
            if (!ep)
                return set(ep.failure().problem, std::string(name) + "[" + std::to_string(i) +
                                                     "]: " + ep.failure().detail);
            if (std::find(list.begin(), list.end(), *ep) != list.end())
                return set(Problem::bad_endpoint,
                           std::string(name) + "[" + std::to_string(i) + "]: named twice");
            list.push_back(*ep);
        }
    }
    void nat(const char* name, NatType& n) {
        const J* f = string_field(name);
        if (!f) return;
        auto v = parse_nat(f->get_ref<const std::string&>());
        if (!v)
            return set(Problem::bad_nat,
                       std::string(name) +
                           ": need unknown, open, full_cone, restricted, port_restricted or "
                           "symmetric");
        n = *v;
    }
    void signature(const char* name, crypto::SchnorrSig& s) { hex(name, s, Problem::bad_field); }

    // After the description: nothing else may be in the object.
    void finish() {
        if (!ok()) return;
        for (const auto& [k, v] : j_.items())
            if (!seen_.count(k))
                return set(Problem::unknown_field,
                           k.substr(0, 64) + ": not a field of this format");
    }

  private:
    void set(Problem p, std::string detail) {
        if (!failure_) failure_ = Failure{p, std::move(detail)};
    }
    const J* field(const char* name) {
        if (!ok()) return nullptr;
        seen_.insert(name);
        auto it = j_.find(name);
        if (it == j_.end()) {
            set(Problem::missing_field, std::string(name) + ": missing");
            return nullptr;
        }
        return &*it;
    }
    const J* string_field(const char* name) {
        const J* f = field(name);
        if (f && !f->is_string()) {
            set(Problem::bad_field, std::string(name) + ": need a string");
            return nullptr;
        }
        return f;
    }
    template <std::size_t N>
    bool hex(const char* name, ByteArray<N>& out, Problem p) {
        const J* f = string_field(name);
        if (!f) return false;
        auto h = from_hex_fixed<N>(f->get_ref<const std::string&>());
        if (!h) {
            set(p, std::string(name) + ": need " + std::to_string(2 * N) + " hex digits");
            return false;
        }
        out = *h;
        return true;
    }
    bool number(const char* name, std::uint64_t& out, std::uint64_t max) {
        const J* f = field(name);
        if (!f) return false;
        if (!f->is_number_unsigned() || f->get<std::uint64_t>() > max) {
            set(Problem::bad_field,
                std::string(name) + ": need an integer from 0 to " + std::to_string(max));
            return false;
        }
        out = f->get<std::uint64_t>();
        return true;
    }

    const J& j_;
    std::set<std::string> seen_;
    std::optional<Failure> failure_;
};

class JsonOut {
  public:
    J j = J::object();
    void version(const char* name, const std::uint8_t& v) { j[name] = v; }
    void network(const char* name, const NetworkId& id) { j[name] = to_hex(id); }
    void hash(const char* name, const crypto::Hash160& h) { j[name] = to_hex(h); }
    void pubkey(const char* name, const crypto::CompressedPubKey& k) { j[name] = to_hex(k); }
    void u32(const char* name, const std::uint32_t& v) { j[name] = v; }
    void u64(const char* name, const std::uint64_t& v) { j[name] = v; }
    void extra(const char* name, const std::uint64_t& v) { j[name] = v; }
    void flag(const char* name, const bool& b) { j[name] = b; }
    void delegation(const char* name, const proto::open::Delegation& d) {
        j[name] = proto::open::delegation_to_hex(d);
    }
    void endpoints(const char* name, const std::vector<Endpoint>& list) {
        J a = J::array();
        for (const auto& e : list)
            a.push_back(e.to_string());
        j[name] = std::move(a);
    }
    void nat(const char* name, const NatType& n) { j[name] = nat_name(n); }
    void signature(const char* name, const crypto::SchnorrSig& s) { j[name] = to_hex(s); }
};

class Canonical {
  public:
    ByteWriter w;
    void version(const char*, const std::uint8_t& v) { w.u8(v); }
    void network(const char*, const NetworkId& id) { w.bytes(id); }
    void hash(const char*, const crypto::Hash160& h) { w.bytes(h); }
    void pubkey(const char*, const crypto::CompressedPubKey& k) { w.bytes(k); }
    void u32(const char*, const std::uint32_t& v) { w.u32le(v); }
    void u64(const char*, const std::uint64_t& v) { w.u64le(v); }
    void extra(const char*, const std::uint64_t&) {}
    void flag(const char*, const bool& b) { w.u8(b ? 1 : 0); }
    void delegation(const char*, const proto::open::Delegation& d) {
        w.bytes(d.master_pubkey);
        w.bytes(d.signature);
    }
    void endpoints(const char*, const std::vector<Endpoint>& list) { write_endpoints(w, list); }
    void nat(const char*, const NatType& n) { w.u8(static_cast<std::uint8_t>(n)); }
    void signature(const char*, const crypto::SchnorrSig&) {}
};

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

template <class T, class F>
Checked<T> decode_with(std::string_view text, F describe) {
    const J j = J::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fail(Problem::bad_json, "the body must be one JSON object");
    T v{};
    JsonIn in(j);
    describe(in, v);
    in.finish();
    if (!in.ok()) return in.failure();
    return v;
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
