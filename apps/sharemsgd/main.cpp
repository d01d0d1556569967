// sharemsgd: the share-messaging node.
#include <sys/stat.h>

#include <iostream>
#include <utility>

#include <spdlog/spdlog.h>

#include "node/node.hpp"
#include "node/signing_keys.hpp"

namespace {

// The signing key from --signing-key-file (a 0600 file, or standard input); a warning when
// it is on the command line (every local user can read it there) or in a config file others
// may read. False when the key cannot be read.
bool take_signing_key(CLI::App& app, sharemsg::node::Config& cfg, int argc, char** argv) {
    using namespace sharemsg::node;
    if (!cfg.signing_key_file.empty()) {
        if (!cfg.signing_key.empty()) {
            spdlog::error(
                "cannot start: --signing-key-file and --signing-key both give a key; give one");
            return false;
        }
        auto key = read_signing_key_file(cfg.signing_key_file, std::cin);
        if (!key) {
            spdlog::error("cannot start: --signing-key-file: {}", key.error().reason);
            return false;
        }
        cfg.signing_key = std::move(*key);
        return true;
    }
    if (cfg.signing_key.empty()) return true;
    if (on_command_line(argc, argv, "--signing-key")) {
        spdlog::warn(
            "--signing-key on the command line: every local user can read it (ps, "
            "/proc/PID/cmdline); give it with --signing-key-file FILE (mode 0600) or "
            "--signing-key-file - (standard input), or in a 0600 --config file");
        return true;
    }
    const auto* config = app.get_config_ptr();
    const std::string path = config && config->count() ? config->as<std::string>() : "";
    struct stat st {};
    if (!path.empty() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077))
        spdlog::warn(
            "the config file {} holds the signing key and other users may read it "
            "(mode {:04o}): run `chmod 600 {}`",
            path, st.st_mode & 07777, path);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    // Everything the node creates is for its owner only, whatever the umask it was started
    // with (as Bitcoin Core does): the data directory holds the API token and decrypted
    // private text. The data directory and the database also set their own modes.
    ::umask(077);
    CLI::App app{
        "sharemsgd: P2Pool share-messaging node (sharechain peer, message store, HTTP API)"};
    sharemsg::node::Config cfg;
    sharemsg::node::add_options(app, cfg);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    if (cfg.devnet && !cfg.net.empty() && cfg.net != "devnet") {
        std::cerr << "sharemsgd: --devnet and --net " << cfg.net << " name two networks\n";
        return 2;
    }
    if (cfg.devnet) cfg.net = "devnet";
    if (cfg.net.empty()) {
        std::cerr << "sharemsgd: name a network: --devnet, or --net litecoin|litecoin_testnet\n";
        return 2;
    }
    cfg.devnet = cfg.net == "devnet";
    auto net = sharemsg::node::network_by_name(cfg.net);  // --net was checked against the names
    if (cfg.synthetic_mining && net->mining != sharemsg::node::Network::Mining::synthetic) {
        std::cerr << "sharemsgd: --synthetic-mining is for tests on litecoin_testnet only\n";
        return 2;
    }
    if (!take_signing_key(app, cfg, argc, argv)) return 2;
    try {
        sharemsg::node::Node node(cfg, std::move(*net));
        auto started = node.start();
        if (!started) {
            spdlog::error("cannot start: {}", started.error().reason);
            return 1;
        }
        node.run();  // until SIGINT or SIGTERM (handled inside the node's I/O loop)
        spdlog::info("stopped");
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
    return 0;
}
