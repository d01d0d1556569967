// Ingesting shares: what a node does with each share a peer sends, up to (not including)
// the tracker and the store.
//
//   decode      unpack the P2P wrapper {type, contents} and the V36 share_type
//   PoW binding verify_share_pow: ref_hash (with message_data), hash link, merkle link,
//               header, PoW hash, the target rules
//   messages    proto::check_v36_message_data on message_data (the V36 network rule:
//               decrypt + parse + one ECDSA verify per message)
//
// Shares are built once with chain::build_devnet_share, each carrying the same authority
// envelope as bench_envelope (3 authority-signed messages + a 57-byte announcement):
//   devnet  sha256d at the devnet target (~2^252)
//   scrypt  the same parameters with Litecoin's PoW function (scrypt N=1024, r=1, p=1), so
//           a share costs one scrypt on ingest exactly as on Litecoin; the target is trivial
//           only so that building the fixture takes ~16 scrypt hashes instead of ~2^20.
//
//   BM_Ingest/<net>/<msgs>      decode + PoW binding + messages; items_per_second = shares/s
//   BM_DecodeShare/<net>        decode only
//   BM_VerifyPow/<net>          verify_share_pow only
//   BM_ScryptHeader             one scrypt_1024_1_1 of an 80-byte header (the scrypt floor)
//   BM_Sha256dHeader            one sha256d of an 80-byte header
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "chain/devnet.hpp"
#include "chain/pow.hpp"
#include "chain/share.hpp"
#include "crypto/secp256k1.hpp"
#include "p2p/params.hpp"
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

struct Net {
    chain::PowParams params;
    Bytes wire_with_messages;  // pack_versioned_share bytes
    Bytes wire_without;
};

struct Fixture {
    proto::AuthoritySet authorities;
    Bytes envelope;
    Net devnet;
    Net scrypt;

    Fixture() {
        auto a = need(crypto::PrivKey::from_bytes(need(from_hex(A_PRIVKEY), "A key hex")), "A key");
        authorities.push_back(proto::Authority{a.pubkey(), "test authority A"});
        std::vector<proto::ShareMessage> messages;
        messages = bench::signed_authority_messages(a);
        auto key = need(proto::DerivedSigningKey::derive(Bytes(32, 0x42), 0), "derived key");
        proto::Nonce16 nonce{};
        for (std::size_t i = 0; i < nonce.size(); ++i)
            nonce[i] = static_cast<std::uint8_t>(i);
        envelope = need(
            proto::pack_share_messages(messages, key.announcement().pack(), nonce, authorities),
            "pack_share_messages");
        if (proto::check_v36_message_data(envelope, authorities).rule != proto::V36Rule::ok)
            die("envelope fails the V36 rule");

        devnet = make_net(p2p::DEVNET_POW);
        chain::PowParams sp = p2p::DEVNET_POW;
        sp.pow = chain::PowFunc::scrypt;
        scrypt = make_net(sp);
    }

    Net make_net(const chain::PowParams& params) const {
        Net n{params, {}, {}};
        chain::DevnetShareSpec spec;
        spec.pubkey_hash.fill(0x42);
        spec.timestamp = NOW;
        spec.share_nonce = 1;
        spec.last_txout_nonce = 2;
        spec.previous =
            chain::DevnetParent{crypto::sha256d(as_bytes("parent")), 100, 1600, NOW - 10};
        spec.message_data = envelope;
        auto with = need(chain::build_devnet_share(params, spec), "build share");
        n.wire_with_messages =
            chain::pack_versioned_share(need(chain::wrap_share(with.share), "wrap"));
        spec.message_data.reset();
        auto without = need(chain::build_devnet_share(params, spec), "build share");
        n.wire_without =
            chain::pack_versioned_share(need(chain::wrap_share(without.share), "wrap"));
        return n;
    }
};

const Fixture& fixture() {
    static const Fixture f;
    return f;
}

const Net& net_of(const benchmark::State& state) {
    return state.range(0) == 0 ? fixture().devnet : fixture().scrypt;
}

// One share, as a node ingests it. Returns false when any step fails.
bool ingest(const Net& n, ByteView wire, const proto::AuthoritySet& authorities) {
    auto v = chain::unpack_versioned_share(wire);
    if (!v) return false;
    auto share = chain::decode_share(*v);
    if (!share) return false;
    auto pow = chain::verify_share_pow(n.params, *share);
    if (!pow) return false;
    if (share->message_data) {
        auto verdict = proto::check_v36_message_data(*share->message_data, authorities);
        if (!verdict.valid()) return false;
        benchmark::DoNotOptimize(verdict);
    }
    benchmark::DoNotOptimize(pow);
    return true;
}

void BM_Ingest(benchmark::State& state) {
    const auto& f = fixture();
    const Net& n = net_of(state);
    const Bytes& wire = state.range(1) != 0 ? n.wire_with_messages : n.wire_without;
    for (auto _ : state) {
        if (!ingest(n, wire, f.authorities)) {
            state.SkipWithError("a share failed to ingest");
            return;
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
    state.SetLabel(std::string(state.range(0) == 0 ? "devnet sha256d" : "scrypt") +
                   (state.range(1) != 0 ? ", 3 authority messages" : ", no message_data"));
}
BENCHMARK(BM_Ingest)->ArgNames({"scrypt", "msgs"})->ArgsProduct({{0, 1}, {0, 1}});

void BM_DecodeShare(benchmark::State& state) {
    const Net& n = net_of(state);
    for (auto _ : state) {
        auto v = chain::unpack_versioned_share(n.wire_with_messages);
        auto share = chain::decode_share(*v);
        benchmark::DoNotOptimize(share);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeShare)->ArgName("scrypt")->Arg(0)->Arg(1);

void BM_VerifyPow(benchmark::State& state) {
    const Net& n = net_of(state);
    const chain::Share share = need(
        chain::decode_share(need(chain::unpack_versioned_share(n.wire_with_messages), "unwrap")),
        "decode");
    for (auto _ : state) {
        auto pow = chain::verify_share_pow(n.params, share);
        if (!pow) {
            state.SkipWithError("PoW failed");
            return;
        }
        benchmark::DoNotOptimize(pow);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyPow)->ArgName("scrypt")->Arg(0)->Arg(1);

void BM_ScryptHeader(benchmark::State& state) {
    const chain::BlockHeader header{};
    for (auto _ : state) {
        auto h = chain::scrypt_1024_1_1(header);
        benchmark::DoNotOptimize(h);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScryptHeader);

void BM_Sha256dHeader(benchmark::State& state) {
    const chain::BlockHeader header{};
    for (auto _ : state) {
        auto h = crypto::sha256d(header);
        benchmark::DoNotOptimize(h);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256dHeader);

}  // namespace

BENCHMARK_MAIN();
