// The inbox's order (node/mail_client.hpp): each sender's messages enter the inbox in the order
// of their chain index, once. An opened message whose index is ahead of the one the inbox waits
// for from its sender is held (in the database) until the messages before it arrive; a gap is
// given up, and the held messages after it released, when it is older than `gap_timeout`
// seconds (since the oldest held message of that sender arrived) or when the held messages
// reach `window` indexes past it (the receiving chain keeps keys for that many skipped
// messages only, so the missing one could not open any more). A message that arrives after
// its gap was given up enters the inbox late rather than being lost.
//
// Each call runs inside the caller's transaction (MailDb::begin .. commit) and returns what
// entered the inbox, in inbox order; nothing is published before the commit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/mail_db.hpp"

namespace sharemsg::node {

struct Arrival {
    PubKey me{};
    PubKey from{};
    std::uint64_t index = 0;
    std::string text;
    std::uint64_t sent = 0;  // the header's timestamp
    std::string path;        // "direct" or "mailbox"
};

class InboxOrder {
  public:
    struct Options {
        std::uint64_t gap_timeout = 600;  // seconds
        std::uint64_t window = 64;        // mailbox::REORDER_WINDOW
    };
    InboxOrder(MailDb& db, Options o) : db_(db), o_(o) {}

    // An opened message (each (me, from, index) is opened once: the receiving chain refuses
    // repeats): into the inbox, or held.
    Result<std::vector<MailReceived>> take(const Arrival& a, std::uint64_t now);
    // Gives up the gaps that are too old, for every sender with held messages.
    Result<std::vector<MailReceived>> sweep(std::uint64_t now);

  private:
    // Releases what may go in for one sender: the run at `next`, then past each gap that is
    // given up.
    Status release(const PubKey& me, const PubKey& from, std::uint64_t now,
                   std::vector<MailReceived>& out);
    Result<MailReceived> enter(const PubKey& from, std::uint64_t index, std::string text,
                               std::uint64_t sent, std::string path, std::uint64_t now);

    MailDb& db_;
    Options o_;
};

}  // namespace sharemsg::node
