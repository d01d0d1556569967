#include "relay/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sharemsg::relay {

bool RateLimiter::take(const std::string& key, double now, unsigned& retry_after) {
    std::lock_guard lk(mu_);
    const double cap = per_minute_, rate = per_minute_ / 60.0;
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) shrink(now);
        it = buckets_.emplace(key, Bucket{cap, now}).first;
    }
    Bucket& b = it->second;
    if (now > b.at) b.tokens = std::min(cap, b.tokens + (now - b.at) * rate);
    b.at = std::max(b.at, now);
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return true;
    }
    retry_after = rate > 0 ? static_cast<unsigned>(std::ceil((1 - b.tokens) / rate)) : 60;
    retry_after = std::max(retry_after, 1u);
    return false;
}

std::size_t RateLimiter::keys() const {
    std::lock_guard lk(mu_);
    return buckets_.size();
}

void RateLimiter::shrink(double now) {
    const double rate = per_minute_ / 60.0;
    std::erase_if(buckets_, [&](const auto& kv) {
        return kv.second.tokens + (now - kv.second.at) * rate >= per_minute_;
    });
    if (buckets_.size() < max_keys_) return;
    std::vector<double> times;
    times.reserve(buckets_.size());
    for (const auto& kv : buckets_)
        times.push_back(kv.second.at);
    auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
    std::nth_element(times.begin(), mid, times.end());
    const double cut = *mid;
    std::erase_if(buckets_, [&](const auto& kv) { return kv.second.at <= cut; });
}

}  // namespace sharemsg::relay
