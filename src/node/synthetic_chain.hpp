// A chain of real-format shares on a made-up block template, for tests and benchmarks: the
// shares the node itself mines on the devnet and with --synthetic-mining (mine_share), each
// verified as a peer's share is (verify_share) and added to a tracker of its own, so the next
// share is built on what the chain demands (its difficulty, its payouts).
//
// Timestamps are the caller's: a chain made "in the past" (a share every SHARE_PERIOD seconds
// up to now) keeps the pool's target where an honest pool at that pace would have it.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "chain/tracker.hpp"
#include "node/network.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class SyntheticChain {
  public:
    SyntheticChain(Network net, std::uint64_t seed);

    // Mines the next share on the tip, paying `pubkey_hash`, carrying `message_data`, dated
    // `timestamp` (raised to a second after the tip's). The clock for the future-timestamp
    // rule is the share's own time.
    Result<p2p::WrappedShare> next(std::uint32_t timestamp, const ByteArray<20>& pubkey_hash,
                                   const Bytes& message_data = {});
    // `count` shares, `spacing` seconds apart, the last one dated `last_timestamp`, paying the
    // payees in turn.
    Result<std::vector<p2p::WrappedShare>> extend(std::size_t count, std::uint32_t last_timestamp,
                                                  std::uint32_t spacing,
                                                  const std::vector<ByteArray<20>>& payees);

    const chain::ShareTracker& tracker() const { return tracker_; }
    const std::optional<ShareView>& tip() const { return tip_; }
    const Network& network() const { return net_; }

  private:
    Network net_;
    chain::ShareTracker tracker_;
    std::optional<ShareView> tip_;
    std::mt19937_64 rng_;
};

}  // namespace sharemsg::node
