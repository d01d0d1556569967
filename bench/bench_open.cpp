// The open profile's hot paths (message_data first byte 0x02; docs/protocol.md): decoding an
// envelope, applying shares to the key ledger (signature checks, the rebuild after a reorg,
// fragment reassembly), packing the outbox and private messages.
//
// Parties are built as a node's operator builds them: a master key, a derived signing key
// (index 0) and the master's BIP340 delegation of it (make_delegation -> make_announcement).
// Every input is built before the first timed loop; benchmarks that must not see the same
// message twice (the ledger would take it from its verified-signature cache or drop it as a
// duplicate) cycle through a pool of distinct signed shares and start a new ledger, with the
// timer paused, each time the pool is used up.
//
//   BM_OpenDecode             open(): de-obfuscation + structural decode of an envelope with
//                             an announcement and three signed 200-byte messages (no ECDSA)
//   BM_OpenDecodeNoAnnouncement  the same three messages without the announcement (open()
//                             checks that both announcement keys are curve points)
//   BM_OpenLedgerApplyVerify  Ledger::apply_share of a share with three new signed 200-byte
//                             messages from a bound signer: three signature checks not in the
//                             cache. Arg = messages already accepted (the ledger's duplicate
//                             set), applied in earlier shares of the last day
//   BM_OpenLedgerRebuild      reset() then a 200-share chain with 600 messages whose
//                             signatures the ledger has checked before (a rebuild after a reorg)
//   BM_PackQueue              pack_queue of an announcement + three signed 100-byte messages
//                             under PackLimits::mwu_stage(4096) (all three fit: 921 MWU)
//   BM_PrivateMake            make_private_message of 192 bytes: ECDH + HKDF + AES-GCM + sign
//   BM_PrivateDecrypt         decrypt_private of that message (as the ledger delivered it) by
//                             its recipient: ECDH + HKDF + AES-GCM
//   BM_FragmentReassembly     a 1,500-byte signed message in 7 fragments, one per share of its
//                             signer, through the ledger: 7 apply_share, reassembly, one check
//   BM_OpenVerifyMessage      verify_open_message of one 200-byte message (sighash + strict
//                             ECDSA verify): the floor of one message's signature check
//   BM_OpenSignMessage        sign_open_message of one 200-byte message
//
// The ledgers run with enforce_mwu = false: these benchmarks measure the cost of the checks,
// not the budget (three 200-byte messages weigh about 1,050 MWU, over the 1,024 per-share cap,
// and a signer earns 64 MWU per share). "msgs/s" counts messages, "shares/s" shares applied.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "proto/open_chain.hpp"
#include "proto/open_envelope.hpp"
#include "proto/open_ledger.hpp"
#include "proto/open_private.hpp"
#include "proto/signing_key.hpp"

#include "bench_util.hpp"
#include "open_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto::open;

namespace {

using bench::die;
using bench::need;
using bench::NOW;

using test::open::kNet;
using test::open::Party;

constexpr std::uint32_t kShareSpacing = 10;  // seconds of share time between shares

// Master keys of the benchmark's parties (any valid secret keys).
constexpr std::string_view kMasterA =
    "6b0c2a1f9e8d7c6b5a4938271605f4e3d2c1b0a99887766554433221100ffeed";
constexpr std::string_view kMasterB =
    "1f2e3d4c5b6a79880716253443526170a9b8c7d6e5f40312213243546576879a";

// `n` bytes of text that differ for every `tag`.
std::string payload_text(std::size_t n, std::uint64_t tag) {
    std::string s = "message " + std::to_string(tag) + ": ";
    for (std::size_t i = 0; s.size() < n; ++i)
        s.push_back(static_cast<char>('a' + (i + tag) % 26));
    s.resize(n);
    return s;
}

OpenMessage signed_message(const Party& p, std::size_t payload_size, std::uint64_t tag,
                           std::uint32_t timestamp) {
    return test::open::signed_msg(p, payload_text(payload_size, tag), timestamp);
}

LedgerConfig no_mwu() {
    LedgerConfig c;
    c.network_id = kNet;
    c.enforce_mwu = false;
    return c;
}

// A ledger in which `p`'s key is registered by a share at height 1, time `t`.
Ledger ledger_with(const Party& p, std::uint32_t t) {
    Ledger l(no_mwu());
    Envelope e;
    e.announcement = p.ann;
    auto r = l.apply_share(test::open::share(1, p.address(), t), e);
    if (r.announcement != AnnouncementOutcome::registered) die("announcement not registered");
    return l;
}

Envelope with_messages(std::vector<OpenMessage> m) {
    Envelope e;
    e.messages = std::move(m);
    return e;
}

void rate(benchmark::State& state, const char* name, double per_iteration) {
    state.counters[name] = benchmark::Counter(
        per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// ---- fixed inputs --------------------------------------------------------------------------

struct Fixture {
    Party a = test::open::party(kMasterA, 0);
    Party b = test::open::party(kMasterB, 0);

    // BM_OpenDecode: announcement + three signed 200-byte messages, sealed; and the same
    // messages alone.
    Bytes envelope;
    Bytes envelope_no_announcement;
    // BM_PackQueue: three signed 100-byte messages.
    std::vector<OpenMessage> pack_queue_msgs;
    // BM_OpenVerifyMessage / BM_OpenSignMessage.
    OpenMessage one;
    // BM_PrivateDecrypt: a 192-byte private message from a to b as the ledger delivered it.
    Bytes private_plaintext = test::open::text(payload_text(192, 7));
    proto::ShareMessage private_delivered;

    Fixture() {
        Envelope env;
        env.announcement = a.ann;
        for (std::uint64_t i = 0; i < 3; ++i)
            env.messages.push_back(signed_message(a, 200, i, NOW));
        envelope = need(seal(env, kNet, test::open::nonce(1)), "seal");
        auto back = need(open(envelope, kNet), "open");
        if (back != env) die("the envelope does not decode to what was sealed");
        Envelope bare = env;
        bare.announcement.reset();
        envelope_no_announcement = need(seal(bare, kNet, test::open::nonce(1)), "seal");
        if (need(open(envelope_no_announcement, kNet), "open") != bare)
            die("the bare envelope does not decode to what was sealed");

        for (std::uint64_t i = 0; i < 3; ++i)
            pack_queue_msgs.push_back(signed_message(a, 100, 100 + i, NOW));
        auto p = need(pack_queue(a.ann, pack_queue_msgs, kNet, test::open::nonce(2),
                                 PackLimits::mwu_stage(4096)),
                      "pack_queue");
        if (p.taken != 3) die("pack_queue took " + std::to_string(p.taken) + " of 3");

        one = env.messages[0];
        if (!verify_open_message(one, a.key.pubkey(), a.address(), kNet))
            die("message does not verify");

        GcmNonce gn{};
        gn[0] = 1;
        auto pm = need(make_private_message(proto::MSG_MINER_MESSAGE, private_plaintext, NOW, a.key,
                                            a.address(), b.key.pubkey(), kNet, gn),
                       "make_private_message");
        if (pm.payload.size() != proto::MAX_MESSAGE_PAYLOAD) die("private payload is not 220");
        Ledger l = ledger_with(a, NOW);
        Envelope eb;
        eb.announcement = b.ann;
        l.apply_share(test::open::share(2, b.address(), NOW), eb);
        auto r = l.apply_share(test::open::share(3, a.address(), NOW), with_messages({pm}));
        if (r.messages.size() != 1) die("private message not accepted");
        private_delivered = r.messages[0];
        auto pt = need(decrypt_private(private_delivered, b.key, a.key.pubkey(), kNet),
                       "decrypt_private");
        if (pt != private_plaintext) die("private message decrypts to something else");
    }
};

const Fixture& fixture() {
    static const Fixture f;  // built once, before the first timed loop
    return f;
}

// ---- decode, pack, sign, verify ------------------------------------------------------------

// open() of `envelope`, which carries three messages.
void decode_loop(benchmark::State& state, const Bytes& envelope) {
    for (auto _ : state) {
        auto env = open(envelope, kNet);
        benchmark::DoNotOptimize(env);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(envelope.size()));
    state.SetItemsProcessed(state.iterations());
    rate(state, "msgs/s", 3);
    state.counters["bytes"] = static_cast<double>(envelope.size());
}

void BM_OpenDecode(benchmark::State& state) {
    decode_loop(state, fixture().envelope);
}
BENCHMARK(BM_OpenDecode);

void BM_OpenDecodeNoAnnouncement(benchmark::State& state) {
    decode_loop(state, fixture().envelope_no_announcement);
}
BENCHMARK(BM_OpenDecodeNoAnnouncement);

void BM_PackQueue(benchmark::State& state) {
    const auto& f = fixture();
    const auto limits = PackLimits::mwu_stage(4096);
    const auto nonce = test::open::nonce(3);
    for (auto _ : state) {
        auto p = pack_queue(f.a.ann, f.pack_queue_msgs, kNet, nonce, limits);
        benchmark::DoNotOptimize(p);
    }
    state.SetItemsProcessed(state.iterations());
    rate(state, "msgs/s", 3);
}
BENCHMARK(BM_PackQueue);

void BM_OpenVerifyMessage(benchmark::State& state) {
    const auto& f = fixture();
    const AddressHash address = f.a.address();
    for (auto _ : state) {
        bool ok = verify_open_message(f.one, f.a.key.pubkey(), address, kNet);
        benchmark::DoNotOptimize(ok);
    }
    rate(state, "msgs/s", 1);
}
BENCHMARK(BM_OpenVerifyMessage);

void BM_OpenSignMessage(benchmark::State& state) {
    const auto& f = fixture();
    const AddressHash address = f.a.address();
    OpenMessage m = make_open_message(proto::MSG_MINER_MESSAGE, f.one.payload, NOW);
    for (auto _ : state) {
        auto st = sign_open_message(m, f.a.key, address, kNet);
        benchmark::DoNotOptimize(st);
    }
    rate(state, "msgs/s", 1);
}
BENCHMARK(BM_OpenSignMessage);

// ---- the ledger ----------------------------------------------------------------------------

// Shares of signer A with three new signed 200-byte messages each, one every kShareSpacing
// seconds from `start`, every message dated its share's time; tags from `first_tag`.
struct SharePool {
    std::vector<ShareContext> shares;
    std::vector<Envelope> envelopes;

    SharePool(const Party& p, std::size_t n, std::uint64_t first_height, std::uint32_t start,
              std::uint64_t first_tag) {
        shares.reserve(n);
        envelopes.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto t = static_cast<std::uint32_t>(start + kShareSpacing * i);
            shares.push_back(test::open::share(first_height + i, p.address(), t));
            std::vector<OpenMessage> m;
            for (std::uint64_t k = 0; k < 3; ++k)
                m.push_back(signed_message(p, 200, first_tag + 3 * i + k, t));
            envelopes.push_back(with_messages(std::move(m)));
        }
    }
};

// BM_OpenLedgerApplyVerify: kPool distinct shares, applied in order to a copy of a ledger in
// which A is registered and, before the pool's shares, `seen` messages were accepted
// (background shares of the same signer, kShareSpacing apart, all still inside the day of
// max_message_age). Copying the prepared ledger keeps its verified-signature cache of the
// background but not of the pool, so every pool message is checked.
constexpr std::size_t kPool = 512;

struct ApplyFixture {
    Ledger base;
    SharePool pool;

    ApplyFixture(const Party& a, std::size_t seen)
        : base(ledger_with(a, NOW)),
          pool(a, kPool, 2 + seen / 3, static_cast<std::uint32_t>(NOW + kShareSpacing * (seen / 3)),
               1000000) {
        const SharePool background(a, seen / 3, 2, NOW, 5000000);
        for (std::size_t i = 0; i < background.shares.size(); ++i) {
            auto r = base.apply_share(background.shares[i], background.envelopes[i]);
            if (r.messages.size() != 3) die("background share not accepted");
        }
        Ledger probe = base;
        auto r = probe.apply_share(pool.shares[0], pool.envelopes[0]);
        if (r.messages.size() != 3)
            die("pool share: " + std::to_string(r.messages.size()) + " of 3 messages accepted" +
                (r.notes.empty() ? std::string() : " (" + r.notes[0] + ")"));
        const std::uint32_t last = pool.shares.back().share_timestamp;
        if (last > NOW + LedgerConfig{}.max_message_age) die("pool leaves the ledger's window");
    }
};

const ApplyFixture& apply_fixture(std::size_t seen) {
    static const ApplyFixture empty(fixture().a, 0);
    static const ApplyFixture day(fixture().a, 15000);
    if (seen == 0) return empty;
    if (seen == 15000) return day;
    die("no apply fixture for seen = " + std::to_string(seen));
}

void BM_OpenLedgerApplyVerify(benchmark::State& state) {
    const auto& f = apply_fixture(static_cast<std::size_t>(state.range(0)));
    Ledger ledger = f.base;
    std::size_t next = 0;
    std::uint64_t accepted = 0;
    for (auto _ : state) {
        if (next == kPool) {  // every pool message has been seen: a fresh copy
            state.PauseTiming();
            ledger = f.base;
            next = 0;
            state.ResumeTiming();
        }
        auto r = ledger.apply_share(f.pool.shares[next], f.pool.envelopes[next]);
        accepted += r.messages.size();
        benchmark::DoNotOptimize(r);
        ++next;
    }
    if (accepted != 3 * static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("a message was not accepted");
    rate(state, "shares/s", 1);
    rate(state, "msgs/s", 3);
}
BENCHMARK(BM_OpenLedgerApplyVerify)->ArgName("seen")->Arg(0)->Arg(15000);

// BM_OpenLedgerRebuild: a chain of 200 shares of A, the first with A's announcement, each
// with three signed messages, applied once up front (every signature and the delegation are
// then in the cache); each iteration is reset() and the whole chain again.
constexpr std::size_t kChain = 200;

void BM_OpenLedgerRebuild(benchmark::State& state) {
    const auto& a = fixture().a;
    static const SharePool chain = [&] {
        SharePool c(a, kChain, 1, NOW, 2000000);
        c.envelopes[0].announcement = a.ann;
        return c;
    }();
    Ledger ledger(no_mwu());
    auto apply_all = [&] {
        for (std::size_t i = 0; i < kChain; ++i)
            benchmark::DoNotOptimize(ledger.apply_share(chain.shares[i], chain.envelopes[i]));
    };
    apply_all();
    if (ledger.messages_accepted() != 3 * kChain) {
        state.SkipWithError("the chain's messages are not all accepted");
        return;
    }
    bool ok = true;
    for (auto _ : state) {
        ledger.reset();
        apply_all();
        ok = ok && ledger.messages_accepted() == 3 * kChain;
    }
    if (!ok) state.SkipWithError("a rebuild did not accept every message");
    state.SetItemsProcessed(state.iterations());
    rate(state, "shares/s", kChain);
    rate(state, "msgs/s", 3 * kChain);
}
BENCHMARK(BM_OpenLedgerRebuild);

// ---- the chain ledger (open_chain.hpp) ------------------------------------------------------

// A devnet-sized window (400 shares) over a chain of shares of A, one in four with three signed
// 200-byte messages and one in 100 with A's announcement; every signature is in the cache
// after the first pass (as on a node, which checks each signature once).
constexpr std::size_t kWindow = 400;
constexpr std::size_t kChainShares = 1600;

struct ChainFixture {
    SharePool pool;
    std::vector<ChainLink> links;  // oldest first

    ChainFixture() : pool(fixture().a, kChainShares, 1, NOW, 7000000) {
        for (std::size_t i = 0; i < kChainShares; ++i) {
            if (i % 4 != 0) pool.envelopes[i].messages.clear();
            if (i % 100 == 0) pool.envelopes[i].announcement = fixture().a.ann;
            ChainLink l;
            l.share = pool.shares[i];
            l.envelope = &pool.envelopes[i];
            links.push_back(l);
        }
    }
    // The chain ending at `tip` (index into links), newest first, `n` shares at most.
    std::vector<ChainLink> chain_to(std::size_t tip, std::size_t n) const {
        std::vector<ChainLink> c;
        for (std::size_t i = tip + 1; i-- > 0 && c.size() < n;)
            c.push_back(links[i]);
        return c;
    }
};

const ChainFixture& chain_fixture() {
    static const ChainFixture f;
    return f;
}

// BM_ChainLedgerExtend: the best chain grows by one share; follow() judges it (with the tip
// state) and makes the tip state for the next share (a replay of the newest 399 shares).
void BM_ChainLedgerExtend(benchmark::State& state) {
    const auto& f = chain_fixture();
    ChainLedger ledger(no_mwu(), kWindow);
    std::size_t tip = 2 * kWindow;
    ledger.follow(f.chain_to(tip, 2 * kWindow), false, kWindow);  // warm: signatures checked
    std::uint64_t judged = 0;
    for (auto _ : state) {
        if (++tip == kChainShares) {
            state.PauseTiming();
            tip = 2 * kWindow;
            ledger = ChainLedger(no_mwu(), kWindow);
            ledger.follow(f.chain_to(tip, 2 * kWindow), false, kWindow);
            state.ResumeTiming();
            continue;
        }
        state.PauseTiming();
        const auto chain = f.chain_to(tip, 2 * kWindow);
        state.ResumeTiming();
        judged += ledger.follow(chain, false, kWindow).judged.size();
    }
    if (judged == 0) state.SkipWithError("nothing judged");
    rate(state, "shares/s", 1);
}
BENCHMARK(BM_ChainLedgerExtend);

// BM_ChainLedgerSync: a node that has just fetched 799 shares judges the shown 400 (each from
// its own window) and builds the tip state: the cost of a sync or a restart.
void BM_ChainLedgerSync(benchmark::State& state) {
    const auto& f = chain_fixture();
    const auto chain = f.chain_to(2 * kWindow - 2, 2 * kWindow - 1);
    {
        ChainLedger warm(no_mwu(), kWindow);
        warm.follow(chain, false, kWindow);
        if (warm.verdicts() != kWindow) {
            state.SkipWithError("not every shown share was judged");
            return;
        }
    }
    for (auto _ : state) {
        ChainLedger ledger(no_mwu(), kWindow);
        benchmark::DoNotOptimize(ledger.follow(chain, false, kWindow));
    }
    rate(state, "shares/s", kWindow);
}
BENCHMARK(BM_ChainLedgerSync);

// BM_FragmentReassembly: kMessages distinct 1,500-byte messages of A (distinct content and
// msg_id), each split into 7 fragments carried one per share paying A, kShareSpacing apart
// (the 7 shares span 60 s, inside FRAGMENT_TIMEOUT). A fresh ledger when the pool is used up.
constexpr std::size_t kMessages = 256;
constexpr std::size_t kFragments = 7;

void BM_FragmentReassembly(benchmark::State& state) {
    const auto& a = fixture().a;
    struct Pool {
        std::vector<ShareContext> shares;  // kMessages * kFragments
        std::vector<Envelope> envelopes;
    };
    static const Pool pool = [&] {
        Pool p;
        std::uint64_t h = 2;
        for (std::size_t i = 0; i < kMessages; ++i) {
            const auto t0 = static_cast<std::uint32_t>(NOW + kShareSpacing * kFragments * i);
            const OpenMessage whole = signed_message(a, 1500, 3000000 + i, t0);
            auto f =
                need(split_fragments(whole, static_cast<std::uint32_t>(i + 1)), "split_fragments");
            if (f.size() != kFragments) die("1,500 bytes did not split into 7 fragments");
            for (std::size_t k = 0; k < kFragments; ++k) {
                p.shares.push_back(test::open::share(
                    h++, a.address(), static_cast<std::uint32_t>(t0 + kShareSpacing * k)));
                p.envelopes.push_back(with_messages({f[k]}));
            }
        }
        return p;
    }();
    const Ledger base = ledger_with(a, NOW);
    {
        Ledger probe = base;
        std::size_t delivered = 0;
        for (std::size_t k = 0; k < kFragments; ++k)
            delivered += probe.apply_share(pool.shares[k], pool.envelopes[k]).messages.size();
        if (delivered != 1 || probe.pending_fragmented() != 0) {
            state.SkipWithError("the fragmented message was not reassembled");
            return;
        }
    }
    Ledger ledger = base;
    std::size_t next = 0;
    std::uint64_t delivered = 0;
    for (auto _ : state) {
        if (next == kMessages) {
            state.PauseTiming();
            ledger = base;
            next = 0;
            state.ResumeTiming();
        }
        for (std::size_t k = 0; k < kFragments; ++k) {
            const std::size_t j = next * kFragments + k;
            auto r = ledger.apply_share(pool.shares[j], pool.envelopes[j]);
            delivered += r.messages.size();
            benchmark::DoNotOptimize(r);
        }
        ++next;
    }
    if (delivered != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("a fragmented message was not delivered");
    state.SetBytesProcessed(state.iterations() * 1500);
    rate(state, "msgs/s", 1);
    rate(state, "shares/s", kFragments);
}
BENCHMARK(BM_FragmentReassembly);

// ---- private messages ----------------------------------------------------------------------

void BM_PrivateMake(benchmark::State& state) {
    const auto& f = fixture();
    const AddressHash address = f.a.address();
    GcmNonce gn{};
    for (auto _ : state) {
        ++gn[0];
        auto m = make_private_message(proto::MSG_MINER_MESSAGE, f.private_plaintext, NOW, f.a.key,
                                      address, f.b.key.pubkey(), kNet, gn);
        if (!m) state.SkipWithError("make_private_message failed");
        benchmark::DoNotOptimize(m);
    }
    rate(state, "msgs/s", 1);
}
BENCHMARK(BM_PrivateMake);

void BM_PrivateDecrypt(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        auto pt = decrypt_private(f.private_delivered, f.b.key, f.a.key.pubkey(), kNet);
        if (!pt) state.SkipWithError("decrypt_private failed");
        benchmark::DoNotOptimize(pt);
    }
    state.SetBytesProcessed(state.iterations() *
                            static_cast<std::int64_t>(f.private_plaintext.size()));
    rate(state, "msgs/s", 1);
}
BENCHMARK(BM_PrivateDecrypt);

}  // namespace

BENCHMARK_MAIN();
