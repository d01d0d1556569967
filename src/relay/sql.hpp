// Internal to src/relay: the little the relay's store needs of a SQL connection, so that its
// logic and SQL (sql_store.cpp) are written once for SQLite and PostgreSQL. Parameters are
// written $1, $2, ... in the SQL (SQLite's connection rewrites them as ?1, ?2, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/result.hpp"

namespace sharemsg::relay {

using SqlParam = std::variant<std::int64_t, std::string>;
using SqlRow = std::vector<std::string>;  // every column as text

class SqlConn {
  public:
    virtual ~SqlConn() = default;
    virtual const char* backend() const = 0;
    // Statements without parameters or rows (schema, BEGIN, COMMIT, ROLLBACK).
    virtual Status exec(std::string_view sql) = 0;
    // A statement with parameters: its rows.
    virtual Result<std::vector<SqlRow>> query(std::string_view sql,
                                              const std::vector<SqlParam>& params) = 0;
    // A statement with parameters and no rows: how many rows it changed.
    virtual Result<std::int64_t> command(std::string_view sql,
                                         const std::vector<SqlParam>& params) = 0;
};

Result<std::unique_ptr<SqlConn>> connect_sqlite(const std::string& path);
Result<std::unique_ptr<SqlConn>> connect_pg(const std::string& conninfo);
// The store over a connection: creates its tables.
Result<std::unique_ptr<class RelayStore>> make_sql_store(std::unique_ptr<SqlConn> conn);

}  // namespace sharemsg::relay
