// Small files the node and the tools keep: written whole by temp-file-and-rename (readers
// never see a partial file; a crash or a power loss leaves the old file or the new one),
// read tolerantly. And the node's data directory: private (0700, files 0600) and locked by
// one process at a time.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "proto/banlist.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

// Writes `content` to a temporary file beside `path` (mode exactly `mode`, whatever the
// umask), fsyncs it, renames it over `path` and fsyncs the directory, so that the new file
// survives a power loss once this returns. On failure the old file is untouched and the
// temporary file removed.
Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode);

// Reads a whole file; Errc::not_found when it does not exist.
Result<std::string> read_file(const std::string& path);

// fsyncs a directory, so that the creations, renames and removals of entries in it are
// durable.
Status sync_dir(const std::string& dir);
// The directory part of a path ("." for a bare file name).
std::string dir_of(const std::string& path);

// Creates `dir` (and missing parents) with mode 0700. An existing directory that group or
// others may use is tightened to 0700; `warning` then says so.
Status make_private_dir(const std::string& dir, std::string* warning = nullptr);
// Tightens an existing file that group or others may use to 0600 (`warning` says so); a
// missing file is fine.
Status make_private_file(const std::string& path, std::string* warning = nullptr);

// An exclusive lock on DIR/.lock (flock), held until the object is destroyed (for the
// process's lifetime, as Bitcoin Core's .lock): a second process that tries the same data
// directory fails at once, before it changes anything there. The lock file (mode 0600) holds
// the holder's pid, which the refusal names.
class DirLock {
  public:
    static Result<DirLock> acquire(const std::string& dir);
    DirLock() = default;
    DirLock(DirLock&& o) noexcept;
    DirLock& operator=(DirLock&& o) noexcept;
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;
    ~DirLock();
    bool held() const { return fd_ >= 0; }

  private:
    explicit DirLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// The ban list file (banned_senders.json, the reference's layout). A missing file is an empty
// list. A file that is not a JSON object is moved aside to PATH.corrupt (kept for the
// operator) and an empty list returned; `warning` says so. Entries of the wrong type are
// skipped with a warning.
proto::BanList load_ban_list(const std::string& path, std::string* warning = nullptr);
// Written with mode 0600, as every file in the node's data directory.
Status save_ban_list(const std::string& path, const proto::BanList& bans);

}  // namespace sharemsg::node
