#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/share_log.hpp"

using namespace sharemsg;

namespace {
std::string tmp_file(const std::string& name) {
    auto p = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    std::filesystem::remove(p);
    return p.string();
}
std::vector<Bytes> load(const std::string& path, std::vector<std::string>* warnings = nullptr) {
    std::vector<Bytes> out;
    node::ShareLog log;
    auto st = log.open(
        path, [&](ByteView b) { out.emplace_back(b.begin(), b.end()); },
        [&](const std::string& w) {
            if (warnings) warnings->push_back(w);
        });
    EXPECT_TRUE(st) << (st ? "" : st.error().reason);
    return out;
}
}  // namespace

TEST(NodeShareLog, AppendsAndReloads) {
    const auto path = tmp_file("sharelog-a");
    {
        node::ShareLog log;
        ASSERT_TRUE(log.open(
            path, [](ByteView) {}, [](const std::string&) {}));
        ASSERT_TRUE(log.append(Bytes{1, 2, 3}));
        ASSERT_TRUE(log.append(Bytes{}));
        ASSERT_TRUE(log.append(Bytes(1000, 7)));
    }
    auto recs = load(path);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0], (Bytes{1, 2, 3}));
    EXPECT_TRUE(recs[1].empty());
    EXPECT_EQ(recs[2], Bytes(1000, 7));
}

TEST(NodeShareLog, TornTailIsCutAndEarlierRecordsKept) {
    const auto path = tmp_file("sharelog-b");
    {
        node::ShareLog log;
        ASSERT_TRUE(log.open(
            path, [](ByteView) {}, [](const std::string&) {}));
        ASSERT_TRUE(log.append(Bytes{9, 9}));
        ASSERT_TRUE(log.append(Bytes(50, 1)));
    }
    // A crash in the middle of the second record.
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
    std::vector<std::string> warnings;
    auto recs = load(path, &warnings);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0], (Bytes{9, 9}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("incomplete record"), std::string::npos);
    // The tail was cut: appending again gives a clean log.
    {
        node::ShareLog log;
        ASSERT_TRUE(log.open(
            path, [](ByteView) {}, [](const std::string&) {}));
        ASSERT_TRUE(log.append(Bytes{5}));
    }
    warnings.clear();
    recs = load(path, &warnings);
    EXPECT_EQ(recs.size(), 2u);
    EXPECT_TRUE(warnings.empty());
}

TEST(NodeShareLog, CorruptRecordDetected) {
    const auto path = tmp_file("sharelog-c");
    {
        node::ShareLog log;
        ASSERT_TRUE(log.open(
            path, [](ByteView) {}, [](const std::string&) {}));
        ASSERT_TRUE(log.append(Bytes{1, 2, 3, 4}));
    }
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(9);
        f.put(static_cast<char>(0xff));
    }
    std::vector<std::string> warnings;
    EXPECT_TRUE(load(path, &warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("corrupt"), std::string::npos);
}

TEST(NodeShareLog, RewriteReplacesTheLogAndAppendingGoesOn) {
    const auto path = tmp_file("sharelog-rewrite");
    {
        node::ShareLog log;
        ASSERT_TRUE(log.open(
            path, [](ByteView) {}, [](const std::string&) {}));
        for (std::uint8_t i = 0; i < 10; ++i)
            ASSERT_TRUE(log.append(Bytes(100, i)));
        EXPECT_EQ(log.records(), 10u);
        auto st = log.rewrite({Bytes(100, 7), Bytes(100, 8), Bytes(100, 9)});
        ASSERT_TRUE(st) << st.error().reason;
        EXPECT_EQ(log.records(), 3u);
        ASSERT_TRUE(log.append(Bytes{42}));
        EXPECT_EQ(log.records(), 4u);
    }
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    auto recs = load(path);
    ASSERT_EQ(recs.size(), 4u);
    EXPECT_EQ(recs[0], Bytes(100, 7));
    EXPECT_EQ(recs[2], Bytes(100, 9));
    EXPECT_EQ(recs[3], Bytes{42});
    EXPECT_EQ(std::filesystem::file_size(path), 3 * (8 + 100) + (8 + 1));

    // A log that cannot be replaced (its directory is gone) stays in use.
    const auto dir =
        std::filesystem::temp_directory_path() / ("sharelog-dir-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    node::ShareLog log;
    ASSERT_TRUE(
        log.open((dir / "shares.log").string(), [](ByteView) {}, [](const std::string&) {}));
    ASSERT_TRUE(log.append(Bytes{1}));
    std::filesystem::remove_all(dir);
    auto st = log.rewrite({Bytes{2}});
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().reason.find("shares.log.tmp"), std::string::npos) << st.error().reason;
    EXPECT_EQ(log.records(), 1u);
    std::filesystem::remove(path);
}
