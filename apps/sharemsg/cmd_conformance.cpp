#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "conformance/runner.hpp"

namespace sharemsg::cli {

namespace {

void print_counts(const std::vector<conformance::Report::CategoryCounts>& rows) {
    std::printf("%-28s %6s %6s %12s %6s\n", "category", "pass", "fail", "intentional", "skip");
    conformance::Report::CategoryCounts total{"total"};
    for (const auto& r : rows) {
        std::printf("%-28s %6zu %6zu %12zu %6zu\n", r.category.c_str(), r.pass, r.fail,
                    r.intentional, r.skip);
        total.pass += r.pass;
        total.fail += r.fail;
        total.intentional += r.intentional;
        total.skip += r.skip;
    }
    std::printf("%-28s %6zu %6zu %12zu %6zu\n", total.category.c_str(), total.pass, total.fail,
                total.intentional, total.skip);
}

}  // namespace

void add_conformance_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "conformance",
        "Run vector files (schema of share_messages_public.json) against this implementation");
    auto files = std::make_shared<std::vector<std::string>>();
    auto verbose = std::make_shared<bool>(false);
    cmd->add_option("FILE", *files, "Vector files")->required()->check(CLI::ExistingFile);
    cmd->add_flag("-v,--verbose", *verbose, "Also list every passing vector");
    cmd->footer(
        "Prints one line per failing vector (category, what, first mismatch), one per intentional\n"
        "difference from the reference with its reason, one per skipped vector (unknown category)\n"
        "with its reason; then per file a table of counts per category, and finally\n"
        "'N passed, M failed, K skipped' (intentional differences on the line before).\n"
        "Exit status 0 only when nothing failed.");
    cmd->callback([files, verbose] {
        std::size_t passed = 0, failed = 0, intentional = 0, skipped = 0;
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
                if (o.status == conformance::Status::pass && !*verbose) continue;
                std::cout << conformance::status_name(o.status) << " " << o.category << ": "
                          << o.what;
                if (!o.detail.empty()) std::cout << " -- " << o.detail;
                std::cout << "\n";
            }
            std::cout << "\n" << path << "\n" << std::flush;
            print_counts(report.by_category());
            std::fflush(stdout);
            passed += report.count(conformance::Status::pass);
            failed += report.count(conformance::Status::fail);
            intentional += report.count(conformance::Status::intentional);
            skipped += report.count(conformance::Status::skip);
        }
        std::cout << intentional
                  << " intentional differences (each listed above with its reason)\n";
        std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
        if (failed) throw CLI::RuntimeError(1);
    });
}

}  // namespace sharemsg::cli
