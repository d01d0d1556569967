// The "cosigned" category of the open profile's vectors: authority messages (FLAG_AUTHORITY)
// under co-signing authorities, their generator and their checker.
//
// {"what", "constants", "authorities": [{"name", "signers": [hex], "key": hex}],
//  "share": {"height", "payout", "timestamp", "hash"} (the share every case is applied in),
//  "vectors": [...]}. A message vector: {"what", "network_id", "message" (with
// "authority_key"), "sighash", "signature_valid" (BIP340 under its own key on network_id),
// "message_data" (an envelope with only this message), "fate" (null: accepted; else the
// ledger's reason)}. A decode vector: {"what", "message_data", "error": {"code", "field"}}.
#include <string>
#include <vector>

#include "conformance/open_cosign.hpp"
#include "conformance/open_vectors_util.hpp"
#include "proto/open_authority.hpp"

namespace sharemsg::conformance::open_vectors_detail {

namespace {

crypto::PrivKey cosigner(int i) {
    auto k = crypto::PrivKey::from_bytes(
        crypto::sha256(as_bytes("open-vectors cosigner " + std::to_string(i))));
    if (!k) throw std::logic_error("open vectors: cosigner key");
    return *k;
}

std::vector<crypto::PrivKey> cosigners(std::initializer_list<int> which) {
    std::vector<crypto::PrivKey> out;
    for (int i : which)
        out.push_back(cosigner(i));
    return out;
}

po::CosignAuthority authority_of(const std::string& name, std::span<const crypto::PrivKey> sks) {
    std::vector<crypto::CompressedPubKey> pks;
    for (const auto& k : sks)
        pks.push_back(k.pubkey());
    auto a = po::CosignAuthority::make(name, pks);
    if (!a) throw std::logic_error("open vectors: " + a.error().reason);
    return *a;
}

po::ShareContext cosigned_share() {
    po::ShareContext s;
    s.height = 500;
    s.payout_pubkey_hash = party("m1k0").ann.address_hash();
    s.share_timestamp = kClock + 60;
    s.share_hash = crypto::sha256(as_bytes("open-vectors cosigned share"));
    return s;
}

ojson authority_json(const po::CosignAuthority& a) {
    ojson signers = ojson::array();
    for (const auto& k : a.signers())
        signers.push_back(to_hex(k));
    return {{"name", a.name()}, {"signers", signers}, {"key", to_hex(a.key())}};
}

po::CosignAuthority authority_from(const json& j) {
    std::vector<crypto::CompressedPubKey> pks;
    for (const auto& k : need(j, "signers")) {
        if (!k.is_string()) throw Bad("'signers' holds a non-string");
        auto b = from_hex_fixed<33>(k.get<std::string>());
        if (!b) throw Bad("'signers' holds a bad key");
        pks.push_back(*b);
    }
    auto a = po::CosignAuthority::make(str(j, "name"), pks);
    if (!a) throw Bad("authority " + str(j, "name") + ": " + a.error().reason);
    return *a;
}

po::OpenMessage cosigned_message(std::span<const crypto::PrivKey> sks, std::uint8_t type,
                                 const std::string& text, std::uint32_t ts,
                                 const po::NetworkId& net, const std::string& label) {
    std::vector<crypto::CompressedPubKey> pks;
    for (const auto& k : sks)
        pks.push_back(k.pubkey());
    const auto key = authority_of("x", sks).key();
    auto m = po::make_authority_message(type, as_bytes(text), ts, key);
    if (!m) throw std::logic_error("open vectors: " + m.error().reason);
    const auto sig = cosign_digest(sks, po::authority_sighash(net, *m), "open-vectors " + label);
    m->signature.assign(sig.begin(), sig.end());
    return *m;
}

Bytes sealed(const po::OpenMessage& m, const std::string& label) {
    po::Envelope e;
    e.messages.push_back(m);
    return *po::seal(e, kNet, label_array<12>("cosigned nonce " + label));
}

Bytes raw(const Bytes& inner, const std::string& label) {
    const auto nonce = label_array<12>("cosigned nonce " + label);
    Bytes md = {po::PROFILE_BYTE, po::ENVELOPE_VERSION};
    append(md, nonce);
    append(md, crypto::chacha20_xor(po::obfuscation_key(kNet), nonce, inner));
    return md;
}

}  // namespace

ojson gen_cosigned() {
    ojson out;
    out["what"] =
        "authority messages (flag 0x08): x-only authority_key = KeyAgg(KeySort(signers)) "
        "(BIP327) in place of the signing id; signature = BIP340 under it over "
        "tagged_hash(\"sharemsg/open/authority\", network_id || authority_key || msg_type || "
        "flags || le32(timestamp) || le16(payload_len) || payload); made by a 3-of-3 MuSig2 run. "
        "Each message is applied alone in `share` by a ledger whose co-signing authorities are "
        "`authorities`: fate null = accepted";
    out["constants"] = {{"FLAG_AUTHORITY", po::FLAG_AUTHORITY},
                        {"AUTHORITY_KEY_SIZE", po::AUTHORITY_KEY_SIZE},
                        {"AUTHORITY_SIGNATURE_SIZE", po::AUTHORITY_SIGNATURE_SIZE},
                        {"TAG_AUTHORITY", po::TAG_AUTHORITY},
                        {"MIN_COSIGNERS", po::MIN_COSIGNERS},
                        {"MAX_COSIGNERS", po::MAX_COSIGNERS}};
    const auto ops_keys = cosigners({1, 2, 3});
    const auto ops = authority_of("ops", ops_keys);
    out["authorities"] = ojson::array({authority_json(ops)});
    const po::ShareContext s = cosigned_share();
    out["share"] = {{"hash", to_hex(s.share_hash)},
                    {"height", s.height},
                    {"payout", to_hex(s.payout_pubkey_hash)},
                    {"timestamp", s.share_timestamp}};
    auto& vs = out["vectors"] = ojson::array();
    auto add = [&](const std::string& what, const po::OpenMessage& m, const po::NetworkId& net,
                   const std::string& label, std::optional<po::Ignored> fate) {
        vs.push_back({{"what", what},
                      {"network_id", to_hex(net)},
                      {"message", message_json(m)},
                      {"sighash", to_hex(po::authority_sighash(net, m))},
                      {"signature_valid", po::verify_authority_signature(m, net)},
                      {"message_data", to_hex(sealed(m, label))},
                      {"fate", fate ? ojson(po::ignored_name(*fate)) : ojson(nullptr)}});
    };
    const std::uint32_t ts = kClock;
    const auto emergency = cosigned_message(ops_keys, proto::MSG_EMERGENCY,
                                            "EMERGENCY: stop mining on release 9.9", ts, kNet, "a");
    add("EMERGENCY co-signed by the three signers of ops", emergency, kNet, "a", std::nullopt);
    add("TRANSITION_SIGNAL co-signed by ops",
        cosigned_message(ops_keys, proto::MSG_TRANSITION_SIGNAL, "{\"switch_at\":3000000}", ts + 1,
                         kNet, "b"),
        kNet, "b", std::nullopt);
    add("two of the three: a valid signature under an aggregate that is no authority",
        cosigned_message(cosigners({1, 2}), proto::MSG_EMERGENCY, "EMERGENCY", ts, kNet, "c"), kNet,
        "c", po::Ignored::unknown_authority);
    po::OpenMessage flipped = emergency;
    flipped.signature[63] ^= 0x01;
    add("signature with its last bit flipped", flipped, kNet, "d",
        po::Ignored::bad_authority_signature);
    po::OpenMessage tampered = emergency;
    tampered.payload[0] = 'e';
    add("payload altered after signing", tampered, kNet, "e", po::Ignored::bad_authority_signature);
    add("signed for another network",
        cosigned_message(ops_keys, proto::MSG_EMERGENCY, "EMERGENCY elsewhere", ts, kOtherNet, "f"),
        kNet, "f", po::Ignored::bad_authority_signature);

    // Decode errors: the layout's rules for 0x08.
    const Bytes inner = [&] {
        po::Envelope e;
        e.messages.push_back(emergency);
        return *po::encode_inner(e);
    }();
    const std::size_t msg0 = 2;
    const std::size_t sig_len_at = msg0 + 6 + 32 + 2 + emergency.payload.size();
    auto bad = [&](const std::string& what, const Bytes& in, Errc code, const std::string& field,
                   const std::string& label) {
        vs.push_back({{"what", what},
                      {"network_id", to_hex(kNet)},
                      {"message_data", to_hex(raw(in, label))},
                      {"error", error_json(code, field)}});
    };
    Bytes chat = inner;
    chat[msg0] = proto::MSG_MINER_MESSAGE;
    bad("0x08 on a MINER_MESSAGE", chat, Errc::bad_encoding, "message 1: flags", "g");
    Bytes priv = inner;
    priv[msg0 + 1] |= po::FLAG_PRIVATE;
    bad("0x08 with 0x10 (private)", priv, Errc::bad_encoding, "FLAG_PRIVATE", "h");
    Bytes sig_len = inner;
    sig_len[sig_len_at] = 71;
    bad("sig_len 71 (a DER length) with 0x08", sig_len, Errc::bad_encoding, "sig_len", "i");
    bad("cut inside the authority key", Bytes(inner.begin(), inner.begin() + msg0 + 20),
        Errc::truncated, "authority_key", "j");
    return out;
}

std::size_t check_cosigned(const json& c, std::vector<std::string>& failures) {
    po::LedgerConfig cfg;
    cfg.network_id = kNet;
    cfg.address_version = kAddressVersion;
    for (const auto& a : need(c, "authorities")) {
        const auto got = authority_from(a);
        if (to_hex(got.key()) != str(a, "key"))
            failures.push_back("cosigned: authority " + got.name() + ": key " + to_hex(got.key()) +
                               ", want " + str(a, "key"));
        cfg.cosign_authorities.push_back(got);
    }
    const json& sj = need(c, "share");
    po::ShareContext share;
    share.share_hash = hexn<32>(sj, "hash");
    share.height = num<std::uint64_t>(sj, "height");
    share.payout_pubkey_hash = hexn<20>(sj, "payout");
    share.share_timestamp = num<std::uint32_t>(sj, "timestamp");
    std::size_t n = 0;
    std::size_t i = 0;
    for (const auto& v : need(c, "vectors")) {
        const std::string name = "cosigned[" + std::to_string(i++) + "] " + str(v, "what");
        auto fail = [&](const std::string& d) { failures.push_back(name + ": " + d); };
        ++n;
        try {
            const Bytes md = hex(v, "message_data");
            const auto net = hexn<8>(v, "network_id");
            if (v.contains("error")) {
                auto r = po::open(md, net);
                if (r) {
                    fail("decoded, want an error");
                    continue;
                }
                const json& want = v.at("error");
                if (errc_name(r.error().code) != str(want, "code") ||
                    r.error().reason.find(str(want, "field")) == std::string::npos)
                    fail("error " + r.error().to_string() + ", want " + want.dump());
                continue;
            }
            const po::OpenMessage m = message_from(need(v, "message"));
            if (to_hex(po::authority_sighash(net, m)) != str(v, "sighash"))
                fail("sighash " + to_hex(po::authority_sighash(net, m)));
            if (po::verify_authority_signature(m, net) != need(v, "signature_valid").get<bool>())
                fail("signature_valid disagrees");
            auto env = po::open(md, kNet);
            if (!env || env->messages.size() != 1 || env->messages[0] != m) {
                fail("message_data does not open to the message");
                continue;
            }
            po::Ledger ledger(cfg);
            auto r = ledger.apply_share(share, *env);
            const json& want = need(v, "fate");
            const std::string got =
                r.fates.at(0) ? po::ignored_name(*r.fates[0]) : std::string("null");
            if (got != (want.is_null() ? std::string("null") : want.get<std::string>()))
                fail("fate " + got + ", want " + want.dump());
            if (!r.fates[0] &&
                (r.messages.size() != 1 || r.messages[0].authority_key != m.authority_key))
                fail("accepted message not delivered with its authority key");
        } catch (const std::exception& e) {
            fail(std::string("malformed vector: ") + e.what());
        }
    }
    return n;
}

}  // namespace sharemsg::conformance::open_vectors_detail
