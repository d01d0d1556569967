// sharemsgd's configuration: every option defined once (name, type, default, help) and
// registered both as a command-line flag and as a key of the optional config file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sharemsg::node {

struct Config {
    bool devnet = false;
    std::string datadir;  // required
    std::string p2p_bind = "127.0.0.1";
    std::uint16_t p2p_port = 0;      // 0: the network's default (devnet: 19338)
    std::vector<std::string> peers;  // HOST:PORT
    double share_period = 10;        // devnet: seconds between mined shares
    std::string address;  // payout pubkey-hash (40 hex); generated on the devnet if empty
    std::string web_bind = "127.0.0.1";
    std::uint16_t web_port = 0;                    // 0: the network's default (devnet: 19327)
    std::vector<std::string> transition_messages;  // hex v1 blobs embedded in every mined share
    bool mine = true;                              // devnet: mine shares
    std::string log_level = "info";
};

// Registers every option on `app` (also readable from a config file via --config).
void add_options(CLI::App& app, Config& cfg);

}  // namespace sharemsg::node
