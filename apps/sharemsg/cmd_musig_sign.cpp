// sharemsg musig sign: one signer's part of a MuSig2 round, in one process.
//
// The secret nonce exists only in this process's memory: it is drawn after the key and the
// signer list are checked, never written anywhere (while the process holds the key and the
// nonce, core dumps and ptrace by the user's other processes are off), and consumed by
// signing. A round that does not finish (standard input ends, a bad pubnonce) simply ends
// the process: the nonce is wiped and never used. Each run draws a fresh nonce, so a run is
// one signing, and the partial signature it prints fits only the pubnonces it read.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "musig/nonce.hpp"
#include "musig/session.hpp"
#include "musig_args.hpp"
#include "node/signing_keys.hpp"
#include "proto/keys_io.hpp"

namespace sharemsg::cli {

namespace {

constexpr std::string_view kSign = "musig sign";

struct SignOptions {
    std::string key_file;
    std::string message;
    std::vector<std::string> signers;
    bool no_sort = false;
    bool json = false;
};

// The signing key from a file in the form sharemsgd's --signing-key-file takes (a WIF on the
// first line, a file readable by its owner only).
crypto::PrivKey read_key(const std::string& path) {
    if (path == "-")
        fail(kSign,
             "--key: standard input carries the pubnonces; give the key in a file (mode 0600)",
             kExitUsage);
    auto line = node::read_signing_key_file(path, std::cin);
    if (!line) fail(kSign, "--key: " + line.error().reason, kExitUsage);
    auto wif = proto::decode_wif(*line);
    wipe_string(*line);
    if (!wif)
        fail(kSign, "--key: " + path + ": not a WIF private key (" + wif.error().reason + ")",
             kExitUsage);
    auto key = crypto::PrivKey::from_bytes(wif->secret);
    if (!key) fail(kSign, "--key: " + path + ": " + key.error().reason, kExitUsage);
    return *key;
}

// While it lives: no core file, and no ptrace or /proc/PID/mem access by the user's other
// processes (PR_SET_DUMPABLE 0). Declared before the key and the secret nonce, so both are
// wiped before this ends; then the process is dumpable again, so that the restriction covers
// only the time the secrets are held (what runs at exit, such as LeakSanitizer's check under
// the sanitizer build, sees an ordinary process).
class PrivateMemory {
  public:
    PrivateMemory() {
        const rlimit none{0, 0};
        ::setrlimit(RLIMIT_CORE, &none);
        ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    ~PrivateMemory() { ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); }
    PrivateMemory(const PrivateMemory&) = delete;
    PrivateMemory& operator=(const PrivateMemory&) = delete;
};

std::string trimmed(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// A pubnonce entry: a hex string, or an object with a "pubnonce" string (the first line
// `sign --json` prints). Empty when it is neither.
std::string entry_text(const nlohmann::json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_object() && j.contains("pubnonce") && j["pubnonce"].is_string())
        return j["pubnonce"].get<std::string>();
    return {};
}

// Reads n pubnonce texts from standard input, in the order of --signers: one per line (hex,
// or a JSON object with "pubnonce"; blank lines are skipped), or one JSON array of them.
// Returns once n are read, without waiting for the end of the input.
std::vector<std::string> read_pubnonce_texts(std::size_t n) {
    std::vector<std::string> out;
    std::string line;
    std::size_t line_no = 0;
    while (out.size() < n && std::getline(std::cin, line)) {
        ++line_no;
        std::string t = trimmed(line);
        if (t.empty()) continue;
        if (t[0] == '[' && out.empty()) {
            // A JSON array, possibly over several lines.
            while (!nlohmann::json::accept(t) && std::getline(std::cin, line))
                t += "\n" + line;
            const auto j = nlohmann::json::parse(t, nullptr, false);
            if (j.is_discarded() || !j.is_array())
                fail(kSign, "standard input: not a complete JSON array of pubnonces", kExitUsage);
            if (j.size() != n)
                fail(kSign,
                     "standard input: the JSON array has " + std::to_string(j.size()) +
                         " pubnonces for " + std::to_string(n) +
                         " signers (one per signer, in the order of --signers)",
                     kExitUsage);
            for (std::size_t i = 0; i < n; ++i) {
                std::string e = entry_text(j[i]);
                if (e.empty())
                    fail(kSign,
                         "standard input: JSON array element " + std::to_string(i + 1) +
                             " is neither a hex string nor an object with \"pubnonce\"",
                         kExitUsage);
                out.push_back(std::move(e));
            }
            return out;
        }
        if (t[0] == '{') {
            const auto j = nlohmann::json::parse(t, nullptr, false);
            t = j.is_discarded() ? std::string() : entry_text(j);
            if (t.empty())
                fail(kSign,
                     "standard input line " + std::to_string(line_no) +
                         ": a JSON object without a \"pubnonce\" string",
                     kExitUsage);
        }
        out.push_back(std::move(t));
    }
    if (out.size() < n)
        fail(kSign,
             "standard input ended after " + std::to_string(out.size()) + " of " +
                 std::to_string(n) +
                 " pubnonces (one per signer, in the order of --signers, this signer's own "
                 "included); nothing was signed",
             kExitUsage);
    return out;
}

void print_line(bool json, const char* field, const std::string& hex, std::size_t index,
                const SignerList& s) {
    if (json) {
        nlohmann::ordered_json j;
        j[field] = hex;
        j["signer_index"] = index;
        j["signer_pubkey"] = to_hex(s.given()[index]);
        j["aggregate_key"] = to_hex(s.keyagg().xonly_pubkey());
        std::cout << j.dump() << std::endl;  // one line, flushed: the other side waits for it
    } else {
        std::cout << hex << std::endl;
    }
}

void run_sign(const SignOptions& o) {
    const Bytes msg = parse_message(kSign, o.message);
    const SignerList s = SignerList::load(kSign, "--signers", o.signers, !o.no_sort, true);
    const PrivateMemory private_memory;  // before the key and the nonce: outlives both
    const crypto::PrivKey sk = read_key(o.key_file);
    const musig::PlainPubKey own = sk.pubkey();
    std::optional<std::size_t> own_index;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s.given()[i] == own) own_index = i;
    if (!own_index)
        fail(kSign, "--key: its pubkey " + to_hex(own) + " is not among --signers", kExitUsage);

    musig::NonceGenArgs args;
    args.sk = &sk;
    args.pk = own;
    args.aggpk = s.keyagg().xonly_pubkey();
    args.msg = msg;
    auto nonces = musig::nonce_gen(args);
    if (!nonces) fail(kSign, "cannot draw a nonce: " + nonces.error().to_string());
    const musig::PubNonce own_nonce = nonces->pubnonce;
    print_line(o.json, "pubnonce", to_hex(own_nonce), *own_index, s);

    if (::isatty(STDIN_FILENO) == 1)
        std::cerr << "Aggregate key (x-only): " << to_hex(s.keyagg().xonly_pubkey()) << "\n"
                  << "Give this pubnonce to the other signers, then enter the " << s.size()
                  << " pubnonces, one per line, in the order of --signers (this one as signer "
                  << (*own_index + 1) << "):\n";
    const std::vector<std::string> texts = read_pubnonce_texts(s.size());
    std::vector<musig::PubNonce> pubnonces(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        pubnonces[i] =
            parse_pubnonce(kSign, "standard input: pubnonce of " + s.describe(i), texts[i]);
    if (pubnonces[*own_index] != own_nonce)
        fail(kSign,
             "standard input: the pubnonce of " + s.describe(*own_index) +
                 " (this signer) is not the one this process printed; nothing was signed",
             kExitUsage);

    const auto keyagg_nonces = s.to_keyagg_order(pubnonces);
    auto aggnonce = musig::nonce_agg(keyagg_nonces);
    if (!aggnonce) fail(kSign, "standard input: " + s.explain(aggnonce.error()), kExitUsage);
    auto session = musig::Session::create(*aggnonce, s.keyagg(), msg);
    if (!session) fail(kSign, s.explain(session.error()), kExitUsage);
    auto psig = session->sign(std::move(nonces->secnonce), sk);
    if (!psig) fail(kSign, "cannot sign: " + s.explain(psig.error()));
    print_line(o.json, "partial_sig", to_hex(*psig), *own_index, s);
}

}  // namespace

void add_musig_sign_command(CLI::App& musig) {
    auto o = std::make_shared<SignOptions>();
    auto* cmd = musig.add_subcommand(
        "sign",
        "Take part in a signing round: print this signer's pubnonce, read all the signers' "
        "pubnonces on standard input, print this signer's partial signature.");
    cmd->add_option("--key", o->key_file,
                    "File holding this signer's signing key: a WIF on the first line (as from "
                    "`sharemsg derive-key`; the form sharemsgd's --signing-key-file takes), "
                    "readable by its owner only (mode 0600)")
        ->required();
    cmd->add_option("--message", o->message, kMessageHelp)->required();
    add_signers_options(cmd, o->signers, o->no_sort);
    cmd->add_flag("--json", o->json,
                  "Print each of the two lines as a one-line JSON object: "
                  "{\"pubnonce\",\"signer_index\",\"signer_pubkey\",\"aggregate_key\"}, then the "
                  "same with \"partial_sig\" (signer_index counts from 0 in the order of "
                  "--signers)");
    cmd->footer(
        "Standard output: line 1 the pubnonce (132 hex digits), printed at once; line 2, after "
        "standard input gave every signer's pubnonce, the partial signature (64 hex digits). "
        "Standard input: the n pubnonces in the order of --signers, this signer's own included, "
        "one per line (hex, or the JSON object `sign --json` prints), or one JSON array of "
        "them; reading stops after the n-th. The secret nonce never leaves this process's "
        "memory and is used once: each run is a new round, and a round that does not complete "
        "must be started again by every signer.");
    cmd->callback([o] { run_sign(*o); });
}

}  // namespace sharemsg::cli
