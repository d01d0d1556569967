// The relay store's PostgreSQL connection (libpq): parameters sent apart from the SQL
// (PQexecParams), text results. A lost connection is reopened once before a statement fails.
#include <libpq-fe.h>

#include "relay/sql.hpp"

namespace sharemsg::relay {

namespace {

class PgConn final : public SqlConn {
  public:
    PgConn(PGconn* c, std::string conninfo) : c_(c), conninfo_(std::move(conninfo)) {}
    ~PgConn() override { PQfinish(c_); }
    const char* backend() const override { return "postgresql"; }

    Status exec(std::string_view sql) override {
        auto r = run(sql, {});
        if (!r) return r.error();
        return Ok{};
    }

    Result<std::vector<SqlRow>> query(std::string_view sql,
                                      const std::vector<SqlParam>& params) override {
        auto r = run(sql, params);
        if (!r) return r.error();
        PGresult* res = r->get();
        std::vector<SqlRow> rows;
        const int n = PQntuples(res), cols = PQnfields(res);
        rows.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            SqlRow row;
            for (int j = 0; j < cols; ++j)
                row.emplace_back(PQgetvalue(res, i, j));
            rows.push_back(std::move(row));
        }
        return rows;
    }

    Result<std::int64_t> command(std::string_view sql,
                                 const std::vector<SqlParam>& params) override {
        auto r = run(sql, params);
        if (!r) return r.error();
        const char* n = PQcmdTuples(r->get());
        return std::int64_t{n && *n ? std::stoll(n) : 0};
    }

  private:
    struct Clear {
        void operator()(PGresult* r) const { PQclear(r); }
    };
    using Res = std::unique_ptr<PGresult, Clear>;

    Result<Res> run(std::string_view sql, const std::vector<SqlParam>& params) {
        // A connection lost outside a transaction is reopened once.
        if (PQstatus(c_) != CONNECTION_OK && PQtransactionStatus(c_) != PQTRANS_INTRANS)
            PQreset(c_);
        std::vector<std::string> text;
        text.reserve(params.size());
        for (const auto& p : params)
            text.push_back(std::holds_alternative<std::int64_t>(p)
                               ? std::to_string(std::get<std::int64_t>(p))
                               : std::get<std::string>(p));
        std::vector<const char*> values;
        for (const auto& t : text)
            values.push_back(t.c_str());
        const std::string q(sql);
        Res res(params.empty() ? PQexec(c_, q.c_str())
                               : PQexecParams(c_, q.c_str(), static_cast<int>(values.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0));
        const auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            std::string why = PQerrorMessage(c_);
            while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
                why.pop_back();
            return make_error(Errc::io, "postgresql: " + why);
        }
        return res;
    }

    PGconn* c_;
    std::string conninfo_;
};

}  // namespace

Result<std::unique_ptr<SqlConn>> connect_pg(const std::string& conninfo) {
    PGconn* c = PQconnectdb(conninfo.c_str());
    if (!c) return make_error(Errc::io, "postgresql: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        std::string why = PQerrorMessage(c);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        PQfinish(c);
        return make_error(Errc::io, "postgresql: cannot connect: " + why);
    }
    // Several relays may create the tables at once; the notices of IF NOT EXISTS are noise.
    auto conn = std::make_unique<PgConn>(c, conninfo);
    if (auto s = conn->exec("SET client_min_messages = warning"); !s) return s.error();
    return std::unique_ptr<SqlConn>(std::move(conn));
}

}  // namespace sharemsg::relay
