#include "conformance/support.hpp"

namespace sharemsg::conformance {

namespace {
std::string brief(const json& j) {
    std::string s = j.dump();
    if (s.size() > 160) s = s.substr(0, 150) + "...(" + std::to_string(s.size()) + ")";
    return s;
}

// First differing path between two JSON values, or empty when equal.
std::string diff(const std::string& path, const json& got, const json& want) {
    if (got == want) return {};
    if (got.is_object() && want.is_object()) {
        for (const auto& [k, v] : want.items()) {
            if (!got.contains(k)) return path + "." + k + ": missing (want " + brief(v) + ")";
            auto d = diff(path + "." + k, got[k], v);
            if (!d.empty()) return d;
        }
        for (const auto& [k, v] : got.items())
            if (!want.contains(k)) return path + "." + k + ": unexpected (got " + brief(v) + ")";
    }
    if (got.is_array() && want.is_array() && got.size() == want.size()) {
        for (std::size_t i = 0; i < got.size(); ++i) {
            auto d = diff(path + "[" + std::to_string(i) + "]", got[i], want[i]);
            if (!d.empty()) return d;
        }
    }
    return path + ": got " + brief(got) + ", want " + brief(want);
}
}  // namespace

void Check::eq(const std::string& field, const json& got, const json& want) {
    if (!first_.empty()) return;
    first_ = diff(field, got, want);
}

void Check::subset(const std::string& field, const json& got, const json& want) {
    if (!first_.empty()) return;
    if (!want.is_object()) return eq(field, got, want);
    for (const auto& [k, v] : want.items()) {
        if (!got.is_object() || !got.contains(k)) {
            first_ = field + "." + k + ": missing";
            return;
        }
        eq(field + "." + k, got[k], v);
    }
}

const json& need(const json& v, const std::string& key) {
    if (!v.is_object() || !v.contains(key)) throw BadVector("vector has no \"" + key + "\"");
    return v[key];
}

double number_or(const json& v, const std::string& key, double fallback) {
    if (!v.is_object() || !v.contains(key) || v[key].is_null()) return fallback;
    if (!v[key].is_number()) throw BadVector("\"" + key + "\" is not a number: " + v[key].dump());
    return v[key].get<double>();
}

Bytes hex_of(const json& s, const std::string& what) {
    if (s.is_null()) return {};
    if (!s.is_string()) throw BadVector("\"" + what + "\" is not a hex string");
    auto b = from_hex(s.get<std::string>());
    if (!b) throw BadVector("\"" + what + "\": " + b.error().reason);
    return *b;
}

Bytes need_hex(const json& v, const std::string& key) {
    return hex_of(need(v, key), key);
}

const json& field_or_empty(const json& v, const std::string& key) {
    static const json empty = json::object();
    if (v.is_object() && v.contains(key)) return v[key];
    return empty;
}

bool is_error(const json& result) {
    return result.is_object() && result.contains("error");
}

Context::Context(const json& file) {
    if (file.contains("meta") && file["meta"].is_object()) {
        const auto& meta = file["meta"];
        if (meta.contains("fixed_clock_time_time") && meta["fixed_clock_time_time"].is_number())
            fixed_clock_ = meta["fixed_clock_time_time"].get<double>();
        if (meta.contains("test_authority") && meta["test_authority"].is_object()) {
            const auto& ta = meta["test_authority"];
            for (const char* n : {"A", "B"}) {
                const std::string key = std::string(n) + "_pubkey";
                if (!ta.contains(key) || !ta[key].is_string()) continue;
                auto pk = from_hex_fixed<33>(ta[key].get<std::string>());
                if (pk) test_.push_back({*pk, std::string("test_authority_") + n});
                const std::string priv = std::string(n) + "_privkey";
                if (ta.contains(priv) && ta[priv].is_string()) {
                    auto sk = from_hex(ta[priv].get<std::string>());
                    if (sk) {
                        auto k = proto::DerivedSigningKey::from_signing_key(*sk, 0);
                        if (k) signers_.emplace(n, *k);
                    }
                }
            }
        }
    }
    all_ = test_;
    for (const auto& a : proto::mainnet_authorities())
        all_.push_back(a);
    if (file.contains("signing_keys_used") && file["signing_keys_used"].is_object()) {
        for (const auto& [name, k] : file["signing_keys_used"].items()) {
            if (!k.is_object() || !k.contains("master") || !k["master"].is_string() ||
                !k.contains("key_index"))
                continue;
            auto master = from_hex(k["master"].get<std::string>());
            const auto index = int_of<std::uint32_t>(k["key_index"]);
            if (!master || !index) continue;
            auto key = proto::DerivedSigningKey::derive(*master, *index);
            if (key) signers_.emplace(name, *key);
        }
    }
}

double Context::clock_of(const json& v) const {
    if (v.is_object() && v.contains("clock") && v["clock"].is_number())
        return v["clock"].get<double>();
    return fixed_clock_;
}

const proto::AuthoritySet& Context::key_set(const json& v) const {
    if (v.is_object() && v.contains("key_set") && v["key_set"] == "test_authority") return test_;
    return real();
}

std::optional<proto::DerivedSigningKey> Context::signer(const std::string& name) const {
    auto it = signers_.find(name);
    if (it == signers_.end()) return std::nullopt;
    return it->second;
}

std::optional<crypto::CompressedPubKey> Context::pubkey_for_id(const std::string& sid_hex) const {
    for (const auto& [name, k] : signers_)
        if (to_hex(k.signing_id()) == sid_hex) return k.pubkey();
    return std::nullopt;
}

proto::ShareMessage message_from_json(const json& m) {
    proto::ShareMessage msg;
    msg.msg_type = need_int<std::uint8_t>(m, "msg_type");
    msg.flags = int_or<std::uint8_t>(m, "flags", 6);
    msg.wire_flags = int_or<std::uint8_t>(m, "wire_flags", msg.flags);
    msg.timestamp = need_int<std::uint32_t>(m, "timestamp");
    msg.payload = need_hex(m, "payload");
    if (m.contains("signing_id") && !m["signing_id"].is_null()) {
        auto sid = from_hex_fixed<20>(m["signing_id"].get<std::string>());
        if (!sid) throw BadVector("signing_id: " + sid.error().reason);
        msg.signing_id = *sid;
    }
    if (m.contains("signature")) msg.signature = hex_of(m["signature"], "signature");
    if (m.contains("sender_address") && m["sender_address"].is_string())
        msg.sender_address = m["sender_address"].get<std::string>();
    if (m.contains("share_hash") && !m["share_hash"].is_null()) {
        std::string h = m["share_hash"].is_string() ? m["share_hash"].get<std::string>() : "";
        if (h.size() < 64) h = std::string(64 - h.size(), '0') + h;
        auto sh = from_hex_fixed<32>(h);
        if (!sh) throw BadVector("share_hash: " + sh.error().reason);
        msg.share_hash = *sh;
    }
    if (m.contains("verified") && m["verified"].is_boolean())
        msg.verified = m["verified"].get<bool>();
    return msg;
}

json message_state(const proto::ShareMessage& m) {
    json j;
    j["msg_type"] = m.msg_type;
    j["type_name"] = proto::type_name(m.msg_type);
    j["flags"] = m.flags;
    j["wire_flags"] = m.wire_flags;
    j["timestamp"] = m.timestamp;
    j["payload"] = to_hex(m.payload);
    j["signing_id"] = m.signing_id ? json(to_hex(*m.signing_id)) : json(nullptr);
    j["signature"] = to_hex(m.signature);
    j["has_signature"] = m.has_signature();
    j["is_protocol_authority"] = m.is_protocol_authority();
    j["verified"] = m.verified;
    j["sender_address"] = m.sender_address ? json(*m.sender_address) : json(nullptr);
    j["share_hash"] = m.share_hash ? json(to_hex(*m.share_hash)) : json(nullptr);
    j["message_hash"] = to_hex(m.hash());
    auto packed = proto::pack_message(m);
    if (packed) {
        j["pack"] = to_hex(*packed);
    } else {
        j["pack_error"] = {{"error", "ValueError"}, {"message", packed.error().reason}};
    }
    return j;
}

void check_message(Check& c, const std::string& field, const proto::ShareMessage& m,
                   const json& want) {
    json got = message_state(m);
    for (const auto& [k, v] : want.items()) {
        if (!got.contains(k)) continue;  // keys that are not part of a message's state
        if (k == "pack_error") {
            if (!is_error(got[k])) c.fail(field + ".pack: reference raised, we packed");
            continue;
        }
        if (k == "share_hash" && v.is_string() && got[k].is_string()) {
            // The reference prints ints: compare numerically (leading zeros are not significant).
            auto strip = [](std::string s) {
                auto p = s.find_first_not_of('0');
                return p == std::string::npos ? std::string() : s.substr(p);
            };
            if (strip(got[k].get<std::string>()) != strip(v.get<std::string>()))
                c.fail(field + ".share_hash: got " + got[k].dump() + ", want " + v.dump());
            continue;
        }
        c.eq(field + "." + k, got[k], v);
    }
}

std::string what_of(const json& v, std::size_t index) {
    if (v.is_object()) {
        for (const char* k : {"what", "name", "step"})
            if (v.contains(k) && v[k].is_string()) return v[k].get<std::string>();
    }
    return "#" + std::to_string(index);
}

Outcome run_one(const std::string& category, const std::string& what,
                const std::function<void(Check&)>& body) {
    Outcome o{category, what, Status::pass, {}};
    Check c;
    try {
        body(c);
    } catch (const BadVector& e) {
        c.fail(std::string("malformed vector: ") + e.what());
    } catch (const nlohmann::json::exception& e) {
        c.fail(std::string("malformed vector: ") + e.what());
    }
    if (!c.ok()) {
        o.status = Status::fail;
        o.detail = c.detail();
    } else if (!c.difference().empty()) {
        o.status = Status::intentional;
        o.detail = c.difference();
    }
    return o;
}

Outcome intentional(const std::string& category, const std::string& what,
                    const std::string& reason) {
    return Outcome{category, what, Status::intentional, reason};
}

}  // namespace sharemsg::conformance
