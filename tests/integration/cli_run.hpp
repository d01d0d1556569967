// Runs the `sharemsg` command line (SHAREMSG_CLI_PATH) as the tests of its client commands do:
// each argument single-quoted for the shell, `stdin_text` on its standard input, and its
// standard error in `err_file` when one is given, else merged into the output.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace itest {

struct CliRun {
    int status = -1;
    std::string out;  // standard output (and error, without err_file)
    std::string err;  // standard error, with err_file
    std::string all() const { return out + err; }
};

inline CliRun run_sharemsg(const std::vector<std::string>& args, const std::string& stdin_text = "",
                           const std::optional<fs::path>& err_file = std::nullopt) {
    std::string cmd;
    if (!stdin_text.empty()) cmd = "printf '%s' '" + stdin_text + "' | ";
    cmd += SHAREMSG_CLI_PATH;
    for (const auto& a : args)
        cmd += " '" + a + "'";
    cmd += err_file ? " 2>'" + err_file->string() + "'" : std::string(" 2>&1");
    CliRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        r.out.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (err_file) {
        std::ifstream in(*err_file);
        std::stringstream ss;
        ss << in.rdbuf();
        r.err = ss.str();
    }
    return r;
}

}  // namespace itest
