// sharemsg transition create|verify: authority-signed transition signals (message type 0x20)
// in a v1 authority envelope, ready to embed as a share's message_data.
//
// create reads the authority private key from a file or standard input, never from the
// command line; verify needs nothing secret.
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_io.hpp"
#include "commands.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"
#include "proto/keys_io.hpp"
#include "util/text.hpp"

namespace sharemsg::cli {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view kCreate = "transition create";
constexpr std::string_view kVerify = "transition verify";

struct CreateOptions {
    std::string key_file;
    std::string from, to, msg, urgency, url, threshold, out;
    bool string_versions = false;
    std::string authorities = "real";
};

struct VerifyOptions {
    std::string blob;
    std::string authorities = "real";
};

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

ojson version_value(std::string_view flag, const std::string& s, bool force_string) {
    if (s.empty()) fail(kCreate, std::string(flag) + " must not be empty");
    if (!is_valid_utf8(as_bytes(s))) fail(kCreate, std::string(flag) + " is not valid UTF-8");
    if (force_string || !all_digits(s)) return s;
    if (s.size() > 18)
        fail(kCreate,
             std::string(flag) + " " + s + " is too large for a number; use --string-versions");
    return std::stoull(s);
}

ojson threshold_value(const std::string& s) {
    if (all_digits(s) && s.size() <= 18) return std::stoull(s);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
        fail(kCreate, "--threshold must be a non-negative number, got '" + s + "'");
    return v;
}

crypto::PrivKey read_authority_key(const std::string& source) {
    auto secret = read_secret(source, "Authority private key (64 hex digits or WIF): ");
    if (!secret) fail(kCreate, "--key-file: " + secret.error().reason);
    const std::string_view text = secret->view();
    if (text.empty()) fail(kCreate, "--key-file: no key found");
    if (text.size() == 64) {
        auto bytes = from_hex(text);
        if (!bytes) fail(kCreate, "--key-file: 64 characters but not hex: " + bytes.error().reason);
        auto key = crypto::PrivKey::from_bytes(*bytes);
        crypto::wipe(bytes->data(), bytes->size());
        if (!key) fail(kCreate, "--key-file: " + key.error().reason);
        return *key;
    }
    auto wif = proto::decode_wif(text);
    if (!wif)
        fail(kCreate,
             "--key-file: neither 64 hex digits nor a valid WIF key: " + wif.error().reason);
    return *crypto::PrivKey::from_bytes(wif->secret);
}

std::string set_listing(const proto::AuthoritySet& set) {
    std::string s;
    for (const auto& a : set)
        s += (s.empty() ? "" : ", ") + a.name + " " + to_hex(a.pubkey);
    return s;
}

void run_create(const CreateOptions& o) {
    const auto& set = authority_set(o.authorities);
    for (const auto* field : {&o.msg, &o.url})
        if (!is_valid_utf8(as_bytes(*field))) fail(kCreate, "--msg and --url must be valid UTF-8");
    proto::TransitionSignal t;
    t.from = version_value("--from", o.from, o.string_versions);
    t.to = version_value("--to", o.to, o.string_versions);
    t.message = o.msg;
    t.urgency = o.urgency;
    t.url = o.url;
    if (!o.threshold.empty()) t.threshold = threshold_value(o.threshold);

    const crypto::PrivKey key = read_authority_key(o.key_file);
    const auto pub = key.pubkey();
    const proto::Authority* authority = proto::find_authority(set, pub);
    if (!authority)
        fail(kCreate, "the key's public key " + to_hex(pub) + " is not in the " + o.authorities +
                          " authority set (" + set_listing(set) + ")");

    auto msg = proto::build_transition_signal(t, static_cast<std::uint32_t>(std::time(nullptr)));
    if (!msg) fail(kCreate, msg.error().reason);
    proto::sign_message_with(*msg, key);
    std::vector<proto::ShareMessage> messages{*msg};
    proto::Nonce16 nonce{};
    const Bytes random = crypto::random_bytes(nonce.size());
    std::copy(random.begin(), random.end(), nonce.begin());
    auto blob = proto::pack_share_messages(messages, std::nullopt, nonce, set);
    if (!blob) fail(kCreate, "cannot pack: " + blob.error().reason);

    // Never hand out something the network would reject.
    const auto verdict = proto::check_v36_message_data(*blob, set);
    if (!verdict.valid())
        fail(kCreate, "internal error: the packed blob fails the V36 rule: " + verdict.reason);

    const std::string hex = to_hex(*blob);
    if (o.out.empty()) {
        std::cout << hex << "\n";
        return;
    }
    auto st = write_file_atomic(o.out, hex + "\n", 0644);
    if (!st) fail(kCreate, st.error().reason);
    std::cerr << "wrote " << blob->size() << " bytes of message_data (hex) to " << o.out
              << ", signed by " << authority->name << "\n";
}

// Checks a transition payload's fields; returns an empty string when well-formed.
std::string check_fields(const ojson& d) {
    if (!d.is_object()) return "payload is not a JSON object";
    for (const char* k : {"from", "to", "msg", "urg"})
        if (!d.contains(k)) return std::string("payload lacks \"") + k + "\"";
    if (!d["msg"].is_string()) return "\"msg\" is not a string";
    const auto& u = d["urg"];
    if (!u.is_string() || (u != "info" && u != "recommended" && u != "required"))
        return "\"urg\" is not info, recommended or required";
    return "";
}

void run_verify(const VerifyOptions& o) {
    const auto& set = authority_set(o.authorities);
    auto data = read_blob_arg(o.blob);
    if (!data) fail(kVerify, data.error().reason);
    const auto dump = [](const ojson& j) {
        return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
    };
    // Strings as they are (they are valid UTF-8: the payload parsed as JSON), anything else as
    // JSON.
    const auto text = [&dump](const ojson& j) {
        return j.is_string() ? j.get<std::string>() : dump(j);
    };

    std::string invalid;
    if (data->empty()) {
        invalid = "empty message_data carries no transition signal";
    } else {
        auto verdict = proto::check_v36_message_data(*data, set);
        if (verdict.authority)
            std::cout << "Decrypted by: " << verdict.authority->name << " ("
                      << to_hex(verdict.authority->pubkey) << ") [" << o.authorities << " set]\n";
        if (!verdict.valid()) {
            invalid = verdict.reason;
            if (verdict.rule == proto::V36Rule::not_decrypted) {
                const std::string other = o.authorities == "test" ? "real" : "test";
                if (proto::decrypt_envelope(*data, authority_set(other)))
                    invalid += " (it decrypts under the " + other + " set: try --authorities " +
                               other + ")";
            }
        } else {
            std::size_t transitions = 0;
            for (std::size_t i = 0; i < verdict.messages.size(); ++i) {
                const auto& m = verdict.messages[i];
                std::cout << "\nMessage " << (i + 1) << " of " << verdict.messages.size() << ": "
                          << proto::type_name(m.msg_type) << "\n";
                std::cout << "  timestamp: " << m.timestamp << " (" << format_utc(m.timestamp)
                          << ")\n";
                std::cout << "  signature: valid (" << verdict.authority->name << ")";
                if (crypto::ecdsa_der_is_high_s(m.signature))
                    std::cout << "; high-S, accepted after normalization for the deployed network";
                std::cout << "\n";
                if (m.msg_type != proto::MSG_TRANSITION_SIGNAL) {
                    std::cout << "  (not a transition signal)\n";
                    continue;
                }
                ++transitions;
                ojson d = ojson::value_t::discarded;
                if (is_valid_utf8(m.payload))
                    d = ojson::parse(m.payload.begin(), m.payload.end(), nullptr, false);
                if (d.is_discarded() || !d.is_object()) {
                    if (invalid.empty())
                        invalid =
                            "message " + std::to_string(i + 1) + ": payload is not a JSON object";
                    continue;
                }
                std::cout << "  from:      " << dump(d.value("from", ojson())) << "\n"
                          << "  to:        " << dump(d.value("to", ojson())) << "\n"
                          << "  message:   " << text(d.value("msg", ojson())) << "\n"
                          << "  urgency:   " << text(d.value("urg", ojson())) << "\n";
                if (d.contains("url")) std::cout << "  url:       " << text(d["url"]) << "\n";
                if (d.contains("thr")) std::cout << "  threshold: " << dump(d["thr"]) << "\n";
                if (const std::string problem = check_fields(d);
                    !problem.empty() && invalid.empty())
                    invalid = "message " + std::to_string(i + 1) + ": " + problem;
            }
            if (transitions == 0 && invalid.empty())
                invalid = "no TRANSITION_SIGNAL message in the blob";
        }
    }
    if (!invalid.empty()) {
        std::cout << "INVALID: " << invalid << "\n";
        throw CLI::RuntimeError(2);
    }
    std::cout << "valid\n";
}

}  // namespace

void add_transition_command(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("transition", "Create or verify authority-signed transition signals");
    cmd->require_subcommand(1);

    auto c = std::make_shared<CreateOptions>();
    auto* create = cmd->add_subcommand(
        "create",
        "Build, sign and encrypt a TRANSITION_SIGNAL message with an authority key; prints the "
        "message_data hex to embed in shares (or writes it to --out).");
    create
        ->add_option(
            "--key-file", c->key_file,
            "File holding the authority private key (64 hex digits or a WIF), or '-' for "
            "standard input (read without echo on a terminal). Never given on the command line.")
        ->required();
    create->add_option("--from", c->from, "Version being left, e.g. 35 (all digits: a JSON number)")
        ->required();
    create->add_option("--to", c->to, "Version to move to, e.g. 36 (all digits: a JSON number)")
        ->required();
    create->add_flag(
        "--string-versions", c->string_versions,
        "Write --from/--to as JSON strings even when they are all digits (the real mainnet "
        "V35->V36 signal uses the strings \"35\" and \"36\")");
    create->add_option("--msg", c->msg, "Text shown to operators")->required();
    create->add_option("--urgency", c->urgency, "info, recommended or required")
        ->required()
        ->check(CLI::IsMember({"info", "recommended", "required"}));
    create->add_option("--url", c->url, "Link with details (optional)");
    create->add_option("--threshold", c->threshold,
                       "Activation threshold (\"thr\"), a number such as 95 (optional)");
    add_authorities_option(create, c->authorities);
    create->add_option(
        "--out", c->out,
        "Write the hex (and a newline) to this file, mode 0644, through a temporary file "
        "and rename, instead of standard output");
    create->footer(
        "The key's public key must be in the chosen authority set. The payload (compact JSON "
        "{\"from\",\"to\",\"msg\",\"urg\"[,\"url\"][,\"thr\"]}) may be at most 220 bytes. The "
        "envelope "
        "nonce is 16 random bytes. Exit status 0 on success, 1 on any error.");
    create->callback([c] { run_create(*c); });

    auto v = std::make_shared<VerifyOptions>();
    auto* verify = cmd->add_subcommand(
        "verify",
        "Decrypt a message_data blob, verify every message's signature against the decrypting "
        "authority key, and print the transition fields and 'valid' or 'INVALID: reason'.");
    verify
        ->add_option("BLOB", v->blob,
                     "message_data as hex, @FILE (a file holding hex) or @- (standard input)")
        ->required();
    add_authorities_option(verify, v->authorities);
    verify->footer(
        "Exit status: 0 only when valid (V36 share rule holds, at least one TRANSITION_SIGNAL, "
        "each "
        "with from/to/msg and urg info|recommended|required); 2 when INVALID; 1 when the input is "
        "unusable. Needs nothing secret.");
    verify->callback([v] { run_verify(*v); });
}

}  // namespace sharemsg::cli
