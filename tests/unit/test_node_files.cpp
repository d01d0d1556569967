#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "node/files.hpp"
#include "node/signing_keys.hpp"

using namespace sharemsg;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
    auto d = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}
}  // namespace

TEST(NodeFiles, AtomicWriteReplacesWholeAndLeavesNoTemp) {
    auto d = fresh_dir("files-atomic");
    const auto path = (d / "f.txt").string();
    ASSERT_TRUE(node::write_file_atomic(path, "one", 0600));
    ASSERT_TRUE(node::write_file_atomic(path, "two two", 0644));
    EXPECT_EQ(*node::read_file(path), "two two");
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                  fs::perms::others_read);
    std::size_t n = 0;
    for (auto& e : fs::directory_iterator(d))
        n += e.is_regular_file();
    EXPECT_EQ(n, 1u);
    EXPECT_FALSE(node::write_file_atomic((d / "missing" / "x").string(), "x", 0600));
    EXPECT_EQ(node::read_file((d / "nope").string()).error().code, Errc::not_found);
}

TEST(NodeFiles, BanListRoundTripAndCorruptFileMovedAside) {
    auto d = fresh_dir("files-bans");
    const auto path = (d / "banned_senders.json").string();
    std::string warning;
    EXPECT_TRUE(node::load_ban_list(path, &warning).empty());  // missing: empty, no warning
    EXPECT_TRUE(warning.empty());

    proto::BanList b;
    b.ban_keyword("SCAM");
    b.ban_address("LaAddr1");
    b.ban_type(2);
    ASSERT_TRUE(node::save_ban_list(path, b));
    auto loaded = node::load_ban_list(path, &warning);
    EXPECT_EQ(loaded.to_json(), b.to_json());
    EXPECT_EQ(*node::read_file(path), b.to_file_text());

    std::ofstream(path) << "{not json";
    warning.clear();
    EXPECT_TRUE(node::load_ban_list(path, &warning).empty());
    EXPECT_NE(warning.find("moved to"), std::string::npos);
    EXPECT_TRUE(fs::exists(path + ".corrupt"));
    EXPECT_FALSE(fs::exists(path));
}

namespace {
unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}
// Sets the umask for one scope.
struct Umask {
    mode_t old;
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
};
}  // namespace

TEST(NodeFiles, AtomicWriteModeIsExactWhateverTheUmask) {
    auto d = fresh_dir("files-umask");
    Umask u(0277);  // would take the owner's write bit away
    ASSERT_TRUE(node::write_file_atomic((d / "a").string(), "x", 0600));
    EXPECT_EQ(mode_of(d / "a"), 0600u);
}

TEST(NodeFiles, PrivateDirIsCreatedOrTightened) {
    auto d = fresh_dir("files-private");
    {
        Umask u(022);
        std::string warning;
        ASSERT_TRUE(node::make_private_dir((d / "x" / "y" / "data").string(), &warning));
        EXPECT_EQ(mode_of(d / "x" / "y" / "data"), 0700u);
        EXPECT_TRUE(warning.empty()) << warning;
        // A trailing slash names the same directory.
        ASSERT_TRUE(node::make_private_dir((d / "x" / "y" / "data").string() + "/", &warning));
        EXPECT_TRUE(warning.empty()) << warning;
    }
    fs::create_directories(d / "loose");
    ::chmod((d / "loose").c_str(), 0755);
    std::string warning;
    ASSERT_TRUE(node::make_private_dir((d / "loose").string(), &warning));
    EXPECT_EQ(mode_of(d / "loose"), 0700u);
    EXPECT_NE(warning.find("had mode 0755; tightened to 0700"), std::string::npos) << warning;

    std::ofstream(d / "file") << "x";
    auto st = node::make_private_dir((d / "file").string());
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().reason.find("not a directory"), std::string::npos);

    ::chmod((d / "file").c_str(), 0644);
    warning.clear();
    ASSERT_TRUE(node::make_private_file((d / "file").string(), &warning));
    EXPECT_EQ(mode_of(d / "file"), 0600u);
    EXPECT_NE(warning.find("had mode 0644; tightened to 0600"), std::string::npos) << warning;
    warning.clear();
    ASSERT_TRUE(node::make_private_file((d / "file").string(), &warning));  // already private
    ASSERT_TRUE(node::make_private_file((d / "missing").string(), &warning));
    EXPECT_TRUE(warning.empty()) << warning;
}

TEST(NodeFiles, DirLockIsExclusiveUntilReleased) {
    auto d = fresh_dir("files-lock");
    {
        auto first = node::DirLock::acquire(d.string());
        ASSERT_TRUE(first) << first.error().reason;
        EXPECT_TRUE(first->held());
        EXPECT_EQ(mode_of(d / ".lock"), 0600u);
        EXPECT_EQ(*node::read_file((d / ".lock").string()), std::to_string(::getpid()) + "\n");
        auto second = node::DirLock::acquire(d.string());
        ASSERT_FALSE(second);
        EXPECT_NE(second.error().reason.find("in use by another process (pid " +
                                             std::to_string(::getpid()) + ")"),
                  std::string::npos)
            << second.error().reason;
        node::DirLock moved = std::move(*first);  // still held
        EXPECT_FALSE(node::DirLock::acquire(d.string()));
    }
    auto again = node::DirLock::acquire(d.string());  // released with its last holder
    EXPECT_TRUE(again) << again.error().reason;
}

TEST(NodeFiles, SigningKeyFileMustBePrivate) {
    auto d = fresh_dir("files-keyfile");
    const auto path = (d / "key").string();
    std::ofstream(path) << "  cWIFWIFWIF  \nsecond line\n";
    ::chmod(path.c_str(), 0600);
    std::istringstream none;
    auto k = node::read_signing_key_file(path, none);
    ASSERT_TRUE(k) << k.error().reason;
    EXPECT_EQ(*k, "cWIFWIFWIF");

    ::chmod(path.c_str(), 0640);
    k = node::read_signing_key_file(path, none);
    ASSERT_FALSE(k);
    EXPECT_NE(k.error().reason.find("has mode 0640"), std::string::npos) << k.error().reason;
    EXPECT_NE(k.error().reason.find("chmod 600"), std::string::npos) << k.error().reason;

    std::istringstream in("cFROMSTDIN\n");
    k = node::read_signing_key_file("-", in);
    ASSERT_TRUE(k) << k.error().reason;
    EXPECT_EQ(*k, "cFROMSTDIN");
    std::istringstream empty("\n");
    EXPECT_FALSE(node::read_signing_key_file("-", empty));
    EXPECT_EQ(node::read_signing_key_file((d / "missing").string(), none).error().code,
              Errc::not_found);
}
