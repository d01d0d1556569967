#include "conformance/open_vectors.hpp"

#include "conformance/open_vectors_util.hpp"

namespace sharemsg::conformance {

namespace {

using namespace open_vectors_detail;

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
    v["cosigned"] = gen_cosigned();
    return v;
}

}  // namespace sharemsg::conformance
