// Append-only file of accepted shares (DATADIR/shares.log), so that a restarted node
// rebuilds its tracker and message store from the shares it had.
//
// Format 2: an 8-byte file header ("SMLOG" 00 00 02), then records
//   magic (fa 5e 10 9c) || le32 length || check || body
// where check is sha256d(le32 length || body)[:4] and body is the share as sent on the wire
// (VarInt type || VarStr contents), at most MAX_RECORD bytes. Each append is flushed with
// fdatasync before it is acknowledged.
//
// On load, a damaged record (a bad magic, length or check) costs only itself: the reader
// resynchronizes on the next magic that starts a record whose check holds, reports the bytes
// it skipped, keeps every good record after them, and rewrites the log without the damage.
// A damaged tail that no good record follows (a crash during a write) is reported and cut
// off. A file of format 1 (the same records without magic or file header, the check over
// the body only; it ends at its first damaged record) is read and rewritten in format 2.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "p2p/messages.hpp"
#include "util/bytes.hpp"

namespace sharemsg::node {

// A record's body for a share: the share as sent on the wire (VarInt type || VarStr contents).
Bytes share_log_body(const p2p::WrappedShare& share);
// The share a record's body holds; nullopt when it is not exactly one.
std::optional<p2p::WrappedShare> share_from_log_body(ByteView body);

class ShareLog {
  public:
    // The largest body a record holds (far above any share; append refuses more).
    static constexpr std::size_t MAX_RECORD = 4 * 1024 * 1024;

    ShareLog() = default;
    ~ShareLog();
    ShareLog(const ShareLog&) = delete;
    ShareLog& operator=(const ShareLog&) = delete;

    // Reads every good record (calling `each`), skips or cuts off damaged ones (above), and
    // opens the file (created 0600 if missing) for appending. `warning` receives one line per
    // problem found.
    Status open(const std::string& path, const std::function<void(ByteView)>& each,
                const std::function<void(const std::string&)>& warning);
    // Appends and syncs one record; Errc::oversize for a body over MAX_RECORD.
    Status append(ByteView body);
    // Replaces the whole log with these records (compaction): written to PATH.tmp, synced,
    // renamed over the log, and the directory synced, so a crash leaves either the old log or
    // the new one. On failure before the rename the old log stays in use.
    Status rewrite(const std::vector<Bytes>& bodies);
    // Good records in the log.
    std::size_t records() const { return records_; }

  private:
    int fd_ = -1;
    std::string path_;
    std::size_t records_ = 0;
};

}  // namespace sharemsg::node
