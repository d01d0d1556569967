// p2pool network parameters and protocol constants, as data.
//
// Source of truth: frstrtr/p2pool-merged-v36 at commit 44a10f30. Every value
// names the file and line it comes from; change it only when the reference
// changes. Addresses, bootstrap hosts and other operator settings are not here.
//
// One table per network (NetworkParams): the chain layer's slices of it (what proof of work
// and the difficulty rule read: chain::PowParams, chain::TargetParams, chain::GentxParams) are
// derived from it by pow_params(), target_params() and gentx_params() below, never written out a
// second time.
//
// Protocol version (the `version` field of the `version` message):
//   - A node advertises Protocol.VERSION = 3600 (p2pool/p2p.py:37).
//   - handle_version rejects a peer whose version is below
//     net.MINIMUM_PROTOCOL_VERSION, default 1400 when a network has none
//     (p2p.py:178-180), as misbehaviour ('peer too old': disconnect and ban).
//   - Litecoin mainnet/testnet start at MINIMUM_PROTOCOL_VERSION = 3301
//     (networks/litecoin.py:67, litecoin_testnet.py:36), which accepts V35
//     (3502) and V36 (3600) peers. update_min_protocol_version (data.py:2852)
//     ratchets it at run time to a share class's MINIMUM_PROTOCOL_VERSION once
//     95% of the chain's shares are that version: 3500 for V35
//     (data.py:2353); 3600 for V36 (data.py:2216) only when the AutoRatchet is
//     in its 'confirmed' state. A fall-back to 'voting' resets it to 3301
//     (data.py:3087-3097). That ratchet is node state, not a constant: the
//     values it moves between are below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chain/gentx.hpp"
#include "chain/pow_params.hpp"
#include "chain/target_rules.hpp"
#include "chain/uint.hpp"
#include "util/bytes.hpp"

namespace sharemsg::p2p {

// ---- protocol constants (network-independent) -----------------------------------

// Protocol.VERSION, what this node advertises (p2p.py:37).
inline constexpr std::uint32_t PROTOCOL_VERSION = 3600;
// getattr(net, 'MINIMUM_PROTOCOL_VERSION', 1400) fallback (p2p.py:178).
inline constexpr std::uint32_t DEFAULT_MINIMUM_PROTOCOL_VERSION = 1400;
// Share classes' MINIMUM_PROTOCOL_VERSION, the ratchet's targets.
inline constexpr std::uint32_t V35_MINIMUM_PROTOCOL_VERSION =
    3500;  // PaddingBugfixShare, data.py:2353
inline constexpr std::uint32_t V36_MINIMUM_PROTOCOL_VERSION =
    3600;  // MergedMiningShare, data.py:2216
// What the ratchet falls back to (data.py:3092, "accepts both V35 (3502) and V36").
inline constexpr std::uint32_t RATCHET_BASE_MINIMUM_PROTOCOL_VERSION = 3301;

// Maximum frame payload: p2protocol.Protocol(..., max_payload_length=32000000)
// as p2p.Protocol.__init__ passes it (p2p.py:42). Receiving: a larger length
// field is skipped (see p2p/frame.hpp); sending: TooLong.
inline constexpr std::size_t MAX_PAYLOAD_LENGTH = 32'000'000;

// The `mode` field of `version`: "always 1 for legacy compatibility" (p2p.py:159, 71).
inline constexpr std::uint32_t VERSION_MODE = 1;

// Session-level numbers of the reference, for the peer layer (not used by the codec).
namespace session_ref {
inline constexpr unsigned HANDSHAKE_TIMEOUT_S = 10;    // p2p.py:75 callLater(10, _connect_timeout)
inline constexpr unsigned IDLE_TIMEOUT_S = 100;        // p2p.py:198, 203 callLater/reset(100)
inline constexpr unsigned PING_MEAN_INTERVAL_S = 100;  // p2p.py:211 expovariate(1/100)
inline constexpr unsigned SHAREREQ_TIMEOUT_S = 15;     // p2p.py:80 GenericDeferrer(timeout=15)
inline constexpr std::uint32_t GETADDRS_MAX_COUNT = 100;            // p2p.py:328-329
inline constexpr std::size_t SUB_VERSION_KEEP = 512;                // p2p.py:183 sub_version[:512]
inline constexpr std::size_t REMOTE_TX_HASHES_MAX = 10000;          // p2p.py:500
inline constexpr std::size_t MAX_REMEMBERED_TXS_SIZE = 25'000'000;  // p2p.py:39
inline constexpr unsigned BAN_TIME_S = 3600;  // p2p.py:109 badPeerHappened(bantime=3600)
}  // namespace session_ref

// ---- per-network parameters --------------------------------------------------------

// The proof-of-work function of the parent chain (bitcoin/networks/*.py POW_FUNC).
using PowKind = chain::PowFunc;

struct NetworkParams {
    std::string_view name;         // the module name, p2pool/networks/<name>.py
    ByteArray<8> identifier;       // IDENTIFIER: in ref_type, and the share-message obfuscation key
    ByteArray<8> prefix;           // PREFIX: starts every P2P frame
    std::uint16_t p2p_port;        // P2P_PORT
    std::uint16_t worker_port;     // WORKER_PORT (stratum)
    std::uint32_t share_period_s;  // SHARE_PERIOD, seconds
    std::uint32_t chain_length;    // CHAIN_LENGTH, shares
    std::uint32_t real_chain_length;          // REAL_CHAIN_LENGTH, shares
    std::uint32_t target_lookbehind;          // TARGET_LOOKBEHIND, shares
    std::uint32_t spread;                     // SPREAD, blocks
    chain::Uint256 min_target;                // MIN_TARGET (IntType(256) bytes, little-endian)
    chain::Uint256 max_target;                // MAX_TARGET (IntType(256) bytes, little-endian)
    std::uint32_t minimum_protocol_version;   // MINIMUM_PROTOCOL_VERSION at start-up
    std::uint32_t segwit_activation_version;  // SEGWIT_ACTIVATION_VERSION
    bool persist;                             // PERSIST
    PowKind pow;                              // PARENT.POW_FUNC
    std::uint32_t parent_block_period_s;      // PARENT.BLOCK_PERIOD
    std::uint32_t block_max_size;             // BLOCK_MAX_SIZE
    std::uint32_t block_max_weight;           // BLOCK_MAX_WEIGHT
    // Share.check: a share's timestamp at most this far ahead of the receiver's clock. A
    // constant 600 in the reference (data.py:1447), not a network attribute; ours so that the
    // devnet can differ.
    std::uint32_t max_timestamp_ahead_s = 600;
};

namespace detail {
constexpr std::uint8_t hex_nibble(char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
}
// Bytes written in order, as Python's 'hex'.decode('hex').
template <std::size_t N>
constexpr ByteArray<N> hex_bytes(const char (&s)[2 * N + 1]) {
    ByteArray<N> out{};
    for (std::size_t i = 0; i < N; ++i)
        out[i] = static_cast<std::uint8_t>(hex_nibble(s[2 * i]) << 4 | hex_nibble(s[2 * i + 1]));
    return out;
}
// A 256-bit integer written as '%064x' (big-endian), stored little-endian like IntType(256).
constexpr chain::Uint256 int256(const char (&s)[65]) {
    chain::Uint256 out{};
    for (std::size_t i = 0; i < 32; ++i)
        out[31 - i] =
            static_cast<std::uint8_t>(hex_nibble(s[2 * i]) << 4 | hex_nibble(s[2 * i + 1]));
    return out;
}
}  // namespace detail

// p2pool/networks/litecoin.py, parent p2pool/bitcoin/networks/litecoin.py.
inline constexpr NetworkParams LITECOIN_MAINNET{
    .name = "litecoin",
    .identifier = detail::hex_bytes<8>("e037d5b8c6923410"),  // litecoin.py:10
    .prefix = detail::hex_bytes<8>("7208c1a53ef629b0"),      // litecoin.py:11
    .p2p_port = 9326,                                        // litecoin.py:12
    .worker_port = 9327,                                     // litecoin.py:46
    .share_period_s = 15,                                    // litecoin.py:4
    .chain_length = 24 * 60 * 60 / 10,                       // litecoin.py:5 (8640)
    .real_chain_length = 24 * 60 * 60 / 10,                  // litecoin.py:6
    .target_lookbehind = 200,                                // litecoin.py:7
    .spread = 3,                                             // litecoin.py:8
    .min_target = {},                                        // litecoin.py:13 (0)
    // litecoin.py:28  MAX_TARGET = 2**256//2**20 - 1
    .max_target =
        detail::int256("00000fffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    .minimum_protocol_version = 3301,  // litecoin.py:67
    .segwit_activation_version = 17,   // litecoin.py:68
    .persist = true,                   // litecoin.py:45
    .pow = PowKind::scrypt,            // bitcoin/networks/litecoin.py:22
    .parent_block_period_s = 150,      // bitcoin/networks/litecoin.py:25
    .block_max_size = 1000000,         // litecoin.py:69
    .block_max_weight = 4000000,       // litecoin.py:70
    .max_timestamp_ahead_s = 600,      // data.py:1447
};

// p2pool/networks/litecoin_testnet.py, parent p2pool/bitcoin/networks/litecoin_testnet.py.
inline constexpr NetworkParams LITECOIN_TESTNET{
    .name = "litecoin_testnet",
    .identifier = detail::hex_bytes<8>("cca5e24ec6408b1e"),  // litecoin_testnet.py:9
    .prefix = detail::hex_bytes<8>("ad9614f6466a39cf"),      // litecoin_testnet.py:10
    .p2p_port = 19338,                                       // litecoin_testnet.py:12
    .worker_port = 19327,                                    // litecoin_testnet.py:28
    .share_period_s = 4,                                     // litecoin_testnet.py:4
    .chain_length = 20 * 60 / 3,                             // litecoin_testnet.py:5 (400)
    .real_chain_length = 20 * 60 / 3,                        // litecoin_testnet.py:6
    .target_lookbehind = 200,                                // litecoin_testnet.py:7
    .spread = 3,                                             // litecoin_testnet.py:8
    .min_target = {},                                        // litecoin_testnet.py:13 (0)
    // litecoin_testnet.py:14  MAX_TARGET = 2**256//20 - 1
    .max_target =
        detail::int256("0ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccb"),
    .minimum_protocol_version = 3301,  // litecoin_testnet.py:36
    .segwit_activation_version = 17,   // litecoin_testnet.py:37
    .persist = false,                  // litecoin_testnet.py:26
    .pow = PowKind::scrypt,            // bitcoin/networks/litecoin_testnet.py:21
    .parent_block_period_s = 150,      // bitcoin/networks/litecoin_testnet.py:23
    .block_max_size = 1000000,         // litecoin_testnet.py:38
    .block_max_weight = 4000000,       // litecoin_testnet.py:39
    .max_timestamp_ahead_s = 600,      // data.py:1447
};

// Our private devnet (no reference counterpart): its own identifier ("shmsdev\x01") and
// prefix ("shmsp2p\x01"), sha256d, no segwit (the merkle root comes from merkle_link), shares
// CPU-mined in well under a second. Its targets keep the difficulty rule at work: a share at
// MAX_TARGET (2^252 - 1) takes about 16 hashes, at MIN_TARGET (2^244 - 1) about 4,096. With
// the default --share-period (10 s, SHARE_PERIOD) the pool's rate rounds down and the target
// stays at MAX_TARGET; nodes mining faster (--share-period 1, tests at 0.05) see shares come
// early, and the target falls by up to a tenth per share, down to MIN_TARGET. Timestamps may
// run a day ahead of the clock (600 s on the reference's networks), for the same tests.
inline constexpr NetworkParams DEVNET{
    .name = "sharemsg_devnet",
    .identifier = detail::hex_bytes<8>("73686d7364657601"),
    .prefix = detail::hex_bytes<8>("73686d7370327001"),
    .p2p_port = 19438,
    .worker_port = 19439,
    .share_period_s = 10,
    .chain_length = 400,
    .real_chain_length = 400,
    .target_lookbehind = 20,
    .spread = 3,
    .min_target =
        detail::int256("000fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    .max_target =
        detail::int256("0fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    .minimum_protocol_version = V36_MINIMUM_PROTOCOL_VERSION,
    .segwit_activation_version = 0,
    .persist = false,
    .pow = PowKind::sha256d,
    .parent_block_period_s = 60,
    .block_max_size = 1000000,
    .block_max_weight = 4000000,
    // A day: tests mine up to 20 shares a second, each timestamp a second after the last, so
    // the chain runs ahead of the clock; 600 s would stop them after 600 shares.
    .max_timestamp_ahead_s = 24 * 60 * 60,
};

inline constexpr std::array<const NetworkParams*, 3> KNOWN_NETWORKS{&LITECOIN_MAINNET,
                                                                    &LITECOIN_TESTNET, &DEVNET};

// The table whose name is `name`, or nullptr.
constexpr const NetworkParams* find_network(std::string_view name) {
    for (const NetworkParams* n : KNOWN_NETWORKS)
        if (n->name == name) return n;
    return nullptr;
}

// What verifying a share's proof of work reads of its network. is_segwit_activated(36, net)
// (data.py:153): 36 >= SEGWIT_ACTIVATION_VERSION > 0.
constexpr chain::PowParams pow_params(const NetworkParams& n) {
    chain::PowParams p;
    p.name = n.name;
    p.identifier = n.identifier;
    p.max_target = n.max_target;
    p.pow = n.pow;
    p.segwit_activated = n.segwit_activation_version > 0 && 36 >= n.segwit_activation_version;
    return p;
}

// What the share difficulty rule reads of its network (chain/target_rules.hpp).
constexpr chain::TargetParams target_params(const NetworkParams& n) {
    chain::TargetParams t;
    t.share_period_s = n.share_period_s;
    t.chain_length = n.chain_length;
    t.target_lookbehind = n.target_lookbehind;
    t.min_target = n.min_target;
    t.max_target = n.max_target;
    t.max_timestamp_ahead_s = n.max_timestamp_ahead_s;
    return t;
}

// What the generated-transaction rule reads of its network (chain/gentx.hpp).
constexpr chain::GentxParams gentx_params(const NetworkParams& n) {
    chain::GentxParams g;
    g.chain_length = n.chain_length;
    g.real_chain_length = n.real_chain_length;
    g.segwit_activated = pow_params(n).segwit_activated;
    return g;
}

inline constexpr chain::PowParams LITECOIN_MAINNET_POW = pow_params(LITECOIN_MAINNET);
inline constexpr chain::PowParams LITECOIN_TESTNET_POW = pow_params(LITECOIN_TESTNET);
inline constexpr chain::PowParams DEVNET_POW = pow_params(DEVNET);

}  // namespace sharemsg::p2p
