// The write side of the HTTP API over real HTTP against a running sharemsgd: the token,
// /msg/send, /msg/ban, /msg/rotate_key, /msg/outbox, /msg/stream (SSE), and what survives a
// restart.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "harness.hpp"

using namespace itest;

namespace {

void expect_error(const HttpResult& r, int status, const std::string& error,
                  const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    auto j = r.json();
    ASSERT_TRUE(j.is_object()) << what << ": " << r.body;
    EXPECT_TRUE(j.contains("error") && j.contains("detail")) << what << ": " << r.body;
    if (!error.empty()) {
        EXPECT_EQ(j.value("error", ""), error) << what;
    }
}

bool outbox_has(Daemon& d, const std::string& hash) {
    auto j = d.call("GET", "/msg/outbox").json();
    if (!j.is_object()) return false;
    for (const auto& e : j["entries"])
        if (e.value("message_hash", "") == hash) return true;
    return false;
}

// Reads SSE bytes from a raw connection until `needle` shows up or the time runs out.
std::string read_stream_until(int fd, const std::string& needle, std::chrono::seconds timeout) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline && got.find(needle) == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            got.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        }
    }
    return got;
}

}  // namespace

TEST(ApiWrite, TokenIsRequiredAndChecked) {
    const auto dir = test_dir("api-token");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start(key_flags(test_signing_key(1)))) << a.log();

    // The cookie: 64 hex characters, readable by the owner only.
    struct stat st {};
    ASSERT_EQ(::stat((a.datadir() / ".cookie").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(a.token().size(), 64u);

    const std::string body = R"({"type":"chat","text":"hello"})";
    expect_error(http_request(a.web_port, "POST", "/msg/send", body), 401, "unauthorized",
                 "no token");
    expect_error(a.call("POST", "/msg/send", body, std::string(64, '0')), 401, "unauthorized",
                 "wrong token");
    expect_error(http_request(a.web_port, "POST", "/msg/send", body,
                              "Authorization: Basic " + a.token() + "\r\n"),
                 401, "unauthorized", "not a bearer token");
    expect_error(http_request(a.web_port, "POST", "/msg/ban", R"({"word":"x"})"), 401,
                 "unauthorized", "ban without token");
    expect_error(http_request(a.web_port, "POST", "/msg/rotate_key", "{}"), 401, "unauthorized",
                 "rotate without token");
    expect_error(http_request(a.web_port, "GET", "/msg/outbox"), 401, "unauthorized",
                 "outbox without token");
    // Reads need no token.
    EXPECT_EQ(a.get("/msg/recent").status, 200);

    // A new token at every start: the old one stops working.
    const std::string old = a.token();
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start(key_flags(test_signing_key(1)))) << a.log();
    EXPECT_NE(a.token(), old);
    expect_error(a.call("POST", "/msg/send", body, old), 401, "unauthorized", "old token");
    EXPECT_EQ(a.call("POST", "/msg/send", body).status, 200);
}

TEST(ApiWrite, SendValidatesAndQueuesDurably) {
    const auto dir = test_dir("api-send");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const auto key = test_signing_key(2);
    ASSERT_TRUE(a.start(key_flags(key))) << a.log();

    struct Bad {
        std::string body;
        std::string error;
    };
    const std::vector<Bad> bad = {
        {"not json", "bad json"},
        {"[1,2]", "bad json"},
        {R"({"text":"x"})", "invalid type"},
        {R"({"type":"shout","text":"x"})", "invalid type"},
        {R"({"type":7,"text":"x"})", "invalid type"},
        {R"({"type":"chat"})", "missing text"},
        {R"({"type":"chat","text":""})", "empty text"},
        {R"({"type":"chat","text":")" + std::string(221, 'a') + "\"}", "text too long"},
        {R"({"type":"chat","text":"x","to":"abc"})", "bad hex"},
        {R"({"type":"chat","text":"x","to":"zz)" + std::string(38, '0') + "\"}", "bad hex"},
    };
    for (const auto& b : bad)
        expect_error(a.call("POST", "/msg/send", b.body), 400, b.error, b.body.substr(0, 40));
    // 220 bytes exactly is fine; so is multi-byte UTF-8 within the limit.
    auto ok220 =
        a.call("POST", "/msg/send", R"({"type":"chat","text":")" + std::string(220, 'b') + "\"}");
    EXPECT_EQ(ok220.status, 200) << ok220.body;
    expect_error(a.call("PUT", "/msg/send", "{}"), 405, "method not allowed", "PUT");

    auto r = a.call("POST", "/msg/send", R"({"type":"announce","text":"pool maintenance"})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_EQ(j["status"], "queued");
    const std::string hash = j["message_hash"];
    EXPECT_EQ(hash.size(), 64u);
    EXPECT_GE(j["queue_position"].get<int>(), 1);
    EXPECT_TRUE(j.contains("estimated_share_time"));
    EXPECT_TRUE(outbox_has(a, hash));
    EXPECT_GE(a.get("/health").json()["outbox_depth"].get<int>(), 1);

    // A private message needs the recipient's bound key on the chain (to encrypt to it).
    expect_error(
        a.call("POST", "/msg/send",
               R"({"type":"chat","text":"psst","to":")" + test_signing_key(3).signing_id + "\"}"),
        400, "unknown recipient", "private to a stranger");

    // Acknowledged means durable: kill -9 right after the answer, and it is still queued.
    a.kill9();
    ASSERT_TRUE(a.start(key_flags(key))) << a.log();
    EXPECT_TRUE(outbox_has(a, hash)) << a.log();

    auto m = a.get("/metrics").body;
    EXPECT_NE(m.find("sharemsg_api_requests_total"), std::string::npos);
    EXPECT_NE(m.find("sharemsg_outbox_depth"), std::string::npos);
}

TEST(ApiWrite, SendWithoutSigningKeyIsRefused) {
    const auto dir = test_dir("api-nokey");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start({})) << a.log();
    expect_error(a.call("POST", "/msg/send", R"({"type":"chat","text":"hi"})"), 400,
                 "no signing key configured", "no key");
    auto id = a.get("/msg/identity").json();
    EXPECT_FALSE(id["messaging_enabled"].get<bool>());
    EXPECT_TRUE(id.contains("error"));
    // A path that is not UTF-8 is an ordinary 404 (echoed with the bytes replaced).
    auto odd = http_request(a.web_port, "GET", "/nope\xff\xfe");
    EXPECT_EQ(odd.status, 404) << odd.body;
    EXPECT_TRUE(odd.json().is_object()) << odd.body;
}

TEST(ApiWrite, BanAndUnbanPersistAndMirrorTheReferenceFile) {
    const auto dir = test_dir("api-ban");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const std::string sid = test_signing_key(4).signing_id;
    ASSERT_TRUE(a.start({"--ban-word", "casino"})) << a.log();

    for (const auto& [body, error] : std::vector<std::pair<std::string, std::string>>{
             {"{}", "bad ban"},
             {R"({"word":"a","address":"b"})", "bad ban"},
             {R"({"signing_id":"xyz"})", "bad hex"},
             {R"({"type":"no-such-type"})", "invalid type"},
             {"nope", "bad json"}})
        expect_error(a.call("POST", "/msg/ban", body), 400, error, body);

    auto r = a.call("POST", "/msg/ban", R"({"signing_id":")" + sid + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["status"], "banned");
    EXPECT_EQ(r.json()["ban_type"], "signing_id");
    EXPECT_EQ(r.json()["value"], sid);
    EXPECT_EQ(a.call("POST", "/msg/ban", R"({"address":"mABCDEF"})").status, 200);
    EXPECT_EQ(a.call("POST", "/msg/ban", R"({"type":"chat"})").status, 200);

    auto bans = a.get("/msg/bans").json();
    EXPECT_EQ(bans["total_bans"], 4);
    EXPECT_EQ(bans["bans"]["signing_ids"][0], sid);
    EXPECT_EQ(bans["bans"]["words"][0], "casino");
    EXPECT_EQ(bans["bans"]["addresses"][0], "mABCDEF");

    // The reference's file beside the database.
    auto file = nlohmann::json::parse(std::ifstream(a.datadir() / "banned_senders.json"));
    EXPECT_EQ(file["signing_ids"][0], sid);
    EXPECT_EQ(file["keywords"][0], "casino");

    auto u = a.call("DELETE", "/msg/ban", R"({"address":"mABCDEF"})");
    EXPECT_EQ(u.status, 200) << u.body;
    EXPECT_EQ(u.json()["status"], "unbanned");
    expect_error(a.call("DELETE", "/msg/ban", R"({"address":"mABCDEF"})"), 404, "not banned",
                 "unban twice");

    // Survives kill -9 and restart (without the flag: the database remembers).
    a.kill9();
    ASSERT_TRUE(a.start({})) << a.log();
    bans = a.get("/msg/bans").json();
    EXPECT_EQ(bans["total_bans"], 3) << bans.dump();
    EXPECT_EQ(bans["bans"]["addresses"].size(), 0u);
}

TEST(ApiWrite, RotateKeyFollowsTheIndexRules) {
    const auto dir = test_dir("api-rotate");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const auto k0 = test_signing_key(5, 0), k1 = test_signing_key(5, 1),
               k2 = test_signing_key(5, 2);
    ASSERT_TRUE(a.start(key_flags(k1))) << a.log();
    auto id = a.get("/msg/identity").json();
    EXPECT_TRUE(id["messaging_enabled"].get<bool>());
    EXPECT_EQ(id["signing_id"], k1.signing_id);
    EXPECT_EQ(id["key_index"], 1);

    expect_error(a.call("POST", "/msg/rotate_key", "{}"), 400, "missing signing_key", "empty");
    expect_error(a.call("POST", "/msg/rotate_key", R"({"signing_key":"nope","key_index":3})"), 400,
                 "bad signing key", "bad wif");
    expect_error(
        a.call("POST", "/msg/rotate_key", R"({"signing_key":")" + k0.wif + R"(","key_index":0})"),
        400, "key index not higher", "lower index");
    expect_error(
        a.call("POST", "/msg/rotate_key", R"({"signing_key":")" + k2.wif + R"(","key_index":-2})"),
        400, "bad key_index", "negative");

    auto r = a.call("POST", "/msg/rotate_key",
                    R"({"signing_key":")" + k2.wif + R"(","key_index":2,"delegation":")" +
                        k2.delegation + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["status"], "rotated");
    EXPECT_EQ(r.json()["signing_id"], k2.signing_id);
    EXPECT_EQ(r.json()["previous_signing_id"], k1.signing_id);
    EXPECT_EQ(a.get("/msg/identity").json()["key_index"], 2);

    // signing_key.json (seed 000 §5.4) follows.
    auto state = nlohmann::json::parse(std::ifstream(a.datadir() / "signing_key.json"));
    EXPECT_EQ(state["key_index"], 2);
    EXPECT_EQ(state["signing_id"], k2.signing_id);
    EXPECT_FALSE(state["last_rotated"].is_null());
    for (const char* f : {"created", "messages_signed"})
        EXPECT_TRUE(state.contains(f)) << f;

    // A restart with the old flags keeps the rotated key; a lower index than in use is refused.
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start(key_flags(k1))) << a.log();
    EXPECT_EQ(a.get("/msg/identity").json()["signing_id"], k2.signing_id);
    ASSERT_EQ(a.stop(), 0);
    std::filesystem::remove(a.datadir() / "signing_key.secret");
    EXPECT_FALSE(a.start(key_flags(k0)));
    EXPECT_NE(a.log().find("lower than the index in use"), std::string::npos);
}

TEST(ApiWrite, StreamDeliversStoredMessages) {
    const auto dir = test_dir("api-stream");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(
        a.start({"--status-interval", "0.5", "--share-period", "0.3", "--transition-message",
                 test_authority_blob("stream alert test", "required")}))
        << a.log();
    int fd = connect_local(a.web_port, 1000);
    ASSERT_GE(fd, 0);
    const std::string req = "GET /msg/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    auto got = read_stream_until(fd, "NODE_STATUS", std::chrono::seconds(20));
    EXPECT_NE(got.find("text/event-stream"), std::string::npos) << got;
    EXPECT_NE(got.find("event: message\ndata: {"), std::string::npos) << got;
    EXPECT_NE(got.find("NODE_STATUS"), std::string::npos) << got;

    // Several more streams and a client that never reads do not stop the others.
    std::vector<int> idle;
    for (int i = 0; i < 50; ++i)
        idle.push_back(connect_local(a.web_port, 1000));
    int stuck = connect_local(a.web_port, 1000);
    ::send(stuck, req.data(), req.size(), MSG_NOSIGNAL);
    const std::string partial = "GET /msg/recent HTTP/1.1\r\nHost: 127";  // never finished
    int slow = connect_local(a.web_port, 1000);
    ::send(slow, partial.data(), partial.size(), MSG_NOSIGNAL);
    EXPECT_EQ(a.get("/msg/recent").status, 200);
    got = read_stream_until(fd, "NODE_STATUS", std::chrono::seconds(20));
    EXPECT_NE(got.find("NODE_STATUS"), std::string::npos) << got;
    for (int f : idle)
        if (f >= 0) ::close(f);
    ::close(stuck);
    ::close(slow);
    ::close(fd);
    EXPECT_EQ(a.get("/health").status, 200);
}

TEST(ApiWrite, StartupFlagsAndBootstrapMessages) {
    const auto dir = test_dir("api-startup");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    // An authority blob in DATADIR/bootstrap_messages/ is loaded (and embedded in mined shares).
    std::filesystem::create_directories(a.datadir() / "bootstrap_messages");
    std::ofstream(a.datadir() / "bootstrap_messages" / "drill.hex")
        << test_authority_blob("bootstrap drill") << "\n";
    std::ofstream(a.datadir() / "bootstrap_messages" / "junk.hex") << "not hex at all\n";
    auto flags = key_flags(test_signing_key(13));
    const std::string sid = test_signing_key(14).signing_id;
    flags.insert(flags.end(), {"--mine", "false", "--message", "queued at start", "--announce",
                               "pool notice", "--ban-sender", sid, "--ban-address", "mXYZ"});
    ASSERT_TRUE(a.start(flags)) << a.log();
    EXPECT_NE(a.log().find("junk.hex: not a valid authority blob"), std::string::npos) << a.log();
    auto recent = a.get("/msg/recent").json();
    bool bootstrap = false;
    for (const auto& m : recent["messages"])
        bootstrap |= m.value("payload", "").find("bootstrap drill") != std::string::npos &&
                     m.value("protocol_authority", false);
    EXPECT_TRUE(bootstrap) << recent.dump();
    ASSERT_TRUE(wait_until([&] { return a.call("GET", "/msg/outbox").json()["queued"] >= 2; },
                           std::chrono::seconds(10)))
        << a.call("GET", "/msg/outbox").body;
    auto bans = a.get("/msg/bans").json();
    EXPECT_EQ(bans["bans"]["signing_ids"][0], sid);
    EXPECT_EQ(bans["bans"]["addresses"][0], "mXYZ");
    // The node lists the key it signs with (mode 0600); a damaged list is reported, left as it
    // is, and the node serves on.
    ASSERT_EQ(a.stop(), 0);
    const auto keys = a.datadir() / "signing_keys.json";
    ASSERT_TRUE(std::filesystem::exists(keys));
    EXPECT_EQ(std::filesystem::status(keys).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::ofstream(keys) << "{ damaged";
    ASSERT_TRUE(a.start(flags)) << a.log();
    EXPECT_NE(a.log().find("signing_keys.json: not a key list"), std::string::npos) << a.log();
    EXPECT_EQ(a.get("/msg/identity").json()["signing_id"], test_signing_key(13).signing_id);
    {
        std::ifstream in(keys);
        EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "{ damaged");
    }
    // Bad flags stop the start with a clear reason.
    ASSERT_EQ(a.stop(), 0);
    EXPECT_FALSE(a.start({"--ban-sender", "xyz"}));
    EXPECT_NE(a.log().find("--ban-sender xyz"), std::string::npos);
}
