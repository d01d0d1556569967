// The /mail endpoints (docs/api.md, "Mail").
#include "node/mail_routes.hpp"

#include <utility>

#include "crypto/hash.hpp"
#include "mailbox/seal.hpp"
#include "node/api_parse.hpp"
#include "node/node.hpp"
#include "util/bytes.hpp"
#include "util/text.hpp"

namespace sharemsg::node {

namespace {

using J = nlohmann::ordered_json;

HttpReply not_enabled() {
    return error_reply(404, "not_enabled",
                       "this node has no mail: start it with --mailbox-url URL and a signing key "
                       "with its delegation");
}

MailRequestError bad(std::string error, std::string detail) {
    return MailRequestError{400, std::move(error), std::move(detail)};
}

// A query's "limit": kMailListDefault when absent, else 1..kMailListMax.
std::variant<std::size_t, HttpReply> list_limit(const std::map<std::string, std::string>& q) {
    auto it = q.find("limit");
    if (it == q.end()) return static_cast<std::size_t>(kMailListDefault);
    auto n = parse_int(it->second);
    if (!n || *n < 1 || *n > kMailListMax)
        return error_reply(400, "bad_limit",
                           "limit must be an integer from 1 to " + std::to_string(kMailListMax));
    return static_cast<std::size_t>(*n);
}

// A decimal id of at most 18 digits, no sign: the inbox's and outbox's ids.
std::optional<std::uint64_t> parse_id(const std::string& s) {
    if (s.empty() || s[0] == '-') return std::nullopt;
    auto n = parse_int(s);
    if (!n) return std::nullopt;
    return static_cast<std::uint64_t>(*n);
}

}  // namespace

J mail_received_json(const MailReceived& m) {
    J j;
    j["id"] = m.id;
    j["from"] = to_hex(m.from);
    j["from_id"] = to_hex(crypto::hash160(m.from));
    j["index"] = m.index;
    j["text"] = m.text;
    j["sent"] = m.sent;
    j["received"] = m.received;
    j["path"] = m.path;
    return j;
}

J mail_sent_json(const MailSent& m) {
    J j;
    j["id"] = m.id;
    j["to"] = to_hex(m.to);
    j["to_id"] = to_hex(crypto::hash160(m.to));
    j["index"] = m.index;
    j["text"] = m.text;
    j["created"] = m.created;
    j["state"] = mail_state_name(m.state);
    j["last_error"] = m.last_error.empty() ? J() : J(m.last_error);
    return j;
}

unsigned mail_refusal_status(MailError e) noexcept {
    switch (e) {
        case MailError::no_identity:
        case MailError::no_mailbox:
            return 409;
        case MailError::bad_recipient:
        case MailError::not_text:
            return 400;
        case MailError::too_large:
            return 413;
        case MailError::outbox_full:
            return 429;
        case MailError::storage:
            return 500;
    }
    return 500;
}

std::variant<MailSendRequest, MailRequestError> parse_mail_send(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return bad("bad_json", "the body must be a JSON object {\"to\": ..., \"text\": ...}");
    for (const auto& [key, value] : j.items())
        if (key != "to" && key != "text")
            return bad("unknown_field", "unknown field \"" + key + "\": give \"to\" and \"text\"");
    auto to = j.find("to");
    if (to == j.end() || !to->is_string())
        return bad("bad_recipient", "\"to\" must be the recipient's signing pubkey (66 hex)");
    const auto key = from_hex_fixed<33>(to->get<std::string>());
    if (!key || !crypto::parse_pubkey(*key))
        return bad("bad_recipient",
                   "\"to\" is not a compressed secp256k1 public key of 66 hex digits");
    auto text = j.find("text");
    if (text == j.end() || !text->is_string()) return bad("bad_text", "\"text\" must be a string");
    MailSendRequest req;
    req.to = *key;
    req.text = text->get<std::string>();
    if (req.text.empty()) return bad("bad_text", "\"text\" must not be empty");
    if (!is_valid_utf8(as_bytes(req.text))) return bad("bad_text", "\"text\" is not UTF-8");
    if (req.text.size() > mailbox::MAX_PLAINTEXT)
        return MailRequestError{413, "too_large",
                                std::to_string(req.text.size()) +
                                    " bytes; a message holds at most " +
                                    std::to_string(mailbox::MAX_PLAINTEXT)};
    return req;
}

HttpReply mail_send_reply(MailClient* mail, const std::string& body) {
    if (!mail) return not_enabled();
    auto parsed = parse_mail_send(body);
    if (auto* e = std::get_if<MailRequestError>(&parsed))
        return error_reply(e->status, e->error, e->detail);
    const auto& req = std::get<MailSendRequest>(parsed);
    auto r = mail->send(req.to, req.text);
    if (r.error)
        return error_reply(mail_refusal_status(*r.error), mail_error_name(*r.error), r.detail);
    if (!r.sent) return error_reply(500, "storage", "the mail client kept nothing");
    J j;
    j["sent"] = mail_sent_json(*r.sent);
    return json_reply(200, j);
}

HttpReply mail_inbox_reply(const MailClient* mail, const std::map<std::string, std::string>& q) {
    if (!mail) return not_enabled();
    std::uint64_t after = 0;
    if (auto it = q.find("after"); it != q.end()) {
        auto n = parse_id(it->second);
        if (!n) return error_reply(400, "bad_after", "after must be an inbox id (0 or more)");
        after = *n;
    }
    auto limit = list_limit(q);
    if (auto* e = std::get_if<HttpReply>(&limit)) return std::move(*e);
    J arr = J::array();
    for (const auto& m : mail->inbox(after, std::get<std::size_t>(limit)))
        arr.push_back(mail_received_json(m));
    J j;
    j["messages"] = std::move(arr);
    return json_reply(200, j);
}

HttpReply mail_read_reply(const MailClient* mail, std::string_view id) {
    if (!mail) return not_enabled();
    auto n = parse_id(std::string(id));
    if (!n) return error_reply(400, "bad_id", "need /mail/read/<inbox id>");
    auto m = mail->read(*n);
    if (!m)
        return error_reply(404, "not_found", "no message " + std::to_string(*n) + " in the inbox");
    return json_reply(200, mail_received_json(*m));
}

HttpReply mail_outbox_reply(const MailClient* mail, const std::map<std::string, std::string>& q) {
    if (!mail) return not_enabled();
    auto limit = list_limit(q);
    if (auto* e = std::get_if<HttpReply>(&limit)) return std::move(*e);
    J arr = J::array();
    for (const auto& m : mail->outbox(std::get<std::size_t>(limit)))
        arr.push_back(mail_sent_json(m));
    J j;
    j["messages"] = std::move(arr);
    return json_reply(200, j);
}

HttpReply mail_status_reply(const MailClient* mail) {
    if (!mail) return not_enabled();
    return {200, "application/json", mail->status_json()};
}

void post_mail_send(const RouteCall& c, const ReplyFn& done) {
    done(mail_send_reply(c.node.mail(), c.req.body));
}

void get_mail_inbox(const RouteCall& c, const ReplyFn& done) {
    done(mail_inbox_reply(c.node.mail(), c.params));
}

void get_mail_read(const RouteCall& c, const ReplyFn& done) {
    std::string path;
    parse_query(c.req.target, path);
    done(mail_read_reply(c.node.mail(),
                         std::string_view(path).substr(std::string_view("/mail/read/").size())));
}

void get_mail_outbox(const RouteCall& c, const ReplyFn& done) {
    done(mail_outbox_reply(c.node.mail(), c.params));
}

void get_mail_status(const RouteCall& c, const ReplyFn& done) {
    done(mail_status_reply(c.node.mail()));
}

void get_mail_stream(const RouteCall& c, const ReplyFn& done) {
    if (!c.node.mail()) return done(not_enabled());
    if (!c.stream) return done(error_reply(500, "internal error", "this connection cannot stream"));
    (*c.stream)(StreamStart{PrivateText::shown, MAIL_STREAM_TOPIC, {}});
}

}  // namespace sharemsg::node
