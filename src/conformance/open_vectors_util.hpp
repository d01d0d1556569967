// Internal to src/conformance: what the open profile's vector generator (open_vectors.cpp) and
// checker (open_vectors_check.cpp) share: the file's JSON forms of messages, announcements and
// envelopes, the fixed parties, and the ledger's result form.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include "crypto/ecdh.hpp"
#include "crypto/symmetric.hpp"
#include "proto/keys_io.hpp"
#include "proto/open_envelope.hpp"
#include "proto/open_ledger.hpp"
#include "proto/open_private.hpp"

#include <nlohmann/json.hpp>

namespace sharemsg::conformance::open_vectors_detail {

namespace po = proto::open;
using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

struct Bad : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr std::uint32_t kClock = 1700000000;
constexpr std::uint8_t kAddressVersion = 0x30;
inline const po::NetworkId kNet = po::DEVNET_NETWORK_ID;
inline const po::NetworkId kOtherNet = {0xe0, 0x37, 0xd5, 0xb8, 0xc6, 0x92, 0x34, 0x10};

// ---- JSON helpers ------------------------------------------------------------------------

inline const json& need(const json& v, const std::string& key) {
    if (!v.is_object() || !v.contains(key)) throw Bad("missing field '" + key + "'");
    return v.at(key);
}

inline Bytes hex(const json& v, const std::string& key) {
    const json& s = need(v, key);
    if (!s.is_string()) throw Bad("'" + key + "' is not a string");
    auto b = from_hex(s.get<std::string>());
    if (!b) throw Bad("'" + key + "' is not hex");
    return *b;
}

template <std::size_t N>
inline ByteArray<N> hexn(const json& v, const std::string& key) {
    const Bytes b = hex(v, key);
    if (b.size() != N) throw Bad("'" + key + "' must be " + std::to_string(N) + " bytes");
    ByteArray<N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

template <class Int>
inline Int num(const json& v, const std::string& key) {
    const json& n = need(v, key);
    if (!n.is_number_integer()) throw Bad("'" + key + "' is not an integer");
    if (n.is_number_unsigned()) {
        const auto u = n.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
            throw Bad("'" + key + "' out of range");
        return static_cast<Int>(u);
    }
    const auto s = n.get<std::int64_t>();
    if (s < 0 ||
        static_cast<std::uint64_t>(s) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
        throw Bad("'" + key + "' out of range");
    return static_cast<Int>(s);
}

inline std::string str(const json& v, const std::string& key) {
    const json& s = need(v, key);
    if (!s.is_string()) throw Bad("'" + key + "' is not a string");
    return s.get<std::string>();
}

inline ojson opt_hex(const std::optional<proto::SigningId>& id) {
    return id ? ojson(to_hex(*id)) : ojson(nullptr);
}

inline ojson message_json(const po::OpenMessage& m) {
    ojson j;
    j["msg_type"] = m.msg_type;
    j["flags"] = m.flags;
    j["timestamp"] = m.timestamp;
    j["signing_id"] = to_hex(m.signing_id);
    // Authority (co-signed) messages only, so that the other messages' form stays as it was.
    if (m.authority_key) j["authority_key"] = to_hex(*m.authority_key);
    j["recipient"] = opt_hex(m.recipient);
    if (m.fragment) {
        j["fragment"] = {{"msg_id", m.fragment->msg_id},
                         {"index", m.fragment->index},
                         {"total", m.fragment->total}};
    } else {
        j["fragment"] = nullptr;
    }
    j["payload"] = to_hex(m.payload);
    j["signature"] = to_hex(m.signature);
    return j;
}

inline po::OpenMessage message_from(const json& j) {
    po::OpenMessage m;
    m.msg_type = num<std::uint8_t>(j, "msg_type");
    m.flags = num<std::uint8_t>(j, "flags");
    m.timestamp = num<std::uint32_t>(j, "timestamp");
    m.signing_id = hexn<20>(j, "signing_id");
    if (j.contains("authority_key")) m.authority_key = hexn<32>(j, "authority_key");
    if (!need(j, "recipient").is_null()) m.recipient = hexn<20>(j, "recipient");
    const json& f = need(j, "fragment");
    if (!f.is_null())
        m.fragment = po::FragmentInfo{num<std::uint32_t>(f, "msg_id"),
                                      num<std::uint8_t>(f, "index"), num<std::uint8_t>(f, "total")};
    m.payload = hex(j, "payload");
    m.signature = hex(j, "signature");
    return m;
}

inline ojson announcement_json(const po::BoundAnnouncement& a) {
    return {{"signing_pubkey", to_hex(a.signing_pubkey)},
            {"key_index", a.key_index},
            {"master_pubkey", to_hex(a.master_pubkey)},
            {"delegation", to_hex(a.delegation_sig)}};
}

inline po::BoundAnnouncement announcement_from(const json& j) {
    return {hexn<33>(j, "signing_pubkey"), num<std::uint32_t>(j, "key_index"),
            hexn<33>(j, "master_pubkey"), hexn<64>(j, "delegation")};
}

inline ojson envelope_json(const po::Envelope& e) {
    ojson j;
    j["announcement"] = e.announcement ? announcement_json(*e.announcement) : ojson(nullptr);
    j["sacrifice_tag"] = opt_hex(e.sacrifice_tag);
    j["messages"] = ojson::array();
    for (const auto& m : e.messages)
        j["messages"].push_back(message_json(m));
    return j;
}

inline po::Envelope envelope_from(const json& j) {
    po::Envelope e;
    if (!need(j, "announcement").is_null())
        e.announcement = announcement_from(j.at("announcement"));
    if (!need(j, "sacrifice_tag").is_null()) e.sacrifice_tag = hexn<20>(j, "sacrifice_tag");
    const json& ms = need(j, "messages");
    if (!ms.is_array()) throw Bad("'messages' is not an array");
    for (const auto& m : ms)
        e.messages.push_back(message_from(m));
    return e;
}

inline Bytes label_bytes(const std::string& label, std::size_t n) {
    const auto h = crypto::sha256(as_bytes("open-vectors " + label));
    return Bytes(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(n));
}

template <std::size_t N>
inline ByteArray<N> label_array(const std::string& label) {
    const Bytes b = label_bytes(label, N);
    ByteArray<N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

// ---- parties -----------------------------------------------------------------------------

struct Party {
    std::string name;
    std::string master_hex;
    crypto::PrivKey master;
    proto::DerivedSigningKey key;
    po::BoundAnnouncement ann;
};

inline Party make_party(const std::string& name, const std::string& master_hex,
                        std::uint32_t index) {
    auto master = crypto::PrivKey::from_bytes(*from_hex(master_hex));
    auto key = proto::DerivedSigningKey::derive(master->bytes(), index);
    auto d = po::make_delegation(*master, kNet, key->pubkey(), index);
    auto ann = po::make_announcement(*key, d, kNet);
    if (!master || !key || !ann) throw std::logic_error("open vectors: bad party " + name);
    return Party{name, master_hex, *master, *key, *ann};
}

inline const std::vector<Party>& parties() {
    static const std::vector<Party> p = {
        make_party("m1k0", "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1", 0),
        make_party("m1k1", "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1", 1),
        make_party("m2k0", "26ff9474d529a468526f282c14e481388449ab984c022876ab3c17b523bf847a", 0),
        make_party("evil5", "0e5a2a6f5bd1a9c3b7e1f1a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7", 5),
    };
    return p;
}

inline const Party& party(const std::string& name) {
    for (const auto& p : parties())
        if (p.name == name) return p;
    throw Bad("unknown party '" + name + "'");
}

inline po::OpenMessage sign(const Party& p, std::uint8_t type, std::string_view text,
                            std::uint32_t ts,
                            const std::optional<proto::SigningId>& recipient = std::nullopt,
                            const po::NetworkId& net = kNet) {
    auto m = po::make_open_message(type, as_bytes(text), ts,
                                   proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT, recipient);
    if (!po::sign_open_message(m, p.key, p.ann.address_hash(), net))
        throw std::logic_error("open vectors: signing failed");
    return m;
}

// The high-S twin of a low-S DER signature (for negative vectors).
inline Bytes high_s(ByteView der) {
    static const ByteArray<32> n = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
                                    0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    auto c = crypto::ecdsa_der_to_compact(der);
    if (!c) throw std::logic_error("open vectors: not DER");
    ByteArray<32> r{}, s{}, hs{};
    std::copy_n(c->begin(), 32, r.begin());
    std::copy_n(c->begin() + 32, 32, s.begin());
    int borrow = 0;
    for (std::size_t k = 32; k-- > 0;) {
        int d = n[k] - s[k] - borrow;
        borrow = d < 0 ? 1 : 0;
        hs[k] = static_cast<std::uint8_t>(d + 256 * borrow);
    }
    auto integer = [](const ByteArray<32>& v) {
        std::size_t i = 0;
        while (i < 31 && v[i] == 0)
            ++i;
        Bytes out;
        if (v[i] & 0x80) out.push_back(0);
        out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
        return out;
    };
    const Bytes ri = integer(r), si = integer(hs);
    Bytes out{0x30, static_cast<std::uint8_t>(4 + ri.size() + si.size()), 0x02,
              static_cast<std::uint8_t>(ri.size())};
    append(out, ri);
    out.push_back(0x02);
    out.push_back(static_cast<std::uint8_t>(si.size()));
    append(out, si);
    return out;
}

// The "cosigned" category (open_vectors_cosigned.cpp): its generator, and its checker (adds
// failures, returns the number of vectors checked).
ojson gen_cosigned();
std::size_t check_cosigned(const json& c, std::vector<std::string>& failures);

inline ojson error_json(Errc code, const std::string& field) {
    return {{"code", errc_name(code)}, {"field", field}};
}

inline ojson result_json(const po::ApplyResult& r) {
    ojson j;
    j["announcement"] = po::announcement_outcome_name(r.announcement);
    j["messages"] = ojson::array();
    for (const auto& m : r.messages)
        j["messages"].push_back({{"signing_id", to_hex(*m.signing_id)},
                                 {"msg_type", m.msg_type},
                                 {"timestamp", m.timestamp},
                                 {"payload", to_hex(m.payload)},
                                 {"sender", *m.sender_address},
                                 {"share_hash", to_hex(*m.share_hash)},
                                 {"recipient", opt_hex(m.recipient)}});
    ojson ignored = ojson::object();
    for (std::size_t k = 0; k < po::IGNORED_KINDS; ++k)
        if (r.ignored.n[k]) ignored[po::ignored_name(static_cast<po::Ignored>(k))] = r.ignored.n[k];
    j["ignored"] = ignored;
    j["revoked"] = ojson::array();
    for (const auto& id : r.revoked)
        j["revoked"].push_back(to_hex(id));
    j["sacrifice_credited"] =
        r.sacrifice_credited ? ojson(to_hex(*r.sacrifice_credited)) : ojson(nullptr);
    j["fragments_pending"] = r.fragments_pending;
    j["share_mwu"] = r.share_mwu;
    return j;
}

}  // namespace sharemsg::conformance::open_vectors_detail
