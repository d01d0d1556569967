#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "conformance/runner.hpp"

namespace sharemsg::cli {

void add_conformance_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "conformance",
        "Run vector files (schema of share_messages_public.json) against this implementation");
    auto files = std::make_shared<std::vector<std::string>>();
    auto verbose = std::make_shared<bool>(false);
    cmd->add_option("FILE", *files, "Vector files")->required()->check(CLI::ExistingFile);
    cmd->add_flag("-v,--verbose", *verbose, "Also list every passing vector");
    cmd->footer(
        "Prints one line per failing vector (category and what), one per skipped vector with its "
        "reason,\n"
        "then 'N passed, M failed, K skipped'. Exit status 0 only when nothing failed.");
    cmd->callback([files, verbose] {
        std::size_t passed = 0, failed = 0, skipped = 0;
        for (const auto& path : *files) {
            std::ifstream in(path);
            std::stringstream ss;
            ss << in.rdbuf();
            auto j = nlohmann::json::parse(ss.str(), nullptr, false);
            if (j.is_discarded()) {
                std::cout << "FAIL " << path << ": not valid JSON\n";
                ++failed;
                continue;
            }
            auto report = conformance::run_vectors(j);
            for (const auto& o : report.outcomes) {
                switch (o.status) {
                    case conformance::Status::pass:
                        ++passed;
                        if (*verbose) std::cout << "pass " << o.category << ": " << o.what << "\n";
                        break;
                    case conformance::Status::fail:
                        ++failed;
                        std::cout << "FAIL " << o.category << ": " << o.what << " -- " << o.detail
                                  << "\n";
                        break;
                    case conformance::Status::skip:
                        ++skipped;
                        std::cout << "skip " << o.category << ": " << o.what << " -- " << o.detail
                                  << "\n";
                        break;
                }
            }
        }
        std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
        if (failed) throw CLI::RuntimeError(1);
    });
}

}  // namespace sharemsg::cli
