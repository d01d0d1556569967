#include "node/config.hpp"

#include "node/network.hpp"

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
    app.add_option(
           "--share-period", c.share_period,
           "Devnet: mean seconds between mined shares (each interval drawn from 0.5x to 1.5x)")
        ->check(CLI::Range(0.05, 3600.0))
        ->capture_default_str();
    app.add_option("--address", c.address,
                   "Payout pubkey hash (40 hex digits); on the devnet one is generated into the "
                   "datadir if absent");
    app.add_option("--web-bind", c.web_bind, "Address of the HTTP API")->capture_default_str();
    app.add_option("--web-port", c.web_port, "HTTP API port (0: the network's default)")
        ->capture_default_str();
    app.add_option("--web-allow-host", c.web_allow_hosts,
                   "Also answer HTTP requests for this host name or address (no port; "
                   "repeatable). Always answered: localhost, 127.0.0.1, [::1] and the --web-bind "
                   "address; any other Host header gets 403");
    app.add_option("--web-client-connections", c.web_client_connections,
                   "Connections one client (an IPv4 address, an IPv6 /64) may hold on the web "
                   "port, event streams not counted")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    app.add_option("--web-client-streams", c.web_client_streams,
                   "Event streams (/msg/stream, /mail/stream, /mailbox/subscribe) one client may "
                   "hold on the web port")
        ->check(CLI::Range(std::size_t{1}, std::size_t{256}))
        ->capture_default_str();
    app.add_option("--transition-message", c.transition_messages,
                   "Hex v1 authority blob embedded in every mined share (repeatable)");
    app.add_option("--mine", c.mine, "Devnet (and --synthetic-mining): mine shares (true/false)")
        ->capture_default_str();
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->capture_default_str();
    app.add_option("--net", c.net,
                   "Network: devnet (the same as --devnet), litecoin or litecoin_testnet (a "
                   "follower: it verifies and shows the live sharechain and does not mine)")
        ->check(CLI::IsMember(network_names()));
    app.add_option("--bootstrap", c.bootstrap,
                   "Dial the network's bootstrap nodes (true/false; the devnet has none)")
        ->capture_default_str();
    app.add_flag("--synthetic-mining", c.synthetic_mining,
                 "Tests only, litecoin_testnet only: mine real-format scrypt shares on a made-up "
                 "block template (they are worth nothing outside a test's own network)");

    app.add_option("--signing-key-file", c.signing_key_file,
                   "File holding the derived signing key (WIF, first line) from `sharemsg "
                   "derive-key`, mode 0600; - reads it from standard input");
    app.add_option("--signing-key", c.signing_key,
                   "Derived signing key (WIF); on the command line every local user sees it "
                   "(prefer --signing-key-file, or this key in a 0600 --config file)");
    app.add_option("--signing-key-index", c.signing_key_index,
                   "Key index the signing key was derived with (rotation: a higher index)")
        ->capture_default_str();
    app.add_option("--signing-key-delegation", c.signing_key_delegation,
                   "Delegation (hex) printed by `sharemsg derive-key`: binds the signing key to "
                   "the payout address");
    app.add_option("--message", c.messages, "Queue a chat message for the next share (repeatable)");
    app.add_option("--announce", c.announces,
                   "Queue a pool announcement for the next share (repeatable)");
    app.add_option("--status-interval", c.status_interval,
                   "Seconds between NODE_STATUS messages (0: never)")
        ->check(CLI::Range(0.0, 86400.0))
        ->capture_default_str();
    app.add_option("--ban-sender", c.ban_senders, "Ban a signing id (40 hex; repeatable)");
    app.add_option("--ban-address", c.ban_addresses, "Ban a payout address (repeatable)");
    app.add_option("--ban-word", c.ban_words, "Hide messages containing this word (repeatable)");
    app.add_option("--sacrifice-address", c.sacrifice_addresses,
                   "Open profile: an address whose shares count as sacrifice shares, besides "
                   "the network's (every node of the network must list the same; repeatable)");
    app.add_option("--cosign-authority", c.cosign_authorities,
                   "Open profile: a co-signing authority NAME=PUB1,PUB2,... (compressed keys, 66 "
                   "hex digits, at least 2): authority messages co-signed by all of them are "
                   "accepted (every node of the network must list the same; repeatable)");
    app.add_option("--sacrifice-every", c.sacrifice_every,
                   "Open profile: mine every Nth share for the first sacrifice address, tagged "
                   "with this node's signing id, to earn message budget (0: never)")
        ->check(CLI::Range(0u, 1000000u))
        ->capture_default_str();
    app.add_option("--max-peers", c.max_peers,
                   "Inbound P2P connections accepted at once (lowered to fit the open-file "
                   "limit)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{100'000}))
        ->capture_default_str();
    app.add_option("--max-outbound", c.max_outbound,
                   "Outbound P2P connections at once (each --peer takes one)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1'000}))
        ->capture_default_str();
    app.add_option("--discover", c.discover,
                   "Ask peers for addresses, advertise ours and dial addresses from the address "
                   "book (DATADIR/addrs.json) while outbound slots are free (true/false)")
        ->capture_default_str();
    app.add_option("--max-peers-per-ip", c.max_peers_per_ip,
                   "Inbound P2P connections accepted from one address")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
        ->capture_default_str();
    app.add_option("--ban-time", c.ban_time,
                   "Seconds a misbehaving peer's address stays banned (a banned --peer is "
                   "dialled again when its ban ends)")
        ->check(CLI::Range(1u, 30u * 86400u))
        ->capture_default_str();
    app.add_option("--p2p-idle-timeout", c.p2p_idle_timeout,
                   "Seconds without a message before a peer is dropped; the node pings each peer "
                   "every quarter of it")
        ->check(CLI::Range(1.0, 3600.0))
        ->capture_default_str();
    app.add_option("--max-messages", c.max_messages, "Messages kept in the store")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
        ->capture_default_str();
    app.add_option("--outbox-capacity", c.outbox_capacity,
                   "Queued outgoing messages before /msg/send answers 429")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
        ->capture_default_str();
    app.add_option("--max-send-delay", c.max_send_delay,
                   "Seconds within which a sent message must be able to go out (by this node's "
                   "message budget and queue), or /msg/send answers 429 with retry_after; at "
                   "most half the time the open profile's window spans")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    app.add_flag("--relay", c.relay,
                 "Serve as a relay: signed registration and lookup of node endpoints for "
                 "identities whose master key is paid in this node's sharechain window (or is on "
                 "the allow list) under /relay/ (docs/relay.md)");
    app.add_option("--relay-db", c.relay_db,
                   "Relay storage: empty for SQLite in DATADIR/relay.db, or a postgresql:// URI "
                   "(several relays behind one address share it)");
    app.add_option("--relay-admin-pubkey", c.relay_admin_pubkey,
                   "Relay: the admin key (66 hex digits) whose signed changes edit the allow list");
    app.add_option("--relay-rate-limit", c.relay_rate_limit,
                   "Relay: requests a minute per source address, and registrations a minute per "
                   "identity (429 with Retry-After beyond)")
        ->check(CLI::Range(1u, 1'000'000u))
        ->capture_default_str();
    app.add_option("--relay-url", c.relay_urls,
                   "Register this node's endpoints with the relay at http://HOST:PORT every "
                   "--relay-interval seconds (repeatable; needs a signing key and delegation)");
    app.add_option("--relay-endpoint", c.relay_endpoints,
                   "An IP:PORT ([IPv6]:PORT) where peers reach this node, registered with the "
                   "relays (repeatable, at most 6; default: --p2p-bind and the P2P port)");
    app.add_option("--relay-nat", c.relay_nat,
                   "NAT type registered with the relays: unknown, open, full_cone, restricted, "
                   "port_restricted, symmetric (unknown: what --stun finds)")
        ->capture_default_str();
    app.add_option("--stun", c.stun_servers,
                   "A STUN server (HOST:PORT) asked for this node's public address and NAT type "
                   "(RFC 5780 needs one that has an other address); repeatable, the first to "
                   "answer is used. No server is contacted unless named");
    app.add_option("--stun-interval", c.stun_interval,
                   "Seconds between NAT discoveries (also run when this machine's addresses "
                   "change)")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    app.add_option("--relay-interval", c.relay_interval,
                   "Seconds between registrations with each relay (each wait ±10%)")
        ->check(CLI::Range(0.2, 86400.0))
        ->capture_default_str();
    app.add_option("--relay-lookup-interval", c.relay_lookup_interval,
                   "Seconds between lookups, through the --relay-url relays, of the miners paid "
                   "in the sharechain window; the ones found are dialled as peers")
        ->check(CLI::Range(0.2, 86400.0))
        ->capture_default_str();
    app.add_option("--gossip-port", c.gossip_port,
                   "UDP port of the gossip service (signed address announces, docs/gossip.md); 0 "
                   "turns gossip off")
        ->capture_default_str();
    app.add_option("--gossip-bind", c.gossip_bind,
                   "Address the gossip service listens on (default: --p2p-bind)");
    app.add_option("--gossip-peer", c.gossip_peers,
                   "A gossip peer (HOST:PORT) to push to and pull from at start (repeatable)");
    app.add_option("--gossip-endpoint", c.gossip_endpoints,
                   "An IP:PORT ([IPv6]:PORT) where other nodes reach this node's gossip port, "
                   "announced (repeatable, at most 6; default: --gossip-bind and --gossip-port, "
                   "and the public address --stun finds with --gossip-port)");
    // Test-only: shorter gossip timers (hidden from --help).
    app.add_option("--gossip-push-interval", c.gossip_push_interval)
        ->check(CLI::Range(0.1, 86400.0))
        ->group("");
    app.add_option("--gossip-pull-interval", c.gossip_pull_interval)
        ->check(CLI::Range(0.1, 86400.0))
        ->group("");
    // Test-only: how long the relay holds an ICE signal (hidden from --help).
    app.add_option("--relay-signal-ttl", c.relay_signal_ttl)
        ->check(CLI::Range(0.5, 3600.0))
        ->group("");
    app.add_option("--turn", c.turn,
                   "TURN server (turn:HOST:PORT, UDP) for direct links that ICE cannot punch: "
                   "the last resort, both sides relayed through it (docs/nat.md)");
    app.add_option("--turn-user", c.turn_user, "User name of the --turn server's credential");
    app.add_option("--turn-password-file", c.turn_password_file,
                   "File whose first line is the --turn server's password (not on the command "
                   "line, where every local user can read it)");
    // Test-only: shorter direct-link timeouts (hidden from --help).
    app.add_option("--direct-timeout", c.direct_timeout)->check(CLI::Range(1.0, 600.0))->group("");
    app.add_option("--direct-tries", c.direct_tries)->check(CLI::Range(1, 20))->group("");
    app.add_flag("--mailbox", c.mailbox,
                 "Serve as a mailbox: sealed messages kept for identities whose master key is "
                 "paid in this node's sharechain window, under /mailbox/ "
                 "(docs/mailbox.md)");
    app.add_option("--mailbox-db", c.mailbox_db,
                   "Mailbox storage: empty for SQLite in DATADIR/mailbox.sqlite, or a "
                   "postgresql:// URI");
    app.add_option("--mailbox-quota-messages", c.mailbox_quota_messages,
                   "Mailbox: messages kept per receiver (507 quota_full beyond)")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))
        ->capture_default_str();
    app.add_option("--mailbox-quota-bytes", c.mailbox_quota_bytes,
                   "Mailbox: payload bytes kept per receiver (507 quota_full beyond)")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
        ->capture_default_str();
    app.add_option("--mailbox-ttl", c.mailbox_ttl, "Mailbox: seconds an unfetched message is kept")
        ->check(CLI::Range(1.0, 365 * 86400.0))
        ->capture_default_str();
    app.add_option("--mailbox-registration-ttl", c.mailbox_registration_ttl,
                   "Mailbox: seconds a registration lives without a refresh")
        ->check(CLI::Range(1.0, 365 * 86400.0))
        ->capture_default_str();
    app.add_option("--mailbox-rate-limit", c.mailbox_rate_limit,
                   "Mailbox: requests a minute per source address, and per identity (429 with "
                   "Retry-After beyond)")
        ->check(CLI::Range(1u, 1'000'000u))
        ->capture_default_str();
    // Test-only: seconds between the mailbox's sweeps (hidden from --help).
    app.add_option("--mailbox-sweep-interval", c.mailbox_sweep_interval)
        ->check(CLI::Range(0.1, 3600.0))
        ->group("");
    app.add_option("--mailbox-url", c.mailbox_url,
                   "The mailbox (http://HOST:PORT) of this node's mail: registered with, "
                   "fetched from, deposited into when no direct link reaches the recipient "
                   "(needs a signing key and its delegation)");
    app.add_flag("--musig", c.musig,
                 "Take part in MuSig2 signing sessions, whose frames travel by this node's mail "
                 "(needs --mailbox-url)");
    app.add_option("--musig-session-timeout", c.musig_session_timeout,
                   "MuSig2: seconds a session is kept, whatever its phase")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{7 * 86400}))
        ->capture_default_str();
    app.add_option("--musig-stuck-timeout", c.musig_stuck_timeout,
                   "MuSig2: seconds a session may wait for nonces or partial signatures before "
                   "it is aborted as stuck")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{86400}))
        ->capture_default_str();
    app.add_option("--musig-cleanup-interval", c.musig_cleanup_interval,
                   "MuSig2: seconds between cleanups of old and stuck sessions")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{3600}))
        ->capture_default_str();
    app.add_option("--musig-max-sessions", c.musig_max_sessions,
                   "MuSig2: sessions held at once (announcements beyond are refused)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
        ->capture_default_str();
    app.add_option("--musig-max-sequence-gap", c.musig_max_sequence_gap,
                   "MuSig2: how far a signer's sequence number may jump ahead")
        ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1000000}))
        ->capture_default_str();
    app.add_option("--relay-ttl", c.relay_ttl,
                   "Relay: seconds a registration lives without a refresh")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
}

bool on_command_line(int argc, const char* const* argv, const std::string& flag) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--") break;
        if (a == flag ||
            (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '='))
            return true;
    }
    return false;
}

}  // namespace sharemsg::node
