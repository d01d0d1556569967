// Fuzz target: the share log reader (node/share_log.hpp), which reads DATADIR/shares.log back
// at start (a damaged file is outside bytes). The input is written to a file in a scratch
// directory and opened as the log.
//
// Properties: opening never crashes; every record it reads is at most MAX_RECORD bytes; the
// log it leaves is clean: opening it again reads the same records with no warning, and a
// record appended then is read back after them.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "node/share_log.hpp"

using namespace sharemsg;

namespace {
std::vector<Bytes> read_log(const std::string& path, std::size_t* warnings) {
    std::vector<Bytes> out;
    node::ShareLog log;
    auto st = log.open(
        path, [&](ByteView b) { out.emplace_back(b.begin(), b.end()); },
        [&](const std::string& w) {
            FUZZ_CHECK(!w.empty());
            ++*warnings;
        });
    FUZZ_CHECK(static_cast<bool>(st));
    FUZZ_CHECK(log.records() == out.size());
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string dir = [] {
        // Memory-backed when the system has it: every open and append syncs.
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::temp_directory_path();
        auto d = base / ("fuzz_share_log-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d.string();
    }();
    const std::string path = dir + "/shares.log";
    std::filesystem::remove(path);
    std::filesystem::remove(path + ".tmp");
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size) std::fwrite(data, 1, size, f);
        std::fclose(f);
    }
    std::size_t warnings = 0;
    const auto first = read_log(path, &warnings);
    for (const auto& b : first)
        FUZZ_CHECK(b.size() <= node::ShareLog::MAX_RECORD);
    warnings = 0;
    const auto again = read_log(path, &warnings);
    FUZZ_CHECK(warnings == 0);
    FUZZ_CHECK(again == first);
    {
        node::ShareLog log;
        FUZZ_CHECK(static_cast<bool>(log.open(
            path, [](ByteView) {}, [](const std::string&) {})));
        FUZZ_CHECK(static_cast<bool>(log.append(Bytes{1, 2, 3})));
    }
    const auto appended = read_log(path, &warnings);
    FUZZ_CHECK(warnings == 0);
    FUZZ_CHECK(appended.size() == first.size() + 1 && appended.back() == (Bytes{1, 2, 3}));
    return 0;
}
