// Catching up with a sharechain: how much of the window the node has, how much of it is
// verified, and how fast shares arrive. Updated by the chain thread after each batch of shares;
// read by any thread (/health, the dashboard, /metrics) as a snapshot.
//
//   known     shares on the chain with the most work (verified or not), from its tip back,
//             at most `needed`
//   needed    what a full verified window takes: the window (CHAIN_LENGTH shares) and, below
//             its oldest share, the shares that share's checks read (the node's needed_shares)
//   verified  shares on the best verified chain, at most the window
//   rate      shares accepted per second over the last measuring interval (5 s); read at a
//             time `now` when no batch has closed an interval for 10 s, it is the rate since
//             the open interval began, so it falls toward 0 while nothing arrives
//   state     catching_up until the verified chain spans the window or reaches the chain's
//             first share; following after that
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sharemsg::node {

class SyncProgress {
  public:
    struct Snapshot {
        std::size_t known = 0;
        std::size_t needed = 0;
        std::size_t verified = 0;
        std::size_t window = 0;
        double rate = 0;  // shares accepted per second
        bool caught_up = false;
        const char* state() const { return caught_up ? "following" : "catching_up"; }
        nlohmann::ordered_json to_json() const;
    };

    SyncProgress(std::size_t window, std::size_t needed) {
        snap_.window = window;
        snap_.needed = needed;
    }

    // After a batch (chain thread): the chain's figures and the shares it accepted, at `now`
    // (seconds). Returns a line to log when one is due: every `log_every` seconds while
    // catching up, and once when caught up.
    std::string update(std::size_t known, std::size_t verified, bool reaches_first_share,
                       std::size_t accepted, double now, double log_every = 10);

    // The figures as of the last batch; with `now` (seconds), the rate as of `now` (above).
    Snapshot snapshot(std::optional<double> now = std::nullopt) const;

  private:
    static constexpr double INTERVAL = 5;  // seconds over which the rate is measured

    mutable std::mutex mutex_;
    Snapshot snap_;
    // The current measuring interval.
    double interval_start_ = -1;
    std::size_t interval_accepted_ = 0;
    double last_log_ = -1;
};

}  // namespace sharemsg::node
