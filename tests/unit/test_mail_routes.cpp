// The /mail endpoints' answers (node/mail_routes.hpp) against a mail client that records what
// it is asked and answers what the test sets: the not_enabled answer of a node without mail,
// the request checks, the JSON of inbox and outbox entries, and each send refusal's status.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "crypto/hash.hpp"
#include "mailbox/seal.hpp"
#include "node/mail_routes.hpp"
#include "util/bytes.hpp"

namespace sharemsg::node {
namespace {

using J = nlohmann::json;

crypto::CompressedPubKey key_of(std::uint8_t n) {
    ByteArray<32> secret{};
    secret[31] = n;
    return crypto::PrivKey::from_bytes(secret)->pubkey();
}

class RecordingMail final : public MailClient {
  public:
    SendResult next_send;
    std::vector<MailReceived> messages;
    std::vector<MailSent> sent;
    std::string status = R"({"mailbox":"http://127.0.0.1:1","registered":false})";
    // What was asked.
    std::vector<std::pair<crypto::CompressedPubKey, std::string>> sends;
    mutable std::vector<std::pair<std::uint64_t, std::size_t>> inbox_calls;
    mutable std::vector<std::size_t> outbox_calls;

    SendResult send(const crypto::CompressedPubKey& to, const std::string& text) override {
        sends.emplace_back(to, text);
        return next_send;
    }
    std::vector<MailReceived> inbox(std::uint64_t after, std::size_t limit) const override {
        inbox_calls.emplace_back(after, limit);
        std::vector<MailReceived> out;
        for (const auto& m : messages)
            if (m.id > after && out.size() < limit) out.push_back(m);
        return out;
    }
    std::optional<MailReceived> read(std::uint64_t id) const override {
        for (const auto& m : messages)
            if (m.id == id) return m;
        return std::nullopt;
    }
    std::vector<MailSent> outbox(std::size_t limit) const override {
        outbox_calls.push_back(limit);
        return {sent.begin(),
                sent.begin() + static_cast<std::ptrdiff_t>(std::min(limit, sent.size()))};
    }
    SendResult send_frame(const crypto::CompressedPubKey&, MailApp, ByteView) override {
        return next_send;
    }
    void set_listener(Listener) override {}
    void set_frame_handler(MailApp, FrameHandler) override {}
    void accept_direct(mailbox::Request, Accepted done) override { done(false, "not here"); }
    std::string status_json() const override { return status; }
};

J body_of(const HttpReply& r) {
    auto j = J::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
}

void expect_error(const HttpReply& r, unsigned status, const std::string& error) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    const auto j = body_of(r);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j.value("error", ""), error) << r.body;
    EXPECT_TRUE(j.contains("detail") && j["detail"].is_string()) << r.body;
}

std::string send_body(const std::string& to, const std::string& text) {
    return J{{"to", to}, {"text", text}}.dump();
}

TEST(MailRoutes, NodeWithoutMailAnswersNotEnabled) {
    const std::map<std::string, std::string> none;
    expect_error(mail_send_reply(nullptr, send_body(to_hex(key_of(2)), "hi")), 404, "not_enabled");
    // Even a body that could never be right: nothing is read before not_enabled.
    expect_error(mail_send_reply(nullptr, "not json"), 404, "not_enabled");
    expect_error(mail_inbox_reply(nullptr, none), 404, "not_enabled");
    expect_error(mail_inbox_reply(nullptr, {{"limit", "0"}}), 404, "not_enabled");
    expect_error(mail_read_reply(nullptr, "1"), 404, "not_enabled");
    expect_error(mail_outbox_reply(nullptr, none), 404, "not_enabled");
    expect_error(mail_status_reply(nullptr), 404, "not_enabled");
}

TEST(MailRoutes, TheRoutesNeedTheToken) {
    for (const char* p :
         {"/mail/send", "/mail/inbox", "/mail/read/7", "/mail/outbox", "/mail/status"}) {
        const Route* r = find_route(p);
        ASSERT_NE(r, nullptr) << p;
        EXPECT_EQ(r->access, Access::token) << p;
        ASSERT_NE(r->handler, nullptr) << p;
    }
    EXPECT_EQ(find_route("/mail/send")->methods, unsigned{kPost});
    EXPECT_EQ(find_route("/mail/inbox")->methods, unsigned{kGet});
    EXPECT_EQ(find_route("/mail/read/1")->path, "/mail/read/");
    EXPECT_EQ(find_route("/mail/read"), nullptr);
    EXPECT_EQ(find_route("/mail"), nullptr);
}

TEST(MailRoutes, SendRefusesMalformedRequestsBeforeTheClient) {
    RecordingMail mail;
    const std::string to = to_hex(key_of(2));
    expect_error(mail_send_reply(&mail, ""), 400, "bad_json");
    expect_error(mail_send_reply(&mail, "{"), 400, "bad_json");
    expect_error(mail_send_reply(&mail, "[1]"), 400, "bad_json");
    expect_error(mail_send_reply(&mail, R"({"text":"hi"})"), 400, "bad_recipient");
    expect_error(mail_send_reply(&mail, J{{"to", 5}, {"text", "hi"}}.dump()), 400, "bad_recipient");
    expect_error(mail_send_reply(&mail, send_body(to.substr(2), "hi")), 400, "bad_recipient");
    expect_error(mail_send_reply(&mail, send_body(to + "00", "hi")), 400, "bad_recipient");
    // A signing id (40 hex) is not a key: a message is sealed to the recipient's key.
    expect_error(mail_send_reply(&mail, send_body(to_hex(crypto::hash160(key_of(2))), "hi")), 400,
                 "bad_recipient");
    // 66 hex digits that are not a point.
    expect_error(mail_send_reply(&mail, send_body("05" + to.substr(2), "hi")), 400,
                 "bad_recipient");
    std::string off_curve = "02" + std::string(64, 'f');
    expect_error(mail_send_reply(&mail, send_body(off_curve, "hi")), 400, "bad_recipient");
    expect_error(mail_send_reply(&mail, send_body("zz" + to.substr(2), "hi")), 400,
                 "bad_recipient");
    expect_error(mail_send_reply(&mail, J{{"to", to}}.dump()), 400, "bad_text");
    expect_error(mail_send_reply(&mail, J{{"to", to}, {"text", nullptr}}.dump()), 400, "bad_text");
    expect_error(mail_send_reply(&mail, send_body(to, "")), 400, "bad_text");
    expect_error(mail_send_reply(&mail, J{{"to", to}, {"text", "hi"}, {"type", "chat"}}.dump()),
                 400, "unknown_field");
    expect_error(
        mail_send_reply(&mail, send_body(to, std::string(mailbox::MAX_PLAINTEXT + 1, 'x'))), 413,
        "too_large");
    EXPECT_TRUE(mail.sends.empty()) << "a refused request never reaches the client";
}

TEST(MailRoutes, SendAnswersTheOutboxEntryAsKept) {
    RecordingMail mail;
    const auto to = key_of(3);
    MailSent kept;
    kept.id = 12;
    kept.to = to;
    kept.index = 4;
    kept.text = "meet at the usual place";
    kept.created = 1760000000;
    kept.state = MailSent::State::queued;
    mail.next_send.sent = kept;
    // Upper-case hex is the same key; the largest text fits.
    std::string upper = to_hex(to);
    for (auto& ch : upper)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    auto r = mail_send_reply(&mail, send_body(upper, kept.text));
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_EQ(mail.sends.size(), 1u);
    EXPECT_EQ(mail.sends[0].first, to);
    EXPECT_EQ(mail.sends[0].second, kept.text);
    const auto j = body_of(r);
    const J expected = {{"sent",
                         {{"id", 12},
                          {"to", to_hex(to)},
                          {"to_id", to_hex(crypto::hash160(to))},
                          {"index", 4},
                          {"text", kept.text},
                          {"created", 1760000000},
                          {"state", "queued"},
                          {"last_error", nullptr}}}};
    EXPECT_EQ(j, expected);
    // The first fields in the documented order.
    EXPECT_EQ(r.body.rfind("{\"sent\":{\"id\":12,\"to\":", 0), 0u) << r.body;

    const std::string largest(mailbox::MAX_PLAINTEXT, 'y');
    EXPECT_EQ(mail_send_reply(&mail, send_body(to_hex(to), largest)).status, 200u);
    ASSERT_EQ(mail.sends.size(), 2u);
    EXPECT_EQ(mail.sends[1].second, largest);
}

TEST(MailRoutes, EachRefusalOfTheClientHasItsNameAndStatus) {
    struct Case {
        MailError e;
        unsigned status;
        const char* name;
    };
    const Case cases[] = {
        {MailError::no_identity, 409, "no_identity"},
        {MailError::no_mailbox, 409, "no_mailbox"},
        {MailError::bad_recipient, 400, "bad_recipient"},
        {MailError::too_large, 413, "too_large"},
        {MailError::outbox_full, 429, "outbox_full"},
        {MailError::storage, 500, "storage"},
    };
    std::set<std::string> names;
    for (const auto& c : cases) {
        RecordingMail mail;
        mail.next_send.error = c.e;
        mail.next_send.detail = std::string("because ") + c.name;
        const auto r = mail_send_reply(&mail, send_body(to_hex(key_of(2)), "hi"));
        expect_error(r, c.status, c.name);
        EXPECT_EQ(body_of(r).value("detail", ""), std::string("because ") + c.name);
        EXPECT_EQ(mail_refusal_status(c.e), c.status);
        names.insert(mail_error_name(c.e));
    }
    EXPECT_EQ(names.size(), std::size(cases)) << "one name per refusal";
    // A client that answers neither an entry nor a refusal kept nothing.
    RecordingMail empty;
    expect_error(mail_send_reply(&empty, send_body(to_hex(key_of(2)), "hi")), 500, "storage");
}

TEST(MailRoutes, InboxListsAfterAnIdWithinALimit) {
    RecordingMail mail;
    for (std::uint64_t i = 1; i <= 3; ++i) {
        MailReceived m;
        m.id = i;
        m.from = key_of(static_cast<std::uint8_t>(4 + i));
        m.index = i - 1;
        m.text = "message " + std::to_string(i);
        m.sent = 1760000000 + i;
        m.received = 1760000100 + i;
        m.path = i == 2 ? "direct" : "mailbox";
        mail.messages.push_back(m);
    }
    auto r = mail_inbox_reply(&mail, {});
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_EQ(mail.inbox_calls.size(), 1u);
    EXPECT_EQ(mail.inbox_calls[0], (std::pair<std::uint64_t, std::size_t>{0, 50}));
    auto j = body_of(r);
    ASSERT_EQ(j["messages"].size(), 3u);
    const J second = {{"id", 2},
                      {"from", to_hex(key_of(6))},
                      {"from_id", to_hex(crypto::hash160(key_of(6)))},
                      {"index", 1},
                      {"text", "message 2"},
                      {"sent", 1760000002},
                      {"received", 1760000102},
                      {"path", "direct"}};
    EXPECT_EQ(j["messages"][1], second);

    r = mail_inbox_reply(&mail, {{"after", "1"}, {"limit", "1"}});
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(mail.inbox_calls.back(), (std::pair<std::uint64_t, std::size_t>{1, 1}));
    j = body_of(r);
    ASSERT_EQ(j["messages"].size(), 1u);
    EXPECT_EQ(j["messages"][0]["id"], 2);
    EXPECT_EQ(mail_inbox_reply(&mail, {{"limit", "200"}}).status, 200u);
    EXPECT_EQ(mail.inbox_calls.back().second, 200u);
    // An empty inbox is an empty list.
    j = body_of(mail_inbox_reply(&mail, {{"after", "3"}}));
    EXPECT_EQ(j, (J{{"messages", J::array()}}));

    const auto calls = mail.inbox_calls.size();
    for (const char* bad : {"0", "201", "-1", "x", "", "1.5"})
        expect_error(mail_inbox_reply(&mail, {{"limit", bad}}), 400, "bad_limit");
    for (const char* bad : {"-1", "x", "", "+1", "1e3"})
        expect_error(mail_inbox_reply(&mail, {{"after", bad}}), 400, "bad_after");
    EXPECT_EQ(mail.inbox_calls.size(), calls) << "a refused query never reaches the client";
}

TEST(MailRoutes, ReadOneMessage) {
    RecordingMail mail;
    MailReceived m;
    m.id = 9;
    m.from = key_of(7);
    m.text = "x";
    m.path = "mailbox";
    mail.messages.push_back(m);
    auto r = mail_read_reply(&mail, "9");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(body_of(r), J::parse(mail_received_json(m).dump()));
    EXPECT_EQ(body_of(r)["from_id"], to_hex(crypto::hash160(key_of(7))));
    expect_error(mail_read_reply(&mail, "8"), 404, "not_found");
    for (const char* bad : {"", "x", "-9", "9/", "9 "})
        expect_error(mail_read_reply(&mail, bad), 400, "bad_id");
}

TEST(MailRoutes, OutboxNewestFirstWithEachState) {
    RecordingMail mail;
    const MailSent::State states[] = {MailSent::State::delivered, MailSent::State::deposited,
                                      MailSent::State::queued};
    std::uint64_t id = 3;
    for (auto s : states) {
        MailSent e;
        e.id = id--;
        e.to = key_of(9);
        e.state = s;
        e.text = "t";
        if (s == MailSent::State::queued) e.last_error = "mailbox: connection refused";
        mail.sent.push_back(e);
    }
    auto r = mail_outbox_reply(&mail, {});
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(mail.outbox_calls.back(), 50u);
    const auto j = body_of(r)["messages"];
    ASSERT_EQ(j.size(), 3u);
    EXPECT_EQ(j[0]["state"], "delivered");
    EXPECT_EQ(j[0]["last_error"], nullptr);
    EXPECT_EQ(j[1]["state"], "deposited");
    EXPECT_EQ(j[2]["state"], "queued");
    EXPECT_EQ(j[2]["last_error"], "mailbox: connection refused");
    EXPECT_EQ(j[2]["to_id"], to_hex(crypto::hash160(key_of(9))));
    EXPECT_EQ(body_of(mail_outbox_reply(&mail, {{"limit", "2"}}))["messages"].size(), 2u);
    expect_error(mail_outbox_reply(&mail, {{"limit", "500"}}), 400, "bad_limit");
}

TEST(MailRoutes, StatusIsTheClientsOwn) {
    RecordingMail mail;
    const auto r = mail_status_reply(&mail);
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, mail.status);
}

}  // namespace
}  // namespace sharemsg::node
