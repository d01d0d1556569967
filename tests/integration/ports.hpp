// Ports for daemons under test (integration tests and bench_api).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

namespace itest {

// A port for a daemon under test to listen on. It is taken below the kernel's
// ephemeral range (net.ipv4.ip_local_port_range), so that no outgoing connection
// of any process can be given it between now and the daemon's bind, and it is
// reserved for this test process with a lock file under /tmp (flock, held until
// the process exits), so that tests run in parallel by ctest never share one.
inline std::uint16_t free_port() {
    static std::mutex mu;
    static unsigned next = 0;
    std::lock_guard lock(mu);
    unsigned low = 32768;
    if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
        if (std::fscanf(f, "%u", &low) != 1) low = 32768;
        std::fclose(f);
    }
    const unsigned first = 10000, last = low > first + 2000 ? low - 1 : 9999 + 2000;
    const unsigned span = last - first + 1;
    if (next == 0) next = static_cast<unsigned>(::getpid()) * 37u;
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / "sharemsg-test-ports";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    for (unsigned tries = 0; tries < span; ++tries) {
        const auto port = static_cast<std::uint16_t>(first + (next++ % span));
        const std::string lock_path = (dir / std::to_string(port)).string();
        const int lfd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (lfd < 0) continue;
        if (::flock(lfd, LOCK_EX | LOCK_NB) != 0) {
            ::close(lfd);
            continue;
        }
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        const bool bindable = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        if (!bindable) {
            ::close(lfd);
            continue;
        }
        return port;  // lfd stays open: the reservation lasts as long as this process
    }
    std::fprintf(stderr, "free_port: no free port in %u..%u\n", first, last);
    std::abort();
}

}  // namespace itest
