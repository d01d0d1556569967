// Requests per minute per key (a source address, an identity): a token bucket per key that
// holds `per_minute` tokens and refills at per_minute / 60 a second. Thread-safe. The table is
// bounded: past `max_keys` keys, those whose buckets are full again (idle a minute) are
// forgotten; if none is, the least recently used half goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sharemsg::relay {

class RateLimiter {
  public:
    explicit RateLimiter(unsigned per_minute, std::size_t max_keys = 65536)
        : per_minute_(per_minute), max_keys_(max_keys) {}

    // Takes one token of `key` at time `now` (seconds). false when none is left; then
    // `retry_after` is the whole seconds until one is (at least 1).
    bool take(const std::string& key, double now, unsigned& retry_after);
    std::size_t keys() const;
    unsigned per_minute() const { return per_minute_; }

  private:
    struct Bucket {
        double tokens = 0;
        double at = 0;  // when `tokens` was computed
    };
    void shrink(double now);

    mutable std::mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_;
    unsigned per_minute_;
    std::size_t max_keys_;
};

}  // namespace sharemsg::relay
