#include "node/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace sharemsg::node {

namespace {
std::string errno_text() {
    return std::strerror(errno);
}

std::string mode_text(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}
}  // namespace

std::string dir_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

Status sync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return make_error(Errc::io, dir + ": open directory: " + errno_text());
    if (::fsync(fd) != 0) {
        const std::string reason = dir + ": fsync directory: " + errno_text();
        ::close(fd);
        return make_error(Errc::io, reason);
    }
    ::close(fd);
    return Ok{};
}

Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    const std::string dir = dir_of(path);
    const std::string base = path.substr(path.find_last_of('/') + 1);  // npos + 1 == 0
    if (base.empty()) return make_error(Errc::invalid_argument, path + ": not a file name");
    std::string tmpl = dir + "/." + base + ".tmp.XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0)
        return make_error(
            Errc::io, path + ": cannot create a temporary file in " + dir + ": " + errno_text());
    auto abandon = [&](const std::string& what) {
        const std::string reason = path + ": " + what + ": " + errno_text();
        ::close(fd);
        ::unlink(name.data());
        return make_error(Errc::io, reason);
    };
    if (::fchmod(fd, mode) != 0) return abandon("chmod");
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t w = ::write(fd, content.data() + done, content.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return abandon("write");
        }
        done += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0) return abandon("fsync");
    if (::close(fd) != 0) {
        const std::string reason = path + ": close: " + errno_text();
        ::unlink(name.data());
        return make_error(Errc::io, reason);
    }
    if (::rename(name.data(), path.c_str()) != 0) {
        const std::string reason = path + ": rename: " + errno_text();
        ::unlink(name.data());
        return make_error(Errc::io, reason);
    }
    // The rename is durable (survives a power loss) only once the directory is synced.
    if (auto st = sync_dir(dir); !st) return make_error(Errc::io, path + ": " + st.error().reason);
    return Ok{};
}

Status make_private_dir(const std::string& given, std::string* warning) {
    std::string dir = given;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    if (dir.empty()) return make_error(Errc::invalid_argument, "empty directory name");
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT) return make_error(Errc::io, dir + ": " + errno_text());
        // Missing parents are ordinary directories (the umask decides their mode).
        const std::string parent = dir_of(dir);
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec) return make_error(Errc::io, parent + ": cannot create directory: " + ec.message());
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return make_error(Errc::io, dir + ": cannot create directory: " + errno_text());
        // Exactly 0700 whatever the umask, and the new entry made durable.
        if (::chmod(dir.c_str(), 0700) != 0)
            return make_error(Errc::io, dir + ": chmod 0700: " + errno_text());
        (void)sync_dir(parent);
        return Ok{};
    }
    if (!S_ISDIR(st.st_mode)) return make_error(Errc::invalid_argument, dir + ": not a directory");
    if ((st.st_mode & 077) == 0) return Ok{};
    if (::chmod(dir.c_str(), st.st_mode & 0700) != 0)
        return make_error(
            Errc::io, dir + ": has mode " + mode_text(st.st_mode) +
                          " (group or others may read it) and chmod 0700 failed: " + errno_text());
    if (warning)
        *warning += dir + ": had mode " + mode_text(st.st_mode) + "; tightened to " +
                    mode_text(st.st_mode & 0700) + " (private data)\n";
    return Ok{};
}

Status make_private_file(const std::string& path, std::string* warning) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return Ok{};
        return make_error(Errc::io, path + ": " + errno_text());
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) return Ok{};
    if (::chmod(path.c_str(), st.st_mode & 0600) != 0)
        return make_error(Errc::io, path + ": has mode " + mode_text(st.st_mode) +
                                        " and chmod 0600 failed: " + errno_text());
    if (warning)
        *warning += path + ": had mode " + mode_text(st.st_mode) + "; tightened to " +
                    mode_text(st.st_mode & 0600) + "\n";
    return Ok{};
}

Result<DirLock> DirLock::acquire(const std::string& dir) {
    const std::string path = dir + "/.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::io, path + ": cannot open the lock file: " + errno_text());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        std::string holder;
        char buf[32] = {};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i)
            holder.push_back(buf[i]);
        ::close(fd);
        if (err == EWOULDBLOCK)
            return make_error(
                Errc::io, "the data directory " + dir + " is in use by another process" +
                              (holder.empty() ? "" : " (pid " + holder + ")") + ", which holds " +
                              path + "; is sharemsgd already running there?");
        return make_error(Errc::io, path + ": cannot lock: " + std::strerror(err));
    }
    (void)::fchmod(fd, 0600);
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The lock is held all the same; the pid is only for the message of a second process.
    }
    return DirLock(fd);
}

DirLock::DirLock(DirLock&& o) noexcept : fd_(o.fd_) {
    o.fd_ = -1;
}

DirLock& DirLock::operator=(DirLock&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

DirLock::~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return make_error(Errc::not_found, path + ": no such file");
        return make_error(Errc::io, path + ": " + errno_text());
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

proto::BanList load_ban_list(const std::string& path, std::string* warning) {
    auto text = read_file(path);
    if (!text) {
        if (text.error().code != Errc::not_found && warning) *warning += text.error().reason + "\n";
        return proto::BanList{};
    }
    std::string warnings;
    auto bans = proto::BanList::from_file_text(*text, {}, &warnings);
    if (warning) *warning += warnings;
    if (bans) return *bans;
    const std::string aside = path + ".corrupt";
    if (std::rename(path.c_str(), aside.c_str()) == 0) {
        if (warning)
            *warning += path + ": " + bans.error().reason + "; moved to " + aside +
                        ", starting with no bans\n";
    } else if (warning) {
        *warning += path + ": " + bans.error().reason + "; starting with no bans\n";
    }
    return proto::BanList{};
}

Status save_ban_list(const std::string& path, const proto::BanList& bans) {
    return write_file_atomic(path, bans.to_file_text(), 0600);
}

}  // namespace sharemsg::node
