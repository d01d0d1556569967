#include "node/sync_progress.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/fmt/fmt.h>

namespace sharemsg::node {

nlohmann::ordered_json SyncProgress::Snapshot::to_json() const {
    nlohmann::ordered_json j;
    j["state"] = state();
    j["shares_known"] = known;
    j["shares_needed"] = needed;
    j["shares_verified"] = verified;
    j["window"] = window;
    j["shares_per_second"] = std::round(rate * 10) / 10;
    return j;
}

SyncProgress::Snapshot SyncProgress::snapshot(std::optional<double> now) const {
    std::lock_guard lk(mutex_);
    Snapshot s = snap_;
    if (now && interval_start_ >= 0 && *now - interval_start_ >= 2 * INTERVAL)
        s.rate = static_cast<double>(interval_accepted_) / (*now - interval_start_);
    return s;
}

std::string SyncProgress::update(std::size_t known, std::size_t verified, bool reaches_first_share,
                                 std::size_t accepted, double now, double log_every) {
    std::string line;
    std::lock_guard lk(mutex_);
    if (interval_start_ < 0) interval_start_ = now;
    interval_accepted_ += accepted;
    const bool was = snap_.caught_up;
    snap_.known = std::min(known, snap_.needed);
    snap_.verified = std::min(verified, snap_.window);
    if (now - interval_start_ >= INTERVAL) {
        snap_.rate = static_cast<double>(interval_accepted_) / (now - interval_start_);
        interval_start_ = now;
        interval_accepted_ = 0;
    }
    // Once caught up, a node stays so: a reorganisation or a pruned window is followed live.
    snap_.caught_up = was || (verified > 0 && (verified >= snap_.window || reaches_first_share));
    if (snap_.caught_up && !was) {
        line = fmt::format("caught up: {} shares verified of a {}-share window; following",
                           snap_.verified, snap_.window);
    } else if (!snap_.caught_up && accepted > 0 &&
               (last_log_ < 0 || now - last_log_ >= log_every)) {
        line = fmt::format("catching up: {}/{} shares known, {} verified, {:.1f} shares/s",
                           snap_.known, snap_.needed, snap_.verified, snap_.rate);
        last_log_ = now;
    }
    return line;
}

}  // namespace sharemsg::node
