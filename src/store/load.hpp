// Reading the node's database: start-up loading and the API's queries. Every function takes
// a connection (normally a reader from Database::open_reader, one per thread) and returns
// rows decoded back into the protocol types, every field as it was written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/banlist.hpp"
#include "proto/message.hpp"
#include "store/database.hpp"
#include "store/ops.hpp"

namespace sharemsg::store {

struct StoredMessage {
    proto::ShareMessage message;
    crypto::Hash256 message_hash{};
    double received_at = 0;
};

// Every stored message in arrival order (oldest first), for rebuilding a MessageStore.
Result<std::vector<proto::ShareMessage>> load_messages(Database& db);
// Outbox entries in queue order (oldest first); all states when `state` is empty.
Result<std::vector<OutboxEntry>> load_outbox(
    Database& db, std::optional<OutboxState> state = OutboxState::queued);
// Signing keys in the order they were first registered.
Result<std::vector<SigningKeyRow>> load_signing_keys(Database& db);
// The key state row; empty when the node never had a signing key.
Result<std::optional<KeyState>> load_key_state(Database& db);
Result<std::vector<Ban>> load_bans(Database& db);
Result<proto::BanList> load_ban_list(Database& db, proto::ReferenceQuirks quirks = {});

struct RecentQuery {
    std::size_t limit = 50;
    std::optional<double> since;  // timestamp >= since
    std::optional<std::uint8_t> msg_type;
    std::optional<std::string> sender;  // sender_address
};

// Newest first by timestamp; equal timestamps newest arrival first. Uses the time, type+time
// or sender+time index.
Result<std::vector<StoredMessage>> recent(Database& db, const RecentQuery& q);
Result<std::optional<StoredMessage>> find_message(Database& db,
                                                  const crypto::Hash256& message_hash);
Result<std::int64_t> count_messages(Database& db);

}  // namespace sharemsg::store
