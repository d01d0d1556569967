// The /mail endpoints (docs/api.md, "Mail"): the node's own end-to-end encrypted mail, through
// its mail client (node/mail_client.hpp). Every one needs the API token. A node without a mail
// client (no --mailbox-url, or no signing key with its delegation) answers each with 404
// {"error": "not_enabled"}.
//
// The answers are made by functions of the mail client alone (nullptr: not enabled), so that
// they can be checked without a node; the handlers the route table names call them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "node/http_routes.hpp"
#include "node/mail_client.hpp"

namespace sharemsg::node {

// Query limits of /mail/inbox and /mail/outbox.
inline constexpr long long kMailListDefault = 50;
inline constexpr long long kMailListMax = 200;

// The JSON of an inbox message: {"id", "from" (66 hex), "from_id" (HASH160 of from, 40 hex),
// "index", "text", "sent", "received", "path"}.
nlohmann::ordered_json mail_received_json(const MailReceived& m);
// The JSON of an outbox entry: {"id", "to" (66 hex), "to_id" (40 hex), "index", "text",
// "created", "state" (queued | deposited | delivered), "last_error" (null when none)}.
nlohmann::ordered_json mail_sent_json(const MailSent& m);

// The HTTP status of a send refusal (its JSON name is mail_error_name's).
unsigned mail_refusal_status(MailError e) noexcept;

// The body of POST /mail/send: {"to": "<66 hex signing pubkey>", "text": "..."}; no other
// field. The text is UTF-8, not empty, at most mailbox::MAX_PLAINTEXT bytes.
struct MailSendRequest {
    crypto::CompressedPubKey to{};
    std::string text;
};
struct MailRequestError {
    unsigned status = 400;
    std::string error;
    std::string detail;
};
std::variant<MailSendRequest, MailRequestError> parse_mail_send(const std::string& body);

// The answers of the endpoints, given the node's mail client (nullptr: 404 not_enabled).
HttpReply mail_send_reply(MailClient* mail, const std::string& body);
HttpReply mail_inbox_reply(const MailClient* mail, const std::map<std::string, std::string>& query);
// `id`: what follows /mail/read/ in the path.
HttpReply mail_read_reply(const MailClient* mail, std::string_view id);
HttpReply mail_outbox_reply(const MailClient* mail,
                            const std::map<std::string, std::string>& query);
HttpReply mail_status_reply(const MailClient* mail);

// The topic of /mail/stream's event streams (HttpServer::publish_event): not a signing id in hex,
// so no mailbox subscriber's topic can be it.
inline constexpr const char* MAIL_STREAM_TOPIC = "mail";

// The handlers: POST /mail/send, GET /mail/inbox, GET /mail/read/<id>, GET /mail/outbox,
// GET /mail/status, and GET /mail/stream (an event stream: one `mail` event, the inbox entry's
// JSON, for each message as it enters the inbox).
void post_mail_send(const RouteCall& c, const ReplyFn& done);
void get_mail_inbox(const RouteCall& c, const ReplyFn& done);
void get_mail_read(const RouteCall& c, const ReplyFn& done);
void get_mail_outbox(const RouteCall& c, const ReplyFn& done);
void get_mail_status(const RouteCall& c, const ReplyFn& done);
void get_mail_stream(const RouteCall& c, const ReplyFn& done);

}  // namespace sharemsg::node
