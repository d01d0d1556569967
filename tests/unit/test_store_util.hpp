// Helpers for the SQLite store tests: a fresh directory per test, and distinct messages.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "proto/constants.hpp"
#include "proto/message.hpp"
#include "store/database.hpp"
#include "store/load.hpp"
#include "store/ops.hpp"
#include "store/writer.hpp"

namespace sharemsg::test {

// A new, empty directory under the system temp dir, removed when the object goes.
class TempDir {
  public:
    explicit TempDir(const std::string& name) {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("sharemsg-" + name + "-" + std::to_string(::getpid()) + "-" +
                 std::to_string(++counter));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// Message number `i` (distinct hash for distinct i and seed), with every optional field set
// on odd i and left empty on even i.
inline proto::ShareMessage numbered_message(std::uint32_t i, std::uint32_t seed = 0,
                                            std::size_t payload_len = 24) {
    proto::ShareMessage m;
    m.msg_type = (i % 3 == 0) ? proto::MSG_MINER_MESSAGE
                              : (i % 3 == 1 ? proto::MSG_NODE_STATUS : proto::MSG_POOL_ANNOUNCE);
    m.timestamp = 1700000000u + i;
    std::string text = "msg " + std::to_string(seed) + "/" + std::to_string(i) + " ";
    while (text.size() < payload_len)
        text += static_cast<char>('a' + text.size() % 26);
    text.resize(payload_len);
    m.payload.assign(text.begin(), text.end());
    m.wire_flags = proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT | proto::FLAG_HAS_SIGNATURE;
    m.flags = m.wire_flags;
    m.signature = Bytes(70, static_cast<std::uint8_t>(i));
    if (i % 2 == 1) {
        m.wire_flags |= proto::FLAG_PROTOCOL_AUTHORITY;  // carried on the wire, not (yet) earned
        proto::SigningId id{};
        for (std::size_t k = 0; k < id.size(); ++k)
            id[k] = static_cast<std::uint8_t>(i * 7 + k);
        m.signing_id = id;
        m.sender_address = "Lsender" + std::to_string(i % 5);
        proto::ShareHash sh{};
        for (std::size_t k = 0; k < sh.size(); ++k)
            sh[k] = static_cast<std::uint8_t>(i + k);
        m.share_hash = sh;
        m.verified = true;
    }
    return m;
}

inline store::Database open_writer_db(const std::string& path) {
    auto db = store::Database::open_writer(path);
    if (!db) throw std::runtime_error(db.error().to_string());
    return std::move(*db);
}

inline store::Database open_reader_db(const std::string& path) {
    auto db = store::Database::open_reader(path);
    if (!db) throw std::runtime_error(db.error().to_string());
    return std::move(*db);
}

}  // namespace sharemsg::test
