// The /mail endpoints and `sharemsg mail` against a real sharemsgd: a node without a mail
// client (no --mailbox-url) answers every one 404 "not_enabled" (with the token; 401 without),
// and the commands report the node's answer, a missing token and an unreachable node.
#include <gtest/gtest.h>

#include <cstdio>

#include "cli_run.hpp"
#include "harness.hpp"

using namespace itest;

namespace {

using Run = CliRun;

Run run_mail_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "mail");
    return run_sharemsg(args);
}

const std::string kSomeKey = "02" + std::string(62, '0') + "01";  // any 66 hex

}  // namespace

TEST(MailApi, NodeWithoutMailAnswersNotEnabled) {
    const auto dir = test_dir("mail-api-off");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start(key_flags(test_signing_key(21, 0)))) << a.log();

    const std::string send_body = R"({"to":")" + kSomeKey + R"(","text":"hello"})";
    struct Call {
        const char* method;
        const char* path;
        std::string body;
    };
    const Call calls[] = {
        {"POST", "/mail/send", send_body}, {"POST", "/mail/send", "not json"},
        {"GET", "/mail/inbox", ""},        {"GET", "/mail/inbox?after=3&limit=9", ""},
        {"GET", "/mail/read/1", ""},       {"GET", "/mail/outbox", ""},
        {"GET", "/mail/status", ""},
    };
    for (const auto& c : calls) {
        const auto r = a.call(c.method, c.path, c.body);
        EXPECT_EQ(r.status, 404) << c.method << " " << c.path << ": " << r.body;
        const auto j = r.json();
        ASSERT_TRUE(j.is_object()) << r.body;
        EXPECT_EQ(j.value("error", ""), "not_enabled") << r.body;
        EXPECT_NE(j.value("detail", "").find("--mailbox-url"), std::string::npos) << r.body;
        // Without the token, or with a wrong one: 401, whatever the node holds.
        const auto open = http_request(a.web_port, c.method, c.path, c.body);
        EXPECT_EQ(open.status, 401) << c.path << ": " << open.body;
        const auto wrong = a.call(c.method, c.path, c.body, std::string(64, '0'));
        EXPECT_EQ(wrong.status, 401) << c.path << ": " << wrong.body;
    }
    EXPECT_EQ(a.call("GET", "/mail/send").status, 405);
    EXPECT_EQ(a.call("POST", "/mail/inbox").status, 405);
    EXPECT_EQ(a.call("DELETE", "/mail/read/1").status, 405);
    EXPECT_EQ(a.call("GET", "/mail/read").status, 404);
    // The node goes on serving.
    EXPECT_EQ(a.get("/health").status, 200);
    EXPECT_EQ(a.stop(), 0);
}

TEST(MailApi, CliReportsTheNodesAnswerAndItsOwnTrouble) {
    const auto dir = test_dir("mail-cli-off");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start(key_flags(test_signing_key(22, 0)))) << a.log();
    const std::vector<std::string> api{"--api", "127.0.0.1:" + std::to_string(a.web_port),
                                       "--datadir", a.datadir().string()};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), api.begin(), api.end());
        return args;
    };

    struct Case {
        std::vector<std::string> args;
        const char* prefix;
    };
    const Case cases[] = {
        {{"send", "--to", kSomeKey, "--text", "hello"}, "sharemsg mail send: "},
        {{"inbox"}, "sharemsg mail inbox: "},
        {{"inbox", "--after", "5", "--limit", "3"}, "sharemsg mail inbox: "},
        {{"read", "7"}, "sharemsg mail read: "},
        {{"outbox"}, "sharemsg mail outbox: "},
        {{"status"}, "sharemsg mail status: "},
    };
    for (const auto& c : cases) {
        const auto r = run_mail_cli(with(c.args));
        EXPECT_EQ(r.status, 1) << c.args[0] << ": " << r.out;
        EXPECT_EQ(r.out.rfind(std::string(c.prefix) + "HTTP 404: not_enabled: ", 0), 0u) << r.out;
        EXPECT_NE(r.out.find("--mailbox-url"), std::string::npos) << r.out;
    }

    // The token is needed and read from the datadir: an empty one has none.
    const auto empty = dir / "empty";
    fs::create_directories(empty);
    auto no_token = run_mail_cli(
        {"inbox", "--api", "127.0.0.1:" + std::to_string(a.web_port), "--datadir", empty.string()});
    EXPECT_EQ(no_token.status, 1) << no_token.out;
    EXPECT_NE(no_token.out.find("cannot read the API token from " + (empty / ".cookie").string()),
              std::string::npos)
        << no_token.out;
    // A wrong token is the node's 401.
    const auto wrong = dir / "wrong-token";
    {
        std::ofstream out(wrong);
        out << std::string(64, 'a') << "\n";
    }
    auto refused = run_mail_cli({"status", "--api", "127.0.0.1:" + std::to_string(a.web_port),
                                 "--token-file", wrong.string()});
    EXPECT_EQ(refused.status, 1) << refused.out;
    EXPECT_NE(refused.out.find("HTTP 401: unauthorized"), std::string::npos) << refused.out;

    // The command line's own refusals, before any call.
    auto no_to = run_mail_cli(with({"send", "--text", "hello"}));
    EXPECT_NE(no_to.status, 0) << no_to.out;
    EXPECT_NE(no_to.out.find("--to is required"), std::string::npos) << no_to.out;
    auto bad_id = run_mail_cli(with({"read", "seven"}));
    EXPECT_NE(bad_id.status, 0) << bad_id.out;
    EXPECT_EQ(bad_id.out.find("HTTP"), std::string::npos) << bad_id.out;
    auto bad_limit = run_mail_cli(with({"inbox", "--limit", "500"}));
    EXPECT_NE(bad_limit.status, 0) << bad_limit.out;
    auto nothing = run_mail_cli(with({}));
    EXPECT_NE(nothing.status, 0) << nothing.out;

    // A node that is not there.
    const auto port = a.web_port;
    EXPECT_EQ(a.stop(), 0);
    auto gone = run_mail_cli(
        {"inbox", "--api", "127.0.0.1:" + std::to_string(port), "--datadir", a.datadir().string()});
    EXPECT_EQ(gone.status, 1) << gone.out;
    EXPECT_EQ(gone.out.rfind("sharemsg mail inbox: cannot reach sharemsgd: ", 0), 0u) << gone.out;
}
