// Shared helpers for the protocol-core unit tests: the reference's vector file, the keys it
// uses, the test authorities and the real mainnet transition blob.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"
#include "proto/authority.hpp"
#include "proto/envelope.hpp"
#include "proto/message.hpp"
#include "proto/signing_key.hpp"
#include "util/bytes.hpp"

namespace sharemsg::test {

using ojson = nlohmann::ordered_json;

// The clock of every vector that does not record another one.
inline constexpr double kNow = 1700000000.0;

// Test authority A of the vector file (meta.test_authority).
inline constexpr std::string_view kAuthorityAPriv =
    "35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5";
inline constexpr std::string_view kAuthorityAPub =
    "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee";
inline constexpr std::string_view kAuthorityBPriv =
    "a612b9769861b24b85d6c69976671bc772d1a465f60704a41a7830b71780d6ed";
inline constexpr std::string_view kAuthorityBPub =
    "0378a85bc895123116a144b15184fe3d0424947f3e917f003462407cf661ca1a9a";

inline std::string read_text_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The public vector file, loaded once, keys in file order.
inline const ojson& vectors() {
    static const ojson v =
        ojson::parse(read_text_file(SHAREMSG_VECTORS_DIR "/share_messages_public.json"));
    return v;
}

// The real mainnet transition blob as shipped (with its trailing newline).
inline const std::string& mainnet_blob_text() {
    static const std::string s =
        read_text_file(SHAREMSG_VECTORS_DIR "/transition_v35_v36_mainnet.hex");
    return s;
}

// Hex to bytes; a malformed literal in a test is a bug of the test.
inline Bytes hexb(std::string_view hex) {
    auto r = from_hex(hex);
    if (!r) throw std::invalid_argument("bad hex in test: " + std::string(hex));
    return *r;
}
template <std::size_t N>
ByteArray<N> hexa(std::string_view hex) {
    auto r = from_hex_fixed<N>(hex);
    if (!r) throw std::invalid_argument("bad hex in test: " + std::string(hex));
    return *r;
}
inline Bytes text_bytes(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

inline Bytes mainnet_blob() {
    std::string s = mainnet_blob_text();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return hexb(s);
}

inline crypto::PrivKey privkey(std::string_view hex) {
    auto k = crypto::PrivKey::from_bytes(hexb(hex));
    if (!k) throw std::invalid_argument("bad private key in test");
    return *k;
}

// A derived key of signing_keys_used ("m1k0", "m1k1", "m2k0", "m2k7"), derived from its master.
inline proto::DerivedSigningKey signing_key(const std::string& name) {
    const auto& k = vectors()["signing_keys_used"][name];
    auto d = proto::DerivedSigningKey::derive(hexb(k["master"].get<std::string>()),
                                              k["key_index"].get<std::uint32_t>());
    if (!d) throw std::invalid_argument("cannot derive " + name);
    return *d;
}

// {A, B} under the names the vectors use.
inline const proto::AuthoritySet& ab_authorities() {
    static const proto::AuthoritySet set{{hexa<33>(kAuthorityAPub), "test_authority_A"},
                                         {hexa<33>(kAuthorityBPub), "test_authority_B"}};
    return set;
}

inline proto::Nonce16 nonce(std::uint8_t fill) {
    proto::Nonce16 n{};
    n.fill(fill);
    return n;
}

inline proto::ShareHash share_hash(std::uint16_t low) {
    proto::ShareHash h{};
    h[30] = static_cast<std::uint8_t>(low >> 8);
    h[31] = static_cast<std::uint8_t>(low);
    return h;
}

// A ShareMessage from a vector's message dict (the fields the reference dumps).
inline proto::ShareMessage message_from_json(const ojson& j) {
    proto::ShareMessage m;
    m.msg_type = j["msg_type"].get<std::uint8_t>();
    m.flags = j["flags"].get<std::uint8_t>();
    m.wire_flags = j.contains("wire_flags") ? j["wire_flags"].get<std::uint8_t>() : m.flags;
    m.timestamp = j["timestamp"].get<std::uint32_t>();
    m.payload = hexb(j["payload"].get<std::string>());
    if (j.contains("signing_id") && j["signing_id"].is_string())
        m.signing_id = hexa<20>(j["signing_id"].get<std::string>());
    m.signature = hexb(j.value("signature", std::string()));
    if (j.contains("sender_address") && j["sender_address"].is_string())
        m.sender_address = j["sender_address"].get<std::string>();
    return m;
}

// A locally created message with the given text payload.
inline proto::ShareMessage text_message(std::uint8_t type, std::string_view text, std::uint32_t ts,
                                        std::uint8_t flags = proto::FLAG_BROADCAST |
                                                             proto::FLAG_PERSISTENT) {
    return proto::ShareMessage::make(type, as_bytes(text), flags, ts);
}

// A message signed directly by a private key (as authority messages are).
inline proto::ShareMessage authority_signed(std::string_view priv_hex, std::uint8_t type,
                                            std::string_view text, std::uint32_t ts,
                                            std::uint8_t flags = 0x0f) {
    auto m = proto::ShareMessage::make(type, as_bytes(text), flags, ts);
    proto::sign_message_with(m, privkey(priv_hex));
    return m;
}

// Packs and encrypts an inner envelope without the authority gate of pack_share_messages.
inline Bytes seal(const std::vector<proto::ShareMessage>& msgs, const std::optional<Bytes>& ann,
                  std::string_view authority_pub_hex, const proto::AuthoritySet& set,
                  std::uint8_t nonce_fill = 7) {
    auto inner = proto::pack_inner(msgs, ann);
    if (!inner) throw std::runtime_error("pack_inner: " + inner.error().to_string());
    auto env = proto::encrypt_envelope(*inner, hexb(authority_pub_hex), nonce(nonce_fill), set);
    if (!env) throw std::runtime_error("encrypt: " + env.error().to_string());
    return *env;
}

// Encrypts raw inner bytes (for malformed inner envelopes).
inline Bytes seal_raw(const Bytes& inner, std::string_view authority_pub_hex = kAuthorityAPub) {
    auto env = proto::encrypt_envelope(inner, hexb(authority_pub_hex), nonce(9), ab_authorities());
    if (!env) throw std::runtime_error("encrypt: " + env.error().to_string());
    return *env;
}

inline Bytes packed(const proto::ShareMessage& m) {
    auto p = proto::pack_message(m);
    if (!p) throw std::runtime_error("pack: " + p.error().to_string());
    return *p;
}

// The high-S twin of a low-S DER signature: (r, n - s), DER-encoded.
inline Bytes negate_s(ByteView der) {
    // DER: 30 len 02 rlen r 02 slen s
    const std::size_t rlen = der[3];
    Bytes r(der.begin() + 4, der.begin() + 4 + static_cast<std::ptrdiff_t>(rlen));
    const std::size_t spos = 4 + rlen;
    const std::size_t slen = der[spos + 1];
    Bytes s(der.begin() + static_cast<std::ptrdiff_t>(spos + 2),
            der.begin() + static_cast<std::ptrdiff_t>(spos + 2 + slen));
    // Left-pad s to 32 bytes, compute n - s.
    ByteArray<32> s32{};
    std::size_t skip = s.size() > 32 ? s.size() - 32 : 0;
    for (std::size_t i = skip; i < s.size(); ++i)
        s32[32 - (s.size() - i)] = s[i];
    const auto n = hexa<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    ByteArray<32> out{};
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        int d = n[static_cast<std::size_t>(i)] - s32[static_cast<std::size_t>(i)] - borrow;
        borrow = d < 0;
        out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
    }
    // Minimal DER integer.
    Bytes ns(out.begin(), out.end());
    while (ns.size() > 1 && ns[0] == 0 && !(ns[1] & 0x80))
        ns.erase(ns.begin());
    if (ns[0] & 0x80) ns.insert(ns.begin(), 0);
    Bytes sig{0x30, static_cast<std::uint8_t>(4 + r.size() + ns.size()), 0x02,
              static_cast<std::uint8_t>(r.size())};
    append(sig, r);
    sig.push_back(0x02);
    sig.push_back(static_cast<std::uint8_t>(ns.size()));
    append(sig, ns);
    return sig;
}

inline bool has(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace sharemsg::test
