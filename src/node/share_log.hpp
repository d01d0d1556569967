// Append-only file of accepted shares (DATADIR/shares.log), so that a restarted node
// rebuilds its tracker and message store from the shares it had.
//
// Record: le32 length || 4-byte check (sha256d(body)[:4]) || body, where body is the share
// as sent on the wire (VarInt type || VarStr contents). Each append is flushed with
// fdatasync before it is acknowledged. On load, a torn or corrupt tail (a crash during a
// write) is reported and cut off; every complete record before it is kept.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "util/bytes.hpp"

namespace sharemsg::node {

class ShareLog {
  public:
    ShareLog() = default;
    ~ShareLog();
    ShareLog(const ShareLog&) = delete;
    ShareLog& operator=(const ShareLog&) = delete;

    // Reads every complete record (calling `each`), truncates a damaged tail, and opens the
    // file for appending. `warning` receives one line per problem found.
    Status open(const std::string& path, const std::function<void(ByteView)>& each,
                const std::function<void(const std::string&)>& warning);
    // Appends and syncs one record.
    Status append(ByteView body);
    // Replaces the whole log with these records (compaction): written to PATH.tmp, synced,
    // renamed over the log, and the directory synced, so a crash leaves either the old log or
    // the new one. On failure the old log stays in use.
    Status rewrite(const std::vector<Bytes>& bodies);
    // Complete records in the log.
    std::size_t records() const { return records_; }

  private:
    int fd_ = -1;
    std::string path_;
    std::size_t records_ = 0;
};

}  // namespace sharemsg::node
