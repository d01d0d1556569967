// Helpers of the MuSig2 session tests (test_musig_frame.cpp, test_musig_coordinator*.cpp):
// fixed signing keys, a group of coordinators on one LocalHub with a clock the test moves,
// and a listener that records what each coordinator reported.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/bip340.hpp"
#include "musig/coordinator.hpp"
#include "musig/local_hub.hpp"
#include "musig/musig.hpp"

namespace sharemsg::musig::test {

inline constexpr std::uint64_t T0 = 1700000000;

inline NetworkId test_network() {
    return NetworkId{0x6d, 0x75, 0x73, 0x69, 0x67, 0x74, 0x73, 0x74};
}

inline crypto::PrivKey key(std::size_t i) {
    auto sk = crypto::PrivKey::from_bytes(
        crypto::sha256(as_bytes("musig session test signer " + std::to_string(i))));
    EXPECT_TRUE(sk.ok());
    return *sk;
}

inline crypto::Hash256 test_message() {
    return crypto::sha256(as_bytes("EMERGENCY: co-signed alert"));
}

struct Recorder final : Listener {
    struct Ended {
        SessionId id{};
        bool completed = false;
        Signature signature{};
        AbortReason reason = AbortReason::cancelled;
        std::optional<std::size_t> blamed;
    };
    std::vector<Ended> ended;
    void completed(const SessionId& id, const Signature& sig) override {
        ended.push_back(Ended{id, true, sig, AbortReason::cancelled, std::nullopt});
    }
    void aborted(const SessionId& id, AbortReason r, std::optional<std::size_t> blamed) override {
        ended.push_back(Ended{id, false, Signature{}, r, blamed});
    }
};

// n coordinators (signer i has key(i)) attached to one hub, sharing the clock `now`.
struct Group {
    LocalHub hub;
    std::uint64_t now = T0;
    std::vector<crypto::PrivKey> sks;
    std::vector<PlainPubKey> pks;
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<std::unique_ptr<Coordinator>> cs;

    explicit Group(std::size_t n, CoordinatorOptions opt = default_options(),
                   std::size_t first_key = 0) {
        for (std::size_t i = 0; i < n; ++i)
            add(key(first_key + i), opt);
    }
    static CoordinatorOptions default_options() {
        CoordinatorOptions o;
        o.network_id = test_network();
        return o;
    }
    Coordinator& add(const crypto::PrivKey& sk, CoordinatorOptions opt) {
        sks.push_back(sk);
        pks.push_back(sk.pubkey());
        cs.push_back(
            std::make_unique<Coordinator>(opt, sk, hub.port(sk.pubkey()), [this] { return now; }));
        recorders.push_back(std::make_unique<Recorder>());
        cs.back()->set_listener(recorders.back().get());
        hub.attach(*cs.back());
        return *cs.back();
    }
    Coordinator& operator[](std::size_t i) { return *cs[i]; }

    // Signer 0 announces a session of every member over test_message(), expiring in an hour.
    SessionId create(std::size_t creator = 0) {
        const auto m = test_message();
        auto id = cs[creator]->create(pks, m, as_bytes("context"), now + 3600);
        EXPECT_TRUE(id.ok()) << (id ? "" : id.error().to_string());
        return id ? *id : SessionId{};
    }
    void join_all(const SessionId& id) {
        for (auto& c : cs) {
            auto r = c->join(id);
            EXPECT_TRUE(r.ok()) << (r ? "" : r.error().to_string());
        }
    }
    std::optional<SessionView> view(std::size_t i, const SessionId& id) { return cs[i]->get(id); }

    // The refusals logged by the hub, optionally only those to member `to`.
    std::vector<Refusal> refusals() const {
        std::vector<Refusal> out;
        for (const auto& d : hub.log())
            if (d.refusal) out.push_back(*d.refusal);
        return out;
    }
    std::size_t count(Problem p) const {
        std::size_t n = 0;
        for (const auto& r : refusals())
            n += r.problem == p;
        return n;
    }
};

// 0x02 || the x-only key: what crypto::schnorr_verify takes for a BIP340 x-only key.
inline PlainPubKey even_key(const XonlyPubKey& x) {
    PlainPubKey k{};
    k[0] = 0x02;
    std::copy(x.begin(), x.end(), k.begin() + 1);
    return k;
}

inline std::optional<FrameType> type_of(const Bytes& frame) {
    if (frame.size() < 2 || frame[1] < 1 || frame[1] > 4) return std::nullopt;
    return static_cast<FrameType>(frame[1]);
}

}  // namespace sharemsg::musig::test
