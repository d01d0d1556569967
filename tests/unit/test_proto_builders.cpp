// Message builders: payload bytes exactly as the reference's json.dumps writes them.
#include <gtest/gtest.h>

#include "proto/builders.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

constexpr std::uint32_t kT = 1700000000;

const ojson& builder_vector(std::string_view what) {
    for (const auto& v : vectors()["builders"]["vectors"])
        if (v["what"].get<std::string>() == what) return v;
    throw std::runtime_error("no builder vector " + std::string(what));
}

// Checks a built message against a vector's message dict and to_dict.
void expect_matches(const ShareMessage& m, const ojson& v) {
    const auto& want = v["message"];
    EXPECT_EQ(m.msg_type, want["msg_type"].get<int>());
    EXPECT_EQ(m.flags, want["flags"].get<int>());
    EXPECT_EQ(m.wire_flags, want["wire_flags"].get<int>());
    EXPECT_EQ(m.timestamp, want["timestamp"].get<std::uint32_t>());
    EXPECT_EQ(to_string(m.payload), to_string(hexb(want["payload"].get<std::string>())));
    EXPECT_EQ(to_hex(m.hash()), want["message_hash"].get<std::string>());
    EXPECT_EQ(to_hex(packed(m)), want["pack"].get<std::string>());
    EXPECT_EQ(message_to_json(m, v["clock"].get<double>()), v["to_dict"]);
}

std::string payload(const ShareMessage& m) {
    return to_string(m.payload);
}

TransitionSignal signal(std::string message, std::string urgency = "recommended") {
    TransitionSignal t;
    t.from = 36;
    t.to = 37;
    t.message = std::move(message);
    t.urgency = std::move(urgency);
    return t;
}

}  // namespace

TEST(ProtoBuilders, NodeStatusMatchesVector) {
    NodeStatus s;
    s.version = "13.4";
    s.uptime = 3600.9;  // truncated, as int() does
    s.hashrate = 1500000.7;
    s.share_count = 8640;
    s.peers = 3;
    expect_matches(build_node_status(s, kT), builder_vector("build_node_status minimal"));
}

TEST(ProtoBuilders, NodeStatusOptionalLists) {
    NodeStatus s;
    s.version = "13.4";
    s.merged_chains = {"DOGE", "BEL"};
    s.capabilities = {"v36", "mm"};
    auto m = build_node_status(s, kT);
    EXPECT_EQ(payload(m),
              R"({"v":"13.4","up":0,"hr":0,"sc":0,"p":0,"mc":["DOGE","BEL"],"cap":["v36","mm"]})");
    EXPECT_EQ(m.flags, FLAG_BROADCAST);
    s.merged_chains.clear();
    EXPECT_EQ(payload(build_node_status(s, kT)),
              R"({"v":"13.4","up":0,"hr":0,"sc":0,"p":0,"cap":["v36","mm"]})");
}

TEST(ProtoBuilders, TransitionSignalMatchesVector) {
    auto t = signal("Upgrade to v37", "required");
    t.url = "https://example.invalid/r";
    t.threshold = 95;
    t.extra = {{"x", 1}};
    auto m = build_transition_signal(t, kT);
    ASSERT_TRUE(m) << m.error().to_string();
    expect_matches(*m, builder_vector("build_transition_signal full"));
}

TEST(ProtoBuilders, TransitionSignalFieldsAndEscaping) {
    auto m = build_transition_signal(signal("caf\xc3\xa9 \"now\""), kT);
    ASSERT_TRUE(m);
    EXPECT_EQ(payload(*m), R"({"from":36,"to":37,"msg":"caf\u00e9 \"now\"","urg":"recommended"})");
    EXPECT_EQ(m->flags, 0x0f);
    EXPECT_EQ(m->wire_flags, 0x0f);
    EXPECT_EQ(m->timestamp, kT);
    EXPECT_TRUE(m->signature.empty());

    auto t = signal("m", "info");
    t.from = "35";
    t.to = "36";
    t.threshold = 0;                                  // present even when zero ("is not None")
    t.extra = {{"urg", "required"}, {"z", nullptr}};  // extra overrides in place, as dict.update
    m = build_transition_signal(t, kT);
    ASSERT_TRUE(m);
    EXPECT_EQ(payload(*m),
              R"({"from":"35","to":"36","msg":"m","urg":"required","thr":0,"z":null})");
}

TEST(ProtoBuilders, TransitionUrgencyValidation) {
    for (const char* ok : {"info", "recommended", "required"})
        EXPECT_TRUE(build_transition_signal(signal("m", ok), kT));
    for (const char* bad : {"", "Required", "urgent", "info "}) {
        auto r = build_transition_signal(signal("m", bad), kT);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_EQ(r.error().reason, "urgency must be info, recommended, or required");
    }
}

TEST(ProtoBuilders, TransitionOversize) {
    // {"from":36,"to":37,"msg":"<N>","urg":"recommended"} is 48 bytes plus the message.
    const std::size_t overhead = payload(*build_transition_signal(signal(""), kT)).size();
    ASSERT_EQ(overhead, 48u);
    auto fits = build_transition_signal(signal(std::string(220 - overhead, 'a')), kT);
    ASSERT_TRUE(fits);
    EXPECT_EQ(fits->payload.size(), 220u);
    auto r = build_transition_signal(signal(std::string(221 - overhead, 'a')), kT);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::oversize);
    EXPECT_EQ(r.error().reason, "transition signal payload too large: 221 > 220");
    // Escapes count: 30 non-ASCII characters become 180 bytes of \uXXXX.
    std::string wide;
    for (int i = 0; i < 30; ++i)
        wide += "\xc3\xa9";
    EXPECT_FALSE(build_transition_signal(signal(wide), kT));
}

TEST(ProtoBuilders, TextMessagesTruncateAt220Bytes) {
    struct Case {
        ShareMessage (*build)(std::string_view, std::uint32_t);
        std::uint8_t type;
    };
    for (auto c : {Case{build_miner_message, MSG_MINER_MESSAGE},
                   Case{build_pool_announcement, MSG_POOL_ANNOUNCE},
                   Case{build_emergency_alert, MSG_EMERGENCY}}) {
        SCOPED_TRACE(int(c.type));
        auto m = c.build("hello", kT);
        EXPECT_EQ(m.msg_type, c.type);
        EXPECT_EQ(m.flags, FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT);
        EXPECT_EQ(m.wire_flags, m.flags);
        EXPECT_EQ(payload(m), "hello");
        EXPECT_EQ(c.build(std::string(220, 'x'), kT).payload.size(), 220u);
        auto cut = c.build(std::string(219, 'x') + "yz", kT);
        EXPECT_EQ(payload(cut), std::string(219, 'x') + "y");
        EXPECT_TRUE(pack_message(cut));
    }
    // The cut is by bytes, as the reference's: a multi-byte character may be split.
    auto m = build_miner_message(std::string(219, 'a') + "\xc3\xa9", kT);
    ASSERT_EQ(m.payload.size(), 220u);
    EXPECT_EQ(m.payload.back(), 0xc3);
    EXPECT_EQ(message_to_json(m, kT)["text"], to_hex(m.payload));  // no longer UTF-8
}

TEST(ProtoBuilders, MergedStatusAndVersionSignal) {
    auto m = build_merged_status("Dogecoin", "DOGE", 5000000, 10000.0, 3, kT);
    EXPECT_EQ(payload(m), R"({"chain":"Dogecoin","sym":"DOGE","h":5000000,"bv":10000.0,"bf":3})");
    EXPECT_EQ(m.msg_type, MSG_MERGED_STATUS);
    EXPECT_EQ(m.flags, FLAG_BROADCAST);
    EXPECT_EQ(payload(build_merged_status("Bellscoin", "BEL", 1, 0.5, 0, kT)),
              R"({"chain":"Bellscoin","sym":"BEL","h":1,"bv":0.5,"bf":0})");

    auto v = build_version_signal(36, {"mm", "segwit", "mweb"}, {{"proto", 3600}}, kT);
    EXPECT_EQ(payload(v), R"({"ver":36,"feat":["mm","segwit","mweb"],"proto":3600})");
    EXPECT_EQ(v.msg_type, MSG_VERSION_SIGNAL);
    EXPECT_EQ(v.flags, FLAG_BROADCAST);
    EXPECT_EQ(payload(build_version_signal(36, ojson::array(), {{"ver", 37}}, kT)),
              R"({"ver":37,"feat":[]})");
    EXPECT_EQ(payload(build_version_signal("36", {"mm"}, nullptr, kT)),
              R"({"ver":"36","feat":["mm"]})");
}

TEST(ProtoBuilders, BuiltMessagesSignAndRoundTrip) {
    auto m = build_miner_message("gm", kT);
    sign_message(m, signing_key("m1k0"));
    auto u = unpack_message(packed(m));
    ASSERT_TRUE(u);
    EXPECT_EQ(u->message.hash(), m.hash());
    EXPECT_EQ(u->message.signature, m.signature);

    // A transition signal carries the authority bit on the wire and in its hash.
    auto t = *build_transition_signal(signal("go"), kT);
    sign_message_with(t, privkey(kAuthorityAPriv));
    auto back = unpack_message(packed(t))->message;
    EXPECT_EQ(back.wire_flags, 0x0f);
    EXPECT_FALSE(back.is_protocol_authority());
    EXPECT_TRUE(verify_authority_direct(back, hexb(kAuthorityAPub), ab_authorities()));
    EXPECT_TRUE(back.is_protocol_authority());
}
