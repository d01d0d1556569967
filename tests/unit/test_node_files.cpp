#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/files.hpp"

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
