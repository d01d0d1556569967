// Decoding and verifying a share's message_data: the V36 rule's cost per share.
//
// One envelope is built at start-up the way an authority would publish it: three messages
// (miner message, pool announcement, transition signal) with FLAG_PROTOCOL_AUTHORITY, each
// signed by test authority A, plus a 57-byte signing-key announcement, packed with
// pack_share_messages for the authority set {A}.
//
//   BM_DecodeOnly             unpack_share_messages: MAC check, decrypt, parse (no ECDSA)
//   BM_DecodeVerify           check_v36_message_data: the above plus three signature checks
//   BM_RawEcdsaVerify         crypto::ecdsa_verify_der on one message hash (DER and key parsing
//                             included) -- the floor for one signature check
//   BM_RawEcdsaVerifyNormalized  the same through the S-normalizing path the V36 rule uses
//   BM_Secp256k1Verify        libsecp256k1's secp256k1_ecdsa_verify on a pre-parsed key and
//                             signature -- the physical floor
//   BM_DecodeVerifyVsSecp256k1  DecodeVerify and three BM_Secp256k1Verify calls timed in
//                             turn in one loop; vs_floor = their time ratio (load-proof)
//   BM_MessageUnpack          proto::unpack_message of one packed message
//   BM_MessageHash            ShareMessage::hash (SHA256d of the signed fields)
//
// items_per_second counts envelopes for the envelope benchmarks and operations otherwise;
// "msgs/s" counts messages, so DecodeVerify's msgs/s against BM_RawEcdsaVerify's items/s
// shows how close the rule runs to the cost of the signatures alone.
#include <benchmark/benchmark.h>
#include <secp256k1.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"
#include "proto/message.hpp"
#include "proto/signing_key.hpp"

#include "bench_util.hpp"

using namespace sharemsg;

namespace {

using bench::die;
using bench::need;
using bench::NOW;
constexpr const char* A_PRIVKEY = bench::TEST_AUTHORITY_A_PRIVKEY;

struct Fixture {
    proto::AuthoritySet authorities;
    Bytes envelope;
    std::vector<proto::ShareMessage> messages;  // as signed
    Bytes packed_message;                       // messages[0] as on the wire
    crypto::Hash256 digest{};                   // messages[0].hash()

    Fixture() {
        auto a = need(crypto::PrivKey::from_bytes(need(from_hex(A_PRIVKEY), "A key hex")), "A key");
        authorities.push_back(proto::Authority{a.pubkey(), "test authority A"});

        messages = bench::signed_authority_messages(a);

        const Bytes master(32, 0x42);
        auto key = need(proto::DerivedSigningKey::derive(master, 0), "derived key");
        const Bytes announcement = key.announcement().pack();
        if (announcement.size() != proto::SIGNING_KEY_ANNOUNCEMENT_SIZE)
            die("announcement is not 57 bytes");

        proto::Nonce16 nonce{};
        for (std::size_t i = 0; i < nonce.size(); ++i)
            nonce[i] = static_cast<std::uint8_t>(i);
        auto to_pack = messages;
        envelope = need(proto::pack_share_messages(to_pack, announcement, nonce, authorities),
                        "pack_share_messages");

        // Sanity: the envelope is what the benchmarks claim it is.
        auto un = proto::unpack_share_messages(envelope, authorities);
        if (un.messages.size() != 3 || !un.info || !un.info->announcement)
            die("envelope does not decode to 3+1");
        auto v = proto::check_v36_message_data(envelope, authorities);
        if (v.rule != proto::V36Rule::ok) die("envelope fails the V36 rule: " + v.reason);

        proto::ShareMessage wire = messages[0];
        packed_message = need(proto::pack_message(wire), "pack_message");
        digest = messages[0].hash();
        if (!crypto::ecdsa_verify_der(authorities[0].pubkey, digest, messages[0].signature))
            die("message 0 does not verify");
    }
};

const Fixture& fixture() {
    static const Fixture f;  // built once, before the first timed loop
    return f;
}

void rates(benchmark::State& state, double messages_per_iteration) {
    state.SetItemsProcessed(state.iterations());
    state.counters["msgs/s"] =
        benchmark::Counter(messages_per_iteration * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate);
}

void BM_DecodeOnly(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        auto un = proto::unpack_share_messages(f.envelope, f.authorities);
        benchmark::DoNotOptimize(un);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.envelope.size()));
    rates(state, 3);
}
BENCHMARK(BM_DecodeOnly);

void BM_DecodeVerify(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        auto v = proto::check_v36_message_data(f.envelope, f.authorities);
        if (v.rule != proto::V36Rule::ok) state.SkipWithError("V36 rule failed");
        benchmark::DoNotOptimize(v);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.envelope.size()));
    rates(state, 3);
}
BENCHMARK(BM_DecodeVerify);

// Decode+verify of the envelope and three libsecp256k1 verifications on pre-parsed inputs,
// timed alternately in the same loop so that a loaded machine slows both alike. Its counter
// `vs_floor` is the rate of decode+verify as a fraction of the raw verify rate (1.0: the rule
// costs its three signature checks and nothing more); `floor_us` and `rule_us` are the two
// per-envelope times. The benchmark's own time is the sum of both.
void BM_DecodeVerifyVsSecp256k1(benchmark::State& state) {
    using clock = std::chrono::steady_clock;
    const auto& f = fixture();
    const secp256k1_context* ctx = secp256k1_context_static;
    secp256k1_pubkey pub;
    secp256k1_ecdsa_signature sigs[3];
    crypto::Hash256 digests[3];
    if (!secp256k1_ec_pubkey_parse(ctx, &pub, f.authorities[0].pubkey.data(),
                                   f.authorities[0].pubkey.size())) {
        state.SkipWithError("parse failed");
        return;
    }
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& der = f.messages[i].signature;
        digests[i] = f.messages[i].hash();
        if (!secp256k1_ecdsa_signature_parse_der(ctx, &sigs[i], der.data(), der.size())) {
            state.SkipWithError("parse failed");
            return;
        }
        secp256k1_ecdsa_signature_normalize(ctx, &sigs[i], &sigs[i]);
    }
    clock::duration rule{}, floor{};
    for (auto _ : state) {
        const auto t0 = clock::now();
        auto v = proto::check_v36_message_data(f.envelope, f.authorities);
        const auto t1 = clock::now();
        int ok = 1;
        for (std::size_t i = 0; i < 3; ++i)
            ok &= secp256k1_ecdsa_verify(ctx, &sigs[i], digests[i].data(), &pub);
        const auto t2 = clock::now();
        if (v.rule != proto::V36Rule::ok || !ok) state.SkipWithError("verification failed");
        benchmark::DoNotOptimize(v);
        rule += t1 - t0;
        floor += t2 - t1;
    }
    const double n = static_cast<double>(state.iterations());
    const double rule_us = std::chrono::duration<double, std::micro>(rule).count() / n;
    const double floor_us = std::chrono::duration<double, std::micro>(floor).count() / n;
    state.counters["rule_us"] = rule_us;
    state.counters["floor_us"] = floor_us;
    state.counters["vs_floor"] = floor_us / rule_us;
}
BENCHMARK(BM_DecodeVerifyVsSecp256k1);

void BM_RawEcdsaVerify(benchmark::State& state) {
    const auto& f = fixture();
    const auto& pub = f.authorities[0].pubkey;
    const auto& sig = f.messages[0].signature;
    for (auto _ : state) {
        bool ok = crypto::ecdsa_verify_der(pub, f.digest, sig);
        benchmark::DoNotOptimize(ok);
    }
    rates(state, 1);
}
BENCHMARK(BM_RawEcdsaVerify);

void BM_RawEcdsaVerifyNormalized(benchmark::State& state) {
    const auto& f = fixture();
    const auto& pub = f.authorities[0].pubkey;
    const auto& sig = f.messages[0].signature;
    for (auto _ : state) {
        bool ok = crypto::ecdsa_verify_der_normalized(pub, f.digest, sig);
        benchmark::DoNotOptimize(ok);
    }
    rates(state, 1);
}
BENCHMARK(BM_RawEcdsaVerifyNormalized);

void BM_Secp256k1Verify(benchmark::State& state) {
    const auto& f = fixture();
    const secp256k1_context* ctx = secp256k1_context_static;
    secp256k1_pubkey pub;
    secp256k1_ecdsa_signature sig;
    const auto& der = f.messages[0].signature;
    if (!secp256k1_ec_pubkey_parse(ctx, &pub, f.authorities[0].pubkey.data(),
                                   f.authorities[0].pubkey.size()) ||
        !secp256k1_ecdsa_signature_parse_der(ctx, &sig, der.data(), der.size())) {
        state.SkipWithError("parse failed");
        return;
    }
    for (auto _ : state) {
        int ok = secp256k1_ecdsa_verify(ctx, &sig, f.digest.data(), &pub);
        benchmark::DoNotOptimize(ok);
    }
    rates(state, 1);
}
BENCHMARK(BM_Secp256k1Verify);

void BM_MessageUnpack(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        auto r = proto::unpack_message(f.packed_message, 0);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(state.iterations() *
                            static_cast<std::int64_t>(f.packed_message.size()));
    rates(state, 1);
}
BENCHMARK(BM_MessageUnpack);

void BM_MessageHash(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        auto h = f.messages[0].hash();
        benchmark::DoNotOptimize(h);
    }
    rates(state, 1);
}
BENCHMARK(BM_MessageHash);

}  // namespace

BENCHMARK_MAIN();
