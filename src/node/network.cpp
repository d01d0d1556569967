#include "node/network.hpp"

namespace sharemsg::node {

Network devnet_network() {
    Network n;
    n.p2p = p2p::DEVNET;
    n.web_port = 19437;
    n.open_profile = true;
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

}  // namespace sharemsg::node
