#include "cli_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include "crypto/hash.hpp"

namespace sharemsg::cli {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string errno_text() {
    return std::strerror(errno);
}

// Reads from fd into buf[0..cap) until EOF (or, when one_line, the first newline). Returns
// the byte count, or -1 on a read error, or -2 when the data does not fit.
long read_fd(int fd, char* buf, std::size_t cap, bool one_line) {
    std::size_t n = 0;
    for (;;) {
        if (n == cap) {
            char extra;
            ssize_t r = ::read(fd, &extra, 1);
            if (r == 0) return static_cast<long>(n);
            if (r > 0 && !(one_line && extra == '\n')) return -2;
            if (r > 0) return static_cast<long>(n);
            if (errno == EINTR) continue;
            return -1;
        }
        ssize_t r = ::read(fd, buf + n, one_line ? 1 : cap - n);
        if (r == 0) return static_cast<long>(n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        n += static_cast<std::size_t>(r);
        if (one_line && buf[n - 1] == '\n') return static_cast<long>(n);
    }
}

// Turns terminal echo off for its lifetime.
class NoEcho {
  public:
    explicit NoEcho(int fd) : fd_(fd) {
        if (tcgetattr(fd_, &saved_) != 0) return;
        termios t = saved_;
        t.c_lflag &= static_cast<tcflag_t>(~ECHO);
        active_ = tcsetattr(fd_, TCSAFLUSH, &t) == 0;
    }
    ~NoEcho() {
        if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

  private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

}  // namespace

void fail(std::string_view command, const std::string& message, int code) {
    std::cerr << "sharemsg " << command << ": " << message << "\n";
    throw CLI::RuntimeError(code);
}

SecretText::~SecretText() {
    if (!buf_.empty()) crypto::wipe(buf_.data(), buf_.size());
}

std::string_view SecretText::view() const {
    std::size_t b = 0, e = len_;
    while (b < e && is_space(buf_[b]))
        ++b;
    while (e > b && is_space(buf_[e - 1]))
        --e;
    return {buf_.data() + b, e - b};
}

Result<SecretText> read_secret(const std::string& source, std::string_view prompt) {
    SecretText s;
    long n = 0;
    if (source == "-") {
        const bool tty = ::isatty(STDIN_FILENO) == 1;
        if (tty) {
            std::cerr << prompt << std::flush;
            NoEcho guard(STDIN_FILENO);
            n = read_fd(STDIN_FILENO, s.buf_.data(), SecretText::kCapacity - 1, true);
            std::cerr << "\n";
        } else {
            n = read_fd(STDIN_FILENO, s.buf_.data(), SecretText::kCapacity - 1, false);
        }
        if (n == -1) return make_error(Errc::io, "standard input: " + errno_text());
    } else {
        int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return make_error(Errc::io, source + ": " + errno_text());
        struct stat st {};
        if (::fstat(fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                ::close(fd);
                return make_error(Errc::io, source + ": is a directory");
            }
            if (S_ISREG(st.st_mode) && (st.st_mode & 077))
                std::cerr << "warning: " << source << " is readable by group or others (mode "
                          << std::oct << (st.st_mode & 0777) << std::dec << "); chmod 600 it\n";
        }
        n = read_fd(fd, s.buf_.data(), SecretText::kCapacity - 1, false);
        const int saved = errno;
        ::close(fd);
        errno = saved;
        if (n == -1) return make_error(Errc::io, source + ": " + errno_text());
    }
    if (n == -2)
        return make_error(Errc::oversize, (source == "-" ? std::string("standard input") : source) +
                                              ": more than " +
                                              std::to_string(SecretText::kCapacity - 1) +
                                              " bytes; expected one key");
    s.len_ = static_cast<std::size_t>(n);
    return s;
}

void wipe_string(std::string& s) {
    if (!s.empty()) crypto::wipe(s.data(), s.size());
    s.clear();
}

Result<Bytes> read_blob_arg(const std::string& arg) {
    std::string text;
    if (!arg.empty() && arg[0] == '@') {
        const std::string path = arg.substr(1);
        constexpr std::size_t kMax = 1 << 20;
        std::vector<char> buf(kMax);
        long n = 0;
        if (path == "-") {
            n = read_fd(STDIN_FILENO, buf.data(), kMax, false);
            if (n == -1) return make_error(Errc::io, "standard input: " + errno_text());
        } else {
            int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return make_error(Errc::io, path + ": " + errno_text());
            struct stat st {};
            if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                ::close(fd);
                return make_error(Errc::io, path + ": is a directory");
            }
            n = read_fd(fd, buf.data(), kMax, false);
            const int saved = errno;
            ::close(fd);
            errno = saved;
            if (n == -1) return make_error(Errc::io, path + ": " + errno_text());
        }
        if (n == -2)
            return make_error(Errc::oversize,
                              path + ": larger than 1 MiB; not a message_data blob");
        text.assign(buf.data(), static_cast<std::size_t>(n));
    } else {
        text = arg;
    }
    std::string hex;
    hex.reserve(text.size());
    for (char c : text)
        if (!is_space(c)) hex.push_back(c);
    auto bytes = from_hex(hex);
    if (!bytes)
        return make_error(Errc::bad_encoding,
                          "not a hex message_data blob: " + bytes.error().reason);
    return bytes;
}

const proto::AuthoritySet& authority_set(const std::string& name) {
    return name == "test" ? proto::test_authorities() : proto::mainnet_authorities();
}

void add_authorities_option(CLI::App* cmd, std::string& target) {
    cmd->add_option(
           "--authorities", target,
           "Authority key set: 'real' (the deployed network's forrestv and maintainer keys, "
           "default) or 'test' (test_authority_A/B of the reference's vector file; their "
           "private keys are public)")
        ->check(CLI::IsMember({"real", "test"}))
        ->default_str("real");
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
        if (v > 0xffffffffull) return std::nullopt;
    }
    return static_cast<std::uint32_t>(v);
}

std::string format_utc(std::uint32_t unix_time) {
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    if (!gmtime_r(&t, &tm)) return std::to_string(unix_time);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

}  // namespace sharemsg::cli
