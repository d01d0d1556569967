#include "node/share_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/hash.hpp"

namespace sharemsg::node {

namespace {
constexpr std::size_t kMaxRecord = 4 * 1024 * 1024;

Error sys_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

Bytes record_of(ByteView body) {
    ByteWriter w;
    w.u32le(static_cast<std::uint32_t>(body.size()));
    auto h = crypto::sha256d(body);
    w.bytes(ByteView(h).first(4));
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
}  // namespace

ShareLog::~ShareLog() {
    if (fd_ >= 0) ::close(fd_);
}

Status ShareLog::open(const std::string& path, const std::function<void(ByteView)>& each,
                      const std::function<void(const std::string&)>& warning) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return sys_error("open " + path);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return sys_error("stat " + path);
    Bytes data(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::pread(fd_, data.data() + got, data.size() - got, static_cast<off_t>(got));
        if (n < 0) return sys_error("read " + path);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    std::size_t pos = 0;
    while (pos < data.size()) {
        ByteReader r(data, pos);
        auto len = r.u32le("length");
        auto check = r.bytes(4, "check");
        if (!len || !check || *len > kMaxRecord || r.remaining() < *len) {
            warning("share log " + path + ": incomplete record at byte " + std::to_string(pos) +
                    " (" + std::to_string(data.size() - pos) + " bytes) cut off");
            break;
        }
        ByteView body = *r.bytes(*len, "body");
        auto h = crypto::sha256d(body);
        if (!std::equal(check->begin(), check->end(), h.begin())) {
            warning("share log " + path + ": corrupt record at byte " + std::to_string(pos) +
                    "; it and what follows cut off");
            break;
        }
        each(body);
        ++records_;
        pos = r.pos();
    }
    if (pos < data.size()) {
        if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0) return sys_error("truncate " + path);
    }
    if (::lseek(fd_, 0, SEEK_END) < 0) return sys_error("seek " + path);
    return Ok{};
}

Status ShareLog::append(ByteView body) {
    if (fd_ < 0) return make_error(Errc::io, "share log is not open");
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
    for (const auto& body : bodies)
        if (!write_all(fd, record_of(body))) return fail("write");
    if (::fdatasync(fd) != 0) return fail("sync");
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail("rename to " + path_ + " from");
    ::close(fd);
    // The rename itself is durable once the directory is synced.
    const auto slash = path_.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash);
    if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    int nfd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (nfd < 0) return sys_error("open " + path_);
    ::close(fd_);
    fd_ = nfd;
    if (::lseek(fd_, 0, SEEK_END) < 0) return sys_error("seek " + path_);
    records_ = bodies.size();
    return Ok{};
}

}  // namespace sharemsg::node
