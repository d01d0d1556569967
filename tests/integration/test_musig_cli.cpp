// `sharemsg musig start|join|cancel|sessions|session|status` against real sharemsgd processes
// with --musig (MusigNodes): a 2-of-2 session started from the command line on one node, seen
// and joined on the other, ends with a signature that `sharemsg musig verify` accepts under the
// aggregate key; the API's refusals are printed with their names, exit status 1; a malformed
// ID is refused before any call, exit status 2.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli_run.hpp"
#include "musig_nodes.hpp"
#include "util/bytes.hpp"

using namespace itest;
using namespace std::chrono_literals;
using J = nlohmann::json;

namespace {

// `sharemsg musig ARGS...`, its standard error in a file of `dir`.
CliRun musig_cli(const fs::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "musig");
    return run_sharemsg(args, "", dir / "cli-stderr.txt");
}

// The flags that point a command at daemon `d`.
std::vector<std::string> api_of(Daemon& d) {
    return {"--api", "127.0.0.1:" + std::to_string(d.web_port), "--datadir", d.datadir().string()};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// The session id in a human summary ("session    <64 hex>"), or "".
std::string id_in(const std::string& out) {
    std::smatch m;
    static const std::regex re("session +([0-9a-f]{64})");
    return std::regex_search(out, m, re) ? m[1].str() : "";
}

// The line of `text` that contains `needle`, or "".
std::string line_with(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) return line;
    return "";
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

TEST(MusigCli, TwoSignersStartSeeJoinAndVerify) {
    MusigNodes nodes("musig-cli", 2);
    ASSERT_TRUE(nodes.ok()) << nodes.failure();
    const auto dir = test_dir("musig-cli-runs");
    const std::string k0 = nodes.key(0).signing_pubkey, k1 = nodes.key(1).signing_pubkey;
    const std::string msg = sharemsg::to_hex(sharemsg::Bytes(32, 0x5a));

    // Started on node 0, which joins at once: the summary names the id, the phase and who is who.
    const auto started =
        musig_cli(dir, std::vector<std::string>{"start", "--signers", k0 + "," + k1, "--message",
                                                msg, "--context", "c0ffee"} +
                           api_of(nodes.node(0)));
    ASSERT_EQ(started.status, 0) << started.all();
    const std::string id = id_in(started.out);
    ASSERT_EQ(id.size(), 64u) << started.out;
    EXPECT_TRUE(contains(started.out, "phase      nonce_exchange")) << started.out;
    EXPECT_TRUE(contains(started.out, "joined     yes")) << started.out;
    EXPECT_TRUE(contains(started.out, "context    c0ffee")) << started.out;
    const auto own_line = line_with(started.out, k0);
    EXPECT_TRUE(contains(own_line, "nonce") && contains(own_line, "creator") &&
                contains(own_line, "this node"))
        << started.out;
    EXPECT_FALSE(contains(line_with(started.out, k1), "this node")) << started.out;
    EXPECT_TRUE(contains(started.out, "sharemsg musig join " + id)) << started.out;

    // Node 1 hears of it by mail: `sessions` lists it, not joined there.
    CliRun listed;
    EXPECT_TRUE(wait_until(
        [&] {
            listed = musig_cli(dir, std::vector<std::string>{"sessions"} + api_of(nodes.node(1)));
            return listed.status == 0 && contains(listed.out, id);
        },
        60s))
        << listed.all() << nodes.node(1).log();
    EXPECT_TRUE(contains(line_with(listed.out, id), "not joined")) << listed.out;
    EXPECT_TRUE(contains(line_with(listed.out, id), "partials 0/2")) << listed.out;
    const auto seen =
        musig_cli(dir, std::vector<std::string>{"session", id} + api_of(nodes.node(1)));
    ASSERT_EQ(seen.status, 0) << seen.all();
    EXPECT_TRUE(contains(line_with(seen.out, k1), "this node")) << seen.out;
    EXPECT_TRUE(contains(line_with(seen.out, k0), "creator")) << seen.out;
    EXPECT_TRUE(contains(seen.out, "joined     no")) << seen.out;

    // Node 1 joins (the id in capitals is the same id); a second join is the node's 409.
    std::string upper = id;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto joined =
        musig_cli(dir, std::vector<std::string>{"join", upper} + api_of(nodes.node(1)));
    ASSERT_EQ(joined.status, 0) << joined.all();
    EXPECT_EQ(id_in(joined.out), id) << joined.out;
    EXPECT_TRUE(contains(joined.out, "joined     yes")) << joined.out;
    const auto again = musig_cli(dir, std::vector<std::string>{"join", id} + api_of(nodes.node(1)));
    EXPECT_EQ(again.status, 1) << again.all();
    // already_joined, or wrong_phase when the session completed in the meantime.
    EXPECT_TRUE(again.err.rfind("sharemsg musig join: HTTP 409: already_joined", 0) == 0 ||
                again.err.rfind("sharemsg musig join: HTTP 409: wrong_phase", 0) == 0)
        << again.all();
    EXPECT_TRUE(again.out.empty()) << again.out;

    // Both end complete, with the same signature.
    std::string signature, aggregate;
    for (std::size_t i = 0; i < 2; ++i) {
        J s;
        wait_until(
            [&] {
                const auto r = musig_cli(
                    dir, std::vector<std::string>{"session", id, "--json"} + api_of(nodes.node(i)));
                s = r.status == 0 ? J::parse(r.out, nullptr, false) : J();
                return s.is_object() && s["phase"] == "complete";
            },
            60s);
        ASSERT_TRUE(s.is_object() && s["phase"] == "complete")
            << "node " << i << ": " << s.dump() << "\n"
            << nodes.node(i).log();
        EXPECT_EQ(s["id"], id);
        EXPECT_EQ(s["nonces"], J::array({true, true})) << s.dump();
        EXPECT_EQ(s["partials"], J::array({true, true})) << s.dump();
        EXPECT_TRUE(s["abort"].is_null()) << s.dump();
        ASSERT_TRUE(s["signature"].is_string()) << s.dump();
        if (i == 0) {
            signature = s["signature"];
            aggregate = s["aggregate_key"];
        }
        EXPECT_EQ(s["signature"], signature) << "node " << i;
        EXPECT_EQ(s["aggregate_key"], aggregate) << "node " << i;
    }

    // The offline verify accepts it under the aggregate key, and not for another message.
    const auto ok =
        musig_cli(dir, {"verify", "--key", aggregate, "--message", msg, "--signature", signature});
    EXPECT_EQ(ok.status, 0) << ok.all();
    EXPECT_EQ(ok.out, "valid\n");
    const auto other =
        musig_cli(dir, {"verify", "--key", aggregate, "--message",
                        sharemsg::to_hex(sharemsg::Bytes(32, 0x5b)), "--signature", signature});
    EXPECT_EQ(other.status, 1) << other.all();
    // The same key from the offline keyagg with the order the node was given.
    const auto keyagg = musig_cli(dir, {"keyagg", "--no-sort", "--json", k0, k1});
    ASSERT_EQ(keyagg.status, 0) << keyagg.all();
    EXPECT_EQ(J::parse(keyagg.out, nullptr, false).value("aggregate_key", ""), aggregate)
        << keyagg.out;

    // The human summary shows the signature; the status counts the completed session.
    const auto done =
        musig_cli(dir, std::vector<std::string>{"session", id} + api_of(nodes.node(0)));
    ASSERT_EQ(done.status, 0) << done.all();
    EXPECT_TRUE(contains(done.out, "phase      complete")) << done.out;
    EXPECT_TRUE(contains(done.out, "signature  " + signature)) << done.out;
    const auto status = musig_cli(dir, std::vector<std::string>{"status"} + api_of(nodes.node(0)));
    ASSERT_EQ(status.status, 0) << status.all();
    EXPECT_TRUE(contains(line_with(status.out, "pubkey"), k0)) << status.out;
    const auto status_json =
        musig_cli(dir, std::vector<std::string>{"status", "--json"} + api_of(nodes.node(0)));
    ASSERT_EQ(status_json.status, 0) << status_json.all();
    const auto st = J::parse(status_json.out, nullptr, false);
    EXPECT_EQ(st.value("completed", 0), 1) << status_json.out;
    EXPECT_EQ(st.value("pubkey", ""), k0) << status_json.out;
}

TEST(MusigCli, RefusalsArePrintedByName) {
    const std::string k0 = test_signing_key(1, 0).signing_pubkey;
    const std::string k1 = test_signing_key(1, 1).signing_pubkey;  // a signer with no node here
    MusigNodes nodes("musig-cli-refusals", 1, {"--cosign-authority", "ops=" + k0 + "," + k1});
    ASSERT_TRUE(nodes.ok()) << nodes.failure();
    auto& d = nodes.node(0);
    const auto dir = test_dir("musig-cli-refusal-runs");
    const std::string zero(64, '0');

    // An unknown session: the node's 404 by name, exit status 1, nothing on standard output.
    const auto unknown = musig_cli(dir, std::vector<std::string>{"session", zero} + api_of(d));
    EXPECT_EQ(unknown.status, 1) << unknown.all();
    EXPECT_EQ(
        unknown.err.rfind(
            "sharemsg musig session: HTTP 404: unknown_session: no session " + zero + " here", 0),
        0u)
        << unknown.all();
    EXPECT_TRUE(unknown.out.empty()) << unknown.out;
    for (const char* verb : {"join", "cancel"}) {
        const auto r = musig_cli(dir, std::vector<std::string>{verb, zero} + api_of(d));
        EXPECT_EQ(r.status, 1) << r.all();
        EXPECT_TRUE(contains(r.err, "HTTP 404: unknown_session")) << r.all();
    }

    // The start request's refusals, by name.
    struct Case {
        std::vector<std::string> args;
        const char* error;
    };
    const Case cases[] = {
        {{"start", "--signers", k0, "--message", "00"}, "HTTP 400: bad_signers: "},
        {{"start", "--signers", k0 + ",02zz", "--message", "00"}, "HTTP 400: bad_signers: "},
        {{"start", "--signers", k0 + "," + k1, "--message", "zz"}, "HTTP 400: bad_message: "},
        {{"start", "--signers", k0 + "," + k1, "--message", "00", "--context", "0"},
         "HTTP 400: bad_context: "},
        {{"start", "--signers", k0 + "," + k1, "--message", "00", "--expires-in", "0"},
         "HTTP 400: bad_expires_in: "},
        {{"start", "--signers", k1 + "," + test_signing_key(1, 2).signing_pubkey, "--message",
          "00"},
         "HTTP 400: invalid_argument"},
        {{"start", "--signers", k0 + "," + test_signing_key(1, 2).signing_pubkey, "--alert",
          "emergency", "--alert-text", "halt"},
         "HTTP 400: unknown_authority: "},
    };
    for (const auto& c : cases) {
        const auto r = musig_cli(dir, c.args + api_of(d));
        EXPECT_EQ(r.status, 1) << r.all();
        EXPECT_EQ(r.err.rfind(std::string("sharemsg musig start: ") + c.error, 0), 0u) << r.all();
    }

    // Neither a message nor an alert: refused before any call (exit status 2).
    const auto neither =
        musig_cli(dir, std::vector<std::string>{"start", "--signers", k0 + "," + k1} + api_of(d));
    EXPECT_EQ(neither.status, 2) << neither.all();
    EXPECT_TRUE(contains(neither.err, "--alert")) << neither.all();

    // An alert of the node's authority "ops", its signers in any order: the session signs the
    // alert's sighash, and every view shows the alert.
    const auto alert = musig_cli(
        dir, std::vector<std::string>{"start", "--signers", k1 + "," + k0, "--alert", "emergency",
                                      "--alert-text", "halt the chain", "--no-join"} +
                 api_of(d));
    ASSERT_EQ(alert.status, 0) << alert.all();
    EXPECT_TRUE(contains(line_with(alert.out, "alert "), "EMERGENCY \"halt the chain\" at "))
        << alert.out;
    EXPECT_TRUE(contains(line_with(alert.out, "alert "), "by ops")) << alert.out;
    ASSERT_EQ(
        musig_cli(dir, std::vector<std::string>{"cancel", id_in(alert.out)} + api_of(d)).status, 0);

    // A malformed id is refused before any call (exit status 2).
    const auto bad_id = musig_cli(dir, std::vector<std::string>{"join", "xyz"} + api_of(d));
    EXPECT_EQ(bad_id.status, 2) << bad_id.all();
    EXPECT_TRUE(contains(bad_id.err, "sharemsg musig join: ID: ")) << bad_id.all();
    EXPECT_FALSE(contains(bad_id.err, "HTTP")) << bad_id.all();

    // Announced without joining, then cancelled; cancelling again is the node's 409.
    const auto started =
        musig_cli(dir, std::vector<std::string>{"start", "--signers", k0 + "," + k1, "--message",
                                                "01", "--no-join", "--expires-in", "60"} +
                           api_of(d));
    ASSERT_EQ(started.status, 0) << started.all();
    const std::string id = id_in(started.out);
    ASSERT_EQ(id.size(), 64u) << started.out;
    EXPECT_TRUE(contains(started.out, "phase      init")) << started.out;
    EXPECT_TRUE(contains(started.out, "joined     no")) << started.out;
    EXPECT_TRUE(contains(started.out, "This node too: it has not joined.")) << started.out;
    const auto cancelled = musig_cli(dir, std::vector<std::string>{"cancel", id} + api_of(d));
    ASSERT_EQ(cancelled.status, 0) << cancelled.all();
    EXPECT_TRUE(contains(cancelled.out, "phase      aborted")) << cancelled.out;
    EXPECT_TRUE(contains(cancelled.out, "aborted    cancelled")) << cancelled.out;
    const auto listed = musig_cli(dir, std::vector<std::string>{"sessions"} + api_of(d));
    EXPECT_TRUE(contains(line_with(listed.out, id), "aborted  nonces 0/2")) << listed.all();
    const auto twice = musig_cli(dir, std::vector<std::string>{"cancel", id} + api_of(d));
    EXPECT_EQ(twice.status, 1) << twice.all();
    EXPECT_EQ(twice.err.rfind("sharemsg musig cancel: HTTP 409: wrong_phase", 0), 0u)
        << twice.all();

    // A node without sessions (the mailbox has no --musig) says so; no token, no call.
    const auto off = musig_cli(dir, std::vector<std::string>{"status"} + api_of(nodes.mailbox()));
    EXPECT_EQ(off.status, 1) << off.all();
    EXPECT_EQ(off.err.rfind("sharemsg musig status: HTTP 404: not_enabled: ", 0), 0u) << off.all();
    const auto empty = dir / "empty";
    fs::create_directories(empty);
    const auto no_token =
        musig_cli(dir, {"sessions", "--api", "127.0.0.1:" + std::to_string(d.web_port), "--datadir",
                        empty.string()});
    EXPECT_EQ(no_token.status, 1) << no_token.all();
    EXPECT_TRUE(contains(no_token.err, "cannot read the API token")) << no_token.all();
}

}  // namespace
