// The relay's store, once for both backends: the schema and every statement.
#include <charconv>

#include "relay/sql.hpp"
#include "relay/store.hpp"

namespace sharemsg::relay {

namespace {

// Identifiers are kept as lowercase hex text and times as integers, so that the same SQL runs
// on SQLite and PostgreSQL.
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS relay_registrations (
    network TEXT NOT NULL,
    signing_id TEXT NOT NULL,
    master_hash TEXT NOT NULL,
    key_index BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    received BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (network, signing_id)
);
CREATE INDEX IF NOT EXISTS relay_registrations_expires ON relay_registrations (expires);
CREATE INDEX IF NOT EXISTS relay_registrations_master ON relay_registrations (network, master_hash);
CREATE TABLE IF NOT EXISTS relay_masters (
    network TEXT NOT NULL,
    master_hash TEXT NOT NULL,
    key_index BIGINT NOT NULL,
    PRIMARY KEY (network, master_hash)
);
CREATE TABLE IF NOT EXISTS relay_allow (
    network TEXT NOT NULL,
    master_hash TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    PRIMARY KEY (network, master_hash)
);
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

class SqlRelayStore final : public RelayStore {
  public:
    explicit SqlRelayStore(std::unique_ptr<SqlConn> c) : c_(std::move(c)) {}

    Status init() { return c_->exec(kSchema); }

    const char* backend() const override { return c_->backend(); }

    Result<Put> put(const Entry& e) override {
        const auto& r = e.registration;
        const std::string net = to_hex(r.network), master = to_hex(r.master_hash()),
                          id = to_hex(r.signing_id());
        if (auto s = c_->exec("BEGIN"); !s) return s.error();
        auto outcome = put_in_transaction(e, net, master, id);
        if (!outcome || *outcome != Put::stored) {
            (void)c_->exec("ROLLBACK");
            return outcome;
        }
        if (auto s = c_->exec("COMMIT"); !s) {
            (void)c_->exec("ROLLBACK");
            return s.error();
        }
        return outcome;
    }

    Result<std::optional<Entry>> get(const NetworkId& network, const SigningId& id,
                                     std::uint64_t now) override {
        return one_entry(
            c_->query("SELECT body, received, expires FROM relay_registrations "
                      "WHERE network = $1 AND signing_id = $2 AND expires > $3",
                      {to_hex(network), to_hex(id), as_int(now)}));
    }

    Result<std::optional<Entry>> get_by_master(const NetworkId& network, const MasterHash& master,
                                               std::uint64_t now) override {
        return one_entry(
            c_->query("SELECT body, received, expires FROM relay_registrations "
                      "WHERE network = $1 AND master_hash = $2 AND expires > $3 "
                      "ORDER BY key_index DESC, ts DESC LIMIT 1",
                      {to_hex(network), to_hex(master), as_int(now)}));
    }

    Result<std::size_t> sweep(std::uint64_t now, std::uint64_t keep) override {
        auto n = c_->command("DELETE FROM relay_registrations WHERE expires <= $1 AND ts + $2 < $1",
                             {as_int(now), as_int(keep)});
        if (!n) return n.error();
        return static_cast<std::size_t>(*n);
    }

    Result<std::size_t> live_count(std::uint64_t now) override {
        auto rows =
            c_->query("SELECT COUNT(*) FROM relay_registrations WHERE expires > $1", {as_int(now)});
        if (!rows) return rows.error();
        auto v = parse_u64(rows->at(0).at(0));
        return static_cast<std::size_t>(v.value_or(0));
    }

    Result<Change> set_allowed(const NetworkId& network, const MasterHash& master, bool allow,
                               std::uint64_t timestamp) override {
        auto n = c_->command(
            "INSERT INTO relay_allow (network, master_hash, allowed, ts) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (network, master_hash) DO UPDATE SET allowed = excluded.allowed, "
            "ts = excluded.ts WHERE relay_allow.ts < excluded.ts",
            {to_hex(network), to_hex(master), std::int64_t{allow ? 1 : 0}, as_int(timestamp)});
        if (!n) return n.error();
        return *n > 0 ? Change::applied : Change::not_newer;
    }

    Result<bool> allowed(const NetworkId& network, const MasterHash& master) override {
        auto rows =
            c_->query("SELECT allowed FROM relay_allow WHERE network = $1 AND master_hash = $2",
                      {to_hex(network), to_hex(master)});
        if (!rows) return rows.error();
        return !rows->empty() && rows->front().at(0) == "1";
    }

    Result<std::vector<MasterHash>> allow_list(const NetworkId& network) override {
        auto rows = c_->query(
            "SELECT master_hash FROM relay_allow WHERE network = $1 AND allowed = 1 "
            "ORDER BY master_hash",
            {to_hex(network)});
        if (!rows) return rows.error();
        std::vector<MasterHash> out;
        for (const auto& row : *rows)
            if (auto h = from_hex_fixed<20>(row.at(0))) out.push_back(*h);
        return out;
    }

  private:
    // The first row of (body, received, expires), decoded; nothing when there is none.
    Result<std::optional<Entry>> one_entry(Result<std::vector<SqlRow>> rows) const {
        if (!rows) return rows.error();
        if (rows->empty()) return std::optional<Entry>{};
        const auto& row = rows->front();
        auto reg = decode_registration(row.at(0));
        auto received = parse_u64(row.at(1)), expires = parse_u64(row.at(2));
        if (!reg || !received || !expires)
            return make_error(Errc::io, std::string(backend()) +
                                            ": a stored registration does not decode: " +
                                            (reg ? "times" : reg.failure().detail));
        return std::optional<Entry>(Entry{*reg, *received, *expires});
    }

    Result<Put> put_in_transaction(const Entry& e, const std::string& net,
                                   const std::string& master, const std::string& id) {
        const auto& r = e.registration;
        // The master's highest key index: raised, never lowered.
        auto raised = c_->command(
            "INSERT INTO relay_masters (network, master_hash, key_index) VALUES ($1, $2, $3) "
            "ON CONFLICT (network, master_hash) DO UPDATE SET key_index = excluded.key_index "
            "WHERE relay_masters.key_index < excluded.key_index",
            {net, master, std::int64_t{r.key_index}});
        if (!raised) return raised.error();
        auto held =
            c_->query("SELECT key_index FROM relay_masters WHERE network = $1 AND master_hash = $2",
                      {net, master});
        if (!held) return held.error();
        if (held->empty())
            return make_error(Errc::io, "relay_masters: the row just written is missing");
        if (parse_u64(held->front().at(0)).value_or(0) > r.key_index) return Put::key_revoked;
        auto stored = c_->command(
            "INSERT INTO relay_registrations "
            "(network, signing_id, master_hash, key_index, ts, received, expires, body) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (network, signing_id) DO UPDATE SET master_hash = excluded.master_hash, "
            "key_index = excluded.key_index, ts = excluded.ts, received = excluded.received, "
            "expires = excluded.expires, body = excluded.body "
            "WHERE relay_registrations.ts < excluded.ts",
            {net, id, master, std::int64_t{r.key_index}, as_int(r.timestamp), as_int(e.received),
             as_int(e.expires), encode_registration(r)});
        if (!stored) return stored.error();
        if (*stored == 0) return Put::not_newer;
        // The master's older keys are rotated away: their registrations go.
        auto dropped = c_->command(
            "DELETE FROM relay_registrations WHERE network = $1 AND master_hash = $2 "
            "AND key_index < $3",
            {net, master, std::int64_t{r.key_index}});
        if (!dropped) return dropped.error();
        return Put::stored;
    }

    std::unique_ptr<SqlConn> c_;
};

}  // namespace

Result<std::unique_ptr<RelayStore>> make_sql_store(std::unique_ptr<SqlConn> conn) {
    auto s = std::make_unique<SqlRelayStore>(std::move(conn));
    if (auto i = s->init(); !i) return i.error();
    return std::unique_ptr<RelayStore>(std::move(s));
}

Result<std::unique_ptr<RelayStore>> open_sqlite_relay_store(const std::string& path) {
    auto c = connect_sqlite(path);
    if (!c) return c.error();
    return make_sql_store(std::move(*c));
}

Result<std::unique_ptr<RelayStore>> open_pg_relay_store(const std::string& conninfo) {
    auto c = connect_pg(conninfo);
    if (!c) return c.error();
    return make_sql_store(std::move(*c));
}

Result<std::unique_ptr<RelayStore>> open_relay_store(const std::string& spec,
                                                     const std::string& sqlite_path) {
    if (spec.empty()) return open_sqlite_relay_store(sqlite_path);
    if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0)
        return open_pg_relay_store(spec);
    return make_error(Errc::invalid_argument,
                      "--relay-db: need a postgresql:// URI (or nothing, for SQLite in the data "
                      "directory)");
}

}  // namespace sharemsg::relay
