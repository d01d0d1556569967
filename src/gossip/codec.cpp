#include "gossip/codec.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace sharemsg::gossip {

namespace {

// ---- the streams ---------------------------------------------------------------------------
//
// A description calls, in order, for each field:
//   format(name, v)           u8; the reader refuses any but FORMAT_VERSION
//   fixed(name, bytes)        N bytes as they are (network id, delegation signature)
//   pubkey(name, k)           33 bytes; the reader refuses a non-point
//   u32/u64(name, v)          little-endian
//   flag(name, b)             u8 0/1; the reader refuses any other value
//   endpoints(name, list)     count u8 (1..6) then each: length u8 (4/16) || address || port u16
//   nat(name, n)              u8, one of relay::NatType
//   signature(name, s)        64 bytes; not part of the canonical bytes
//   announces(name, list)     count u8 then each announce's description

template <class S, class T>
void describe_announce(S& s, T& a);

bool is_point(const crypto::CompressedPubKey& k) {
    return crypto::parse_pubkey(k).ok();
}

class Reader {
  public:
    explicit Reader(ByteView d) : d_(d) {}
    bool ok() const { return !failure_; }
    const Failure& failure() const { return *failure_; }
    std::size_t remaining() const { return d_.size() - pos_; }
    void set(Problem p, std::string detail) {
        if (!failure_) failure_ = Failure{p, std::move(detail)};
    }

    bool u8(const char* name, std::uint8_t& v) {
        const std::uint8_t* p = take(1, name);
        if (p) v = *p;
        return p != nullptr;
    }
    void format(const char* name, std::uint8_t& v) {
        std::uint8_t x = 0;
        if (!u8(name, x)) return;
        if (x != FORMAT_VERSION)
            return set(Problem::bad_version, std::string(name) + ": this node speaks version " +
                                                 std::to_string(FORMAT_VERSION) + ", not " +
                                                 std::to_string(x));
        v = x;
    }
    template <std::size_t N>
    void fixed(const char* name, ByteArray<N>& out) {
        const std::uint8_t* p = take(N, name);
        if (p) std::copy(p, p + N, out.begin());
    }
    void pubkey(const char* name, crypto::CompressedPubKey& k) {
        fixed(name, k);
        if (ok() && !is_point(k))
            set(Problem::bad_pubkey, std::string(name) + ": not a compressed secp256k1 point");
    }
    void u32(const char* name, std::uint32_t& v) { v = static_cast<std::uint32_t>(le(name, 4)); }
    void u64(const char* name, std::uint64_t& v) { v = le(name, 8); }
    void flag(const char* name, bool& b) {
        std::uint8_t x = 0;
        if (!u8(name, x)) return;
        if (x > 1) return set(Problem::bad_flag, std::string(name) + ": need 0 or 1");
        b = x == 1;
    }
    void endpoints(const char* name, std::vector<Endpoint>& list) {
        std::uint8_t n = 0;
        if (!u8(name, n)) return;
        if (n == 0) return set(Problem::no_endpoints, std::string(name) + ": none");
        if (n > MAX_ENDPOINTS)
            return set(Problem::too_many_endpoints, std::string(name) + ": " + std::to_string(n) +
                                                        ", at most " +
                                                        std::to_string(MAX_ENDPOINTS));
        list.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const std::string at = std::string(name) + "[" + std::to_string(i) + "]";
            std::uint8_t len = 0;
            if (!u8(at.c_str(), len)) return;
            if (len != 4 && len != 16)
                return set(Problem::bad_address_length,
                           at + ": address length " + std::to_string(len) + ", need 4 or 16");
            Endpoint e;
            e.v6 = len == 16;
            const std::uint8_t* p = take(len, at.c_str());
            if (!p) return;
            std::copy(p, p + len, e.addr.begin());
            e.port = static_cast<std::uint16_t>(le(at.c_str(), 2));
            if (!ok()) return;
            if (e.port == 0) return set(Problem::port_zero, at + ": port 0");
            if (std::find(list.begin(), list.end(), e) != list.end())
                return set(Problem::duplicate_endpoint, at + ": " + e.to_string() + " twice");
            list.push_back(e);
        }
    }
    void nat(const char* name, NatType& n) {
        std::uint8_t x = 0;
        if (!u8(name, x)) return;
        if (x >= relay::NAT_TYPE_COUNT)
            return set(Problem::unknown_nat,
                       std::string(name) + ": unknown NAT type " + std::to_string(x));
        n = static_cast<NatType>(x);
    }
    void signature(const char* name, crypto::SchnorrSig& s) { fixed(name, s); }
    void announces(const char* name, std::vector<Announce>& list) {
        std::uint8_t n = 0;
        if (!u8(name, n)) return;
        list.clear();
        for (std::size_t i = 0; i < n && ok(); ++i) {
            Announce a;
            describe_announce(*this, a);
            if (ok()) list.push_back(std::move(a));
        }
    }

  private:
    const std::uint8_t* take(std::size_t n, const char* name) {
        if (!ok()) return nullptr;
        if (remaining() < n) {
            set(Problem::truncated, std::string(name) + ": need " + std::to_string(n) +
                                        " bytes, have " + std::to_string(remaining()));
            return nullptr;
        }
        const std::uint8_t* p = d_.data() + pos_;
        pos_ += n;
        return p;
    }
    std::uint64_t le(const char* name, std::size_t n) {
        const std::uint8_t* p = take(n, name);
        std::uint64_t v = 0;
        for (std::size_t i = 0; p && i < n; ++i)
            v |= std::uint64_t{p[i]} << (8 * i);
        return v;
    }

    ByteView d_;
    std::size_t pos_ = 0;
    std::optional<Failure> failure_;
};

// The writer; with `signed_part_only` it writes the canonical bytes (no signature).
class Writer {
  public:
    explicit Writer(bool signed_part_only = false) : canonical_(signed_part_only) {}
    ByteWriter w;
    void format(const char*, const std::uint8_t& v) { w.u8(v); }
    template <std::size_t N>
    void fixed(const char*, const ByteArray<N>& b) {
        w.bytes(b);
    }
    void pubkey(const char*, const crypto::CompressedPubKey& k) { w.bytes(k); }
    void u32(const char*, const std::uint32_t& v) { w.u32le(v); }
    void u64(const char*, const std::uint64_t& v) { w.u64le(v); }
    void flag(const char*, const bool& b) { w.u8(b ? 1 : 0); }
    void endpoints(const char*, const std::vector<Endpoint>& list) {
        relay::write_endpoints(w, list);
    }
    void nat(const char*, const NatType& n) { w.u8(static_cast<std::uint8_t>(n)); }
    void signature(const char*, const crypto::SchnorrSig& s) {
        if (!canonical_) w.bytes(s);
    }
    void announces(const char*, const std::vector<Announce>& list) {
        w.u8(static_cast<std::uint8_t>(list.size()));
        for (const auto& a : list)
            describe_announce(*this, a);
    }

  private:
    bool canonical_;
};

// ---- the descriptions ----------------------------------------------------------------------

template <class S, class T>
void describe_announce(S& s, T& a) {
    s.format("format", a.format);
    s.fixed("network", a.network);
    s.pubkey("signing_pubkey", a.signing_pubkey);
    s.u32("key_index", a.key_index);
    s.pubkey("master_pubkey", a.delegation.master_pubkey);
    s.fixed("delegation_sig", a.delegation.signature);
    s.endpoints("endpoints", a.endpoints);
    s.nat("nat", a.nat);
    s.u64("timestamp", a.timestamp);
    s.u64("version", a.version);
    s.signature("signature", a.signature);
}

template <class S, class T>
void describe_pull(S& s, T& p) {
    s.u64("since", p.since);
    s.u64("nonce", p.nonce);
    s.fixed("network", p.network);
}

template <class S, class T>
void describe_delta(S& s, T& d) {
    s.u64("nonce", d.nonce);
    s.u64("cursor", d.cursor);
    s.flag("more", d.more);
    s.announces("announces", d.announces);
}

template <class T, class F>
Checked<Datagram> read_body(Reader& in, F describe) {
    T v{};
    describe(in, v);
    if (in.ok() && in.remaining() != 0)
        in.set(Problem::trailing_bytes, std::to_string(in.remaining()) + " bytes after the body");
    if (!in.ok()) return in.failure();
    return Datagram{std::move(v)};
}

}  // namespace

Checked<Datagram> decode(ByteView datagram) {
    if (datagram.size() > MAX_DATAGRAM)
        return fail(Problem::oversize, std::to_string(datagram.size()) + " bytes, at most " +
                                           std::to_string(MAX_DATAGRAM));
    Reader in(datagram);
    ByteArray<4> magic{};
    in.fixed("magic", magic);
    if (in.ok() && magic != MAGIC) return fail(Problem::bad_magic, "magic: not \"SMG1\"");
    std::uint8_t type = 0;
    if (!in.ok() || !in.u8("type", type)) return in.failure();
    switch (static_cast<Type>(type)) {
        case Type::announce:
            return read_body<Announce>(in, [](Reader& r, Announce& a) { describe_announce(r, a); });
        case Type::pull:
            return read_body<Pull>(in, [](Reader& r, Pull& p) { describe_pull(r, p); });
        case Type::delta:
            return read_body<Delta>(in, [](Reader& r, Delta& d) { describe_delta(r, d); });
    }
    return fail(Problem::unknown_type, "type: " + std::to_string(type) + " is not 1, 2 or 3");
}

Checked<Bytes> encode(const Datagram& d) {
    Writer out;
    out.w.bytes(MAGIC);
    if (const auto* a = std::get_if<Announce>(&d)) {
        out.w.u8(static_cast<std::uint8_t>(Type::announce));
        describe_announce(out, *a);
    } else if (const auto* p = std::get_if<Pull>(&d)) {
        out.w.u8(static_cast<std::uint8_t>(Type::pull));
        describe_pull(out, *p);
    } else {
        out.w.u8(static_cast<std::uint8_t>(Type::delta));
        describe_delta(out, std::get<Delta>(d));
    }
    Bytes bytes = std::move(out.w).take();
    // What decode refuses is not sent; the size first, since counts over 255 wrap in a u8.
    if (bytes.size() > MAX_DATAGRAM)
        return fail(Problem::oversize, std::to_string(bytes.size()) + " bytes, at most " +
                                           std::to_string(MAX_DATAGRAM));
    auto back = decode(bytes);
    if (!back) return back.failure();
    return bytes;
}

std::size_t announce_size(const Announce& a) {
    std::size_t n = ANNOUNCE_FIXED_SIZE;
    for (const auto& e : a.endpoints)
        n += e.v6 ? ENDPOINT_V6_SIZE : ENDPOINT_V4_SIZE;
    return n;
}

Bytes canonical_bytes(const Announce& a) {
    Writer c(true);
    describe_announce(c, a);
    return std::move(c.w).take();
}

crypto::Hash256 announce_sighash(const Announce& a) {
    return crypto::tagged_hash(TAG_ANNOUNCE, canonical_bytes(a));
}

void sign(Announce& a, const crypto::PrivKey& signing_key) {
    a.signature = crypto::schnorr_sign(signing_key, announce_sighash(a));
}

bool signature_ok(const Announce& a) {
    return crypto::schnorr_verify(a.signing_pubkey, announce_sighash(a), a.signature);
}

bool delegation_ok(const Announce& a) {
    const proto::open::BoundAnnouncement b{a.signing_pubkey, a.key_index,
                                           a.delegation.master_pubkey, a.delegation.signature};
    return proto::open::verify_delegation(b, a.network);
}

}  // namespace sharemsg::gossip
