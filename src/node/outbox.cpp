#include "node/outbox.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "crypto/secp256k1.hpp"
#include "node/outbox_codec.hpp"
#include "proto/open_private.hpp"

namespace sharemsg::node {

namespace po = proto::open;

namespace {

std::string short_hex(const crypto::Hash256& h) {
    return to_hex(h).substr(0, 16);
}

std::uint32_t random_u32() {
    const auto b = crypto::random_bytes(4);
    std::uint32_t v = 0;
    for (auto x : b)
        v = (v << 8) | x;
    return v;
}

OutboxWait wait_of(po::Hold h) {
    switch (h) {
        case po::Hold::none:
            return OutboxWait::next_share;
        case po::Hold::budget:
            return OutboxWait::budget;
        case po::Hold::share_limits:
            return OutboxWait::share_limits;
        case po::Hold::fragments:
            return OutboxWait::fragments;
        case po::Hold::behind:
            return OutboxWait::behind;
    }
    return OutboxWait::behind;
}

// The weight of an entry that has not gone out whole yet (what is left of its fragments).
po::QueuedWeight weight_left(const proto::ShareMessage& m, bool to_recipient,
                             const std::vector<po::OpenMessage>& pieces, std::size_t next_piece) {
    if (m.authority_key) {
        // Signed already, never fragmented, charged to no budget.
        po::QueuedWeight w;
        w.mwu = proto::MWU_HEADER +
                proto::MWU_PER_PAYLOAD_BYTE * static_cast<std::uint32_t>(m.payload.size()) +
                proto::MWU_PER_SIGNATURE_BYTE * po::AUTHORITY_SIGNATURE_SIZE;
        w.bytes =
            6 + po::AUTHORITY_KEY_SIZE + 2 + m.payload.size() + 1 + po::AUTHORITY_SIGNATURE_SIZE;
        w.charged = false;
        return w;
    }
    if (pieces.size() > 1 && next_piece < pieces.size()) {
        po::QueuedWeight w;
        w.pieces = static_cast<std::uint8_t>(pieces.size() - next_piece);
        for (std::size_t i = next_piece; i < pieces.size(); ++i) {
            w.mwu += po::mwu(pieces[i]);
            w.bytes += pieces[i].encoded_size();
        }
        return w;
    }
    return po::weight_of(m.msg_type, m.payload.size() + (to_recipient ? po::PRIVATE_OVERHEAD : 0),
                         to_recipient);
}

}  // namespace

const char* outbox_wait_name(OutboxWait w) {
    switch (w) {
        case OutboxWait::next_share:
            return "next_share";
        case OutboxWait::budget:
            return "budget";
        case OutboxWait::share_limits:
            return "share_limits";
        case OutboxWait::fragments:
            return "fragments";
        case OutboxWait::behind:
            return "behind";
        case OutboxWait::recipient_unknown:
            return "recipient_unknown";
        case OutboxWait::no_sender:
            return "no_sender";
        case OutboxWait::confirming:
            return "confirming";
    }
    return "unknown";
}

Outbox::Outbox(OutboxSettings settings, store::Writer& db, Metrics& metrics, Post post)
    : settings_(std::move(settings)), db_(db), metrics_(metrics), post_(std::move(post)) {}

void Outbox::load(const std::vector<store::OutboxEntry>& rows) {
    for (const auto& r : rows) {
        if (r.state == store::OutboxState::failed) continue;  // a record only
        auto item = decode_outbox_item(r.msg);
        if (!item) {
            spdlog::warn("outbox entry {}: {}; skipped", r.id, item.error().reason);
            continue;
        }
        Entry e;
        e.hash = r.message_hash;
        e.message = std::move(item->message);
        e.to = item->to;
        e.created_at = r.created_at;
        if (r.state == store::OutboxState::embedded && r.share_hash) {
            chain::ShareId s{};
            std::copy(r.share_hash->begin(), r.share_hash->end(), s.begin());
            e.share = s;
            e.note = "embedded before the restart";
        }
        entries_.push_back(std::move(e));
    }
    publish_depth();
    db_.enqueue(store::TrimOutbox{kKeptRecords}, {});
}

bool Outbox::status_waiting() const {
    return std::any_of(entries_.begin(), entries_.end(), [](const Entry& e) {
        return !e.share && e.message.msg_type == proto::MSG_NODE_STATUS;
    });
}

void Outbox::publish_depth() {
    depth_ = static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.share; }));
    metrics_.set("sharemsg_outbox_depth", "", static_cast<double>(depth_.load()));
}

namespace {

// What an entry that cannot go out in time would wait for, in words (a 429's detail).
const char* hold_words(po::Hold h) {
    switch (h) {
        case po::Hold::none:
            return "the next share";
        case po::Hold::budget:
            return "this node's message budget";
        case po::Hold::share_limits:
            return "room in a share";
        case po::Hold::fragments:
            return "a message going out in fragments ahead of it";
        case po::Hold::behind:
            return "the messages queued ahead of it";
    }
    return "its turn";
}

}  // namespace

double Outbox::delay_bound(const po::ChainLedger& ledger) const {
    const po::Ledger& tip = ledger.tip();
    if (ledger.tip_shares() + 1 < ledger.window() || !tip.first_share_time())
        return settings_.max_delay;
    const double span = tip.latest_share_time() - static_cast<double>(*tip.first_share_time());
    return std::min(settings_.max_delay, std::max(span / 2, 2 * settings_.share_interval));
}

bool Outbox::needs_announcement(const Sender& sender, const po::Ledger& tip,
                                std::uint64_t tip_height) const {
    const auto known = tip.key(sender.key.signing_id());
    // Announced again every half window, so that the key never leaves the window that judges
    // our shares (docs/protocol.md §8).
    return !known || known->revoked ||
           tip_height + 1 >= known->last_announced_height + settings_.window / 2;
}

std::vector<po::Forecast> Outbox::forecast(const Sender& sender, const po::ChainLedger& ledger,
                                           std::uint64_t tip_height, std::uint32_t now,
                                           const std::optional<QueuedExtra>& extra,
                                           std::size_t max_shares) const {
    const po::Ledger& tip = ledger.tip();
    std::vector<po::QueuedWeight> q;
    for (const auto& e : entries_) {
        if (e.share || (e.to && !tip.key(*e.to))) continue;
        q.push_back(weight_left(e.message, e.to.has_value(), e.pieces, e.next_piece));
    }
    if (extra) q.push_back(weight_left(extra->message, extra->to, {}, 0));
    po::ForecastParams p;
    p.now = now;
    p.share_interval = settings_.share_interval;
    p.window_full = ledger.tip_shares() + 1 >= ledger.window();
    p.announce_first = needs_announcement(sender, tip, tip_height);
    p.max_shares = max_shares;
    return po::forecast_queue(tip, sender.announcement.address_hash(), q, p);
}

void Outbox::queue(proto::ShareMessage m, std::optional<proto::SigningId> to,
                   const po::ChainLedger& ledger, const Sender& sender, std::uint64_t tip_height,
                   std::uint32_t now, ApiDone done) {
    const auto hash = m.hash();
    auto answer = [&](std::size_t position, double eta) {
        nlohmann::ordered_json j;
        j["status"] = "queued";
        j["message_hash"] = to_hex(hash);
        j["queue_position"] = position;
        j["estimated_share_time"] = std::ceil(eta);
        return ApiAnswer{200, std::move(j)};
    };
    const double interval = settings_.share_interval;
    const double bound = delay_bound(ledger);
    const auto horizon = [&](double seconds) {
        return static_cast<std::size_t>(std::ceil(seconds / interval)) + 1;
    };
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].hash != hash) continue;
        // The same message again: where it is. Position and estimate count queued entries
        // only (an embedded one is 0, 0), as the forecast does.
        std::size_t position = 0, in_forecast = 0;
        for (std::size_t k = 0; k <= i; ++k) {
            const Entry& e = entries_[k];
            if (e.share) continue;
            ++position;
            if (!e.to || ledger.tip().key(*e.to)) ++in_forecast;
        }
        double eta = 0;
        if (!entries_[i].share) {
            const auto f = forecast(sender, ledger, tip_height, now, std::nullopt, horizon(bound));
            if (in_forecast > 0 && in_forecast <= f.size() && f[in_forecast - 1].share)
                eta = static_cast<double>(*f[in_forecast - 1].share) * interval;
        }
        done(answer(entries_[i].share ? 0 : position, eta));
        return;
    }
    if (depth_.load() >= settings_.capacity) {
        metrics_.inc("sharemsg_outbox_refused_total", "reason=\"queue_full\"");
        done(api_error(429, "queue full",
                       "the outbox holds " + std::to_string(settings_.capacity) +
                           " queued messages; try again after the next shares"));
        return;
    }
    const QueuedExtra extra{m, to.has_value()};
    auto f = forecast(sender, ledger, tip_height, now, extra, horizon(bound));
    if (!f.back().share) {
        // When would it go? The budget comes back within the rolling hour.
        const auto later = forecast(sender, ledger, tip_height, now, extra,
                                    horizon(bound + proto::ROLLING_MWU_WINDOW));
        const double retry =
            later.back().share
                ? std::max(1.0,
                           std::ceil(static_cast<double>(*later.back().share) * interval - bound))
                : static_cast<double>(proto::ROLLING_MWU_WINDOW);
        metrics_.inc("sharemsg_outbox_refused_total", "reason=\"over_budget\"");
        nlohmann::ordered_json j;
        j["error"] = "over budget";
        j["detail"] = std::string("it cannot go out within ") +
                      std::to_string(static_cast<long>(bound)) + " s: it would wait for " +
                      hold_words(f.back().hold) + "; try again in " +
                      std::to_string(static_cast<long>(retry)) + " s";
        j["retry_after"] = retry;
        done({429, std::move(j)});
        return;
    }
    const double eta = static_cast<double>(*f.back().share) * interval;
    auto blob = encode_outbox_item(m, to);
    if (!blob) {
        done(api_error(400, "not queued", blob.error().reason));
        return;
    }
    Entry e;
    e.hash = hash;
    e.message = std::move(m);
    e.to = to;
    e.created_at = now;
    entries_.push_back(std::move(e));
    publish_depth();
    const std::size_t position = depth_.load();  // among the queued entries
    if (++sends_since_trim_ >= kTrimEvery) {
        sends_since_trim_ = 0;
        db_.enqueue(store::TrimOutbox{kKeptRecords}, {});
    }
    db_.enqueue(
        store::QueueOutbox{hash, std::move(*blob), static_cast<double>(now)},
        [this, hash, done = std::move(done), ok = answer(position, eta)](const store::Outcome& r) {
            if (!r.ok()) {
                // Not durable: take it back out of the queue and say so.
                post_([this, hash] {
                    auto it = std::find_if(entries_.begin(), entries_.end(),
                                           [&](const Entry& x) { return x.hash == hash; });
                    if (it != entries_.end() && !it->share) {
                        entries_.erase(it);
                        publish_depth();
                    }
                });
                done(api_error(503, "not stored",
                               std::string("the outbox could not be saved (") +
                                   store::failure_name(r.failure) +
                                   "): " + r.status.error().reason));
                return;
            }
            done(ok);
        });
}

std::optional<po::OpenMessage> Outbox::sign(const Entry& e, const Sender& sender,
                                            const po::Ledger& tip, std::string& why) const {
    if (e.message.authority_key) {
        // Co-signed before it was queued: carried as it is.
        po::OpenMessage m;
        m.msg_type = e.message.msg_type;
        m.flags = e.message.wire_flags;
        m.timestamp = e.message.timestamp;
        m.authority_key = e.message.authority_key;
        m.payload = e.message.payload;
        m.signature = e.message.signature;
        return m;
    }
    const auto flags = static_cast<std::uint8_t>(e.message.wire_flags &
                                                 (proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT));
    if (e.to) {
        // Encrypted to the recipient's current signing key, with a fresh GCM nonce.
        const auto recipient = tip.key(*e.to);
        if (!recipient) {
            why = "recipient " + to_hex(*e.to) + " has no bound key in the window";
            return std::nullopt;
        }
        po::GcmNonce gn{};
        const auto rnd = crypto::random_bytes(gn.size());
        std::copy(rnd.begin(), rnd.end(), gn.begin());
        auto pm = po::make_private_message(
            e.message.msg_type, e.message.payload, e.message.timestamp, sender.key,
            sender.announcement.address_hash(), recipient->pubkey, settings_.network_id, gn, flags);
        if (!pm) {
            why = pm.error().reason;
            return std::nullopt;
        }
        return std::move(*pm);
    }
    auto om =
        po::make_open_message(e.message.msg_type, e.message.payload, e.message.timestamp, flags);
    auto s = po::sign_open_message(om, sender.key, sender.announcement.address_hash(),
                                   settings_.network_id);
    if (!s) {
        why = s.error().reason;
        return std::nullopt;
    }
    return om;
}

Outbox::Built Outbox::build(const Sender& sender, const po::ChainLedger& ledger,
                            std::uint64_t tip_height, std::uint32_t now, bool sacrifice) {
    Built out;
    const po::Ledger& tip = ledger.tip();
    const auto id = sender.key.signing_id();
    const bool announce = !sacrifice && needs_announcement(sender, tip, tip_height);
    const std::uint32_t budget =
        tip.available_mwu(sender.announcement.address_hash(), now,
                          sacrifice ? proto::MWU_PER_SACRIFICE : proto::FREE_MWU_ALLOWANCE);
    std::vector<po::OpenMessage> queue;
    std::vector<Carried> entries;
    // A message too long for one share goes alone, one fragment per share (the per-share
    // limits below let one 220-byte fragment through), resumed from where the best chain's
    // reassembly stands; the messages queued after it wait for it.
    std::optional<std::size_t> fragmented_from;
    std::vector<std::pair<crypto::Hash256, std::string>> to_fail;
    for (auto& e : entries_) {
        if (e.share) continue;
        // Every node ignores a message older than the first share of a full window.
        if (e.message.timestamp < tip.message_floor()) {
            to_fail.emplace_back(e.hash,
                                 "waited longer than the window: every node would ignore it");
            continue;
        }
        if (e.pieces.empty() || e.pieces_key != id) {
            std::string why;
            auto whole = sign(e, sender, tip, why);
            if (!whole) {
                e.note = "not signed: " + why;
                continue;
            }
            if (whole->payload.size() <= proto::MAX_MESSAGE_PAYLOAD) {
                entries.push_back({e.hash, 0, queue.size(), whole->signature});
                queue.push_back(std::move(*whole));
                if (queue.size() >= po::PACK_MAX_MESSAGES) break;
                continue;
            }
            auto pieces = po::split_fragments(*whole, random_u32());
            if (!pieces) {
                to_fail.emplace_back(e.hash, "cannot be split: " + pieces.error().reason);
                continue;
            }
            e.pieces = std::move(*pieces);
            e.pieces_key = id;
            e.next_piece = 0;
        }
        if (!queue.empty()) break;  // it goes alone, in the next share
        // Resume after the fragments the best chain has (a reorg may have taken some), or
        // start again when the reassembly is gone or would expire before our share.
        std::size_t from = 0;
        if (e.next_piece > 0) {
            const auto p = tip.partial(id, e.pieces.front().fragment->msg_id);
            if (p && p->next_index > 0 && p->next_index <= e.next_piece &&
                p->total == e.pieces.size() &&
                std::uint64_t{now} + 1 <=
                    std::uint64_t{p->first_share_time} + po::FRAGMENT_TIMEOUT) {
                from = p->next_index;
            } else {
                if (++e.restarts > kMaxFragmentRestarts) {
                    to_fail.emplace_back(e.hash,
                                         "its fragments did not all reach the chain within " +
                                             std::to_string(po::FRAGMENT_TIMEOUT) + " s, " +
                                             std::to_string(kMaxFragmentRestarts + 1) + " times");
                    continue;
                }
                spdlog::info("message {}: fragments start again ({} of {} had been sent)",
                             short_hex(e.hash), e.next_piece, e.pieces.size());
                e.next_piece = 0;
            }
        }
        if (from == 0) {
            // Start only when the budget covers every fragment.
            std::uint64_t need = 0;
            for (const auto& piece : e.pieces)
                need += po::mwu(piece);
            if (need > budget) break;
        }
        queue.assign(e.pieces.begin() + static_cast<std::ptrdiff_t>(from), e.pieces.end());
        entries.push_back({e.hash, from, 0, e.pieces.back().signature});
        fragmented_from = from;
        break;
    }
    for (const auto& [hash, reason] : to_fail)
        fail(hash, reason);
    if (!announce && !sacrifice && queue.empty()) return out;
    po::ObfuscationNonce nonce{};
    const auto rnd = crypto::random_bytes(nonce.size());
    std::copy(rnd.begin(), rnd.end(), nonce.begin());
    // The per-share limits of the reference (3 messages, 512 bytes of message_data) and the
    // weight limits: at most 1024 MWU per share and what the budget has left.
    auto limits = po::PackLimits::mwu_stage(budget);
    limits.max_messages = po::PACK_MAX_MESSAGES;
    limits.max_bytes = po::PACK_MAX_BYTES;
    auto packed = po::pack_queue(announce ? std::optional(sender.announcement) : std::nullopt,
                                 queue, settings_.network_id, nonce, limits,
                                 sacrifice ? std::optional<proto::SigningId>(id) : std::nullopt);
    if (!packed) {
        spdlog::warn("outbox not packed: {}", packed.error().reason);
        return out;
    }
    out.announces = announce;
    if (fragmented_from) {
        if (packed->taken > 0) {
            Carried c = entries.front();
            c.pieces_end = *fragmented_from + packed->taken;
            c.index = packed->taken - 1;
            c.signature = queue[packed->taken - 1].signature;
            out.carried.push_back(std::move(c));
        }
    } else {
        out.carried.assign(entries.begin(),
                           entries.begin() + static_cast<std::ptrdiff_t>(packed->taken));
    }
    out.message_data = std::move(packed->message_data);
    return out;
}

std::size_t Outbox::on_mined(const chain::ShareId& share, const std::vector<Carried>& carried) {
    proto::ShareHash sh{};
    std::copy(share.begin(), share.end(), sh.begin());
    std::size_t completed = 0;
    for (const auto& c : carried) {
        auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return !e.share && e.hash == c.hash; });
        if (it == entries_.end()) continue;
        if (c.pieces_end > 0) {
            it->next_piece = c.pieces_end;
            it->note = "fragment " + std::to_string(c.pieces_end) + " of " +
                       std::to_string(it->pieces.size()) + " in share " + short_hex(share);
            spdlog::info("message {}: {}", short_hex(it->hash), it->note);
            if (c.pieces_end < it->pieces.size()) continue;  // more to send; it stays queued
        }
        it->share = share;
        it->index = c.index;
        it->signature = c.signature;
        it->note = "in share " + short_hex(share);
        ++completed;
        db_.enqueue(store::SetOutboxState{it->hash, store::OutboxState::embedded, sh, {}}, {});
    }
    if (completed) {
        publish_depth();
        metrics_.inc("sharemsg_messages_sent_total", "", static_cast<double>(completed));
    }
    return completed;
}

void Outbox::requeue(Entry& e, std::string note) {
    spdlog::info("message {}: {}; queued again", short_hex(e.hash), note);
    e.share.reset();
    e.pieces.clear();
    e.next_piece = 0;
    e.note = std::move(note);
    metrics_.inc("sharemsg_outbox_requeued_total");
    db_.enqueue(store::SetOutboxState{e.hash, store::OutboxState::queued, std::nullopt, {}}, {});
}

bool Outbox::carries(const Entry& e, const proto::ShareMessage& m) {
    if (!e.signature.empty()) return m.signature == e.signature;
    // Loaded at start: the same message by its content (a private one's payload is encrypted
    // in the verdict, so its type, time and recipient name it).
    return m.msg_type == e.message.msg_type && m.timestamp == e.message.timestamp &&
           m.recipient == e.to && (e.to || m.payload == e.message.payload);
}

void Outbox::on_best_chain(const ChainView& view, const po::ChainLedger& ledger) {
    std::vector<std::pair<crypto::Hash256, std::string>> to_fail;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (!it->share) {
            ++it;
            continue;
        }
        const chain::ShareId share = *it->share;
        const auto depth = view.depth(share);
        if (!depth) {
            // Below the window of the best chain (no reorg the node follows reaches it), or
            // pruned: settled; the database row stays as the record.
            if (!view.recent(share)) {
                it = entries_.erase(it);
                continue;
            }
            requeue(*it, "share " + short_hex(share) + " left the best chain");
            ++it;
            continue;
        }
        if (const auto* v = ledger.verdict(share)) {
            const auto carried =
                std::find_if(v->messages.begin(), v->messages.end(),
                             [&](const proto::ShareMessage& m) { return carries(*it, m); });
            const bool accepted = carried != v->messages.end();
            // An entry loaded at start knows its share but not its signature or position: it
            // learns the signature from the verdict that accepted it.
            const bool known = !it->signature.empty();
            if (accepted && !known) it->signature = carried->signature;
            const auto fate =
                known && it->index < v->fates.size() ? v->fates[it->index] : std::nullopt;
            // A duplicate: the same content was accepted from an earlier share of the window.
            if (!accepted && fate != po::Ignored::duplicate) {
                const std::string reason = fate ? po::ignored_name(*fate) : "not delivered";
                if (++it->ignored >= kMaxIgnored) {
                    to_fail.emplace_back(it->hash, "the ledger ignored it " +
                                                       std::to_string(it->ignored) +
                                                       " times (last: " + reason + ")");
                } else {
                    requeue(*it, "share " + short_hex(share) + " ignored it: " + reason);
                }
                ++it;
                continue;
            }
        }
        ++it;
    }
    for (const auto& [hash, reason] : to_fail)
        fail(hash, reason);
    publish_depth();
}

void Outbox::fail(const crypto::Hash256& hash, const std::string& reason) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return e.hash == hash; });
    if (it == entries_.end()) return;
    spdlog::error("outbox message {} given up: {}", short_hex(hash), reason);
    entries_.erase(it);
    db_.enqueue(store::SetOutboxState{hash, store::OutboxState::failed, std::nullopt, reason}, {});
    metrics_.inc("sharemsg_outbox_failed_total");
    publish_depth();
}

nlohmann::ordered_json Outbox::to_json(const std::vector<store::OutboxEntry>& rows,
                                       const po::ChainLedger* ledger,
                                       const std::optional<Sender>& sender,
                                       std::uint64_t tip_height, std::uint32_t now) const {
    // Wait reasons and estimates of what is in memory, by hash.
    struct Live {
        std::optional<OutboxWait> wait;
        std::optional<double> eta;
        const Entry* entry = nullptr;
    };
    std::map<crypto::Hash256, Live> live;
    std::vector<po::Forecast> f;
    if (ledger && sender) f = forecast(*sender, *ledger, tip_height, now, std::nullopt, 4096);
    std::size_t k = 0;
    for (const auto& e : entries_) {
        Live l;
        l.entry = &e;
        if (e.share) {
            l.wait = OutboxWait::confirming;
        } else if (!ledger || !sender) {
            l.wait = OutboxWait::no_sender;
        } else if (e.to && !ledger->tip().key(*e.to)) {
            l.wait = OutboxWait::recipient_unknown;
        } else if (k < f.size()) {
            l.wait = wait_of(f[k].hold);
            if (f[k].share) l.eta = static_cast<double>(*f[k].share) * settings_.share_interval;
            ++k;
        }
        live[e.hash] = l;
    }
    auto arr = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
        nlohmann::ordered_json o;
        o["message_hash"] = to_hex(r.message_hash);
        o["state"] = store::outbox_state_name(r.state);
        o["created_at"] = r.created_at;
        o["share_hash"] =
            r.share_hash ? nlohmann::ordered_json(to_hex(*r.share_hash)) : nlohmann::ordered_json();
        o["detail"] = r.state == store::OutboxState::failed ? nlohmann::ordered_json(r.detail)
                                                            : nlohmann::ordered_json();
        const auto l = live.find(r.message_hash);
        const Entry* e = l != live.end() ? l->second.entry : nullptr;
        o["waiting"] = l != live.end() && l->second.wait
                           ? nlohmann::ordered_json(outbox_wait_name(*l->second.wait))
                           : nlohmann::ordered_json();
        o["eta"] = l != live.end() && l->second.eta ? nlohmann::ordered_json(*l->second.eta)
                                                    : nlohmann::ordered_json();
        o["note"] =
            e && !e->note.empty() ? nlohmann::ordered_json(e->note) : nlohmann::ordered_json();
        // A message going out in fragments: how many of them are in mined shares.
        o["fragments"] = nlohmann::ordered_json();
        if (e && e->pieces.size() > 1) {
            o["fragments"] = {{"sent", e->share ? e->pieces.size() : e->next_piece},
                              {"total", e->pieces.size()}};
        } else if (auto item = decode_outbox_item(r.msg)) {
            // Not (or no longer) in the queue: its size says whether it was split.
            const std::size_t wire =
                item->message.payload.size() + (item->to ? po::PRIVATE_OVERHEAD : 0);
            const std::size_t total = po::fragment_count(wire);
            if (total > 1)
                o["fragments"] = {{"sent", r.state == store::OutboxState::embedded ? total : 0},
                                  {"total", total}};
        }
        arr.push_back(std::move(o));
    }
    nlohmann::ordered_json j;
    j["queued"] = depth_.load();
    j["entries"] = std::move(arr);
    return j;
}

}  // namespace sharemsg::node
