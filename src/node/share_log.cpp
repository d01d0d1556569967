#include "node/share_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "chain/share.hpp"
#include "crypto/hash.hpp"
#include "node/files.hpp"

namespace sharemsg::node {

// The same bytes as the share's entry in a `shares` message (p2p/messages.cpp).
Bytes share_log_body(const p2p::WrappedShare& share) {
    return chain::pack_versioned_share({share.type, share.contents});
}

std::optional<p2p::WrappedShare> share_from_log_body(ByteView body) {
    auto v = chain::unpack_versioned_share(body);
    if (!v) return std::nullopt;
    return p2p::WrappedShare{v->type, std::move(v->contents)};
}

namespace {
constexpr std::uint8_t kFileHeader[8] = {'S', 'M', 'L', 'O', 'G', 0, 0, 2};
constexpr std::uint8_t kMagic[4] = {0xfa, 0x5e, 0x10, 0x9c};
constexpr std::size_t kRecordHead = 12;  // magic, length, check
constexpr std::size_t kLegacyHead = 8;   // format 1: length, check

Error sys_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

crypto::Hash256 check_of(std::uint32_t len, ByteView body) {
    ByteWriter w;
    w.u32le(len);
    w.bytes(body);
    return crypto::sha256d(std::move(w).take());
}

Bytes record_of(ByteView body) {
    const auto len = static_cast<std::uint32_t>(body.size());
    ByteWriter w;
    w.bytes(ByteView(kMagic, sizeof kMagic));
    w.u32le(len);
    w.bytes(ByteView(check_of(len, body)).first(4));
    w.bytes(body);
    return std::move(w).take();
}

bool write_all(int fd, ByteView data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// The body of the format-2 record at `pos`, if a whole good record starts there.
std::optional<ByteView> record_at(ByteView data, std::size_t pos) {
    if (data.size() - pos < kRecordHead) return std::nullopt;
    const std::uint8_t* p = data.data() + pos;
    if (!std::equal(kMagic, kMagic + 4, p)) return std::nullopt;
    const std::uint32_t len = le32(p + 4);
    if (len > ShareLog::MAX_RECORD || data.size() - pos - kRecordHead < len) return std::nullopt;
    ByteView body = data.subspan(pos + kRecordHead, len);
    const auto h = check_of(len, body);
    if (!std::equal(p + 8, p + 12, h.begin())) return std::nullopt;
    return body;
}

// The position of the first good record at or after `from`, if any.
std::optional<std::size_t> find_record(ByteView data, std::size_t from) {
    auto it = data.begin() + static_cast<std::ptrdiff_t>(std::min(from, data.size()));
    while (true) {
        it = std::search(it, data.end(), kMagic, kMagic + 4);
        if (it == data.end()) return std::nullopt;
        const auto at = static_cast<std::size_t>(it - data.begin());
        if (record_at(data, at)) return at;
        ++it;
    }
}

// What a read of the records found.
struct Scan {
    std::vector<ByteView> bodies;
    std::size_t end = 0;   // where the good data ends; what follows is cut off
    bool skipped = false;  // damage was skipped (the log should be rewritten)
};

// Reads format-2 records from `pos` on, skipping damaged ones.
Scan scan_v2(ByteView data, std::size_t pos, const std::string& where,
             const std::function<void(const std::string&)>& warning) {
    Scan r;
    r.end = data.size();
    while (pos < data.size()) {
        if (auto body = record_at(data, pos)) {
            r.bodies.push_back(*body);
            pos += kRecordHead + body->size();
            continue;
        }
        const auto next = find_record(data, pos + 1);
        if (!next) {
            // A crash during an append leaves a record with a good head and too few bytes.
            const std::size_t left = data.size() - pos;
            const bool torn =
                left < kRecordHead || (std::equal(kMagic, kMagic + 4, data.data() + pos) &&
                                       le32(data.data() + pos + 4) <= ShareLog::MAX_RECORD &&
                                       left - kRecordHead < le32(data.data() + pos + 4));
            warning(where + (torn ? "incomplete" : "corrupt") + " record at byte " +
                    std::to_string(pos) + " (" + std::to_string(left) + " bytes) cut off");
            r.end = pos;
            break;
        }
        warning(where + "corrupt record at byte " + std::to_string(pos) + ": " +
                std::to_string(*next - pos) + " bytes skipped; the records after them are kept");
        r.skipped = true;
        pos = *next;
    }
    return r;
}

// Reads a format-1 log up to its first damaged record.
Scan scan_v1(ByteView data, const std::string& where,
             const std::function<void(const std::string&)>& warning) {
    Scan r;
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t left = data.size() - pos;
        const std::uint32_t len = left >= kLegacyHead ? le32(data.data() + pos) : 0;
        if (left < kLegacyHead || len > ShareLog::MAX_RECORD || left - kLegacyHead < len) {
            warning(where + "incomplete record at byte " + std::to_string(pos) + " (" +
                    std::to_string(left) + " bytes) cut off");
            break;
        }
        ByteView body = data.subspan(pos + kLegacyHead, len);
        const auto h = crypto::sha256d(body);
        if (!std::equal(h.begin(), h.begin() + 4, data.data() + pos + 4)) {
            warning(where + "corrupt record at byte " + std::to_string(pos) +
                    "; it and what follows cut off");
            break;
        }
        r.bodies.push_back(body);
        pos += kLegacyHead + len;
    }
    r.end = pos;
    return r;
}

Result<Bytes> read_all(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return sys_error("stat " + path);
    Bytes data(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read " + path);
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    return data;
}
}  // namespace

ShareLog::~ShareLog() {
    if (fd_ >= 0) ::close(fd_);
}

Status ShareLog::open(const std::string& path, const std::function<void(ByteView)>& each,
                      const std::function<void(const std::string&)>& warning) {
    path_ = path;
    records_ = 0;
    struct stat before {};
    const bool existed = ::stat(path.c_str(), &before) == 0;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return sys_error("open " + path);
    auto read = read_all(fd_, path);
    if (!read) return read.error();
    const Bytes& data = *read;
    const std::string where = "share log " + path + ": ";

    if (data.empty()) {
        // A new log: its header, and its directory entry made durable.
        if (!write_all(fd_, ByteView(kFileHeader, sizeof kFileHeader)) || ::fdatasync(fd_) != 0)
            return sys_error("write " + path);
        if (!existed)
            if (auto s = sync_dir(dir_of(path)); !s) return s.error();
        return Ok{};
    }

    Scan scan;
    bool rewrite_needed = false;
    const bool v2 = data.size() >= sizeof kFileHeader &&
                    std::equal(kFileHeader, kFileHeader + sizeof kFileHeader, data.begin());
    if (v2) {
        scan = scan_v2(data, sizeof kFileHeader, where, warning);
        rewrite_needed = scan.skipped;
    } else {
        std::vector<std::string> v1_warnings;
        scan = scan_v1(data, where, [&](const std::string& w) { v1_warnings.push_back(w); });
        const auto first = scan.bodies.empty() ? find_record(data, 0) : std::nullopt;
        if (first) {
            // Not format 1 after all: format-2 records behind a damaged file header.
            warning(where + "file header damaged; reading the records after it");
            scan = scan_v2(data, *first, where, warning);
        } else {
            for (const auto& w : v1_warnings)
                warning(w);
            warning(where + "format 1 (" + std::to_string(scan.bodies.size()) +
                    " records) rewritten in format 2");
        }
        rewrite_needed = true;
    }
    std::vector<Bytes> good;  // kept only when the log is rewritten
    const auto& bodies = scan.bodies;
    const std::size_t end = scan.end;
    for (const auto& b : bodies) {
        each(b);
        if (rewrite_needed) good.emplace_back(b.begin(), b.end());
    }
    records_ = bodies.size();
    if (rewrite_needed) return rewrite(good);
    if (end < data.size() && ::ftruncate(fd_, static_cast<off_t>(end)) != 0)
        return sys_error("truncate " + path);
    if (::lseek(fd_, 0, SEEK_END) < 0) return sys_error("seek " + path);
    return Ok{};
}

Status ShareLog::append(ByteView body) {
    if (fd_ < 0) return make_error(Errc::io, "share log is not open");
    if (body.size() > MAX_RECORD)
        return make_error(Errc::oversize, "share log: a record of " + std::to_string(body.size()) +
                                              " bytes (at most " + std::to_string(MAX_RECORD) +
                                              ")");
    const Bytes rec = record_of(body);
    const off_t start = ::lseek(fd_, 0, SEEK_END);
    if (start < 0) return sys_error("seek " + path_);
    // On failure (a full disk, say) the partial record is cut off again, so that the log
    // stays a sequence of complete records.
    auto fail = [&](const std::string& what) {
        Error e = sys_error(what + " " + path_);
        if (::ftruncate(fd_, start) == 0) ::lseek(fd_, start, SEEK_SET);
        return e;
    };
    if (!write_all(fd_, rec)) return fail("write");
    if (::fdatasync(fd_) != 0) return fail("sync");
    ++records_;
    return Ok{};
}

Status ShareLog::rewrite(const std::vector<Bytes>& bodies) {
    if (fd_ < 0) return make_error(Errc::io, "share log is not open");
    const std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return sys_error("open " + tmp);
    auto fail = [&](const std::string& what) {
        Error e = sys_error(what + " " + tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
    };
    if (!write_all(fd, ByteView(kFileHeader, sizeof kFileHeader))) return fail("write");
    for (const auto& body : bodies) {
        if (body.size() > MAX_RECORD) {
            errno = EFBIG;
            return fail("write");
        }
        if (!write_all(fd, record_of(body))) return fail("write");
    }
    if (::fdatasync(fd) != 0) return fail("sync");
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail("rename to " + path_ + " from");
    ::close(fd);
    // From here the new log is the log.
    int nfd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (nfd < 0) return sys_error("open " + path_);
    ::close(fd_);
    fd_ = nfd;
    records_ = bodies.size();
    if (::lseek(fd_, 0, SEEK_END) < 0) return sys_error("seek " + path_);
    // The rename itself is durable once the directory is synced.
    if (auto s = sync_dir(dir_of(path_)); !s)
        return make_error(Errc::io, "share log replaced, but " + s.error().reason);
    return Ok{};
}

}  // namespace sharemsg::node
