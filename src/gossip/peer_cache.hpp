// The peer table's SQLite cache, for warm restarts (docs/gossip.md, "Cache"): the seed's
// peer_endpoints table (one row per identity and endpoint: its state) and peer_announces (one
// row per identity: the signed announce as its datagram bytes, and when the table accepted
// it), so that every cached entry is verified again when it is loaded.
//
// A PeerCache uses one connection from one thread: the thread that owns the table. It opens
// its own file (`open`: created 0600, WAL, synchronous=NORMAL: losing the last save to a
// power cut only costs a colder start), or borrows a connection its caller owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gossip/peer_table.hpp"
#include "util/result.hpp"

struct sqlite3;

namespace sharemsg::gossip {

struct SaveReport {
    std::size_t identities = 0;
    std::size_t endpoints = 0;
};

struct LoadReport {
    std::size_t identities = 0;  // restored into the table
    std::size_t endpoints = 0;
    std::size_t expired = 0;  // past the table's hard TTL: not loaded
    std::size_t corrupt = 0;  // rows skipped: unreadable, or an announce that does not verify
    std::size_t refused = 0;  // verified, but the table refused it (an older version or key)
};

class PeerCache {
  public:
    static Result<PeerCache> open(const std::string& path);
    // Borrows `db` (the caller keeps it open longer than this object); creates the tables.
    static Result<PeerCache> attach(sqlite3* db);

    PeerCache(PeerCache&& o) noexcept;
    PeerCache& operator=(PeerCache&& o) noexcept;
    PeerCache(const PeerCache&) = delete;
    PeerCache& operator=(const PeerCache&) = delete;
    ~PeerCache();

    // Replaces the cache with the table: every identity's announce and its best
    // `best_per_identity` endpoints, in one transaction.
    Result<SaveReport> save(const PeerTable& table, std::size_t best_per_identity = MAX_ENDPOINTS);
    // Restores into the table the cached identities that are not past its hard TTL at `now`
    // and whose announce still verifies on its network (authorization is the caller's,
    // as for any entry of the table). A row that cannot be read is skipped and counted.
    Result<LoadReport> load(PeerTable& table, std::uint64_t now);

    sqlite3* handle() const { return db_; }

  private:
    PeerCache(sqlite3* db, bool owned) : db_(db), owned_(owned) {}
    Status create_tables();
    void close();

    sqlite3* db_ = nullptr;
    bool owned_ = false;
};

}  // namespace sharemsg::gossip
