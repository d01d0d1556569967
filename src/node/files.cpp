#include "node/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace sharemsg::node {

namespace {
std::string errno_text() {
    return std::strerror(errno);
}
}  // namespace

Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    std::string dir = ".";
    std::string base = path;
    if (auto slash = path.rfind('/'); slash != std::string::npos) {
        dir = slash == 0 ? "/" : path.substr(0, slash);
        base = path.substr(slash + 1);
    }
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
    return Ok{};
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
    return write_file_atomic(path, bans.to_file_text(), 0644);
}

}  // namespace sharemsg::node
