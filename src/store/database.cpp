#include "store/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace sharemsg::store {

namespace {

constexpr int BUSY_TIMEOUT_MS = 5000;

// Schema version 1. Message and key hashes are raw 32/20-byte blobs; times are seconds
// since the epoch (REAL where fractions matter). Rowids keep arrival order.
constexpr const char* SCHEMA_V1 = R"sql(
CREATE TABLE messages (
    message_hash   BLOB PRIMARY KEY NOT NULL CHECK (length(message_hash) = 32),
    share_hash     BLOB CHECK (share_hash IS NULL OR length(share_hash) = 32),
    msg_type       INTEGER NOT NULL CHECK (msg_type BETWEEN 0 AND 255),
    flags          INTEGER NOT NULL CHECK (flags BETWEEN 0 AND 255),
    wire_flags     INTEGER NOT NULL CHECK (wire_flags BETWEEN 0 AND 255),
    timestamp      INTEGER NOT NULL,
    payload        BLOB NOT NULL,
    signing_id     BLOB CHECK (signing_id IS NULL OR length(signing_id) = 20),
    signature      BLOB NOT NULL,
    sender_address TEXT,
    verified       INTEGER NOT NULL CHECK (verified IN (0, 1)),
    received_at    REAL NOT NULL
);
CREATE INDEX messages_by_time ON messages (timestamp DESC);
CREATE INDEX messages_by_type_time ON messages (msg_type, timestamp DESC);
CREATE INDEX messages_by_sender_time ON messages (sender_address, timestamp DESC);

CREATE TABLE signing_keys (
    address    TEXT NOT NULL,
    signing_id BLOB NOT NULL CHECK (length(signing_id) = 20),
    key_index  INTEGER NOT NULL CHECK (key_index BETWEEN 0 AND 4294967295),
    pubkey     BLOB NOT NULL CHECK (length(pubkey) = 33),
    first_seen REAL NOT NULL,
    share_hash BLOB CHECK (share_hash IS NULL OR length(share_hash) = 32),
    revoked    INTEGER NOT NULL CHECK (revoked IN (0, 1)),
    PRIMARY KEY (address, signing_id)
);
CREATE INDEX signing_keys_by_id ON signing_keys (signing_id);

CREATE TABLE bans (
    kind  TEXT NOT NULL CHECK (kind IN ('signing_id', 'address', 'keyword', 'type')),
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_hash BLOB NOT NULL UNIQUE CHECK (length(message_hash) = 32),
    msg          BLOB NOT NULL,
    created_at   REAL NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'embedded')),
    share_hash   BLOB CHECK (share_hash IS NULL OR length(share_hash) = 32)
);
CREATE INDEX outbox_by_state ON outbox (state, id);

CREATE TABLE key_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    key_index       INTEGER NOT NULL CHECK (key_index BETWEEN 0 AND 4294967295),
    signing_id      BLOB NOT NULL CHECK (length(signing_id) = 20),
    created         REAL NOT NULL,
    last_rotated    REAL,
    messages_signed INTEGER NOT NULL CHECK (messages_signed >= 0)
);
)sql";

// Version 2: an outbox entry can fail (state 'failed', with the reason in `detail`), and a
// private message keeps its recipient's signing id. SQLite cannot change a CHECK constraint,
// so the outbox table is copied (ids, and so the queue order, are kept).
constexpr const char* SCHEMA_V2 = R"sql(
CREATE TABLE outbox_v2 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_hash BLOB NOT NULL UNIQUE CHECK (length(message_hash) = 32),
    msg          BLOB NOT NULL,
    created_at   REAL NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'embedded', 'failed')),
    share_hash   BLOB CHECK (share_hash IS NULL OR length(share_hash) = 32),
    detail       TEXT
);
INSERT INTO outbox_v2 (id, message_hash, msg, created_at, state, share_hash)
    SELECT id, message_hash, msg, created_at, state, share_hash FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_by_state ON outbox (state, id);

ALTER TABLE messages ADD COLUMN recipient BLOB
    CHECK (recipient IS NULL OR length(recipient) = 20);
)sql";

// Version 3: a co-signed authority message (docs/protocol.md §5.2) keeps the x-only aggregate
// key that signed it, so that it is still shown as co-signed after a restart.
constexpr const char* SCHEMA_V3 = R"sql(
ALTER TABLE messages ADD COLUMN authority_key BLOB
    CHECK (authority_key IS NULL OR length(authority_key) = 32);
)sql";

Error open_error(sqlite3* db, const std::string& path, int rc, std::string_view what) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(Errc::io, std::string(what) + " " + path + ": " + msg);
}

// The database holds private text (decrypted private messages), so its files are for the
// owner only: the database file is created 0600 whatever the umask, and SQLite creates its
// -wal and -shm files with the database file's mode. Files an older version left readable by
// others are tightened to 0600.
Status make_files_private(const std::string& path) {
    struct stat st {};
    const bool existed = ::stat(path.c_str(), &st) == 0;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return make_error(Errc::io, "cannot open database " + path + ": " + std::strerror(errno));
    if (!existed) {
        // A new file: its directory entry is made durable with the directory.
        const auto slash = path.find_last_of('/');
        const std::string dir =
            slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
        if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
            (void)::fsync(dfd);
            ::close(dfd);
        }
    }
    const bool loose = ::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0;
    const bool fixed = !loose || ::fchmod(fd, st.st_mode & 0600) == 0;
    const int err = errno;
    ::close(fd);
    if (!fixed)
        return make_error(
            Errc::io, path + ": readable by others and chmod 0600 failed: " + std::strerror(err));
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        const std::string side = path + suffix;
        if (::stat(side.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
            ::chmod(side.c_str(), st.st_mode & 0600) != 0)
            return make_error(Errc::io, side + ": readable by others and chmod 0600 failed: " +
                                            std::strerror(errno));
    }
    return Ok{};
}

void configure(sqlite3* db) {
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
}

}  // namespace

const char* failure_name(Failure f) noexcept {
    switch (f) {
        case Failure::none:
            return "none";
        case Failure::disk_full:
            return "disk_full";
        case Failure::io:
            return "io";
        case Failure::busy:
            return "busy";
        case Failure::constraint:
            return "constraint";
        case Failure::stopped:
            return "stopped";
        case Failure::other:
            return "other";
    }
    return "other";
}

Failure failure_of(int rc) noexcept {
    switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
            return Failure::none;
        case SQLITE_FULL:
            return Failure::disk_full;
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_NOMEM:
        case SQLITE_READONLY:
        case SQLITE_PROTOCOL:
            return Failure::io;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Failure::busy;
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
        case SQLITE_RANGE:
            return Failure::constraint;
        default:
            return Failure::other;
    }
}

bool is_fatal_for_transaction(int rc) noexcept {
    const Failure f = failure_of(rc);
    return f == Failure::disk_full || f == Failure::io || f == Failure::busy;
}

// ---- Stmt ----

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(s_);
        s_ = std::exchange(o.s_, nullptr);
        last_rc_ = o.last_rc_;
    }
    return *this;
}

Stmt::~Stmt() {
    sqlite3_finalize(s_);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, std::string_view text) {
    sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bind(int i, ByteView blob) {
    // A zero-length blob must still be a blob (not NULL): SQLite binds NULL for a null pointer.
    static const std::uint8_t empty = 0;
    sqlite3_bind_blob(s_, i, blob.empty() ? &empty : blob.data(), static_cast<int>(blob.size()),
                      SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
}

Result<bool> Stmt::step() {
    last_rc_ = sqlite3_step(s_);
    if (last_rc_ == SQLITE_ROW) return true;
    if (last_rc_ == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(s_);
    return make_error(
        Errc::io, std::string(sqlite3_errmsg(db)) + " (sqlite " + std::to_string(last_rc_) + ")");
}

Status Stmt::run() {
    for (;;) {
        auto r = step();
        if (!r) {
            reset();
            return r.error();
        }
        if (!*r) break;
    }
    reset();
    return Ok{};
}

void Stmt::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

bool Stmt::is_null(int col) const {
    return sqlite3_column_type(s_, col) == SQLITE_NULL;
}
std::int64_t Stmt::col_int(int col) const {
    return sqlite3_column_int64(s_, col);
}
double Stmt::col_double(int col) const {
    return sqlite3_column_double(s_, col);
}
std::string Stmt::col_text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}
Bytes Stmt::col_blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
    const int n = sqlite3_column_bytes(s_, col);
    return p ? Bytes(p, p + n) : Bytes();
}

// ---- Database ----

Result<Database> Database::open_writer(const std::string& path) {
    if (auto st = make_files_private(path); !st) return st.error();
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return open_error(raw, path, rc, "cannot open database");
    configure(raw);
    Database db(raw, path, false);
    auto mode = db.query_text("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    if (*mode != "wal")
        return make_error(Errc::io, path + ": cannot switch to WAL journal (got " + *mode + ")");
    // FULL in WAL mode: the WAL is synced at every commit, so an acknowledged (committed)
    // transaction survives power loss, not only a killed process.
    // A larger page cache than the 2 MB default: message hashes are random keys, so every
    // batch touches leaf pages all over the primary-key index.
    if (auto s =
            db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;");
        !s)
        return s.error();
    if (auto s = migrate(db); !s) return s.error();
    return db;
}

Result<Database> Database::open_reader(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return open_error(raw, path, rc, "cannot open database for reading");
    configure(raw);
    Database db(raw, path, true);
    if (auto s = db.exec("PRAGMA foreign_keys=ON;"); !s) return s.error();
    const int v = db.user_version();
    if (v != SCHEMA_VERSION)
        return make_error(Errc::bad_version,
                          path + ": schema version " + std::to_string(v) + ", this build reads " +
                              std::to_string(SCHEMA_VERSION) + " (open it with the writer first)");
    return db;
}

Database::Database(Database&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      path_(std::move(o.path_)),
      read_only_(o.read_only_),
      last_rc_(o.last_rc_),
      cache_(std::move(o.cache_)) {}

Database& Database::operator=(Database&& o) noexcept {
    if (this != &o) {
        close();
        db_ = std::exchange(o.db_, nullptr);
        path_ = std::move(o.path_);
        read_only_ = o.read_only_;
        last_rc_ = o.last_rc_;
        cache_ = std::move(o.cache_);
    }
    return *this;
}

Database::~Database() {
    close();
}

void Database::close() {
    cache_.clear();  // statements first, so that the close below succeeds
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
}

Error Database::error(std::string_view what, int rc) const {
    return make_error(Errc::io, std::string(what) + ": " +
                                    (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) + " (sqlite " +
                                    std::to_string(rc) + ")");
}

Status Database::exec(std::string_view sql) {
    const std::string s(sql);
    char* err = nullptr;
    last_rc_ = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (last_rc_ != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(last_rc_);
        sqlite3_free(err);
        return make_error(Errc::io, msg + " (sqlite " + std::to_string(last_rc_) + ")");
    }
    return Ok{};
}

Result<Stmt> Database::prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    last_rc_ = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (last_rc_ != SQLITE_OK) return error("prepare", last_rc_);
    return Stmt(s);
}

Result<Stmt*> Database::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        auto s = prepare(sql);
        if (!s) return s.error();
        it = cache_.emplace(sql, std::make_unique<Stmt>(std::move(*s))).first;
    }
    it->second->reset();
    return it->second.get();
}

Result<std::int64_t> Database::query_int(std::string_view sql) {
    auto s = prepare(sql);
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, "no row: " + std::string(sql));
    return s->col_int(0);
}

Result<std::string> Database::query_text(std::string_view sql) {
    auto s = prepare(sql);
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, "no row: " + std::string(sql));
    return s->col_text(0);
}

int Database::user_version() {
    auto v = query_int("PRAGMA user_version");
    return v ? static_cast<int>(*v) : -1;
}

Result<std::string> Database::integrity_check() {
    auto s = prepare("PRAGMA integrity_check");
    if (!s) return s.error();
    std::string report;
    for (;;) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        if (!report.empty()) report += "\n";
        report += s->col_text(0);
    }
    return report;
}

Result<std::int64_t> Database::set_max_page_count(std::int64_t pages) {
    return query_int("PRAGMA max_page_count=" + std::to_string(pages));
}

const std::vector<const char*>& schema_steps() {
    static const std::vector<const char*> steps = {SCHEMA_V1, SCHEMA_V2, SCHEMA_V3};
    return steps;
}

Status migrate(Database& db) {
    const int from = db.user_version();
    const int latest = static_cast<int>(schema_steps().size());
    if (from < 0) return make_error(Errc::io, db.path() + ": cannot read the schema version");
    if (from > latest)
        return make_error(Errc::bad_version,
                          db.path() + ": schema version " + std::to_string(from) +
                              " is newer than this build (" + std::to_string(latest) + ")");
    for (int v = from; v < latest; ++v) {
        if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s.error();
        auto step = db.exec(schema_steps()[static_cast<std::size_t>(v)]);
        if (step) step = db.exec("PRAGMA user_version=" + std::to_string(v + 1));
        if (step) step = db.exec("COMMIT");
        if (!step) {
            (void)db.exec("ROLLBACK");
            return make_error(Errc::io, db.path() + ": migration to schema version " +
                                            std::to_string(v + 1) +
                                            " failed: " + step.error().reason);
        }
    }
    return Ok{};
}

Result<sqlite3*> open_private_sqlite(const std::string& path, const std::string& what) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::io, what + " " + path + ": cannot create");
    ::fchmod(fd, 0600);
    ::close(fd);
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error(Errc::io, what + " " + path + ": " + why);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

}  // namespace sharemsg::store
