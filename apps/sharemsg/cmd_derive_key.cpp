// sharemsg derive-key: offline derivation of a message signing key from a master (payout)
// private key, as seed 000 §5.1 describes. The master key is only ever held in buffers that
// are wiped; nothing is written anywhere but the derived key's details to standard output.
#include <algorithm>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_io.hpp"
#include "commands.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/keys_io.hpp"
#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"

namespace sharemsg::cli {

namespace {

constexpr std::string_view kCmd = "derive-key";

struct DeriveOptions {
    std::string master;
    std::string index = "0";
    std::string network;
    std::string delegation_network;
    CLI::Option* delegation_opt = nullptr;  // given at all (an empty value is an error)
    bool json = false;
};

bool is_hex64(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    return true;
}

// The master secret and what its text said about the network.
struct Master {
    proto::WifKey key;  // from a WIF, or the hex bytes with version/compressed chosen below
    bool from_wif = false;
    proto::Network network;
};

Master parse_master(std::string_view text, const std::optional<proto::Network>& requested) {
    Master m;
    if (is_hex64(text)) {
        auto bytes = from_hex(text);
        // is_hex64 guarantees success.
        for (std::size_t i = 0; i < 32; ++i)
            m.key.secret[i] = (*bytes)[i];
        crypto::wipe(bytes->data(), bytes->size());
        m.network = requested.value_or(proto::Network{proto::Coin::litecoin, false});
        m.key.version = proto::wif_version(m.network);
        m.key.compressed = true;
        if (auto ok = crypto::PrivKey::from_bytes(m.key.secret); !ok)
            fail(kCmd, "MASTER (hex): " + ok.error().reason);
        if (!requested)
            std::cerr << "note: MASTER is raw hex, which names no network; the master address is "
                         "shown for "
                      << proto::network_name(m.network)
                      << " (compressed key). Use --network to choose.\n";
        return m;
    }
    auto wif = proto::decode_wif(text);
    if (!wif) {
        if (text.size() == 64)
            fail(kCmd, "MASTER has 64 characters but is not hex (64 hex digits expected)");
        fail(kCmd, "MASTER is neither 64 hex digits nor a valid WIF key: " + wif.error().reason);
    }
    m.key = *wif;
    m.from_wif = true;
    const proto::Coin testnet_coin = requested ? requested->coin : proto::Coin::litecoin;
    m.network = *proto::network_from_wif_version(m.key.version, testnet_coin);
    if (requested) {
        if (m.key.version == proto::WIF_VERSION_TESTNET) {
            // 0xef is shared by both testnets: --network picks the coin; "btc"/"ltc" without
            // "-test" are accepted as naming the coin only.
        } else if (requested->coin != m.network.coin || requested->testnet) {
            fail(kCmd, "--network " + proto::network_name(*requested) +
                           " conflicts with the WIF, whose version byte " + "says " +
                           proto::network_name(m.network));
        }
    }
    return m;
}

void run_derive_key(DeriveOptions& o) {
    std::optional<proto::open::NetworkId> delegation_net;
    if (o.delegation_opt && o.delegation_opt->count() > 0) {
        auto id = proto::open::parse_network_id(o.delegation_network);
        if (!id) fail(kCmd, "--delegation-network: " + id.error().reason);
        delegation_net = *id;
    }
    std::optional<proto::Network> requested;
    if (!o.network.empty()) {
        requested = proto::parse_network(o.network);
        if (!requested)
            fail(kCmd, "--network must be btc, ltc, btc-test or ltc-test, got '" + o.network + "'");
    }
    const auto index = parse_u32(o.index);
    if (!index) fail(kCmd, "INDEX must be an integer from 0 to 4294967295, got '" + o.index + "'");

    Master master;
    if (o.master == "-") {
        auto secret = read_secret("-", "Master private key (WIF or 64 hex digits): ");
        if (!secret) fail(kCmd, secret.error().reason);
        if (secret->view().empty()) fail(kCmd, "no master key on standard input");
        master = parse_master(secret->view(), requested);
    } else {
        master = parse_master(o.master, requested);
    }
    wipe_string(o.master);

    auto master_priv = crypto::PrivKey::from_bytes(master.key.secret);
    if (!master_priv) fail(kCmd, "MASTER: " + master_priv.error().reason);
    const crypto::CompressedPubKey compressed_pub = master_priv->pubkey();
    const Bytes master_pub = master.key.compressed
                                 ? Bytes(compressed_pub.begin(), compressed_pub.end())
                                 : master_priv->pubkey_uncompressed();
    const std::string master_address = proto::p2pkh_address(master_pub, master.network);

    auto derived = proto::DerivedSigningKey::derive(master.key.secret, *index);
    if (!derived) fail(kCmd, "cannot derive a signing key: " + derived.error().reason);
    // The signing key is always encoded compressed (its pubkey is the compressed point), with
    // the master's version byte so that it belongs to the same network.
    const std::string signing_wif =
        proto::encode_wif(derived->privkey().bytes(), master.key.version, true);
    const std::string signing_id = to_hex(derived->signing_id());
    const std::string signing_pub = to_hex(derived->pubkey());

    // The open profile's delegation: the master key signs (network id, signing pubkey, index).
    // It binds HASH160 of the 33-byte master pubkey, so the payout address must be the
    // compressed key's.
    std::string delegation_hex;
    if (delegation_net) {
        if (!master.key.compressed)
            fail(kCmd,
                 "--delegation-network needs a compressed master key: the open profile binds "
                 "HASH160 of the 33-byte master pubkey, but this uncompressed WIF's address is "
                 "HASH160 of the 65-byte key, so the delegation could never match its shares");
        ByteArray<32> aux{};
        const Bytes rnd = crypto::random_bytes(aux.size());
        std::copy(rnd.begin(), rnd.end(), aux.begin());
        const auto d = proto::open::make_delegation(*master_priv, *delegation_net,
                                                    derived->pubkey(), *index, aux);
        // Self-check with the node's own parser and verifier before printing.
        auto parsed = proto::open::parse_delegation_hex(proto::open::delegation_to_hex(d));
        if (!parsed || !proto::open::make_announcement(*derived, *parsed, *delegation_net))
            fail(kCmd, "internal error: the delegation does not verify");
        delegation_hex = proto::open::delegation_to_hex(d);
    }

    if (o.json) {
        nlohmann::ordered_json j;
        j["master_address"] = master_address;
        j["key_index"] = *index;
        j["signing_key_wif"] = signing_wif;
        j["signing_id"] = signing_id;
        j["signing_pubkey"] = signing_pub;
        if (delegation_net) {
            j["delegation_network"] = to_hex(*delegation_net);
            j["master_pubkey"] = to_hex(compressed_pub);
            j["delegation"] = delegation_hex;
        }
        std::cout << j.dump(2) << "\n";
        return;
    }
    if (delegation_net) {
        std::cout << "Master address:  " << master_address << "\n"
                  << "Key index:       " << *index << "\n"
                  << "Signing key WIF: " << signing_wif << "\n"
                  << "Signing ID:      " << signing_id << "\n"
                  << "Signing pubkey:  " << signing_pub << "\n"
                  << "Master pubkey:   " << to_hex(compressed_pub) << "\n"
                  << "Network id:      " << to_hex(*delegation_net) << "\n"
                  << "Delegation:      " << delegation_hex << "\n"
                  << "\n"
                  << "Copy this to your node (open profile):\n"
                  << "  --signing-key " << signing_wif << " --signing-key-index " << *index
                  << " --signing-key-delegation " << delegation_hex << "\n"
                  << "\n"
                  << "The delegation is public (it proves the key is yours); the node must mine "
                     "to the master address above.\n"
                  << "WARNING: Do NOT copy your master WIF to the node!\n";
        return;
    }
    std::cout << "Master address:  " << master_address << "\n"
              << "Key index:       " << *index << "\n"
              << "Signing key WIF: " << signing_wif << "\n"
              << "Signing ID:      " << signing_id << "\n"
              << "Signing pubkey:  " << signing_pub << "\n"
              << "\n"
              << "Copy this to your p2pool node:\n"
              << "  --signing-key " << signing_wif << " --signing-key-index " << *index << "\n"
              << "\n"
              << "WARNING: Do NOT copy your master WIF to the node!\n";
}

}  // namespace

void add_derive_key_command(CLI::App& app) {
    auto o = std::make_shared<DeriveOptions>();
    auto* cmd = app.add_subcommand(
        "derive-key",
        "Derive a message signing key from your master (payout address) private key. Run it "
        "offline, "
        "on the machine that holds the master key; give only the derived key to the node.");
    cmd->add_option(
           "MASTER", o->master,
           "Master private key: a WIF (Bitcoin/Litecoin, mainnet/testnet) or 64 hex digits. "
           "Give '-' to read it from standard input instead (recommended: a key on the "
           "command line can end up in shell history and is visible in `ps`). On a "
           "terminal the key is read without echo.")
        ->required();
    cmd->add_option(
        "INDEX", o->index,
        "Key index, 0 to 4294967295 (default 0). Increase it to rotate: nodes revoke the "
        "keys of lower indexes when they see a higher one.");
    cmd->add_option("--network", o->network,
                    "btc, ltc, btc-test or ltc-test. A WIF names its network by its version byte "
                    "(0x80 Bitcoin, 0xb0 Litecoin, 0xef testnet of either); this option only picks "
                    "the coin for 0xef (default ltc, the coin this product targets) and must agree "
                    "otherwise. For a hex master it chooses the network of the master address and "
                    "of the signing key's WIF (default ltc mainnet).");
    o->delegation_opt = cmd->add_option(
        "--delegation-network", o->delegation_network,
        "Also sign the open profile's delegation of this signing key for a network: 'devnet' or "
        "the network's 8-byte IDENTIFIER as 16 hex digits. Prints the master pubkey and the "
        "delegation (one hex string, master pubkey || BIP340 signature) for the node's "
        "--signing-key-delegation. Needs a compressed master key.");
    cmd->add_flag("--json", o->json,
                  "Print {\"master_address\",\"key_index\",\"signing_key_wif\",\"signing_id\","
                  "\"signing_pubkey\"} instead of the text report; with --delegation-network also "
                  "\"delegation_network\",\"master_pubkey\",\"delegation\"");
    cmd->footer(
        "Derivation: signing_privkey = HMAC-SHA256(master, \"p2pool-msg-v1\" || le32(INDEX)); "
        "signing_id = HASH160(compressed signing pubkey). The master address is the P2PKH address "
        "of "
        "the master key (compressed pubkey for a compressed WIF or a hex master, uncompressed for "
        "an "
        "uncompressed WIF). The signing key WIF uses the master's version byte, compressed. "
        "Nothing is "
        "written to disk; buffers that held the master key are wiped. Delegation (open "
        "profile): BIP340 Schnorr by the master key over tagged_hash(\"sharemsg/open/delegation\", "
        "network_id || signing_pubkey || le32(INDEX) || master_pubkey); see docs/protocol.md.");
    cmd->callback([o] { run_derive_key(*o); });
}

}  // namespace sharemsg::cli
