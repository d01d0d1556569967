#include "conformance/open_vectors.hpp"

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

namespace sharemsg::conformance {

namespace {

namespace po = proto::open;
using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

struct Bad : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr std::uint32_t kClock = 1700000000;
constexpr std::uint8_t kAddressVersion = 0x30;
const po::NetworkId kNet = po::DEVNET_NETWORK_ID;
const po::NetworkId kOtherNet = {0xe0, 0x37, 0xd5, 0xb8, 0xc6, 0x92, 0x34, 0x10};

// ---- JSON helpers ------------------------------------------------------------------------

const json& need(const json& v, const std::string& key) {
    if (!v.is_object() || !v.contains(key)) throw Bad("missing field '" + key + "'");
    return v.at(key);
}

Bytes hex(const json& v, const std::string& key) {
    const json& s = need(v, key);
    if (!s.is_string()) throw Bad("'" + key + "' is not a string");
    auto b = from_hex(s.get<std::string>());
    if (!b) throw Bad("'" + key + "' is not hex");
    return *b;
}

template <std::size_t N>
ByteArray<N> hexn(const json& v, const std::string& key) {
    const Bytes b = hex(v, key);
    if (b.size() != N) throw Bad("'" + key + "' must be " + std::to_string(N) + " bytes");
    ByteArray<N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

template <class Int>
Int num(const json& v, const std::string& key) {
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

std::string str(const json& v, const std::string& key) {
    const json& s = need(v, key);
    if (!s.is_string()) throw Bad("'" + key + "' is not a string");
    return s.get<std::string>();
}

ojson opt_hex(const std::optional<proto::SigningId>& id) {
    return id ? ojson(to_hex(*id)) : ojson(nullptr);
}

ojson message_json(const po::OpenMessage& m) {
    ojson j;
    j["msg_type"] = m.msg_type;
    j["flags"] = m.flags;
    j["timestamp"] = m.timestamp;
    j["signing_id"] = to_hex(m.signing_id);
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

po::OpenMessage message_from(const json& j) {
    po::OpenMessage m;
    m.msg_type = num<std::uint8_t>(j, "msg_type");
    m.flags = num<std::uint8_t>(j, "flags");
    m.timestamp = num<std::uint32_t>(j, "timestamp");
    m.signing_id = hexn<20>(j, "signing_id");
    if (!need(j, "recipient").is_null()) m.recipient = hexn<20>(j, "recipient");
    const json& f = need(j, "fragment");
    if (!f.is_null())
        m.fragment = po::FragmentInfo{num<std::uint32_t>(f, "msg_id"),
                                      num<std::uint8_t>(f, "index"), num<std::uint8_t>(f, "total")};
    m.payload = hex(j, "payload");
    m.signature = hex(j, "signature");
    return m;
}

ojson announcement_json(const po::BoundAnnouncement& a) {
    return {{"signing_pubkey", to_hex(a.signing_pubkey)},
            {"key_index", a.key_index},
            {"master_pubkey", to_hex(a.master_pubkey)},
            {"delegation", to_hex(a.delegation_sig)}};
}

po::BoundAnnouncement announcement_from(const json& j) {
    return {hexn<33>(j, "signing_pubkey"), num<std::uint32_t>(j, "key_index"),
            hexn<33>(j, "master_pubkey"), hexn<64>(j, "delegation")};
}

ojson envelope_json(const po::Envelope& e) {
    ojson j;
    j["announcement"] = e.announcement ? announcement_json(*e.announcement) : ojson(nullptr);
    j["sacrifice_tag"] = opt_hex(e.sacrifice_tag);
    j["messages"] = ojson::array();
    for (const auto& m : e.messages)
        j["messages"].push_back(message_json(m));
    return j;
}

po::Envelope envelope_from(const json& j) {
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

Bytes label_bytes(const std::string& label, std::size_t n) {
    const auto h = crypto::sha256(as_bytes("open-vectors " + label));
    return Bytes(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(n));
}

template <std::size_t N>
ByteArray<N> label_array(const std::string& label) {
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

Party make_party(const std::string& name, const std::string& master_hex, std::uint32_t index) {
    auto master = crypto::PrivKey::from_bytes(*from_hex(master_hex));
    auto key = proto::DerivedSigningKey::derive(master->bytes(), index);
    auto d = po::make_delegation(*master, kNet, key->pubkey(), index);
    auto ann = po::make_announcement(*key, d, kNet);
    if (!master || !key || !ann) throw std::logic_error("open vectors: bad party " + name);
    return Party{name, master_hex, *master, *key, *ann};
}

const std::vector<Party>& parties() {
    static const std::vector<Party> p = {
        make_party("m1k0", "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1", 0),
        make_party("m1k1", "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1", 1),
        make_party("m2k0", "26ff9474d529a468526f282c14e481388449ab984c022876ab3c17b523bf847a", 0),
        make_party("evil5", "0e5a2a6f5bd1a9c3b7e1f1a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7", 5),
    };
    return p;
}

const Party& party(const std::string& name) {
    for (const auto& p : parties())
        if (p.name == name) return p;
    throw Bad("unknown party '" + name + "'");
}

po::OpenMessage sign(const Party& p, std::uint8_t type, std::string_view text, std::uint32_t ts,
                     const std::optional<proto::SigningId>& recipient = std::nullopt,
                     const po::NetworkId& net = kNet) {
    auto m = po::make_open_message(type, as_bytes(text), ts,
                                   proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT, recipient);
    if (!po::sign_open_message(m, p.key, p.ann.address_hash(), net))
        throw std::logic_error("open vectors: signing failed");
    return m;
}

// The high-S twin of a low-S DER signature (for negative vectors).
Bytes high_s(ByteView der) {
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

ojson error_json(Errc code, const std::string& field) {
    return {{"code", errc_name(code)}, {"field", field}};
}

// ---- generators --------------------------------------------------------------------------

ojson gen_parties() {
    ojson out;
    out["what"] =
        "signing keys of the vectors: HMAC-derived from a master (as v1), the master's "
        "delegation on the devnet, and the bound address (P2PKH version 0x30)";
    for (const auto& p : parties()) {
        ojson j;
        j["master"] = p.master_hex;
        j["key_index"] = p.key.key_index();
        j["signing_privkey"] = to_hex(p.key.privkey().bytes());
        j["signing_pubkey"] = to_hex(p.key.pubkey());
        j["signing_id"] = to_hex(p.key.signing_id());
        j["master_pubkey"] = to_hex(p.master.pubkey());
        j["address_hash"] = to_hex(p.ann.address_hash());
        j["address"] = proto::p2pkh_address_from_hash160(p.ann.address_hash(), kAddressVersion);
        out["keys"][p.name] = j;
    }
    return out;
}

ojson gen_delegation() {
    ojson out;
    out["what"] =
        "delegation = BIP340(master, tagged_hash(\"sharemsg/open/delegation\", network_id || "
        "signing_pubkey || le32(key_index) || master_pubkey)); announcement = signing_pubkey || "
        "le32(key_index) || master_pubkey || delegation (134 bytes)";
    auto& vs = out["vectors"] = ojson::array();
    auto add = [&](const std::string& what, const Party& p, const po::NetworkId& net,
                   const std::optional<ByteArray<32>>& aux) {
        const auto d = po::make_delegation(p.master, net, p.key.pubkey(), p.key.key_index(), aux);
        const po::BoundAnnouncement a{p.key.pubkey(), p.key.key_index(), d.master_pubkey,
                                      d.signature};
        po::Envelope e;
        e.announcement = a;
        const Bytes inner = *po::encode_inner(e);
        ojson j;
        j["what"] = what;
        j["party"] = p.name;
        j["network_id"] = to_hex(net);
        j["aux_rand"] = aux ? ojson(to_hex(*aux)) : ojson(nullptr);
        j["sighash"] =
            to_hex(po::delegation_sighash(net, a.signing_pubkey, a.key_index, a.master_pubkey));
        j["delegation_hex"] = po::delegation_to_hex(d);
        j["announcement"] = to_hex(ByteView(inner).subspan(1, po::ANNOUNCEMENT_SIZE));
        j["valid_on"] = {{"network_id", to_hex(net)}, {"valid", true}};
        vs.push_back(j);
    };
    add("m1k0 on the devnet, no aux randomness", party("m1k0"), kNet, std::nullopt);
    add("m1k1 on the devnet, aux randomness", party("m1k1"), kNet, label_array<32>("aux m1k1"));
    add("m2k0 on network e037d5b8c6923410", party("m2k0"), kOtherNet, std::nullopt);
    // Negative: announcements that do not verify.
    auto bad = [&](const std::string& what, po::BoundAnnouncement a, const po::NetworkId& net) {
        po::Envelope e;
        e.announcement = a;
        const Bytes inner = *po::encode_inner(e);
        vs.push_back({{"what", what},
                      {"announcement", to_hex(ByteView(inner).subspan(1, po::ANNOUNCEMENT_SIZE))},
                      {"valid_on", {{"network_id", to_hex(net)}, {"valid", false}}}});
    };
    const Party& m1 = party("m1k0");
    bad("devnet delegation checked on another network", m1.ann, kOtherNet);
    po::BoundAnnouncement idx = m1.ann;
    idx.key_index = 1;
    bad("key index changed", idx, kNet);
    po::BoundAnnouncement flipped = m1.ann;
    flipped.delegation_sig[0] ^= 1;
    bad("signature byte flipped", flipped, kNet);
    po::BoundAnnouncement takeover = party("evil5").ann;
    takeover.master_pubkey = m1.ann.master_pubkey;
    bad("attacker's key claiming the victim's master (attacker's signature)", takeover, kNet);
    return out;
}

ojson gen_delegation_hex() {
    ojson out;
    out["what"] =
        "parse_delegation_hex: 194 hex digits, master pubkey (33) || BIP340 signature (64)";
    auto& vs = out["vectors"] = ojson::array();
    const std::string good = po::delegation_to_hex(party("m1k0").ann.delegation());
    vs.push_back({{"what", "valid"},
                  {"text", good},
                  {"master_pubkey", good.substr(0, 66)},
                  {"signature", good.substr(66)}});
    vs.push_back({{"what", "one byte short"},
                  {"text", good.substr(2)},
                  {"error", error_json(Errc::invalid_argument, "97 bytes")}});
    vs.push_back({{"what", "not hex"},
                  {"text", "zz" + good.substr(2)},
                  {"error", error_json(Errc::bad_encoding, "delegation")}});
    vs.push_back({{"what", "master pubkey not a compressed point"},
                  {"text", "04" + good.substr(2)},
                  {"error", error_json(Errc::bad_key, "master pubkey")}});
    return out;
}

ojson gen_obfuscation() {
    ojson out;
    out["what"] =
        "key = SHA256(\"p2pool-msg-obfuscate\" || network_id); ciphertext = plaintext XOR "
        "ChaCha20(key, nonce, counter 0) (RFC 8439)";
    auto& vs = out["vectors"] = ojson::array();
    for (const auto& [label, net] : std::vector<std::pair<std::string, po::NetworkId>>{
             {"devnet", kNet}, {"other", kOtherNet}}) {
        const auto nonce = label_array<12>("obfuscation nonce " + label);
        vs.push_back({{"what", "70 bytes on " + label},
                      {"network_id", to_hex(net)},
                      {"key", to_hex(po::obfuscation_key(net))},
                      {"nonce", to_hex(nonce)},
                      {"plaintext", to_hex(Bytes(70, 0))},
                      {"ciphertext", to_hex(crypto::chacha20_xor(po::obfuscation_key(net), nonce,
                                                                 Bytes(70, 0)))}});
    }
    return out;
}

ojson gen_message() {
    ojson out;
    out["what"] =
        "message signatures: DER ECDSA (RFC6979, low-S) over tagged_hash(\"sharemsg/open/msg\", "
        "network_id || signer_address || signing_id || msg_type || signed_flags || "
        "le32(timestamp) || [recipient_id] || le16(payload_len) || payload); verify lists "
        "(network_id, signer_address, signing_pubkey, signature?) -> expected result";
    auto& vs = out["vectors"] = ojson::array();
    const Party& a = party("m1k0");
    const Party& b = party("m2k0");
    auto add = [&](const std::string& what, const Party& p, const po::OpenMessage& m) {
        ojson j;
        j["what"] = what;
        j["party"] = p.name;
        j["network_id"] = to_hex(kNet);
        j["signer_address"] = to_hex(p.ann.address_hash());
        j["message"] = message_json(m);
        j["sighash"] = to_hex(po::message_sighash(kNet, p.ann.address_hash(), m));
        ojson checks = ojson::array();
        checks.push_back({{"what", "as signed"}, {"valid", true}});
        checks.push_back(
            {{"what", "another network"}, {"network_id", to_hex(kOtherNet)}, {"valid", false}});
        checks.push_back({{"what", "another signer address"},
                          {"signer_address", to_hex(b.ann.address_hash())},
                          {"valid", false}});
        checks.push_back({{"what", "high-S twin of the signature (never normalized)"},
                          {"signature", to_hex(high_s(m.signature))},
                          {"valid", false}});
        if (m.recipient)
            checks.push_back({{"what", "redirected to another recipient"},
                              {"recipient", to_hex(party("evil5").key.signing_id())},
                              {"valid", false}});
        j["verify"] = checks;
        vs.push_back(j);
    };
    add("chat", a, sign(a, proto::MSG_MINER_MESSAGE, "hello from m1", kClock));
    add("pool announcement, empty payload", a, sign(a, proto::MSG_POOL_ANNOUNCE, "", kClock + 1));
    add("private (recipient m2k0), opaque payload", a,
        sign(a, proto::MSG_MINER_MESSAGE, "opaque bytes", kClock + 2, b.key.signing_id()));
    return out;
}

po::Envelope sample_envelope() {
    const Party& a = party("m1k0");
    po::Envelope e;
    e.announcement = a.ann;
    e.messages.push_back(sign(a, proto::MSG_MINER_MESSAGE, "hello devnet", kClock));
    e.messages.push_back(sign(a, proto::MSG_NODE_STATUS, "{\"v\":\"0.1\"}", kClock + 1));
    return e;
}

ojson gen_envelope() {
    ojson out;
    out["what"] =
        "seal/open: message_data = 0x02 || 0x01 || nonce(12) || ChaCha20-obfuscated inner; inner "
        "= inner_flags || [announcement] || [sacrifice_tag] || msg_count || messages";
    auto& vs = out["vectors"] = ojson::array();
    auto add = [&](const std::string& what, const po::Envelope& e, const std::string& label) {
        const auto nonce = label_array<12>("envelope nonce " + label);
        const Bytes md = *po::seal(e, kNet, nonce);
        vs.push_back({{"what", what},
                      {"network_id", to_hex(kNet)},
                      {"nonce", to_hex(nonce)},
                      {"envelope", envelope_json(e)},
                      {"inner", to_hex(*po::encode_inner(e))},
                      {"message_data", to_hex(md)},
                      {"mwu", po::mwu(e)}});
    };
    add("announcement and two messages", sample_envelope(), "a");
    po::Envelope only_ann;
    only_ann.announcement = party("m2k0").ann;
    add("announcement only", only_ann, "b");
    po::Envelope empty;
    add("nothing (structurally valid, 16 bytes)", empty, "c");
    po::Envelope sac;
    sac.sacrifice_tag = party("m1k0").key.signing_id();
    sac.messages.push_back(sign(party("m1k0"), proto::MSG_MINER_MESSAGE, "paid by a sacrifice",
                                kClock, party("m2k0").key.signing_id()));
    add("sacrifice tag and a private message", sac, "d");
    po::Envelope frag;
    frag.announcement = party("m1k1").ann;
    frag.messages = *po::split_fragments(
        sign(party("m1k1"), proto::MSG_POOL_ANNOUNCE, std::string(300, 'f'), kClock), 41);
    add("announcement and both fragments of a 300-byte message", frag, "e");
    return out;
}

ojson gen_decode_errors() {
    ojson out;
    out["what"] = "open() rejections: the error code and a word of the reason naming the field";
    auto& vs = out["vectors"] = ojson::array();
    const po::Envelope e = sample_envelope();
    const Bytes inner = *po::encode_inner(e);
    const auto nonce = label_array<12>("decode errors");
    auto raw = [&](const Bytes& in) {
        Bytes md = {po::PROFILE_BYTE, po::ENVELOPE_VERSION};
        append(md, nonce);
        append(md, crypto::chacha20_xor(po::obfuscation_key(kNet), nonce, in));
        return md;
    };
    const Bytes good = raw(inner);
    auto add = [&](const std::string& what, const Bytes& md, Errc code, const std::string& field) {
        vs.push_back({{"what", what},
                      {"network_id", to_hex(kNet)},
                      {"message_data", to_hex(md)},
                      {"error", error_json(code, field)}});
    };
    add("empty", {}, Errc::truncated, "empty");
    Bytes v1 = good;
    v1[0] = 0x01;
    add("profile byte 0x01 (the authority envelope)", v1, Errc::bad_version, "profile");
    Bytes v2 = good;
    v2[1] = 0x02;
    add("version 2", v2, Errc::bad_version, "version");
    add("header only", Bytes(good.begin(), good.begin() + 14), Errc::truncated, "header");
    add("truncated inside the announcement", Bytes(good.begin(), good.begin() + 60),
        Errc::truncated, "announcement");
    add("last byte missing", Bytes(good.begin(), good.end() - 1), Errc::truncated, "message 2");
    Bytes trailing = inner;
    trailing.push_back(0);
    add("a byte after the last message", raw(trailing), Errc::trailing_bytes, "after the last");
    Bytes reserved = inner;
    reserved[0] |= 0x04;
    add("reserved inner flag", raw(reserved), Errc::bad_encoding, "inner_flags");
    const std::size_t count_at = 1 + po::ANNOUNCEMENT_SIZE;
    Bytes count = inner;
    count[count_at] = 17;
    add("msg_count 17", raw(count), Errc::oversize, "msg_count");
    const std::size_t msg0 = count_at + 1;
    Bytes authority = inner;
    authority[msg0 + 1] |= proto::FLAG_PROTOCOL_AUTHORITY;
    add("authority flag (0x08) set", raw(authority), Errc::bad_encoding, "message 1: flags");
    Bytes payload = inner;
    payload[msg0 + 26] = 221;
    add("payload_len 221", raw(payload), Errc::oversize, "payload_len");
    const std::size_t slen = msg0 + 26 + 2 + e.messages[0].payload.size();
    Bytes sig = inner;
    sig[slen] = 73;
    add("sig_len 73", raw(sig), Errc::oversize, "sig_len");
    Bytes sig_small = inner;
    sig_small[slen] = 7;
    add("sig_len 7", raw(sig_small), Errc::bad_encoding, "sig_len");
    Bytes key = inner;
    key[1] = 0x05;
    add("signing pubkey with prefix 0x05", raw(key), Errc::bad_key, "signing_pubkey");
    Bytes big = good;
    big.resize(po::MAX_MESSAGE_DATA + 1);
    add("2049 bytes", big, Errc::oversize, "message_data");
    return out;
}

ojson gen_private() {
    ojson out;
    out["what"] =
        "private messages: secret = libsecp256k1 ECDH (SHA256(parity || x)); key = "
        "HKDF-SHA256(secret, salt \"sharemsg/open/private/v1\", info \"sharemsg/open/private\" "
        "|| network_id || sender_id || recipient_id); payload = gcm_nonce || AES-256-GCM(key, "
        "gcm_nonce, aad, plaintext) || tag; aad = network_id || sender_id || recipient_id || "
        "msg_type || signed_flags || le32(timestamp)";
    auto& vs = out["vectors"] = ojson::array();
    auto add = [&](const std::string& what, const Party& from, const Party& to,
                   const std::string& text, const std::string& label) {
        const auto gn = label_array<12>("gcm nonce " + label);
        auto m =
            po::make_private_message(proto::MSG_MINER_MESSAGE, as_bytes(text), kClock, from.key,
                                     from.ann.address_hash(), to.key.pubkey(), kNet, gn);
        if (!m) throw std::logic_error("open vectors: private message");
        const auto secret = *crypto::ecdh_sha256(from.key.privkey(), to.key.pubkey());
        const auto key = *po::private_message_key(from.key.privkey(), to.key.pubkey(), kNet,
                                                  from.key.signing_id(), to.key.signing_id());
        ojson j;
        j["what"] = what;
        j["sender"] = from.name;
        j["recipient"] = to.name;
        j["network_id"] = to_hex(kNet);
        j["plaintext"] = to_hex(as_bytes(text));
        j["gcm_nonce"] = to_hex(gn);
        j["ecdh_secret"] = to_hex(secret);
        j["key"] = to_hex(key);
        j["aad"] = to_hex(po::private_message_aad(kNet, from.key.signing_id(), to.key.signing_id(),
                                                  m->msg_type, m->flags, m->timestamp));
        j["message"] = message_json(*m);
        Bytes flipped = m->payload;
        flipped[12] ^= 0x01;
        j["tampered"] = {{"what", "first ciphertext byte flipped"},
                         {"payload", to_hex(flipped)},
                         {"error", error_json(Errc::bad_signature, "tag")}};
        vs.push_back(j);
    };
    add("m1k0 to m2k0", party("m1k0"), party("m2k0"), "meet me at block 2600000", "a");
    add("m2k0 to m1k1, empty plaintext", party("m2k0"), party("m1k1"), "", "b");
    return out;
}

ojson gen_fragments() {
    ojson out;
    out["what"] =
        "split_fragments(signed whole message, msg_id): 220-byte pieces, FLAG_FRAGMENT, the "
        "signature (over the whole payload) only in the last";
    auto& vs = out["vectors"] = ojson::array();
    std::string text;
    for (int i = 0; i < 500; ++i)
        text.push_back(static_cast<char>('a' + i % 26));
    const Party& a = party("m1k1");
    const po::OpenMessage whole = sign(a, proto::MSG_POOL_ANNOUNCE, text, kClock);
    auto f = po::split_fragments(whole, 0x0badcafe);
    ojson frags = ojson::array();
    for (const auto& x : *f)
        frags.push_back(message_json(x));
    vs.push_back({{"what", "500 bytes into 3 fragments"},
                  {"party", a.name},
                  {"whole", message_json(whole)},
                  {"msg_id", 0x0badcafe},
                  {"fragments", frags}});
    return out;
}

ojson gen_mwu() {
    ojson out;
    out["what"] =
        "weights: message = 8 + payload + 20 if private + 6 if fragment + 2 x signature bytes; "
        "announcement 171; sacrifice tag 20";
    auto& vs = out["vectors"] = ojson::array();
    const po::Envelope e = sample_envelope();
    for (std::size_t i = 0; i < e.messages.size(); ++i)
        vs.push_back({{"what", "sample envelope message " + std::to_string(i + 1)},
                      {"message", message_json(e.messages[i])},
                      {"mwu", po::mwu(e.messages[i])}});
    vs.push_back(
        {{"what", "sample envelope"}, {"envelope", envelope_json(e)}, {"mwu", po::mwu(e)}});
    return out;
}

// ---- the ledger scenario -----------------------------------------------------------------

struct Step {
    std::string what;
    po::ShareContext share;
    Bytes message_data;  // empty: a share without messages
};

ojson share_json(const po::ShareContext& s) {
    return {{"hash", to_hex(s.share_hash)},
            {"height", s.height},
            {"payout", to_hex(s.payout_pubkey_hash)},
            {"timestamp", s.share_timestamp}};
}

ojson result_json(const po::ApplyResult& r) {
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

po::LedgerConfig scenario_config() {
    po::LedgerConfig c;
    c.network_id = kNet;
    c.address_version = kAddressVersion;
    c.sacrifice_pubkey_hashes = {party("m2k0").ann.address_hash()};
    return c;
}

std::vector<Step> scenario() {
    const Party& a0 = party("m1k0");
    const Party& a1 = party("m1k1");
    const Party& b = party("m2k0");
    const Party& evil = party("evil5");
    std::vector<Step> steps;
    std::uint64_t h = 100;
    auto add = [&](const std::string& what, const po::AddressHash& payout, po::Envelope e) {
        po::ShareContext s;
        s.height = h;
        s.payout_pubkey_hash = payout;
        s.share_timestamp = kClock + static_cast<std::uint32_t>(10 * (h - 100));
        s.share_hash = crypto::sha256(as_bytes("open-vectors share " + std::to_string(h)));
        const bool empty = !e.announcement && !e.sacrifice_tag && e.messages.empty();
        Bytes md;
        if (!empty) md = *po::seal(e, kNet, label_array<12>("share nonce " + std::to_string(h)));
        steps.push_back({what, s, md});
        ++h;
    };
    auto at = [&](std::uint64_t height) {
        return kClock + static_cast<std::uint32_t>(10 * (height - 100));
    };
    auto env = [](std::optional<po::BoundAnnouncement> ann, std::vector<po::OpenMessage> msgs,
                  std::optional<proto::SigningId> tag = std::nullopt) {
        po::Envelope e;
        e.announcement = std::move(ann);
        e.messages = std::move(msgs);
        e.sacrifice_tag = tag;
        return e;
    };
    const auto A = a0.ann.address_hash();
    add("m1 announces key 0 (bound: its share pays m1); its first message is over budget (64)", A,
        env(a0.ann, {sign(a0, proto::MSG_MINER_MESSAGE, "too early", at(100))}));
    add("an m1 share without messages: +64", A, env(std::nullopt, {}));
    const po::OpenMessage hello = sign(a0, proto::MSG_MINER_MESSAGE, "hello", at(102));
    add("m1's message fits its budget (192)", A, env(std::nullopt, {hello}));
    add("takeover attempt: a share paying m1 announces the attacker's key", A,
        env(evil.ann, {sign(evil, proto::MSG_MINER_MESSAGE, "I am m1", at(103))}));
    add("sacrifice share paying the donation address (m2), tagged m1k0, carrying m1's private "
        "message",
        b.ann.address_hash(),
        env(std::nullopt,
            {sign(a0, proto::MSG_MINER_MESSAGE, "to m2", at(104), b.key.signing_id())},
            a0.key.signing_id()));
    add("m2 announces; its message is over budget", b.ann.address_hash(),
        env(b.ann, {sign(b, proto::MSG_MINER_MESSAGE, "m2 speaks", at(105))}));
    add("the attacker delegates m1's public key to itself: conflicting", evil.ann.address_hash(),
        [&] {
            const auto d = po::make_delegation(evil.master, kNet, a0.key.pubkey(), 9);
            return env(po::BoundAnnouncement{a0.key.pubkey(), 9, d.master_pubkey, d.signature}, {});
        }());
    for (int i = 0; i < 3; ++i)
        add("an m1 share without messages", A, env(std::nullopt, {}));
    const po::OpenMessage rotated = sign(a1, proto::MSG_MINER_MESSAGE, "rotated", at(110));
    add("m1 rotates to key 1: key 0 revoked from this height, its message here ignored", A,
        env(a1.ann, {sign(a0, proto::MSG_MINER_MESSAGE, "old key", at(110)), rotated}));
    po::OpenMessage high = sign(a1, proto::MSG_MINER_MESSAGE, "high-S", at(111));
    high.signature = high_s(high.signature);
    add("replays and bad signatures: a duplicate, a high-S twin, another network", A,
        env(std::nullopt,
            {rotated, high,
             sign(a1, proto::MSG_MINER_MESSAGE, "other net", at(111), std::nullopt, kOtherNet)}));
    for (int i = 0; i < 8; ++i)
        add("an m1 share without messages", A, env(std::nullopt, {}));
    std::string text;
    for (int i = 0; i < 400; ++i)
        text.push_back(static_cast<char>('A' + i % 26));
    auto frags = *po::split_fragments(sign(a1, proto::MSG_POOL_ANNOUNCE, text, at(120)), 77);
    add("first of two fragments", A, env(std::nullopt, {frags[0]}));
    add("second fragment: the 400-byte message is delivered", A, env(std::nullopt, {frags[1]}));
    return steps;
}

ojson gen_ledger() {
    ojson out;
    out["what"] =
        "a ledger (MWU enforced, sacrifice address = m2's) fed these shares in order; each "
        "step's result (accepted messages, announcement outcome, nonzero ignored counters), "
        "and m1's available MWU after it (not counting a next share)";
    const po::LedgerConfig cfg = scenario_config();
    out["config"] = {{"network_id", to_hex(cfg.network_id)},
                     {"address_version", cfg.address_version},
                     {"enforce_mwu", cfg.enforce_mwu},
                     {"max_future_skew", cfg.max_future_skew},
                     {"max_message_age", cfg.max_message_age},
                     {"sacrifice_pubkey_hashes", {to_hex(cfg.sacrifice_pubkey_hashes[0])}}};
    po::Ledger ledger(cfg);
    const auto A = party("m1k0").ann.address_hash();
    auto& steps = out["steps"] = ojson::array();
    for (const auto& s : scenario()) {
        auto r = s.message_data.empty() ? po::ApplyResult(ledger.apply_share(s.share, {}))
                                        : *ledger.apply_share_data(s.share, s.message_data);
        steps.push_back(
            {{"step", s.what},
             {"share", share_json(s.share)},
             {"message_data", to_hex(s.message_data)},
             {"result", result_json(r)},
             {"m1_available_mwu", ledger.available_mwu(A, s.share.share_timestamp, 0)}});
    }
    ojson keys = ojson::array();
    for (const auto& k : ledger.keys())
        keys.push_back(po::key_entry_to_json(k));
    out["keys_after"] = keys;
    return out;
}

// ---- checkers ----------------------------------------------------------------------------

using Fail = std::function<void(const std::string&)>;

void expect_eq(const Fail& fail, const std::string& field, const std::string& got,
               const std::string& want) {
    if (got != want) fail(field + ": got " + got + ", want " + want);
}

void check_error(const Fail& fail, const Error& e, const json& want) {
    const std::string code = str(want, "code");
    const std::string field = str(want, "field");
    if (errc_name(e.code) != code)
        fail(std::string("error code ") + errc_name(e.code) + " (" + e.reason + "), want " + code);
    if (e.reason.find(field) == std::string::npos)
        fail("error reason '" + e.reason + "' does not name '" + field + "'");
}

void check_parties(const json& c, const Fail& fail) {
    for (const auto& [name, j] : need(c, "keys").items()) {
        auto master = crypto::PrivKey::from_bytes(hex(j, "master"));
        if (!master) throw Bad("bad master");
        auto key =
            proto::DerivedSigningKey::derive(master->bytes(), num<std::uint32_t>(j, "key_index"));
        if (!key) throw Bad("derive failed");
        expect_eq(fail, name + ".signing_privkey", to_hex(key->privkey().bytes()),
                  str(j, "signing_privkey"));
        expect_eq(fail, name + ".signing_pubkey", to_hex(key->pubkey()), str(j, "signing_pubkey"));
        expect_eq(fail, name + ".signing_id", to_hex(key->signing_id()), str(j, "signing_id"));
        expect_eq(fail, name + ".master_pubkey", to_hex(master->pubkey()), str(j, "master_pubkey"));
        const auto h = crypto::hash160(master->pubkey());
        expect_eq(fail, name + ".address_hash", to_hex(h), str(j, "address_hash"));
        expect_eq(fail, name + ".address", proto::p2pkh_address_from_hash160(h, kAddressVersion),
                  str(j, "address"));
    }
}

po::BoundAnnouncement decode_announcement(const Bytes& b) {
    Bytes inner = {po::INNER_HAS_ANNOUNCEMENT};
    append(inner, b);
    inner.push_back(0);
    auto e = po::decode_inner(inner);
    if (!e) throw Bad("announcement does not decode: " + e.error().reason);
    return *e->announcement;
}

void check_delegation(const json& v, const Fail& fail) {
    const po::BoundAnnouncement a = decode_announcement(hex(v, "announcement"));
    const json& on = need(v, "valid_on");
    const auto net = hexn<8>(on, "network_id");
    const bool want = need(on, "valid").get<bool>();
    if (po::verify_delegation(a, net) != want)
        fail(std::string("verify_delegation is ") + (want ? "false" : "true"));
    if (!v.contains("party")) return;
    const Party& p = party(str(v, "party"));
    std::optional<ByteArray<32>> aux;
    if (!need(v, "aux_rand").is_null()) aux = hexn<32>(v, "aux_rand");
    const auto d = po::make_delegation(p.master, net, p.key.pubkey(), p.key.key_index(), aux);
    expect_eq(fail, "delegation_hex", po::delegation_to_hex(d), str(v, "delegation_hex"));
    expect_eq(fail, "sighash",
              to_hex(po::delegation_sighash(net, a.signing_pubkey, a.key_index, a.master_pubkey)),
              str(v, "sighash"));
    auto parsed = po::parse_delegation_hex(str(v, "delegation_hex"));
    if (!parsed || !po::make_announcement(p.key, *parsed, net)) fail("make_announcement fails");
    if (a.signing_pubkey != p.key.pubkey() || a.key_index != p.key.key_index())
        fail("announcement is not the party's key");
}

void check_delegation_hex(const json& v, const Fail& fail) {
    auto d = po::parse_delegation_hex(str(v, "text"));
    if (v.contains("error")) {
        if (d) return fail("parsed, expected an error");
        return check_error(fail, d.error(), v.at("error"));
    }
    if (!d) return fail("does not parse: " + d.error().reason);
    expect_eq(fail, "master_pubkey", to_hex(d->master_pubkey), str(v, "master_pubkey"));
    expect_eq(fail, "signature", to_hex(d->signature), str(v, "signature"));
}

void check_obfuscation(const json& v, const Fail& fail) {
    const auto net = hexn<8>(v, "network_id");
    expect_eq(fail, "key", to_hex(po::obfuscation_key(net)), str(v, "key"));
    expect_eq(fail, "ciphertext",
              to_hex(crypto::chacha20_xor(po::obfuscation_key(net), hexn<12>(v, "nonce"),
                                          hex(v, "plaintext"))),
              str(v, "ciphertext"));
}

void check_message(const json& v, const Fail& fail) {
    const Party& p = party(str(v, "party"));
    const po::OpenMessage m = message_from(need(v, "message"));
    const auto net = hexn<8>(v, "network_id");
    const auto addr = hexn<20>(v, "signer_address");
    expect_eq(fail, "sighash", to_hex(po::message_sighash(net, addr, m)), str(v, "sighash"));
    // Re-signing (RFC6979) gives the same signature.
    po::OpenMessage again =
        po::make_open_message(m.msg_type, m.payload, m.timestamp, m.flags, m.recipient);
    if (!po::sign_open_message(again, p.key, addr, net)) return fail("cannot sign");
    if (again != m) fail("re-signing the fields gives another message");
    std::size_t i = 0;
    for (const auto& c : need(v, "verify")) {
        po::OpenMessage t = m;
        auto n = c.contains("network_id") ? hexn<8>(c, "network_id") : net;
        auto a = c.contains("signer_address") ? hexn<20>(c, "signer_address") : addr;
        if (c.contains("signature")) t.signature = hex(c, "signature");
        if (c.contains("recipient")) t.recipient = hexn<20>(c, "recipient");
        const bool want = need(c, "valid").get<bool>();
        if (po::verify_open_message(t, p.key.pubkey(), a, n) != want)
            fail("verify[" + std::to_string(i) + "] " + str(c, "what") + ": not " +
                 (want ? "valid" : "invalid"));
        ++i;
    }
}

void check_envelope(const json& v, const Fail& fail) {
    const po::Envelope e = envelope_from(need(v, "envelope"));
    const auto net = hexn<8>(v, "network_id");
    auto md = po::seal(e, net, hexn<12>(v, "nonce"));
    if (!md) return fail("seal: " + md.error().to_string());
    expect_eq(fail, "message_data", to_hex(*md), str(v, "message_data"));
    expect_eq(fail, "inner", to_hex(*po::encode_inner(e)), str(v, "inner"));
    auto back = po::open(hex(v, "message_data"), net);
    if (!back) return fail("open: " + back.error().to_string());
    if (*back != e) fail("open gives another envelope");
    if (po::mwu(e) != num<std::uint32_t>(v, "mwu")) fail("mwu " + std::to_string(po::mwu(e)));
}

void check_decode_error(const json& v, const Fail& fail) {
    auto r = po::open(hex(v, "message_data"), hexn<8>(v, "network_id"));
    if (r) return fail("opened, expected an error");
    check_error(fail, r.error(), need(v, "error"));
}

void check_private(const json& v, const Fail& fail) {
    const Party& from = party(str(v, "sender"));
    const Party& to = party(str(v, "recipient"));
    const auto net = hexn<8>(v, "network_id");
    const po::OpenMessage m = message_from(need(v, "message"));
    expect_eq(fail, "ecdh_secret",
              to_hex(*crypto::ecdh_sha256(to.key.privkey(), from.key.pubkey())),
              str(v, "ecdh_secret"));
    expect_eq(fail, "key",
              to_hex(*po::private_message_key(to.key.privkey(), from.key.pubkey(), net,
                                              from.key.signing_id(), to.key.signing_id())),
              str(v, "key"));
    expect_eq(fail, "aad",
              to_hex(po::private_message_aad(net, from.key.signing_id(), to.key.signing_id(),
                                             m.msg_type, m.flags, m.timestamp)),
              str(v, "aad"));
    if (!po::verify_open_message(m, from.key.pubkey(), from.ann.address_hash(), net))
        fail("signature does not verify");
    for (const Party* mine : {&to, &from}) {
        const Party& other = mine == &to ? from : to;
        auto pt = po::decrypt_private(m, mine->key, other.key.pubkey(), net);
        if (!pt) return fail(mine->name + " cannot decrypt: " + pt.error().reason);
        expect_eq(fail, "plaintext (" + mine->name + ")", to_hex(*pt), str(v, "plaintext"));
    }
    auto again = po::make_private_message(m.msg_type, hex(v, "plaintext"), m.timestamp, from.key,
                                          from.ann.address_hash(), to.key.pubkey(), net,
                                          hexn<12>(v, "gcm_nonce"));
    if (!again || *again != m) fail("make_private_message gives another message");
    const json& t = need(v, "tampered");
    po::OpenMessage bad = m;
    bad.payload = hex(t, "payload");
    auto r = po::decrypt_private(bad, to.key, from.key.pubkey(), net);
    if (r) return fail("tampered payload decrypts");
    check_error(fail, r.error(), need(t, "error"));
}

void check_fragments(const json& v, const Fail& fail) {
    const po::OpenMessage whole = message_from(need(v, "whole"));
    auto f = po::split_fragments(whole, num<std::uint32_t>(v, "msg_id"));
    if (!f) return fail("split: " + f.error().reason);
    const json& want = need(v, "fragments");
    if (f->size() != want.size()) return fail("fragment count " + std::to_string(f->size()));
    for (std::size_t i = 0; i < f->size(); ++i)
        if ((*f)[i] != message_from(want[i])) fail("fragment " + std::to_string(i) + " differs");
    const Party& p = party(str(v, "party"));
    if (!po::verify_open_message(whole, p.key.pubkey(), p.ann.address_hash(), kNet))
        fail("whole message does not verify");
}

void check_mwu(const json& v, const Fail& fail) {
    const std::uint32_t want = num<std::uint32_t>(v, "mwu");
    const std::uint32_t got = v.contains("message") ? po::mwu(message_from(v.at("message")))
                                                    : po::mwu(envelope_from(need(v, "envelope")));
    if (got != want) fail("mwu " + std::to_string(got) + ", want " + std::to_string(want));
}

std::size_t check_ledger(const json& c, std::vector<std::string>& failures) {
    const json& cfg_j = need(c, "config");
    po::LedgerConfig cfg;
    cfg.network_id = hexn<8>(cfg_j, "network_id");
    cfg.address_version = num<std::uint8_t>(cfg_j, "address_version");
    cfg.enforce_mwu = need(cfg_j, "enforce_mwu").get<bool>();
    cfg.max_future_skew = num<std::uint32_t>(cfg_j, "max_future_skew");
    cfg.max_message_age = num<std::uint32_t>(cfg_j, "max_message_age");
    for (const auto& h : need(cfg_j, "sacrifice_pubkey_hashes")) {
        auto b = from_hex(h.get<std::string>());
        if (!b || b->size() != 20) throw Bad("sacrifice_pubkey_hashes");
        po::AddressHash a{};
        std::copy(b->begin(), b->end(), a.begin());
        cfg.sacrifice_pubkey_hashes.push_back(a);
    }
    po::Ledger ledger(cfg);
    const json& steps = need(c, "steps");
    if (!steps.is_array() || steps.empty()) throw Bad("'steps' must be a non-empty array");
    // m1's address: the payout of the first step (m1 announces its key there).
    const auto A = hexn<20>(need(steps[0], "share"), "payout");
    std::size_t n = 0;
    for (const auto& s : need(c, "steps")) {
        const std::string what = "ledger.steps[" + std::to_string(n) + "] " + str(s, "step");
        ++n;
        const json& sj = need(s, "share");
        po::ShareContext share;
        share.share_hash = hexn<32>(sj, "hash");
        share.height = num<std::uint64_t>(sj, "height");
        share.payout_pubkey_hash = hexn<20>(sj, "payout");
        share.share_timestamp = num<std::uint32_t>(sj, "timestamp");
        const Bytes md = hex(s, "message_data");
        po::ApplyResult r;
        if (md.empty()) {
            r = ledger.apply_share(share, {});
        } else {
            auto rr = ledger.apply_share_data(share, md);
            if (!rr) {
                failures.push_back(what + ": " + rr.error().to_string());
                continue;
            }
            r = std::move(*rr);
        }
        const json got = json::parse(result_json(r).dump());
        if (got != need(s, "result"))
            failures.push_back(what + ": result " + got.dump() + ", want " + s.at("result").dump());
        const auto avail = ledger.available_mwu(A, share.share_timestamp, 0);
        if (avail != num<std::uint32_t>(s, "m1_available_mwu"))
            failures.push_back(what + ": m1_available_mwu " + std::to_string(avail));
    }
    ojson keys = ojson::array();
    for (const auto& k : ledger.keys())
        keys.push_back(po::key_entry_to_json(k));
    if (json::parse(keys.dump()) != need(c, "keys_after"))
        failures.push_back("ledger.keys_after: " + keys.dump());
    return n;
}

}  // namespace

ojson make_open_vectors() {
    ojson v;
    v["meta"] = {
        {"what",
         "vectors of the open messaging profile (message_data first byte 0x02), generated by "
         "`sharemsg open-vectors` from fixed keys and nonces; docs/protocol.md is the "
         "specification"},
        {"network_id", to_hex(kNet)},
        {"other_network_id", to_hex(kOtherNet)},
        {"address_version", kAddressVersion},
        {"clock", kClock},
        {"nonces", "fixed: SHA256(\"open-vectors \" + label) truncated to the nonce's size"},
        {"signatures",
         "ECDSA: RFC6979 (libsecp256k1), low-S, DER; BIP340: libsecp256k1 with the aux_rand shown "
         "(null = none)"}};
    v["constants"] = {{"PROFILE_BYTE", po::PROFILE_BYTE},
                      {"ENVELOPE_VERSION", po::ENVELOPE_VERSION},
                      {"NONCE_SIZE", po::NONCE_SIZE},
                      {"MAX_MESSAGE_DATA", po::MAX_MESSAGE_DATA},
                      {"MAX_MESSAGES", po::MAX_MESSAGES},
                      {"ANNOUNCEMENT_SIZE", po::ANNOUNCEMENT_SIZE},
                      {"MAX_MESSAGE_PAYLOAD", proto::MAX_MESSAGE_PAYLOAD},
                      {"MAX_SIGNATURE", po::MAX_SIGNATURE},
                      {"FLAG_PRIVATE", po::FLAG_PRIVATE},
                      {"FLAG_FRAGMENT", po::FLAG_FRAGMENT},
                      {"MAX_FRAGMENTS", po::MAX_FRAGMENTS},
                      {"MAX_REASSEMBLED_PAYLOAD", po::MAX_REASSEMBLED_PAYLOAD},
                      {"FRAGMENT_TIMEOUT", po::FRAGMENT_TIMEOUT},
                      {"MWU_HEADER", proto::MWU_HEADER},
                      {"MWU_PER_PAYLOAD_BYTE", proto::MWU_PER_PAYLOAD_BYTE},
                      {"MWU_PER_SIGNATURE_BYTE", proto::MWU_PER_SIGNATURE_BYTE},
                      {"MWU_ANNOUNCEMENT", proto::MWU_ANNOUNCEMENT},
                      {"MAX_MWU_PER_SHARE", proto::MAX_MWU_PER_SHARE},
                      {"FREE_MWU_ALLOWANCE", proto::FREE_MWU_ALLOWANCE},
                      {"MWU_PER_SACRIFICE", proto::MWU_PER_SACRIFICE},
                      {"ROLLING_MWU_WINDOW", proto::ROLLING_MWU_WINDOW},
                      {"MAX_MWU_PER_HOUR", proto::MAX_MWU_PER_HOUR},
                      {"OBFUSCATION_DOMAIN", po::OBFUSCATION_DOMAIN},
                      {"TAG_MESSAGE", po::TAG_MESSAGE},
                      {"TAG_DELEGATION", po::TAG_DELEGATION},
                      {"PRIVATE_HKDF_SALT", po::PRIVATE_HKDF_SALT},
                      {"PRIVATE_HKDF_INFO", po::PRIVATE_HKDF_INFO}};
    v["parties"] = gen_parties();
    v["delegation"] = gen_delegation();
    v["delegation_hex"] = gen_delegation_hex();
    v["obfuscation"] = gen_obfuscation();
    v["message"] = gen_message();
    v["envelope"] = gen_envelope();
    v["decode_errors"] = gen_decode_errors();
    v["private"] = gen_private();
    v["fragments"] = gen_fragments();
    v["mwu"] = gen_mwu();
    v["ledger"] = gen_ledger();
    return v;
}

OpenVectorReport check_open_vectors(const json& file) {
    OpenVectorReport rep;
    if (!file.is_object()) {
        rep.failures.push_back("file: not a JSON object");
        return rep;
    }
    using Checker = void (*)(const json&, const Fail&);
    const std::vector<std::pair<std::string, Checker>> cats = {
        {"delegation", check_delegation},
        {"delegation_hex", check_delegation_hex},
        {"obfuscation", check_obfuscation},
        {"message", check_message},
        {"envelope", check_envelope},
        {"decode_errors", check_decode_error},
        {"private", check_private},
        {"fragments", check_fragments},
        {"mwu", check_mwu}};
    try {
        if (!file.contains("parties")) throw Bad("missing category 'parties'");
        const std::string what = "parties";
        check_parties(file.at("parties"),
                      [&](const std::string& d) { rep.failures.push_back(what + ": " + d); });
        ++rep.checked;
    } catch (const std::exception& e) {
        rep.failures.push_back(std::string("parties: malformed: ") + e.what());
    }
    for (const auto& [cat, fn] : cats) {
        if (!file.contains(cat) || !file.at(cat).is_object() || !file.at(cat).contains("vectors") ||
            !file.at(cat).at("vectors").is_array()) {
            rep.failures.push_back(cat + ": missing category or its vectors");
            continue;
        }
        std::size_t i = 0;
        for (const auto& v : file.at(cat).at("vectors")) {
            std::string name = cat + "[" + std::to_string(i++) + "]";
            if (v.is_object() && v.contains("what") && v.at("what").is_string())
                name += " " + v.at("what").get<std::string>();
            bool failed = false;
            const Fail fail = [&](const std::string& d) {
                if (!failed) rep.failures.push_back(name + ": " + d);
                failed = true;
            };
            try {
                fn(v, fail);
            } catch (const std::exception& e) {
                fail(std::string("malformed vector: ") + e.what());
            }
            ++rep.checked;
        }
    }
    try {
        if (!file.contains("ledger")) throw Bad("missing category 'ledger'");
        rep.checked += check_ledger(file.at("ledger"), rep.failures);
    } catch (const std::exception& e) {
        rep.failures.push_back(std::string("ledger: malformed: ") + e.what());
    }
    return rep;
}

}  // namespace sharemsg::conformance
