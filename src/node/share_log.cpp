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
    ByteWriter w;
    w.u32le(static_cast<std::uint32_t>(body.size()));
    auto h = crypto::sha256d(body);
    w.bytes(ByteView(h).first(4));
    w.bytes(body);
    const Bytes& rec = w.data();
    const off_t start = ::lseek(fd_, 0, SEEK_END);
    if (start < 0) return sys_error("seek " + path_);
    // On failure (a full disk, say) the partial record is cut off again, so that the log
    // stays a sequence of complete records.
    auto fail = [&](const std::string& what) {
        Error e = sys_error(what + " " + path_);
        if (::ftruncate(fd_, start) == 0) ::lseek(fd_, start, SEEK_SET);
        return e;
    };
    std::size_t done = 0;
    while (done < rec.size()) {
        ssize_t n = ::write(fd_, rec.data() + done, rec.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) return fail("sync");
    return Ok{};
}

}  // namespace sharemsg::node
