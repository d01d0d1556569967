// A PostgreSQL server of the test's own (Debian's postgresql): initdb in a temp directory,
// its own port (reserved as tests/integration/ports.hpp does), its socket in that directory,
// no TCP listener. As root (CI) it runs as the `postgres` user through runuser, since the
// server refuses to run as root. Stopped and removed when the object goes.
#pragma once

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "../integration/ports.hpp"

namespace relay_test {

class PgServer {
  public:
    // Starts a server; nullptr with `why` saying what is missing when it cannot.
    static std::unique_ptr<PgServer> start(std::string& why) {
        namespace fs = std::filesystem;
        const std::string bin = find_bin();
        if (bin.empty()) {
            why =
                "no /usr/lib/postgresql/*/bin/initdb: install Debian's postgresql "
                "(scripts/deps.sh)";
            return nullptr;
        }
        auto s = std::unique_ptr<PgServer>(new PgServer);
        char tmpl[] = "/tmp/sharemsg-pg-XXXXXX";
        if (!::mkdtemp(tmpl)) {
            why = "mkdtemp failed";
            return nullptr;
        }
        s->dir_ = tmpl;
        s->port_ = itest::free_port();
        std::string as;
        if (::geteuid() == 0) {
            const passwd* pw = ::getpwnam("postgres");
            if (!pw) {
                why = "running as root and there is no `postgres` user to run the server as";
                return nullptr;
            }
            if (::chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                why = "cannot give " + s->dir_ + " to the postgres user";
                return nullptr;
            }
            as = "runuser -u postgres -- ";
        }
        s->as_ = as;
        s->bin_ = bin;
        const std::string data = s->dir_ + "/data";
        const std::string init = "cd / && " + as + bin + "/initdb -D " + data +
                                 " -A trust -U sharemsg --no-sync -E UTF8 > " + s->dir_ +
                                 "/initdb.log 2>&1";
        if (std::system(init.c_str()) != 0) {
            why = "initdb failed (" + s->dir_ + "/initdb.log)";
            return nullptr;
        }
        const std::string run =
            "cd / && " + as + bin + "/pg_ctl -D " + data + " -l " + s->dir_ +
            "/server.log -w -t 60 -o \"-p " + std::to_string(s->port_) + " -k " + s->dir_ +
            " -c listen_addresses='' -c fsync=off\" start > " + s->dir_ + "/pg_ctl.log 2>&1";
        if (std::system(run.c_str()) != 0) {
            why = "pg_ctl start failed (" + s->dir_ + "/server.log)";
            return nullptr;
        }
        s->running_ = true;
        return s;
    }

    ~PgServer() {
        if (running_) {
            const std::string stop =
                as_ + bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop > /dev/null 2>&1";
            (void)std::system(stop.c_str());
        }
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

    // A new empty database; its libpq URI (the one --relay-db takes).
    std::string new_database(const std::string& name) {
        PGconn* c = PQconnectdb(uri("postgres").c_str());
        const bool ok = PQstatus(c) == CONNECTION_OK;
        if (ok) {
            PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
            PQclear(r);
        }
        PQfinish(c);
        return uri(name);
    }

    std::string uri(const std::string& db) const {
        return "postgresql:///" + db + "?host=" + dir_ + "&port=" + std::to_string(port_) +
               "&user=sharemsg";
    }

  private:
    PgServer() = default;

    static std::string find_bin() {
        namespace fs = std::filesystem;
        std::string best;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
            if (fs::exists(e.path() / "bin" / "initdb") && e.path().string() > best)
                best = e.path().string();
        return best.empty() ? "" : best + "/bin";
    }

    std::string dir_, as_, bin_;
    std::uint16_t port_ = 0;
    bool running_ = false;
};

// One server per test process, started on first use and stopped at exit.
inline PgServer* shared_pg_server(std::string& why) {
    static std::string failure;
    static std::unique_ptr<PgServer> server = PgServer::start(failure);
    why = failure;
    return server.get();
}

}  // namespace relay_test
