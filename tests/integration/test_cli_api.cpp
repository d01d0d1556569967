// The `sharemsg` client commands against a running sharemsgd: the token comes from the
// datadir's cookie, errors from the API are printed with their detail.
#include <gtest/gtest.h>

#include <cstdio>

#include "cli_run.hpp"
#include "harness.hpp"

using namespace itest;

namespace {

using Run = CliRun;

Run run_cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    return run_sharemsg(args, stdin_text);
}

}  // namespace

TEST(CliApi, ClientCommandsDriveTheNode) {
    const auto dir = test_dir("cli-api");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const auto k0 = test_signing_key(7, 0), k1 = test_signing_key(7, 1);
    ASSERT_TRUE(a.start(key_flags(k0))) << a.log();
    const std::vector<std::string> api{"--api", "127.0.0.1:" + std::to_string(a.web_port),
                                       "--datadir", a.datadir().string()};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), api.begin(), api.end());
        return args;
    };

    auto sent = run_cli(with({"send", "hello from the command line"}));
    EXPECT_EQ(sent.status, 0) << sent.out;
    EXPECT_EQ(sent.out.rfind("queued ", 0), 0u) << sent.out;
    const std::string hash = sent.out.substr(7, 64);
    auto outbox = run_cli(with({"outbox"}));
    EXPECT_EQ(outbox.status, 0) << outbox.out;
    EXPECT_NE(outbox.out.find(hash), std::string::npos) << outbox.out;

    auto too_long = run_cli(with({"send", std::string(221, 'x')}));
    EXPECT_EQ(too_long.status, 1);
    EXPECT_NE(too_long.out.find("HTTP 400: text too long"), std::string::npos) << too_long.out;
    auto long_ok = run_cli(with({"send", "--fragment", std::string(700, 'y')}));
    EXPECT_EQ(long_ok.status, 0) << long_ok.out;
    EXPECT_EQ(long_ok.out.rfind("queued ", 0), 0u) << long_ok.out;

    auto ban = run_cli(with({"ban", "--word", "casino"}));
    EXPECT_EQ(ban.status, 0) << ban.out;
    EXPECT_NE(ban.out.find("banned word casino"), std::string::npos) << ban.out;
    auto bans = run_cli(with({"bans"}));
    EXPECT_NE(bans.out.find("casino"), std::string::npos) << bans.out;
    EXPECT_EQ(run_cli(with({"unban", "--word", "casino"})).status, 0);
    auto unban_again = run_cli(with({"unban", "--word", "casino"}));
    EXPECT_EQ(unban_again.status, 1);
    EXPECT_NE(unban_again.out.find("not banned"), std::string::npos) << unban_again.out;
    EXPECT_EQ(run_cli(with({"ban", "--word", "a", "--address", "b"})).status, 1);

    auto id = run_cli(with({"identity"}));
    EXPECT_NE(id.out.find(k0.signing_id), std::string::npos) << id.out;
    EXPECT_EQ(run_cli(with({"keys"})).status, 0);
    EXPECT_EQ(run_cli(with({"recent", "--limit", "5"})).status, 0);

    // The new key comes on standard input, never on the command line.
    auto rot = run_cli(with({"rotate-key", "--key-index", "1", "--delegation", k1.delegation}),
                       k1.wif + "\n");
    EXPECT_EQ(rot.status, 0) << rot.out;
    EXPECT_NE(rot.out.find(k1.signing_id), std::string::npos) << rot.out;

    // A wrong token and a node that is not there give clear errors.
    const auto bad_token = dir / "bad-token";
    std::ofstream(bad_token) << std::string(64, 'f') << "\n";
    auto denied = run_cli({"send", "x", "--api", "127.0.0.1:" + std::to_string(a.web_port),
                           "--token-file", bad_token.string()});
    EXPECT_EQ(denied.status, 1);
    EXPECT_NE(denied.out.find("HTTP 401: unauthorized: wrong token"), std::string::npos)
        << denied.out;
    ASSERT_EQ(a.stop(), 0);
    auto down = run_cli(with({"recent"}));
    EXPECT_EQ(down.status, 1);
    EXPECT_NE(down.out.find("cannot reach sharemsgd"), std::string::npos) << down.out;
}
