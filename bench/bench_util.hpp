// Helpers shared by the benchmark programs: fixture set-up that must not fail silently.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "proto/builders.hpp"
#include "util/result.hpp"

namespace sharemsg::bench {

// The reference vectors' public test authority A (its private key is published there).
inline constexpr const char* TEST_AUTHORITY_A_PRIVKEY =
    "35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5";
inline constexpr std::uint32_t NOW = 1700000000;

[[noreturn]] inline void die(const std::string& what) {
    std::fprintf(stderr, "benchmark set-up failed: %s\n", what.c_str());
    std::exit(1);
}

// The value of a set-up step, or exit with its error: a benchmark of a failed set-up
// would print meaningless figures.
template <class T>
T need(Result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error().to_string());
    return std::move(r).value();
}

// Three messages (chat, announcement, transition signal) with the authority flag, signed by
// `key`: the content of the benchmarks' 3-message authority envelope.
inline std::vector<proto::ShareMessage> signed_authority_messages(const crypto::PrivKey& key) {
    std::vector<proto::ShareMessage> messages;
    messages.push_back(proto::build_miner_message("pool maintenance at 12:00 UTC", NOW));
    messages.push_back(proto::build_pool_announcement("V36 is live; please upgrade", NOW + 1));
    proto::TransitionSignal t;
    t.from = "35";
    t.to = "36";
    t.message = "Upgrade to V36";
    t.urgency = "recommended";
    messages.push_back(need(proto::build_transition_signal(t, NOW + 2), "transition signal"));
    for (auto& m : messages) {
        m.flags |= proto::FLAG_PROTOCOL_AUTHORITY;
        proto::sign_message_with(m, key);
    }
    return messages;
}

}  // namespace sharemsg::bench
