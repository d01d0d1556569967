// Categories about single messages and keys: constants, signing_keys_used,
// derived_signing_key, share_message, share_message_unpack, builders.
#include <regex>

#include "conformance/support.hpp"
#include "proto/builders.hpp"
#include "proto/registry.hpp"
#include "util/numeric.hpp"
#include "util/pyjson.hpp"

namespace sharemsg::conformance {

namespace {
json plain(const nlohmann::ordered_json& o) {
    return json::parse(o.dump());
}

json announcement_tuple(const Result<proto::Announcement>& a, std::size_t available) {
    if (a) return json::array({to_hex(a->signing_id), a->key_index, to_hex(a->pubkey), 57});
    // The reference returns (None, 0, None, 0) when short and consumes 57 on an id mismatch.
    return json::array(
        {nullptr, 0, nullptr, available >= proto::SIGNING_KEY_ANNOUNCEMENT_SIZE ? 57 : 0});
}
}  // namespace

void run_constants(const Context&, const json& cat, std::vector<Outcome>& out) {
    out.push_back(run_one("constants", what_of(cat, 0), [&](Check& c) {
        if (cat.contains("MSG_TYPES"))
            for (const auto& [name, id] : cat["MSG_TYPES"].items()) {
                auto t = proto::type_from_name(name.substr(4));
                c.eq("MSG_TYPES." + name, t ? json(*t) : json(nullptr), id);
            }
        if (cat.contains("FLAGS")) {
            const std::map<std::string, int> flags{
                {"FLAG_HAS_SIGNATURE", proto::FLAG_HAS_SIGNATURE},
                {"FLAG_BROADCAST", proto::FLAG_BROADCAST},
                {"FLAG_PERSISTENT", proto::FLAG_PERSISTENT},
                {"FLAG_PROTOCOL_AUTHORITY", proto::FLAG_PROTOCOL_AUTHORITY}};
            for (const auto& [name, v] : cat["FLAGS"].items())
                c.eq("FLAGS." + name, flags.count(name) ? json(flags.at(name)) : json(nullptr), v);
        }
        if (cat.contains("MESSAGE_TYPE_NAMES"))
            for (const auto& [id, name] : cat["MESSAGE_TYPE_NAMES"].items())
                c.eq("MESSAGE_TYPE_NAMES." + id,
                     proto::type_name(static_cast<std::uint8_t>(std::stoi(id))), name);
        if (cat.contains("limits")) {
            const std::map<std::string, double> limits{
                {"MAX_MESSAGE_PAYLOAD", proto::MAX_MESSAGE_PAYLOAD},
                {"MAX_MESSAGES_PER_SHARE", proto::MAX_MESSAGES_PER_SHARE},
                {"MAX_TOTAL_MESSAGE_BYTES", proto::MAX_TOTAL_MESSAGE_BYTES},
                {"MAX_MESSAGE_AGE", proto::MAX_MESSAGE_AGE},
                {"MAX_MESSAGE_HISTORY", proto::MAX_MESSAGE_HISTORY},
                {"SIGNING_KEY_ANNOUNCEMENT_SIZE", proto::SIGNING_KEY_ANNOUNCEMENT_SIZE},
                {"ENCRYPTED_ENVELOPE_VERSION", proto::ENCRYPTED_ENVELOPE_VERSION},
                {"ENCRYPTION_NONCE_SIZE", proto::ENCRYPTION_NONCE_SIZE},
                {"ENCRYPTION_MAC_SIZE", proto::ENCRYPTION_MAC_SIZE},
                {"ENCRYPTION_HEADER_SIZE", proto::ENCRYPTION_HEADER_SIZE},
                {"MWU_HEADER", proto::MWU_HEADER},
                {"MWU_PER_PAYLOAD_BYTE", proto::MWU_PER_PAYLOAD_BYTE},
                {"MWU_PER_SIGNATURE_BYTE", proto::MWU_PER_SIGNATURE_BYTE},
                {"MWU_ANNOUNCEMENT", proto::MWU_ANNOUNCEMENT},
                {"MAX_MWU_PER_SHARE", proto::MAX_MWU_PER_SHARE},
                {"FREE_MWU_ALLOWANCE", proto::FREE_MWU_ALLOWANCE},
                {"MWU_PER_SACRIFICE", proto::MWU_PER_SACRIFICE},
                {"ROLLING_MWU_WINDOW", proto::ROLLING_MWU_WINDOW},
                {"MAX_MWU_PER_HOUR", proto::MAX_MWU_PER_HOUR}};
            for (const auto& [name, v] : cat["limits"].items())
                c.eq("limits." + name,
                     limits.count(name) ? json(limits.at(name)) : json("(unknown constant)"), v);
        }
        if (cat.contains("SIGNING_KEY_DOMAIN"))
            c.eq("SIGNING_KEY_DOMAIN", to_hex(as_bytes(proto::SIGNING_KEY_DOMAIN)),
                 cat["SIGNING_KEY_DOMAIN"]);
        const auto& real = proto::mainnet_authorities();
        if (cat.contains("DONATION_PUBKEY_FORRESTV"))
            c.eq("DONATION_PUBKEY_FORRESTV", to_hex(real[0].pubkey),
                 cat["DONATION_PUBKEY_FORRESTV"]);
        if (cat.contains("DONATION_PUBKEY_MAINTAINER"))
            c.eq("DONATION_PUBKEY_MAINTAINER", to_hex(real[1].pubkey),
                 cat["DONATION_PUBKEY_MAINTAINER"]);
    }));
}

void run_signing_keys_used(const Context&, const json& cat, std::vector<Outcome>& out) {
    for (const auto& item : cat.items()) {
        const std::string name = item.key();
        const json& k = item.value();
        out.push_back(run_one("signing_keys_used", name, [&](Check& c) {
            auto key = proto::DerivedSigningKey::derive(need_hex(k, "master"),
                                                        need(k, "key_index").get<std::uint32_t>());
            if (!key) return c.fail("derive failed: " + key.error().reason);
            if (k.contains("signing_id"))
                c.eq("signing_id", to_hex(key->signing_id()), k["signing_id"]);
            if (k.contains("pubkey")) c.eq("pubkey", to_hex(key->pubkey()), k["pubkey"]);
            if (k.contains("signing_privkey"))
                c.eq("signing_privkey", to_hex(key->privkey().bytes()), k["signing_privkey"]);
        }));
    }
}

void run_derived_signing_key(const Context&, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "derived_signing_key";
    std::size_t i = 0;
    for (const auto& v : cat.value("vectors", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const auto index = need(v, "key_index").get<std::uint32_t>();
            if (v.contains("hmac_message"))
                c.eq("hmac_message", to_hex(proto::signing_key_hmac_message(index)),
                     v["hmac_message"]);
            auto key = proto::DerivedSigningKey::derive(need_hex(v, "master_privkey"), index);
            if (v.contains("result") && is_error(v["result"])) {
                if (key) c.fail("reference raised " + v["result"].dump() + ", we derived a key");
                return;
            }
            if (!key) return c.fail("derive failed: " + key.error().reason);
            if (v.contains("signing_privkey"))
                c.eq("signing_privkey", to_hex(key->privkey().bytes()), v["signing_privkey"]);
            if (v.contains("pubkey_compressed"))
                c.eq("pubkey_compressed", to_hex(key->pubkey()), v["pubkey_compressed"]);
            if (v.contains("pubkey_uncompressed"))
                c.eq("pubkey_uncompressed", to_hex(key->privkey().pubkey_uncompressed()),
                     v["pubkey_uncompressed"]);
            if (v.contains("signing_id"))
                c.eq("signing_id", to_hex(key->signing_id()), v["signing_id"]);
            const Bytes ann = key->announcement().pack();
            if (v.contains("announcement")) c.eq("announcement", to_hex(ann), v["announcement"]);
            if (v.contains("unpack_announcement"))
                c.eq("unpack_announcement",
                     announcement_tuple(proto::unpack_announcement(ann), ann.size()),
                     v["unpack_announcement"]);
        }));
    }
    for (const auto& v : cat.value("errors", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            Bytes master;
            if (v.contains("master_privkey")) {
                master = need_hex(v, "master_privkey");
            } else {
                // The reference's error vectors name the length only in their text.
                std::smatch m;
                const std::string what = what_of(v, 0);
                if (!std::regex_search(what, m, std::regex("(\\d+) bytes")))
                    throw BadVector("no master_privkey and no length in \"what\"");
                master.assign(std::stoul(m[1]), 0x01);
            }
            auto key = proto::DerivedSigningKey::derive(master, v.value("key_index", 0u));
            const bool want_error = is_error(v.value("result", json::object()));
            if (want_error && key) c.fail("reference raised, we derived a key");
            if (!want_error && !key) c.fail("we failed: " + key.error().reason);
        }));
    }
    for (const auto& v : cat.value("unpack_announcement", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const Bytes data = need_hex(v, "data");
            const std::size_t offset = v.value("offset", 0u);
            const std::size_t avail = offset <= data.size() ? data.size() - offset : 0;
            c.eq("result", announcement_tuple(proto::unpack_announcement(data, offset), avail),
                 need(v, "result"));
        }));
    }
}

void run_share_message(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "share_message";
    std::size_t i = 0;
    for (const auto& v : cat.value("vectors", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const double now = ctx.clock_of(v);
            const auto& in = need(v, "input");
            std::uint32_t ts = in.value("timestamp", 0u);
            if (ts == 0)
                ts = saturate_cast<std::uint32_t>(now);  // the reference's "timestamp or now"
            auto m = proto::ShareMessage::make(need(in, "msg_type").get<std::uint8_t>(),
                                               need_hex(in, "payload"),
                                               static_cast<std::uint8_t>(in.value("flags", 6)), ts);
            std::optional<proto::DerivedSigningKey> key;
            if (v.contains("signer")) {
                key = ctx.signer(v["signer"].get<std::string>());
                if (!key) throw BadVector("unknown signer " + v["signer"].dump());
                proto::sign_message(m, *key);
            }
            if (v.contains("message")) check_message(c, "message", m, v["message"]);
            if (v.contains("to_dict")) {
                if (is_error(v["to_dict"])) {
                    c.fail("to_dict: reference raised");
                } else {
                    c.eq("to_dict", plain(proto::message_to_json(m, now)),
                         v["to_dict"].value("ok", v["to_dict"]));
                }
            }
            if (!v.contains("unpacked")) return;
            auto packed = proto::pack_message(m);
            if (!packed) return c.fail("pack failed: " + packed.error().reason);
            auto un = proto::unpack_message(*packed);
            if (!un) return c.fail("unpack of our own pack failed: " + un.error().reason);
            check_message(c, "unpacked", un->message, v["unpacked"]);
            if (v["unpacked"].contains("new_offset"))
                c.eq("unpacked.new_offset", un->next_offset, v["unpacked"]["new_offset"]);
            if (v.contains("unpacked_hash_equals_original"))
                c.eq("unpacked_hash_equals_original", un->message.hash() == m.hash(),
                     v["unpacked_hash_equals_original"]);
            if (v.contains("unpacked_to_dict"))
                c.eq("unpacked_to_dict", plain(proto::message_to_json(un->message, now)),
                     v["unpacked_to_dict"].value("ok", v["unpacked_to_dict"]));
            if (v.contains("registry_verify") && key) {
                proto::SigningKeyRegistry reg;
                const std::string addr = "miner_" + v["signer"].get<std::string>();
                reg.register_key(addr, key->signing_id(), key->key_index(), key->pubkey(), now);
                proto::ShareMessage vm = un->message;
                const bool ok = proto::verify_with_registry(vm, reg, ctx.real());
                c.eq("registry_verify", ok, v["registry_verify"].value("ok", v["registry_verify"]));
                if (v.contains("after_registry_verify")) {
                    const auto& a = v["after_registry_verify"];
                    if (a.contains("flags")) c.eq("after.flags", vm.flags, a["flags"]);
                    if (a.contains("verified")) c.eq("after.verified", vm.verified, a["verified"]);
                    if (a.contains("sender_address"))
                        c.eq("after.sender_address",
                             vm.sender_address ? json(*vm.sender_address) : json(nullptr),
                             a["sender_address"]);
                    if (a.contains("to_dict"))
                        c.eq("after.to_dict", plain(proto::message_to_json(vm, now)), a["to_dict"]);
                }
            }
        }));
    }
    for (const auto& v : cat.value("verify", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const double now = ctx.clock_of(v);
            // The vector records the message after verify(): a successful verify set its
            // sender, a failed one left it as it was.
            proto::ShareMessage m = message_from_json(need(v, "message"));
            m.verified = false;
            if (field_or_empty(v, "result").value("ok", false)) m.sender_address.reset();
            proto::SigningKeyRegistry reg;
            for (const auto& [addr, entry] : field_or_empty(v, "registry").items()) {
                for (const auto& [sid, info] : field_or_empty(entry, "keys").items()) {
                    auto pk = ctx.pubkey_for_id(sid);
                    auto id = from_hex_fixed<20>(sid);
                    if (!pk || !id)
                        throw BadVector("registry key " + sid + " is not in signing_keys_used");
                    reg.register_key(addr, *id, info.value("key_index", 0u), *pk, now,
                                     info.value("first_seen", 0.0));
                }
            }
            const bool ok = proto::verify_with_registry(m, reg, ctx.real());
            if (v.contains("result")) c.eq("result", ok, v["result"].value("ok", v["result"]));
            if (v.contains("flags_after")) c.eq("flags_after", m.flags, v["flags_after"]);
            if (v.contains("verified_after"))
                c.eq("verified_after", m.verified, v["verified_after"]);
            if (v.contains("sender_after"))
                c.eq("sender_after", m.sender_address ? json(*m.sender_address) : json(nullptr),
                     v["sender_after"]);
        }));
    }
}

void run_share_message_unpack(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "share_message_unpack";
    std::size_t i = 0;
    for (const auto& v : cat) {
        const std::string what = what_of(v, i++);
        bool timestamp_zero = false;
        Outcome o = run_one(name, what, [&](Check& c) {
            const Bytes data = need_hex(v, "data");
            const std::size_t offset = v.value("offset", 0u);
            auto un = proto::unpack_message(data, offset);
            const auto& want = need(v, "result");
            if (is_error(want)) {
                if (un) c.fail("reference raised " + want.dump() + ", we unpacked");
                return;
            }
            if (!un) return c.fail("we failed: " + un.error().reason);
            timestamp_zero = un->message.timestamp == 0;
            check_message(c, "result", un->message, want);
            if (want.contains("new_offset"))
                c.eq("new_offset", un->next_offset, want["new_offset"]);
            if (want.contains("hash_over_wire_bytes")) {
                ByteWriter w;
                w.bytes(ByteView(data).subspan(offset, 6));
                w.bytes(un->message.payload);
                c.eq("hash_over_wire_bytes", to_hex(crypto::sha256d(w.data())),
                     want["hash_over_wire_bytes"]);
            }
            (void)ctx;
        });
        if (o.status == Status::fail && timestamp_zero)
            o = intentional(name, what, kTimestampZeroReason);
        out.push_back(std::move(o));
    }
}

namespace {
// Rebuilds a builder call from the payload the reference produced (the vectors record the
// result, not the arguments), or from explicit "args" when a vector has them.
Result<proto::ShareMessage> rebuild(const json& v, std::uint32_t now) {
    const auto& msg = need(v, "message");
    const auto type = need(msg, "msg_type").get<std::uint8_t>();
    const Bytes payload = need_hex(msg, "payload");
    auto args = v.contains("args")
                    ? nlohmann::ordered_json::parse(v["args"].dump())
                    : nlohmann::ordered_json::parse(payload.begin(), payload.end(), nullptr, false);
    const std::string text(payload.begin(), payload.end());
    switch (type) {
        case proto::MSG_MINER_MESSAGE:
            return proto::build_miner_message(text, now);
        case proto::MSG_POOL_ANNOUNCE:
            return proto::build_pool_announcement(text, now);
        case proto::MSG_EMERGENCY:
            return proto::build_emergency_alert(text, now);
        default:
            break;
    }
    if (!args.is_object()) return make_error(Errc::bad_encoding, "payload is not a JSON object");
    auto take = [&](const char* k) {
        nlohmann::ordered_json x = args.contains(k) ? args[k] : nlohmann::ordered_json();
        args.erase(k);
        return x;
    };
    switch (type) {
        case proto::MSG_NODE_STATUS: {
            proto::NodeStatus s;
            s.version = take("v");
            s.uptime = take("up").get<double>();
            s.hashrate = take("hr").get<double>();
            s.share_count = take("sc");
            s.peers = take("p");
            auto mc = take("mc"), cap = take("cap");
            if (mc.is_array()) s.merged_chains = mc.get<std::vector<std::string>>();
            if (cap.is_array()) s.capabilities = cap.get<std::vector<std::string>>();
            return proto::build_node_status(s, now);
        }
        case proto::MSG_MERGED_STATUS: {
            auto chain = take("chain"), sym = take("sym");
            return proto::build_merged_status(chain.get<std::string>(), sym.get<std::string>(),
                                              take("h"), take("bv"), take("bf"), now);
        }
        case proto::MSG_VERSION_SIGNAL: {
            auto ver = take("ver"), feat = take("feat");
            return proto::build_version_signal(ver, feat, args, now);
        }
        case proto::MSG_TRANSITION_SIGNAL: {
            proto::TransitionSignal t;
            t.from = take("from");
            t.to = take("to");
            t.message = take("msg").get<std::string>();
            t.urgency = take("urg").get<std::string>();
            auto url = take("url");
            if (url.is_string()) t.url = url.get<std::string>();
            auto thr = take("thr");
            if (!thr.is_null()) t.threshold = thr;
            t.extra = args;
            return proto::build_transition_signal(t, now);
        }
        default:
            return make_error(Errc::invalid_argument, "no builder for this type");
    }
}
}  // namespace

void run_builders(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    std::size_t i = 0;
    for (const auto& v : cat.value("vectors", json::array())) {
        const std::string what = what_of(v, i++);
        if (!v.contains("message")) {
            out.push_back(
                {"builders", what, Status::skip, "vector records no arguments and no message"});
            continue;
        }
        out.push_back(run_one("builders", what, [&](Check& c) {
            const double now = ctx.clock_of(v);
            auto m = rebuild(v, saturate_cast<std::uint32_t>(now));
            if (!m) return c.fail("builder failed: " + m.error().reason);
            check_message(c, "message", *m, v["message"]);
            if (v.contains("to_dict"))
                c.eq("to_dict", plain(proto::message_to_json(*m, now)), v["to_dict"]);
        }));
    }
}

}  // namespace sharemsg::conformance
