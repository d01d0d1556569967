#include "node/network.hpp"

namespace sharemsg::node {

Network devnet_network() {
    Network n;
    n.p2p = p2p::DEVNET;
    n.web_port = 19437;
    n.open_profile = true;
    n.mining = Network::Mining::devnet;
    // The devnet's donation address: HASH160 of the public key of secret 1
    // (mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r). The devnet has no coin, so nothing is lost.
    n.sacrifice_pubkey_hashes.push_back(
        p2p::detail::hex_bytes<20>("751e76e8199196d454941c45d1b3a323f1433bd6"));
    n.address_version = 0x6f;  // testnet-style addresses: the devnet has no coin of its own
    n.authorities = proto::mainnet_authorities();
    for (const auto& a : proto::test_authorities())
        n.authorities.push_back(a);
    return n;
}

Network litecoin_network() {
    Network n;
    n.p2p = p2p::LITECOIN_MAINNET;
    n.web_port = 9329;       // beside p2pool's own 9326 (P2P) and 9327 (workers and web)
    n.address_version = 48;  // bitcoin/networks/litecoin.py ADDRESS_VERSION
    n.authorities = proto::mainnet_authorities();
    // networks/litecoin.py BOOTSTRAP_ADDRS at 44a10f30.
    n.bootstrap = {"ml.toom.im",    "usa.p2p-spb.xyz", "102.160.209.121", "5.188.104.245",
                   "20.127.82.115", "31.25.241.224",   "20.113.157.65",   "20.106.76.227",
                   "15.218.180.55", "173.79.139.224",  "174.60.78.162"};
    return n;
}

Network litecoin_testnet_network() {
    Network n;
    n.p2p = p2p::LITECOIN_TESTNET;
    n.web_port = 19329;
    n.address_version = 111;  // bitcoin/networks/litecoin_testnet.py ADDRESS_VERSION
    n.authorities = proto::mainnet_authorities();
    n.mining = Network::Mining::synthetic;
    // networks/litecoin_testnet.py BOOTSTRAP_ADDRS at 44a10f30: two hosts of a private LAN.
    n.bootstrap = {"192.168.86.29", "192.168.86.31"};
    return n;
}

std::optional<Network> network_by_name(std::string_view name) {
    if (name == "devnet") return devnet_network();
    if (name == p2p::LITECOIN_MAINNET.name) return litecoin_network();
    if (name == p2p::LITECOIN_TESTNET.name) return litecoin_testnet_network();
    return std::nullopt;
}

std::vector<std::string> network_names() {
    return {"devnet", std::string(p2p::LITECOIN_MAINNET.name),
            std::string(p2p::LITECOIN_TESTNET.name)};
}

}  // namespace sharemsg::node
