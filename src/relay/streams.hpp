// The relay's three streams over a format's one description (internal to src/relay and
// src/mailbox): the strict JSON reader, the JSON writer and the writer of the canonical bytes
// that are signed. codec.cpp (registrations, lookup entries, allow changes), signal.cpp
// (signals and polls) and mailbox/codec.cpp (headers, requests, stored messages) describe
// their formats with these calls.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "relay/codec.hpp"
#include "util/base64.hpp"

namespace sharemsg::relay::streams {

using J = nlohmann::ordered_json;

inline bool is_point(const crypto::CompressedPubKey& k) {
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
//   id16(name, a)               16 bytes; JSON: 32 hex digits
//   id8(name, a)                8 bytes; JSON: 16 hex digits
//   hash256(name, h)            32 bytes; JSON: 64 hex digits
//   base64(name, b, max)        u32 length || bytes; JSON: canonical base64 (util/base64.hpp)
//                               of at most `max` bytes (more: too_large, refused before it is
//                               decoded)
//   object(name, v, describe)   a nested format: its own fields in order; JSON: an object
//                               read as strictly as the outer one (failures name "name.field")
//   named(name, e, names)       an enum as u8; JSON: one of `names` (index = value)
//   text(name, s, min, max)     u16 length || bytes; JSON: a string of min..max printable
//                               ASCII characters (0x20..0x7e); refusals are bad_ice
//   lines(name, list, n, max)   count u8 || per line: u16 length || bytes; JSON: an array of
//                               at most n strings of 1..max printable ASCII characters
//                               (more: too_many_candidates; a bad line: bad_ice)

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

    void id16(const char* name, ByteArray<16>& a) { hex(name, a, Problem::bad_field); }
    void id8(const char* name, ByteArray<8>& a) { hex(name, a, Problem::bad_field); }
    void hash256(const char* name, crypto::Hash256& h) { hex(name, h, Problem::bad_field); }
    void base64(const char* name, Bytes& b, std::size_t max) {
        const J* f = string_field(name);
        if (!f) return;
        const auto& s = f->get_ref<const std::string&>();
        if (s.size() > util::base64_length(max))
            return set(Problem::too_large,
                       std::string(name) + ": more than " + std::to_string(max) + " bytes");
        auto d = util::base64_decode(s);
        if (!d)
            return set(Problem::bad_field,
                       std::string(name) + ": need canonical base64 (padded, no whitespace)");
        if (d->size() > max)
            return set(Problem::too_large,
                       std::string(name) + ": more than " + std::to_string(max) + " bytes");
        b = std::move(*d);
    }
    template <class T, class F>
    void object(const char* name, T& v, F describe) {
        const J* f = field(name);
        if (!f) return;
        if (!f->is_object())
            return set(Problem::bad_field, std::string(name) + ": need a JSON object");
        JsonIn in(*f);
        describe(in, v);
        in.finish();
        if (!in.ok()) set(in.failure().problem, std::string(name) + "." + in.failure().detail);
    }
    template <class E, std::size_t N>
    void named(const char* name, E& e, const std::array<const char*, N>& names) {
        const J* f = string_field(name);
        if (!f) return;
        const auto& s = f->get_ref<const std::string&>();
        for (std::size_t i = 0; i < N; ++i)
            if (s == names[i]) {
                e = static_cast<E>(i);
                return;
            }
        std::string all;
        for (std::size_t i = 0; i < N; ++i)
            all += (i ? (i + 1 == N ? " or " : ", ") : "") + std::string(names[i]);
        set(Problem::bad_field, std::string(name) + ": need " + all);
    }
    void text(const char* name, std::string& s, std::size_t min, std::size_t max) {
        const J* f = string_field(name);
        if (!f) return;
        if (auto why = bad_text(f->get_ref<const std::string&>(), min, max))
            return set(Problem::bad_ice, std::string(name) + ": " + *why);
        s = f->get<std::string>();
    }
    void lines(const char* name, std::vector<std::string>& list, std::size_t max_count,
               std::size_t max_len) {
        const J* f = field(name);
        if (!f) return;
        if (!f->is_array())
            return set(Problem::bad_field, std::string(name) + ": need an array of strings");
        if (f->size() > max_count)
            return set(Problem::too_many_candidates, std::string(name) + ": at most " +
                                                         std::to_string(max_count) + ", got " +
                                                         std::to_string(f->size()));
        list.clear();
        for (std::size_t i = 0; i < f->size(); ++i) {
            const J& e = (*f)[i];
            const std::string at = std::string(name) + "[" + std::to_string(i) + "]: ";
            if (!e.is_string()) return set(Problem::bad_field, at + "need a string");
            if (auto why = bad_text(e.get_ref<const std::string&>(), 1, max_len))
                return set(Problem::bad_ice, at + *why);
            list.push_back(e.get<std::string>());
        }
    }

    // After the description: nothing else may be in the object.
    void finish() {
        if (!ok()) return;
        for (const auto& [k, v] : j_.items())
            if (!seen_.count(k))
                return set(Problem::unknown_field,
                           k.substr(0, 64) + ": not a field of this format");
    }

  private:
    static std::optional<std::string> bad_text(const std::string& s, std::size_t min,
                                               std::size_t max) {
        if (s.size() < min || s.size() > max)
            return "need " + std::to_string(min) + " to " + std::to_string(max) +
                   " characters, got " + std::to_string(s.size());
        for (unsigned char c : s)
            if (c < 0x20 || c > 0x7e) return std::string("need printable ASCII only");
        return std::nullopt;
    }
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
    void id16(const char* name, const ByteArray<16>& a) { j[name] = to_hex(a); }
    void id8(const char* name, const ByteArray<8>& a) { j[name] = to_hex(a); }
    void hash256(const char* name, const crypto::Hash256& h) { j[name] = to_hex(h); }
    void base64(const char* name, const Bytes& b, std::size_t) { j[name] = util::base64_encode(b); }
    template <class T, class F>
    void object(const char* name, const T& v, F describe) {
        JsonOut out;
        describe(out, v);
        j[name] = std::move(out.j);
    }
    template <class E, std::size_t N>
    void named(const char* name, const E& e, const std::array<const char*, N>& names) {
        const auto i = static_cast<std::size_t>(e);
        j[name] = i < N ? names[i] : "";
    }
    void text(const char* name, const std::string& s, std::size_t, std::size_t) { j[name] = s; }
    void lines(const char* name, const std::vector<std::string>& list, std::size_t, std::size_t) {
        j[name] = list;
    }
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
    void id16(const char*, const ByteArray<16>& a) { w.bytes(a); }
    void id8(const char*, const ByteArray<8>& a) { w.bytes(a); }
    void hash256(const char*, const crypto::Hash256& h) { w.bytes(h); }
    void base64(const char*, const Bytes& b, std::size_t) {
        w.u32le(static_cast<std::uint32_t>(b.size()));
        w.bytes(b);
    }
    template <class T, class F>
    void object(const char*, const T& v, F describe) {
        describe(*this, v);
    }
    template <class E, std::size_t N>
    void named(const char*, const E& e, const std::array<const char*, N>&) {
        w.u8(static_cast<std::uint8_t>(e));
    }
    void text(const char*, const std::string& s, std::size_t, std::size_t) { string(s); }
    void lines(const char*, const std::vector<std::string>& list, std::size_t, std::size_t) {
        w.u8(static_cast<std::uint8_t>(list.size()));
        for (const auto& s : list)
            string(s);
    }

  private:
    void string(const std::string& s) {
        w.u16le(static_cast<std::uint16_t>(s.size()));
        w.bytes(as_bytes(s));
    }
};

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

}  // namespace sharemsg::relay::streams
