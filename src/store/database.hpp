// SQLite persistence for the node: one connection type (Database, RAII over sqlite3*), a
// prepared statement wrapper (Stmt), and the schema with its migrations.
//
// Connections:
//   - the writer (Database::open_writer): read-write, creates the file (mode 0600 whatever the
//     umask; SQLite gives -wal and -shm the same mode; looser modes left by an older version
//     are tightened to 0600, since the database holds decrypted private text), WAL journal,
//     synchronous=FULL (a committed transaction survives kill -9 and power loss as far as
//     SQLite and the file system guarantee), foreign keys on, busy_timeout, and the schema
//     migrated to the current PRAGMA user_version. Exactly one per database, owned by
//     store::Writer.
//   - readers (Database::open_reader): SQLITE_OPEN_READONLY, busy_timeout, one per thread
//     that reads (HTTP handlers, start-up loading). WAL lets them read while the writer
//     commits. A reader refuses a database whose schema version it does not know.
//
// A Database is not thread-safe: use one connection from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/bytes.hpp"
#include "util/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sharemsg::store {

// The schema version this build writes (PRAGMA user_version).
inline constexpr int SCHEMA_VERSION = 3;

// Why a write failed, for callers that map errors to actions (a 507/503 reply, a log line).
enum class Failure {
    none,
    disk_full,   // SQLITE_FULL: disk (or max_page_count) full; nothing of the batch was written
    io,          // SQLITE_IOERR / SQLITE_CANTOPEN / SQLITE_CORRUPT / SQLITE_NOMEM
    busy,        // SQLITE_BUSY / SQLITE_LOCKED after busy_timeout
    constraint,  // the op itself violated a constraint (only that op failed)
    stopped,     // the writer was stopped before the op could run
    other,
};
const char* failure_name(Failure f) noexcept;
// Maps a SQLite result code (primary or extended) to a Failure.
Failure failure_of(int sqlite_rc) noexcept;
// True for errors after which the transaction cannot continue (SQLite may already have
// rolled it back): the whole batch must be rolled back and failed.
bool is_fatal_for_transaction(int sqlite_rc) noexcept;

// A prepared statement (RAII over sqlite3_stmt*).
class Stmt {
  public:
    Stmt() = default;
    explicit Stmt(sqlite3_stmt* s) : s_(s) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt(Stmt&& o) noexcept : s_(o.s_), last_rc_(o.last_rc_) { o.s_ = nullptr; }
    Stmt& operator=(Stmt&& o) noexcept;
    ~Stmt();

    // Binds by 1-based index. Empty optionals bind NULL.
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view text);
    Stmt& bind(int i, ByteView blob);
    Stmt& bind_null(int i);
    template <class T>
    Stmt& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bind_null(i);
    }

    // Steps once: true when a row is available, false when done; errors carry the SQLite
    // message and code (last_rc()).
    Result<bool> step();
    // Steps to completion (statements without rows).
    Status run();
    void reset();

    bool is_null(int col) const;
    std::int64_t col_int(int col) const;
    double col_double(int col) const;
    std::string col_text(int col) const;
    Bytes col_blob(int col) const;

    int last_rc() const { return last_rc_; }
    sqlite3_stmt* raw() const { return s_; }

  private:
    sqlite3_stmt* s_ = nullptr;
    int last_rc_ = 0;
};

class Database {
  public:
    static Result<Database> open_writer(const std::string& path);
    static Result<Database> open_reader(const std::string& path);

    Database(Database&& o) noexcept;
    Database& operator=(Database&& o) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }
    bool read_only() const { return read_only_; }

    // Runs SQL without results (several statements allowed).
    Status exec(std::string_view sql);
    // A statement prepared once per connection and kept (reset before it is returned).
    Result<Stmt*> cached(const std::string& sql);
    Result<Stmt> prepare(std::string_view sql);
    // First column of the first row as an integer / text.
    Result<std::int64_t> query_int(std::string_view sql);
    Result<std::string> query_text(std::string_view sql);

    int user_version();
    // "ok" when PRAGMA integrity_check passes, otherwise its report.
    Result<std::string> integrity_check();
    // Caps the database size (PRAGMA max_page_count, this connection only); returns the cap
    // in effect. Writes beyond it fail with Failure::disk_full, as a full disk would.
    Result<std::int64_t> set_max_page_count(std::int64_t pages);

    // The last error on this connection as an Error (code io), naming `what`.
    Error error(std::string_view what, int rc) const;
    int last_rc() const { return last_rc_; }
    void set_last_rc(int rc) { last_rc_ = rc; }

  private:
    Database(sqlite3* db, std::string path, bool read_only)
        : db_(db), path_(std::move(path)), read_only_(read_only) {}
    void close();

    sqlite3* db_ = nullptr;
    std::string path_;
    bool read_only_ = false;
    int last_rc_ = 0;
    std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
};

// Opens (creating it if need be) an SQLite file that only its owner may read: the file is made
// 0600 before SQLite opens it, so -wal and -shm take that mode. Read-write, no mutex (one
// thread at a time), a 5 s busy timeout. `what` names the file in errors ("relay database").
// The caller owns the connection (sqlite3_close).
Result<sqlite3*> open_private_sqlite(const std::string& path, const std::string& what);

// Brings the schema from its PRAGMA user_version to SCHEMA_VERSION, one step per version,
// each in its own transaction. Fails (and changes nothing) for a version newer than this
// build knows.
Status migrate(Database& db);

// The SQL of each step: index i brings version i to version i + 1 (tests build old
// databases with it).
const std::vector<const char*>& schema_steps();

}  // namespace sharemsg::store
