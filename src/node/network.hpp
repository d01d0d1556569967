// The node's view of a network: its parameter table (p2p/params.hpp), the authority keys and
// which message_data profiles its shares may carry.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/gentx.hpp"
#include "chain/pow.hpp"
#include "chain/pow_params.hpp"
#include "chain/tracker.hpp"
#include "p2p/messages.hpp"
#include "p2p/params.hpp"
#include "proto/authority.hpp"
#include "proto/message.hpp"
#include "proto/open_envelope.hpp"

namespace sharemsg::node {

struct Network {
    p2p::NetworkParams p2p;  // the network's one table; pow() and target() are slices of it
    proto::AuthoritySet authorities;
    std::uint16_t web_port = 9327;
    std::uint8_t address_version = 0x30;  // P2PKH version byte of payout addresses
    // Whether shares may carry the open profile (message_data 0x02: miner chat, bound keys,
    // private messages). Never under V36 mainnet rules; on by the devnet.
    bool open_profile = false;
    // Open profile: payout pubkey hashes whose shares are sacrifice shares (operator and
    // donation addresses; docs/protocol.md §7.3). Every node of a network must use the same
    // list, since it decides which messages are within budget.
    std::vector<ByteArray<20>> sacrifice_pubkey_hashes;
    // Host names or addresses of p2pool nodes dialled at start (the reference's
    // BOOTSTRAP_ADDRS), on the network's P2P port; --bootstrap false leaves them out.
    std::vector<std::string_view> bootstrap;
    // How this node may make shares. `none`: a follower; it verifies and shows the chain, and
    // messages are sent by a pool node that embeds the library (the live networks: a real
    // share needs a block template from a coin daemon). `devnet`: CPU-mined shares, always.
    // `synthetic`: only with --synthetic-mining, a test's chain of real-format shares whose
    // block template is made up (litecoin_testnet parameters on 127.0.0.1).
    enum class Mining { none, devnet, synthetic };
    Mining mining = Mining::none;
    const proto::open::NetworkId& network_id() const { return p2p.identifier; }
    chain::PowParams pow() const { return p2p::pow_params(p2p); }
    chain::TargetParams target() const { return p2p::target_params(p2p); }
    chain::GentxParams gentx() const { return p2p::gentx_params(p2p); }
};

// Our private devnet (p2p::DEVNET): its own identifier and prefix, sha256d, cheap targets.
// Its authority set adds the public test authorities of the reference vectors, so that tests
// and operators can sign alerts on it; never on a real network.
Network devnet_network();
// The live p2pool networks on Litecoin (p2p::LITECOIN_MAINNET, p2p::LITECOIN_TESTNET): the
// V36 authority keys, no open profile, followers.
Network litecoin_network();
Network litecoin_testnet_network();
// The network named `name` (devnet, litecoin, litecoin_testnet), or nullopt.
std::optional<Network> network_by_name(std::string_view name);
// The names network_by_name knows, for help texts and errors.
std::vector<std::string> network_names();

// What the node needs to know about a verified share.
struct ShareView {
    chain::ShareId hash{};
    std::optional<chain::ShareId> prev;
    chain::Work work = 0;
    Bytes message_data;
    std::vector<proto::ShareMessage> messages;  // verified by the network's message_data rule
    std::optional<proto::open::Envelope> open;  // an open-profile envelope (structure checked)
    ByteArray<20> pubkey_hash{};
    std::uint32_t timestamp = 0;
    std::uint64_t absheight = 0;
    std::uint64_t abswork = 0;
    chain::TargetFields target;  // timestamp, bits, max_bits: what the difficulty rule reads
    // What the payouts of later shares read of this one (the tracker keeps it).
    std::shared_ptr<const chain::GentxAncestor> payout;
    // Whether its difficulty and generated transaction were checked; false: its ancestors are
    // too few to check them yet (pending), and `pending` holds what the check will read.
    bool checked = false;
    struct Pending {
        chain::Share share;
        chain::VerifiedShare verified;
    };
    std::shared_ptr<const Pending> pending;
    p2p::WrappedShare wire;
};

// Decodes a share received from a peer, checks its proof of work (so that message_data is
// bound to it), the difficulty the chain below it demands (chain/target_rules.hpp, on
// `tracker`; `now` is the Unix time, for the rule on future timestamps), its generated
// transaction against the same chain (chain/gentx.hpp: payouts and the share_info fields the
// chain gives) and the network's rule for message_data. A share whose ancestors are too few to
// check its difficulty and generated transaction yet passes with `checked` false: add it to the
// tracker as pending; check_pending() decides it once they are known. The error carries the
// rule that failed (Error::rule: Rule::malformed_share, the PoW, difficulty and gentx rules,
// Rule::message_data, Rule::open_profile_disabled); what it costs the peer is the node's table
// (node/rules.hpp).
Result<ShareView> verify_share(const Network& net, const p2p::WrappedShare& share,
                               const chain::ShareTracker& tracker, std::uint64_t now);
// The generated-transaction rule for a pending share whose difficulty has just passed (the
// tracker's further check).
chain::FurtherVerdict check_pending(const Network& net, const ShareView& view,
                                    const chain::ShareTracker& tracker);

// Mines a share on a made-up block template (the devnet's, or litecoin_testnet's with
// --synthetic-mining) on top of `prev` (or a new chain), committing to message_data, at the
// target the chain in `tracker` demands of it (the easiest allowed) and paying the PPLNS
// window the tracker holds below it. Its timestamp is
// max(now, prev's + 1); Errc::invalid_argument when that is more than 600 s ahead of `now`
// (the share would be refused: mining waits for the clock).
Result<p2p::WrappedShare> mine_share(const Network& net, const chain::ShareTracker& tracker,
                                     const std::optional<ShareView>& prev,
                                     const ByteArray<20>& pubkey_hash, const Bytes& message_data,
                                     std::uint32_t now, std::uint64_t seed,
                                     std::uint64_t max_attempts);

}  // namespace sharemsg::node
