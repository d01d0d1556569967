// sharemsgd: the share-messaging node.
#include <iostream>

#include <spdlog/spdlog.h>

#include "node/node.hpp"

int main(int argc, char** argv) {
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
    if (cfg.net == "devnet") cfg.devnet = true;
    if (!cfg.devnet) {
        std::cerr << "sharemsgd: only --devnet is available in this version (mainnet and testnet "
                     "need the "
                     "coin-daemon work, not written yet)\n";
        return 2;
    }
    try {
        sharemsg::node::Node node(cfg, sharemsg::node::devnet_network());
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
