// Runs the built `sharemsg` binary (SHAREMSG_CLI_PATH) as a child process for the CLI tests:
// standard input from a string, standard output and error captured, exit status returned.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace sharemsg::testing {

// A temporary directory removed with everything in it at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "sharemsg_cli_XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
        path_ = buf.data();
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    // Writes a file with mode 0600 and returns its path.
    std::string write(const std::string& name, const std::string& content) const {
        const std::string p = file(name);
        {
            std::ofstream f(p, std::ios::binary | std::ios::trunc);
            f << content;
        }
        std::filesystem::permissions(
            p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        return p;
    }

  private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

struct CliResult {
    int status = -1;  // exit status, or -1 when the child did not exit normally
    std::string out;
    std::string err;
};

// Runs `sharemsg args...` with `input` on standard input.
inline CliResult run_cli(const std::vector<std::string>& args, const std::string& input = "") {
    TempDir dir;
    const std::string in_path = dir.write("stdin", input);
    const std::string out_path = dir.file("stdout"), err_path = dir.file("stderr");

    std::vector<std::string> argv_s{SHAREMSG_CLI_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    CliResult r;
    if (rc != 0) {
        ADD_FAILURE() << "posix_spawn " << argv[0] << " failed: " << rc;
        return r;
    }
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) {
            ADD_FAILURE() << "waitpid failed";
            return r;
        }
    }
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

inline std::string vectors_dir() {
    return SHAREMSG_VECTORS_DIR;
}
inline std::string mainnet_blob_path() {
    return vectors_dir() + "/transition_v35_v36_mainnet.hex";
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace sharemsg::testing
