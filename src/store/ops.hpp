// Rows of the node's database and the write operations on them.
//
// Every write goes through an Op, applied by store::Writer inside a batch transaction (or
// by commit_now at start-up). Each op reports an Outcome: whether it committed and whether
// it changed anything (an INSERT OR IGNORE of a known message hash reports changed=false,
// which is how callers learn that a message is new).
//
// Two tables are also kept as files in the reference's formats, by the caller (this layer
// writes no files): bans as banned_senders.json (node::save_ban_list) and key_state as
// signing_key.json (seed 000 §5.4). The database is the node's source of truth; the files
// are mirrors written (temp file, then rename) after the op that changed them committed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/hash.hpp"
#include "proto/banlist.hpp"
#include "proto/message.hpp"
#include "proto/registry.hpp"
#include "store/database.hpp"

namespace sharemsg::store {

// queued: waiting for a share; embedded: carried by share_hash; failed: given up (detail).
enum class OutboxState { queued, embedded, failed };
const char* outbox_state_name(OutboxState s) noexcept;

struct OutboxEntry {
    std::int64_t id = 0;  // AUTOINCREMENT: the queue order (oldest first)
    crypto::Hash256 message_hash{};
    Bytes msg;  // the packed, signed share message
    double created_at = 0;
    OutboxState state = OutboxState::queued;
    std::optional<proto::ShareHash> share_hash;  // the share that carried it, once embedded
    std::string detail;                          // why it failed (state failed)
};

struct SigningKeyRow {
    std::string address;
    proto::SigningId signing_id{};
    proto::KeyInfo info;  // key_index, pubkey, first_seen, share_hash, revoked
};

// signing_key.json (seed 000 §5.4), kept as the single key_state row.
struct KeyState {
    std::uint32_t key_index = 0;
    proto::SigningId signing_id{};
    double created = 0;
    std::optional<double> last_rotated;
    std::uint64_t messages_signed = 0;
};

enum class BanKind { signing_id, address, keyword, type };
const char* ban_kind_name(BanKind k) noexcept;
struct Ban {
    BanKind kind = BanKind::signing_id;
    std::string value;  // a type ban stores the type number in decimal
};

// ---- Ops ----

// INSERT OR IGNORE on message_hash (= m.hash()); changed = the message was new.
struct PutMessage {
    proto::ShareMessage message;
    double received_at = 0;
};
// Updates what later verification learned about a stored message (flags, verified, sender,
// share hash); changed = the message exists.
struct UpdateMessage {
    proto::ShareMessage message;
};
// Removes a message (expiry, history cap, sharechain pruning); changed = it existed.
struct DeleteMessage {
    crypto::Hash256 message_hash{};
};
// INSERT OR IGNORE into the outbox as 'queued'; changed = it was new.
struct QueueOutbox {
    crypto::Hash256 message_hash{};
    Bytes msg;
    double created_at = 0;
};
// Moves an outbox entry to `state` (embedded in share_hash, or back to queued when that
// share left the best chain); changed = the entry exists.
struct SetOutboxState {
    crypto::Hash256 message_hash{};
    OutboxState state = OutboxState::embedded;
    std::optional<proto::ShareHash> share_hash;
    std::string detail;  // stored for state failed, cleared otherwise
};
// Keeps the newest `keep` outbox rows that are records only (embedded or failed) and deletes
// the older ones; queued rows are never touched. changed = a row was deleted.
struct TrimOutbox {
    std::size_t keep = 0;
};
// Inserts or updates (address, signing_id); first_seen and insertion order are kept.
struct PutSigningKey {
    SigningKeyRow row;
};
struct PutBan {
    Ban ban;
};
struct RemoveBan {
    Ban ban;
};
// Replaces the whole ban list (to match banned_senders.json at start-up).
struct ReplaceBans {
    std::vector<Ban> bans;
};
struct PutKeyState {
    KeyState state;
};

using Op = std::variant<PutMessage, UpdateMessage, DeleteMessage, QueueOutbox, SetOutboxState,
                        TrimOutbox, PutSigningKey, PutBan, RemoveBan, ReplaceBans, PutKeyState>;

struct Outcome {
    Status status = Ok{};  // an error means the op did NOT commit
    Failure failure = Failure::none;
    bool changed = false;

    bool ok() const { return status.ok(); }
    static Outcome fail(Failure f, std::string reason);
};

// Applies one op inside the caller's open transaction. SQLite's result code is left in
// db.last_rc(), so the caller can tell a failure of this op alone (constraint) from one that
// ends the transaction (is_fatal_for_transaction).
Outcome apply_op(Database& db, const Op& op);

// Conversions between proto::BanList and ban rows.
std::vector<Ban> bans_of(const proto::BanList& list);
void add_to(proto::BanList& list, const Ban& ban);

}  // namespace sharemsg::store
