// Categories about single messages and keys: constants, signing_keys_used,
// derived_signing_key, share_message, share_message_unpack, builders.
#include <map>
#include <regex>

#include "conformance/step_call.hpp"
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
                                                        need_int<std::uint32_t>(k, "key_index"));
            if (!key) return c.fail("derive failed: " + key.error().reason);
            if (k.contains("signing_id"))
                c.eq("signing_id", to_hex(key->signing_id()), k["signing_id"]);
            if (k.contains("pubkey")) c.eq("pubkey", to_hex(key->pubkey()), k["pubkey"]);
            if (k.contains("signing_privkey"))
                c.eq("signing_privkey", to_hex(key->privkey().bytes()), k["signing_privkey"]);
        }));
    }
}

namespace {
// The master key of a derivation vector: its master_privkey, or, for the reference's error
// vectors that name only a length in their text ("master key 31 bytes -> ValueError"), that
// many bytes; a vector about something else (the key index) may give neither: 32 bytes.
Bytes master_of(const json& v) {
    if (v.contains("master_privkey")) return need_hex(v, "master_privkey");
    std::smatch m;
    const std::string what = what_of(v, 0);
    if (std::regex_search(what, m, std::regex("(\\d+)[- ]bytes?")) && m[1].length() < 6)
        return Bytes(std::stoul(m[1]), 0x01);
    return Bytes(32, 0x01);
}

// One derivation (DerivedSigningKey(master, key_index)) against what the reference did. A
// key_index that is not an integer in 0..2^32-1 is refused (the reference's struct.pack('<I')
// raises); so is a master key that is not 32 bytes (ValueError).
void check_derivation(Check& c, const json& v) {
    const Bytes master = master_of(v);
    const json& result = field_or_empty(v, "result");
    const bool want_error = is_error(result) || is_error(field_or_empty(v, "error"));
    std::optional<std::uint32_t> index = 0;
    if (v.contains("key_index")) index = int_of<std::uint32_t>(v["key_index"]);
    if (!index) {
        if (!want_error)
            c.fail("key_index " + v["key_index"].dump() +
                   " is not in 0..4294967295: we refuse it, the reference derived a key");
        return;
    }
    if (v.contains("hmac_message"))
        c.eq("hmac_message", to_hex(proto::signing_key_hmac_message(*index)), v["hmac_message"]);
    auto key = proto::DerivedSigningKey::derive(master, *index);
    if (want_error) {
        if (key) c.fail("reference raised " + result.dump() + ", we derived a key");
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
    if (v.contains("signing_id")) c.eq("signing_id", to_hex(key->signing_id()), v["signing_id"]);
    const Bytes ann = key->announcement().pack();
    if (v.contains("announcement")) c.eq("announcement", to_hex(ann), v["announcement"]);
    if (v.contains("unpack_announcement"))
        c.eq("unpack_announcement", announcement_tuple(proto::unpack_announcement(ann), ann.size()),
             v["unpack_announcement"]);
}
}  // namespace

void run_derived_signing_key(const Context&, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "derived_signing_key";
    std::size_t i = 0;
    for (const char* list : {"vectors", "errors"})
        for (const auto& v : cat.value(list, json::array()))
            out.push_back(
                run_one(name, what_of(v, i++), [&](Check& c) { check_derivation(c, v); }));
    for (const auto& v : cat.value("unpack_announcement", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const Bytes data = need_hex(v, "data");
            const std::size_t offset = int_or<std::size_t>(v, "offset", 0);
            const std::size_t avail = offset <= data.size() ? data.size() - offset : 0;
            c.eq("result", announcement_tuple(proto::unpack_announcement(data, offset), avail),
                 need(v, "result"));
        }));
    }
}

namespace {
// A message input out of its wire range (our types refuse it; the reference raises
// struct.error wherever it hashes or packs the message). Every recorded result that needed
// the wire form must be an error; a result of the reference's object model alone (to_dict of
// the unpacked object) is an intentional difference.
void check_refused_input(Check& c, const json& v, const std::string& why) {
    bool object_model = false;
    for (const auto& [k, want] : v.items()) {
        if (k == "what" || k == "input" || k == "clock" || k == "signer" || is_error(want))
            continue;
        if (k == "to_dict") {
            object_model = true;
            continue;
        }
        if (k == "message" && want.is_object()) {
            for (const char* wire : {"message_hash", "pack"})
                if (want.contains(wire) && !is_error(want[wire]))
                    c.fail(std::string("message.") + wire + ": the reference gave " +
                           want[wire].dump() + "; we refuse the input: " + why);
            object_model = true;
            continue;
        }
        c.fail(k + ": the reference gave a result; we refuse the input: " + why);
    }
    if (object_model)
        c.differ("a message field outside its wire range is refused when the message is made (" +
                 why +
                 "); the reference's object holds it and fails only when hashing or packing it");
}
}  // namespace

void run_share_message(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "share_message";
    std::size_t i = 0;
    for (const auto& v : cat.value("vectors", json::array())) {
        out.push_back(run_one(name, what_of(v, i++), [&](Check& c) {
            const double now = ctx.clock_of(v);
            const auto& in = need(v, "input");
            // The reference's constructor takes any value; struct.pack raises when the message
            // is hashed or packed. Our message type cannot hold such a value at all.
            const auto type = int_of<std::uint8_t>(need(in, "msg_type"));
            const auto flags = in.contains("flags") ? int_of<std::uint8_t>(in["flags"])
                                                    : std::optional<std::uint8_t>(6);
            std::optional<std::uint32_t> ts = 0;
            if (in.contains("timestamp") && !in["timestamp"].is_null())
                ts = int_of<std::uint32_t>(in["timestamp"]);
            if (!type || !flags || !ts)
                return check_refused_input(
                    c, v,
                    !type    ? "msg_type " + in["msg_type"].dump() + " is outside 0..255"
                    : !flags ? "flags " + in["flags"].dump() + " is outside 0..255"
                             : "timestamp " + in["timestamp"].dump() + " is outside 0..2^32-1");
            // The reference's "timestamp or now".
            if (*ts == 0) ts = saturate_cast<std::uint32_t>(now);
            auto m = proto::ShareMessage::make(*type, need_hex(in, "payload"), *flags, *ts);
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
                    reg.register_key(addr, *id, int_or<std::uint32_t>(info, "key_index", 0), *pk,
                                     now, number_or(info, "first_seen", 0.0));
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
            const std::size_t offset = int_or<std::size_t>(v, "offset", 0);
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
using ojson = nlohmann::ordered_json;

// The builders' Python parameter names, and the payload keys they become.
const std::map<std::string, std::string>& payload_key_of_parameter() {
    static const std::map<std::string, std::string> m{{"uptime", "up"},
                                                      {"hashrate", "hr"},
                                                      {"share_count", "sc"},
                                                      {"peers", "p"},
                                                      {"merged_chains", "mc"},
                                                      {"capabilities", "cap"},
                                                      {"chain_name", "chain"},
                                                      {"symbol", "sym"},
                                                      {"height", "h"},
                                                      {"block_value", "bv"},
                                                      {"blocks_found", "bf"},
                                                      {"features", "feat"},
                                                      {"current_version", "from"},
                                                      {"target_version", "to"},
                                                      {"message", "msg"},
                                                      {"urgency", "urg"},
                                                      {"upgrade_url", "url"},
                                                      {"activation_threshold", "thr"}};
    return m;
}

// A Python literal as a vector's text writes it: 'str', "str", an integer, a float, True,
// False or None.
std::optional<ojson> python_literal(const std::string& s) {
    if (auto q = unquote(s)) return ojson(*q);
    if (s == "True") return ojson(true);
    if (s == "False") return ojson(false);
    if (s == "None") return ojson(nullptr);
    if (auto n = int_arg(s)) return ojson(*n);
    auto j = ojson::parse(s, nullptr, false);
    if (!j.is_discarded() && j.is_number()) return j;
    return std::nullopt;
}

// The builder's arguments as payload keys: the vector's "args" (or "kwargs"), then any
// name=literal written in its "what" ("build_transition_signal urgency='soon' -> ..."),
// parameter names mapped to payload keys.
ojson builder_args(const json& v, const std::string& builder) {
    ojson args = ojson::object();
    for (const char* k : {"args", "kwargs"})
        if (v.contains(k) && v[k].is_object()) args.update(ojson::parse(v[k].dump()));
    const std::string what = what_of(v, 0);
    static const std::regex kv(
        R"re(\b([a-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|True|False|None))re");
    for (auto it = std::sregex_iterator(what.begin(), what.end(), kv); it != std::sregex_iterator();
         ++it)
        if (auto lit = python_literal((*it)[2])) args[(*it)[1].str()] = *lit;
    ojson out = ojson::object();
    for (auto& [k, val] : args.items()) {
        auto m = payload_key_of_parameter().find(k);
        std::string key = m != payload_key_of_parameter().end() ? m->second : k;
        if (k == "version") key = builder == "build_version_signal" ? "ver" : "v";
        out[key] = val;
    }
    return out;
}

// Calls the builder a vector names ("builder", or the build_* in its "what") with the
// arguments it records; when it records none, with those its message's payload shows (the
// reference's vectors record the result, not the arguments). Errors are the builder's own
// refusals (an unknown urgency, a payload over 220 bytes), or invalid_argument when the
// vector gives too little to call it.
Result<proto::ShareMessage> rebuild(const json& v, std::uint32_t now) {
    std::string builder = v.contains("builder") && v["builder"].is_string()
                              ? v["builder"].get<std::string>()
                              : std::string();
    std::smatch bm;
    const std::string what = what_of(v, 0);
    if (builder.empty() && std::regex_search(what, bm, std::regex(R"(\bbuild_[a-z_]+)")))
        builder = bm[0];
    ojson args = builder_args(v, builder);
    Bytes payload;
    if (v.contains("message")) {
        const auto& msg = v["message"];
        payload = need_hex(msg, "payload");
        if (builder.empty()) {
            switch (need_int<std::uint8_t>(msg, "msg_type")) {
                case proto::MSG_NODE_STATUS:
                    builder = "build_node_status";
                    break;
                case proto::MSG_MINER_MESSAGE:
                    builder = "build_miner_message";
                    break;
                case proto::MSG_POOL_ANNOUNCE:
                    builder = "build_pool_announcement";
                    break;
                case proto::MSG_MERGED_STATUS:
                    builder = "build_merged_status";
                    break;
                case proto::MSG_VERSION_SIGNAL:
                    builder = "build_version_signal";
                    break;
                case proto::MSG_EMERGENCY:
                    builder = "build_emergency_alert";
                    break;
                case proto::MSG_TRANSITION_SIGNAL:
                    builder = "build_transition_signal";
                    break;
                default:
                    break;
            }
        }
        if (args.empty()) {
            const bool text_builder = builder == "build_miner_message" ||
                                      builder == "build_pool_announcement" ||
                                      builder == "build_emergency_alert";
            auto fromp = ojson::parse(payload.begin(), payload.end(), nullptr, false);
            if (text_builder)
                args["text"] = std::string(payload.begin(), payload.end());
            else if (!fromp.is_discarded() && fromp.is_object())
                args = fromp;
        }
    }
    if (builder.empty())
        return make_error(Errc::invalid_argument, "the vector names no builder and has no message");
    auto take = [&](const char* k) {
        ojson x = args.contains(k) ? args[k] : ojson();
        args.erase(k);
        return x;
    };
    auto text = [&]() -> Result<std::string> {
        auto t = take("text");
        if (!t.is_string()) return make_error(Errc::invalid_argument, "no text argument");
        return t.get<std::string>();
    };
    if (builder == "build_miner_message" || builder == "build_pool_announcement" ||
        builder == "build_emergency_alert") {
        auto t = text();
        if (!t) return t.error();
        if (builder == "build_miner_message") return proto::build_miner_message(*t, now);
        if (builder == "build_pool_announcement") return proto::build_pool_announcement(*t, now);
        return proto::build_emergency_alert(*t, now);
    }
    if (builder == "build_node_status") {
        proto::NodeStatus st;
        st.version = take("v");
        auto up = take("up"), hr = take("hr");
        if (!up.is_number() || !hr.is_number())
            return make_error(Errc::invalid_argument, "uptime and hashrate must be numbers");
        st.uptime = up.get<double>();
        st.hashrate = hr.get<double>();
        st.share_count = take("sc");
        st.peers = take("p");
        auto mc = take("mc"), cap = take("cap");
        if (mc.is_array()) st.merged_chains = mc.get<std::vector<std::string>>();
        if (cap.is_array()) st.capabilities = cap.get<std::vector<std::string>>();
        return proto::build_node_status(st, now);
    }
    if (builder == "build_merged_status") {
        auto chain = take("chain"), sym = take("sym");
        if (!chain.is_string() || !sym.is_string())
            return make_error(Errc::invalid_argument, "chain_name and symbol must be strings");
        auto bf = take("bf");
        if (bf.is_null()) bf = 0;
        return proto::build_merged_status(chain.get<std::string>(), sym.get<std::string>(),
                                          take("h"), take("bv"), bf, now);
    }
    if (builder == "build_version_signal") {
        auto ver = take("ver"), feat = take("feat");
        auto extra = take("extra");
        if (extra.is_object()) args.update(extra);
        return proto::build_version_signal(ver, feat, args, now);
    }
    if (builder == "build_transition_signal") {
        proto::TransitionSignal t;
        t.from = take("from");
        t.to = take("to");
        auto msg = take("msg"), urg = take("urg"), url = take("url"), thr = take("thr");
        if (!msg.is_string()) return make_error(Errc::invalid_argument, "message must be text");
        t.message = msg.get<std::string>();
        if (!urg.is_null()) {
            if (!urg.is_string())
                return make_error(Errc::invalid_argument,
                                  "urgency must be info, recommended, or required");
            t.urgency = urg.get<std::string>();
        }
        if (url.is_string()) t.url = url.get<std::string>();
        if (!thr.is_null()) t.threshold = thr;
        auto extra = take("extra");
        if (extra.is_object()) args.update(extra);
        t.extra = args;
        return proto::build_transition_signal(t, now);
    }
    return make_error(Errc::invalid_argument, "no builder named " + builder);
}
}  // namespace

void run_builders(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    std::size_t i = 0;
    for (const auto& v : cat.value("vectors", json::array())) {
        out.push_back(run_one("builders", what_of(v, i++), [&](Check& c) {
            const double now = ctx.clock_of(v);
            const bool want_error = is_error(field_or_empty(v, "result")) ||
                                    is_error(v.contains("message") ? v["message"] : json());
            auto m = rebuild(v, saturate_cast<std::uint32_t>(now));
            if (want_error) {
                if (m) c.fail("reference raised, we built a message");
                return;
            }
            if (!m) {
                if (!v.contains("message") && !v.contains("args") && !v.contains("kwargs"))
                    throw BadVector("records neither the builder's arguments nor its message: " +
                                    m.error().reason);
                return c.fail("builder failed: " + m.error().reason);
            }
            if (v.contains("message")) check_message(c, "message", *m, v["message"]);
            if (v.contains("to_dict"))
                c.eq("to_dict", plain(proto::message_to_json(*m, now)),
                     v["to_dict"].value("ok", v["to_dict"]));
        }));
    }
}

}  // namespace sharemsg::conformance
