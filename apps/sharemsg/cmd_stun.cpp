// sharemsg stun (hidden): asks STUN servers for this host's mapped address and classifies its
// NAT (RFC 5780; node/nat_discovery.hpp). For tests and labs, e.g. from inside a network
// namespace. Exit status 0 when a server answered, 2 when none did, 1 on bad arguments.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cli_io.hpp"
#include "commands.hpp"
#include "node/nat_discovery.hpp"

namespace sharemsg::cli {

namespace {

constexpr std::string_view kCmd = "stun";

struct StunOptions {
    std::vector<std::string> servers;
    std::string bind = "0.0.0.0";
    bool json = false;
};

void run(const StunOptions& o) {
    boost::asio::io_context io;
    std::vector<node::udp::endpoint> servers;
    for (const auto& s : o.servers) {
        auto e = node::resolve_stun_server(io, s);
        if (!e) fail(kCmd, "not a STUN server HOST:PORT that resolves: " + s);
        servers.push_back(*e);
    }
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(o.bind, ec);
    if (ec) fail(kCmd, "--bind: not an IP address: " + o.bind);
    const auto report = node::discover_nat(io, servers, node::udp::endpoint(address, 0));
    if (o.json) {
        std::cout << report.json().dump() << "\n";
    } else {
        const auto j = report.json();
        for (const char* key :
             {"mapped", "nat", "mapping", "filtering", "server", "local", "other_address"})
            std::cout << key << " " << (j[key].is_null() ? "-" : j[key].get<std::string>()) << "\n";
    }
    if (!report.mapped) throw CLI::RuntimeError(2);
}

}  // namespace

void add_stun_command(CLI::App& app) {
    auto o = std::make_shared<StunOptions>();
    auto* cmd = app.add_subcommand(
        std::string(kCmd),
        "Ask STUN servers for this host's mapped address and classify its NAT (RFC 5780)");
    cmd->group("");  // hidden: a tool for tests and labs
    cmd->add_option("servers", o->servers, "STUN servers, HOST:PORT (the first answer wins)")
        ->required();
    cmd->add_option("--bind", o->bind, "Local IP address to send from (default 0.0.0.0)");
    cmd->add_flag("--json", o->json, "Print the report as one JSON object");
    cmd->callback([o] { run(*o); });
}

}  // namespace sharemsg::cli
