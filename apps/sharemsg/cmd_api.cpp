// The API client commands: send, recent, ban, unban, bans, keys, identity, outbox,
// rotate-key, relay lookup, relay peers. They talk to a running sharemsgd over HTTP; the token for
// the commands that change something is read from DATADIR/.cookie (or --token-file); `recent` sends
// it when it can read it, so that private messages to or from the node show their text.
#include <cstdlib>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "cli_io.hpp"
#include "commands.hpp"
#include "proto/constants.hpp"

namespace sharemsg::cli {

namespace {

void print_messages(const nlohmann::ordered_json& arr) {
    for (const auto& m : arr) {
        const auto ts = m.value("timestamp", std::uint64_t{0});
        std::string badge = m.value("protocol_authority", false) ? "authority"
                            : m.value("verified", false)         ? "verified"
                                                                 : "unverified";
        std::cout << format_utc(static_cast<std::uint32_t>(ts)) << "  " << str(m, "type_name")
                  << "  " << str(m, "sender_address") << "  " << badge << "\n  "
                  << str(m, "payload") << "\n";
    }
}

struct BanOptions {
    std::string signing_id, address, word, type;
};

nlohmann::ordered_json ban_body(std::string_view cmd, const BanOptions& b) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!b.signing_id.empty()) j["signing_id"] = b.signing_id;
    if (!b.address.empty()) j["address"] = b.address;
    if (!b.word.empty()) j["word"] = b.word;
    if (!b.type.empty()) j["type"] = b.type;
    if (j.size() != 1) fail(cmd, "give exactly one of --signing-id, --address, --word, --type");
    return j;
}

void add_ban_command(CLI::App& app, const char* name, bool add) {
    auto* cmd = app.add_subcommand(name, add ? "Ban a sender, address, word or message type on "
                                               "this node (local policy; not propagated)"
                                             : "Remove a ban");
    auto o = std::make_shared<ApiOptions>();
    auto b = std::make_shared<BanOptions>();
    add_api_options(cmd, *o);
    cmd->add_option("--signing-id", b->signing_id, "Signing id (40 hex)");
    cmd->add_option("--address", b->address, "Payout address");
    cmd->add_option("--word", b->word, "Keyword");
    cmd->add_option("--type", b->type,
                    "Message type (chat, announce, NODE_STATUS, 0x10 as 16, ...)");
    cmd->callback([o, b, name, add] {
        auto body = ban_body(name, *b);
        auto j = call(name, *o, add ? "POST" : "DELETE", "/msg/ban", &body, Token::required);
        if (o->json) {
            std::cout << j.dump() << "\n";
        } else {
            std::cout << str(j, "status") << " " << str(j, "ban_type") << " " << str(j, "value")
                      << "\n";
        }
    });
}

void add_get_command(CLI::App& app, const char* name, const char* help, const char* target,
                     bool auth = false) {
    auto* cmd = app.add_subcommand(name, help);
    auto o = std::make_shared<ApiOptions>();
    add_api_options(cmd, *o, false);
    cmd->callback([o, name, target, auth] {
        std::cout
            << call(name, *o, "GET", target, nullptr, auth ? Token::required : Token::none).dump(2)
            << "\n";
    });
}

void print_peer(const nlohmann::ordered_json& p) {
    std::cout << str(p, "signing_id") << "  miner " << str(p, "master_hash") << "  key index "
              << str(p, "key_index") << "\n  endpoints";
    for (const auto& e : p.value("endpoints", nlohmann::ordered_json::array()))
        std::cout << " " << e.get<std::string>();
    std::cout << "  nat " << str(p, "nat") << "\n  last seen "
              << format_utc(static_cast<std::uint32_t>(p.value("last_seen", std::uint64_t{0})))
              << " (from " << str(p, "source") << ")\n";
}

void add_relay_commands(CLI::App& app) {
    auto* relay = app.add_subcommand("relay", "What a running sharemsgd knows through its relays");
    relay->require_subcommand(1);
    {
        auto* cmd = relay->add_subcommand(
            "lookup",
            "Show where an identity is reached: from the node's cache, or asked of its relays");
        auto o = std::make_shared<ApiOptions>();
        auto id = std::make_shared<std::string>();
        auto miner = std::make_shared<bool>(false);
        add_api_options(cmd, *o);
        cmd->add_option("ID", *id,
                        "A signing id (40 hex) or signing pubkey (66 hex); with --miner, the "
                        "HASH160 of a miner's master pubkey (its payout, 40 hex)")
            ->required();
        cmd->add_flag("--miner", *miner, "ID names a miner by its payout pubkey hash");
        cmd->callback([o, id, miner] {
            const std::string target = std::string("/net/peers/") + (*miner ? "miner/" : "") + *id;
            auto j = call("relay lookup", *o, "GET", target, nullptr, Token::none);
            if (o->json)
                std::cout << j.dump() << "\n";
            else
                print_peer(j);
        });
    }
    {
        auto* cmd =
            relay->add_subcommand("peers", "List the identities the node knows, and its relays");
        auto o = std::make_shared<ApiOptions>();
        add_api_options(cmd, *o);
        cmd->callback([o] {
            auto j = call("relay peers", *o, "GET", "/net/peers", nullptr, Token::none);
            if (o->json) {
                std::cout << j.dump() << "\n";
                return;
            }
            for (const auto& r : j["relays"])
                std::cout << "relay " << str(r, "url") << "  " << str(r, "state") << "  "
                          << str(r, "registrations") << " registrations, " << str(r, "lookups")
                          << " lookups\n";
            for (const auto& p : j["identities"])
                print_peer(p);
        });
    }
}

}  // namespace

void add_api_commands(CLI::App& app) {
    add_relay_commands(app);
    {
        auto* cmd = app.add_subcommand(
            "send", "Queue a message on a running sharemsgd; it rides the node's next share");
        auto o = std::make_shared<ApiOptions>();
        auto type = std::make_shared<std::string>("chat");
        auto to = std::make_shared<std::string>();
        auto text = std::make_shared<std::string>();
        add_api_options(cmd, *o);
        cmd->add_option("--type", *type, "chat, announce, alert or status")
            ->check(CLI::IsMember({"chat", "announce", "alert", "status"}))
            ->capture_default_str();
        auto fragment = std::make_shared<bool>(false);
        cmd->add_option("--to", *to, "Recipient signing id (40 hex): a private message");
        cmd->add_flag("--fragment", *fragment,
                      "Allow up to 1600 bytes, sent in fragments over several shares (open "
                      "profile)");
        cmd->add_option("TEXT", *text,
                        "The text (at most 220 bytes of UTF-8; 1600 with --fragment)")
            ->required();
        cmd->callback([o, type, to, text, fragment] {
            nlohmann::ordered_json body;
            body["type"] = *type;
            body["text"] = *text;
            if (!to->empty()) body["to"] = *to;
            if (*fragment) body["fragment"] = true;
            auto j = call("send", *o, "POST", "/msg/send", &body, Token::required);
            if (o->json) {
                std::cout << j.dump() << "\n";
            } else {
                std::cout << "queued " << str(j, "message_hash") << " (position "
                          << str(j, "queue_position") << ")\n";
            }
        });
    }
    {
        auto* cmd = app.add_subcommand(
            "recent",
            "Show recent messages (private text too when the token in the datadir is the "
            "node's)");
        auto o = std::make_shared<ApiOptions>();
        auto type = std::make_shared<std::string>("all");
        auto limit = std::make_shared<unsigned>(20);
        auto since = std::make_shared<std::uint64_t>(0);
        add_api_options(cmd, *o);
        cmd->add_option("--type", *type, "all, chat, announcements, alerts or status")
            ->check(CLI::IsMember({"all", "chat", "announcements", "alerts", "status"}))
            ->capture_default_str();
        cmd->add_option("--limit", *limit, "1 to 200")
            ->check(CLI::Range(1, 200))
            ->capture_default_str();
        cmd->add_option("--since", *since, "Only messages newer than this unix time");
        cmd->callback([o, type, limit, since] {
            const std::string path = *type == "all" ? "/msg/recent" : "/msg/" + *type;
            std::string target = path + "?limit=" + std::to_string(*limit);
            if (*since) target += "&since=" + std::to_string(*since);
            auto j = call("recent", *o, "GET", target, nullptr, Token::if_readable);
            if (o->json) {
                std::cout << j.dump() << "\n";
                return;
            }
            for (const char* key : {"messages", "alerts", "statuses"})
                if (j.contains(key)) print_messages(j[key]);
        });
    }
    add_ban_command(app, "ban", true);
    add_ban_command(app, "unban", false);
    add_get_command(app, "bans", "List this node's bans", "/msg/bans");
    add_get_command(app, "keys", "List the signing keys this node knows", "/msg/keys");
    add_get_command(app, "identity", "Show this node's signing identity", "/msg/identity");
    add_get_command(app, "outbox", "Show this node's outbox (needs the token)", "/msg/outbox",
                    true);
    {
        auto* cmd = app.add_subcommand(
            "rotate-key",
            "Install the next derived signing key on a running node (derive it offline with "
            "`sharemsg derive-key MASTER N+1`); the node announces it in its next share");
        auto o = std::make_shared<ApiOptions>();
        auto source = std::make_shared<std::string>("-");
        auto index = std::make_shared<std::uint32_t>(0);
        auto delegation = std::make_shared<std::string>();
        add_api_options(cmd, *o);
        cmd->add_option("--signing-key", *source,
                        "File holding the new signing key's WIF, or - for standard input "
                        "(never on the command line)")
            ->capture_default_str();
        cmd->add_option("--key-index", *index, "The new key's index")->required();
        cmd->add_option("--delegation", *delegation, "The delegation printed by derive-key");
        cmd->callback([o, source, index, delegation] {
            auto secret = read_secret(*source, "new signing key (WIF): ");
            if (!secret) fail("rotate-key", secret.error().reason);
            nlohmann::ordered_json body;
            body["signing_key"] = std::string(secret->view());
            body["key_index"] = *index;
            if (!delegation->empty()) body["delegation"] = *delegation;
            auto j = call("rotate-key", *o, "POST", "/msg/rotate_key", &body, Token::required);
            std::string wif = body["signing_key"].get<std::string>();
            wipe_string(wif);
            if (o->json) {
                std::cout << j.dump() << "\n";
            } else {
                std::cout << "rotated to key index " << str(j, "key_index") << ", signing id "
                          << str(j, "signing_id") << " (was " << str(j, "previous_signing_id")
                          << ")\n";
            }
        });
    }
}

}  // namespace sharemsg::cli
