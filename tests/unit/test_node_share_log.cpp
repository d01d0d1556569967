#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "crypto/hash.hpp"
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
        f.seekp(8 + 12 + 2);  // in the body of the only record
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
    EXPECT_EQ(std::filesystem::file_size(path), 8 + 3 * (12 + 100) + (12 + 1));

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

namespace {
// A log of `n` records of 100 bytes each (record i filled with i), closed.
void write_log(const std::string& path, std::uint8_t n) {
    node::ShareLog log;
    ASSERT_TRUE(log.open(
        path, [](ByteView) {}, [](const std::string&) {}));
    for (std::uint8_t i = 0; i < n; ++i)
        ASSERT_TRUE(log.append(Bytes(100, i)));
}
// Where record i starts in such a log (file header, then 12 + 100 bytes per record).
std::streamoff record_offset(int i) {
    return 8 + i * (12 + 100);
}
void overwrite(const std::string& path, std::streamoff at, const Bytes& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(at);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}
}  // namespace

// One bad record in the middle costs only itself: the records after it are read, the log is
// rewritten without the damage, and appending goes on.
TEST(NodeShareLog, DamagedRecordInTheMiddleCostsOnlyItself) {
    struct Case {
        const char* name;
        std::streamoff offset;  // from the start of record 4
        Bytes bytes;
    };
    const std::vector<Case> cases = {
        {"body byte flipped", 12 + 50, Bytes{0xee}},
        {"check damaged", 8, Bytes{0, 0, 0, 0}},
        {"length oversized", 4, Bytes{0xff, 0xff, 0xff, 0x7f}},
        {"length shorter", 4, Bytes{10, 0, 0, 0}},
        {"length longer, still inside the file", 4, Bytes{0x20, 0x01, 0, 0}},
        {"magic damaged", 0, Bytes{0, 0}},
        {"zeroed block over two records", 30, Bytes(150, 0)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto path = tmp_file("sharelog-middle");
        write_log(path, 10);
        overwrite(path, record_offset(4) + c.offset, c.bytes);
        std::vector<std::string> warnings;
        auto recs = load(path, &warnings);
        const std::size_t lost = c.bytes.size() > 100 ? 2 : 1;
        ASSERT_EQ(recs.size(), 10 - lost);
        for (std::size_t i = 0; i < recs.size(); ++i) {
            const std::uint8_t want = static_cast<std::uint8_t>(i < 4 ? i : i + lost);
            EXPECT_EQ(recs[i], Bytes(100, want)) << "record " << i;
        }
        ASSERT_FALSE(warnings.empty());
        EXPECT_NE(warnings[0].find("corrupt record at byte " + std::to_string(record_offset(4))),
                  std::string::npos)
            << warnings[0];
        EXPECT_NE(warnings[0].find("kept"), std::string::npos) << warnings[0];
        // Rewritten clean: the next start reads the same records without a warning, and
        // appends go after them.
        EXPECT_EQ(std::filesystem::file_size(path), 8 + (10 - lost) * (12 + 100));
        {
            node::ShareLog log;
            warnings.clear();
            ASSERT_TRUE(log.open(
                path, [](ByteView) {}, [&](const std::string& w) { warnings.push_back(w); }));
            EXPECT_TRUE(warnings.empty()) << warnings.front();
            EXPECT_EQ(log.records(), 10 - lost);
            ASSERT_TRUE(log.append(Bytes{42}));
        }
        recs = load(path);
        ASSERT_EQ(recs.size(), 11 - lost);
        EXPECT_EQ(recs.back(), Bytes{42});
        std::filesystem::remove(path);
    }
}

TEST(NodeShareLog, DamageInTheMiddleAndATornTail) {
    const auto path = tmp_file("sharelog-both");
    write_log(path, 6);
    overwrite(path, record_offset(2) + 20, Bytes{1, 2, 3});
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 30);
    std::vector<std::string> warnings;
    auto recs = load(path, &warnings);
    ASSERT_EQ(recs.size(), 4u);  // 0, 1, 3, 4
    EXPECT_EQ(recs[2], Bytes(100, 3));
    EXPECT_EQ(recs[3], Bytes(100, 4));
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_NE(warnings[0].find("corrupt record"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[1].find("incomplete record"), std::string::npos) << warnings[1];
    warnings.clear();
    EXPECT_EQ(load(path, &warnings).size(), 4u);
    EXPECT_TRUE(warnings.empty());
    std::filesystem::remove(path);
}

TEST(NodeShareLog, DamagedFileHeaderKeepsTheRecords) {
    const auto path = tmp_file("sharelog-header");
    write_log(path, 3);
    overwrite(path, 0, Bytes{'X', 'X'});
    std::vector<std::string> warnings;
    auto recs = load(path, &warnings);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[2], Bytes(100, 2));
    ASSERT_FALSE(warnings.empty());
    EXPECT_NE(warnings[0].find("header damaged"), std::string::npos) << warnings[0];
    warnings.clear();
    EXPECT_EQ(load(path, &warnings).size(), 3u);
    EXPECT_TRUE(warnings.empty());
    std::filesystem::remove(path);
}

TEST(NodeShareLog, OversizedBodyIsRefusedByAppend) {
    const auto path = tmp_file("sharelog-oversize");
    node::ShareLog log;
    ASSERT_TRUE(log.open(
        path, [](ByteView) {}, [](const std::string&) {}));
    auto st = log.append(Bytes(node::ShareLog::MAX_RECORD + 1, 1));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::oversize);
    ASSERT_TRUE(log.append(Bytes(node::ShareLog::MAX_RECORD, 1)));
    EXPECT_EQ(log.records(), 1u);
    std::filesystem::remove(path);
}

// A log written by the previous format (le32 length || sha256d(body)[:4] || body, no file
// header) is read and rewritten in the current one.
TEST(NodeShareLog, FormatOneIsReadAndRewritten) {
    const auto path = tmp_file("sharelog-v1");
    {
        ByteWriter w;
        for (std::uint8_t i = 0; i < 3; ++i) {
            const Bytes body(40, i);
            w.u32le(static_cast<std::uint32_t>(body.size()));
            const auto h = crypto::sha256d(body);
            w.bytes(ByteView(h).first(4));
            w.bytes(body);
        }
        const Bytes file = std::move(w).take();
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(file.data()),
                   static_cast<std::streamsize>(file.size()));
    }
    std::vector<std::string> warnings;
    auto recs = load(path, &warnings);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[1], Bytes(40, 1));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("format 1 (3 records) rewritten"), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(path), 8 + 3 * (12 + 40));
    warnings.clear();
    EXPECT_EQ(load(path, &warnings).size(), 3u);
    EXPECT_TRUE(warnings.empty());
    std::filesystem::remove(path);
}
