// The node's signing keys and their files in the data directory: the key in use, the keys it
// used before a rotation, the key's bound announcement (open profile) and the key state of
// seed 000 §5.4.
//
// Files (all mode 0600):
//   signing_key.secret      the key installed by /msg/rotate_key: {"wif", "key_index",
//                           "delegation"}; used at start when its index is the highest
//   signing_key.secret.new  a rotation whose database row is being written (same layout);
//                           at start it is completed when the database holds its key state,
//                           and removed otherwise
//   signing_keys.json       every key the node has used, to read private messages of earlier
//                           keys
//   signing_key.json        the key state (a mirror of the database row, which is the truth)
//
// A rotation is durable before it takes effect: begin_rotation() writes the new key to
// signing_key.secret.new (synced, directory synced); the caller commits the returned key
// state to the database; finish_rotation(committed) then either renames the file over
// signing_key.secret and switches keys, or removes it and keeps the old key. One rotation at
// a time.
//
// Thread-safety: the readers (has_key, key, signing_id, announcement, snapshot, key_for) may
// be called from any thread; they take an internal mutex and return copies. The changers
// (start, begin_rotation, finish_rotation, count_signed) and the file writes run on one
// thread at a time: start-up, then the chain thread.
#pragma once

#include <cstdint>
#include <istream>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"
#include "store/ops.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

// What the node's network says about keys.
struct KeyNetwork {
    bool open_profile = false;  // keys are bound to payout addresses by delegations
    proto::open::NetworkId network_id{};
    std::uint8_t address_version = 0;
};

class SigningKeys {
  public:
    SigningKeys(std::string datadir, KeyNetwork net);

    // A key given by the operator (--signing-key, --signing-key-file or the config file).
    struct Configured {
        std::string wif;
        std::uint32_t key_index = 0;
        std::string delegation;  // hex; empty: none
    };
    struct Started {
        store::KeyState state;  // to commit to the database (then save_state_file())
        // The delegation's master address, when the payout was adopted from it.
        std::optional<ByteArray<20>> adopted_payout;
    };
    // Chooses the key at start: `configured` or signing_key.secret, the higher index winning
    // (a pending rotation is settled first, see above). A key below the index of `db_state`
    // is refused, as is another key with the same index. On the open profile the key is bound
    // to `payout` by its delegation; with adopt_payout (no --address) the delegation's master
    // address becomes the payout. Nothing when there is no key (messaging is off).
    Result<std::optional<Started>> start(const std::optional<Configured>& configured,
                                         const std::optional<store::KeyState>& db_state,
                                         const ByteArray<20>& payout, bool adopt_payout,
                                         double now);

    // Why a rotation was refused.
    enum class Refusal {
        bad_key,             // the WIF does not decode to a key
        index_not_higher,    // the index is not above the one in use
        missing_delegation,  // the open profile needs the new key's delegation
        bad_delegation,      // it does not parse, verify, or pay this node's address
        in_progress,         // another rotation is being saved
        not_stored,          // the new key could not be written to the data directory
    };
    struct Refused {
        Refusal why;
        std::string detail;
    };
    struct Pending {
        store::KeyState state;  // to commit to the database, then finish_rotation()
        proto::SigningId signing_id{};
        std::optional<proto::SigningId> previous;
    };
    std::variant<Pending, Refused> begin_rotation(const std::string& wif, std::uint32_t key_index,
                                                  const std::string& delegation,
                                                  const ByteArray<20>& payout, double now);
    // Ends the pending rotation: committed, the new key is in use (the state file written);
    // otherwise the old key stays. Returns a key state to save when messages were counted
    // while the rotation was pending (count_signed wrote nothing meanwhile).
    std::optional<store::KeyState> finish_rotation(bool committed);

    // Counts messages signed with the current key; returns the state to save, or nothing
    // while a rotation is pending (finish_rotation returns it then) or without a key.
    std::optional<store::KeyState> count_signed(std::size_t n);
    // Writes signing_key.json from the current state (nothing without a key).
    void save_state_file() const;

    bool has_key() const;
    std::optional<proto::DerivedSigningKey> key() const;
    std::optional<proto::SigningId> signing_id() const;
    std::optional<proto::open::BoundAnnouncement> announcement() const;
    struct Snapshot {
        std::optional<proto::DerivedSigningKey> key;
        std::optional<store::KeyState> state;
    };
    Snapshot snapshot() const;
    // The node's key (current or retired) that is a party to private message `m`, if any.
    std::optional<proto::DerivedSigningKey> key_for(const proto::ShareMessage& m) const;

  private:
    struct Bound {
        std::optional<proto::open::BoundAnnouncement> announcement;
        std::optional<ByteArray<20>> adopted_payout;
    };
    Result<Bound> bind(const proto::DerivedSigningKey& key, const std::string& delegation_hex,
                       const ByteArray<20>& payout, bool adopt_payout) const;
    // Adds a key to signing_keys.json; returns the others listed there.
    Result<std::vector<proto::DerivedSigningKey>> remember(const std::string& wif,
                                                           std::uint32_t key_index) const;
    // A pending rotation left by a stopped node: completed or removed.
    void settle_pending(const std::optional<store::KeyState>& db_state) const;
    std::string path(const char* name) const;

    std::string datadir_;
    KeyNetwork net_;

    mutable std::mutex mu_;  // the members below
    std::optional<proto::DerivedSigningKey> key_;
    std::vector<proto::DerivedSigningKey> retired_;
    std::optional<proto::open::BoundAnnouncement> announcement_;
    std::optional<store::KeyState> state_;
    struct Rotation {
        proto::DerivedSigningKey key;
        std::optional<proto::open::BoundAnnouncement> announcement;
        store::KeyState state;
    };
    std::optional<Rotation> pending_;
    bool counted_while_pending_ = false;
};

// Reads a signing key (a WIF, the first line) for --signing-key-file: from `in` when `path`
// is "-", otherwise from the file, which must not be readable or writable by group or
// others (as ssh does with private keys).
Result<std::string> read_signing_key_file(const std::string& path, std::istream& in);

}  // namespace sharemsg::node
