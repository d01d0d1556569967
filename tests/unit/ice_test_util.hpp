// Test helpers for ICE sessions (src/ice), shared by tests/unit/test_ice.cpp and
// tests/integration/test_nat_ice.cpp: a session with everything its callbacks reported, and the
// exchange of descriptions between two of them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "ice/description.hpp"
#include "ice/ice_thread.hpp"
#include "ice/session.hpp"

namespace icetest {

using namespace sharemsg;
using namespace sharemsg::ice;
using namespace std::chrono_literals;

// One session and everything its callbacks reported.
struct Peer {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Description> gathered;
    std::optional<Selected> ready;
    std::optional<IceError> failed;
    Bytes received;
    bool closed = false;  // set by the test right after close()
    int after_close = 0;  // callbacks that arrived after close()
    std::unique_ptr<IceSession> session;

    Peer(IceThread& t, IceOptions o) {
        IceCallbacks cb;
        cb.gathered = [this](const Description& d) { note([&] { gathered = d; }); };
        cb.ready = [this](const Selected& s) { note([&] { ready = s; }); };
        cb.data = [this](ByteView b) {
            note([&] { received.insert(received.end(), b.begin(), b.end()); });
        };
        cb.failed = [this](IceError e) { note([&] { failed = e; }); };
        session = std::make_unique<IceSession>(t, std::move(o), std::move(cb));
    }

    template <typename F>
    void note(F&& f) {
        std::lock_guard lock(mu);
        if (closed) ++after_close;
        f();
        cv.notify_all();
    }

    template <typename P>
    bool wait(P pred, std::chrono::milliseconds timeout = 20s) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, timeout, pred);
    }

    void close() {
        session->close();
        std::lock_guard lock(mu);
        closed = true;
    }
};

inline Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>((i * 131 + seed + i / 251) & 0xff);
    return b;
}

// Waits for both to gather, exchanges their descriptions, and waits until both are ready or
// one failed (the caller checks which).
inline void exchange(Peer& a, Peer& b, std::chrono::milliseconds timeout = 20s) {
    ASSERT_TRUE(a.wait([&] { return a.gathered || a.failed; }, timeout));
    ASSERT_TRUE(b.wait([&] { return b.gathered || b.failed; }, timeout));
    ASSERT_TRUE(a.gathered && b.gathered)
        << (a.failed ? error_name(*a.failed) : "") << (b.failed ? error_name(*b.failed) : "");
    for (const auto* p : {&a, &b})
        for (const auto& line : p->gathered->candidates)
            EXPECT_FALSE(parse_candidate(line).problem) << line;
    EXPECT_EQ(a.session->set_remote(*b.gathered), std::nullopt);
    EXPECT_EQ(b.session->set_remote(*a.gathered), std::nullopt);
    ASSERT_TRUE(a.wait([&] { return a.ready || a.failed; }, timeout));
    ASSERT_TRUE(b.wait([&] { return b.ready || b.failed; }, timeout));
}

}  // namespace icetest
