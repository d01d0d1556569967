#include "store/load.hpp"

#include <algorithm>

namespace sharemsg::store {

namespace {

constexpr const char* MESSAGE_COLUMNS =
    "message_hash, share_hash, msg_type, flags, wire_flags, timestamp, payload, signing_id, "
    "signature,"
    " sender_address, verified, received_at, recipient, authority_key";

template <std::size_t N>
Result<ByteArray<N>> fixed(const Stmt& s, int col, const char* what) {
    const Bytes b = s.col_blob(col);
    if (b.size() != N)
        return make_error(Errc::bad_encoding, std::string(what) + ": expected " +
                                                  std::to_string(N) + " bytes, found " +
                                                  std::to_string(b.size()));
    ByteArray<N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

template <std::size_t N>
Result<std::optional<ByteArray<N>>> fixed_opt(const Stmt& s, int col, const char* what) {
    if (s.is_null(col)) return std::optional<ByteArray<N>>{};
    auto r = fixed<N>(s, col, what);
    if (!r) return r.error();
    return std::optional<ByteArray<N>>(*r);
}

Result<StoredMessage> message_row(const Stmt& s) {
    StoredMessage out;
    auto hash = fixed<32>(s, 0, "message_hash");
    if (!hash) return hash.error();
    out.message_hash = *hash;
    auto& m = out.message;
    auto share = fixed_opt<32>(s, 1, "share_hash");
    if (!share) return share.error();
    m.share_hash = *share;
    m.msg_type = static_cast<std::uint8_t>(s.col_int(2));
    m.flags = static_cast<std::uint8_t>(s.col_int(3));
    m.wire_flags = static_cast<std::uint8_t>(s.col_int(4));
    m.timestamp = static_cast<std::uint32_t>(s.col_int(5));
    m.payload = s.col_blob(6);
    auto sid = fixed_opt<20>(s, 7, "signing_id");
    if (!sid) return sid.error();
    m.signing_id = *sid;
    m.signature = s.col_blob(8);
    if (!s.is_null(9)) m.sender_address = s.col_text(9);
    m.verified = s.col_int(10) != 0;
    out.received_at = s.col_double(11);
    auto to = fixed_opt<20>(s, 12, "recipient");
    if (!to) return to.error();
    m.recipient = *to;
    auto authority = fixed_opt<32>(s, 13, "authority_key");
    if (!authority) return authority.error();
    m.authority_key = *authority;
    return out;
}

// Steps `s` to the end, decoding each row with `row`.
template <class T, class RowFn>
Result<std::vector<T>> collect(Stmt& s, RowFn row) {
    std::vector<T> out;
    for (;;) {
        auto has = s.step();
        if (!has) {
            s.reset();
            return has.error();
        }
        if (!*has) break;
        auto r = row(s);
        if (!r) {
            s.reset();
            return r.error();
        }
        out.push_back(std::move(*r));
    }
    s.reset();
    return out;
}

}  // namespace

Result<std::vector<proto::ShareMessage>> load_messages(Database& db) {
    auto st = db.cached(std::string("SELECT ") + MESSAGE_COLUMNS + " FROM messages ORDER BY rowid");
    if (!st) return st.error();
    return collect<proto::ShareMessage>(**st, [](const Stmt& s) -> Result<proto::ShareMessage> {
        auto r = message_row(s);
        if (!r) return r.error();
        return std::move(r->message);
    });
}

Result<std::vector<OutboxEntry>> load_outbox(Database& db, std::optional<OutboxState> state) {
    const std::string sql =
        std::string(
            "SELECT id, message_hash, msg, created_at, state, share_hash, detail FROM outbox") +
        (state ? " WHERE state = ?1" : "") + " ORDER BY id";
    auto st = db.cached(sql);
    if (!st) return st.error();
    if (state) (*st)->bind(1, std::string_view(outbox_state_name(*state)));
    return collect<OutboxEntry>(**st, [](const Stmt& s) -> Result<OutboxEntry> {
        OutboxEntry e;
        e.id = s.col_int(0);
        auto h = fixed<32>(s, 1, "outbox.message_hash");
        if (!h) return h.error();
        e.message_hash = *h;
        e.msg = s.col_blob(2);
        e.created_at = s.col_double(3);
        const std::string state_name = s.col_text(4);
        e.state = state_name == "embedded" ? OutboxState::embedded
                  : state_name == "failed" ? OutboxState::failed
                                           : OutboxState::queued;
        auto sh = fixed_opt<32>(s, 5, "outbox.share_hash");
        if (!sh) return sh.error();
        e.share_hash = *sh;
        if (!s.is_null(6)) e.detail = s.col_text(6);
        return e;
    });
}

Result<std::vector<SigningKeyRow>> load_signing_keys(Database& db) {
    auto st = db.cached(
        "SELECT address, signing_id, key_index, pubkey, first_seen, share_hash, revoked FROM "
        "signing_keys ORDER BY rowid");
    if (!st) return st.error();
    return collect<SigningKeyRow>(**st, [](const Stmt& s) -> Result<SigningKeyRow> {
        SigningKeyRow r;
        r.address = s.col_text(0);
        auto id = fixed<20>(s, 1, "signing_keys.signing_id");
        if (!id) return id.error();
        r.signing_id = *id;
        r.info.key_index = static_cast<std::uint32_t>(s.col_int(2));
        auto pk = fixed<33>(s, 3, "signing_keys.pubkey");
        if (!pk) return pk.error();
        r.info.pubkey = *pk;
        r.info.first_seen = s.col_double(4);
        auto sh = fixed_opt<32>(s, 5, "signing_keys.share_hash");
        if (!sh) return sh.error();
        r.info.share_hash = *sh;
        r.info.revoked = s.col_int(6) != 0;
        return r;
    });
}

Result<std::optional<KeyState>> load_key_state(Database& db) {
    auto st = db.cached(
        "SELECT key_index, signing_id, created, last_rotated, messages_signed FROM key_state WHERE "
        "id = 1");
    if (!st) return st.error();
    auto rows = collect<KeyState>(**st, [](const Stmt& s) -> Result<KeyState> {
        KeyState k;
        k.key_index = static_cast<std::uint32_t>(s.col_int(0));
        auto id = fixed<20>(s, 1, "key_state.signing_id");
        if (!id) return id.error();
        k.signing_id = *id;
        k.created = s.col_double(2);
        if (!s.is_null(3)) k.last_rotated = s.col_double(3);
        k.messages_signed = static_cast<std::uint64_t>(s.col_int(4));
        return k;
    });
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<KeyState>{};
    return std::optional<KeyState>(rows->front());
}

Result<std::vector<Ban>> load_bans(Database& db) {
    auto st = db.cached("SELECT kind, value FROM bans ORDER BY kind, value");
    if (!st) return st.error();
    return collect<Ban>(**st, [](const Stmt& s) -> Result<Ban> {
        const std::string kind = s.col_text(0);
        Ban b;
        b.value = s.col_text(1);
        if (kind == "signing_id")
            b.kind = BanKind::signing_id;
        else if (kind == "address")
            b.kind = BanKind::address;
        else if (kind == "keyword")
            b.kind = BanKind::keyword;
        else if (kind == "type")
            b.kind = BanKind::type;
        else
            return make_error(Errc::bad_encoding, "bans.kind: unknown kind " + kind);
        return b;
    });
}

Result<proto::BanList> load_ban_list(Database& db, proto::ReferenceQuirks quirks) {
    auto rows = load_bans(db);
    if (!rows) return rows.error();
    proto::BanList list(quirks);
    for (const auto& b : *rows)
        add_to(list, b);
    return list;
}

Result<std::vector<StoredMessage>> recent(Database& db, const RecentQuery& q) {
    // One statement per filter combination, each cached; the WHERE clause matches an index
    // prefix (msg_type or sender_address) followed by timestamp DESC.
    std::string sql = std::string("SELECT ") + MESSAGE_COLUMNS + " FROM messages";
    std::string where;
    auto add = [&](const char* cond) {
        where += where.empty() ? " WHERE " : " AND ";
        where += cond;
    };
    if (q.msg_type) add("msg_type = ?1");
    if (q.sender) add("sender_address = ?2");
    if (q.since) add("timestamp >= ?3");
    sql += where + " ORDER BY timestamp DESC, rowid DESC LIMIT ?4";
    auto st = db.cached(sql);
    if (!st) return st.error();
    Stmt& s = **st;
    if (q.msg_type) s.bind(1, std::int64_t{*q.msg_type});
    if (q.sender) s.bind(2, std::string_view(*q.sender));
    if (q.since) s.bind(3, *q.since);
    s.bind(4, static_cast<std::int64_t>(std::min<std::size_t>(q.limit, INT64_MAX)));
    return collect<StoredMessage>(s, [](const Stmt& row) { return message_row(row); });
}

Result<std::optional<StoredMessage>> find_message(Database& db,
                                                  const crypto::Hash256& message_hash) {
    auto st = db.cached(std::string("SELECT ") + MESSAGE_COLUMNS +
                        " FROM messages WHERE message_hash = ?1");
    if (!st) return st.error();
    (*st)->bind(1, ByteView(message_hash));
    auto rows = collect<StoredMessage>(**st, [](const Stmt& row) { return message_row(row); });
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<StoredMessage>{};
    return std::optional<StoredMessage>(std::move(rows->front()));
}

Result<std::int64_t> count_messages(Database& db) {
    return db.query_int("SELECT count(*) FROM messages");
}

}  // namespace sharemsg::store
