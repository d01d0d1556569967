// The HTTP API of a real sharemsgd holding 100,000 stored messages: start-up (load) time,
// resident memory, and request latency and rate of the read endpoints.
//
// Set-up (outside every timing): a scratch datadir under $TMPDIR; 100,000 messages (mixed
// types, payloads of 20-200 bytes, timestamps over the last 23 hours, 200 senders, share
// hashes set) written to DATADIR/sharemsg.db through store::Writer in batches of 5,000;
// then `sharemsgd --devnet --mine false --status-interval 0 --max-messages 100000` on free
// ports, which loads them at start.
//
//   BM_DaemonFootprint      one iteration; counters: messages (as loaded, from /msg/stats),
//                           startup_s (spawn to the first /health answer, the load included),
//                           rss_MiB (VmRSS) and rss_empty_MiB (the same daemon on an empty
//                           datadir, measured first)
//   BM_Get/<route>          one GET per iteration (node::http_call, a new connection each),
//                           wall time; counters p50_us, p99_us, bytes (of the last answer)
//
// After the benchmarks, when `wrk` is installed, `wrk -t2 -c32 -d5s --latency` against
// /msg/recent?limit=50 runs once and its rate and latency lines are printed, then VmRSS and
// VmHWM again. The daemon is stopped at the end, also when a set-up step fails (and it dies
// with this program: PR_SET_PDEATHSIG). BENCH_API_MESSAGES=N changes the message count.
#include <utility>  // before anything that may include Boost.Asio (Boost 1.74 under g++ 12)

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/ports.hpp"
#include "node/http_client.hpp"
#include "proto/constants.hpp"
#include "proto/message.hpp"
#include "store/ops.hpp"
#include "store/writer.hpp"
#include "util/numeric.hpp"

using namespace sharemsg;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kDefaultMessages = 100000;
constexpr std::size_t kSenders = 200;
constexpr std::size_t kBatch = 5000;

[[noreturn]] void die(const std::string& what);

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

using itest::free_port;

// "VmRSS" / "VmHWM" of a process in MiB (0 when unreadable).
double proc_mib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream ss(line.substr(field.size() + 1));
            double kib = 0;
            ss >> kib;
            return kib / 1024;
        }
    return 0;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One sharemsgd process: started with fork/exec (it gets SIGKILL if this program dies),
// stopped with SIGTERM (SIGKILL after 10 s) by stop() or the destructor.
class Daemon {
  public:
    Daemon() = default;
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    ~Daemon() { stop(); }

    std::uint16_t web_port = 0;
    fs::path datadir;

    void start(const fs::path& dir, std::size_t max_messages) {
        datadir = dir;
        web_port = free_port();
        const std::uint16_t p2p_port = free_port();
        std::vector<std::string> args{SHAREMSGD_PATH,
                                      "--devnet",
                                      "--datadir",
                                      dir.string(),
                                      "--web-port",
                                      std::to_string(web_port),
                                      "--p2p-port",
                                      std::to_string(p2p_port),
                                      "--max-messages",
                                      std::to_string(max_messages),
                                      "--mine",
                                      "false",
                                      "--status-interval",
                                      "0"};
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        const std::string log = (dir / "sharemsgd.log").string();
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ < 0) die("fork failed");
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
                ::close(fd);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }

    // Waits for the first 200 from /health; false if the process exits first or 120 s pass.
    bool wait_healthy() {
        const auto deadline = Clock::now() + std::chrono::seconds(120);
        while (Clock::now() < deadline) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            node::HttpCall c;
            c.port = web_port;
            c.target = "/health";
            c.timeout = std::chrono::milliseconds(1000);
            auto r = node::http_call(c);
            if (r && r->status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return false;
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int st = 0;
        for (int i = 0; i < 1000; ++i) {
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        pid_ = -1;
    }

    pid_t pid() const { return pid_; }
    std::string log_tail() const {
        std::string log = read_all(datadir / "sharemsgd.log");
        return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
    }

  private:
    pid_t pid_ = -1;
};

// Everything the program owns; a static, so std::exit (from die) also stops the daemon and
// removes the scratch directory.
struct Fixture {
    fs::path dir;
    Daemon daemon;
    std::size_t messages = 0;
    double startup_s = 0, rss_mib = 0, rss_empty_mib = 0, fill_s = 0;

    ~Fixture() {
        daemon.stop();
        if (!dir.empty()) {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    }
};
Fixture fixture;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "benchmark set-up failed: %s\n", what.c_str());
    if (fixture.daemon.pid() > 0 || !fixture.daemon.datadir.empty())
        std::fprintf(stderr, "daemon log (end):\n%s\n", fixture.daemon.log_tail().c_str());
    std::exit(1);
}

// n messages, oldest first, timestamps spread over the 23 hours before `now`.
std::vector<proto::ShareMessage> make_messages(std::size_t n, double now) {
    static constexpr const char* words[] = {
        "pool",  "share", "block",  "found",   "hashrate", "node",  "upgrade", "V36",
        "peers", "miner", "payout", "latency", "orphan",   "merge", "DOGE",    "LTC",
        "hello", "again", "thanks", "restart", "tonight",  "fees",  "stale",   "work"};
    std::mt19937 rng(12345);
    std::uniform_int_distribution<std::size_t> len(20, 200), word(0, std::size(words) - 1);
    std::vector<proto::ShareMessage> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        proto::ShareMessage m;
        const std::size_t k = i % 100;  // 50 % chat, 25 % status, the rest in small shares
        m.msg_type = k < 50   ? proto::MSG_MINER_MESSAGE
                     : k < 75 ? proto::MSG_NODE_STATUS
                     : k < 83 ? proto::MSG_POOL_ANNOUNCE
                     : k < 91 ? proto::MSG_MERGED_STATUS
                     : k < 98 ? proto::MSG_VERSION_SIGNAL
                              : proto::MSG_EMERGENCY;
        m.timestamp = saturate_cast<std::uint32_t>(
            now - 23 * 3600.0 + 23 * 3600.0 * static_cast<double>(i) / static_cast<double>(n));
        const std::size_t size = len(rng);
        std::string text;
        if (m.msg_type == proto::MSG_NODE_STATUS || m.msg_type == proto::MSG_MERGED_STATUS) {
            text = R"({"v":"13.4","up":)" + std::to_string(i * 7 % 86400) + R"(,"hr":)" +
                   std::to_string(i * 131 % 1000000) + R"(,"peers":)" + std::to_string(i % 12) +
                   R"(,"note":")";
            while (text.size() + 2 < size)
                text += words[word(rng)][0];
            text += "\"}";
        } else {
            text = "#" + std::to_string(i);
            while (text.size() < size) {
                text += ' ';
                text += words[word(rng)];
            }
        }
        text.resize(std::min(size, proto::MAX_MESSAGE_PAYLOAD));
        m.payload.assign(text.begin(), text.end());
        m.flags = m.wire_flags =
            proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT | proto::FLAG_HAS_SIGNATURE;
        m.signature = Bytes(71, static_cast<std::uint8_t>(0x30 + i % 7));
        const std::size_t s = i % kSenders;
        proto::SigningId id{};
        for (std::size_t b = 0; b < id.size(); ++b)
            id[b] = static_cast<std::uint8_t>(s * 31 + b * 7 + 1);
        m.signing_id = id;
        char addr[40];
        std::snprintf(addr, sizeof addr, "mBenchSender%03zuxxxxxxxxxxxxxxxxxxx", s);
        m.sender_address = std::string(addr);
        proto::ShareHash sh{};
        for (std::size_t b = 0; b < sh.size(); ++b)
            sh[b] =
                static_cast<std::uint8_t>((i / 3) >> (b % 4 * 8)) ^ static_cast<std::uint8_t>(b);
        m.share_hash = sh;  // three messages per share
        m.verified = true;
        out.push_back(std::move(m));
    }
    return out;
}

void fill_database(const fs::path& path, std::size_t n) {
    auto db = store::Database::open_writer(path.string());
    if (!db) die("database " + path.string() + ": " + db.error().reason);
    store::Writer writer(std::move(*db));
    const auto now = static_cast<double>(std::time(nullptr));
    auto msgs = make_messages(n, now);
    for (std::size_t start = 0; start < msgs.size(); start += kBatch) {
        std::vector<store::Op> ops;
        for (std::size_t i = start; i < std::min(start + kBatch, msgs.size()); ++i)
            ops.push_back(store::PutMessage{std::move(msgs[i]), now});
        for (const auto& o : writer.commit_now(std::move(ops)))
            if (!o.ok()) die("writing messages: " + o.status.error().reason);
    }
}

node::HttpCall get_call(const std::string& target) {
    node::HttpCall c;
    c.port = fixture.daemon.web_port;
    c.target = target;
    return c;
}

void BM_DaemonFootprint(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(fixture.messages);
    state.counters["messages"] = static_cast<double>(fixture.messages);
    state.counters["startup_s"] = fixture.startup_s;
    state.counters["rss_MiB"] = fixture.rss_mib;
    state.counters["rss_empty_MiB"] = fixture.rss_empty_mib;
}

void BM_Get(benchmark::State& state, const std::string& target) {
    const auto call = get_call(target);
    std::vector<double> us;
    std::size_t bytes = 0;
    for (auto _ : state) {
        const auto t = Clock::now();
        auto r = node::http_call(call);
        us.push_back(seconds_since(t) * 1e6);
        if (!r || r->status != 200) {
            state.SkipWithError(
                (target + ": " + (r ? "status " + std::to_string(r->status) : r.error().reason))
                    .c_str());
            return;
        }
        bytes = r->body.size();
    }
    std::sort(us.begin(), us.end());
    auto pct = [&](double p) {
        return us[std::min(us.size() - 1,
                           saturate_cast<std::size_t>(p * static_cast<double>(us.size())))];
    };
    state.counters["p50_us"] = pct(0.50);
    state.counters["p99_us"] = pct(0.99);
    state.counters["bytes"] = static_cast<double>(bytes);
    state.SetItemsProcessed(state.iterations());
}

void run_wrk() {
    if (std::system("command -v wrk >/dev/null 2>&1") != 0) {
        std::printf("wrk: not installed (apt-get install wrk); skipped\n");
        return;
    }
    const std::string url =
        "http://127.0.0.1:" + std::to_string(fixture.daemon.web_port) + "/msg/recent?limit=50";
    const std::string cmd = "wrk -t2 -c32 -d5s --latency '" + url + "' 2>&1";
    std::printf("wrk -t2 -c32 -d5s --latency %s\n", url.c_str());
    std::fflush(stdout);
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        std::printf("wrk: could not run\n");
        return;
    }
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        const std::string s(line);
        for (const char* key : {"Latency", "Req/Sec", "50%", "90%", "99%", "requests in",
                                "Requests/sec", "Transfer/sec", "Non-2xx", "Socket errors"})
            if (s.find(key) != std::string::npos) {
                std::printf("  %s", line);
                break;
            }
    }
    ::pclose(p);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    fixture.messages = kDefaultMessages;
    if (const char* n = std::getenv("BENCH_API_MESSAGES")) fixture.messages = std::stoul(n);
    fixture.dir = fs::temp_directory_path() / ("sharemsg-bench-api-" + std::to_string(::getpid()));
    fs::remove_all(fixture.dir);

    // The same daemon with nothing stored, for the memory baseline.
    fs::create_directories(fixture.dir / "empty");
    fixture.daemon.start(fixture.dir / "empty", fixture.messages);
    if (!fixture.daemon.wait_healthy()) die("sharemsgd (empty datadir) did not answer /health");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    fixture.rss_empty_mib = proc_mib(fixture.daemon.pid(), "VmRSS");
    fixture.daemon.stop();

    const fs::path data = fixture.dir / "full";
    fs::create_directories(data);
    auto t = Clock::now();
    fill_database(data / "sharemsg.db", fixture.messages);
    fixture.fill_s = seconds_since(t);

    t = Clock::now();
    fixture.daemon.start(data, fixture.messages);
    if (!fixture.daemon.wait_healthy()) die("sharemsgd did not answer /health");
    fixture.startup_s = seconds_since(t);
    fixture.rss_mib = proc_mib(fixture.daemon.pid(), "VmRSS");

    auto stats = node::http_call(get_call("/msg/stats"));
    if (!stats || stats->status != 200) die("/msg/stats did not answer");
    auto j = nlohmann::json::parse(stats->body, nullptr, false);
    const std::size_t loaded = j.is_object() ? j.value("total_messages", std::size_t{0}) : 0;
    if (loaded != fixture.messages)
        die("the daemon loaded " + std::to_string(loaded) + " of " +
            std::to_string(fixture.messages) + " messages");
    std::printf(
        "%zu messages written in %.2f s; sharemsgd up (load included) in %.2f s; VmRSS %.1f MiB "
        "(%.1f MiB with an empty datadir)\n",
        fixture.messages, fixture.fill_s, fixture.startup_s, fixture.rss_mib,
        fixture.rss_empty_mib);
    std::fflush(stdout);

    benchmark::RegisterBenchmark("BM_DaemonFootprint", BM_DaemonFootprint)->Iterations(1);
    for (const char* target :
         {"/msg/recent?limit=50", "/msg/chat?limit=50", "/msg/stats", "/msg/keys", "/health"})
        benchmark::RegisterBenchmark((std::string("BM_Get") + target).c_str(),
                                     [target](benchmark::State& s) { BM_Get(s, target); })
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
    benchmark::RunSpecifiedBenchmarks();

    run_wrk();
    std::printf("after the load: VmRSS %.1f MiB, VmHWM %.1f MiB\n",
                proc_mib(fixture.daemon.pid(), "VmRSS"), proc_mib(fixture.daemon.pid(), "VmHWM"));
    fixture.daemon.stop();
    benchmark::Shutdown();
    return 0;
}
