#include "node/network.hpp"

namespace sharemsg::node {

Network devnet_network() {
    Network n;
    p2p::NetworkParams& p = n.p2p;
    p.name = "sharemsg_devnet";
    p.identifier = p2p::detail::hex_bytes<8>("73686d7364657601");  // "shmsdev\x01"
    p.prefix = p2p::detail::hex_bytes<8>("73686d7370327001");      // "shmsp2p\x01"
    p.p2p_port = 19438;
    p.worker_port = 19439;
    p.share_period_s = 10;
    p.chain_length = 400;
    p.real_chain_length = 400;
    p.target_lookbehind = 20;
    p.spread = 3;
    p.min_target = {};
    // A trivial target (2^252 - 1): a share takes about 16 hashes.
    p.max_target =
        p2p::detail::int256("0fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    p.minimum_protocol_version = p2p::V36_MINIMUM_PROTOCOL_VERSION;
    p.segwit_activation_version = 0;
    p.persist = false;
    p.pow = p2p::PowKind::sha256d;
    p.parent_block_period_s = 60;
    p.block_max_size = 1000000;
    p.block_max_weight = 4000000;
    n.pow.name = p.name;
    n.pow.identifier = p.identifier;
    n.pow.max_target = p.max_target;
    n.pow.pow = chain::PowFunc::sha256d;
    n.pow.segwit_activated = false;
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
