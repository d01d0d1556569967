// sharemsg musig: offline MuSig2 (BIP327) co-signing from the command line.
//
//   keyagg     the aggregate x-only key of a list of signing pubkeys
//   sign       one signer's round trip: prints its pubnonce, reads everyone's pubnonces on
//              standard input, prints its partial signature (musig_sign.cpp)
//   aggregate  verifies every partial signature, names a bad signer, prints the signature
//   verify     BIP340 verification of the result
//
// Signer lists: the keys are given in any order; KeyAgg uses them sorted (KeySort) unless
// --no-sort keeps the order given. Nonces and partial signatures are always listed in the
// order the keys were given, and errors count signers in that order.
#include "musig_args.hpp"

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "crypto/bip340.hpp"
#include "musig/codec.hpp"
#include "musig/nonce.hpp"
#include "musig/session.hpp"

namespace sharemsg::cli {

namespace {

constexpr std::string_view kKeyagg = "musig keyagg";
constexpr std::string_view kAggregate = "musig aggregate";
constexpr std::string_view kVerify = "musig verify";

// ---- keyagg ------------------------------------------------------------------------------

struct KeyaggOptions {
    std::vector<std::string> keys;
    bool no_sort = false;
    bool json = false;
};

void run_keyagg(const KeyaggOptions& o) {
    const SignerList s = SignerList::load(kKeyagg, "PUB", o.keys, !o.no_sort, false);
    const musig::XonlyPubKey agg = s.keyagg().xonly_pubkey();
    if (o.json) {
        nlohmann::ordered_json j;
        j["aggregate_key"] = to_hex(agg);
        j["sorted"] = !o.no_sort;
        j["signers"] = s.keyagg_order_hex();
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::cout << "Aggregate key (x-only): " << to_hex(agg) << "\n"
              << "Signers in KeyAgg order" << (o.no_sort ? " (as given)" : " (sorted)") << ":\n";
    for (const auto& k : s.keyagg_order_hex())
        std::cout << "  " << k << "\n";
}

// ---- aggregate ---------------------------------------------------------------------------

struct AggregateOptions {
    std::string message;
    std::vector<std::string> signers;
    std::vector<std::string> nonces;
    std::vector<std::string> partials;
    bool no_sort = false;
    bool json = false;
};

// The signer (index in the order given) whose partial signature is bad: reported on stderr
// and, with --json, as an object on stdout; exit status 1.
[[noreturn]] void blame_signer(const AggregateOptions& o, const SignerList& s, std::size_t given,
                               const std::string& why) {
    if (o.json) {
        nlohmann::ordered_json j;
        j["valid"] = false;
        j["error"] = "bad_partial_signature";
        j["signer_index"] = given;
        j["signer_pubkey"] = to_hex(s.given()[given]);
        std::cout << j.dump(2) << "\n";
    }
    fail(kAggregate, "--partials: " + s.describe(given) + ": " + why, kExitInvalid);
}

void run_aggregate(const AggregateOptions& o) {
    const Bytes msg = parse_message(kAggregate, o.message);
    const SignerList s = SignerList::load(kAggregate, "--signers", o.signers, !o.no_sort, true);
    const std::size_t n = s.size();
    if (o.nonces.size() != n)
        fail(kAggregate,
             "--nonces: " + std::to_string(o.nonces.size()) + " given for " + std::to_string(n) +
                 " signers (one pubnonce per signer, in the order of --signers)",
             kExitUsage);
    if (o.partials.size() != n)
        fail(kAggregate,
             "--partials: " + std::to_string(o.partials.size()) + " given for " +
                 std::to_string(n) +
                 " signers (one partial signature per signer, in the order of --signers)",
             kExitUsage);

    std::vector<musig::PubNonce> nonces(n);
    for (std::size_t i = 0; i < n; ++i)
        nonces[i] =
            parse_pubnonce(kAggregate, "--nonces: pubnonce of " + s.describe(i), o.nonces[i]);
    std::vector<musig::PartialSig> psigs(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Bytes b =
            parse_hex_exact(kAggregate, "--partials: partial signature of " + s.describe(i),
                            o.partials[i], sizeof(musig::PartialSig));
        auto psig = musig::decode_partial_sig(b);
        // 32 bytes that are no scalar below n: that signer's contribution is invalid.
        if (!psig) blame_signer(o, s, i, "not a scalar below the group order n");
        psigs[i] = *psig;
    }

    const auto keyagg_nonces = s.to_keyagg_order(nonces);
    const auto keyagg_psigs = s.to_keyagg_order(psigs);
    auto aggnonce = musig::nonce_agg(keyagg_nonces);
    if (!aggnonce) fail(kAggregate, "--nonces: " + s.explain(aggnonce.error()), kExitUsage);
    auto session = musig::Session::create(*aggnonce, s.keyagg(), msg);
    if (!session) fail(kAggregate, s.explain(session.error()), kExitUsage);
    auto sig = musig::verify_and_aggregate(*session, keyagg_nonces, keyagg_psigs);
    if (!sig) {
        const musig::Error& e = sig.error();
        if (e.code == musig::ErrorCode::invalid_contribution &&
            e.contribution == musig::Contribution::psig && e.signer)
            blame_signer(o, s, s.given_index(*e.signer),
                         "the partial signature does not verify under this signer's key and "
                         "pubnonce (a wrong partial signature, or one made for another message, "
                         "signer list or set of pubnonces)");
        fail(kAggregate, s.explain(e), kExitUsage);
    }
    const musig::XonlyPubKey agg = s.keyagg().xonly_pubkey();
    if (!crypto::schnorr_verify(s.keyagg().plain_pubkey(), to_hash(msg), *sig))
        fail(kAggregate,
             "internal error: every partial signature verified but the aggregate signature does "
             "not verify under the aggregate key " +
                 to_hex(agg),
             kExitInvalid);
    if (o.json) {
        nlohmann::ordered_json j;
        j["valid"] = true;
        j["signature"] = to_hex(*sig);
        j["aggregate_key"] = to_hex(agg);
        j["message"] = to_hex(msg);
        j["signers"] = s.keyagg_order_hex();
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::cout << to_hex(*sig) << "\n";
}

// ---- verify ------------------------------------------------------------------------------

struct VerifyOptions {
    std::string key;
    std::string message;
    std::string signature;
    bool json = false;
};

void run_verify(const VerifyOptions& o) {
    // An x-only key is the point with that x and an even y; schnorr_verify reads the x only.
    const Bytes key_bytes = parse_hex_choice(kVerify, "--key", o.key, 32, 33);
    crypto::CompressedPubKey key{};
    if (key_bytes.size() == 32) {
        if (!musig::decode_xonly_pubkey(key_bytes))
            fail(kVerify, "--key: not the x coordinate of a point on secp256k1", kExitUsage);
        key[0] = 0x02;
        std::copy(key_bytes.begin(), key_bytes.end(), key.begin() + 1);
    } else {
        if (!musig::decode_plain_pubkey(key_bytes))
            fail(kVerify, "--key: not a valid compressed public key", kExitUsage);
        std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
    }
    const Bytes msg = parse_message(kVerify, o.message);
    crypto::SchnorrSig sig{};
    const Bytes sig_bytes =
        parse_hex_exact(kVerify, "--signature", o.signature, sizeof(crypto::SchnorrSig));
    std::copy(sig_bytes.begin(), sig_bytes.end(), sig.begin());

    const bool valid = crypto::schnorr_verify(key, to_hash(msg), sig);
    if (o.json) {
        nlohmann::ordered_json j;
        j["valid"] = valid;
        j["key"] = to_hex(ByteView(key).subspan(1));
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << (valid ? "valid"
                            : "INVALID: the signature does not verify under this key "
                              "and message")
                  << "\n";
    }
    if (!valid) throw CLI::RuntimeError(kExitInvalid);
}

}  // namespace

void add_musig_node_commands(CLI::App& musig);  // start, join, ...: cmd_musig_node.cpp

void add_musig_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "musig",
        "Co-sign offline with MuSig2 (BIP327): n signers make one BIP340 signature that "
        "verifies under their aggregate key.");
    cmd->require_subcommand(1);
    cmd->footer(
        "A round: (1) everyone agrees on the signers' pubkeys and the 32-byte message, and "
        "`keyagg` shows the aggregate key; (2) each signer runs `sign`, which prints a pubnonce "
        "and waits; (3) every signer's `sign` is given all the pubnonces on standard input and "
        "prints a partial signature; (4) anyone runs `aggregate` with the pubnonces and partial "
        "signatures; (5) `verify` checks the result. Nonces and partial signatures are listed in "
        "the order the signers' keys are given; the keys are sorted for aggregation unless "
        "--no-sort. Exit status: 0 success; 1 a signature or partial signature does not verify; "
        "2 unusable input (the message says which argument or signer).");

    auto k = std::make_shared<KeyaggOptions>();
    auto* keyagg = cmd->add_subcommand(
        "keyagg",
        "Print the aggregate x-only key of the given pubkeys and the keys in KeyAgg "
        "order (sorted unless --no-sort).");
    keyagg
        ->add_option("PUB", k->keys,
                     "Signing pubkeys, 66 hex digits each (compressed points); also accepted "
                     "separated by commas")
        ->delimiter(',')
        ->required();
    keyagg->add_flag("--no-sort", k->no_sort,
                     "Aggregate the keys in the order given instead of sorting them (KeySort)");
    keyagg->add_flag("--json", k->json,
                     "Print {\"aggregate_key\",\"sorted\",\"signers\"} (signers in KeyAgg order)");
    keyagg->callback([k] { run_keyagg(*k); });

    add_musig_sign_command(*cmd);

    auto a = std::make_shared<AggregateOptions>();
    auto* aggregate = cmd->add_subcommand(
        "aggregate",
        "Verify every signer's partial signature and combine them into the BIP340 signature; a "
        "bad partial signature is refused naming its signer.");
    aggregate->add_option("--message", a->message, kMessageHelp)->required();
    add_signers_options(aggregate, a->signers, a->no_sort);
    aggregate
        ->add_option("--nonces", a->nonces,
                     "The pubnonces printed by each signer's `sign` (132 hex digits each), "
                     "separated by commas, in the order of --signers")
        ->delimiter(',')
        ->required();
    aggregate
        ->add_option("--partials", a->partials,
                     "The partial signatures printed by each signer's `sign` (64 hex digits "
                     "each), separated by commas, in the order of --signers")
        ->delimiter(',')
        ->required();
    aggregate->add_flag(
        "--json", a->json,
        "Print {\"valid\":true,\"signature\",\"aggregate_key\",\"message\",\"signers\"}; a bad "
        "partial signature prints {\"valid\":false,\"error\",\"signer_index\",\"signer_pubkey\"} "
        "(signer_index counts from 0 in the order of --signers)");
    aggregate->footer(
        "Prints the 64-byte signature as 128 hex digits after checking it under the aggregate "
        "key. Exit status 1 names the signer whose partial signature does not verify.");
    aggregate->callback([a] { run_aggregate(*a); });

    auto v = std::make_shared<VerifyOptions>();
    auto* verify = cmd->add_subcommand(
        "verify", "Verify a BIP340 signature (e.g. from `aggregate`) under an x-only key.");
    verify
        ->add_option("--key", v->key,
                     "The x-only key (64 hex digits, e.g. from `keyagg`) or a compressed "
                     "pubkey (66 hex digits)")
        ->required();
    verify->add_option("--message", v->message, kMessageHelp)->required();
    verify->add_option("--signature", v->signature, "The signature, 128 hex digits")->required();
    verify->add_flag("--json", v->json, "Print {\"valid\",\"key\"}");
    verify->footer("Prints 'valid' (exit status 0) or 'INVALID: ...' (exit status 1).");
    verify->callback([v] { run_verify(*v); });

    add_musig_node_commands(*cmd);
}

}  // namespace sharemsg::cli
