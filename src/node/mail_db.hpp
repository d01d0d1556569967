// The node's mail state in <datadir>/mail.sqlite (node/mail_client.hpp): one SQLite file
// (created 0600, WAL, synchronous=FULL) through the relay's SQL connection (relay/sql.hpp).
// Keys, links, chain states and texts are kept as hex, so any byte survives the text columns.
//
// Tables:
//   send_chain(me, peer, idx, link)          our sending chain towards `peer`: its current link
//   recv_chain(me, peer, state)              the receiving chain from `peer` (ReceiveChain bytes)
//   inbox_order(me, peer, next)              the next index of `peer` the inbox waits for
//   held(me, peer, idx, text, sent, arrived, path)  opened messages ahead of `next`
//   inbox(id, peer, idx, text, sent, received, path)
//   outbox(id, peer, idx, text, created, state, last_error, request, tries, next_try)
//   meta(k, v)                               small values (the mailbox's fetch watermark)
// `me` is this node's signing pubkey: a new signing key starts new chains.
//
// One thread at a time (MailService holds its lock around every use). Callers group changes
// that belong together between begin() and commit().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "node/mail_client.hpp"
#include "relay/sql.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

using PubKey = crypto::CompressedPubKey;

struct SendChainRow {
    std::uint64_t index = 0;
    ByteArray<32> link{};
};

// An opened message waiting for the ones before it.
struct HeldRow {
    std::uint64_t index = 0;
    std::string text;
    std::uint64_t sent = 0;
    std::uint64_t arrived = 0;
    std::string path;
};

// An outbox row and what its delivery needs.
struct OutboxRow {
    MailSent sent;
    std::string request;  // the Request JSON (mailbox/codec.hpp) as last signed
    std::uint32_t tries = 0;
    std::uint64_t next_try = 0;  // unix seconds
};

class MailDb {
  public:
    static Result<std::unique_ptr<MailDb>> open(const std::string& path);

    Status begin();
    Status commit();
    void rollback();

    Result<std::optional<SendChainRow>> send_chain(const PubKey& me, const PubKey& peer);
    Status put_send_chain(const PubKey& me, const PubKey& peer, const SendChainRow& row);
    Result<std::optional<Bytes>> recv_chain(const PubKey& me, const PubKey& peer);
    Status put_recv_chain(const PubKey& me, const PubKey& peer, ByteView state);

    Result<std::uint64_t> next_expected(const PubKey& me, const PubKey& peer);
    Status set_next_expected(const PubKey& me, const PubKey& peer, std::uint64_t next);
    Status add_held(const PubKey& me, const PubKey& peer, const HeldRow& row);
    // The held rows from `peer`, by index.
    Result<std::vector<HeldRow>> held(const PubKey& me, const PubKey& peer);
    Status drop_held(const PubKey& me, const PubKey& peer, std::uint64_t index);
    // The senders with held rows.
    Result<std::vector<std::pair<PubKey, PubKey>>> held_senders();

    // Appends to the inbox; returns the row with its id. inbox, read, inbox_count and outbox
    // list text mail only: application frames (node/mail_client.hpp) are kept for the order
    // of their sender's chain, not shown.
    Result<MailReceived> add_inbox(MailReceived m);
    Result<std::vector<MailReceived>> inbox(std::uint64_t after, std::size_t limit);
    Result<std::optional<MailReceived>> read(std::uint64_t id);
    Result<std::uint64_t> inbox_count();

    // Appends to the outbox; returns the row's id.
    Result<std::uint64_t> add_outbox(const OutboxRow& row);
    Status update_outbox(const OutboxRow& row);
    Result<std::optional<OutboxRow>> outbox_row(std::uint64_t id);
    // Queued rows due at `now`, oldest first.
    Result<std::vector<OutboxRow>> due(std::uint64_t now, std::size_t limit);
    // The soonest next_try of a queued row.
    Result<std::optional<std::uint64_t>> next_due();
    Result<std::vector<MailSent>> outbox(std::size_t limit);
    Result<std::uint64_t> queued_count();

    Result<std::optional<std::string>> meta(const std::string& key);
    Status set_meta(const std::string& key, const std::string& value);

  private:
    explicit MailDb(std::unique_ptr<relay::SqlConn> c) : conn_(std::move(c)) {}
    Result<std::vector<relay::SqlRow>> q(std::string_view sql,
                                         const std::vector<relay::SqlParam>& p);
    Status c(std::string_view sql, const std::vector<relay::SqlParam>& p);

    std::unique_ptr<relay::SqlConn> conn_;
};

}  // namespace sharemsg::node
