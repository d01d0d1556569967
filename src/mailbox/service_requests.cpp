// The mailbox's signed requests, checked in the order docs/mailbox.md ("The mailbox server") gives,
// on the service's worker thread.
#include <cmath>

#include <nlohmann/json.hpp>

#include "mailbox/service.hpp"

namespace sharemsg::mailbox {

namespace {

using J = nlohmann::ordered_json;
using relay::fail;

std::string dump(const J& j) {
    return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

bool all_zero(const Challenge& c) {
    for (auto b : c)
        if (b) return false;
    return true;
}

// How far the timestamp is from `now` (seconds), when it is more than `skew`.
std::optional<Failure> stale(std::uint64_t timestamp, double now, std::uint64_t skew) {
    const double off = std::fabs(static_cast<double>(timestamp) - now);
    if (off <= static_cast<double>(skew)) return std::nullopt;
    return fail(Problem::stale, "timestamp " + std::to_string(timestamp) + " is " +
                                    std::to_string(static_cast<long long>(off)) +
                                    " s from the mailbox's clock (at most " + std::to_string(skew) +
                                    ")");
}

}  // namespace

std::optional<Failure> Service::take_nonce(const Header& h, std::uint64_t skew) {
    // Kept until its timestamp is older than its skew window twice over: a replay within the
    // window is refused here, one after it as stale.
    auto fresh = store_->use_nonce(h.sender_id(), h.sender_nonce, h.timestamp + 2 * skew);
    if (!fresh) {
        count("sharemsg_mailbox_storage_errors_total");
        return fail(Problem::storage, fresh.error().reason);
    }
    if (!*fresh)
        return fail(Problem::nonce_replayed, "sender_nonce: this sender used this nonce already");
    return std::nullopt;
}

Checked<Request> Service::admit(const char* endpoint, const std::string& body, Op op,
                                unsigned& retry) {
    if (body.size() > MAX_BODY)
        return fail(Problem::too_large, "the body is " + std::to_string(body.size()) +
                                            " bytes (at most " + std::to_string(MAX_BODY) + ")");
    auto req = decode_request(body);
    if (!req) return req.failure();
    const Header& h = req->header;
    if (h.op != op)
        return fail(Problem::bad_op, std::string("op: this endpoint takes ") + op_name(op) +
                                         ", not " + op_name(h.op));
    if (h.network != opts_.network)
        return fail(Problem::wrong_network, "this mailbox serves network " + to_hex(opts_.network) +
                                                ", not " + to_hex(h.network));
    if (auto f = check_request(*req)) return *f;
    const double now = clock_();
    const bool own = op != Op::send;
    if (own && h.receiver_pubkey != h.sender_pubkey)
        return fail(Problem::bad_field,
                    std::string("receiver_pubkey: a ") + op_name(op) + " names the sender itself");
    if (op != Op::register_identity) {
        if (auto f = stale(h.timestamp, now, opts_.skew)) return *f;
    }
    if (!by_identity_.take(to_hex(h.sender_id()), now, retry)) {
        count("sharemsg_mailbox_rate_limited_total{by=\"identity\"}");
        return fail(Problem::rate_limited, "this identity sent more than " +
                                               std::to_string(opts_.rate_per_minute) +
                                               " requests a minute");
    }
    (void)endpoint;
    return req;
}

Answer Service::do_register(const std::string& body) {
    constexpr const char* ep = "register";
    unsigned retry = 0;
    auto req = admit(ep, body, Op::register_identity, retry);
    if (!req) return refuse(ep, req.failure(), retry);
    const Header& h = req->header;
    if (h.message_id != 0)
        return refuse(ep, fail(Problem::bad_field, "message_id: 0 in a registration"));
    auto args = decode_register_args(req->payload);
    if (!args) return refuse(ep, args.failure());
    const double now = clock_();
    const auto now_s = static_cast<std::uint64_t>(now);
    if (all_zero(args->challenge)) {
        if (auto f = stale(h.timestamp, now, REGISTER_SKEW)) return refuse(ep, *f);
    }
    if (!delegation_ok(h, *args))
        return refuse(ep, fail(Problem::bad_delegation,
                               "delegation: the master key did not delegate this signing key "
                               "and index on this network"));
    if (!window_.contains(args->master_hash()))
        return refuse(ep, fail(Problem::unauthorized,
                               "master key " + to_hex(args->master_hash()) +
                                   " (HASH160) is paid by no share in the mailbox's window"));
    if (!all_zero(args->challenge) && !challenges_.consume(args->challenge, now_s))
        return refuse(ep, fail(Problem::bad_challenge,
                               "challenge: not one this mailbox handed out, expired, or used"));
    // A registration's nonce is kept as long as its timestamp could pass (a challenge's
    // registration may carry any timestamp: its challenge is single use).
    Header keyed = h;
    keyed.timestamp = std::max(h.timestamp, now_s);
    if (auto f = take_nonce(keyed, REGISTER_SKEW)) return refuse(ep, *f);
    Registration r;
    r.signing_id = h.sender_id();
    r.signing_pubkey = h.sender_pubkey;
    r.master_hash = args->master_hash();
    r.key_index = args->key_index;
    r.registered = now_s;
    r.expires = now_s + opts_.registration_ttl;
    if (auto s = store_->put_registration(r); !s) {
        count("sharemsg_mailbox_storage_errors_total");
        return refuse(ep, fail(Problem::storage, s.error().reason));
    }
    refresh_totals(false);
    J j;
    j["status"] = "registered";
    j["signing_id"] = to_hex(r.signing_id);
    j["expires"] = r.expires;
    return ok(ep, "registered", 200, dump(j));
}

Answer Service::do_send(const std::string& body) {
    constexpr const char* ep = "send";
    unsigned retry = 0;
    auto req = admit(ep, body, Op::send, retry);
    if (!req) return refuse(ep, req.failure(), retry);
    const Header& h = req->header;
    if (h.message_id != 0) return refuse(ep, fail(Problem::bad_field, "message_id: 0 in a send"));
    const auto now = static_cast<std::uint64_t>(clock_());
    auto sender = store_->registration(h.sender_id(), now);
    auto receiver = sender ? store_->registration(h.receiver_id(), now) : sender;
    if (!sender || !receiver) {
        count("sharemsg_mailbox_storage_errors_total");
        return refuse(ep, fail(Problem::storage, (!sender ? sender : receiver).error().reason));
    }
    if (!*sender || (*sender)->signing_pubkey != h.sender_pubkey)
        return refuse(
            ep, fail(Problem::not_registered, "the sender " + to_hex(h.sender_id()) +
                                                  " has no live registration at this mailbox"));
    if (!*receiver || (*receiver)->signing_pubkey != h.receiver_pubkey)
        return refuse(ep,
                      fail(Problem::unknown_receiver, "the receiver " + to_hex(h.receiver_id()) +
                                                          " has no registration at this mailbox"));
    Deposit d;
    d.sender_id = h.sender_id();
    d.receiver_id = h.receiver_id();
    d.received = now;
    d.header_json = encode_header(h);
    d.payload = req->payload;
    auto put = store_->deposit(d, h.sender_nonce, h.timestamp + 2 * opts_.skew, opts_.quota);
    if (!put) {
        count("sharemsg_mailbox_storage_errors_total");
        return refuse(ep, fail(Problem::storage, put.error().reason));
    }
    switch (put->outcome) {
        case MailboxStore::Outcome::nonce_replayed:
            return refuse(ep, fail(Problem::nonce_replayed,
                                   "sender_nonce: this sender used this nonce already"));
        case MailboxStore::Outcome::quota_full:
            return refuse(ep, fail(Problem::quota_full,
                                   "the receiver's mailbox holds its most messages (" +
                                       std::to_string(opts_.quota.messages) + ") or bytes (" +
                                       std::to_string(opts_.quota.bytes) + ")"));
        case MailboxStore::Outcome::stored:
            break;
    }
    count("sharemsg_mailbox_deposited_bytes_total", static_cast<double>(d.payload.size()));
    refresh_totals(false);
    if (listener_) listener_(d.receiver_id, put->id);
    J j;
    j["status"] = "stored";
    j["id"] = put->id;
    return ok(ep, "stored", 200, dump(j));
}

std::optional<Failure> Service::own_mailbox(const Header& h) {
    auto reg = store_->registration(h.sender_id(), static_cast<std::uint64_t>(clock_()));
    if (!reg) return fail(Problem::storage, reg.error().reason);
    if (!*reg)
        return fail(Problem::not_registered,
                    "no live registration of " + to_hex(h.sender_id()) + " here");
    return take_nonce(h, opts_.skew);
}

Answer Service::do_get(const std::string& body) {
    constexpr const char* ep = "get";
    unsigned retry = 0;
    auto req = admit(ep, body, Op::get, retry);
    if (!req) return refuse(ep, req.failure(), retry);
    const Header& h = req->header;
    if (auto f = own_mailbox(h)) return refuse(ep, *f);
    auto kept = store_->get(h.sender_id(), h.message_id);
    if (!kept) return refuse(ep, fail(Problem::storage, kept.error().reason));
    if (!*kept)
        return refuse(ep, fail(Problem::not_found, "message " + std::to_string(h.message_id) +
                                                       ": acked, expired or never here"));
    auto header = decode_header((*kept)->header_json);
    if (!header)
        return refuse(ep, fail(Problem::storage,
                               "a stored header does not decode: " + header.failure().detail));
    Stored s;
    s.id = (*kept)->id;
    s.received = (*kept)->received;
    s.message.header = *header;
    s.message.payload = std::move((*kept)->payload);
    return ok(ep, "found", 200, encode_stored(s));
}

Answer Service::do_ack(const std::string& body) {
    constexpr const char* ep = "ack";
    unsigned retry = 0;
    auto req = admit(ep, body, Op::ack, retry);
    if (!req) return refuse(ep, req.failure(), retry);
    const Header& h = req->header;
    if (auto f = own_mailbox(h)) return refuse(ep, *f);
    auto n = store_->ack(h.sender_id(), h.message_id);
    if (!n) return refuse(ep, fail(Problem::storage, n.error().reason));
    refresh_totals(false);
    J j;
    j["status"] = "deleted";
    j["count"] = *n;
    return ok(ep, "deleted", 200, dump(j));
}

std::variant<Answer, Subscribed> Service::do_subscribe(const std::string& body) {
    constexpr const char* ep = "subscribe";
    unsigned retry = 0;
    auto req = admit(ep, body, Op::subscribe, retry);
    if (!req) return refuse(ep, req.failure(), retry);
    const Header& h = req->header;
    if (auto f = own_mailbox(h)) return refuse(ep, *f);
    auto st = store_->state(h.sender_id());
    if (!st) return refuse(ep, fail(Problem::storage, st.error().reason));
    count(std::string("sharemsg_mailbox_requests_total{endpoint=\"subscribe\",result=\"open\"}"));
    return Subscribed{h.sender_id(), *st};
}

}  // namespace sharemsg::mailbox
