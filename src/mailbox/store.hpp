// The mailbox's storage behind one interface (docs/mailbox.md, "The mailbox server"): SQLite by
// default (a file in the data directory, created 0600, WAL, synchronous=FULL, so that a message
// answered 200 survives kill -9) or PostgreSQL (libpq). Both run the same SQL (sql_store.cpp) over
// the relay's connections (relay/sql.hpp), and the same tests (tests/unit/test_mailbox_store.cpp).
//
// The store knows nothing of the formats: a message is kept as the header's JSON text and the
// payload's bytes (the sealed ciphertext), so it never holds plaintext. One store serves one
// network (the node's). A store is used from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::mailbox {

using IdentityId = crypto::Hash160;  // HASH160 of a signing pubkey

struct Registration {
    IdentityId signing_id{};
    crypto::CompressedPubKey signing_pubkey{};
    crypto::Hash160 master_hash{};
    std::uint32_t key_index = 0;
    std::uint64_t registered = 0;  // when the mailbox took it (unix seconds)
    std::uint64_t expires = 0;
    bool operator==(const Registration&) const = default;
};

// A message as it is deposited and kept.
struct Deposit {
    IdentityId sender_id{};
    IdentityId receiver_id{};
    std::uint64_t received = 0;
    std::string header_json;  // the signed header, as sent
    Bytes payload;            // the sealed ciphertext
};

struct Kept {
    std::uint64_t id = 0;
    std::uint64_t received = 0;
    std::string header_json;
    Bytes payload;
    bool operator==(const Kept&) const = default;
};

struct Quota {
    std::uint64_t messages = 1000;
    std::uint64_t bytes = 16 * 1024 * 1024;  // payload bytes
};

// The receiver's mailbox: its lowest pending id (0 when none) and the highest id ever given.
struct BoxState {
    std::uint64_t lowest = 0;
    std::uint64_t highest = 0;
    bool operator==(const BoxState&) const = default;
};

struct Totals {
    std::uint64_t registered = 0;  // live registrations
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;  // payload bytes kept
};

struct Swept {
    std::uint64_t nonces = 0;
    std::uint64_t registrations = 0;
    std::uint64_t messages = 0;
};

class MailboxStore {
  public:
    virtual ~MailboxStore() = default;
    // "sqlite" or "postgresql".
    virtual const char* backend() const = 0;

    // Keeps the registration (the newest replaces the identity's older one; its mailbox's id
    // counter is created once and never reset).
    virtual Status put_registration(const Registration& r) = 0;
    // The identity's registration if it has not expired by `now`.
    virtual Result<std::optional<Registration>> registration(const IdentityId& id,
                                                             std::uint64_t now) = 0;

    // Keeps (sender, nonce) until `keep_until`; false when it is kept already (a replay).
    virtual Result<bool> use_nonce(const IdentityId& sender, const ByteArray<8>& nonce,
                                   std::uint64_t keep_until) = 0;

    // One transaction: takes the sender's nonce (replayed when used), checks the receiver's
    // quota (payload bytes and messages; quota_full), gives the receiver's next id and keeps
    // the message. Committed before it returns.
    enum class Outcome { stored, nonce_replayed, quota_full };
    struct Deposited {
        Outcome outcome = Outcome::stored;
        std::uint64_t id = 0;  // when stored
    };
    virtual Result<Deposited> deposit(const Deposit& d, const ByteArray<8>& nonce,
                                      std::uint64_t nonce_keep_until, const Quota& quota) = 0;
    // The receiver's message `id`, if it is still kept.
    virtual Result<std::optional<Kept>> get(const IdentityId& receiver, std::uint64_t id) = 0;
    // Deletes the receiver's messages with ids up to `id`: how many went.
    virtual Result<std::uint64_t> ack(const IdentityId& receiver, std::uint64_t id) = 0;
    virtual Result<BoxState> state(const IdentityId& receiver) = 0;

    // Deletes nonces kept until before `now`, registrations expired by `now`, and messages
    // received before `messages_before`.
    virtual Result<Swept> sweep(std::uint64_t now, std::uint64_t messages_before) = 0;
    virtual Result<Totals> totals(std::uint64_t now) = 0;
};

// `spec` empty: SQLite at `sqlite_path` (created 0600). "postgresql://..." or
// "postgres://...": a libpq connection URI. Creates the tables when they are missing.
Result<std::unique_ptr<MailboxStore>> open_mailbox_store(const std::string& spec,
                                                         const std::string& sqlite_path);

}  // namespace sharemsg::mailbox
