// Categories about the v1 envelope: authority_envelope, unpack_share_messages,
// pack_share_messages, mainnet_transition_blob.
#include "conformance/support.hpp"
#include "proto/envelope.hpp"
#include "proto/store.hpp"

namespace sharemsg::conformance {

namespace {
json plain(const nlohmann::ordered_json& o) {
    return json::parse(o.dump());
}

proto::Nonce16 nonce_of(const json& v) {
    const Bytes n = need_hex(v, "nonce");
    if (n.size() != 16) throw BadVector("nonce is not 16 bytes");
    proto::Nonce16 out{};
    std::copy(n.begin(), n.end(), out.begin());
    return out;
}

json decrypt_tuple(const Result<proto::Decrypted>& d) {
    if (!d) return json::array({nullptr, nullptr});
    return json::array({to_hex(d->inner), to_hex(d->authority->pubkey)});
}

json key_info(const proto::UnpackedShareMessages& u) {
    if (!u.info) return nullptr;
    json j;
    j["authority_pubkey"] = to_hex(u.info->authority->pubkey);
    j["authority_name"] = u.info->authority->name;
    j["encrypted"] = true;
    if (const auto& a = u.info->announcement) {
        j["signing_id"] = to_hex(a->signing_id);
        j["key_index"] = a->key_index;
        j["signing_pubkey"] = to_hex(a->pubkey);
    }
    return j;
}

void check_unpacked(Check& c, const std::string& field, const proto::UnpackedShareMessages& u,
                    const json& want) {
    if (want.contains("messages")) {
        const auto& wm = want["messages"];
        if (!wm.is_array() || wm.size() != u.messages.size()) {
            c.fail(field + ".messages: got " + std::to_string(u.messages.size()) +
                   " messages, want " + std::to_string(wm.is_array() ? wm.size() : 0));
            return;
        }
        for (std::size_t k = 0; k < wm.size(); ++k)
            check_message(c, field + ".messages[" + std::to_string(k) + "]", u.messages[k], wm[k]);
    }
    if (want.contains("signing_key_info")) {
        json got = key_info(u);
        const json& w = want["signing_key_info"];
        if (w.is_null() || got.is_null()) {
            c.eq(field + ".signing_key_info", got, w);
        } else {
            c.subset(field + ".signing_key_info", got, w);
        }
    }
}
}  // namespace

void run_authority_envelope(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "authority_envelope";
    std::size_t i = 0;
    for (const auto& v : cat.value("encrypt", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const Bytes pub = need_hex(v, "authority_pubkey"), inner = need_hex(v, "inner");
            const auto nonce = nonce_of(v);
            const auto key = proto::envelope_key(pub, nonce);
            if (v.contains("enc_key")) c.eq("enc_key", to_hex(key), v["enc_key"]);
            if (v.contains("keystream"))
                c.eq("keystream", to_hex(proto::envelope_keystream(key, inner.size())),
                     v["keystream"]);
            auto env = proto::encrypt_envelope(inner, pub, nonce, ctx.key_set(v));
            const bool want_error =
                is_error(field_or_empty(v, "result")) || is_error(field_or_empty(v, "envelope"));
            if (want_error) {
                if (env) c.fail("reference raised, we encrypted (" + to_hex(*env) + ")");
                return;
            }
            if (!env) return c.fail("encrypt failed: " + env.error().reason);
            if (v.contains("envelope")) c.eq("envelope", to_hex(*env), v["envelope"]);
            auto dec = proto::decrypt_envelope(*env, ctx.key_set(v));
            if (v.contains("decrypt")) c.eq("decrypt", decrypt_tuple(dec), v["decrypt"]);
            if (v.contains("decrypt_authority"))
                c.eq("decrypt_authority", dec ? json(dec->authority->name) : json(nullptr),
                     v["decrypt_authority"]);
        }));
    }
    for (const auto& v : cat.value("encrypt_errors", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const auto& set = ctx.key_set(v);
            const Bytes inner = v.contains("inner") ? need_hex(v, "inner") : Bytes{};
            const Bytes pub = v.contains("authority_pubkey")
                                  ? need_hex(v, "authority_pubkey")
                                  : Bytes(set.front().pubkey.begin(), set.front().pubkey.end());
            proto::Nonce16 nonce{};
            if (v.contains("nonce")) nonce = nonce_of(v);
            auto env = proto::encrypt_envelope(inner, pub, nonce, set);
            const auto& want = need(v, "result");
            if (is_error(want)) {
                if (env) c.fail("reference raised " + want.dump() + ", we encrypted");
            } else if (!env) {
                c.fail("we failed: " + env.error().reason);
            } else if (v.contains("nonce") || env->empty()) {
                c.eq("result", to_hex(*env), want.value("ok", json("")));
            } else {
                // The reference drew its nonce at random: its envelope and ours must both
                // decrypt to the inner bytes under the same authority.
                const Bytes theirs = hex_of(want.value("ok", json("")), "result.ok");
                auto a = proto::decrypt_envelope(theirs, set);
                auto b = proto::decrypt_envelope(*env, set);
                if (!a || !b) return c.fail("result: an envelope does not decrypt");
                c.eq("result.inner", to_hex(b->inner), to_hex(a->inner));
                c.eq("result.authority", b->authority->name, a->authority->name);
            }
        }));
    }
    for (const auto& v : cat.value("decrypt", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            auto dec = proto::decrypt_envelope(need_hex(v, "envelope"), ctx.key_set(v));
            if (v.contains("decrypt")) c.eq("decrypt", decrypt_tuple(dec), v["decrypt"]);
            if (v.contains("decrypt_authority"))
                c.eq("decrypt_authority", dec ? json(dec->authority->name) : json(nullptr),
                     v["decrypt_authority"]);
        }));
    }
    for (const auto& v : cat.value("compute_message_data_hash", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const Bytes data = hex_of(need(v, "input"), "input");
            c.eq("hash", to_hex(proto::message_data_hash(data)), need(v, "hash"));
        }));
    }
}

void run_unpack_share_messages(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    std::size_t i = 0;
    for (const auto& v : cat) {
        const std::string what = what_of(v, i++);
        bool timestamp_zero = false;
        Outcome o = run_one("unpack_share_messages", what, [&](Check& c) {
            const auto& set = ctx.key_set(v);
            const Bytes env = need_hex(v, "envelope");
            auto u = proto::unpack_share_messages(env, set);
            // The envelope must also be what we produce from the inner bytes and nonce.
            if (v.contains("inner") && v.contains("nonce") && u.info) {
                auto ours = proto::encrypt_envelope(need_hex(v, "inner"), u.info->authority->pubkey,
                                                    nonce_of(v), set);
                if (!ours || *ours != env)
                    c.fail("envelope: encrypting the inner bytes gives different bytes");
            }
            for (const auto& m : u.messages)
                timestamp_zero = timestamp_zero || m.timestamp == 0;
            check_unpacked(c, "result", u, need(v, "result"));
        });
        if (o.status == Status::fail && timestamp_zero)
            o = intentional("unpack_share_messages", what, kTimestampZeroReason);
        out.push_back(std::move(o));
    }
}

void run_pack_share_messages(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    std::size_t i = 0;
    for (const auto& v : cat) {
        const std::string what = what_of(v, i++);
        auto body = [&](proto::ReferenceQuirks quirks) {
            return [&, quirks](Check& c) {
                const auto& set = ctx.key_set(v);
                std::vector<proto::ShareMessage> msgs;
                for (const auto& m : v.value("messages_in", json::array()))
                    msgs.push_back(message_from_json(m));
                std::optional<Bytes> ann;
                if (v.contains("announcement") && !v["announcement"].is_null())
                    ann = need_hex(v, "announcement");
                auto env = proto::pack_share_messages(msgs, ann, nonce_of(v), set, quirks);
                if (v.contains("result") && is_error(v["result"])) {
                    if (env) c.fail("reference raised " + v["result"].dump() + ", we packed");
                    return;
                }
                if (!env) return c.fail("we failed: " + env.error().reason);
                if (v.contains("envelope")) c.eq("envelope", to_hex(*env), v["envelope"]);
                if (v.contains("messages_after_pack_flags")) {
                    json got = json::array();
                    for (const auto& m : msgs)
                        got.push_back({{"flags", m.flags},
                                       {"wire_flags", m.wire_flags},
                                       {"verified", m.verified}});
                    c.eq("messages_after_pack_flags", got, v["messages_after_pack_flags"]);
                }
                auto dec = proto::decrypt_envelope(*env, set);
                if (v.contains("inner"))
                    c.eq("inner", dec ? json(to_hex(dec->inner)) : json(nullptr), v["inner"]);
                if (v.contains("inner_len"))
                    c.eq("inner_len", dec ? json(dec->inner.size()) : json(nullptr),
                         v["inner_len"]);
                if (v.contains("encrypted_with"))
                    c.eq("encrypted_with", dec ? json(dec->authority->name) : json(nullptr),
                         v["encrypted_with"]);
                auto u = proto::unpack_share_messages(*env, set);
                if (v.contains("unpacked")) check_unpacked(c, "unpacked", u, v["unpacked"]);
                if (v.contains("verify_authority_direct_after_unpack") && u.info) {
                    json got = json::array();
                    for (auto m : u.messages)
                        got.push_back({{"ok", proto::verify_authority_direct(
                                                  m, u.info->authority->pubkey, set)}});
                    c.eq("verify_authority_direct_after_unpack", got,
                         v["verify_authority_direct_after_unpack"]);
                }
            };
        };
        Outcome o = run_one("pack_share_messages", what, body({}));
        proto::ReferenceQuirks q;
        q.pack_rewrites_signed_flags = true;
        if (o.status == Status::fail &&
            run_one("pack_share_messages", what, body(q)).status == Status::pass)
            o = intentional("pack_share_messages", what,
                            "a message whose signed flags lack the authority bit is refused; the "
                            "reference packs it "
                            "with rewritten flags that its signature does not cover");
        out.push_back(std::move(o));
    }
}

void run_mainnet_transition_blob(const Context& ctx, const json& v, std::vector<Outcome>& out) {
    const std::string name = "mainnet_transition_blob";
    const auto& set = ctx.real();
    const double now = ctx.clock_of(v);
    Bytes blob;
    out.push_back(run_one(name, "envelope", [&](Check& c) {
        blob = need_hex(v, "file_hex_stripped");
        if (v.contains("length")) c.eq("length", blob.size(), v["length"]);
        if (blob.size() < proto::ENCRYPTION_HEADER_SIZE)
            return c.fail("blob shorter than the envelope header");
        if (v.contains("envelope_version"))
            c.eq("envelope_version", blob[0], v["envelope_version"]);
        if (v.contains("nonce")) c.eq("nonce", to_hex(ByteView(blob).subspan(1, 16)), v["nonce"]);
        if (v.contains("mac")) c.eq("mac", to_hex(ByteView(blob).subspan(17, 32)), v["mac"]);
        if (v.contains("ciphertext_len"))
            c.eq("ciphertext_len", blob.size() - 49, v["ciphertext_len"]);
        auto dec = proto::decrypt_envelope(blob, set);
        if (!dec) return c.fail("does not decrypt: " + dec.error().reason);
        if (v.contains("decrypt_authority_pubkey"))
            c.eq("decrypt_authority_pubkey", to_hex(dec->authority->pubkey),
                 v["decrypt_authority_pubkey"]);
        if (v.contains("decrypt_authority_name"))
            c.eq("decrypt_authority_name", dec->authority->name, v["decrypt_authority_name"]);
        if (v.contains("inner")) c.eq("inner", to_hex(dec->inner), v["inner"]);
        if (v.contains("inner_header") && dec->inner.size() >= 4)
            c.eq("inner_header",
                 json{{"inner_version", dec->inner[0]},
                      {"inner_flags", dec->inner[1]},
                      {"msg_count", dec->inner[2]},
                      {"announcement_len", dec->inner[3]}},
                 v["inner_header"]);
        auto u = proto::unpack_share_messages(blob, set);
        if (v.contains("signing_key_info"))
            c.subset("signing_key_info", key_info(u), v["signing_key_info"]);
    }));
    const auto u = proto::unpack_share_messages(blob, set);
    std::size_t i = 0;
    for (const auto& mv : v.value("messages", json::array())) {
        const std::string prefix = "message " + std::to_string(i);
        const proto::ShareMessage* msg = i < u.messages.size() ? &u.messages[i] : nullptr;
        ++i;
        out.push_back(run_one(name, prefix + " unpacked", [&](Check& c) {
            if (!msg) return c.fail("message missing");
            if (mv.contains("unpacked")) check_message(c, "unpacked", *msg, mv["unpacked"]);
            if (mv.contains("payload_text"))
                c.eq("payload_text", std::string(msg->payload.begin(), msg->payload.end()),
                     mv["payload_text"]);
            if (mv.contains("payload_json"))
                c.eq("payload_json",
                     json::parse(msg->payload.begin(), msg->payload.end(), nullptr, false),
                     mv["payload_json"]);
            if (mv.contains("signature_analysis")) {
                const auto& sa = mv["signature_analysis"];
                auto rs = crypto::ecdsa_der_to_compact(msg->signature);
                if (!rs) return c.fail("signature is not DER");
                if (sa.contains("r")) c.eq("r", to_hex(ByteView(*rs).subspan(0, 32)), sa["r"]);
                if (sa.contains("s")) c.eq("s", to_hex(ByteView(*rs).subspan(32, 32)), sa["s"]);
                if (sa.contains("s_is_high (s > n/2)"))
                    c.eq("s_is_high", crypto::ecdsa_der_is_high_s(msg->signature),
                         sa["s_is_high (s > n/2)"]);
                auto low = crypto::ecdsa_der_normalize(msg->signature);
                if (sa.contains("low_s_normalized_signature"))
                    c.eq("low_s_normalized_signature", low ? json(to_hex(*low)) : json(nullptr),
                         sa["low_s_normalized_signature"]);
                if (sa.contains("low_s_normalized_verifies_coincurve") && low) {
                    const auto pub = u.info ? ByteView(u.info->authority->pubkey) : ByteView();
                    c.eq("low_s_normalized_verifies",
                         crypto::ecdsa_verify_der(pub, msg->hash(), *low),
                         sa["low_s_normalized_verifies_coincurve"]);
                }
            }
        }));
        // Two reference backends disagree on high-S; we follow the one deployed nodes accept.
        for (const char* backend :
             {"verify_authority_direct_ecdsa", "verify_authority_direct_coincurve"}) {
            if (!mv.contains(backend) || !msg || !u.info) continue;
            const auto& want = mv[backend];
            Outcome o = run_one(name, prefix + " " + backend, [&](Check& c) {
                proto::ShareMessage m = *msg;
                const bool ok = proto::verify_authority_direct(m, u.info->authority->pubkey, set);
                c.eq("result", ok, want.value("result", json::object()).value("ok", json(nullptr)));
                if (want.contains("flags_after")) c.eq("flags_after", m.flags, want["flags_after"]);
                if (want.contains("is_protocol_authority_after"))
                    c.eq("is_protocol_authority_after", m.is_protocol_authority(),
                         want["is_protocol_authority_after"]);
                if (want.contains("to_dict_after"))
                    c.eq("to_dict_after", plain(proto::message_to_json(m, now)),
                         want["to_dict_after"]);
                if (want.contains("with_other_authority_key"))
                    for (const auto& a : set) {
                        if (a.pubkey == u.info->authority->pubkey) continue;
                        proto::ShareMessage o2 = *msg;
                        c.eq("with_other_authority_key",
                             proto::verify_authority_direct(o2, a.pubkey, set),
                             want["with_other_authority_key"].value("ok", json(nullptr)));
                    }
            });
            if (o.status == Status::fail && crypto::ecdsa_der_is_high_s(msg->signature))
                o = intentional(
                    name, o.what,
                    "v1 authority signatures are verified after S normalization (PRODUCT.md)");
            out.push_back(std::move(o));
        }
    }
    for (const auto& item : v.items()) {
        const std::string key = item.key();
        const json& want = item.value();
        if (key.rfind("load_blob_hex", 0) != 0 || !want.is_object()) continue;
        Outcome o = run_one(name, key, [&](Check& c) {
            const double clock = want.contains("clock") ? want["clock"].get<double>() : now;
            proto::MessageStore store(proto::StoreOptions{}, set);
            const std::size_t n = store.load_blob_hex(to_hex(blob), clock);
            if (want.contains("returned")) c.eq("returned", n, want["returned"]);
            if (want.contains("to_json"))
                c.eq("to_json", plain(store.to_json({}, clock)), want["to_json"]);
            if (want.contains("authority_only")) {
                proto::MessageQuery q;
                q.authority_only = true;
                c.eq("authority_only", plain(store.to_json(q, clock)), want["authority_only"]);
            }
            if (want.contains("stats_authority_messages"))
                c.eq("stats_authority_messages", store.authority_messages().size(),
                     want["stats_authority_messages"]);
        });
        const bool high_s =
            !u.messages.empty() && crypto::ecdsa_der_is_high_s(u.messages.front().signature);
        if (o.status == Status::fail && high_s && key.find("coincurve") != std::string::npos)
            o = intentional(
                name, key,
                "v1 authority signatures are verified after S normalization (PRODUCT.md)");
        out.push_back(std::move(o));
    }
}

}  // namespace sharemsg::conformance
