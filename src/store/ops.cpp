#include "store/ops.hpp"

#include <sqlite3.h>

#include <charconv>

namespace sharemsg::store {

namespace {

template <class... F>
struct Overload : F... {
    using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

std::optional<ByteView> opt_view(const std::optional<ByteArray<32>>& h) {
    if (!h) return std::nullopt;
    return ByteView(*h);
}
std::optional<ByteView> opt_view(const std::optional<proto::SigningId>& h) {
    if (!h) return std::nullopt;
    return ByteView(*h);
}

// Runs a cached statement after `bind` fills it; changed = rows affected > 0.
template <class BindFn>
Outcome run_cached(Database& db, const std::string& sql, BindFn bind) {
    auto st = db.cached(sql);
    if (!st) return Outcome::fail(failure_of(db.last_rc()), st.error().reason);
    bind(**st);
    auto r = (*st)->run();
    db.set_last_rc((*st)->last_rc());
    if (!r) return Outcome::fail(failure_of((*st)->last_rc()), r.error().reason);
    Outcome o;
    o.changed = sqlite3_changes(db.handle()) > 0;
    return o;
}

Outcome put_message(Database& db, const PutMessage& op) {
    const auto& m = op.message;
    const auto hash = m.hash();
    return run_cached(db,
                      "INSERT OR IGNORE INTO messages (message_hash, share_hash, msg_type, flags, "
                      "wire_flags, timestamp,"
                      " payload, signing_id, signature, sender_address, verified, received_at,"
                      " recipient, authority_key)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                      [&](Stmt& s) {
                          s.bind(1, ByteView(hash))
                              .bind(2, opt_view(m.share_hash))
                              .bind(3, std::int64_t{m.msg_type})
                              .bind(4, std::int64_t{m.flags})
                              .bind(5, std::int64_t{m.wire_flags})
                              .bind(6, std::int64_t{m.timestamp})
                              .bind(7, ByteView(m.payload))
                              .bind(8, opt_view(m.signing_id))
                              .bind(9, ByteView(m.signature))
                              .bind(10, m.sender_address)
                              .bind(11, std::int64_t{m.verified ? 1 : 0})
                              .bind(12, op.received_at)
                              .bind(13, opt_view(m.recipient))
                              .bind(14, opt_view(m.authority_key));
                      });
}

Outcome update_message(Database& db, const UpdateMessage& op) {
    const auto& m = op.message;
    const auto hash = m.hash();
    return run_cached(
        db,
        "UPDATE messages SET flags = ?2, share_hash = ?3, sender_address = ?4, verified = ?5,"
        " signing_id = ?6, signature = ?7, authority_key = coalesce(?8, authority_key)"
        " WHERE message_hash = ?1",
        [&](Stmt& s) {
            s.bind(1, ByteView(hash))
                .bind(2, std::int64_t{m.flags})
                .bind(3, opt_view(m.share_hash))
                .bind(4, m.sender_address)
                .bind(5, std::int64_t{m.verified ? 1 : 0})
                .bind(6, opt_view(m.signing_id))
                .bind(7, ByteView(m.signature))
                .bind(8, opt_view(m.authority_key));
        });
}

Outcome put_signing_key(Database& db, const PutSigningKey& op) {
    const auto& r = op.row;
    return run_cached(
        db,
        "INSERT INTO signing_keys (address, signing_id, key_index, pubkey, first_seen, share_hash, "
        "revoked)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (address, signing_id) DO UPDATE SET key_index = excluded.key_index,"
        " pubkey = excluded.pubkey, share_hash = coalesce(signing_keys.share_hash, "
        "excluded.share_hash),"
        " revoked = excluded.revoked",
        [&](Stmt& s) {
            s.bind(1, std::string_view(r.address))
                .bind(2, ByteView(r.signing_id))
                .bind(3, std::int64_t{r.info.key_index})
                .bind(4, ByteView(r.info.pubkey))
                .bind(5, r.info.first_seen)
                .bind(6, opt_view(r.info.share_hash))
                .bind(7, std::int64_t{r.info.revoked ? 1 : 0});
        });
}

Outcome put_key_state(Database& db, const PutKeyState& op) {
    const auto& k = op.state;
    return run_cached(db,
                      "INSERT OR REPLACE INTO key_state (id, key_index, signing_id, created, "
                      "last_rotated, messages_signed)"
                      " VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                      [&](Stmt& s) {
                          s.bind(1, std::int64_t{k.key_index})
                              .bind(2, ByteView(k.signing_id))
                              .bind(3, k.created)
                              .bind(4, k.last_rotated)
                              .bind(5, static_cast<std::int64_t>(k.messages_signed));
                      });
}

Outcome put_ban(Database& db, const Ban& b) {
    return run_cached(db, "INSERT OR IGNORE INTO bans (kind, value) VALUES (?1, ?2)", [&](Stmt& s) {
        s.bind(1, std::string_view(ban_kind_name(b.kind))).bind(2, std::string_view(b.value));
    });
}

Outcome remove_ban(Database& db, const Ban& b) {
    return run_cached(db, "DELETE FROM bans WHERE kind = ?1 AND value = ?2", [&](Stmt& s) {
        s.bind(1, std::string_view(ban_kind_name(b.kind))).bind(2, std::string_view(b.value));
    });
}

Outcome replace_bans(Database& db, const ReplaceBans& op) {
    Outcome all = run_cached(db, "DELETE FROM bans", [](Stmt&) {});
    if (!all.ok()) return all;
    for (const auto& b : op.bans) {
        auto o = put_ban(db, b);
        if (!o.ok()) return o;  // the batch rolls this op back as a whole (see Writer)
        all.changed = all.changed || o.changed;
    }
    all.changed = true;
    return all;
}

}  // namespace

const char* outbox_state_name(OutboxState s) noexcept {
    switch (s) {
        case OutboxState::queued:
            return "queued";
        case OutboxState::embedded:
            return "embedded";
        case OutboxState::failed:
            return "failed";
    }
    return "queued";
}

const char* ban_kind_name(BanKind k) noexcept {
    switch (k) {
        case BanKind::signing_id:
            return "signing_id";
        case BanKind::address:
            return "address";
        case BanKind::keyword:
            return "keyword";
        case BanKind::type:
            return "type";
    }
    return "signing_id";
}

Outcome Outcome::fail(Failure f, std::string reason) {
    Outcome o;
    o.failure = f == Failure::none ? Failure::other : f;
    const std::string label =
        o.failure == Failure::disk_full ? "disk full" : failure_name(o.failure);
    o.status = make_error(Errc::io, label + ": " + reason);
    return o;
}

Outcome apply_op(Database& db, const Op& op) {
    return std::visit(
        Overload{
            [&](const PutMessage& o) { return put_message(db, o); },
            [&](const UpdateMessage& o) { return update_message(db, o); },
            [&](const DeleteMessage& o) {
                return run_cached(db, "DELETE FROM messages WHERE message_hash = ?1",
                                  [&](Stmt& s) { s.bind(1, ByteView(o.message_hash)); });
            },
            [&](const QueueOutbox& o) {
                return run_cached(db,
                                  // A message sent again after it failed is queued again; a
                                  // queued or embedded one is left as it is.
                                  "INSERT INTO outbox (message_hash, msg, created_at, state, "
                                  "share_hash) VALUES (?1, ?2, ?3, 'queued', NULL)"
                                  " ON CONFLICT (message_hash) DO UPDATE SET msg = excluded.msg,"
                                  " created_at = excluded.created_at, state = 'queued',"
                                  " share_hash = NULL, detail = NULL"
                                  " WHERE outbox.state = 'failed'",
                                  [&](Stmt& s) {
                                      s.bind(1, ByteView(o.message_hash))
                                          .bind(2, ByteView(o.msg))
                                          .bind(3, o.created_at);
                                  });
            },
            [&](const SetOutboxState& o) {
                return run_cached(db,
                                  "UPDATE outbox SET state = ?2, share_hash = ?3, detail = ?4"
                                  " WHERE message_hash = ?1",
                                  [&](Stmt& s) {
                                      s.bind(1, ByteView(o.message_hash))
                                          .bind(2, std::string_view(outbox_state_name(o.state)))
                                          .bind(3, opt_view(o.share_hash));
                                      if (o.state == OutboxState::failed) {
                                          s.bind(4, std::string_view(o.detail));
                                      } else {
                                          s.bind_null(4);
                                      }
                                  });
            },
            [&](const TrimOutbox& o) {
                return run_cached(db,
                                  "DELETE FROM outbox WHERE state != 'queued' AND id NOT IN"
                                  " (SELECT id FROM outbox WHERE state != 'queued'"
                                  " ORDER BY id DESC LIMIT ?1)",
                                  [&](Stmt& s) { s.bind(1, static_cast<std::int64_t>(o.keep)); });
            },
            [&](const PutSigningKey& o) { return put_signing_key(db, o); },
            [&](const PutBan& o) { return put_ban(db, o.ban); },
            [&](const RemoveBan& o) { return remove_ban(db, o.ban); },
            [&](const ReplaceBans& o) { return replace_bans(db, o); },
            [&](const PutKeyState& o) { return put_key_state(db, o); },
        },
        op);
}

std::vector<Ban> bans_of(const proto::BanList& list) {
    std::vector<Ban> out;
    for (const auto& v : list.signing_ids())
        out.push_back({BanKind::signing_id, v});
    for (const auto& v : list.addresses())
        out.push_back({BanKind::address, v});
    for (const auto& v : list.keywords())
        out.push_back({BanKind::keyword, v});
    for (int t : list.types())
        out.push_back({BanKind::type, std::to_string(t)});
    return out;
}

void add_to(proto::BanList& list, const Ban& ban) {
    switch (ban.kind) {
        case BanKind::signing_id:
            list.ban_signing_id(ban.value);
            break;
        case BanKind::address:
            list.ban_address(ban.value);
            break;
        case BanKind::keyword:
            list.ban_keyword(ban.value);
            break;
        case BanKind::type: {
            int t = -1;
            const auto* end = ban.value.data() + ban.value.size();
            auto r = std::from_chars(ban.value.data(), end, t);
            if (r.ec == std::errc{} && r.ptr == end && t >= 0 && t <= 255)
                list.ban_type(static_cast<std::uint8_t>(t));
            break;
        }
    }
}

}  // namespace sharemsg::store
