// The data directory of a real sharemsgd: private modes whatever the umask, one node per
// directory (the lock), the signing key given without the command line, and a rotation that
// takes effect only once it is durable.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <future>
#include <map>

#include "harness.hpp"
#include "store/database.hpp"

using namespace itest;

namespace {

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return 0xffff;
    return st.st_mode & 07777;
}

// Sets the test process's umask (inherited by the daemons it starts) for one scope.
struct Umask {
    mode_t old;
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
};

// Every entry of the data directory the node wrote (the harness writes sharemsgd.log), with
// its mode.
std::map<std::string, unsigned> node_files(const fs::path& dir) {
    std::map<std::string, unsigned> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name == "sharemsgd.log") continue;
        out[name] = mode_of(e.path());
    }
    return out;
}

std::string modes_text(const std::map<std::string, unsigned>& files) {
    std::string s;
    for (const auto& [name, mode] : files) {
        char buf[16];
        std::snprintf(buf, sizeof buf, " %04o", mode);
        s += name + buf + "\n";
    }
    return s;
}

HttpResult rotate(Daemon& d, const TestKey& k, int timeout_ms = 2000) {
    return http_request(d.web_port, "POST", "/msg/rotate_key",
                        R"({"signing_key":")" + k.wif + R"(","key_index":)" +
                            std::to_string(k.index) + R"(,"delegation":")" + k.delegation + "\"}",
                        "Authorization: Bearer " + d.token() + "\r\n", timeout_ms);
}

std::string signing_id(Daemon& d) {
    return d.get("/msg/identity").json().value("signing_id", "");
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
        ++n;
    return n;
}

const std::vector<std::string> kQuiet = {"--mine", "false", "--status-interval", "0"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

// Under umask 022 the node's files would be readable by every local user (sharemsg.db-wal
// holds decrypted private text, .cookie the API token): the directory is 0700 and every
// file in it 0600. Files and a directory left looser (by an older version, or by hand) are
// tightened at the next start, with a warning.
TEST(Datadir, FilesArePrivateWhateverTheUmask) {
    Umask umask(022);
    const auto dir = test_dir("datadir-modes");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_EQ(mode_of(a.datadir()), 0755u);  // as the harness made it
    const auto k0 = test_signing_key(7, 0), k1 = test_signing_key(7, 1);
    ASSERT_TRUE(a.start(with(key_flags(k0), {"--share-period", "0.2"}))) << a.log();
    // Something in every file: a message in the database, shares in the log, a rotation.
    auto sent = a.call("POST", "/msg/send", R"({"type":"chat","text":"private modes"})");
    ASSERT_EQ(sent.status, 200) << sent.body;
    ASSERT_EQ(rotate(a, k1).status, 200) << a.log();
    ASSERT_TRUE(wait_until([&] { return a.get("/health").json().value("shares", 0) >= 2; },
                           std::chrono::seconds(20)));

    auto files = node_files(a.datadir());
    for (const char* f : {"sharemsg.db", "sharemsg.db-wal", "sharemsg.db-shm", "shares.log",
                          ".cookie", ".lock", "signing_key.json", "signing_key.secret",
                          "signing_keys.json", "banned_senders.json", "payout_pubkey_hash"})
        EXPECT_TRUE(files.count(f)) << f << " missing; the datadir holds\n" << modes_text(files);
    EXPECT_EQ(mode_of(a.datadir()), 0700u);
    for (const auto& [name, mode] : files)
        EXPECT_EQ(mode & 077, 0u) << name << " has mode " << modes_text({{name, mode}});
    EXPECT_NE(a.log().find("had mode 0755; tightened to 0700"), std::string::npos) << a.log();

    // An older version's modes: tightened at the next start.
    ASSERT_EQ(a.stop(), 0);
    ::chmod(a.datadir().c_str(), 0755);
    for (const auto& [name, mode] : node_files(a.datadir()))
        ::chmod((a.datadir() / name).c_str(), 0644);
    ASSERT_TRUE(a.start(key_flags(k0))) << a.log();
    files = node_files(a.datadir());
    EXPECT_EQ(mode_of(a.datadir()), 0700u);
    for (const auto& [name, mode] : files)
        EXPECT_EQ(mode & 077, 0u) << name << " has mode " << modes_text({{name, mode}});
    EXPECT_NE(a.log().find(".cookie: had mode 0644; tightened to 0600"), std::string::npos)
        << a.log();
}

// A second node on the same directory stops before it changes anything: the running node
// keeps its token (the tools read it from .cookie) and keeps serving.
TEST(Datadir, SecondNodeOnTheSameDirectoryRefusesToStart) {
    const auto dir = test_dir("datadir-lock");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start(with(key_flags(test_signing_key(8)), kQuiet))) << a.log();
    const pid_t a_pid = a.pid();
    const std::string token = a.token();
    const auto cookie_time = fs::last_write_time(a.datadir() / ".cookie");
    const auto db_time = fs::last_write_time(a.datadir() / "sharemsg.db");

    Daemon b(SHAREMSGD_PATH, a.datadir());  // other ports, same directory
    ASSERT_TRUE(b.spawn(key_flags(test_signing_key(9))));
    const auto code = b.wait_exit(std::chrono::seconds(20));
    ASSERT_TRUE(code.has_value()) << "the second node did not exit\n" << a.log();
    EXPECT_NE(*code, 0);
    EXPECT_NE(a.log().find("is in use by another process (pid " + std::to_string(a_pid) + ")"),
              std::string::npos)
        << a.log();
    EXPECT_EQ(http_request(b.web_port, "GET", "/health").status, 0);

    EXPECT_EQ(a.token(), token);
    EXPECT_EQ(fs::last_write_time(a.datadir() / ".cookie"), cookie_time);
    EXPECT_EQ(fs::last_write_time(a.datadir() / "sharemsg.db"), db_time);
    EXPECT_EQ(a.get("/health").status, 200);
    EXPECT_EQ(a.call("GET", "/msg/outbox").status, 200);  // the token still opens it
    EXPECT_EQ(signing_id(a), test_signing_key(8).signing_id);

    // Once the first has stopped, the directory is free.
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(b.start(with(key_flags(test_signing_key(8)), kQuiet))) << a.log();
    EXPECT_NE(b.token(), token);
}

// The key from a 0600 file or from standard input never appears on the command line; on
// the command line it still works, with a warning.
TEST(Datadir, SigningKeyFromAFileOrStandardInput) {
    const auto dir = test_dir("datadir-keyfile");
    const auto k = test_signing_key(10);
    const fs::path key_file = dir / "signing.key";
    std::ofstream(key_file) << k.wif << "\n";
    ::chmod(key_file.c_str(), 0600);
    const std::vector<std::string> index_and_delegation = {
        "--signing-key-index", "0", "--signing-key-delegation", k.delegation};
    const std::string warning = "--signing-key on the command line";

    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(a.start(
        with(with({"--signing-key-file", key_file.string()}, index_and_delegation), kQuiet)))
        << a.log();
    EXPECT_EQ(signing_id(a), k.signing_id);
    {
        std::ifstream cmdline("/proc/" + std::to_string(a.pid()) + "/cmdline");
        std::stringstream ss;
        ss << cmdline.rdbuf();
        EXPECT_EQ(ss.str().find(k.wif), std::string::npos);
    }
    EXPECT_EQ(a.log().find(warning), std::string::npos);
    ASSERT_EQ(a.stop(), 0);

    // A key file other users may read is refused.
    ::chmod(key_file.c_str(), 0644);
    ASSERT_TRUE(a.spawn(with({"--signing-key-file", key_file.string()}, index_and_delegation)));
    EXPECT_EQ(a.wait_exit(std::chrono::seconds(20)).value_or(-100), 2);
    EXPECT_NE(a.log().find("has mode 0644: other users may read or change the signing key"),
              std::string::npos)
        << a.log();

    // Standard input.
    a.stdin_path = key_file.string();
    ASSERT_TRUE(a.start(with(with({"--signing-key-file", "-"}, index_and_delegation), kQuiet)))
        << a.log();
    EXPECT_EQ(signing_id(a), k.signing_id);
    ASSERT_EQ(a.stop(), 0);
    a.stdin_path.clear();

    // On the command line: it works, and the log says why it should not be there.
    ASSERT_TRUE(a.start(with(key_flags(k), kQuiet))) << a.log();
    EXPECT_EQ(signing_id(a), k.signing_id);
    EXPECT_EQ(count(a.log(), warning), 1u) << a.log();
    ASSERT_EQ(a.stop(), 0);

    // In a config file (scripts/devnet.sh writes one, 0600): no warning unless others may
    // read it.
    const fs::path conf = dir / "key.conf";
    std::ofstream(conf) << "signing-key = \"" << k.wif << "\"\nsigning-key-delegation = \""
                        << k.delegation << "\"\n";
    ::chmod(conf.c_str(), 0600);
    ASSERT_TRUE(a.start(with({"--config", conf.string()}, kQuiet))) << a.log();
    EXPECT_EQ(signing_id(a), k.signing_id);
    ASSERT_EQ(a.stop(), 0);
    const std::string loose_conf = "holds the signing key and other users may read it";
    EXPECT_EQ(a.log().find(loose_conf), std::string::npos);
    ::chmod(conf.c_str(), 0644);
    ASSERT_TRUE(a.start(with({"--config", conf.string()}, kQuiet))) << a.log();
    EXPECT_NE(a.log().find(loose_conf), std::string::npos) << a.log();
    EXPECT_EQ(count(a.log(), warning), 1u);
}

// A rotation whose new key cannot be written to the data directory: 503 with the reason,
// and the old key stays in use (now and after a restart).
TEST(KeyRotation, NewKeyThatCannotBeWrittenKeepsTheOldKey) {
    const auto dir = test_dir("rotate-unwritable");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const auto k0 = test_signing_key(11, 0), k1 = test_signing_key(11, 1);
    ASSERT_TRUE(a.start(with(key_flags(k0), kQuiet))) << a.log();
    // A directory where the new key's file goes: the rename over it fails (also for root,
    // for whom a read-only directory would not).
    fs::create_directory(a.datadir() / "signing_key.secret.new");
    auto r = rotate(a, k1);
    ASSERT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.json()["error"], "not stored");
    const std::string detail = r.json().value("detail", "");
    EXPECT_NE(detail.find("could not be saved"), std::string::npos) << detail;
    EXPECT_NE(detail.find("old key stays in use"), std::string::npos) << detail;
    EXPECT_EQ(signing_id(a), k0.signing_id);
    EXPECT_EQ(a.get("/msg/identity").json()["key_index"], 0);
    ASSERT_EQ(a.stop(), 0);
    fs::remove(a.datadir() / "signing_key.secret.new");
    ASSERT_TRUE(a.start(with(key_flags(k0), kQuiet))) << a.log();
    EXPECT_EQ(signing_id(a), k0.signing_id);
    ASSERT_EQ(rotate(a, k1).status, 200);
    EXPECT_EQ(signing_id(a), k1.signing_id);
}

// A rotation whose database commit fails (another process holds the database's write lock
// past the busy timeout): 503 with the reason, the old key in use, nothing of the new key
// left to be picked up by a restart. A second rotation while the first is being saved is
// refused with 409.
TEST(KeyRotation, FailedCommitKeepsTheOldKey) {
    const auto dir = test_dir("rotate-commit");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const auto k0 = test_signing_key(12, 0), k1 = test_signing_key(12, 1),
               k2 = test_signing_key(12, 2);
    ASSERT_TRUE(a.start(with(key_flags(k0), kQuiet))) << a.log();
    {
        auto blocker =
            sharemsg::store::Database::open_writer((a.datadir() / "sharemsg.db").string());
        ASSERT_TRUE(blocker) << blocker.error().reason;
        ASSERT_TRUE(blocker->exec("BEGIN EXCLUSIVE"));
        auto first = std::async(std::launch::async, [&] { return rotate(a, k1, 30000); });
        // Once the new key is on disk, its database row is being written.
        ASSERT_TRUE(wait_until([&] { return fs::exists(a.datadir() / "signing_key.secret.new"); },
                               std::chrono::seconds(10)))
            << a.log();
        auto second = rotate(a, k2);
        EXPECT_EQ(second.status, 409) << second.body;
        EXPECT_EQ(second.json()["error"], "rotation in progress");
        EXPECT_EQ(signing_id(a), k0.signing_id);  // not switched before the commit

        auto r = first.get();
        ASSERT_EQ(r.status, 503) << r.body << "\n" << a.log();
        EXPECT_EQ(r.json()["error"], "not stored");
        const std::string detail = r.json().value("detail", "");
        EXPECT_NE(detail.find("busy"), std::string::npos) << detail;
        EXPECT_NE(detail.find("old key stays in use"), std::string::npos) << detail;
        ASSERT_TRUE(blocker->exec("ROLLBACK"));
    }
    EXPECT_EQ(signing_id(a), k0.signing_id);
    EXPECT_FALSE(fs::exists(a.datadir() / "signing_key.secret.new"));
    EXPECT_FALSE(fs::exists(a.datadir() / "signing_key.secret"));
    // A restart keeps the old key; a new attempt goes through.
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start(with(key_flags(k0), kQuiet))) << a.log();
    EXPECT_EQ(signing_id(a), k0.signing_id);
    auto r = rotate(a, k1);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(signing_id(a), k1.signing_id);
    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start(with(key_flags(k0), kQuiet))) << a.log();
    EXPECT_EQ(signing_id(a), k1.signing_id);
}
