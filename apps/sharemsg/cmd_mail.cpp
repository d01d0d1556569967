// The mail commands: `sharemsg mail send|inbox|read|outbox|status`, a client of a running
// sharemsgd's /mail endpoints (docs/api.md, "Mail"). Every one needs the node's API token
// (DATADIR/.cookie, or --token-file). A message's text comes from another identity: control
// characters in it are printed escaped, so that it cannot drive the terminal.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "cli_io.hpp"
#include "commands.hpp"

namespace sharemsg::cli {

namespace {

using J = nlohmann::ordered_json;

// `s` with its control characters (C0 but newline and tab, DEL, C1 as UTF-8) as \xNN or \u00NN.
std::string printable(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    char buf[8];
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(s[i + 1]));
            out += buf;
            ++i;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

std::string when(const J& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return "-";
    return format_utc(static_cast<std::uint32_t>(it->get<std::uint64_t>()));
}

// An inbox message: its head line, then its text indented.
void print_received(const J& m) {
    std::cout << "#" << str(m, "id") << "  " << when(m, "received") << "  from "
              << str(m, "from_id") << "  (" << str(m, "path") << ", their #" << str(m, "index")
              << ", sent " << when(m, "sent") << ")\n";
    std::string text =
        m.contains("text") && m["text"].is_string() ? m["text"].get<std::string>() : str(m, "text");
    std::string indented = "  ";
    for (char c : printable(text)) {
        indented.push_back(c);
        if (c == '\n') indented += "  ";
    }
    std::cout << indented << "\n";
}

// An outbox entry on one line, its last error on the next.
void print_sent(const J& m) {
    std::cout << "#" << str(m, "id") << "  " << when(m, "created") << "  to " << str(m, "to_id")
              << "  " << str(m, "state") << "  (our #" << str(m, "index") << ")\n";
    if (m.contains("last_error") && m["last_error"].is_string())
        std::cout << "  last error: " << printable(m["last_error"].get<std::string>()) << "\n";
}

void add_send(CLI::App* mail) {
    auto* cmd = mail->add_subcommand(
        "send", "Seal a message for an identity and send it (directly, or through the mailbox)");
    auto o = std::make_shared<ApiOptions>();
    auto to = std::make_shared<std::string>();
    auto text = std::make_shared<std::string>();
    add_api_options(cmd, *o);
    cmd->add_option("--to", *to, "The recipient's signing pubkey (66 hex)")->required();
    cmd->add_option("--text", *text, "The text (UTF-8)")->required();
    cmd->callback([o, to, text] {
        J body;
        body["to"] = *to;
        body["text"] = *text;
        const auto j = call("mail send", *o, "POST", "/mail/send", &body, Token::required);
        if (o->json) {
            std::cout << j.dump() << "\n";
            return;
        }
        const auto& s = j.contains("sent") ? j["sent"] : j;
        std::cout << str(s, "state") << " #" << str(s, "id") << " to " << str(s, "to_id")
                  << " (our #" << str(s, "index") << " to them)\n";
    });
}

void add_inbox(CLI::App* mail) {
    auto* cmd = mail->add_subcommand("inbox", "List the messages this node received, oldest first");
    auto o = std::make_shared<ApiOptions>();
    auto after = std::make_shared<std::uint64_t>(0);
    auto limit = std::make_shared<unsigned>(50);
    add_api_options(cmd, *o);
    cmd->add_option("--after", *after, "Only messages after this inbox id")->capture_default_str();
    cmd->add_option("--limit", *limit, "1 to 200")
        ->check(CLI::Range(1, 200))
        ->capture_default_str();
    cmd->callback([o, after, limit] {
        const auto target =
            "/mail/inbox?after=" + std::to_string(*after) + "&limit=" + std::to_string(*limit);
        const auto j = call("mail inbox", *o, "GET", target, nullptr, Token::required);
        if (o->json) {
            std::cout << j.dump() << "\n";
            return;
        }
        const auto& arr = j.contains("messages") ? j["messages"] : J::array();
        if (arr.empty()) std::cout << "no messages\n";
        for (const auto& m : arr)
            print_received(m);
    });
}

void add_read(CLI::App* mail) {
    auto* cmd = mail->add_subcommand("read", "Show one message of the inbox");
    auto o = std::make_shared<ApiOptions>();
    auto id = std::make_shared<std::uint64_t>(0);
    add_api_options(cmd, *o);
    cmd->add_option("ID", *id, "The message's inbox id")->required();
    cmd->callback([o, id] {
        const auto j = call("mail read", *o, "GET", "/mail/read/" + std::to_string(*id), nullptr,
                            Token::required);
        if (o->json) {
            std::cout << j.dump() << "\n";
            return;
        }
        print_received(j);
        std::cout << "  from pubkey " << str(j, "from") << "\n";
    });
}

void add_outbox(CLI::App* mail) {
    auto* cmd = mail->add_subcommand(
        "outbox", "List the messages this node sent, newest first, and where each stands");
    auto o = std::make_shared<ApiOptions>();
    auto limit = std::make_shared<unsigned>(50);
    add_api_options(cmd, *o);
    cmd->add_option("--limit", *limit, "1 to 200")
        ->check(CLI::Range(1, 200))
        ->capture_default_str();
    cmd->callback([o, limit] {
        const auto j =
            call("mail outbox", *o, "GET", "/mail/outbox?limit=" + std::to_string(*limit), nullptr,
                 Token::required);
        if (o->json) {
            std::cout << j.dump() << "\n";
            return;
        }
        const auto& arr = j.contains("messages") ? j["messages"] : J::array();
        if (arr.empty()) std::cout << "no messages\n";
        for (const auto& m : arr)
            print_sent(m);
    });
}

void add_status(CLI::App* mail) {
    auto* cmd =
        mail->add_subcommand("status", "Show the node's mail client: its mailbox and queue");
    auto o = std::make_shared<ApiOptions>();
    add_api_options(cmd, *o, false);
    cmd->callback([o] {
        std::cout
            << call("mail status", *o, "GET", "/mail/status", nullptr, Token::required).dump(2)
            << "\n";
    });
}

}  // namespace

void add_mail_commands(CLI::App& app) {
    auto* mail = app.add_subcommand(
        "mail", "The node's end-to-end encrypted mail between identities (needs --mailbox-url)");
    mail->require_subcommand(1);
    add_send(mail);
    add_inbox(mail);
    add_read(mail);
    add_outbox(mail);
    add_status(mail);
}

}  // namespace sharemsg::cli
