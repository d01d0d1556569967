// The conformance runner against the public vector file, and against altered copies of it
// (a runner that cannot fail is worth nothing).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "conformance/runner.hpp"
#include "conformance/step_call.hpp"

using nlohmann::json;
using sharemsg::conformance::Report;
using sharemsg::conformance::run_vectors;
using sharemsg::conformance::Status;

namespace {
json load_public() {
    std::ifstream in(std::string(SHAREMSG_VECTORS_DIR) + "/share_messages_public.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

std::string failures(const Report& r) {
    std::string s;
    for (const auto& o : r.outcomes)
        if (o.status == Status::fail) s += o.category + ": " + o.what + " -- " + o.detail + "\n";
    return s;
}
}  // namespace

TEST(Conformance, PublicVectorsAllPassOrDifferOnPurpose) {
    const Report r = run_vectors(load_public());
    EXPECT_EQ(r.count(Status::fail), 0u) << failures(r);
    EXPECT_EQ(r.count(Status::skip), 0u);
    EXPECT_GT(r.count(Status::pass), 90u);
    for (const auto& o : r.outcomes) {
        if (o.status == Status::intentional) {
            EXPECT_FALSE(o.detail.empty()) << o.what;
        }
    }
    // Per-category counts add up to the outcomes, and every category of the file is there.
    std::size_t total = 0;
    for (const auto& c : r.by_category())
        total += c.pass + c.fail + c.intentional + c.skip;
    EXPECT_EQ(total, r.outcomes.size());
    EXPECT_EQ(r.by_category().size(), load_public().size() - 1);  // every key but meta
}

TEST(Conformance, AlteredExpectationsFail) {
    json f = load_public();
    f["share_message"]["vectors"][1]["message"]["signature"] = "3044deadbeef";
    f["authority_envelope"]["encrypt"][0]["envelope"] = "01";
    f["ban_list"]["is_banned"][1]["results"]["chat from addrA with sid1"] = false;
    f["message_store"]["steps"][0]["state"]["stats"]["total_messages"] = 4;
    f["signing_key_registry"]["steps"][2]["is_key_valid"]["m1k0"] = true;
    f["derived_signing_key"]["vectors"][0]["signing_id"] = "00";
    const Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::fail), 6u) << failures(r);
}

TEST(Conformance, UnknownCategorySkippedMalformedFails) {
    json f = {{"meta", json::object()}, {"no_such_category", json::array()}};
    f["share_message_unpack"] = json::array({json{{"what", "no data field"}}});
    const Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::skip), 1u);
    for (const auto& o : r.outcomes) {
        if (o.status == Status::skip) {
            EXPECT_NE(o.detail.find("unknown category"), std::string::npos);
        }
    }
    EXPECT_EQ(r.count(Status::fail), 1u);
    EXPECT_EQ(run_vectors(json::array()).count(Status::fail), 1u);
}

// Numbers no field could hold are refused, never truncated or converted with undefined
// behaviour: a message whose msg_type or timestamp the reference packed cannot match ours.
TEST(Conformance, OutOfRangeNumbersAreRefusedNotTruncated) {
    json f = load_public();
    f["share_message"]["vectors"][0]["input"]["msg_type"] = 2.42424e+47;
    f["share_message"]["vectors"][1]["input"]["timestamp"] = 5.7e9 + 0.5;
    f["share_message"]["vectors"][2]["input"]["flags"] = 256 + 15;
    f["builders"]["vectors"][0]["clock"] = 5.7e9;  // integral: read as an integer clock
    const Report r = run_vectors(f);
    std::size_t refused = 0;
    for (const auto& o : r.outcomes)
        refused +=
            o.status == Status::fail && o.detail.find("we refuse the input") != std::string::npos;
    EXPECT_EQ(refused, 3u) << failures(r);
    EXPECT_EQ(r.count(Status::fail), 4u) << failures(r);
}

// ---- scenario steps of every form (vectors/reference/README.md, "Scenario steps") ----------
// The expected states below follow from the reference's ShareMessageStore as its source reads
// (ban lists filter to_json only; the clock moving prunes nothing until the next add;
// prune_by_sharechain drops the messages of shares not in a non-empty set).

namespace {

json messages_of(const json& list, std::initializer_list<const char*> types) {
    json out = json::array();
    for (const auto& m : list)
        for (const char* t : types)
            if (m["type"] == t) out.push_back(m);
    return out;
}

json aged(json list, int seconds) {
    for (auto& m : list)
        m["age"] = m["age"].get<int>() + seconds;
    return list;
}

// The public scenario's first step, then one step of each form.
json scenario_file() {
    json f = load_public();
    json& ms = f["message_store"];
    const json first = ms["steps"][0];
    const json all = first["state"]["to_json"];  // NODE_STATUS, POOL_ANNOUNCE, MINER_MESSAGE
    json steps = json::array({first});
    auto step = [&](std::string text, json state) {
        steps.push_back({{"step", std::move(text)}, {"state", std::move(state)}});
        return &steps.back();
    };
    step("ban_list.ban_type(0x02) then snapshot",
         {{"to_json", messages_of(all, {"NODE_STATUS", "POOL_ANNOUNCE"})},
          {"to_json_no_bans_limit_100", all}});
    step("ban_list.ban_keyword('ANNOUNCES') then snapshot -> keywords are lower-cased",
         {{"to_json", messages_of(all, {"NODE_STATUS"})}});
    step("ban_list.unban_type(MSG_MINER_MESSAGE) then snapshot",
         {{"to_json", messages_of(all, {"NODE_STATUS", "MINER_MESSAGE"})}});
    step("ban_list.unban_keyword(\"announces\") then snapshot", {{"to_json", all}});
    step("clock += 600 s: nothing is pruned before the next add",
         {{"to_json", aged(all, 600)}, {"to_json_no_bans_limit_100", aged(all, 600)}});
    const json local_dict = {
        {"type", "NODE_STATUS"},
        {"type_id", 1},
        {"timestamp", 1700000600},
        {"age", 0},
        {"flags", {{"signed", false}, {"broadcast", true}, {"persistent", false}}},
        {"verified", false},
        {"protocol_authority", false},
        {"data", {{"v", "36.1"}}},
        {"sender", "local-node"}};
    json with_local = aged(all, 600);
    with_local.insert(with_local.begin(), local_dict);
    json* local = step("add_local_message(NODE_STATUS, sender \"local-node\")",
                       {{"to_json_no_bans_limit_100", with_local}, {"tracked_shares", {"1001"}}});
    (*local)["result"] = {{"ok", true}};
    (*local)["message"] = {{"msg_type", 1},
                           {"flags", 2},
                           {"timestamp", 1700000600},
                           {"payload", "7b2276223a2233362e31227d"}};  // {"v":"36.1"}
    json* again = step(
        "process_share(share_hash=0x1002, sender_address='addrB'): the same messages, none added",
        {{"to_json_no_bans_limit_100", with_local}, {"tracked_shares", {"1001"}}});
    (*again)["envelope"] = first["envelope"];
    (*again)["result"] = {{"ok", 0}};
    step("prune_by_sharechain(set()) -> an empty set returns early",
         {{"to_json_no_bans_limit_100", with_local}, {"tracked_shares", {"1001"}}});
    step("prune_by_sharechain({0x1002, 4099}): share 0x1001 fell off",
         {{"to_json_no_bans_limit_100", json::array({local_dict})},
          {"tracked_shares", json::array()}});
    ms["steps"] = steps;
    return json{
        {"meta", f["meta"]}, {"signing_keys_used", f["signing_keys_used"]}, {"message_store", ms}};
}

}  // namespace

TEST(ConformanceScenario, EveryStepFormIsUnderstood) {
    const Report r = run_vectors(scenario_file());
    EXPECT_EQ(r.count(Status::fail), 0u) << failures(r);
    std::size_t steps_passed = 0;
    for (const auto& c : r.by_category())
        if (c.category == "message_store") steps_passed = c.pass;
    EXPECT_EQ(steps_passed, scenario_file()["message_store"]["steps"].size());
}

TEST(ConformanceScenario, AWrongExpectationInAnyStepFails) {
    const json good = scenario_file();
    const std::size_t n = good["message_store"]["steps"].size();
    for (std::size_t i = 1; i < n; ++i) {
        json f = good;
        json& st = f["message_store"]["steps"][i];
        const char* list =
            st["state"].contains("to_json") ? "to_json" : "to_json_no_bans_limit_100";
        st["state"][list].push_back(json{{"type", "MINER_MESSAGE"}});
        const Report r = run_vectors(f);
        EXPECT_EQ(r.count(Status::fail), 1u) << "step " << i << "\n" << failures(r);
    }
}

TEST(ConformanceScenario, AStepOfNoKnownFormIsAMalformedVector) {
    json f = scenario_file();
    f["message_store"]["steps"][1]["step"] = "store.compact()";
    const Report r = run_vectors(f);
    ASSERT_GE(r.count(Status::fail), 1u);
    EXPECT_NE(failures(r).find("unknown step form"), std::string::npos) << failures(r);
}

// ---- what the reference refuses -----------------------------------------------------------

TEST(ConformanceRefusals, KeyIndexOutOfRangeIsRefusedLikeStructPack) {
    json f = {{"meta", json::object()}};
    auto vec = [](json key_index, json result) {
        return json{{"what", "derive with key_index " + key_index.dump()},
                    {"master_privkey", std::string(64, '1')},
                    {"key_index", key_index},
                    {"result", result}};
    };
    const json raised = {{"error", "error"}, {"message", "'I' format requires 0 <= number"}};
    f["derived_signing_key"]["errors"] =
        json::array({vec(4294967296ull, raised), vec(-1, raised), vec(1.5, raised),
                     json{{"what", "master key 33 bytes -> ValueError"}, {"result", raised}}});
    Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::pass), 4u) << failures(r);
    // Were the reference to accept them, we would fail: nothing is truncated silently.
    f["derived_signing_key"]["errors"] = json::array({vec(4294967296ull, {{"ok", true}})});
    r = run_vectors(f);
    EXPECT_EQ(r.count(Status::fail), 1u);
}

TEST(ConformanceRefusals, MessageFieldsOutOfWireRange) {
    json f = load_public();
    json v = f["share_message"]["vectors"][0];
    v["input"]["msg_type"] = 256;
    v["message"] = {{"msg_type", 256},
                    {"message_hash", {{"error", "error"}, {"message", "ubyte format requires"}}},
                    {"pack_error", {{"error", "error"}, {"message", "ubyte format requires"}}}};
    v.erase("unpacked");
    v.erase("unpacked_to_dict");
    v.erase("unpacked_hash_equals_original");
    json only = {{"meta", f["meta"]}, {"share_message", {{"vectors", json::array({v})}}}};
    Report r = run_vectors(only);
    ASSERT_EQ(r.outcomes.size(), 1u);
    // to_dict of the reference's object worked; ours refuses the message: said, with a reason.
    EXPECT_EQ(r.outcomes[0].status, Status::intentional) << r.outcomes[0].detail;
    EXPECT_NE(r.outcomes[0].detail.find("msg_type 256"), std::string::npos);

    // Where every recorded result is the reference raising, we refuse alike: a pass.
    only["share_message"]["vectors"][0].erase("to_dict");
    only["share_message"]["vectors"][0]["message"] = {{"error", "error"},
                                                      {"message", "ubyte format requires"}};
    r = run_vectors(only);
    EXPECT_EQ(r.outcomes[0].status, Status::pass) << r.outcomes[0].detail;
    only["share_message"]["vectors"][0]["message"] = v["message"];

    only["share_message"]["vectors"][0]["message"]["pack"] = "00";  // the reference packed it
    r = run_vectors(only);
    EXPECT_EQ(r.outcomes[0].status, Status::fail);
}

TEST(ConformanceRefusals, EncryptingUnderAKeyThatIsNotAnAuthority) {
    json f = load_public();
    json v = f["authority_envelope"]["encrypt"][0];
    v["what"] = "encrypt under a non-authority pubkey -> ValueError";
    v["authority_pubkey"] = f["signing_keys_used"]["m1k0"]["pubkey"];
    v["result"] = {{"error", "ValueError"},
                   {"message", "encrypt_message_data: pubkey not in DONATION_AUTHORITY_PUBKEYS"}};
    for (const char* k : {"envelope", "decrypt", "decrypt_authority", "enc_key", "keystream"})
        v.erase(k);
    json e = v;
    e.erase("nonce");
    json only = {{"meta", f["meta"]},
                 {"authority_envelope",
                  {{"encrypt", json::array({v})}, {"encrypt_errors", json::array({e})}}}};
    Report r = run_vectors(only);
    EXPECT_EQ(r.count(Status::pass), 2u) << failures(r);

    // An authority key without a recorded nonce: both envelopes decrypt to the same inner.
    json ok = f["authority_envelope"]["encrypt"][0];
    json random_nonce = {{"what", "random nonce"},
                         {"key_set", "real"},
                         {"authority_pubkey", ok["authority_pubkey"]},
                         {"inner", ok["inner"]},
                         {"result", {{"ok", ok["envelope"]}}}};
    only["authority_envelope"] = {{"encrypt_errors", json::array({random_nonce})}};
    r = run_vectors(only);
    EXPECT_EQ(r.count(Status::pass), 1u) << failures(r);
}

TEST(ConformanceRefusals, BuilderArgumentsFromTheVector) {
    json f = {{"meta", json::object()}};
    f["builders"]["vectors"] = json::array(
        {json{{"what", "build_transition_signal urgency='soon' -> AssertionError"},
              {"args", {{"current_version", 36}, {"target_version", 37}, {"message", "m"}}},
              {"result", {{"error", "AssertionError"}}}},
         json{{"what",
               "build_transition_signal(current_version=36, target_version=37, "
               "message='m', urgency='info')"},
              {"clock", 1700000000},
              // {"from":36,"to":37,"msg":"m","urg":"info"}
              {"message",
               {{"flags", 15},
                {"payload",
                 "7b2266726f6d223a33362c22746f223a33372c226d7367223a226d222c22757267223a22696e666f"
                 "227d"}}}}});
    const Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::pass), 2u) << failures(r);
}

// ---- the step parser ----------------------------------------------------------------------

TEST(ConformanceStepCall, ParsesTheCallAndIgnoresTheDescription) {
    using namespace sharemsg::conformance;
    auto c = parse_step_call("process_share(0x1001, addrA): announcement(m1k0) + 2 signed");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->name, "process_share");
    ASSERT_EQ(c->args.size(), 2u);
    EXPECT_EQ(c->args[0], "0x1001");
    EXPECT_EQ(string_arg(c->args[1]), "addrA");

    c = parse_step_call("  ban_list.ban_keyword('a, (b)') then snapshot -> hidden");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->name, "ban_list.ban_keyword");
    ASSERT_EQ(c->args.size(), 1u);
    EXPECT_EQ(string_arg(c->args[0]), "a, (b)");

    c = parse_step_call("prune_by_sharechain({0x1001, 4098})");
    ASSERT_TRUE(c);
    ASSERT_EQ(c->args.size(), 1u);
    EXPECT_EQ(int_literals(c->args[0]), (std::vector<std::string>{"0x1001", "4098"}));
    c = parse_step_call("prune_by_sharechain(set())");
    ASSERT_TRUE(c);
    EXPECT_TRUE(int_literals(c->args[0]).empty());
    c = parse_step_call("add_local_message(NODE_STATUS, sender \"lo\\\"cal\")");
    ASSERT_TRUE(c);
    EXPECT_EQ(keyword_arg(c->args[1], "sender"), "lo\"cal");
    EXPECT_EQ(keyword_arg("sender='x'", "sender"), "x");
    EXPECT_FALSE(keyword_arg("sender_address='x'", "sender"));
    EXPECT_EQ(keyword_arg("sender_address = x", "sender_address"), "x");

    EXPECT_FALSE(parse_step_call("same envelope again in a different share 0x1002"));
    EXPECT_FALSE(parse_step_call("process_share(0x1001, addrA"));
    EXPECT_EQ(parse_clock_advance("clock += 600 s"), 600.0);
    EXPECT_EQ(parse_clock_advance("clock+=1.5"), 1.5);
    EXPECT_FALSE(parse_clock_advance("clock -= 5 s"));
    EXPECT_EQ(int_arg("0x1f"), 31);
    EXPECT_EQ(int_arg("-2"), -2);
    EXPECT_FALSE(int_arg("0x"));
    EXPECT_FALSE(int_arg("99999999999999999999"));
    EXPECT_EQ(unquote("'caf\\xe9 \\u20ac'"), "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(ConformanceScenario, AListOfScenariosRunsEachOnItsOwnStore) {
    json f = scenario_file();
    const json one = f["message_store"];
    f["message_store"] = json::array({one, one});
    f["signing_key_registry"] = json::array({load_public()["signing_key_registry"]});
    const Report r = run_vectors(f);
    EXPECT_EQ(r.count(Status::fail), 0u) << failures(r);
    for (const auto& c : r.by_category()) {
        if (c.category == "message_store") {
            EXPECT_EQ(c.pass, 2 * one["steps"].size());
        }
        if (c.category == "signing_key_registry") {
            EXPECT_EQ(c.pass, load_public()["signing_key_registry"]["steps"].size());
        }
    }
}
