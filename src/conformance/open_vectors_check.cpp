// The checker of the open profile's vector files (schema in open_vectors.hpp).
#include <functional>
#include <map>

#include "conformance/open_vectors.hpp"
#include "conformance/open_vectors_util.hpp"

namespace sharemsg::conformance {

namespace {

using namespace open_vectors_detail;

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
    try {
        if (!file.contains("cosigned")) throw Bad("missing category 'cosigned'");
        rep.checked += check_cosigned(file.at("cosigned"), rep.failures);
    } catch (const std::exception& e) {
        rep.failures.push_back(std::string("cosigned: malformed: ") + e.what());
    }
    return rep;
}

}  // namespace sharemsg::conformance
