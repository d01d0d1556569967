// Small files the node and the tools keep: written whole by temp-file-and-rename (readers
// never see a partial file; a crash leaves the old file or the new one), read tolerantly.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "proto/banlist.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

// Writes `content` to a temporary file beside `path` (mode `mode`), fsyncs it and renames it
// over `path`. On failure the old file is untouched and the temporary file removed.
Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode);

// Reads a whole file; Errc::not_found when it does not exist.
Result<std::string> read_file(const std::string& path);

// The ban list file (banned_senders.json, the reference's layout). A missing file is an empty
// list. A file that is not a JSON object is moved aside to PATH.corrupt (kept for the
// operator) and an empty list returned; `warning` says so. Entries of the wrong type are
// skipped with a warning.
proto::BanList load_ban_list(const std::string& path, std::string* warning = nullptr);
Status save_ban_list(const std::string& path, const proto::BanList& bans);

}  // namespace sharemsg::node
