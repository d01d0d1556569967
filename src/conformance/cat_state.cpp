// Stateful categories: ban_list, message_store, message_store_extra, signing_key_registry.
#include <cmath>
#include <regex>

#include "conformance/step_call.hpp"
#include "conformance/support.hpp"
#include "proto/store.hpp"

namespace sharemsg::conformance {

namespace {
json plain(const nlohmann::ordered_json& o) {
    return json::parse(o.dump());
}

// One configuration per reference quirk, to name the quirk a differing vector matches.
struct QuirkCase {
    const char* reason;
    proto::ReferenceQuirks quirks;
};
std::vector<QuirkCase> quirk_cases() {
    // Most specific first: the first quirk under which a vector matches names the difference.
    std::vector<QuirkCase> cases;
    proto::ReferenceQuirks q;
    q.keywords_skip_invalid_utf8 = true;
    cases.push_back(
        {"keyword bans also apply to payloads that are not valid UTF-8 (the reference lets them "
         "escape)",
         q});
    q = {};
    q.keywords_loaded_verbatim = true;
    cases.push_back(
        {"keywords loaded from a file are lower-cased (the reference keeps their case, so they "
         "never match)",
         q});
    q = {};
    q.cap_evicts_transition_signals = true;
    cases.push_back(
        {"the history cap never evicts authority transition signals (the reference may)", q});
    q = {};
    q.process_share_aborts = true;
    cases.push_back(
        {"process_share keeps going past a missing announcement or unparseable key (the reference "
         "raises)",
         q});
    q = {};
    q.timestamp_zero_is_now = true;
    cases.push_back(
        {"a wire timestamp of 0 is kept (the reference replaces it with the current time, so its "
         "hash and "
         "age change)",
         q});
    cases.push_back({"several reference quirks at once (see docs/protocol-differences.md)",
                     proto::ReferenceQuirks::all()});
    return cases;
}

// Runs body with our behaviour; if it fails, with each reference quirk in turn: a vector
// that then matches is an intentional difference, named by the quirk.
Outcome with_quirk_fallback(
    const std::string& category, const std::string& what,
    const std::function<std::function<void(Check&)>(proto::ReferenceQuirks)>& body) {
    Outcome o = run_one(category, what, body({}));
    if (o.status != Status::fail) return o;
    for (const auto& qc : quirk_cases())
        if (run_one(category, what, body(qc.quirks)).status == Status::pass)
            return intentional(category, what, qc.reason);
    return o;
}

proto::BanList ban_list_from_spec(const json& spec, proto::ReferenceQuirks quirks) {
    // Keywords go in as the reference's ban_keyword() would put them (lower-cased), unless
    // the quirk of a file-loaded list applies.
    json file = {{"signing_ids", spec.value("signing_ids", json::array())},
                 {"addresses", spec.value("addresses", json::array())},
                 {"keywords", spec.value("keywords", json::array())},
                 {"types", spec.value("types", json::array())}};
    auto b = proto::BanList::from_file_text(file.dump(), quirks);
    if (!b) throw BadVector("ban list spec: " + b.error().reason);
    return *b;
}
}  // namespace

namespace {
// One store run through a scenario, with its own clock: ours, or one per reference quirk.
struct StoreRun {
    proto::MessageStore store;
    std::string last_sender;
    double clock = 0;
};

// Parses "0x1001" / "4097" (the reference's integer share hashes) into a share hash.
std::optional<proto::ShareHash> share_hash_of(const std::string& s) {
    std::string hex = s;
    if (hex.rfind("0x", 0) == 0 || hex.rfind("0X", 0) == 0) {
        hex = hex.substr(2);
    } else {
        const auto n = int_arg(s);
        if (!n || *n < 0) return std::nullopt;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(*n));
        hex = buf;
    }
    if (hex.empty() || hex.size() > 64) return std::nullopt;
    hex = std::string(64 - hex.size(), '0') + hex;
    auto h = from_hex_fixed<32>(hex);
    return h ? std::optional(*h) : std::nullopt;
}

std::string strip_zeros(const std::string& s) {
    auto p = s.find_first_not_of('0');
    return p == std::string::npos ? "0" : s.substr(p);
}

// A message type as a step writes it: NODE_STATUS, MSG_NODE_STATUS, 0x01 or 1.
std::optional<std::uint8_t> type_arg(const std::string& arg) {
    const std::string s = string_arg(arg);
    if (auto n = int_arg(s)) {
        if (*n < 0 || *n > 255) return std::nullopt;
        return static_cast<std::uint8_t>(*n);
    }
    return proto::type_from_name(s.rfind("MSG_", 0) == 0 ? s.substr(4) : s);
}

json ok(json v) {
    return {{"ok", std::move(v)}};
}

// ban_list.METHOD(ARG): the call on the store's ban list. The reference returns None.
json apply_ban_call(Check& c, proto::BanList& bans, const StepCall& call) {
    // "ban_list.ban_type" in a store scenario, "ban_type" in the ban list's own steps.
    const std::string method = call.name.substr(call.name.rfind('.') + 1);
    if (call.args.size() != 1) throw BadVector("ban_list." + method + " takes one argument");
    const std::string& arg = call.args[0];
    const bool un = method.rfind("unban_", 0) == 0;
    const std::string kind = method.substr(un ? 6 : 4);
    if (method.rfind(un ? "unban_" : "ban_", 0) != 0) throw BadVector("unknown ban_list method");
    if (kind == "type") {
        const auto t = type_arg(arg);
        if (!t) {
            // No message carries a type outside 0..255: there is nothing such a ban could hide.
            c.differ("a message type outside 0..255 (" + arg +
                     ") is not kept in the ban list; the reference keeps any integer");
            return ok(nullptr);
        }
        un ? bans.unban_type(*t) : bans.ban_type(*t);
    } else if (kind == "signing_id") {
        un ? bans.unban_signing_id(string_arg(arg)) : bans.ban_signing_id(string_arg(arg));
    } else if (kind == "address") {
        un ? bans.unban_address(string_arg(arg)) : bans.ban_address(string_arg(arg));
    } else if (kind == "keyword") {
        un ? bans.unban_keyword(string_arg(arg)) : bans.ban_keyword(string_arg(arg));
    } else {
        throw BadVector("unknown ban_list method " + method);
    }
    return ok(nullptr);
}

}  // namespace

void run_ban_list(const Context&, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "ban_list";
    std::map<std::string, proto::ShareMessage> messages;
    for (const auto& m : cat.value("messages", json::array()))
        messages.emplace(m.value("name", ""), message_from_json(need(m, "message")));
    std::map<std::string, json> specs;
    std::size_t i = 0;
    for (const auto& bl : cat.value("ban_lists", json::array())) {
        specs[bl.value("name", "")] = bl.value("spec", json::object());
        out.push_back(run_one(name, "ban list " + what_of(bl, i++), [&](Check& c) {
            c.eq("to_json",
                 plain(ban_list_from_spec(bl.value("spec", json::object()), {}).to_json()),
                 need(bl, "to_json"));
        }));
    }
    for (const auto& ib : cat.value("is_banned", json::array())) {
        const std::string list = ib.value("ban_list", "");
        for (const auto& item : field_or_empty(ib, "results").items()) {
            const std::string msg_name = item.key();
            const json& want = item.value();
            const std::string what = "is_banned " + list + " / " + msg_name;
            auto body = [&](proto::ReferenceQuirks q) {
                return [&, q](Check& c) {
                    if (!specs.count(list)) throw BadVector("unknown ban list " + list);
                    if (!messages.count(msg_name)) throw BadVector("unknown message " + msg_name);
                    c.eq("is_banned",
                         ban_list_from_spec(specs[list], q).is_banned(messages.at(msg_name)), want);
                };
            };
            out.push_back(with_quirk_fallback(name, what, body));
        }
    }
    // Persistence: each step records the file written and the list's JSON. Earlier steps may
    // be absent from a file, so a step is checked on its own (the file text we write for that
    // list, and loading the text back) and, when the previous step is known, by applying
    // the step's call to the previous list.
    std::optional<proto::BanList> prev;
    for (const auto& st : cat.value("persistence", json::object()).value("steps", json::array())) {
        std::optional<proto::BanList> next;
        out.push_back(run_one(name, "persistence " + what_of(st, i++), [&](Check& c) {
            const auto& want = need(st, "to_json");
            proto::BanList from_json = ban_list_from_spec(want, {});
            if (st.contains("file_text"))
                c.eq("file_text", from_json.to_file_text(), st["file_text"]);
            auto loaded = proto::BanList::from_file_text(need(st, "file_text").get<std::string>());
            if (!loaded) return c.fail("loading file_text failed: " + loaded.error().reason);
            c.eq("loaded.to_json", plain(loaded->to_json()), want);
            next = *loaded;
            if (!prev) return;
            const std::string step = st.value("step", "");
            const auto call = parse_step_call(step);
            if (!call) return;
            proto::BanList b = *prev;
            apply_ban_call(c, b, *call);
            c.eq("after " + step, plain(b.to_json()), want);
        }));
        prev = next;
    }
}

namespace {
// "name=value" -> "value"; anything else as it is.
std::string without_keyword(const std::string& arg) {
    static const std::regex kw(R"(^\s*[A-Za-z_]\w*\s*=\s*(.*)$)");
    std::smatch m;
    if (std::regex_match(arg, m, kw) && arg.find('=') < arg.find_first_of("\"'")) return m[1];
    return arg;
}

// The message an add_local_message step adds: the step's "message" (or "msg"), else its one
// member that is a message (an object with msg_type and payload).
json recorded_message(const json& st) {
    for (const char* k : {"message", "msg"})
        if (st.contains(k) && st[k].is_object()) return st[k];
    for (const auto& [k, v] : st.items())
        if (k != "state" && k != "result" && v.is_object() && v.contains("msg_type") &&
            v.contains("payload"))
            return v;
    throw BadVector("add_local_message: the step records no message");
}

// Applies one scenario step to a run (vectors/reference/README.md, "Scenario steps") and
// returns the call's result ({"ok": ...} or {"error": ...}); the run's clock is the clock the
// state is then taken at. Throws BadVector for a step of no known form.
json apply_step(Check& c, StoreRun& run, const json& st) {
    const std::string step = st.value("step", "");
    // The clock a call runs at: the step's own, else where the scenario's clock stands.
    const double before = run.clock;
    const double at = number_or(st, "clock", before);
    run.clock = number_or(st, "clock_after", at);
    if (auto dt = parse_clock_advance(step)) {
        // Nothing happens: the reference prunes only on its next add. The clock after is the
        // step's clock_after, or its clock when that is already the advanced one.
        const bool clock_is_after = st.contains("clock") && !st.contains("clock_after") &&
                                    std::fabs(at - (before + *dt)) < 1e-6;
        run.clock = number_or(st, "clock_after", clock_is_after ? at : at + *dt);
        return ok(nullptr);
    }
    auto call = parse_step_call(step);
    // "store.process_share(...)" names the same call as "process_share(...)".
    if (call && call->name.rfind("store.", 0) == 0) call->name.erase(0, 6);
    if (call && call->name == "process_share") {
        if (call->args.size() != 2) throw BadVector("process_share takes (SHARE, SENDER)");
        auto sh = share_hash_of(string_arg(without_keyword(call->args[0])));
        if (!sh) throw BadVector("process_share: bad share hash " + call->args[0]);
        run.last_sender = string_arg(without_keyword(call->args[1]));
        auto r = run.store.process_share(*sh, run.last_sender, need_hex(st, "envelope"), at);
        if (!r) return {{"error", r.error().reason}};
        return ok(*r);
    }
    if (call && call->name.rfind("ban_list.", 0) == 0)
        return apply_ban_call(c, run.store.bans(), *call);
    if (call && call->name == "prune_by_sharechain") {
        std::set<proto::ShareHash> active;
        for (const auto& arg : call->args)
            for (const auto& lit : int_literals(arg)) {
                auto sh = share_hash_of(lit);
                if (!sh) throw BadVector("prune_by_sharechain: bad share hash " + lit);
                active.insert(*sh);
            }
        run.store.prune_by_sharechain(active);
        return ok(nullptr);
    }
    if (call && call->name == "add_local_message") {
        // The message itself is recorded with the step; the call names its type and the
        // sender label it is added with.
        json mj = recorded_message(st);
        // The reference's constructor: "timestamp or now".
        if (!mj.contains("timestamp") || mj["timestamp"] == 0)
            mj["timestamp"] = static_cast<std::int64_t>(at);
        proto::ShareMessage m = message_from_json(mj);
        if (!call->args.empty()) {
            const auto t = type_arg(call->args[0]);
            if (!t) throw BadVector("add_local_message: unknown message type " + call->args[0]);
            if (*t != m.msg_type)
                throw BadVector("add_local_message: the step names type " + call->args[0] +
                                ", its message has type " + std::to_string(m.msg_type));
        }
        for (std::size_t k = 1; k < call->args.size(); ++k) {
            auto sender = keyword_arg(call->args[k], "sender");
            if (!sender) sender = keyword_arg(call->args[k], "sender_address");
            if (!sender && k == 1) sender = string_arg(call->args[k]);
            // The reference sets the sender only when one is given (a non-empty string).
            if (sender && !sender->empty()) m.sender_address = *sender;
        }
        return ok(run.store.add_local_message(std::move(m), at));
    }
    if (call && call->name == "load_blob_hex")
        return ok(run.store.load_blob_hex(to_hex(need_hex(st, "envelope")), at));
    // "same envelope again in a different share 0x1002": process_share of the step's envelope
    // in the share it names, from the named address or else the previous step's sender.
    std::smatch m;
    if (st.contains("envelope") && std::regex_search(step, m, std::regex(R"(0x[0-9a-fA-F]+)"))) {
        auto sh = share_hash_of(m[0]);
        if (!sh) throw BadVector("bad share hash in step");
        std::smatch a;
        if (std::regex_search(step, a, std::regex(R"(\b(addr\w+))"))) run.last_sender = a[1];
        auto r = run.store.process_share(*sh, run.last_sender, need_hex(st, "envelope"), at);
        if (!r) return {{"error", r.error().reason}};
        return ok(*r);
    }
    throw BadVector("unknown step form: " + step);
}

void check_state(Check& c, const proto::MessageStore& store, const json& state, double clock) {
    if (state.contains("to_json"))
        c.eq("to_json", plain(store.to_json({}, clock)), state["to_json"]);
    if (state.contains("to_json_authority_only")) {
        proto::MessageQuery q;
        q.authority_only = true;
        c.eq("to_json_authority_only", plain(store.to_json(q, clock)),
             state["to_json_authority_only"]);
    }
    if (state.contains("to_json_no_bans_limit_100")) {
        proto::MessageQuery q;
        q.apply_bans = false;
        q.limit = 100;
        c.eq("to_json_no_bans_limit_100", plain(store.to_json(q, clock)),
             state["to_json_no_bans_limit_100"]);
    }
    if (state.contains("stats")) {
        json got = plain(store.stats()), want = state["stats"];
        // The reference lists senders from a set (no order); compare as sorted lists.
        for (json* j : {&got, &want})
            if (j->contains("senders") && (*j)["senders"].is_array())
                std::sort((*j)["senders"].begin(), (*j)["senders"].end());
        c.eq("stats", got, want);
    }
    auto hashes = [](const std::vector<proto::MessageStore::Ptr>& v) {
        json a = json::array();
        for (const auto& m : v)
            a.push_back(to_hex(m->hash()));
        return a;
    };
    if (state.contains("messages_order"))
        c.eq("messages_order", hashes(store.messages()), state["messages_order"]);
    if (state.contains("authority_messages_order"))
        c.eq("authority_messages_order", hashes(store.authority_messages()),
             state["authority_messages_order"]);
    if (state.contains("tracked_shares")) {
        std::vector<std::string> got, want;
        for (const auto& h : store.tracked_shares())
            got.push_back(strip_zeros(to_hex(h)));
        for (const auto& h : state["tracked_shares"])
            want.push_back(strip_zeros(h.get<std::string>()));
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        c.eq("tracked_shares", got, want);
    }
}
}  // namespace

namespace {
void run_store_scenario(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "message_store";
    proto::StoreOptions opt;
    opt.max_messages = int_or<std::size_t>(cat, "max_messages", proto::MAX_MESSAGE_HISTORY);
    opt.max_age = number_or(cat, "max_age", proto::MAX_MESSAGE_AGE);
    const auto& set = cat.value("key_set", "test_authority") == "real" ? ctx.real() : ctx.test();
    // Our store, and one store per reference quirk run side by side, so that a step that
    // differs from us can be matched to the quirk it shows.
    std::vector<StoreRun> runs;
    runs.push_back({proto::MessageStore(opt, set), {}, ctx.fixed_clock()});
    const auto cases = quirk_cases();
    for (const auto& qc : cases) {
        proto::StoreOptions o = opt;
        o.quirks = qc.quirks;
        runs.push_back({proto::MessageStore(o, set), {}, ctx.fixed_clock()});
    }
    std::size_t i = 0;
    std::string diverged_at;
    for (const auto& st : cat.value("steps", json::array())) {
        const std::string what = what_of(st, i++);
        std::vector<Outcome> results;
        for (auto& r : runs) {
            results.push_back(run_one(name, what, [&](Check& c) {
                json got = apply_step(c, r, st);
                if (st.contains("result") && !st["result"].is_null()) {
                    const auto& want = st["result"];
                    if (is_error(want) || is_error(got)) {
                        c.eq("result is error", is_error(got), is_error(want));
                    } else {
                        c.eq("result", got.value("ok", json()), want.value("ok", json()));
                    }
                }
                if (st.contains("state")) check_state(c, r.store, st["state"], r.clock);
            }));
        }
        Outcome o = results[0];
        if (o.status == Status::fail && o.detail.find("malformed vector") == std::string::npos) {
            for (std::size_t k = 1; k < results.size(); ++k) {
                if (results[k].status == Status::fail) continue;
                // After an intentional difference our store's state differs from the
                // reference's for good; later steps are compared through the quirk stores
                // (which share all other code with ours) and say so.
                o = intentional(name, what,
                                diverged_at.empty()
                                    ? cases[k - 1].reason
                                    : "state differs since the intentional difference at step \"" +
                                          diverged_at + "\"");
                if (diverged_at.empty()) diverged_at = what;
                break;
            }
        }
        out.push_back(std::move(o));
    }
}

}  // namespace

// One scenario ({"max_messages", "max_age", "key_set", "steps"}), or a list of them.
void run_message_store(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    if (!cat.is_array()) return run_store_scenario(ctx, cat, out);
    for (const auto& scenario : cat)
        run_store_scenario(ctx, scenario, out);
}

void run_message_store_extra(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "message_store_extra";
    std::size_t i = 0;
    for (const auto& v : cat) {
        const std::string what = what_of(v, i++);
        auto body = [&](proto::ReferenceQuirks q) {
            return [&, q](Check& c) {
                proto::StoreOptions opt;
                opt.quirks = q;
                proto::MessageStore store(opt, ctx.all());
                const auto sh = *share_hash_of(v.value("share_hash", std::string("0x1")));
                auto r = store.process_share(sh, v.value("sender_address", std::string("addr")),
                                             need_hex(v, "envelope"), ctx.clock_of(v));
                const auto& want = need(v, "result");
                if (is_error(want)) {
                    if (r)
                        c.fail("reference raised " + want.dump() + ", we added " +
                               std::to_string(*r));
                } else if (!r) {
                    c.fail("we failed: " + r.error().reason);
                } else {
                    c.eq("result", *r, want.value("ok", json()));
                }
                if (v.contains("total_messages_after"))
                    c.eq("total_messages_after", store.size(), v["total_messages_after"]);
                if (v.contains("known_signing_keys_after"))
                    c.eq("known_signing_keys_after", store.registry().known_ids(),
                         v["known_signing_keys_after"]);
            };
        };
        out.push_back(with_quirk_fallback(name, what, body));
    }
}

namespace {
void run_registry_scenario(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    const std::string name = "signing_key_registry";
    proto::SigningKeyRegistry reg;
    const double now = ctx.clock_of(cat);
    std::size_t i = 0;
    for (const auto& st : cat.value("steps", json::array())) {
        out.push_back(run_one(name, what_of(st, i++), [&](Check& c) {
            // Steps name their call in prose; the registration they made is read back from the
            // state they record: the (address, key) entry that is new or whose first_seen
            // changed. Its key must be one of signing_keys_used.
            const json before = plain(reg.to_json());
            const json& after = need(st, "to_json");
            std::optional<std::tuple<std::string, std::string, std::uint32_t, double>> reg_call;
            for (const auto& [addr, entry] : after.items())
                for (const auto& [sid, info] : field_or_empty(entry, "keys").items()) {
                    const bool changed =
                        !before.contains(addr) || !before[addr]["keys"].contains(sid) ||
                        before[addr]["keys"][sid]["first_seen"] != info["first_seen"];
                    if (changed)
                        reg_call.emplace(addr, sid, int_or<std::uint32_t>(info, "key_index", 0),
                                         number_or(info, "first_seen", 0.0));
                }
            if (reg_call) {
                const auto& [addr, sid, index, ts] = *reg_call;
                auto pk = ctx.pubkey_for_id(sid);
                auto id = from_hex_fixed<20>(sid);
                if (!pk || !id) throw BadVector("key " + sid + " is not in signing_keys_used");
                const bool is_new = reg.register_key(addr, *id, index, *pk, now, ts);
                if (st.contains("result")) c.eq("result", is_new, st["result"].value("ok", json()));
            }
            c.eq("to_json", plain(reg.to_json()), after);
            for (const auto& [keyname, want] : field_or_empty(st, "is_key_valid").items()) {
                auto k = ctx.signer(keyname);
                if (!k) throw BadVector("unknown key " + keyname);
                c.eq("is_key_valid." + keyname, reg.is_key_valid(k->signing_id()), want);
            }
            for (const auto& [keyname, want] : field_or_empty(st, "get_miner_for_id").items()) {
                auto k = ctx.signer(keyname);
                if (!k) throw BadVector("unknown key " + keyname);
                auto a = reg.address_for(k->signing_id());
                c.eq("get_miner_for_id." + keyname, a ? json(*a) : json(nullptr), want);
            }
            for (const auto& [addr, want] : field_or_empty(st, "get_miner_current_key").items()) {
                auto k = reg.current_key(addr);
                json got = k ? json{{"signing_id", k->signing_id_hex},
                                    {"key_index", k->key_index},
                                    {"signing_pubkey", to_hex(k->pubkey)}}
                             : json(nullptr);
                c.eq("get_miner_current_key." + addr, got, want);
            }
        }));
    }
}

}  // namespace

// One scenario ({"steps"}), or a list of them.
void run_signing_key_registry(const Context& ctx, const json& cat, std::vector<Outcome>& out) {
    if (!cat.is_array()) return run_registry_scenario(ctx, cat, out);
    for (const auto& scenario : cat)
        run_registry_scenario(ctx, scenario, out);
}

}  // namespace sharemsg::conformance
