// The mailbox's store, once for both backends: the schema and every statement.
#include <charconv>

#include "mailbox/store.hpp"
#include "relay/sql.hpp"

namespace sharemsg::mailbox {

namespace {

using relay::SqlConn;
using relay::SqlParam;
using relay::SqlRow;

// Identifiers and payloads are kept as lowercase hex text and times as integers, so that the
// same SQL runs on SQLite and PostgreSQL. A receiver's id counter (mailbox_boxes) outlives its
// registration and its messages: an id is never given twice.
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS mailbox_registrations (
    signing_id TEXT PRIMARY KEY,
    signing_pubkey TEXT NOT NULL,
    master_hash TEXT NOT NULL,
    key_index BIGINT NOT NULL,
    registered BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS mailbox_registrations_expires ON mailbox_registrations (expires);
CREATE TABLE IF NOT EXISTS mailbox_boxes (
    receiver_id TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS mailbox_messages (
    receiver_id TEXT NOT NULL,
    id BIGINT NOT NULL,
    sender_id TEXT NOT NULL,
    received BIGINT NOT NULL,
    size BIGINT NOT NULL,
    header TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (receiver_id, id)
);
CREATE INDEX IF NOT EXISTS mailbox_messages_received ON mailbox_messages (received);
CREATE TABLE IF NOT EXISTS mailbox_nonces (
    sender_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    keep_until BIGINT NOT NULL,
    PRIMARY KEY (sender_id, nonce)
);
CREATE INDEX IF NOT EXISTS mailbox_nonces_keep ON mailbox_nonces (keep_until);
)";

std::int64_t as_int(std::uint64_t v) {
    return static_cast<std::int64_t>(v);
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

class SqlMailboxStore final : public MailboxStore {
  public:
    explicit SqlMailboxStore(std::unique_ptr<SqlConn> c) : c_(std::move(c)) {}

    Status init() { return c_->exec(kSchema); }

    const char* backend() const override { return c_->backend(); }

    Status put_registration(const Registration& r) override {
        return in_transaction([&]() -> Status {
            auto put = c_->command(
                "INSERT INTO mailbox_registrations "
                "(signing_id, signing_pubkey, master_hash, key_index, registered, expires) "
                "VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (signing_id) DO UPDATE SET signing_pubkey = excluded.signing_pubkey, "
                "master_hash = excluded.master_hash, key_index = excluded.key_index, "
                "registered = excluded.registered, expires = excluded.expires",
                {to_hex(r.signing_id), to_hex(r.signing_pubkey), to_hex(r.master_hash),
                 std::int64_t{r.key_index}, as_int(r.registered), as_int(r.expires)});
            if (!put) return put.error();
            auto box = c_->command(
                "INSERT INTO mailbox_boxes (receiver_id, last_id) VALUES ($1, 0) "
                "ON CONFLICT (receiver_id) DO NOTHING",
                {to_hex(r.signing_id)});
            if (!box) return box.error();
            return Ok{};
        });
    }

    Result<std::optional<Registration>> registration(const IdentityId& id,
                                                     std::uint64_t now) override {
        auto rows = c_->query(
            "SELECT signing_pubkey, master_hash, key_index, registered, expires "
            "FROM mailbox_registrations WHERE signing_id = $1 AND expires > $2",
            {to_hex(id), as_int(now)});
        if (!rows) return rows.error();
        if (rows->empty()) return std::optional<Registration>{};
        const auto& row = rows->front();
        auto pub = from_hex_fixed<33>(row.at(0));
        auto master = from_hex_fixed<20>(row.at(1));
        auto index = parse_u64(row.at(2)), registered = parse_u64(row.at(3)),
             expires = parse_u64(row.at(4));
        if (!pub || !master || !index || !registered || !expires) return corrupt("a registration");
        Registration r;
        r.signing_id = id;
        r.signing_pubkey = *pub;
        r.master_hash = *master;
        r.key_index = static_cast<std::uint32_t>(*index);
        r.registered = *registered;
        r.expires = *expires;
        return std::optional<Registration>(r);
    }

    Result<bool> use_nonce(const IdentityId& sender, const ByteArray<8>& nonce,
                           std::uint64_t keep_until) override {
        auto n = c_->command(
            "INSERT INTO mailbox_nonces (sender_id, nonce, keep_until) VALUES ($1, $2, $3) "
            "ON CONFLICT (sender_id, nonce) DO NOTHING",
            {to_hex(sender), to_hex(nonce), as_int(keep_until)});
        if (!n) return n.error();
        return *n > 0;
    }

    Result<Deposited> deposit(const Deposit& d, const ByteArray<8>& nonce,
                              std::uint64_t nonce_keep_until, const Quota& quota) override {
        Deposited out;
        auto s = in_transaction([&]() -> Status {
            auto fresh = use_nonce(d.sender_id, nonce, nonce_keep_until);
            if (!fresh) return fresh.error();
            if (!*fresh) {
                out.outcome = Outcome::nonce_replayed;
                return Ok{};
            }
            const std::string rid = to_hex(d.receiver_id);
            auto held = c_->query(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM mailbox_messages "
                "WHERE receiver_id = $1",
                {rid});
            if (!held) return held.error();
            const auto count = parse_u64(held->at(0).at(0)).value_or(0);
            const auto bytes = parse_u64(held->at(0).at(1)).value_or(0);
            if (count + 1 > quota.messages || bytes + d.payload.size() > quota.bytes) {
                out.outcome = Outcome::quota_full;
                return Ok{};
            }
            auto next = c_->query(
                "UPDATE mailbox_boxes SET last_id = last_id + 1 WHERE receiver_id = $1 "
                "RETURNING last_id",
                {rid});
            if (!next) return next.error();
            if (next->empty()) {
                auto made = c_->command(
                    "INSERT INTO mailbox_boxes (receiver_id, last_id) VALUES ($1, 1)", {rid});
                if (!made) return made.error();
                out.id = 1;
            } else {
                auto id = parse_u64(next->front().at(0));
                if (!id) return corrupt("a mailbox's last id");
                out.id = *id;
            }
            auto kept = c_->command(
                "INSERT INTO mailbox_messages "
                "(receiver_id, id, sender_id, received, size, header, payload) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                {rid, as_int(out.id), to_hex(d.sender_id), as_int(d.received),
                 as_int(d.payload.size()), d.header_json, to_hex(d.payload)});
            if (!kept) return kept.error();
            out.outcome = Outcome::stored;
            return Ok{};
        });
        if (!s) return s.error();
        return out;
    }

    Result<std::optional<Kept>> get(const IdentityId& receiver, std::uint64_t id) override {
        auto rows = c_->query(
            "SELECT received, header, payload FROM mailbox_messages "
            "WHERE receiver_id = $1 AND id = $2",
            {to_hex(receiver), as_int(id)});
        if (!rows) return rows.error();
        if (rows->empty()) return std::optional<Kept>{};
        const auto& row = rows->front();
        auto received = parse_u64(row.at(0));
        auto payload = from_hex(row.at(2));
        if (!received || !payload) return corrupt("a message");
        return std::optional<Kept>(Kept{id, *received, row.at(1), std::move(*payload)});
    }

    Result<std::uint64_t> ack(const IdentityId& receiver, std::uint64_t id) override {
        auto n = c_->command("DELETE FROM mailbox_messages WHERE receiver_id = $1 AND id <= $2",
                             {to_hex(receiver), as_int(id)});
        if (!n) return n.error();
        return static_cast<std::uint64_t>(*n);
    }

    Result<BoxState> state(const IdentityId& receiver) override {
        const std::string rid = to_hex(receiver);
        auto low = c_->query(
            "SELECT COALESCE(MIN(id), 0) FROM mailbox_messages WHERE receiver_id = $1", {rid});
        if (!low) return low.error();
        auto high = c_->query("SELECT last_id FROM mailbox_boxes WHERE receiver_id = $1", {rid});
        if (!high) return high.error();
        BoxState b;
        b.lowest = parse_u64(low->at(0).at(0)).value_or(0);
        if (!high->empty()) b.highest = parse_u64(high->front().at(0)).value_or(0);
        return b;
    }

    Result<Swept> sweep(std::uint64_t now, std::uint64_t messages_before) override {
        Swept s;
        auto n = c_->command("DELETE FROM mailbox_nonces WHERE keep_until < $1", {as_int(now)});
        if (!n) return n.error();
        s.nonces = static_cast<std::uint64_t>(*n);
        auto r =
            c_->command("DELETE FROM mailbox_registrations WHERE expires <= $1", {as_int(now)});
        if (!r) return r.error();
        s.registrations = static_cast<std::uint64_t>(*r);
        auto m = c_->command("DELETE FROM mailbox_messages WHERE received < $1",
                             {as_int(messages_before)});
        if (!m) return m.error();
        s.messages = static_cast<std::uint64_t>(*m);
        return s;
    }

    Result<Totals> totals(std::uint64_t now) override {
        auto r = c_->query("SELECT COUNT(*) FROM mailbox_registrations WHERE expires > $1",
                           {as_int(now)});
        if (!r) return r.error();
        auto m = c_->query("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM mailbox_messages", {});
        if (!m) return m.error();
        Totals t;
        t.registered = parse_u64(r->at(0).at(0)).value_or(0);
        t.messages = parse_u64(m->at(0).at(0)).value_or(0);
        t.bytes = parse_u64(m->at(0).at(1)).value_or(0);
        return t;
    }

  private:
    template <class F>
    Status in_transaction(F&& f) {
        if (auto s = c_->exec("BEGIN"); !s) return s;
        if (auto s = f(); !s) {
            (void)c_->exec("ROLLBACK");
            return s;
        }
        if (auto s = c_->exec("COMMIT"); !s) {
            (void)c_->exec("ROLLBACK");
            return s;
        }
        return Ok{};
    }

    Error corrupt(const char* what) const {
        return Error{Errc::io, std::string(backend()) + ": " + what + " does not decode"};
    }

    std::unique_ptr<SqlConn> c_;
};

}  // namespace

Result<std::unique_ptr<MailboxStore>> open_mailbox_store(const std::string& spec,
                                                         const std::string& sqlite_path) {
    const bool pg = spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
    if (!spec.empty() && !pg)
        return make_error(Errc::invalid_argument,
                          "--mailbox-db: need a postgresql:// URI (or nothing, for SQLite in the "
                          "data directory)");
    auto c = pg ? relay::connect_pg(spec) : relay::connect_sqlite(sqlite_path);
    if (!c) return c.error();
    auto s = std::make_unique<SqlMailboxStore>(std::move(*c));
    if (auto i = s->init(); !i) return i.error();
    return std::unique_ptr<MailboxStore>(std::move(s));
}

}  // namespace sharemsg::mailbox
