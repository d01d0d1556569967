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
    std::uint16_t p2p_port = 0;      // 0: the network's default (devnet: 19438)
    std::vector<std::string> peers;  // HOST:PORT
    double share_period = 10;        // devnet: seconds between mined shares
    std::string address;  // payout pubkey-hash (40 hex); generated on the devnet if empty
    std::string web_bind = "127.0.0.1";
    std::uint16_t web_port = 0;  // 0: the network's default (devnet: 19437)
    // Host names the web port answers besides the loopback names (and the --web-bind
    // address); any other Host gets 403 (against DNS rebinding).
    std::vector<std::string> web_allow_hosts;
    // What one client (an IPv4 address or an IPv6 /64) may hold of the web port: connections
    // and event streams (docs/api.md, "Limits"). A mailbox whose users share one address
    // (one host, one NAT) needs more streams than the default.
    std::size_t web_client_connections = 32;
    std::size_t web_client_streams = 8;
    std::vector<std::string> transition_messages;  // hex v1 blobs embedded in every mined share
    bool mine = true;                              // devnet: mine shares
    std::string log_level = "info";
    std::string net;                // devnet (the same as --devnet), litecoin, litecoin_testnet
    bool bootstrap = true;          // dial the network's bootstrap nodes
    bool synthetic_mining = false;  // tests: mine on a made-up block template (litecoin_testnet)

    // Messaging (seed 000 §5.2): a derived signing key from `sharemsg derive-key`, never a
    // master key.
    std::string signing_key;              // WIF of the derived signing key
    std::string signing_key_file;         // a file holding it (mode 0600), or "-": stdin
    std::uint32_t signing_key_index = 0;  // must match the derivation
    std::string signing_key_delegation;   // hex, from `sharemsg derive-key` (open profile)
    std::vector<std::string> messages;    // --message: chat queued at start
    std::vector<std::string> announces;   // --announce: announcements queued at start
    double status_interval = 300;         // seconds between NODE_STATUS messages; 0: never

    // Local ban policy, added at start (also kept in the database and banned_senders.json).
    std::vector<std::string> ban_senders;    // signing ids (40 hex)
    std::vector<std::string> ban_addresses;  // payout addresses
    std::vector<std::string> ban_words;      // keywords

    // Open profile, sacrifice shares (docs/protocol.md §7.3): addresses added to the network's
    // sacrifice list (all nodes of the network must agree), and how often this node mines a
    // share that pays the first of them, tagged with its signing id (0: never).
    std::vector<std::string> sacrifice_addresses;  // P2PKH addresses or 40-hex pubkey hashes
    unsigned sacrifice_every = 0;                  // every Nth mined share
    // Open profile, co-signing authorities (docs/protocol.md §5.2): NAME=PUB1,PUB2,... each
    // (every node of the network must list the same); authority messages under their
    // aggregate keys are accepted.
    std::vector<std::string> cosign_authorities;

    // P2P limits (docs/architecture.md, "Limits"); the defaults are p2pool's.
    std::size_t max_peers = 40;    // inbound connections (p2pool's --max-conns)
    std::size_t max_outbound = 6;  // outbound connections (p2pool's --outgoing-conns)
    bool discover = true;          // learn addresses from peers and dial them (the address book)
    std::size_t max_peers_per_ip = 3;  // inbound connections from one address
    unsigned ban_time = 3600;          // seconds a misbehaving peer's address stays banned
    double p2p_idle_timeout = 100;     // seconds without a message before a peer is dropped

    std::size_t max_messages = 1000;    // message store capacity (the reference keeps 1000)
    std::size_t outbox_capacity = 256;  // queued messages beyond this: 429 queue full
    // A message that cannot go out within this many seconds is refused (429 with retry_after);
    // at most half the time the open profile's window spans is used (docs/api.md).
    double max_send_delay = 600;

    // The relay role (docs/relay.md).
    bool relay = false;                   // serve /relay/* for this node's network
    std::string relay_db;                 // empty: DATADIR/relay.db (SQLite); or postgresql://...
    std::string relay_admin_pubkey;       // 66 hex: the key that signs allow-list changes
    unsigned relay_rate_limit = 100;      // requests a minute per source address and identity
    double relay_ttl = 300;               // seconds a registration lives without a refresh
    double relay_signal_ttl = 60;         // seconds a signal waits for its recipient (tests)
    std::vector<std::string> relay_urls;  // http://HOST:PORT of relays to register with
    std::vector<std::string> relay_endpoints;  // IP:PORT to register (default: the P2P bind)
    std::string relay_nat = "unknown";         // the NAT type to register
    double relay_interval = 120;               // seconds between registrations (±10%)
    std::vector<std::string> stun_servers;     // HOST:PORT, asked for this node's NAT type
    double stun_interval = 300;                // seconds between NAT discoveries
    double relay_lookup_interval = 60;         // seconds between lookups of the window's miners

    // The mailbox role (docs/mailbox.md, "The mailbox server").
    bool mailbox = false;    // serve /mailbox/* for this node's network
    std::string mailbox_db;  // empty: DATADIR/mailbox.sqlite; or postgresql://...
    std::uint64_t mailbox_quota_messages = 1000;   // per receiver
    std::uint64_t mailbox_quota_bytes = 16777216;  // per receiver (payload bytes)
    double mailbox_ttl = 604800;                   // seconds an unfetched message is kept
    double mailbox_registration_ttl = 604800;      // seconds a registration lives
    unsigned mailbox_rate_limit = 120;   // requests a minute per source address and identity
    double mailbox_sweep_interval = 30;  // hidden: seconds between sweeps (tests)

    // The gossip service (docs/gossip.md, "The gossip service").
    std::uint16_t gossip_port = 7070;           // UDP; 0: gossip off
    std::string gossip_bind;                    // empty: --p2p-bind
    std::vector<std::string> gossip_peers;      // HOST:PORT seeds
    std::vector<std::string> gossip_endpoints;  // IP:PORT announced (default: see docs)
    double gossip_push_interval = 60;           // hidden: seconds between pushes (±1/6)
    double gossip_pull_interval = 15;           // hidden: seconds between pulls

    // Direct links (docs/nat.md, "Direct links"): ICE through the relays' signaling.
    std::string turn;                // turn:HOST:PORT (or HOST:PORT): the TURN server, if any
    std::string turn_user;           // its long-term credential's user name
    std::string turn_password_file;  // a file holding its password (first line)
    double direct_timeout = 30;      // hidden: seconds an ICE session may take to connect
    unsigned direct_tries = 5;       // hidden: tries of one connect

    // The node's mail (docs/mailbox.md, "The node's mail"): the mailbox it registers with, fetches
    // from and deposits into (http://HOST:PORT); empty: no mail client.
    std::string mailbox_url;

    // MuSig2 signing sessions (docs/musig.md, "Sessions between nodes"), over the node's mail.
    bool musig = false;
    std::uint64_t musig_session_timeout = 2 * 3600;  // seconds a session is kept
    std::uint64_t musig_stuck_timeout = 600;    // seconds a session may wait in an exchange phase
    std::uint64_t musig_cleanup_interval = 60;  // seconds between sweeps
    std::size_t musig_max_sessions = 256;
    std::uint32_t musig_max_sequence_gap = 100;
};

// Registers every option on `app` (also readable from a config file via --config).
void add_options(CLI::App& app, Config& cfg);

// Whether the command line itself names `flag` ("--flag VALUE" or "--flag=VALUE"): such a
// value is visible to every local user (ps, /proc/PID/cmdline).
bool on_command_line(int argc, const char* const* argv, const std::string& flag);

}  // namespace sharemsg::node
