#include "node/mail_service.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"
#include "mailbox/seal.hpp"
#include "util/text.hpp"

namespace sharemsg::node {

const char* mail_state_name(MailSent::State s) noexcept {
    switch (s) {
        case MailSent::State::queued:
            return "queued";
        case MailSent::State::deposited:
            return "deposited";
        case MailSent::State::delivered:
            return "delivered";
    }
    return "unknown";
}

const char* mail_error_name(MailError e) noexcept {
    switch (e) {
        case MailError::no_identity:
            return "no_identity";
        case MailError::no_mailbox:
            return "no_mailbox";
        case MailError::bad_recipient:
            return "bad_recipient";
        case MailError::too_large:
            return "too_large";
        case MailError::not_text:
            return "not_text";
        case MailError::outbox_full:
            return "outbox_full";
        case MailError::storage:
            return "storage";
    }
    return "unknown";
}

std::optional<AppFrame> app_frame_of(std::string_view plaintext) noexcept {
    if (plaintext.size() < 2 || static_cast<std::uint8_t>(plaintext[0]) != APP_FRAME_MARK)
        return std::nullopt;
    switch (static_cast<MailApp>(plaintext[1])) {
        case MailApp::musig:
            break;
        default:
            return std::nullopt;
    }
    return AppFrame{static_cast<MailApp>(plaintext[1]),
                    ByteView(reinterpret_cast<const std::uint8_t*>(plaintext.data()) + 2,
                             plaintext.size() - 2)};
}

std::string app_plaintext(MailApp app, ByteView bytes) {
    std::string p;
    p.reserve(2 + bytes.size());
    p.push_back(static_cast<char>(APP_FRAME_MARK));
    p.push_back(static_cast<char>(app));
    p.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return p;
}

const char* mail_refusal_name(MailRefusal r) noexcept {
    switch (r) {
        case MailRefusal::bad_request:
            return "bad_request";
        case MailRefusal::bad_op:
            return "bad_op";
        case MailRefusal::wrong_network:
            return "wrong_network";
        case MailRefusal::wrong_recipient:
            return "wrong_recipient";
        case MailRefusal::replayed:
            return "replayed";
        case MailRefusal::unopenable:
            return "unopenable";
        case MailRefusal::no_identity:
            return "no_identity";
        case MailRefusal::storage:
            return "storage";
        case MailRefusal::stopped:
            return "stopped";
    }
    return "unknown";
}

namespace {

mailbox::Nonce fresh_nonce() {
    mailbox::Nonce n{};
    const auto b = crypto::random_bytes(n.size());
    std::copy(b.begin(), b.end(), n.begin());
    return n;
}

}  // namespace

Result<std::unique_ptr<MailService>> MailService::open(MailOptions o, IdentityFn identity,
                                                       DirectSend direct, Clock clock) {
    auto db = MailDb::open(o.db_path);
    if (!db) return make_error(Errc::io, o.db_path + ": " + db.error().reason);
    return std::unique_ptr<MailService>(new MailService(
        std::move(o), std::move(*db), std::move(identity), std::move(direct), std::move(clock)));
}

MailService::MailService(MailOptions o, std::unique_ptr<MailDb> db, IdentityFn identity,
                         DirectSend direct, Clock clock)
    : o_(std::move(o)),
      identity_(std::move(identity)),
      direct_(std::move(direct)),
      clock_(std::move(clock)),
      http_(o_.mailbox, o_.timeout),
      db_(std::move(db)),
      order_(*db_, InboxOrder::Options{o_.gap_timeout, mailbox::REORDER_WINDOW}) {}

MailService::~MailService() {
    stop();
}

void MailService::start() {
    guard_->self = this;
    worker_ = std::thread([this] { run(); });
    streamer_ = std::thread([this] { run_stream(); });
}

void MailService::stop() {
    {
        std::lock_guard lk(guard_->mu);
        guard_->self = nullptr;
    }
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    stream_.stop();
    if (worker_.joinable()) worker_.join();
    if (streamer_.joinable()) streamer_.join();
    std::deque<Event> left;
    {
        std::lock_guard lk(mu_);
        left.swap(events_);
    }
    for (auto& e : left)
        if (auto* in = std::get_if<DirectIn>(&e); in && in->done)
            in->done(false, mail_refusal_name(MailRefusal::stopped));
}

void MailService::push(Event e) {
    {
        std::lock_guard lk(mu_);
        if (stopping_) {
            if (auto* in = std::get_if<DirectIn>(&e); in && in->done) {
                auto done = std::move(in->done);
                mu_.unlock();
                done(false, mail_refusal_name(MailRefusal::stopped));
                mu_.lock();
            }
            return;
        }
        events_.push_back(std::move(e));
    }
    cv_.notify_all();
}

void MailService::set_error(std::string why) {
    std::lock_guard lk(mu_);
    last_error_ = std::move(why);
}

// ---- the public methods -------------------------------------------------------------------

MailClient::SendResult MailService::send(const crypto::CompressedPubKey& to,
                                         const std::string& text) {
    if (!is_valid_utf8(as_bytes(text))) {
        SendResult r;
        r.error = MailError::not_text;
        r.detail = "the text is not UTF-8";
        return r;
    }
    return send_plaintext(to, text);
}

MailClient::SendResult MailService::send_frame(const crypto::CompressedPubKey& to, MailApp app,
                                               ByteView bytes) {
    return send_plaintext(to, app_plaintext(app, bytes));
}

MailClient::SendResult MailService::send_plaintext(const crypto::CompressedPubKey& to,
                                                   const std::string& text) {
    SendResult r;
    auto fail = [&](MailError e, std::string detail) {
        r.error = e;
        r.detail = std::move(detail);
        return r;
    };
    const auto id = identity_();
    if (!id)
        return fail(MailError::no_identity, "this node has no signing key with its delegation");
    const auto me = id->key.pubkey();
    if (!crypto::parse_pubkey(to) || to != *crypto::parse_pubkey(to))
        return fail(MailError::bad_recipient, "not a compressed secp256k1 public key");
    if (to == me) return fail(MailError::bad_recipient, "this node's own signing key");
    if (text.size() > mailbox::MAX_PLAINTEXT)
        return fail(MailError::too_large, std::to_string(text.size()) + " bytes; at most " +
                                              std::to_string(mailbox::MAX_PLAINTEXT));
    const auto t = now();
    std::uint64_t outbox_id = 0;
    OutboxRow row;
    {
        std::lock_guard lk(db_mu_);
        auto queued = db_->queued_count();
        if (!queued) return fail(MailError::storage, queued.error().reason);
        if (*queued >= o_.max_queued)
            return fail(MailError::outbox_full,
                        std::to_string(*queued) + " messages queued already");
        auto stored = db_->send_chain(me, to);
        if (!stored) return fail(MailError::storage, stored.error().reason);
        std::optional<mailbox::SendChain> chain;
        if (stored->has_value()) {
            mailbox::Link link;
            link.index = (*stored)->index;
            link.bytes = (*stored)->link;
            chain.emplace(mailbox::ChainId{o_.network, me, to}, link);
        } else {
            auto started = mailbox::SendChain::start(o_.network, id->key.privkey(), to);
            if (!started) return fail(MailError::bad_recipient, started.failure().detail);
            chain.emplace(std::move(*started));
        }
        const std::uint64_t index = chain->index();
        auto sealed = chain->seal(as_bytes(text));
        if (!sealed) return fail(MailError::too_large, sealed.failure().detail);
        mailbox::Request req;
        req.header.network = o_.network;
        req.header.op = mailbox::Op::send;
        req.header.sender_pubkey = me;
        req.header.receiver_pubkey = to;
        req.header.sender_nonce = fresh_nonce();
        req.header.timestamp = t;
        req.payload = std::move(*sealed);
        mailbox::sign(req.header, req.payload, id->key.privkey());
        row.sent.to = to;
        row.sent.index = index;
        row.sent.text = text;
        row.sent.created = t;
        row.request = mailbox::encode_request(req);
        row.next_try = t;
        const auto& link = chain->state();
        if (auto s = db_->begin(); !s) return fail(MailError::storage, s.error().reason);
        auto added = db_->add_outbox(row);
        auto kept = added ? db_->put_send_chain(me, to, SendChainRow{link.index, link.bytes})
                          : Status(added.error());
        auto done = kept ? db_->commit() : kept;
        if (!done) {
            db_->rollback();
            return fail(MailError::storage, done.error().reason);
        }
        outbox_id = *added;
    }
    row.sent.id = outbox_id;
    r.sent = row.sent;
    {
        std::lock_guard lk(mu_);
        poked_ = true;  // the worker tries it at once
    }
    cv_.notify_all();
    return r;
}

std::vector<MailReceived> MailService::inbox(std::uint64_t after, std::size_t limit) const {
    std::lock_guard lk(db_mu_);
    auto r = db_->inbox(after, limit);
    if (!r) spdlog::warn("mail: inbox: {}", r.error().reason);
    return r ? std::move(*r) : std::vector<MailReceived>{};
}

std::optional<MailReceived> MailService::read(std::uint64_t id) const {
    std::lock_guard lk(db_mu_);
    auto r = db_->read(id);
    if (!r) spdlog::warn("mail: read: {}", r.error().reason);
    return r ? std::move(*r) : std::nullopt;
}

std::vector<MailSent> MailService::outbox(std::size_t limit) const {
    std::lock_guard lk(db_mu_);
    auto r = db_->outbox(limit);
    if (!r) spdlog::warn("mail: outbox: {}", r.error().reason);
    return r ? std::move(*r) : std::vector<MailSent>{};
}

void MailService::accept_direct(mailbox::Request message, Accepted done) {
    push(DirectIn{std::move(message), std::move(done)});
}

std::string MailService::status_json() const {
    std::uint64_t inbox = 0, queued = 0;
    {
        std::lock_guard lk(db_mu_);
        if (auto n = db_->inbox_count()) inbox = *n;
        if (auto n = db_->queued_count()) queued = *n;
    }
    std::lock_guard lk(mu_);
    nlohmann::ordered_json j;
    j["mailbox"] = o_.mailbox.url;
    j["registered"] = registered_;
    j["connected"] = connected_;
    j["inbox"] = inbox;
    j["queued"] = queued;
    j["last_error"] = last_error_;
    return j.dump();
}

// ---- receiving ----------------------------------------------------------------------------

std::optional<MailRefusal> MailService::take(const mailbox::Request& r, const std::string& path,
                                             std::string& why) {
    const auto id = identity_();
    if (!id) return MailRefusal::no_identity;
    if (auto f = mailbox::check_request(r)) {
        why = f->detail;
        return MailRefusal::bad_request;
    }
    const auto& h = r.header;
    if (h.op != mailbox::Op::send) return MailRefusal::bad_op;
    if (h.network != o_.network) return MailRefusal::wrong_network;
    const auto me = id->key.pubkey();
    if (h.receiver_pubkey != me || h.sender_pubkey == me) return MailRefusal::wrong_recipient;
    std::vector<MailReceived> in;
    {
        std::lock_guard lk(db_mu_);
        auto stored = db_->recv_chain(me, h.sender_pubkey);
        if (!stored) {
            why = stored.error().reason;
            return MailRefusal::storage;
        }
        const mailbox::ChainId cid{o_.network, h.sender_pubkey, me};
        auto chain = stored->has_value() ? mailbox::ReceiveChain::from_bytes(cid, **stored)
                                         : mailbox::ReceiveChain::start(
                                               o_.network, id->key.privkey(), h.sender_pubkey);
        if (!chain) {
            why = chain.failure().detail;
            return stored->has_value() ? MailRefusal::storage : MailRefusal::unopenable;
        }
        auto opened = chain->open(r.payload);
        if (!opened) {
            why = opened.failure().detail;
            return opened.failure().problem == mailbox::SealError::replayed
                       ? MailRefusal::replayed
                       : MailRefusal::unopenable;
        }
        Arrival a;
        a.me = me;
        a.from = h.sender_pubkey;
        a.index = opened->index;
        const auto plain = to_string(opened->plaintext);
        a.text = app_frame_of(plain) ? plain : utf8_lossy(opened->plaintext);
        a.sent = h.timestamp;
        a.path = path;
        auto s = db_->begin();
        auto state = chain->to_bytes();
        if (s) s = db_->put_recv_chain(me, h.sender_pubkey, state);
        if (s) {
            auto taken = order_.take(a, now());
            if (taken)
                in = std::move(*taken);
            else
                s = taken.error();
        }
        if (s) s = db_->commit();
        if (!s) {
            db_->rollback();
            why = s.error().reason;
            return MailRefusal::storage;
        }
    }
    publish(in);
    return std::nullopt;
}

void MailService::publish(const std::vector<MailReceived>& in) {
    Listener l;
    std::map<MailApp, FrameHandler> handlers;
    {
        std::lock_guard lk(mu_);
        l = listener_;
        handlers = frame_handlers_;
    }
    for (const auto& m : in) {
        if (auto f = app_frame_of(m.text)) {
            auto h = handlers.find(f->app);
            if (h != handlers.end() && h->second) h->second(m.from, f->bytes);
        } else if (l) {
            l(m);
        }
    }
}

void MailService::sweep_gaps() {
    std::vector<MailReceived> in;
    {
        std::lock_guard lk(db_mu_);
        auto s = db_->begin();
        if (s) {
            auto released = order_.sweep(now());
            if (released)
                in = std::move(*released);
            else
                s = released.error();
        }
        if (s) s = db_->commit();
        if (!s) {
            db_->rollback();
            spdlog::warn("mail: sweep: {}", s.error().reason);
            return;
        }
    }
    publish(in);
}

mailbox::Request MailService::own_request(const MailIdentity& id, mailbox::Op op,
                                          std::uint64_t message_id, Bytes payload) const {
    mailbox::Request r;
    r.header.network = o_.network;
    r.header.op = op;
    r.header.sender_pubkey = id.key.pubkey();
    r.header.receiver_pubkey = id.key.pubkey();
    r.header.sender_nonce = fresh_nonce();
    r.header.timestamp = now();
    r.header.message_id = message_id;
    r.payload = std::move(payload);
    mailbox::sign(r.header, r.payload, id.key.privkey());
    return r;
}

std::string MailService::watermark_key(const PubKey& me) const {
    return "fetched " + o_.mailbox.host + ":" + std::to_string(o_.mailbox.port) + " " + to_hex(me);
}

void MailService::ensure_watermark(const PubKey& me) {
    if (watermark_for_ == me) return;
    watermark_for_ = me;
    fetch_target_ = 0;
    acked_ = 0;
    fetched_ = 0;
    std::lock_guard lk(db_mu_);
    auto v = db_->meta(watermark_key(me));
    if (v && v->has_value()) fetched_ = std::strtoull((*v)->c_str(), nullptr, 10);
}

void MailService::fetch(const MailIdentity& id) {
    const auto me = id.key.pubkey();
    ensure_watermark(me);
    while (*fetched_ < fetch_target_) {
        const std::uint64_t n = *fetched_ + 1;
        const auto reply = http_.post(
            "/mailbox/get", mailbox::encode_request(own_request(id, mailbox::Op::get, n, {})));
        bool done = false;
        if (reply.kind == MailboxReply::Kind::ok) {
            auto stored = mailbox::decode_stored(reply.body);
            std::string why;
            if (!stored || stored->id != n) {
                spdlog::warn("mail: mailbox message {}: dropped: {}", n,
                             stored ? "another id" : stored.failure().detail);
                done = true;
            } else if (auto refused = take(stored->message, "mailbox", why)) {
                if (*refused == MailRefusal::storage || *refused == MailRefusal::no_identity) {
                    set_error("mail database: " + why);
                } else {
                    if (*refused != MailRefusal::replayed)
                        spdlog::info("mail: mailbox message {} dropped: {} {}", n,
                                     mail_refusal_name(*refused), why);
                    done = true;
                }
            } else {
                done = true;
            }
        } else if (reply.kind == MailboxReply::Kind::refused &&
                   reply.problem == relay::Problem::not_found) {
            done = true;  // acked, expired or never there
        } else {
            set_error("mailbox get: " + reply.why);
            if (reply.problem == relay::Problem::not_registered ||
                reply.problem == relay::Problem::unknown_receiver)
                register_at_ = 0;
        }
        if (!done) {
            fetch_at_ = clock_() + fetch_backoff_;
            fetch_backoff_ = std::min(60.0, fetch_backoff_ * 2);
            break;
        }
        fetch_backoff_ = 1;
        fetched_ = n;
        std::lock_guard lk(db_mu_);
        if (auto s = db_->set_meta(watermark_key(me), std::to_string(n)); !s)
            spdlog::warn("mail: {}", s.error().reason);
    }
    if (*fetched_ > acked_) {
        const auto reply =
            http_.post("/mailbox/ack",
                       mailbox::encode_request(own_request(id, mailbox::Op::ack, *fetched_, {})));
        if (reply.kind == MailboxReply::Kind::ok)
            acked_ = *fetched_;
        else
            set_error("mailbox ack: " + reply.why);
    }
}

// ---- the worker ---------------------------------------------------------------------------

void MailService::handle(Event& e) {
    if (auto* in = std::get_if<DirectIn>(&e)) {
        std::string why;
        const auto refused = take(in->message, "direct", why);
        if (in->done)
            in->done(!refused, refused ? std::string(mail_refusal_name(*refused)) +
                                             (why.empty() ? "" : ": " + why)
                                       : "");
    } else if (auto* out = std::get_if<DirectOut>(&e)) {
        in_direct_.erase(out->outbox_id);
        std::lock_guard lk(db_mu_);
        auto row = db_->outbox_row(out->outbox_id);
        if (!row || !row->has_value()) return;
        auto r = std::move(**row);
        if (out->delivered) {
            if (r.sent.state == MailSent::State::queued) {
                r.sent.state = MailSent::State::delivered;
                r.sent.last_error.clear();
                if (auto s = db_->update_outbox(r); !s) spdlog::warn("mail: {}", s.error().reason);
            }
        } else if (r.sent.state == MailSent::State::queued) {
            // To the mailbox at once.
            tried_direct_.insert(out->outbox_id);
            r.next_try = now();
            if (auto s = db_->update_outbox(r); !s) spdlog::warn("mail: {}", s.error().reason);
        }
    } else if (auto* st = std::get_if<StreamState>(&e)) {
        const auto id = identity_();
        if (!id) return;
        ensure_watermark(id->key.pubkey());
        const std::uint64_t fetched = *fetched_;
        if (st->highest < fetched)
            fetched_ = st->lowest ? st->lowest - 1 : st->highest;  // the mailbox started over
        else if (st->lowest == 0)
            fetched_ = st->highest;  // nothing waits there
        else if (st->lowest > fetched + 1)
            fetched_ = st->lowest - 1;  // the ones before are gone
        fetch_target_ = std::max(fetch_target_, st->highest);
        fetch_at_ = 0;
    } else if (auto* sid = std::get_if<StreamId>(&e)) {
        fetch_target_ = std::max(fetch_target_, sid->id);
        fetch_at_ = 0;
    }
}

void MailService::register_if_due(const std::optional<MailIdentity>& id) {
    if (!id) return;
    const auto me = id->key.pubkey();
    {
        std::lock_guard lk(mu_);
        if (register_key_ != me) {  // the first time, or a new signing key
            register_key_ = me;
            registered_ = false;
            registered_key_.reset();
            register_at_ = 0;
            register_backoff_ = 1;
        }
        if (register_now_) {
            register_now_ = false;
            register_at_ = 0;
        }
    }
    const double t = clock_();
    if (t < register_at_) return;
    mailbox::RegisterArgs args;
    args.key_index = id->key.key_index();
    args.delegation = id->delegation;
    const auto req =
        own_request(*id, mailbox::Op::register_identity, 0, mailbox::encode_register_args(args));
    const auto reply = http_.post("/mailbox/register", mailbox::encode_request(req));
    if (reply.kind == MailboxReply::Kind::ok) {
        const auto j = nlohmann::json::parse(reply.body, nullptr, false);
        double expires = t + 600;
        if (j.is_object() && j.contains("expires") && j["expires"].is_number_unsigned())
            expires = j["expires"].get<double>();
        register_at_ = t + std::max(30.0, (expires - t) / 2);
        register_backoff_ = 1;
        bool first = false;
        {
            std::lock_guard lk(mu_);
            first = !registered_;
            registered_ = true;
            registered_key_ = me;
        }
        if (first) spdlog::info("mail: registered with the mailbox {}", o_.mailbox.url);
        cv_.notify_all();
        return;
    }
    set_error("mailbox register: " + reply.why);
    if (reply.kind == MailboxReply::Kind::refused) {
        std::lock_guard lk(mu_);
        registered_ = false;
    }
    spdlog::info("mail: mailbox {}: register: {}", o_.mailbox.url, reply.why);
    register_at_ = t + register_backoff_;
    register_backoff_ = std::min(300.0, register_backoff_ * 2);
}

void MailService::retry_later(OutboxRow& row, const std::string& why) {
    row.tries += 1;
    double delay = o_.first_backoff;
    for (std::uint32_t i = 1; i < row.tries && delay < o_.max_backoff; ++i)
        delay *= 2;
    delay = std::min(delay, o_.max_backoff);
    row.next_try = now() + static_cast<std::uint64_t>(std::max(1.0, delay));
    row.sent.last_error = why;
    set_error("mail to " + to_hex(row.sent.to) + ": " + why);
}

void MailService::post_to_mailbox(OutboxRow row, const MailIdentity& id) {
    tried_direct_.erase(row.sent.id);
    auto req = mailbox::decode_request(row.request);
    if (!req) {
        retry_later(row, "the outbox row does not decode: " + req.failure().detail);
    } else {
        if (req->header.timestamp + o_.resign_after < now() &&
            req->header.sender_pubkey == id.key.pubkey()) {
            // The mailbox takes recent headers only: the same payload, signed again.
            req->header.sender_nonce = fresh_nonce();
            req->header.timestamp = now();
            mailbox::sign(req->header, req->payload, id.key.privkey());
            row.request = mailbox::encode_request(*req);
        }
        const auto reply = http_.post("/mailbox/send", row.request);
        if (reply.kind == MailboxReply::Kind::ok ||
            (reply.kind == MailboxReply::Kind::refused &&
             reply.problem == relay::Problem::nonce_replayed)) {
            // nonce_replayed: an earlier try of this very header was stored.
            row.sent.state = MailSent::State::deposited;
            row.sent.last_error.clear();
        } else {
            if (reply.problem == relay::Problem::not_registered) {
                std::lock_guard lk(mu_);
                register_now_ = true;
            }
            retry_later(row, reply.why);
        }
    }
    std::lock_guard lk(db_mu_);
    if (auto s = db_->update_outbox(row); !s) spdlog::warn("mail: outbox: {}", s.error().reason);
}

void MailService::deliver_due(const std::optional<MailIdentity>& id) {
    if (!id) return;
    const double t = clock_();
    // Direct tries that never answered count as failed.
    for (auto it = in_direct_.begin(); it != in_direct_.end();)
        if (it->second + kDirectTimeout <= t) {
            tried_direct_.insert(it->first);
            it = in_direct_.erase(it);
        } else {
            ++it;
        }
    std::vector<OutboxRow> due;
    {
        std::lock_guard lk(db_mu_);
        auto r = db_->due(now(), 64);
        if (!r) {
            spdlog::warn("mail: outbox: {}", r.error().reason);
            return;
        }
        due = std::move(*r);
    }
    for (auto& row : due) {
        {
            std::lock_guard lk(mu_);
            if (stopping_) return;
        }
        const auto oid = row.sent.id;
        if (in_direct_.count(oid)) continue;
        if (direct_ && !tried_direct_.count(oid)) {
            auto req = mailbox::decode_request(row.request);
            if (req) {
                in_direct_[oid] = t;
                row.next_try = now() + static_cast<std::uint64_t>(kDirectTimeout);
                {
                    std::lock_guard lk(db_mu_);
                    if (auto s = db_->update_outbox(row); !s)
                        spdlog::warn("mail: outbox: {}", s.error().reason);
                }
                direct_(row.sent.to, std::move(*req), [guard = guard_, oid](bool delivered) {
                    std::lock_guard lk(guard->mu);
                    if (guard->self) guard->self->push(DirectOut{oid, delivered});
                });
                continue;
            }
        }
        post_to_mailbox(std::move(row), *id);
    }
}

void MailService::run() {
    for (;;) {
        std::deque<Event> batch;
        {
            std::lock_guard lk(mu_);
            if (stopping_) return;
            batch.swap(events_);
            poked_ = false;
        }
        for (auto& e : batch)
            handle(e);
        const auto id = identity_();
        register_if_due(id);
        bool registered = false;
        {
            std::lock_guard lk(mu_);
            registered = registered_;
        }
        if (id && registered && clock_() >= fetch_at_ &&
            fetched_.value_or(0) < fetch_target_ + (acked_ < fetched_.value_or(0) ? 1 : 0))
            fetch(*id);
        deliver_due(id);
        if (clock_() >= sweep_at_) {
            sweep_gaps();
            sweep_at_ = clock_() + o_.sweep_interval;
        }
        // Sleeps until the next thing is due (at most 5 s), an event, or a send.
        double wake = std::min({register_at_, sweep_at_, clock_() + 5});
        if (fetched_.value_or(0) < fetch_target_) wake = std::min(wake, fetch_at_);
        {
            std::lock_guard lk(db_mu_);
            if (auto next = db_->next_due(); next && next->has_value())
                wake = std::min(wake, static_cast<double>(**next));
        }
        const double pause = std::max(0.05, wake - clock_());
        std::unique_lock lk(mu_);
        cv_.wait_for(lk, std::chrono::duration<double>(pause),
                     [&] { return stopping_ || !events_.empty() || poked_; });
    }
}

// ---- the event stream ---------------------------------------------------------------------

void MailService::run_stream() {
    double backoff = 1;
    for (;;) {
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stopping_ || registered_; });
            if (stopping_) return;
        }
        const auto id = identity_();
        bool got_state = false;
        EventStream::End end;
        if (id) {
            const auto body =
                mailbox::encode_request(own_request(*id, mailbox::Op::subscribe, 0, {}));
            end = stream_.run(
                o_.mailbox, "/mailbox/subscribe", body,
                [&](const EventStream::Event& ev) {
                    const auto j = nlohmann::json::parse(ev.data, nullptr, false);
                    if (!j.is_object()) return;
                    if (ev.name == "state" && j.contains("lowest") && j.contains("highest") &&
                        j["lowest"].is_number_unsigned() && j["highest"].is_number_unsigned()) {
                        got_state = true;
                        {
                            std::lock_guard lk(mu_);
                            connected_ = true;
                        }
                        push(StreamState{j["lowest"].get<std::uint64_t>(),
                                         j["highest"].get<std::uint64_t>()});
                    } else if (ev.name == "message" && j.contains("id") &&
                               j["id"].is_number_unsigned()) {
                        push(StreamId{j["id"].get<std::uint64_t>()});
                    }
                },
                o_.timeout, std::chrono::milliseconds(kStreamIdle));
        } else {
            end.why = "no signing key";
        }
        {
            std::lock_guard lk(mu_);
            connected_ = false;
            if (end.kind == EventStream::End::Kind::stopped || stopping_) return;
            if (end.kind == EventStream::End::Kind::refused &&
                (end.reply.problem == relay::Problem::not_registered ||
                 end.reply.problem == relay::Problem::unknown_receiver)) {
                registered_ = false;
                register_now_ = true;
                poked_ = true;
            }
        }
        cv_.notify_all();
        const std::string why =
            end.kind == EventStream::End::Kind::refused ? end.reply.why : end.why;
        set_error("mailbox subscribe: " + why);
        spdlog::debug("mail: mailbox {}: subscribe: {}", o_.mailbox.url, why);
        if (got_state) backoff = 1;
        std::unique_lock lk(mu_);
        if (cv_.wait_for(lk, std::chrono::duration<double>(backoff), [&] { return stopping_; }))
            return;
        backoff = std::min(60.0, backoff * 2);
    }
}

}  // namespace sharemsg::node
