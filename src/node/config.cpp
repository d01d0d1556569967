#include "node/config.hpp"

namespace sharemsg::node {

void add_options(CLI::App& app, Config& c) {
    app.set_config("--config", "",
                   "Read options from this file (KEY = VALUE, the same names as the flags)");
    app.add_flag("--devnet", c.devnet,
                 "Run a private local sharechain (CPU-mined shares, trivial target)");
    app.add_option("--datadir", c.datadir, "Data directory (shares, messages, cookie)")->required();
    app.add_option("--p2p-bind", c.p2p_bind, "Address to listen on for p2pool peers")
        ->capture_default_str();
    app.add_option("--p2p-port", c.p2p_port, "P2P port (0: the network's default)")
        ->capture_default_str();
    app.add_option("--peer", c.peers, "Connect to this peer, HOST:PORT (repeatable)");
    app.add_option("--share-period", c.share_period, "Devnet: seconds between mined shares")
        ->check(CLI::Range(0.05, 3600.0))
        ->capture_default_str();
    app.add_option("--address", c.address,
                   "Payout pubkey hash (40 hex digits); on the devnet one is generated into the "
                   "datadir if absent");
    app.add_option("--web-bind", c.web_bind, "Address of the HTTP API")->capture_default_str();
    app.add_option("--web-port", c.web_port, "HTTP API port (0: the network's default)")
        ->capture_default_str();
    app.add_option("--transition-message", c.transition_messages,
                   "Hex v1 authority blob embedded in every mined share (repeatable)");
    app.add_option("--mine", c.mine, "Devnet: mine shares (true/false)")->capture_default_str();
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->capture_default_str();
}

}  // namespace sharemsg::node
