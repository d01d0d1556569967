// sharemsg open-vectors: writes the open profile's vector file (vectors/open_profile.json)
// from fixed keys and nonces, or checks a file of that schema against this build.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_io.hpp"
#include "commands.hpp"
#include "conformance/open_vectors.hpp"

namespace sharemsg::cli {

namespace {

constexpr std::string_view kCmd = "open-vectors";

struct OpenVectorsOptions {
    std::string out;
    std::string check;
};

void run_open_vectors(const OpenVectorsOptions& o) {
    if (!o.check.empty()) {
        std::ifstream f(o.check, std::ios::binary);
        if (!f) fail(kCmd, "cannot read " + o.check);
        std::stringstream ss;
        ss << f.rdbuf();
        auto j = nlohmann::json::parse(ss.str(), nullptr, false);
        if (j.is_discarded()) fail(kCmd, o.check + ": not JSON");
        const auto rep = conformance::check_open_vectors(j);
        for (const auto& f2 : rep.failures)
            std::cout << "FAIL " << f2 << "\n";
        std::cout << rep.checked << " checked, " << rep.failures.size() << " failed\n";
        if (!rep.failures.empty()) throw CLI::RuntimeError(1);
        return;
    }
    const std::string text = conformance::make_open_vectors().dump(1) + "\n";
    if (o.out.empty() || o.out == "-") {
        std::cout << text;
        return;
    }
    if (auto st = write_file_atomic(o.out, text, 0644); !st)
        fail(kCmd, "cannot write " + o.out + ": " + st.error().reason);
}

}  // namespace

void add_open_vectors_command(CLI::App& app) {
    auto o = std::make_shared<OpenVectorsOptions>();
    auto* cmd = app.add_subcommand(
        "open-vectors",
        "Write the open profile's test vectors (vectors/open_profile.json) from fixed keys and "
        "nonces, or check a vector file against this build.");
    cmd->add_option("--out", o->out, "File to write (default: standard output)");
    cmd->add_option("--check", o->check,
                    "Check every vector of this file instead; exit 1 if any fails");
    cmd->callback([o] { run_open_vectors(*o); });
}

}  // namespace sharemsg::cli
