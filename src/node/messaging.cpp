// The node's messaging side: the database (messages, bans, outbox, key state), the API token,
// the signing key (its rotation; the keys and their files are SigningKeys), the outbox and its
// embedding in mined shares, NODE_STATUS.
//
// Durability: every change the API acknowledges is committed to the database (store::Writer,
// WAL, synchronous=FULL) before the answer is sent; messages that arrive in shares are also
// in shares.log, written with fdatasync before the share is accepted.
#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "node/files.hpp"
#include "node/http.hpp"
#include "node/node.hpp"
#include "node/outbox_codec.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"
#include "proto/keys_io.hpp"
#include "proto/open_private.hpp"
#include "store/load.hpp"
#include "util/numeric.hpp"
#include "util/text.hpp"

namespace sharemsg::node {

namespace fs = std::filesystem;

namespace {

constexpr const char* kVersion = "sharemsgd/0.1.0";

}  // namespace

// ------------------------------------------------------------------ start-up

Status Node::open_database() {
    const std::string path = (fs::path(cfg_.datadir) / "sharemsg.db").string();
    auto db = store::Database::open_writer(path);
    if (!db) return make_error(db.error().code, "database " + path + ": " + db.error().reason);
    // A write's callback that throws is logged and counted like a chain-thread task.
    store::WriterOptions wo;
    wo.on_callback_error = [guard = TaskGuard(metrics_, "writer")](const std::string& reason) {
        guard.report("callback", reason);
    };
    db_ = std::make_unique<store::Writer>(std::move(*db), wo);
    OutboxSettings os;
    os.capacity = cfg_.outbox_capacity;
    os.share_interval = cfg_.share_period;
    os.max_delay = cfg_.max_send_delay;
    os.window = open_window();
    os.network_id = net_.network_id();
    outbox_ = std::make_unique<Outbox>(os, *db_, metrics_, [this](std::function<void()> f) {
        chain_guard_.post(chain_io_, "outbox", std::move(f));
    });
    return Ok{};
}

Status Node::load_database() {
    auto reader = store::Database::open_reader(db_->path());
    if (!reader) return reader.error();
    const double t = now();

    auto msgs = store::load_messages(*reader);
    if (!msgs) return make_error(msgs.error().code, "loading messages: " + msgs.error().reason);
    for (auto& m : *msgs)
        store_->add_local_message(std::move(m), t);

    // Bans: the database is the source of truth; an existing banned_senders.json (the
    // reference's file) is imported when the database has none. Flags add to both.
    auto bans = store::load_bans(*reader);
    if (!bans) return bans.error();
    std::vector<store::Op> ops;
    const std::string ban_file = (fs::path(cfg_.datadir) / "banned_senders.json").string();
    if (bans->empty() && fs::exists(ban_file)) {
        std::string warning;
        auto from_file = load_ban_list(ban_file, &warning);
        if (!warning.empty()) spdlog::warn("{}", warning);
        *bans = store::bans_of(from_file);
        ops.push_back(store::ReplaceBans{*bans});
    }
    auto add_flag_ban = [&](store::BanKind kind, const std::string& v) {
        store::Ban b{kind, v};
        bans->push_back(b);
        ops.push_back(store::PutBan{b});
    };
    for (const auto& s : cfg_.ban_senders) {
        auto id = from_hex_fixed<20>(s);
        if (!id)
            return make_error(Errc::invalid_argument,
                              "--ban-sender " + s + ": " + id.error().reason);
        add_flag_ban(store::BanKind::signing_id, to_hex(*id));
    }
    for (const auto& a : cfg_.ban_addresses)
        add_flag_ban(store::BanKind::address, a);
    for (const auto& w : cfg_.ban_words)
        add_flag_ban(store::BanKind::keyword, w);
    if (!ops.empty()) {
        for (const auto& o : db_->commit_now(std::move(ops)))
            if (!o.ok()) return make_error(Errc::io, "saving bans: " + o.status.error().reason);
    }
    proto::BanList list;
    for (const auto& b : *bans)
        store::add_to(list, b);
    store_->set_bans(std::move(list));
    save_bans_file();

    auto state = store::load_key_state(*reader);
    if (!state) return state.error();
    loaded_key_state_ = *state;

    auto outbox = store::load_outbox(*reader, std::nullopt);
    if (!outbox) return outbox.error();
    outbox_->load(*outbox);
    spdlog::info("database: {} messages, {} bans, {} outbox entries ({} queued)", msgs->size(),
                 bans->size(), outbox->size(), outbox_->depth());

    // From now on every change of the store is mirrored to the database.
    store_->set_observer(
        [this](const proto::ShareMessage& m, bool added) { on_store_change(m, added); });
    return Ok{};
}

Status Node::write_cookie() {
    cookie_token_ = to_hex(crypto::random_bytes(32));
    const std::string path = (fs::path(cfg_.datadir) / ".cookie").string();
    auto w = write_file_atomic(path, cookie_token_ + "\n", 0600);
    if (!w) return make_error(Errc::io, "API cookie " + path + ": " + w.error().reason);
    return Ok{};
}

bool Node::token_ok(std::string_view token) const {
    if (cookie_token_.empty() || token.size() != cookie_token_.size()) return false;
    return CRYPTO_memcmp(token.data(), cookie_token_.data(), token.size()) == 0;
}

Status Node::setup_signing_key() {
    std::optional<SigningKeys::Configured> configured;
    if (!cfg_.signing_key.empty())
        configured = SigningKeys::Configured{cfg_.signing_key, cfg_.signing_key_index,
                                             cfg_.signing_key_delegation};
    auto started = keys_.start(configured, loaded_key_state_, payout_, cfg_.address.empty(), now());
    if (!started) return started.error();
    if (!*started) return Ok{};
    const auto& st = (*started)->state;
    if (const auto& adopted = (*started)->adopted_payout) {
        payout_ = *adopted;
        payout_address_ = proto::p2pkh_address_from_hash160(payout_, net_.address_version);
        spdlog::info("payout address from the delegation: {}", payout_address_);
    }
    for (const auto& o : db_->commit_now({store::PutKeyState{st}}))
        if (!o.ok()) return make_error(Errc::io, "saving key state: " + o.status.error().reason);
    keys_.save_state_file();
    spdlog::info("signing key index {}, signing id {}", st.key_index, to_hex(st.signing_id));
    return Ok{};
}

void Node::queue_startup_messages() {
    auto queue_text = [&](proto::ShareMessage m) {
        queue_message(std::move(m), std::nullopt, [](ApiAnswer a) {
            if (a.status >= 300) spdlog::warn("startup message not queued: {}", a.body.dump());
        });
    };
    const auto t = chain_time();
    for (const auto& text : cfg_.messages)
        queue_text(proto::build_miner_message(text, t));
    for (const auto& text : cfg_.announces)
        queue_text(proto::build_pool_announcement(text, t));
}

void Node::save_key_state(const store::KeyState& st) {
    db_->enqueue(store::PutKeyState{st}, [this](const store::Outcome& r) {
        if (!r.ok()) {
            spdlog::error("key state not saved: {}", r.status.error().reason);
            return;
        }
        chain_guard_.post(chain_io_, "save key state", [this] { keys_.save_state_file(); });
    });
}

void Node::save_bans_file() {
    proto::BanList copy;
    {
        std::shared_lock lk(store_mutex_);
        copy = store_->bans();
    }
    auto w = save_ban_list((fs::path(cfg_.datadir) / "banned_senders.json").string(), copy);
    if (!w) spdlog::error("banned_senders.json not written: {}", w.error().reason);
}

// ------------------------------------------------------------------ store mirror

void Node::on_store_change(const proto::ShareMessage& m, bool added) {
    if (added) {
        db_->enqueue(store::PutMessage{m, now()}, [](const store::Outcome& o) {
            if (!o.ok()) spdlog::error("message not saved: {}", o.status.error().reason);
        });
        to_publish_.push_back(m);
        metrics_.inc("sharemsg_messages_stored_by_type_total",
                     "type=\"" + std::string(proto::type_name(m.msg_type)) + "\"");
    } else {
        db_->enqueue(store::DeleteMessage{m.hash()}, {});
    }
}

void Node::flush_published() {
    if (to_publish_.empty() || !http_) return;
    boost::asio::post(io_, [this, msgs = std::move(to_publish_)] {
        if (http_) http_->publish(msgs);
    });
    to_publish_.clear();
}

// ------------------------------------------------------------------ outbox

std::uint32_t Node::chain_time() const {
    const auto t = saturate_cast<std::uint32_t>(now());
    const auto best = tracker_.best();
    if (!best) return t;
    const std::uint32_t next = shares_.at(*best).timestamp + 1;
    return std::max(t, next);
}

std::optional<Outbox::Sender> Node::sender() const {
    auto key = keys_.key();
    auto ann = keys_.announcement();
    if (!key || !ann) return std::nullopt;
    return Outbox::Sender{std::move(*key), std::move(*ann)};
}

void Node::queue_message(proto::ShareMessage m, std::optional<proto::SigningId> to, ApiDone done) {
    const auto s = sender();
    if (!open_chain_ || !s) {
        done(api_error(400, "cannot send",
                       open_chain_ ? "this node's signing key has no delegation: other nodes "
                                     "cannot bind it to an address (derive it with `sharemsg "
                                     "derive-key --delegation-network ...`)"
                                   : "this network does not carry the open profile"));
        return;
    }
    const auto best = tracker_.best();
    outbox_->queue(std::move(m), to, *open_chain_, *s, best ? tracker_.height(*best) : 0,
                   chain_time(), std::move(done));
}

bool Node::sacrifice_turn() {
    ++mine_ticks_;
    if (cfg_.sacrifice_every == 0 || mine_ticks_ % cfg_.sacrifice_every != 0) return false;
    const auto id = keys_.signing_id();
    if (!open_chain_ || !id || sacrifice_hashes_.empty()) return false;
    const auto known = open_chain_->tip().key(*id);
    return known && !known->revoked;
}

Outbox::Built Node::next_message_data(bool sacrifice) {
    if (open_chain_) {
        if (const auto s = sender()) {
            const auto best = tracker_.best();
            auto built = outbox_->build(*s, *open_chain_, best ? tracker_.height(*best) : 0,
                                        chain_time(), sacrifice);
            if (!built.message_data.empty()) return built;
        }
    }
    // Authority blobs (--transition-message, bootstrap_messages/) ride the shares, one per
    // share in turn, as the reference embeds its transition message.
    Outbox::Built out;
    if (!outbox_blobs_.empty())
        out.message_data = outbox_blobs_[outbox_next_++ % outbox_blobs_.size()];
    return out;
}

// ------------------------------------------------------------------ API calls

template <class Task>
void Node::post_api(const char* what, ApiDone done, Task task) {
    auto answer = once(std::move(done));
    chain_guard_.post(
        chain_io_, what, [answer, task = std::move(task)]() mutable { task(answer); },
        [answer](const std::string& reason) { answer(api_error(500, "internal error", reason)); });
}

ApiAnswer Node::follower_answer() const {
    return api_error(409, "follower",
                     "this node follows the " + std::string(net_.p2p.name) +
                         " sharechain and makes no shares: messages on this network are sent "
                         "by a pool node that embeds the sharemsg library (docs/live-network.md)");
}

void Node::send(SendRequest req, ApiDone answer) {
    post_api("send", std::move(answer), [this, req = std::move(req)](ApiDone done) mutable {
        if (follower()) {
            done(follower_answer());
            return;
        }
        if (!keys_.has_key()) {
            done(api_error(
                400, "no signing key configured",
                "start sharemsgd with --signing-key-file (a key from `sharemsg derive-key`)"));
            return;
        }
        if (req.fragment && !open_chain_) {
            done(api_error(400, "fragments unavailable",
                           "this network does not carry the open profile"));
            return;
        }
        const auto t = chain_time();
        proto::ShareMessage m;
        switch (req.msg_type) {
            case proto::MSG_MINER_MESSAGE:
                m = proto::build_miner_message(req.text, t);
                break;
            case proto::MSG_POOL_ANNOUNCE:
                m = proto::build_pool_announcement(req.text, t);
                break;
            case proto::MSG_EMERGENCY:
                m = proto::build_emergency_alert(req.text, t);
                break;
            default:
                m = proto::ShareMessage::make(req.msg_type, as_bytes(req.text),
                                              proto::FLAG_HAS_SIGNATURE | proto::FLAG_BROADCAST, t);
        }
        m.payload.assign(req.text.begin(), req.text.end());  // the builders stop at 220 bytes
        std::size_t wire_payload = req.text.size();
        if (req.to) {
            if (!open_chain_) {
                done(api_error(400, "private messages unavailable",
                               "this network does not carry the open profile"));
                return;
            }
            if (!open_chain_->tip().key(*req.to)) {
                done(api_error(400, "unknown recipient",
                               "no bound signing key " + to_hex(*req.to) +
                                   " on this node's chain yet (see /msg/keys)"));
                return;
            }
            const std::size_t limit = req.fragment ? proto::open::MAX_PRIVATE_PLAINTEXT
                                                   : proto::open::MAX_PRIVATE_PLAINTEXT_SINGLE;
            if (req.text.size() > limit) {
                done(api_error(
                    400, "text too long",
                    "a private message holds at most " + std::to_string(limit) +
                        " bytes (encryption adds " + std::to_string(proto::open::PRIVATE_OVERHEAD) +
                        ")" +
                        (req.fragment
                             ? ""
                             : "; up to " + std::to_string(proto::open::MAX_PRIVATE_PLAINTEXT) +
                                   " with \"fragment\": true")));
                return;
            }
            wire_payload += proto::open::PRIVATE_OVERHEAD;
            // The flags are part of the message hash: mark it private now, as it will be.
            m.flags = m.wire_flags = m.flags | proto::open::FLAG_PRIVATE;
            m.recipient = req.to;
        }
        // A fragmented message reaches receivers whole only if all its fragments land within
        // FRAGMENT_TIMEOUT of share time; this node mines one share per share period.
        const std::size_t pieces = proto::open::fragment_count(wire_payload);
        if (pieces > 1 && static_cast<double>(pieces - 1) * cfg_.share_period >=
                              static_cast<double>(proto::open::FRAGMENT_TIMEOUT)) {
            done(api_error(400, "text too long",
                           "this node mines a share every " + std::to_string(cfg_.share_period) +
                               " s, too seldom to carry " + std::to_string(pieces) +
                               " fragments within " +
                               std::to_string(proto::open::FRAGMENT_TIMEOUT) + " s"));
            return;
        }
        queue_message(std::move(m), req.to, std::move(done));
    });
}

void Node::send_authority(AuthorityRequest req, ApiDone answer) {
    post_api("authority", std::move(answer), [this, req = std::move(req)](ApiDone done) mutable {
        if (follower()) {
            done(follower_answer());
            return;
        }
        if (!open_chain_) {
            done(api_error(400, "authority messages unavailable",
                           "this network does not carry the open profile"));
            return;
        }
        // The checks of the ledger (docs/protocol.md §5.2, §8), so that what is queued is
        // accepted by every node that lists the same authorities.
        auto om = proto::open::make_authority_message(req.msg_type, as_bytes(req.text),
                                                      req.timestamp, req.authority_key, req.flags);
        if (!om) {
            done(api_error(400, "not an authority message", om.error().reason));
            return;
        }
        if (om->flags != req.flags) {
            done(api_error(400, "bad flags",
                           "an authority message has 0x08 and 0x01 set and 0x10, 0x20, 0x40, "
                           "0x80 clear (the signature covers the flags as sent)"));
            return;
        }
        const auto* authority =
            proto::open::find_cosign_authority(cosign_authorities_, req.authority_key);
        if (!authority) {
            done(api_error(400, "unknown authority",
                           "authority_key " + to_hex(req.authority_key) +
                               " is not the key of a co-signing authority of this node "
                               "(--cosign-authority)"));
            return;
        }
        om->signature.assign(req.signature.begin(), req.signature.end());
        if (!proto::open::verify_authority_signature(*om, net_.network_id())) {
            done(api_error(400, "bad signature",
                           "the signature does not verify under " + authority->name() +
                               "'s key over the authority sighash of this network"));
            return;
        }
        const auto t = chain_time();
        const auto& lc = open_chain_->tip().config();
        if (std::uint64_t{req.timestamp} > std::uint64_t{t} + lc.max_future_skew ||
            std::uint64_t{req.timestamp} + lc.max_message_age < t) {
            done(api_error(400, "bad timestamp",
                           "timestamp " + std::to_string(req.timestamp) +
                               " is too far from the chain's time " + std::to_string(t)));
            return;
        }
        proto::ShareMessage m =
            proto::ShareMessage::make(req.msg_type, as_bytes(req.text), om->flags, req.timestamp);
        m.authority_key = req.authority_key;
        m.signature = om->signature;
        queue_message(std::move(m), std::nullopt, std::move(done));
    });
}

void Node::ban(store::Ban b, bool add, ApiDone answer) {
    post_api("ban", std::move(answer), [this, b, add](ApiDone done) {
        bool present;
        {
            std::unique_lock lk(store_mutex_);
            auto current = store::bans_of(store_->bans());
            present = std::any_of(current.begin(), current.end(), [&](const store::Ban& c) {
                return c.kind == b.kind && c.value == b.value;
            });
        }
        if (!add && !present) {
            done(api_error(404, "not banned",
                           std::string(store::ban_kind_name(b.kind)) + " " + b.value +
                               " is not on the ban list"));
            return;
        }
        store::Op op = add ? store::Op{store::PutBan{b}} : store::Op{store::RemoveBan{b}};
        db_->enqueue(std::move(op), [this, b, add, done](const store::Outcome& r) {
            if (!r.ok()) {
                done(api_error(503, "not stored",
                               "the ban list could not be saved: " + r.status.error().reason));
                return;
            }
            chain_guard_.post(
                chain_io_, "ban",
                [this, b, add, done] {
                    {
                        std::unique_lock lk(store_mutex_);
                        auto current = store::bans_of(store_->bans());
                        if (add) {
                            current.push_back(b);
                        } else {
                            current.erase(std::remove_if(current.begin(), current.end(),
                                                         [&](const store::Ban& c) {
                                                             return c.kind == b.kind &&
                                                                    c.value == b.value;
                                                         }),
                                          current.end());
                        }
                        proto::BanList list;
                        for (const auto& c : current)
                            store::add_to(list, c);
                        store_->set_bans(std::move(list));
                    }
                    save_bans_file();
                    nlohmann::ordered_json j;
                    j["status"] = add ? "banned" : "unbanned";
                    j["ban_type"] =
                        b.kind == store::BanKind::keyword ? "word" : store::ban_kind_name(b.kind);
                    j["value"] = b.value;
                    done({200, std::move(j)});
                },
                [done](const std::string& reason) {
                    done(api_error(500, "internal error", reason));
                });
        });
    });
}

namespace {
ApiAnswer refusal_answer(const SigningKeys::Refused& r) {
    switch (r.why) {
        case SigningKeys::Refusal::bad_key:
            return api_error(400, "bad signing key", r.detail);
        case SigningKeys::Refusal::index_not_higher:
            return api_error(400, "key index not higher", r.detail);
        case SigningKeys::Refusal::missing_delegation:
            return api_error(400, "missing delegation", r.detail);
        case SigningKeys::Refusal::bad_delegation:
            return api_error(400, "bad delegation", r.detail);
        case SigningKeys::Refusal::in_progress:
            return api_error(409, "rotation in progress", r.detail);
        case SigningKeys::Refusal::not_stored:
            return api_error(503, "not stored", r.detail);
    }
    return api_error(500, "internal error", r.detail);
}
}  // namespace

void Node::rotate_key(RotateRequest req, ApiDone answer) {
    // Durable first: the new key is written to the data directory, then its key state is
    // committed to the database, and only then does the node sign with it. A failure at
    // either step leaves the old key in use and answers 503 with the reason.
    post_api("rotate_key", std::move(answer), [this, req = std::move(req)](ApiDone done) {
        auto begun =
            keys_.begin_rotation(req.signing_key, req.key_index, req.delegation, payout_, now());
        if (const auto* refused = std::get_if<SigningKeys::Refused>(&begun)) {
            done(refusal_answer(*refused));
            return;
        }
        const auto p = std::get<SigningKeys::Pending>(begun);
        db_->enqueue(store::PutKeyState{p.state}, [this, p, done](const store::Outcome& r) {
            // Back on the chain thread, the one that changes the keys.
            auto finish = [this, p, done, r] {
                const bool committed = r.ok();
                if (auto st = keys_.finish_rotation(committed)) save_key_state(*st);
                if (!committed) {
                    spdlog::error("signing key rotation to index {} not saved: {}",
                                  p.state.key_index, r.status.error().reason);
                    done(api_error(503, "not stored",
                                   std::string("the key state could not be saved (") +
                                       store::failure_name(r.failure) + "): " +
                                       r.status.error().reason + "; the old key stays in use"));
                    return;
                }
                spdlog::info("signing key rotated to index {} ({})", p.state.key_index,
                             to_hex(p.signing_id));
                nlohmann::ordered_json j;
                j["status"] = "rotated";
                j["key_index"] = p.state.key_index;
                j["signing_id"] = to_hex(p.signing_id);
                j["previous_signing_id"] = p.previous ? nlohmann::ordered_json(to_hex(*p.previous))
                                                      : nlohmann::ordered_json();
                done({200, std::move(j)});
            };
            chain_guard_.post(chain_io_, "rotate_key", std::move(finish),
                              [done](const std::string& reason) {
                                  done(api_error(500, "internal error", reason));
                              });
        });
    });
}

nlohmann::ordered_json Node::identity() const {
    const auto snap = keys_.snapshot();
    nlohmann::ordered_json j;
    if (!snap.key) {
        j["messaging_enabled"] = false;
        j["error"] = "no signing key configured: use --signing-key-file to enable messaging";
        j["address"] = payout_address_;
        return j;
    }
    const auto& key = *snap.key;
    const auto& st = snap.state;
    j["signing_id"] = to_hex(key.signing_id());
    j["signing_pubkey"] = to_hex(key.pubkey());
    j["key_index"] = key.key_index();
    j["address"] = payout_address_;
    j["messaging_enabled"] = true;
    j["messages_signed"] = st ? st->messages_signed : 0;
    j["created"] = st ? saturate_cast<std::int64_t>(st->created) : 0;
    j["last_rotated"] = st && st->last_rotated
                            ? nlohmann::ordered_json(saturate_cast<std::int64_t>(*st->last_rotated))
                            : nlohmann::ordered_json();
    return j;
}

void Node::outbox(ApiDone answer) {
    // Read from the database (the record of what was acknowledged), not the chain thread's
    // queue; on the chain thread, so that the I/O thread never waits on the disk.
    post_api("outbox", std::move(answer), [this](ApiDone done) {
        if (follower()) {
            done(follower_answer());
            return;
        }
        auto reader = store::Database::open_reader(db_->path());
        auto rows = reader ? store::load_outbox(*reader, std::nullopt)
                           : Result<std::vector<store::OutboxEntry>>(reader.error());
        if (!rows) {
            done(api_error(503, "not readable", "the outbox: " + rows.error().reason));
            return;
        }
        const auto best = tracker_.best();
        auto j = outbox_->to_json(*rows, open_chain_.get(), sender(),
                                  best ? tracker_.height(*best) : 0, chain_time());
        done({200, std::move(j)});
    });
}

// ------------------------------------------------------------------ NODE_STATUS

void Node::schedule_status() {
    if (cfg_.status_interval <= 0 || follower()) return;
    // The first status soon after start (the node announces itself), then every interval.
    const double delay = mined_ == 0 && share_count_.load() == 0 && !status_sent_
                             ? std::min(cfg_.status_interval, 2.0)
                             : cfg_.status_interval;
    status_sent_ = true;
    status_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(delay)));
    status_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        chain_guard_.run("status", [this] { emit_status(); });
        schedule_status();
    });
}

void Node::emit_status() {
    proto::NodeStatus st;
    st.version = kVersion;
    st.uptime = std::floor(uptime());
    // Devnet shares take about 2^256 / (max_target + 1) = 16 hashes each.
    st.hashrate = uptime() > 0 ? std::floor(static_cast<double>(mined_) * 16 / uptime()) : 0;
    st.share_count = share_count_.load();
    st.peers = peer_count_.load();
    st.capabilities = {"msg-v1", "open-v2"};
    const auto t = chain_time();
    auto m = proto::build_node_status(st, t);
    const auto own_id = keys_.signing_id();
    const bool have_key = own_id.has_value();
    if (own_id) m.signing_id = *own_id;
    // Everything the node sends is signed, and the flags are part of the message hash: set
    // the signature flag now so that the copy stored here and the one carried by a share are
    // the same message.
    if (have_key) m.flags = m.wire_flags = m.flags | proto::FLAG_HAS_SIGNATURE;
    m.sender_address = payout_address_;
    m.verified = true;  // made here
    // Durable before visible: the status is written first, and only once that committed is
    // it added to the store (where the API and the stream see it) and queued.
    db_->enqueue(store::PutMessage{m, now()}, [this, m, have_key](const store::Outcome& r) {
        if (!r.ok()) {
            spdlog::error("NODE_STATUS not saved: {}", r.status.error().reason);
            return;
        }
        chain_guard_.post(chain_io_, "status", [this, m, have_key]() mutable {
            {
                std::unique_lock lk(store_mutex_);
                store_->add_local_message(m, now());
                flush_published();
            }
            // One status in the queue at a time: a newer one is not queued while an older one
            // still waits (statuses are not persistent, and each spends the message budget).
            const bool status_waiting = outbox_->status_waiting();
            if (have_key && !status_waiting)
                queue_message(std::move(m), std::nullopt, [](ApiAnswer a) {
                    if (a.status >= 300) spdlog::debug("NODE_STATUS not queued: {}", a.body.dump());
                });
        });
    });
}

}  // namespace sharemsg::node
