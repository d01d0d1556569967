// Retrying something that may keep failing: an exponential backoff, and a circuit breaker that
// stops trying for a while after too many failures in a row. Both are pure: the caller passes
// the time (`now`, seconds on any clock it keeps to) and keeps the object under its own lock or
// thread.
#pragma once

#include <algorithm>
#include <cmath>

namespace sharemsg::util {

// The wait before retry number `attempt` (0 = the first retry): first · 2^attempt, at most max.
inline double backoff_delay(double first, double max, unsigned attempt) {
    return std::min(max, first * std::pow(2.0, std::min(attempt, 30u)));
}

// After `open_after` failures in a row the circuit opens and usable() is false for `cooldown`
// seconds; then one try is let through (half-open): its success closes the circuit, its failure
// opens it again. A refusal (the other side works, and said no) resets the count.
struct BreakerOptions {
    unsigned open_after = 5;  // failures in a row
    double cooldown = 300;    // seconds
};

class CircuitBreaker {
  public:
    enum class State { fresh, ok, refused, failing, open };
    using Options = BreakerOptions;

    explicit CircuitBreaker(Options o = {}) : o_(o) {}

    bool usable(double now) const { return state_ != State::open || now >= open_until_; }
    // A success; true when it was not working well before (new, refused, failing or open).
    bool succeeded(double now) {
        const bool recovered = state_ != State::ok;
        state_ = State::ok;
        failures_ = 0;
        last_ok_ = now;
        return recovered;
    }
    // A failure; true when this one opened the circuit.
    bool failed(double now) {
        ++failures_;
        if (failures_ < o_.open_after) {
            state_ = State::failing;
            return false;
        }
        const bool opened = state_ != State::open || now >= open_until_;
        state_ = State::open;
        open_until_ = now + o_.cooldown;
        return opened;
    }
    void refused() {
        failures_ = 0;
        state_ = State::refused;
    }

    State state() const { return state_; }
    unsigned failures() const { return failures_; }  // in a row
    double open_until() const { return open_until_; }
    double last_ok() const { return last_ok_; }

  private:
    Options o_;
    State state_ = State::fresh;
    unsigned failures_ = 0;
    double open_until_ = 0, last_ok_ = 0;
};

}  // namespace sharemsg::util
