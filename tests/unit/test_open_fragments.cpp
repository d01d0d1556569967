// Fragmented messages of the open profile: splitting, reassembly across shares, and every
// way a fragment is dropped.
#include <gtest/gtest.h>

#include "open_test_util.hpp"
#include "proto/open_private.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;

namespace {

constexpr std::uint32_t T = 1700000000;

LedgerConfig no_mwu() {
    LedgerConfig c;
    c.enforce_mwu = false;
    return c;
}

Envelope msgs(std::vector<OpenMessage> m) {
    Envelope e;
    e.messages = std::move(m);
    return e;
}

std::string long_text(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s.push_back(static_cast<char>('a' + i % 26));
    return s;
}

std::vector<OpenMessage> fragments(const Party& p, std::size_t n, std::uint32_t msg_id = 7,
                                   std::uint32_t ts = T) {
    auto f = split_fragments(signed_msg(p, long_text(n), ts), msg_id);
    if (!f) throw std::runtime_error(f.error().to_string());
    return *f;
}

struct Fixture {
    Party a = party(kMaster1, 0);
    Ledger ledger{no_mwu()};
    Fixture() {
        Envelope e;
        e.announcement = a.ann;
        ledger.apply_share(share(1, a.address(), T), e);
    }
};

}  // namespace

TEST(OpenFragments, FragmentCountIsWhatSplitMakes) {
    const Party a = party(kMaster1, 0);
    for (std::size_t n :
         {std::size_t{1}, std::size_t{219}, std::size_t{220}, std::size_t{221}, std::size_t{440},
          std::size_t{441}, std::size_t{1500}, std::size_t{1600}}) {
        auto f = split_fragments(signed_msg(a, long_text(n), T), 7);
        ASSERT_TRUE(f) << n;
        EXPECT_EQ(fragment_count(n), f->size()) << n;
    }
    EXPECT_EQ(fragment_count(0), 1u);
    EXPECT_EQ(fragment_count(900, 100), 9u);  // over MAX_FRAGMENTS: split_fragments refuses it
}

TEST(OpenFragments, SplitShapes) {
    const Party a = party(kMaster1, 0);
    const OpenMessage whole = signed_msg(a, long_text(1000), T);
    auto f = split_fragments(whole, 0x01020304);
    ASSERT_TRUE(f) << f.error().to_string();
    ASSERT_EQ(f->size(), 5u);
    std::size_t total = 0;
    for (std::size_t i = 0; i < f->size(); ++i) {
        const OpenMessage& x = (*f)[i];
        EXPECT_TRUE(x.is_fragment());
        EXPECT_EQ(x.fragment->index, i);
        EXPECT_EQ(x.fragment->total, 5);
        EXPECT_EQ(x.fragment->msg_id, 0x01020304u);
        EXPECT_EQ(x.timestamp, whole.timestamp);
        EXPECT_LE(x.payload.size(), proto::MAX_MESSAGE_PAYLOAD);
        const bool last = i + 1 == f->size();
        EXPECT_EQ(!x.signature.empty(), last);
        EXPECT_EQ((x.flags & proto::FLAG_HAS_SIGNATURE) != 0, last);
        total += x.payload.size();
    }
    EXPECT_EQ(total, 1000u);
    // Every fragment encodes (they can be packed), and the last carries the whole signature.
    Envelope env = msgs(*f);
    auto sealed = seal(env, kNet, nonce(1));
    ASSERT_TRUE(sealed) << sealed.error().to_string();
    EXPECT_EQ(f->back().signature, whole.signature);

    // Small messages come back unchanged; limits are enforced.
    const OpenMessage small = signed_msg(a, "short", T);
    EXPECT_EQ(*split_fragments(small, 1), std::vector<OpenMessage>{small});
    EXPECT_EQ(split_fragments(signed_msg(a, long_text(900), T), 1, 100).error().code,
              Errc::oversize);  // 9 fragments
    OpenMessage unsigned_msg = make_open_message(proto::MSG_MINER_MESSAGE, as_bytes("x"), T);
    EXPECT_EQ(split_fragments(unsigned_msg, 1).error().code, Errc::invalid_argument);
    EXPECT_EQ(split_fragments((*f)[0], 1).error().code, Errc::invalid_argument);
    EXPECT_EQ(split_fragments(whole, 1, 0).error().code, Errc::invalid_argument);
    EXPECT_EQ(split_fragments(whole, 1, 221).error().code, Errc::invalid_argument);
}

TEST(OpenFragments, ReassembledAcrossShares) {
    Fixture fx;
    const auto f = fragments(fx.a, 1000);
    auto r1 = fx.ledger.apply_share(share(2, fx.a.address(), T + 10), msgs({f[0], f[1]}));
    EXPECT_TRUE(r1.messages.empty());
    EXPECT_EQ(r1.fragments_pending, 2u);
    EXPECT_EQ(r1.ignored.total(), 0u);
    EXPECT_EQ(fx.ledger.pending_fragmented(), 1u);
    auto r2 = fx.ledger.apply_share(share(3, fx.a.address(), T + 20), msgs({f[2], f[3]}));
    EXPECT_EQ(r2.fragments_pending, 2u);
    const auto s4 = share(4, fx.a.address(), T + 30);
    auto r3 = fx.ledger.apply_share(s4, msgs({f[4]}));
    ASSERT_EQ(r3.messages.size(), 1u) << (r3.notes.empty() ? "" : r3.notes[0]);
    EXPECT_EQ(to_string(r3.messages[0].payload), long_text(1000));
    EXPECT_TRUE(r3.messages[0].verified);
    EXPECT_EQ(r3.messages[0].share_hash, s4.share_hash);
    EXPECT_EQ(r3.messages[0].wire_flags, signed_flags(f[4].flags));
    EXPECT_FALSE(r3.messages[0].flags & FLAG_FRAGMENT);
    EXPECT_EQ(fx.ledger.pending_fragmented(), 0u);
    // All fragments again: the reassembled message is a duplicate.
    fx.ledger.apply_share(share(5, fx.a.address(), T + 40), msgs({f[0], f[1], f[2]}));
    auto again = fx.ledger.apply_share(share(6, fx.a.address(), T + 50), msgs({f[3], f[4]}));
    EXPECT_EQ(again.ignored[Ignored::duplicate], 1u);
}

TEST(OpenFragments, PrivateLongMessage) {
    Fixture fx;
    const Party b = party(kMaster2, 0);
    Envelope eb;
    eb.announcement = b.ann;
    fx.ledger.apply_share(share(2, b.address(), T), eb);
    GcmNonce gn{};
    gn[0] = 9;
    auto m = make_private_message(proto::MSG_MINER_MESSAGE, as_bytes(long_text(500)), T, fx.a.key,
                                  fx.a.address(), b.key.pubkey(), kNet, gn);
    ASSERT_TRUE(m);
    auto f = split_fragments(*m, 99);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->size(), 3u);
    for (const auto& x : *f)
        EXPECT_EQ(x.recipient, b.id());
    auto r = fx.ledger.apply_share(share(3, fx.a.address(), T + 1), msgs(*f));
    ASSERT_EQ(r.messages.size(), 1u) << (r.notes.empty() ? "" : r.notes[0]);
    auto pt = decrypt_private(r.messages[0], b.key, fx.a.key.pubkey(), kNet);
    ASSERT_TRUE(pt) << pt.error().to_string();
    EXPECT_EQ(to_string(*pt), long_text(500));
}

TEST(OpenFragments, OutOfOrderMissingAndMismatchedAreDropped) {
    Fixture fx;
    const auto f = fragments(fx.a, 600);  // 3 fragments
    // 1 before 0: dropped (no predecessors); then 0, then 2 (skipping 1): dropped.
    auto r = fx.ledger.apply_share(share(2, fx.a.address(), T), msgs({f[1], f[0], f[2]}));
    EXPECT_EQ(r.ignored[Ignored::fragment_dropped], 2u);
    EXPECT_EQ(r.fragments_pending, 1u);
    EXPECT_TRUE(r.messages.empty());
    // A fragment 1 whose timestamp differs from fragment 0's: dropped.
    OpenMessage other_time = f[1];
    other_time.timestamp += 1;
    auto r2 = fx.ledger.apply_share(share(3, fx.a.address(), T), msgs({other_time}));
    EXPECT_EQ(r2.ignored[Ignored::fragment_dropped], 1u);
    // The right ones complete it.
    auto r3 = fx.ledger.apply_share(share(4, fx.a.address(), T), msgs({f[1], f[2]}));
    EXPECT_EQ(r3.messages.size(), 1u);
}

TEST(OpenFragments, ExpireAfterTheTimeout) {
    Fixture fx;
    const auto f = fragments(fx.a, 600);
    fx.ledger.apply_share(share(2, fx.a.address(), T), msgs({f[0]}));
    auto r = fx.ledger.apply_share(share(3, fx.a.address(), T + FRAGMENT_TIMEOUT + 1),
                                   msgs({f[1], f[2]}));
    EXPECT_EQ(r.ignored[Ignored::fragment_expired], 1u);
    EXPECT_EQ(r.ignored[Ignored::fragment_dropped], 2u);
    EXPECT_TRUE(r.messages.empty());
    // Exactly at the timeout it is still in time.
    const auto g = fragments(fx.a, 600, 8, T + 400);
    fx.ledger.apply_share(share(4, fx.a.address(), T + 400), msgs({g[0]}));
    auto ok = fx.ledger.apply_share(share(5, fx.a.address(), T + 400 + FRAGMENT_TIMEOUT),
                                    msgs({g[1], g[2]}));
    EXPECT_EQ(ok.messages.size(), 1u);
}

TEST(OpenFragments, CarrierMustBeTheSignersShareOrASacrificeForIt) {
    const Party donation = party(kMaster2, 0);
    LedgerConfig cfg = no_mwu();
    cfg.sacrifice_pubkey_hashes = {donation.address()};
    Ledger ledger(cfg);
    const Party a = party(kMaster1, 0);
    Envelope e;
    e.announcement = a.ann;
    ledger.apply_share(share(1, a.address(), T), e);
    const auto f = fragments(a, 300);  // 2 fragments
    // Someone else's share carries a's first fragment: dropped.
    auto r = ledger.apply_share(share(2, party(kMasterEvil, 0).address(), T), msgs({f[0]}));
    EXPECT_EQ(r.ignored[Ignored::fragment_dropped], 1u);
    // A sacrifice share tagged with a's id may carry them.
    Envelope sac = msgs({f[0], f[1]});
    sac.sacrifice_tag = a.id();
    auto r2 = ledger.apply_share(share(3, donation.address(), T), sac);
    EXPECT_EQ(r2.messages.size(), 1u) << (r2.notes.empty() ? "" : r2.notes[0]);
}

TEST(OpenFragments, TamperedFragmentFailsTheFinalSignature) {
    Fixture fx;
    auto f = fragments(fx.a, 500);
    f[1].payload[3] ^= 0x20;
    auto r = fx.ledger.apply_share(share(2, fx.a.address(), T), msgs(f));
    EXPECT_TRUE(r.messages.empty());
    EXPECT_EQ(r.ignored[Ignored::bad_signature], 1u);
    EXPECT_EQ(fx.ledger.pending_fragmented(), 0u);
}

TEST(OpenFragments, ReassemblyLimit) {
    Fixture fx;
    // Hand-made: 8 fragments of 220 bytes would reassemble to 1760 > 1600.
    OpenMessage base = signed_msg(fx.a, std::string(220, 'z'), T);
    std::vector<OpenMessage> f;
    for (std::uint8_t i = 0; i < 8; ++i) {
        OpenMessage x = base;
        x.flags |= FLAG_FRAGMENT;
        x.fragment = FragmentInfo{5, i, 8};
        if (i < 7) {
            x.flags &= static_cast<std::uint8_t>(~proto::FLAG_HAS_SIGNATURE);
            x.signature.clear();
        }
        f.push_back(x);
    }
    auto r1 = fx.ledger.apply_share(share(2, fx.a.address(), T), msgs({f[0], f[1], f[2], f[3]}));
    EXPECT_EQ(r1.fragments_pending, 4u);
    auto r2 = fx.ledger.apply_share(share(3, fx.a.address(), T), msgs({f[4], f[5], f[6], f[7]}));
    EXPECT_EQ(r2.fragments_pending, 3u);  // 7 x 220 = 1540; the 8th would exceed 1600
    EXPECT_EQ(r2.ignored[Ignored::fragment_dropped], 1u);
    EXPECT_EQ(fx.ledger.pending_fragmented(), 0u);
}

TEST(OpenFragments, FragmentsSpendBudget) {
    const Party a = party(kMaster1, 0);
    Ledger ledger;  // MWU enforced
    Envelope e;
    e.announcement = a.ann;
    ledger.apply_share(share(1, a.address(), T), e);
    const auto f = fragments(a, 300);
    // 64 MWU earned: the first fragment (8 + 6 + 220) is over budget.
    auto r = ledger.apply_share(share(2, a.address(), T), msgs({f[0]}));
    EXPECT_EQ(r.ignored[Ignored::over_budget], 1u);
    EXPECT_EQ(ledger.pending_fragmented(), 0u);
}

// A 1,500-byte message in seven fragments over consecutive shares of its signer, with the
// budget enforced: it is delivered once, whole, and costs exactly the weight of its fragments.
TEST(OpenFragments, FifteenHundredBytesAcrossConsecutiveSharesWithExactBudget) {
    const Party a = party(kMaster1, 0);
    Ledger ledger;  // MWU enforced
    Envelope e;
    e.announcement = a.ann;
    std::uint64_t h = 1;
    ledger.apply_share(share(h++, a.address(), T), e);
    for (int i = 0; i < 40; ++i)  // shares paying A earn its budget
        ledger.apply_share(share(h++, a.address(), T), Envelope{});
    const auto f = fragments(a, 1500);
    ASSERT_EQ(f.size(), 7u);
    std::uint32_t total = 0;
    for (const auto& x : f)
        total += mwu(x);
    const std::uint32_t before = ledger.available_mwu(a.address(), T, 0);
    ASSERT_GE(before, total);

    // As many fragments per share as the per-share cap allows, in order.
    std::size_t next = 0, shares_used = 0;
    std::vector<proto::ShareMessage> delivered;
    while (next < f.size()) {
        std::vector<OpenMessage> batch;
        std::uint32_t w = 0;
        while (next < f.size() && w + mwu(f[next]) <= proto::MAX_MWU_PER_SHARE) {
            w += mwu(f[next]);
            batch.push_back(f[next++]);
        }
        auto r = ledger.apply_share(share(h++, a.address(), T), msgs(batch));
        ++shares_used;
        EXPECT_EQ(r.ignored.total(), 0u) << (r.notes.empty() ? "" : r.notes[0]);
        EXPECT_EQ(r.share_mwu, w);
        for (auto& m : r.messages)
            delivered.push_back(std::move(m));
        if (next < f.size()) {
            EXPECT_TRUE(r.messages.empty());
        }
    }
    EXPECT_GE(shares_used, 2u);
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(to_string(delivered[0].payload), long_text(1500));
    EXPECT_TRUE(delivered[0].verified);
    // Each share used also earned FREE_MWU_ALLOWANCE; the fragments cost exactly `total`.
    EXPECT_EQ(ledger.available_mwu(a.address(), T, 0),
              std::min<std::uint32_t>(
                  proto::MAX_MWU_PER_HOUR,
                  before + static_cast<std::uint32_t>(shares_used) * proto::FREE_MWU_ALLOWANCE) -
                  total);
}
