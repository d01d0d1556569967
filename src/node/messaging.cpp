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

constexpr std::size_t kDoneDepth = 6;  // an embedded message is settled this deep in the chain
constexpr const char* kVersion = "sharemsgd/0.1.0";

ApiAnswer api_error(unsigned status, std::string error, std::string detail) {
    nlohmann::ordered_json j;
    j["error"] = std::move(error);
    j["detail"] = std::move(detail);
    return {status, std::move(j)};
}

// A fragmented message that had to start again this many times is given up (its fragments
// kept missing the reassembly window: the node does not mine often enough).
constexpr unsigned kMaxFragmentRestarts = 3;

}  // namespace

// ------------------------------------------------------------------ start-up

Status Node::open_database() {
    const std::string path = (fs::path(cfg_.datadir) / "sharemsg.db").string();
    auto db = store::Database::open_writer(path);
    if (!db) return make_error(db.error().code, "database " + path + ": " + db.error().reason);
    db_ = std::make_unique<store::Writer>(std::move(*db));
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
    for (const auto& e : *outbox) {
        if (e.state == store::OutboxState::failed) continue;  // a record only
        auto item = decode_outbox_item(e.msg);
        if (!item) {
            spdlog::warn("outbox entry {}: {}; skipped", e.id, item.error().reason);
            continue;
        }
        Outgoing o;
        o.hash = e.message_hash;
        o.message = std::move(item->message);
        o.to = item->to;
        o.created_at = e.created_at;
        if (e.state == store::OutboxState::embedded && e.share_hash) {
            chain::ShareId s{};
            std::copy(e.share_hash->begin(), e.share_hash->end(), s.begin());
            o.share = s;
        }
        outbox_.push_back(std::move(o));
    }
    outbox_depth_ = static_cast<std::size_t>(
        std::count_if(outbox_.begin(), outbox_.end(), [](const Outgoing& o) { return !o.share; }));
    metrics_.set("sharemsg_outbox_depth", "", static_cast<double>(outbox_depth_.load()));
    spdlog::info("database: {} messages, {} bans, {} outbox entries ({} queued)", msgs->size(),
                 bans->size(), outbox_.size(), outbox_depth_.load());

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
    const auto t = saturate_cast<std::uint32_t>(now());
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

ApiAnswer Node::queued_answer(const crypto::Hash256& hash, std::size_t position) const {
    nlohmann::ordered_json j;
    j["status"] = "queued";
    j["message_hash"] = to_hex(hash);
    j["queue_position"] = position;
    j["estimated_share_time"] = cfg_.share_period;
    return {200, std::move(j)};
}

void Node::queue_message(proto::ShareMessage m, std::optional<proto::SigningId> to, ApiDone done) {
    const auto hash = m.hash();
    for (std::size_t i = 0; i < outbox_.size(); ++i)
        if (outbox_[i].hash == hash) {  // the same message again: already queued
            done(queued_answer(hash, i + 1));
            return;
        }
    if (outbox_depth_.load() >= cfg_.outbox_capacity) {
        done(api_error(429, "queue full",
                       "the outbox holds " + std::to_string(cfg_.outbox_capacity) +
                           " queued messages; try again after the next shares"));
        return;
    }
    auto blob = encode_outbox_item(m, to);
    if (!blob) {
        done(api_error(400, "not queued", blob.error().reason));
        return;
    }
    Outgoing o;
    o.hash = hash;
    o.message = m;
    o.to = to;
    o.created_at = now();
    outbox_.push_back(o);
    const std::size_t position = ++outbox_depth_;
    metrics_.set("sharemsg_outbox_depth", "", static_cast<double>(position));
    db_->enqueue(store::QueueOutbox{hash, std::move(*blob), o.created_at},
                 [this, hash, position, done = std::move(done)](const store::Outcome& r) {
                     if (!r.ok()) {
                         // Not durable: take it back out of the queue and say so.
                         chain_guard_.post(chain_io_, "outbox undo", [this, hash] {
                             auto it =
                                 std::find_if(outbox_.begin(), outbox_.end(),
                                              [&](const Outgoing& e) { return e.hash == hash; });
                             if (it != outbox_.end() && !it->share) {
                                 outbox_.erase(it);
                                 --outbox_depth_;
                             }
                         });
                         done(api_error(503, "not stored",
                                        std::string("the outbox could not be saved (") +
                                            store::failure_name(r.failure) +
                                            "): " + r.status.error().reason));
                         return;
                     }
                     done(queued_answer(hash, position));
                 });
}

void Node::on_mined(const chain::ShareId& share, const std::vector<Carried>& carried) {
    if (carried.empty()) return;
    proto::ShareHash sh{};
    std::copy(share.begin(), share.end(), sh.begin());
    std::size_t completed = 0;
    for (const auto& c : carried) {
        auto it = std::find_if(outbox_.begin(), outbox_.end(),
                               [&](const Outgoing& o) { return !o.share && o.hash == c.hash; });
        if (it == outbox_.end()) continue;
        if (c.pieces_end > 0) {
            it->next_piece = c.pieces_end;
            if (c.pieces_end < it->pieces.size()) {
                spdlog::info("message {}: fragment {} of {} in share {}",
                             to_hex(it->hash).substr(0, 16), c.pieces_end, it->pieces.size(),
                             to_hex(share).substr(0, 16));
                continue;  // more to send; the entry stays queued
            }
            spdlog::info("message {}: last of {} fragments in share {}",
                         to_hex(it->hash).substr(0, 16), it->pieces.size(),
                         to_hex(share).substr(0, 16));
        }
        it->share = share;
        --outbox_depth_;
        ++completed;
        db_->enqueue(store::SetOutboxState{it->hash, store::OutboxState::embedded, sh, {}}, {});
    }
    if (completed == 0) return;
    if (auto st = keys_.count_signed(completed)) save_key_state(*st);
    metrics_.set("sharemsg_outbox_depth", "", static_cast<double>(outbox_depth_.load()));
    metrics_.inc("sharemsg_messages_sent_total", "", static_cast<double>(completed));
}

void Node::fail_outgoing(const crypto::Hash256& hash, const std::string& reason) {
    auto it = std::find_if(outbox_.begin(), outbox_.end(),
                           [&](const Outgoing& o) { return o.hash == hash; });
    if (it == outbox_.end()) return;
    spdlog::error("outbox message {} given up: {}", to_hex(hash).substr(0, 16), reason);
    if (!it->share) --outbox_depth_;
    outbox_.erase(it);
    db_->enqueue(store::SetOutboxState{hash, store::OutboxState::failed, std::nullopt, reason}, {});
    metrics_.inc("sharemsg_outbox_failed_total");
    metrics_.set("sharemsg_outbox_depth", "", static_cast<double>(outbox_depth_.load()));
}

void Node::requeue_orphaned(const std::set<chain::ShareId>& active) {
    auto best = tracker_.best();
    if (!best) return;
    const auto best_height = tracker_.height(*best);
    for (auto it = outbox_.begin(); it != outbox_.end();) {
        if (!it->share) {
            ++it;
            continue;
        }
        if (active.count(*it->share)) {
            if (best_height >= tracker_.height(*it->share) + kDoneDepth) {
                it = outbox_.erase(it);  // settled; the database row stays as the record
                continue;
            }
            ++it;
            continue;
        }
        // Older than the window the best chain is checked over (an entry embedded long ago,
        // loaded at start), or in a share pruned since (the share log keeps every share the
        // node mined until it is far below the best chain): settled, not orphaned.
        if (!tracker_.contains(*it->share) ||
            tracker_.height(*it->share) + active.size() <= best_height) {
            it = outbox_.erase(it);
            continue;
        }
        spdlog::info("message {} left the best chain with share {}; queued again",
                     to_hex(it->hash).substr(0, 16), to_hex(*it->share).substr(0, 16));
        it->share.reset();
        ++outbox_depth_;
        db_->enqueue(store::SetOutboxState{it->hash, store::OutboxState::queued, std::nullopt, {}},
                     {});
        ++it;
    }
    metrics_.set("sharemsg_outbox_depth", "", static_cast<double>(outbox_depth_.load()));
}

std::optional<proto::open::OpenMessage> Node::sign_outgoing(const Outgoing& o) {
    const auto key = keys_.key();
    const auto announcement = keys_.announcement();
    if (!key || !announcement) return std::nullopt;
    const auto flags = static_cast<std::uint8_t>(o.message.wire_flags &
                                                 (proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT));
    if (o.to) {
        // Encrypted to the recipient's current signing key, with a fresh GCM nonce.
        const auto recipient = ledger_->key(*o.to);
        if (!recipient) {
            spdlog::warn("private message {}: recipient {} has no bound key; kept queued",
                         to_hex(o.hash).substr(0, 16), to_hex(*o.to));
            return std::nullopt;
        }
        proto::open::GcmNonce gn{};
        const auto rnd = crypto::random_bytes(gn.size());
        std::copy(rnd.begin(), rnd.end(), gn.begin());
        auto pm = proto::open::make_private_message(
            o.message.msg_type, o.message.payload, o.message.timestamp, *key,
            announcement->address_hash(), recipient->pubkey, net_.network_id(), gn, flags);
        if (!pm) {
            spdlog::warn("private message {} cannot be made: {}", to_hex(o.hash).substr(0, 16),
                         pm.error().reason);
            return std::nullopt;
        }
        return std::move(*pm);
    }
    auto om = proto::open::make_open_message(o.message.msg_type, o.message.payload,
                                             o.message.timestamp, flags);
    auto s =
        proto::open::sign_open_message(om, *key, announcement->address_hash(), net_.network_id());
    if (!s) {
        spdlog::warn("outbox message {} cannot be signed: {}", to_hex(o.hash).substr(0, 16),
                     s.error().reason);
        return std::nullopt;
    }
    return om;
}

bool Node::sacrifice_turn() {
    ++mine_ticks_;
    if (cfg_.sacrifice_every == 0 || mine_ticks_ % cfg_.sacrifice_every != 0) return false;
    const auto id = keys_.signing_id();
    if (!ledger_ || !id || sacrifice_hashes_.empty()) return false;
    const auto known = ledger_->key(*id);
    return known && !known->revoked;
}

Bytes Node::next_message_data(std::vector<Carried>& carried, bool sacrifice) {
    carried.clear();
    building_announcement_ = false;
    const auto key = keys_.key();
    const auto announcement = keys_.announcement();
    if (ledger_ && key && announcement) {
        // The open profile: our announcement while the ledger does not know the key as
        // current, then the queue, oldest first, within the per-share limits and our budget.
        const auto id = key->signing_id();
        const auto known = ledger_->key(id);
        // Announced again within every half window, so that a node that starts later (and
        // reads only the window) learns the key too.
        const auto best = tracker_.best();
        const std::size_t best_height = best ? tracker_.height(*best) : 0;
        const bool stale = announced_at_height_ == 0 ||
                           best_height + 1 >= announced_at_height_ + net_.p2p.chain_length / 2;
        const bool announce = !sacrifice && (!known || known->revoked || stale);
        const auto t = saturate_cast<std::uint32_t>(now());
        const std::uint32_t budget = ledger_->available_mwu(
            announcement->address_hash(), t,
            sacrifice ? proto::MWU_PER_SACRIFICE : proto::FREE_MWU_ALLOWANCE);
        std::vector<proto::open::OpenMessage> queue;
        std::vector<Carried> entries;
        // A message too long for one share goes alone, one fragment per share (the per-share
        // limits below let one 220-byte fragment through), resumed from where the best
        // chain's reassembly stands; the messages queued after it wait for it.
        std::optional<std::size_t> fragmented_from;
        std::vector<std::pair<crypto::Hash256, std::string>> to_fail;
        for (auto& o : outbox_) {
            if (o.share) continue;
            if (o.pieces.empty() || o.pieces_key != id) {
                auto whole = sign_outgoing(o);
                if (!whole) continue;
                if (whole->payload.size() <= proto::MAX_MESSAGE_PAYLOAD) {
                    queue.push_back(std::move(*whole));
                    entries.push_back({o.hash, 0});
                    if (queue.size() >= proto::open::PACK_MAX_MESSAGES) break;
                    continue;
                }
                const auto rnd = crypto::random_bytes(4);
                std::uint32_t msg_id = 0;
                for (auto b : rnd)
                    msg_id = (msg_id << 8) | b;
                auto pieces = proto::open::split_fragments(*whole, msg_id);
                if (!pieces) {
                    to_fail.emplace_back(o.hash, "cannot be split: " + pieces.error().reason);
                    continue;
                }
                o.pieces = std::move(*pieces);
                o.pieces_key = id;
                o.next_piece = 0;
            }
            if (!queue.empty()) break;  // it goes alone, in the next share
            // Resume after the fragments the best chain has (a reorg may have taken some),
            // or start again when the reassembly is gone or would expire before our share.
            std::size_t from = 0;
            if (o.next_piece > 0) {
                const auto p = ledger_->partial(id, o.pieces.front().fragment->msg_id);
                if (p && p->next_index > 0 && p->next_index <= o.next_piece &&
                    p->total == o.pieces.size() &&
                    std::uint64_t{t} + 1 <=
                        std::uint64_t{p->first_share_time} + proto::open::FRAGMENT_TIMEOUT) {
                    from = p->next_index;
                } else {
                    if (++o.restarts > kMaxFragmentRestarts) {
                        to_fail.emplace_back(
                            o.hash, "its fragments did not all reach the chain within " +
                                        std::to_string(proto::open::FRAGMENT_TIMEOUT) + " s, " +
                                        std::to_string(kMaxFragmentRestarts + 1) + " times");
                        continue;
                    }
                    spdlog::info("message {}: fragments start again ({} of {} had been sent)",
                                 to_hex(o.hash).substr(0, 16), o.next_piece, o.pieces.size());
                    o.next_piece = 0;
                }
            }
            if (from == 0) {
                // Start only when the budget covers every fragment.
                std::uint64_t need = 0;
                for (const auto& piece : o.pieces)
                    need += proto::open::mwu(piece);
                if (need > budget) {
                    spdlog::debug("message {}: {} fragments need {} MWU, {} available; waiting",
                                  to_hex(o.hash).substr(0, 16), o.pieces.size(), need, budget);
                    break;
                }
            }
            queue.assign(o.pieces.begin() + static_cast<std::ptrdiff_t>(from), o.pieces.end());
            entries.push_back({o.hash, from});
            fragmented_from = from;
            break;
        }
        for (const auto& [hash, reason] : to_fail)
            fail_outgoing(hash, reason);
        if (announce || sacrifice || !queue.empty()) {
            proto::open::ObfuscationNonce nonce{};
            const auto rnd = crypto::random_bytes(nonce.size());
            std::copy(rnd.begin(), rnd.end(), nonce.begin());
            // The per-share limits of the reference (3 messages, 512 bytes of message_data) and
            // the weight limits: at most 1024 MWU per share and what our budget has left.
            auto limits = proto::open::PackLimits::mwu_stage(budget);
            limits.max_messages = proto::open::PACK_MAX_MESSAGES;
            limits.max_bytes = proto::open::PACK_MAX_BYTES;
            auto packed = proto::open::pack_queue(
                announce ? announcement : std::nullopt, queue, net_.network_id(), nonce, limits,
                sacrifice ? std::optional<proto::SigningId>(id) : std::nullopt);
            if (packed) {
                building_announcement_ = announce;
                if (fragmented_from) {
                    if (packed->taken > 0)
                        carried.push_back({entries.front().hash, *fragmented_from + packed->taken});
                } else {
                    carried.assign(entries.begin(),
                                   entries.begin() + static_cast<std::ptrdiff_t>(packed->taken));
                }
                if (!packed->message_data.empty()) return std::move(packed->message_data);
            } else {
                spdlog::warn("outbox not packed: {}", packed.error().reason);
            }
        }
    }
    // Authority blobs (--transition-message, bootstrap_messages/) ride the shares, one per
    // share in turn, as the reference embeds its transition message.
    if (!outbox_blobs_.empty()) return outbox_blobs_[outbox_next_++ % outbox_blobs_.size()];
    return {};
}

// ------------------------------------------------------------------ API calls

template <class Task>
void Node::post_api(const char* what, ApiDone done, Task task) {
    auto answer = once(std::move(done));
    chain_guard_.post(
        chain_io_, what, [answer, task = std::move(task)]() mutable { task(answer); },
        [answer](const std::string& reason) { answer(api_error(500, "internal error", reason)); });
}

void Node::send(SendRequest req, ApiDone answer) {
    post_api("send", std::move(answer), [this, req = std::move(req)](ApiDone done) mutable {
        if (!keys_.has_key()) {
            done(api_error(
                400, "no signing key configured",
                "start sharemsgd with --signing-key-file (a key from `sharemsg derive-key`)"));
            return;
        }
        if (req.fragment && !ledger_) {
            done(api_error(400, "fragments unavailable",
                           "this network does not carry the open profile"));
            return;
        }
        const auto t = saturate_cast<std::uint32_t>(now());
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
            if (!ledger_) {
                done(api_error(400, "private messages unavailable",
                               "this network does not carry the open profile"));
                return;
            }
            if (!ledger_->key(*req.to)) {
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
        auto reader = store::Database::open_reader(db_->path());
        auto rows = reader ? store::load_outbox(*reader, std::nullopt)
                           : Result<std::vector<store::OutboxEntry>>(reader.error());
        if (!rows) {
            done(api_error(503, "not readable", "the outbox: " + rows.error().reason));
            return;
        }
        std::map<crypto::Hash256, nlohmann::ordered_json> split;
        for (const auto& q : outbox_)
            if (q.pieces.size() > 1)
                split[q.hash] = {{"sent", q.share ? q.pieces.size() : q.next_piece},
                                 {"total", q.pieces.size()}};
        auto arr = nlohmann::ordered_json::array();
        for (const auto& e : *rows) {
            nlohmann::ordered_json o;
            o["message_hash"] = to_hex(e.message_hash);
            o["state"] = store::outbox_state_name(e.state);
            o["created_at"] = e.created_at;
            o["share_hash"] = e.share_hash ? nlohmann::ordered_json(to_hex(*e.share_hash))
                                           : nlohmann::ordered_json();
            o["detail"] = e.state == store::OutboxState::failed ? nlohmann::ordered_json(e.detail)
                                                                : nlohmann::ordered_json();
            // A message going out in fragments: how many of them are in mined shares.
            o["fragments"] = nlohmann::ordered_json();
            if (auto f = split.find(e.message_hash); f != split.end()) {
                o["fragments"] = f->second;
            } else if (auto item = decode_outbox_item(e.msg)) {
                // Not (or no longer) in the queue: its size says whether it was split.
                const std::size_t wire =
                    item->message.payload.size() + (item->to ? proto::open::PRIVATE_OVERHEAD : 0);
                const std::size_t total = proto::open::fragment_count(wire);
                if (total > 1)
                    o["fragments"] = {{"sent", e.state == store::OutboxState::embedded ? total : 0},
                                      {"total", total}};
            }
            arr.push_back(std::move(o));
        }
        nlohmann::ordered_json j;
        j["queued"] = outbox_depth_.load();
        j["entries"] = std::move(arr);
        done({200, std::move(j)});
    });
}

// ------------------------------------------------------------------ NODE_STATUS

void Node::schedule_status() {
    if (cfg_.status_interval <= 0) return;
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
    const auto t = saturate_cast<std::uint32_t>(now());
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
            const bool status_waiting =
                std::any_of(outbox_.begin(), outbox_.end(), [](const Outgoing& o) {
                    return !o.share && o.message.msg_type == proto::MSG_NODE_STATUS;
                });
            if (have_key && !status_waiting)
                queue_message(std::move(m), std::nullopt, [](ApiAnswer) {});
        });
    });
}

}  // namespace sharemsg::node
