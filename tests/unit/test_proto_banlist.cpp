// Ban list: matching rules, the persisted file, tolerant loading and the reference quirks.
#include <gtest/gtest.h>

#include "proto/banlist.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

const ojson& ban_vectors() {
    return vectors()["ban_list"];
}

BanList from_spec(const ojson& spec, ReferenceQuirks q = {}) {
    BanList b(q);
    for (const auto& s : spec.value("signing_ids", ojson::array()))
        b.ban_signing_id(s.get<std::string>());
    for (const auto& s : spec.value("addresses", ojson::array()))
        b.ban_address(s.get<std::string>());
    for (const auto& s : spec.value("keywords", ojson::array()))
        b.ban_keyword(s.get<std::string>());
    for (const auto& t : spec.value("types", ojson::array()))
        b.ban_type(t.get<std::uint8_t>());
    return b;
}

ShareMessage chat(std::string_view text, std::optional<std::string> sender = std::nullopt) {
    auto m = text_message(MSG_MINER_MESSAGE, text, 1000);
    m.sender_address = std::move(sender);
    return m;
}

BanList keywords(std::initializer_list<std::string_view> kws, ReferenceQuirks q = {}) {
    BanList b(q);
    for (auto k : kws)
        b.ban_keyword(k);
    return b;
}

}  // namespace

TEST(ProtoBanList, ReferenceMatrix) {
    std::map<std::string, ShareMessage> msgs;
    for (const auto& m : ban_vectors()["messages"])
        msgs.emplace(m["name"].get<std::string>(), message_from_json(m["message"]));
    std::map<std::string, BanList> lists;
    for (const auto& l : ban_vectors()["ban_lists"]) {
        BanList b = from_spec(l["spec"]);
        EXPECT_EQ(b.to_json(), l["to_json"]) << l["name"];
        lists.emplace(l["name"].get<std::string>(), b);
    }
    int checked = 0;
    for (const auto& row : ban_vectors()["is_banned"]) {
        const BanList& b = lists.at(row["ban_list"].get<std::string>());
        for (const auto& [name, want] : row["results"].items()) {
            EXPECT_EQ(b.is_banned(msgs.at(name)), want.get<bool>())
                << row["ban_list"] << " / " << name;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 36);
}

TEST(ProtoBanList, EachKindAndUnban) {
    auto m = chat("hello world", "LaAddr");
    m.signing_id = signing_key("m1k0").signing_id();
    const std::string sid = to_hex(*m.signing_id);
    BanList b;
    EXPECT_FALSE(b.is_banned(m));
    EXPECT_TRUE(b.empty());

    EXPECT_TRUE(b.ban_type(MSG_MINER_MESSAGE));
    EXPECT_FALSE(b.ban_type(MSG_MINER_MESSAGE));
    EXPECT_TRUE(b.is_banned(m));
    EXPECT_TRUE(b.unban_type(MSG_MINER_MESSAGE));
    EXPECT_FALSE(b.unban_type(MSG_MINER_MESSAGE));
    EXPECT_FALSE(b.is_banned(m));

    EXPECT_TRUE(b.ban_address("LaAddr"));
    EXPECT_TRUE(b.is_banned(m));
    EXPECT_FALSE(b.is_banned(chat("hello world", "LbAddr")));
    EXPECT_TRUE(b.unban_address("LaAddr"));
    EXPECT_FALSE(b.is_banned(m));

    EXPECT_TRUE(b.ban_signing_id(sid));
    EXPECT_TRUE(b.is_banned(m));
    EXPECT_FALSE(b.is_banned(chat("hello world", "LaAddr")));  // no signing id
    EXPECT_TRUE(b.unban_signing_id(sid));
    EXPECT_FALSE(b.is_banned(m));

    EXPECT_TRUE(b.ban_keyword("WORLD"));
    EXPECT_FALSE(b.ban_keyword("world"));  // stored lower-cased: already there
    EXPECT_TRUE(b.is_banned(m));
    EXPECT_FALSE(b.is_banned(chat("hello")));
    EXPECT_TRUE(b.unban_keyword("World"));
    EXPECT_FALSE(b.is_banned(m));
    EXPECT_TRUE(b.empty());
}

TEST(ProtoBanList, AuthorityIsNeverBanned) {
    auto m = chat("spam scam", "LaAddr");
    m.msg_type = MSG_EMERGENCY;
    m.signing_id = signing_key("m1k0").signing_id();
    BanList b;
    b.ban_type(MSG_EMERGENCY);
    b.ban_address("LaAddr");
    b.ban_signing_id(to_hex(*m.signing_id));
    b.ban_keyword("scam");
    EXPECT_TRUE(b.is_banned(m));
    m.flags |= FLAG_PROTOCOL_AUTHORITY;
    EXPECT_FALSE(b.is_banned(m));
    // The wire bit alone earns nothing.
    m.flags &= static_cast<std::uint8_t>(~FLAG_PROTOCOL_AUTHORITY);
    m.wire_flags |= FLAG_PROTOCOL_AUTHORITY;
    EXPECT_TRUE(b.is_banned(m));
}

TEST(ProtoBanList, EmptySenderNeverMatches) {
    BanList b;
    b.ban_address("");
    EXPECT_FALSE(b.is_banned(chat("x", "")));
    EXPECT_FALSE(b.is_banned(chat("x")));
    EXPECT_EQ(b.to_json()["addresses"].dump(), R"([""])");
}

TEST(ProtoBanList, KeywordsAreCaseInsensitiveIncludingNonAscii) {
    auto b = keywords({"SCAM",
                       "\xc3\x9c"
                       "BER",
                       "\xd0\xa1\xd0\x9f\xd0\x90\xd0\x9c"});  // SCAM, ÜBER, СПАМ
    EXPECT_EQ(b.keywords(), (std::set<std::string>{"scam",
                                                   "\xc3\xbc"
                                                   "ber",
                                                   "\xd1\x81\xd0\xbf\xd0\xb0\xd0\xbc"}));
    EXPECT_TRUE(b.is_banned(chat("this is a Scam offer")));
    EXPECT_TRUE(b.is_banned(chat("scammers everywhere")));  // substring, as the reference
    EXPECT_TRUE(
        b.is_banned(chat("das ist \xc3\xbc"
                         "ber alles")));
    EXPECT_TRUE(
        b.is_banned(chat("DAS IST \xc3\x9c"
                         "BER ALLES")));
    EXPECT_TRUE(b.is_banned(chat("\xd0\xa1\xd0\xbf\xd0\xb0\xd0\xbc!")));  // Спам
    EXPECT_FALSE(b.is_banned(chat("uber alles")));
    EXPECT_FALSE(b.is_banned(chat("sc am")));
    // Keywords apply to every type's payload, JSON included.
    auto status = text_message(MSG_NODE_STATUS, R"({"v":"SCAM"})", 1000);
    EXPECT_TRUE(b.is_banned(status));
}

TEST(ProtoBanList, InvalidUtf8PayloadOursVsReferenceQuirk) {
    const Bytes payload{0xff, 0xfe, ' ', 'S', 'c', 'a', 'm'};
    auto m = ShareMessage::make(MSG_MINER_MESSAGE, payload, 0x06, 1000);
    EXPECT_TRUE(keywords({"scam"}).is_banned(m));  // matched on the lossy text
    ReferenceQuirks q;
    q.keywords_skip_invalid_utf8 = true;
    EXPECT_FALSE(keywords({"scam"}, q).is_banned(m));
    // The quirk changes nothing for valid UTF-8.
    EXPECT_TRUE(keywords({"scam"}, q).is_banned(chat("Scam")));
    // A keyword that straddles the bad byte does not match: U+FFFD stands in its place.
    const Bytes split{'s', 'c', 0xff, 'a', 'm'};
    EXPECT_FALSE(
        keywords({"scam"}).is_banned(ShareMessage::make(MSG_MINER_MESSAGE, split, 0x06, 1000)));
}

TEST(ProtoBanList, FileTextIsByteExact) {
    const auto& step = ban_vectors()["persistence"]["steps"][0];
    const BanList b = from_spec(step["to_json"]);
    EXPECT_EQ(b.to_json(), step["to_json"]);
    EXPECT_EQ(b.to_file_text(), step["file_text"].get<std::string>());

    EXPECT_EQ(BanList().to_file_text(),
              "{\n  \"signing_ids\": [], \n  \"addresses\": [], \n  \"keywords\": [], \n  "
              "\"types\": []\n}");
    EXPECT_EQ(keywords({"caf\xc3\xa9", "\"q\""}).to_file_text(),
              "{\n  \"signing_ids\": [], \n  \"addresses\": [], \n  \"keywords\": [\n"
              "    \"\\\"q\\\"\", \n    \"caf\\u00e9\"\n  ], \n  \"types\": []\n}");
}

TEST(ProtoBanList, FileTextRoundTrips) {
    const auto& step = ban_vectors()["persistence"]["steps"][0];
    std::string warnings;
    auto b = BanList::from_file_text(step["file_text"].get<std::string>(), {}, &warnings);
    ASSERT_TRUE(b) << b.error().to_string();
    EXPECT_EQ(warnings, "");
    EXPECT_EQ(b->to_json(), step["to_json"]);
    EXPECT_EQ(b->to_file_text(), step["file_text"].get<std::string>());
    EXPECT_EQ(b->to_json()["type_names"].dump(), R"(["MINER_MESSAGE","0x7f"])");
}

TEST(ProtoBanList, TolerantLoading) {
    std::string w;
    auto b = BanList::from_file_text(R"({"addresses":["a"]})", {}, &w);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->addresses(), std::set<std::string>{"a"});
    EXPECT_TRUE(b->signing_ids().empty() && b->keywords().empty() && b->types().empty());
    EXPECT_EQ(w, "");

    w.clear();
    b = BanList::from_file_text(
        R"({"signing_ids":"abc","addresses":[1,"b",null],"keywords":["Spam",{}],"types":[2,"x",300,-1,3.5,16],"extra":1})",
        {}, &w);
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->signing_ids().empty());
    EXPECT_EQ(b->addresses(), std::set<std::string>{"b"});
    EXPECT_EQ(b->keywords(), std::set<std::string>{"spam"});
    EXPECT_EQ(b->types(), (std::set<int>{2, 16}));
    EXPECT_TRUE(has(w, "\"signing_ids\" is not a list")) << w;
    EXPECT_TRUE(has(w, "non-string entry in \"addresses\"")) << w;
    EXPECT_TRUE(has(w, "non-string entry in \"keywords\"")) << w;
    EXPECT_TRUE(has(w, "type entry 300")) << w;
    EXPECT_TRUE(has(w, "type entry -1")) << w;
    EXPECT_TRUE(has(w, "type entry \"x\"")) << w;

    // Warnings are optional.
    EXPECT_TRUE(BanList::from_file_text(R"({"types":"all"})"));

    for (const char* bad : {"not json", "", "[1,2]", "\"text\"", "{\"a\":"}) {
        auto e = BanList::from_file_text(bad);
        ASSERT_FALSE(e) << bad;
        EXPECT_EQ(e.error().code, Errc::bad_encoding) << bad;
    }
}

TEST(ProtoBanList, KeywordsLoadedVerbatimQuirk) {
    const std::string file = R"({"keywords":["SCAM","Spam"]})";
    auto ours = BanList::from_file_text(file);
    ASSERT_TRUE(ours);
    EXPECT_EQ(ours->keywords(), (std::set<std::string>{"scam", "spam"}));
    EXPECT_TRUE(ours->is_banned(chat("a SCAM")));

    ReferenceQuirks q;
    q.keywords_loaded_verbatim = true;
    auto ref = BanList::from_file_text(file, q);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->keywords(), (std::set<std::string>{"SCAM", "Spam"}));
    EXPECT_FALSE(ref->is_banned(chat("a SCAM")));  // the payload is lower-cased, the keyword is not
    EXPECT_FALSE(ref->is_banned(chat("a scam")));
    // Keywords added through the API are still lower-cased under the quirk.
    ref->ban_keyword("EGGS");
    EXPECT_TRUE(ref->is_banned(chat("Eggs")));
}
