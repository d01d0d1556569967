// The relay store's SQLite connection: a file of its own (created 0600), WAL, synchronous=FULL
// (an acknowledged registration survives kill -9), a busy timeout.
#include <sqlite3.h>

#include <map>

#include "relay/sql.hpp"
#include "store/database.hpp"

namespace sharemsg::relay {

namespace {

class SqliteConn final : public SqlConn {
  public:
    explicit SqliteConn(sqlite3* db) : db_(db) {}
    ~SqliteConn() override {
        for (auto& [sql, st] : cache_)
            sqlite3_finalize(st);
        sqlite3_close(db_);
    }
    const char* backend() const override { return "sqlite"; }

    Status exec(std::string_view sql) override {
        char* msg = nullptr;
        const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &msg);
        if (rc == SQLITE_OK) return Ok{};
        std::string why = msg ? msg : sqlite3_errstr(rc);
        sqlite3_free(msg);
        return make_error(Errc::io, "sqlite: " + why);
    }

    Result<std::vector<SqlRow>> query(std::string_view sql,
                                      const std::vector<SqlParam>& params) override {
        auto st = prepared(sql, params);
        if (!st) return st.error();
        std::vector<SqlRow> rows;
        for (;;) {
            const int rc = sqlite3_step(*st);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return failed(rc);
            SqlRow row;
            for (int i = 0; i < sqlite3_column_count(*st); ++i) {
                const auto* t = sqlite3_column_text(*st, i);
                row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    Result<std::int64_t> command(std::string_view sql,
                                 const std::vector<SqlParam>& params) override {
        auto st = prepared(sql, params);
        if (!st) return st.error();
        const int rc = sqlite3_step(*st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) return failed(rc);
        return std::int64_t{sqlite3_changes(db_)};
    }

  private:
    Error failed(int rc) const {
        return make_error(Errc::io, std::string("sqlite: ") + sqlite3_errmsg(db_) + " (" +
                                        sqlite3_errstr(rc) + ")");
    }
    // The statement for `sql` ($N rewritten as ?N), prepared once, reset and bound.
    Result<sqlite3_stmt*> prepared(std::string_view sql, const std::vector<SqlParam>& params) {
        std::string text(sql);
        auto it = cache_.find(text);
        sqlite3_stmt* st = nullptr;
        if (it == cache_.end()) {
            std::string local = text;
            for (auto& ch : local)
                if (ch == '$') ch = '?';
            const int rc = sqlite3_prepare_v2(db_, local.c_str(), -1, &st, nullptr);
            if (rc != SQLITE_OK) return failed(rc);
            cache_.emplace(text, st);
        } else {
            st = it->second;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int idx = static_cast<int>(i + 1);
            int rc = SQLITE_OK;
            if (const auto* v = std::get_if<std::int64_t>(&params[i]))
                rc = sqlite3_bind_int64(st, idx, *v);
            else {
                const auto& s = std::get<std::string>(params[i]);
                rc = sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()),
                                       SQLITE_TRANSIENT);
            }
            if (rc != SQLITE_OK) return failed(rc);
        }
        return st;
    }

    sqlite3* db_;
    std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<SqlConn>> connect_sqlite(const std::string& path) {
    auto db = store::open_private_sqlite(path, "relay database");
    if (!db) return db.error();
    auto conn = std::make_unique<SqliteConn>(*db);
    if (auto s = conn->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s)
        return s.error();
    return std::unique_ptr<SqlConn>(std::move(conn));
}

}  // namespace sharemsg::relay
