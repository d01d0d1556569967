// SQLite store crash safety: a child process writes through store::Writer and reports each
// acknowledged write on a pipe; the test SIGKILLs it at a random moment, reopens the
// database and checks that every acknowledged write is there exactly once and that the file
// passes PRAGMA integrity_check. Repeated, each round on the same file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_store_util.hpp"

using namespace sharemsg;
using test::numbered_message;

namespace {

// The child: writes messages and outbox entries forever, one line per acknowledgement
// ("m <hash hex>" or "o <hash hex>"). Never returns.
[[noreturn]] void child_writer(const std::string& path, int fd, std::uint32_t round) {
    auto db = store::Database::open_writer(path);
    if (!db) _exit(2);
    store::Writer w(std::move(*db), {64, std::chrono::milliseconds(1), 256, {}});
    for (std::uint32_t i = 0;; ++i) {
        const auto m = numbered_message(i, round + 1, 120);
        const std::string tag = (i % 4 == 3) ? "o " : "m ";
        const std::string line = tag + to_hex(m.hash()) + "\n";
        auto report = [fd, line](const store::Outcome& o) {
            if (!o.ok()) return;
            // One write per line (< PIPE_BUF), so lines never interleave or tear.
            if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
                _exit(3);
        };
        if (i % 4 == 3)
            w.enqueue(store::QueueOutbox{m.hash(), *proto::pack_message(m), 1.0 * i}, report);
        else
            w.enqueue(store::PutMessage{m, 1.0 * i}, report);
    }
}

// Reads everything the child wrote until it is dead and the pipe is at EOF.
std::string drain(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return out;
    }
}

}  // namespace

TEST(StoreCrash, KillNineNeverLosesAnAcknowledgedWrite) {
    test::TempDir dir("store-crash");
    const auto path = dir.file("node.db");
    std::mt19937 rng(std::random_device{}());
    std::set<std::string> acked_msgs, acked_outbox;
    std::size_t total_lines = 0;
    constexpr int kRounds = 10;
    for (int round = 0; round < kRounds; ++round) {
        int p[2];
        ASSERT_EQ(::pipe(p), 0);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(p[0]);
            child_writer(path, p[1], static_cast<std::uint32_t>(round));
        }
        ::close(p[1]);
        // Wait for the first acknowledgement (the child is writing), then kill it at a random
        // moment within the next ~150 ms.
        pollfd pfd{p[0], POLLIN, 0};
        ASSERT_EQ(::poll(&pfd, 1, 10000), 1) << "child never acknowledged a write";
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int>(0, 150000)(rng)));
        ASSERT_EQ(::kill(pid, SIGKILL), 0);
        const std::string text = drain(p[0]);
        ::close(p[0]);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "child exited on its own: " << status;

        std::size_t pos = 0;
        while (pos < text.size()) {
            const auto nl = text.find('\n', pos);
            ASSERT_NE(nl, std::string::npos) << "torn line in the pipe";
            const std::string line = text.substr(pos, nl - pos);
            pos = nl + 1;
            ASSERT_EQ(line.size(), 2u + 64u) << line;
            (line[0] == 'm' ? acked_msgs : acked_outbox).insert(line.substr(2));
            ++total_lines;
        }

        // Reopen (the writer recovers the WAL) and check every acknowledgement so far.
        auto db = test::open_writer_db(path);
        auto integrity = db.integrity_check();
        ASSERT_TRUE(integrity);
        EXPECT_EQ(*integrity, "ok");
        auto msgs = store::load_messages(db);
        ASSERT_TRUE(msgs) << msgs.error().reason;
        std::multiset<std::string> stored;
        for (const auto& m : *msgs)
            stored.insert(to_hex(m.hash()));
        for (const auto& h : acked_msgs)
            EXPECT_EQ(stored.count(h), 1u) << "acknowledged message lost: " << h;
        auto outbox = store::load_outbox(db, std::nullopt);
        ASSERT_TRUE(outbox);
        std::multiset<std::string> queued;
        for (const auto& e : *outbox)
            queued.insert(to_hex(e.message_hash));
        for (const auto& h : acked_outbox)
            EXPECT_EQ(queued.count(h), 1u) << "acknowledged outbox entry lost: " << h;
        if (HasFailure()) return;
    }
    EXPECT_EQ(total_lines, acked_msgs.size() + acked_outbox.size());  // no acknowledgement twice
    EXPECT_GT(acked_msgs.size(), 0u);
    RecordProperty("acknowledged", static_cast<int>(total_lines));
}
