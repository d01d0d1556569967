// sharemsg decode: explains a share's message_data blob, byte format to V36 verdict. Needs
// nothing secret: the v1 envelope's key comes from an authority *public* key.
#include <ctime>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_io.hpp"
#include "commands.hpp"
#include "proto/envelope.hpp"
#include "proto/message.hpp"

namespace sharemsg::cli {

namespace {

constexpr std::string_view kCmd = "decode";
constexpr const char* kHighSNote = "high-S, accepted after normalization for the deployed network";

using ojson = nlohmann::ordered_json;

struct DecodeOptions {
    std::string blob;
    bool json = false;
    std::string authorities = "real";
};

ojson authority_json(const proto::Authority* a) {
    if (!a) return nullptr;
    return ojson{{"name", a->name}, {"pubkey", to_hex(a->pubkey)}};
}

// Everything decode reports, gathered once and printed as text or JSON.
ojson analyse(const Bytes& data, const std::string& set_name) {
    const auto& set = authority_set(set_name);
    const double now = static_cast<double>(std::time(nullptr));
    ojson r;
    r["length"] = data.size();
    r["authorities"] = set_name;
    r["envelope_version"] = data.empty() ? ojson(nullptr) : ojson(data[0]);
    if (data.size() >= proto::ENCRYPTION_HEADER_SIZE) {
        r["nonce"] = to_hex(ByteView(data).subspan(1, proto::ENCRYPTION_NONCE_SIZE));
        r["mac"] = to_hex(
            ByteView(data).subspan(1 + proto::ENCRYPTION_NONCE_SIZE, proto::ENCRYPTION_MAC_SIZE));
        r["ciphertext_len"] = data.size() - proto::ENCRYPTION_HEADER_SIZE;
    } else {
        r["nonce"] = nullptr;
        r["mac"] = nullptr;
        r["ciphertext_len"] = nullptr;
    }

    const proto::Authority* authority = nullptr;
    ojson header = nullptr;
    if (!data.empty()) {
        auto dec = proto::decrypt_envelope(data, set);
        if (dec) {
            authority = dec->authority;
            const Bytes& in = dec->inner;
            if (in.size() >= 4)
                header = ojson{{"inner_version", in[0]},
                               {"inner_flags", in[1]},
                               {"msg_count", in[2]},
                               {"announcement_len", in[3]}};
        } else {
            r["decrypt_error"] = dec.error().reason;
            // A hint when the blob belongs to the other key set.
            const std::string other = set_name == "test" ? "real" : "test";
            if (auto alt = proto::decrypt_envelope(data, authority_set(other)))
                r["decrypt_hint"] = "decrypts under the " + other + " authority set (" +
                                    alt->authority->name + "); try --authorities " + other;
        }
    }
    r["decrypted"] = authority != nullptr;
    r["authority"] = authority_json(authority);
    r["inner_header"] = header;

    auto unpacked = proto::unpack_share_messages(data, set);
    if (unpacked.info && unpacked.info->announcement) {
        const auto& a = *unpacked.info->announcement;
        r["announcement"] = ojson{{"signing_id", to_hex(a.signing_id)},
                                  {"key_index", a.key_index},
                                  {"signing_pubkey", to_hex(a.pubkey)}};
    } else {
        r["announcement"] = nullptr;
    }

    ojson messages = ojson::array();
    for (auto m : unpacked.messages) {
        ojson e;
        e["type"] = proto::type_name(m.msg_type);
        e["message_hash"] = to_hex(m.hash());
        e["wire_flags"] = m.wire_flags;
        e["signature"] = to_hex(m.signature);
        ojson sig;
        if (m.signature.empty()) {
            sig["valid"] = false;
            sig["reason"] = "unsigned";
        } else if (!authority) {
            sig["valid"] = false;
            sig["reason"] = "no decrypting authority key to check against";
        } else {
            const bool ok = proto::verify_authority_direct(m, authority->pubkey, set);
            sig["valid"] = ok;
            sig["reason"] = ok ? "signed by " + authority->name
                               : "does not verify under " + authority->name + "'s key";
        }
        sig["high_s"] = crypto::ecdsa_der_is_high_s(m.signature);
        if (sig["high_s"].get<bool>()) sig["note"] = kHighSNote;
        e["signature_check"] = std::move(sig);
        e["json"] = proto::message_to_json(m, now);
        messages.push_back(std::move(e));
    }
    r["messages"] = std::move(messages);
    r["notes"] = unpacked.notes;

    const auto verdict = proto::check_v36_message_data(data, set);
    std::string reason = verdict.reason;
    if (reason.empty() && verdict.rule == proto::V36Rule::ok_empty)
        reason = "no message_data (always valid)";
    r["v36"] = ojson{{"valid", verdict.valid()},
                     {"rule", proto::v36_rule_name(verdict.rule)},
                     {"reason", reason}};
    return r;
}

std::string str_or(const ojson& j, const char* fallback) {
    if (j.is_null()) return fallback;
    if (j.is_string()) return j.get<std::string>();
    return j.dump();
}

void print_text(const ojson& r) {
    const auto dump = [](const ojson& j, int indent) {
        return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
    };
    std::cout << "message_data:     " << r["length"].get<std::size_t>() << " bytes\n";
    if (r["length"].get<std::size_t>() == 0) {
        std::cout << "V36 verdict:      valid: " << r["v36"]["reason"].get<std::string>() << "\n";
        return;
    }
    const unsigned version = r["envelope_version"].get<unsigned>();
    std::cout << "Envelope version: " << version
              << (version == 1 ? " (v1 authority envelope)"
                  : version == 2
                      ? " (open profile: never valid under V36 mainnet rules; not decoded here)"
                      : " (unknown)")
              << "\n";
    std::cout << "Nonce:            " << str_or(r["nonce"], "(truncated)") << "\n";
    std::cout << "MAC:              " << str_or(r["mac"], "(truncated)") << "\n";
    if (r["decrypted"].get<bool>()) {
        std::cout << "Decrypted by:     " << r["authority"]["name"].get<std::string>() << " ("
                  << r["authority"]["pubkey"].get<std::string>() << ") ["
                  << r["authorities"].get<std::string>() << " set]\n";
    } else {
        std::cout << "Decrypted by:     none (" << str_or(r.value("decrypt_error", ojson()), "?")
                  << ") [" << r["authorities"].get<std::string>() << " set]\n";
        if (r.contains("decrypt_hint"))
            std::cout << "Hint:             " << r["decrypt_hint"].get<std::string>() << "\n";
    }
    if (!r["inner_header"].is_null()) {
        const auto& h = r["inner_header"];
        char flags[8];
        std::snprintf(flags, sizeof flags, "0x%02x", h["inner_flags"].get<unsigned>());
        std::cout << "Inner header:     inner_version=" << h["inner_version"].get<unsigned>()
                  << " inner_flags=" << flags << " msg_count=" << h["msg_count"].get<unsigned>()
                  << " announcement_len=" << h["announcement_len"].get<unsigned>() << "\n";
    }
    if (r["decrypted"].get<bool>()) {
        if (r["announcement"].is_null()) {
            std::cout << "Announcement:     none\n";
        } else {
            const auto& a = r["announcement"];
            std::cout << "Announcement:     signing_id=" << a["signing_id"].get<std::string>()
                      << " key_index=" << a["key_index"].get<std::uint32_t>()
                      << " signing_pubkey=" << a["signing_pubkey"].get<std::string>() << "\n";
        }
    }
    const auto& msgs = r["messages"];
    std::cout << "Messages:         " << msgs.size() << "\n";
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const auto& m = msgs[i];
        const auto& sig = m["signature_check"];
        std::cout << "\nMessage " << (i + 1) << " of " << msgs.size() << ": "
                  << m["type"].get<std::string>() << "\n";
        std::cout << "  Message hash:   " << m["message_hash"].get<std::string>() << "\n";
        std::cout << "  Signature:      " << (sig["valid"].get<bool>() ? "valid, " : "INVALID, ")
                  << sig["reason"].get<std::string>();
        if (sig["high_s"].get<bool>()) std::cout << "; " << kHighSNote;
        std::cout << "\n";
        std::string view = dump(m["json"], 2);
        std::cout << "  JSON view:\n";
        std::size_t start = 0;
        while (start <= view.size()) {
            const auto nl = view.find('\n', start);
            std::cout << "    "
                      << view.substr(start,
                                     nl == std::string::npos ? std::string::npos : nl - start)
                      << "\n";
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
    }
    std::cout << "\n";
    const auto& notes = r["notes"];
    if (notes.empty()) {
        std::cout << "Notes:            none\n";
    } else {
        for (std::size_t i = 0; i < notes.size(); ++i)
            std::cout << (i == 0 ? "Notes:            " : "                  ")
                      << notes[i].get<std::string>() << "\n";
    }
    const auto& v = r["v36"];
    std::cout << "V36 verdict:      " << (v["valid"].get<bool>() ? "valid" : "INVALID") << " ("
              << v["rule"].get<std::string>() << "): " << v["reason"].get<std::string>() << "\n";
}

void run_decode(const DecodeOptions& o) {
    auto data = read_blob_arg(o.blob);
    if (!data) fail(kCmd, data.error().reason);
    const ojson r = analyse(*data, o.authorities);
    if (o.json)
        std::cout << r.dump(2, ' ', false, ojson::error_handler_t::replace) << "\n";
    else
        print_text(r);
    if (!r["v36"]["valid"].get<bool>()) throw CLI::RuntimeError(2);
}

}  // namespace

void add_decode_command(CLI::App& app) {
    auto o = std::make_shared<DecodeOptions>();
    auto* cmd = app.add_subcommand(
        "decode",
        "Decode a share's message_data blob: envelope, decrypting authority key, "
        "announcement, messages, signatures and the V36 share-rule verdict.");
    cmd->add_option(
           "BLOB", o->blob,
           "message_data as hex, or @FILE for a file holding hex, or @- for standard input "
           "(whitespace is ignored)")
        ->required();
    cmd->add_flag("--json", o->json, "Print one JSON object instead of the text report");
    add_authorities_option(cmd, o->authorities);
    cmd->footer(
        "Exit status: 0 when the blob is valid under the V36 share rule (it decrypts under an "
        "authority "
        "key, holds at least one message, and every message is signed by that key; an empty blob "
        "is "
        "valid too); 2 when it was read but the V36 verdict is invalid (the report says why); 1 "
        "when "
        "the input is unusable (not hex, unreadable file).\n"
        "The envelope's MAC is keyed by an authority's *public* key: it detects corruption and "
        "proves "
        "nothing about the author. Only the signatures authenticate. v1 signatures are checked "
        "after "
        "S normalization, because the deployed network's real transition message is high-S.");
    cmd->callback([o] { run_decode(*o); });
}

}  // namespace sharemsg::cli
