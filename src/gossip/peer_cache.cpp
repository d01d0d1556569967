#include "gossip/peer_cache.hpp"

#include <sqlite3.h>

#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "store/database.hpp"

namespace sharemsg::gossip {

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS peer_endpoints(
  pubkey TEXT NOT NULL, endpoint TEXT NOT NULL, nat_type INT, last_seen INT, version INT,
  score INT, source INT, failures INT NOT NULL DEFAULT 0,
  PRIMARY KEY(pubkey, endpoint));
CREATE TABLE IF NOT EXISTS peer_announces(
  pubkey TEXT PRIMARY KEY NOT NULL, announce BLOB NOT NULL, updated INT NOT NULL);
)";

Error sql_error(sqlite3* db, std::string_view what) {
    return make_error(Errc::io, "peer cache: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

Status exec(sqlite3* db, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db, sql);
    return Ok{};
}

Result<store::Stmt> prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return sql_error(db, sql);
    return store::Stmt(st);
}

bool is_int(const store::Stmt& s, int col) {
    return sqlite3_column_type(s.raw(), col) == SQLITE_INTEGER;
}

// An integer column within [lo, hi], or nothing.
std::optional<std::int64_t> int_in(const store::Stmt& s, int col, std::int64_t lo,
                                   std::int64_t hi) {
    if (!is_int(s, col)) return std::nullopt;
    const std::int64_t v = s.col_int(col);
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();

// The endpoint rows of one identity; unreadable ones are counted in `corrupt`.
Result<std::vector<EndpointState>> load_endpoints(sqlite3* db, const std::string& pubkey,
                                                  const Announce& a, std::size_t& corrupt) {
    auto st = prepare(db,
                      "SELECT endpoint, nat_type, last_seen, version, score, source, failures "
                      "FROM peer_endpoints WHERE pubkey = ?1 ORDER BY score DESC");
    if (!st) return st.error();
    st->bind(1, std::string_view(pubkey));
    std::vector<EndpointState> out;
    for (;;) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        auto ep = relay::parse_endpoint(st->col_text(0));
        const auto nat = int_in(*st, 1, 0, relay::NAT_TYPE_COUNT - 1);
        const auto last_seen = int_in(*st, 2, 0, kMaxTime);
        const auto version = int_in(*st, 3, 0, kMaxTime);
        const auto score = int_in(*st, 4, 0, SCORE_MAX);
        const auto source = int_in(*st, 5, 1, 15);
        const auto failures = int_in(*st, 6, 0, std::numeric_limits<std::uint32_t>::max());
        if (!ep || !nat || !last_seen || !version || !score || !source || !failures ||
            static_cast<std::uint64_t>(*version) != a.version) {
            ++corrupt;
            continue;
        }
        out.push_back(EndpointState{
            *ep, static_cast<std::int32_t>(*score), static_cast<SourceMask>(*source),
            static_cast<std::uint64_t>(*last_seen), static_cast<std::uint32_t>(*failures)});
    }
    return out;
}

}  // namespace

Result<PeerCache> PeerCache::open(const std::string& path) {
    auto db = store::open_private_sqlite(path, "peer cache");
    if (!db) return db.error();
    PeerCache cache(*db, true);
    if (auto s = exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s)
        return s.error();
    if (auto s = cache.create_tables(); !s) return s.error();
    return cache;
}

Result<PeerCache> PeerCache::attach(sqlite3* db) {
    PeerCache cache(db, false);
    if (auto s = cache.create_tables(); !s) return s.error();
    return cache;
}

PeerCache::PeerCache(PeerCache&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), owned_(std::exchange(o.owned_, false)) {}

PeerCache& PeerCache::operator=(PeerCache&& o) noexcept {
    if (this != &o) {
        close();
        db_ = std::exchange(o.db_, nullptr);
        owned_ = std::exchange(o.owned_, false);
    }
    return *this;
}

PeerCache::~PeerCache() {
    close();
}

void PeerCache::close() {
    if (owned_ && db_) sqlite3_close(db_);
    db_ = nullptr;
    owned_ = false;
}

Status PeerCache::create_tables() {
    return exec(db_, kSchema);
}

Result<SaveReport> PeerCache::save(const PeerTable& table, std::size_t best_per_identity) {
    if (auto s = exec(db_, "BEGIN IMMEDIATE"); !s) return s.error();
    SaveReport report;
    auto body = [&]() -> Status {
        if (auto s = exec(db_, "DELETE FROM peer_endpoints; DELETE FROM peer_announces;"); !s)
            return s;
        auto ann = prepare(db_,
                           "INSERT INTO peer_announces(pubkey, announce, updated) "
                           "VALUES (?1, ?2, ?3)");
        if (!ann) return ann.error();
        auto ep = prepare(db_,
                          "INSERT INTO peer_endpoints(pubkey, endpoint, nat_type, last_seen, "
                          "version, score, source, failures) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        if (!ep) return ep.error();
        for (const auto& [id, p] : table.peers()) {
            auto bytes = encode(Datagram{p.announce});
            if (!bytes) continue;  // the table only holds announces that decoded
            const std::string pubkey = to_hex(p.announce.signing_pubkey);
            ann->reset();
            ann->bind(1, std::string_view(pubkey))
                .bind(2, ByteView(*bytes))
                .bind(3, static_cast<std::int64_t>(p.updated));
            if (auto s = ann->run(); !s) return s;
            ++report.identities;
            for (const auto& e : table.best_endpoints(id, best_per_identity)) {
                ep->reset();
                ep->bind(1, std::string_view(pubkey))
                    .bind(2, std::string_view(e.endpoint.to_string()))
                    .bind(3, static_cast<std::int64_t>(p.announce.nat))
                    .bind(4, static_cast<std::int64_t>(e.last_seen))
                    .bind(5, static_cast<std::int64_t>(p.announce.version))
                    .bind(6, static_cast<std::int64_t>(e.score))
                    .bind(7, static_cast<std::int64_t>(e.sources))
                    .bind(8, static_cast<std::int64_t>(e.failures));
                if (auto s = ep->run(); !s) return s;
                ++report.endpoints;
            }
        }
        return Ok{};
    };
    if (auto s = body(); !s) {
        (void)exec(db_, "ROLLBACK");
        return s.error();
    }
    if (auto s = exec(db_, "COMMIT"); !s) {
        (void)exec(db_, "ROLLBACK");
        return s.error();
    }
    return report;
}

Result<LoadReport> PeerCache::load(PeerTable& table, std::uint64_t now) {
    auto st = prepare(db_, "SELECT pubkey, announce, updated FROM peer_announces ORDER BY updated");
    if (!st) return st.error();
    LoadReport report;
    for (;;) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        const std::string pubkey = st->col_text(0);
        const Bytes blob = st->col_blob(1);
        const auto updated = int_in(*st, 2, 0, kMaxTime);
        auto d = decode(blob);
        const Announce* a = d ? std::get_if<Announce>(&*d) : nullptr;
        if (!a || !updated || to_hex(a->signing_pubkey) != pubkey ||
            a->network != table.network() || !delegation_ok(*a) || !signature_ok(*a)) {
            ++report.corrupt;
            continue;
        }
        const auto when = static_cast<std::uint64_t>(*updated);
        if (now > when && now - when > table.limits().hard_ttl) {
            ++report.expired;
            continue;
        }
        auto eps = load_endpoints(db_, pubkey, *a, report.corrupt);
        if (!eps) return eps.error();
        if (eps->empty())
            for (const auto& e : a->endpoints)
                eps->push_back(EndpointState{e, SCORE_CACHE, 0, when, 0});
        if (table.restore(*a, std::move(*eps), when) != Verdict::accepted) {
            ++report.refused;
            continue;
        }
        ++report.identities;
        report.endpoints += table.find(a->signing_id())->endpoints.size();
    }
    return report;
}

}  // namespace sharemsg::gossip
