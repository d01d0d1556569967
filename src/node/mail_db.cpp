#include "node/mail_db.hpp"

#include <charconv>

namespace sharemsg::node {

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS send_chain (me TEXT NOT NULL, peer TEXT NOT NULL,
  idx INTEGER NOT NULL, link TEXT NOT NULL, PRIMARY KEY (me, peer));
CREATE TABLE IF NOT EXISTS recv_chain (me TEXT NOT NULL, peer TEXT NOT NULL,
  state TEXT NOT NULL, PRIMARY KEY (me, peer));
CREATE TABLE IF NOT EXISTS inbox_order (me TEXT NOT NULL, peer TEXT NOT NULL,
  next INTEGER NOT NULL, PRIMARY KEY (me, peer));
CREATE TABLE IF NOT EXISTS held (me TEXT NOT NULL, peer TEXT NOT NULL, idx INTEGER NOT NULL,
  text TEXT NOT NULL, sent INTEGER NOT NULL, arrived INTEGER NOT NULL, path TEXT NOT NULL,
  PRIMARY KEY (me, peer, idx));
CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, peer TEXT NOT NULL,
  idx INTEGER NOT NULL, text TEXT NOT NULL, sent INTEGER NOT NULL, received INTEGER NOT NULL,
  path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, peer TEXT NOT NULL,
  idx INTEGER NOT NULL, text TEXT NOT NULL, created INTEGER NOT NULL, state INTEGER NOT NULL,
  last_error TEXT NOT NULL, request TEXT NOT NULL, tries INTEGER NOT NULL,
  next_try INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_try);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
)";

std::int64_t i64(std::uint64_t v) {
    return static_cast<std::int64_t>(v);
}

std::string hex_text(std::string_view s) {
    return to_hex(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

Result<std::string> unhex_text(const std::string& h) {
    auto b = from_hex(h);
    if (!b) return b.error();
    return std::string(b->begin(), b->end());
}

Result<std::uint64_t> number(const std::string& s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0)
        return make_error(Errc::bad_encoding, "mail database: not a number: " + s);
    return static_cast<std::uint64_t>(v);
}

Result<PubKey> pubkey(const std::string& h) {
    return from_hex_fixed<33>(h);
}

// Row readers: every column as text, in the order of the SELECT.
Result<MailReceived> inbox_row(const relay::SqlRow& r) {
    MailReceived m;
    auto id = number(r[0]);
    auto from = pubkey(r[1]);
    auto idx = number(r[2]);
    auto text = unhex_text(r[3]);
    auto sent = number(r[4]);
    auto received = number(r[5]);
    if (!id || !from || !idx || !text || !sent || !received)
        return make_error(Errc::bad_encoding, "mail database: a malformed inbox row");
    m.id = *id;
    m.from = *from;
    m.index = *idx;
    m.text = std::move(*text);
    m.sent = *sent;
    m.received = *received;
    m.path = r[6];
    return m;
}
constexpr const char* kInboxColumns = "id, peer, idx, text, sent, received, path";
// Rows of text mail only: an application frame's plaintext begins with APP_FRAME_MARK, whose
// hex the text column begins with (node/mail_client.hpp).
constexpr const char* kTextOnly = "substr(text, 1, 2) <> 'ff'";

Result<OutboxRow> outbox_row_of(const relay::SqlRow& r) {
    OutboxRow o;
    auto id = number(r[0]);
    auto to = pubkey(r[1]);
    auto idx = number(r[2]);
    auto text = unhex_text(r[3]);
    auto created = number(r[4]);
    auto state = number(r[5]);
    auto tries = number(r[8]);
    auto next_try = number(r[9]);
    if (!id || !to || !idx || !text || !created || !state || *state > 2 || !tries || !next_try)
        return make_error(Errc::bad_encoding, "mail database: a malformed outbox row");
    o.sent.id = *id;
    o.sent.to = *to;
    o.sent.index = *idx;
    o.sent.text = std::move(*text);
    o.sent.created = *created;
    o.sent.state = static_cast<MailSent::State>(*state);
    o.sent.last_error = r[6];
    o.request = r[7];
    o.tries = static_cast<std::uint32_t>(*tries);
    o.next_try = *next_try;
    return o;
}
constexpr const char* kOutboxColumns =
    "id, peer, idx, text, created, state, last_error, request, tries, next_try";

}  // namespace

Result<std::unique_ptr<MailDb>> MailDb::open(const std::string& path) {
    auto conn = relay::connect_sqlite(path);
    if (!conn) return conn.error();
    auto db = std::unique_ptr<MailDb>(new MailDb(std::move(*conn)));
    if (auto s = db->conn_->exec(kSchema); !s) return s.error();
    return db;
}

Status MailDb::begin() {
    return conn_->exec("BEGIN IMMEDIATE");
}
Status MailDb::commit() {
    return conn_->exec("COMMIT");
}
void MailDb::rollback() {
    (void)conn_->exec("ROLLBACK");
}

Result<std::vector<relay::SqlRow>> MailDb::q(std::string_view sql,
                                             const std::vector<relay::SqlParam>& p) {
    return conn_->query(sql, p);
}

Status MailDb::c(std::string_view sql, const std::vector<relay::SqlParam>& p) {
    auto r = conn_->command(sql, p);
    if (!r) return r.error();
    return Ok{};
}

Result<std::optional<SendChainRow>> MailDb::send_chain(const PubKey& me, const PubKey& peer) {
    auto rows = q("SELECT idx, link FROM send_chain WHERE me = $1 AND peer = $2",
                  {to_hex(me), to_hex(peer)});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<SendChainRow>{};
    auto idx = number((*rows)[0][0]);
    auto link = from_hex_fixed<32>((*rows)[0][1]);
    if (!idx || !link)
        return make_error(Errc::bad_encoding, "mail database: a malformed sending chain");
    return std::optional<SendChainRow>(SendChainRow{*idx, *link});
}

Status MailDb::put_send_chain(const PubKey& me, const PubKey& peer, const SendChainRow& row) {
    return c(
        "INSERT INTO send_chain (me, peer, idx, link) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (me, peer) DO UPDATE SET idx = excluded.idx, link = excluded.link",
        {to_hex(me), to_hex(peer), i64(row.index), to_hex(row.link)});
}

Result<std::optional<Bytes>> MailDb::recv_chain(const PubKey& me, const PubKey& peer) {
    auto rows =
        q("SELECT state FROM recv_chain WHERE me = $1 AND peer = $2", {to_hex(me), to_hex(peer)});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<Bytes>{};
    auto b = from_hex((*rows)[0][0]);
    if (!b) return make_error(Errc::bad_encoding, "mail database: a malformed receiving chain");
    return std::optional<Bytes>(std::move(*b));
}

Status MailDb::put_recv_chain(const PubKey& me, const PubKey& peer, ByteView state) {
    return c(
        "INSERT INTO recv_chain (me, peer, state) VALUES ($1, $2, $3) "
        "ON CONFLICT (me, peer) DO UPDATE SET state = excluded.state",
        {to_hex(me), to_hex(peer), to_hex(state)});
}

Result<std::uint64_t> MailDb::next_expected(const PubKey& me, const PubKey& peer) {
    auto rows =
        q("SELECT next FROM inbox_order WHERE me = $1 AND peer = $2", {to_hex(me), to_hex(peer)});
    if (!rows) return rows.error();
    if (rows->empty()) return std::uint64_t{0};
    return number((*rows)[0][0]);
}

Status MailDb::set_next_expected(const PubKey& me, const PubKey& peer, std::uint64_t next) {
    return c(
        "INSERT INTO inbox_order (me, peer, next) VALUES ($1, $2, $3) "
        "ON CONFLICT (me, peer) DO UPDATE SET next = excluded.next",
        {to_hex(me), to_hex(peer), i64(next)});
}

Status MailDb::add_held(const PubKey& me, const PubKey& peer, const HeldRow& row) {
    return c(
        "INSERT OR IGNORE INTO held (me, peer, idx, text, sent, arrived, path) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {to_hex(me), to_hex(peer), i64(row.index), hex_text(row.text), i64(row.sent),
         i64(row.arrived), row.path});
}

Result<std::vector<HeldRow>> MailDb::held(const PubKey& me, const PubKey& peer) {
    auto rows =
        q("SELECT idx, text, sent, arrived, path FROM held WHERE me = $1 AND peer = $2 "
          "ORDER BY idx",
          {to_hex(me), to_hex(peer)});
    if (!rows) return rows.error();
    std::vector<HeldRow> out;
    for (const auto& r : *rows) {
        auto idx = number(r[0]);
        auto text = unhex_text(r[1]);
        auto sent = number(r[2]);
        auto arrived = number(r[3]);
        if (!idx || !text || !sent || !arrived)
            return make_error(Errc::bad_encoding, "mail database: a malformed held row");
        out.push_back(HeldRow{*idx, std::move(*text), *sent, *arrived, r[4]});
    }
    return out;
}

Status MailDb::drop_held(const PubKey& me, const PubKey& peer, std::uint64_t index) {
    return c("DELETE FROM held WHERE me = $1 AND peer = $2 AND idx = $3",
             {to_hex(me), to_hex(peer), i64(index)});
}

Result<std::vector<std::pair<PubKey, PubKey>>> MailDb::held_senders() {
    auto rows = q("SELECT DISTINCT me, peer FROM held", {});
    if (!rows) return rows.error();
    std::vector<std::pair<PubKey, PubKey>> out;
    for (const auto& r : *rows) {
        auto me = pubkey(r[0]);
        auto peer = pubkey(r[1]);
        if (!me || !peer) return make_error(Errc::bad_encoding, "mail database: a malformed key");
        out.emplace_back(*me, *peer);
    }
    return out;
}

Result<MailReceived> MailDb::add_inbox(MailReceived m) {
    auto rows =
        q("INSERT INTO inbox (peer, idx, text, sent, received, path) "
          "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          {to_hex(m.from), i64(m.index), hex_text(m.text), i64(m.sent), i64(m.received), m.path});
    if (!rows) return rows.error();
    if (rows->size() != 1) return make_error(Errc::io, "mail database: no inbox id");
    auto id = number((*rows)[0][0]);
    if (!id) return id.error();
    m.id = *id;
    return m;
}

Result<std::vector<MailReceived>> MailDb::inbox(std::uint64_t after, std::size_t limit) {
    auto rows = q(std::string("SELECT ") + kInboxColumns + " FROM inbox WHERE id > $1 AND " +
                      kTextOnly + " ORDER BY id LIMIT $2",
                  {i64(after), static_cast<std::int64_t>(limit)});
    if (!rows) return rows.error();
    std::vector<MailReceived> out;
    for (const auto& r : *rows) {
        auto m = inbox_row(r);
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
    return out;
}

Result<std::optional<MailReceived>> MailDb::read(std::uint64_t id) {
    auto rows =
        q(std::string("SELECT ") + kInboxColumns + " FROM inbox WHERE id = $1 AND " + kTextOnly,
          {i64(id)});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<MailReceived>{};
    auto m = inbox_row((*rows)[0]);
    if (!m) return m.error();
    return std::optional<MailReceived>(std::move(*m));
}

Result<std::uint64_t> MailDb::inbox_count() {
    auto rows = q(std::string("SELECT COUNT(*) FROM inbox WHERE ") + kTextOnly, {});
    if (!rows) return rows.error();
    return number((*rows)[0][0]);
}

Result<std::uint64_t> MailDb::add_outbox(const OutboxRow& o) {
    auto rows =
        q("INSERT INTO outbox (peer, idx, text, created, state, last_error, request, "
          "tries, next_try) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
          {to_hex(o.sent.to), i64(o.sent.index), hex_text(o.sent.text), i64(o.sent.created),
           static_cast<std::int64_t>(o.sent.state), o.sent.last_error, o.request,
           std::int64_t{o.tries}, i64(o.next_try)});
    if (!rows) return rows.error();
    if (rows->size() != 1) return make_error(Errc::io, "mail database: no outbox id");
    return number((*rows)[0][0]);
}

Status MailDb::update_outbox(const OutboxRow& o) {
    return c(
        "UPDATE outbox SET state = $2, last_error = $3, request = $4, tries = $5, "
        "next_try = $6 WHERE id = $1",
        {i64(o.sent.id), static_cast<std::int64_t>(o.sent.state), o.sent.last_error, o.request,
         std::int64_t{o.tries}, i64(o.next_try)});
}

Result<std::optional<OutboxRow>> MailDb::outbox_row(std::uint64_t id) {
    auto rows =
        q(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = $1", {i64(id)});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<OutboxRow>{};
    auto o = outbox_row_of((*rows)[0]);
    if (!o) return o.error();
    return std::optional<OutboxRow>(std::move(*o));
}

Result<std::vector<OutboxRow>> MailDb::due(std::uint64_t now, std::size_t limit) {
    auto rows = q(std::string("SELECT ") + kOutboxColumns +
                      " FROM outbox WHERE state = 0 AND next_try <= $1 ORDER BY id LIMIT $2",
                  {i64(now), static_cast<std::int64_t>(limit)});
    if (!rows) return rows.error();
    std::vector<OutboxRow> out;
    for (const auto& r : *rows) {
        auto o = outbox_row_of(r);
        if (!o) return o.error();
        out.push_back(std::move(*o));
    }
    return out;
}

Result<std::optional<std::uint64_t>> MailDb::next_due() {
    auto rows = q("SELECT MIN(next_try) FROM outbox WHERE state = 0", {});
    if (!rows) return rows.error();
    if (rows->empty() || (*rows)[0][0].empty()) return std::optional<std::uint64_t>{};
    auto v = number((*rows)[0][0]);
    if (!v) return v.error();
    return std::optional<std::uint64_t>(*v);
}

Result<std::vector<MailSent>> MailDb::outbox(std::size_t limit) {
    auto rows = q(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE " + kTextOnly +
                      " ORDER BY id DESC LIMIT $1",
                  {static_cast<std::int64_t>(limit)});
    if (!rows) return rows.error();
    std::vector<MailSent> out;
    for (const auto& r : *rows) {
        auto o = outbox_row_of(r);
        if (!o) return o.error();
        out.push_back(std::move(o->sent));
    }
    return out;
}

Result<std::uint64_t> MailDb::queued_count() {
    auto rows = q("SELECT COUNT(*) FROM outbox WHERE state = 0", {});
    if (!rows) return rows.error();
    return number((*rows)[0][0]);
}

Result<std::optional<std::string>> MailDb::meta(const std::string& key) {
    auto rows = q("SELECT v FROM meta WHERE k = $1", {key});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<std::string>{};
    return std::optional<std::string>((*rows)[0][0]);
}

Status MailDb::set_meta(const std::string& key, const std::string& value) {
    return c("INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
             {key, value});
}

}  // namespace sharemsg::node
