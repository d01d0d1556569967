// The relay's storage behind one interface (docs/relay.md, "Storage"): SQLite by default (a
// file in the data directory, WAL, synchronous=FULL) or PostgreSQL (libpq), so that several
// relay instances behind one address share their state. Both run the same SQL
// (sql_store.cpp) over a connection of their own (sql_sqlite.cpp, sql_pg.cpp), and the same
// tests (tests/unit/test_relay_store.cpp).
//
// Per identity (network, signing id) the newest registration is kept; per master key the
// highest key index seen, and a registration of a lower index is refused (its key was rotated
// away) while the registrations of lower indexes are dropped when a higher one arrives.
// A store is used from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/codec.hpp"
#include "util/result.hpp"

namespace sharemsg::relay {

class RelayStore {
  public:
    virtual ~RelayStore() = default;
    // "sqlite" or "postgresql".
    virtual const char* backend() const = 0;

    enum class Put { stored, not_newer, key_revoked };
    // Keeps `e` (its registration already checked) in one transaction, unless the identity
    // holds a registration with the same or a newer timestamp (not_newer), or its master has
    // a higher key index (key_revoked). Errors: Errc::io, naming the database's message.
    virtual Result<Put> put(const Entry& e) = 0;
    // The identity's registration if it has not expired by `now`.
    virtual Result<std::optional<Entry>> get(const NetworkId& network, const SigningId& id,
                                             std::uint64_t now) = 0;
    // The live registration of the master's current key (the highest key index held; of its
    // registrations, the newest) if one has not expired by `now`.
    virtual Result<std::optional<Entry>> get_by_master(const NetworkId& network,
                                                       const MasterHash& master,
                                                       std::uint64_t now) = 0;
    // Deletes registrations expired by `now` whose timestamps are older than now - keep:
    // a registration stays (hidden) while a replay of it could still pass the freshness check,
    // so that a replay after its expiry is still refused. Returns how many went.
    virtual Result<std::size_t> sweep(std::uint64_t now, std::uint64_t keep) = 0;
    // Registrations not expired by `now`.
    virtual Result<std::size_t> live_count(std::uint64_t now) = 0;

    // The allow list: each master hash is allowed or not by the newest change (by timestamp).
    enum class Change { applied, not_newer };
    virtual Result<Change> set_allowed(const NetworkId& network, const MasterHash& master,
                                       bool allow, std::uint64_t timestamp) = 0;
    virtual Result<bool> allowed(const NetworkId& network, const MasterHash& master) = 0;
    virtual Result<std::vector<MasterHash>> allow_list(const NetworkId& network) = 0;
};

// `spec` empty: SQLite at `sqlite_path` (created 0600). "postgresql://..." or
// "postgres://...": a libpq connection URI. Creates the tables when they are missing.
Result<std::unique_ptr<RelayStore>> open_relay_store(const std::string& spec,
                                                     const std::string& sqlite_path);
Result<std::unique_ptr<RelayStore>> open_sqlite_relay_store(const std::string& path);
Result<std::unique_ptr<RelayStore>> open_pg_relay_store(const std::string& conninfo);

}  // namespace sharemsg::relay
