// When a sender's queued messages can go out: a simulation of its next shares under the rules
// a receiver applies (docs/protocol.md §7 and §8), from the state its next share is judged
// against (ChainLedger::tip()). It answers "which of my next shares carries this entry?", so
// that a node can give an honest estimate, or refuse what cannot go out in time.
//
// It is an estimate: it assumes the sender's shares come every `share_interval` seconds, that a
// full window's first share moves forward in time as fast as the clock (shares keep coming at
// the rate they came), and that nothing else spends the sender's budget. Pure; no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "proto/open_ledger.hpp"

namespace sharemsg::proto::open {

// One entry of the queue, oldest first.
struct QueuedWeight {
    std::uint32_t mwu = 0;    // a whole message's weight, or the sum of its fragments' weights
    std::size_t bytes = 0;    // its size in message_data (all fragments together)
    std::uint8_t pieces = 1;  // > 1: fragments, one per share, started only when all fit
    // Whether it is charged to the sender's budget (an authority message is not: §8).
    bool charged = true;
};

// The weight of an entry before it is signed: a message of `wire_payload` bytes (a private
// one's encryption included), signed with a signature of the longest length, and split into
// fragments when one message cannot carry it.
QueuedWeight weight_of(std::uint8_t msg_type, std::size_t wire_payload, bool to_recipient);

struct ForecastParams {
    std::uint32_t now = 0;       // share time of the sender's next share
    double share_interval = 10;  // seconds between the sender's own shares (> 0)
    // The tip's window is full: its first share moves forward in time as shares come, and
    // what was earned or spent before it stops counting.
    bool window_full = false;
    std::uint32_t earns = FREE_MWU_ALLOWANCE;  // what each of the sender's shares earns it
    bool announce_first = false;               // the next share carries the sender's announcement
    std::size_t max_shares = 4096;             // shares simulated at most
};

// Why an entry does not go out in the sender's next share.
enum class Hold : std::uint8_t {
    none,          // it does: the next share carries it (or its next fragment)
    budget,        // the sender's MWU budget does not cover it yet
    share_limits,  // the next share is full (3 messages, 512 bytes, 1024 MWU)
    fragments,     // a message going out in fragments, one per share, is ahead of it
    behind,        // an entry ahead of it waits (order is kept)
};
const char* hold_name(Hold h);

struct Forecast {
    // The number (1 for the next) of the sender's share that carries the entry (its last
    // fragment for a fragmented one); nothing when not within max_shares.
    std::optional<std::size_t> share;
    Hold hold = Hold::none;
};

// One forecast per queue entry.
std::vector<Forecast> forecast_queue(const Ledger& tip, const AddressHash& sender,
                                     std::span<const QueuedWeight> queue, const ForecastParams& p);

}  // namespace sharemsg::proto::open
