// Message Weight Units in the open profile's ledger: earned per share, sacrifice credit, the
// rolling hourly cap, the per-share cap, and an outbox that never exceeds its budget.
#include <gtest/gtest.h>

#include "open_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;

namespace {

constexpr std::uint32_t T = 1700000000;

Envelope ann_only(const Party& p) {
    Envelope e;
    e.announcement = p.ann;
    return e;
}

Envelope msgs(std::vector<OpenMessage> m) {
    Envelope e;
    e.messages = std::move(m);
    return e;
}

}  // namespace

TEST(OpenMwu, BudgetIsEarnedByShares) {
    const Party a = party(kMaster1, 0);
    Ledger ledger;
    ledger.apply_share(share(1, a.address(), T), ann_only(a));
    EXPECT_EQ(ledger.available_mwu(a.address(), T, 0), proto::FREE_MWU_ALLOWANCE);
    EXPECT_EQ(ledger.available_mwu(a.address(), T), 2 * proto::FREE_MWU_ALLOWANCE);
    // An unknown address can spend what its next share earns.
    EXPECT_EQ(ledger.available_mwu(party(kMaster2, 0).address(), T), proto::FREE_MWU_ALLOWANCE);

    const OpenMessage m = signed_msg(a, "a message of some length", T);
    ASSERT_GT(mwu(m), 2 * proto::FREE_MWU_ALLOWANCE);
    auto r = ledger.apply_share(share(2, a.address(), T + 10), msgs({m}));
    EXPECT_EQ(r.ignored[Ignored::over_budget], 1u);
    // Over budget is ignored, not remembered: the same message later is not a duplicate.
    ledger.apply_share(share(3, a.address(), T + 20), {});
    auto r2 = ledger.apply_share(share(4, a.address(), T + 30), msgs({m}));
    ASSERT_EQ(r2.messages.size(), 1u) << (r2.notes.empty() ? "" : r2.notes[0]);
    EXPECT_EQ(ledger.available_mwu(a.address(), T + 30, 0), 4 * 64 - mwu(m));
    EXPECT_EQ(r2.share_mwu, mwu(m));
}

TEST(OpenMwu, HourlyCapAndRollingWindow) {
    const Party a = party(kMaster1, 0);
    Ledger ledger;
    ledger.apply_share(share(1, a.address(), T), ann_only(a));
    std::uint64_t h = 2;
    for (int i = 0; i < 100; ++i)
        ledger.apply_share(share(h++, a.address(), T + 1), {});
    // 101 shares earned 6464, capped at 4096 per hour.
    EXPECT_EQ(ledger.available_mwu(a.address(), T + 1, 0), proto::MAX_MWU_PER_HOUR);
    std::uint64_t spent = 0;
    int accepted = 0, over = 0;
    for (int i = 0; i < 40; ++i) {
        const OpenMessage m = signed_msg(a, "spend " + std::to_string(i), T + 2);
        auto r = ledger.apply_share(share(h++, a.address(), T + 2), msgs({m}));
        accepted += static_cast<int>(r.messages.size());
        over += static_cast<int>(r.ignored[Ignored::over_budget]);
        if (!r.messages.empty()) spent += mwu(m);
    }
    EXPECT_GT(over, 0);
    EXPECT_LE(spent, proto::MAX_MWU_PER_HOUR);
    EXPECT_EQ(accepted + over, 40);
    // An hour later the window has rolled: earnings and spending are both gone.
    const std::uint32_t later = T + 2 + proto::ROLLING_MWU_WINDOW;
    EXPECT_EQ(ledger.available_mwu(a.address(), later, 0), 0u);
    for (int i = 0; i < 4; ++i)
        ledger.apply_share(share(h++, a.address(), later), {});
    auto r = ledger.apply_share(share(h++, a.address(), later),
                                msgs({signed_msg(a, "new hour", later)}));
    EXPECT_EQ(r.messages.size(), 1u);
}

TEST(OpenMwu, PerShareCapInEnvelopeOrder) {
    const Party a = party(kMaster1, 0);
    LedgerConfig cfg;
    Ledger ledger(cfg);
    ledger.apply_share(share(1, a.address(), T), ann_only(a));
    for (std::uint64_t h = 2; h < 80; ++h)
        ledger.apply_share(share(h, a.address(), T), {});
    std::vector<OpenMessage> many;
    for (int i = 0; i < 8; ++i)
        many.push_back(signed_msg(a, std::string(60, static_cast<char>('a' + i)), T));
    Envelope env = msgs(many);
    env.announcement = a.ann;  // repeated, but it weighs
    std::uint32_t w = proto::MWU_ANNOUNCEMENT;
    std::size_t fit = 0;
    for (const auto& m : many) {
        if (w + mwu(m) > proto::MAX_MWU_PER_SHARE) break;
        w += mwu(m);
        ++fit;
    }
    ASSERT_LT(fit, many.size());
    auto r = ledger.apply_share(share(80, a.address(), T), env);
    EXPECT_EQ(r.messages.size(), fit);
    EXPECT_EQ(r.ignored[Ignored::over_share_cap], many.size() - fit);
    EXPECT_EQ(r.share_mwu, mwu(env));
}

TEST(OpenMwu, SacrificeSharesCreditTheTaggedSigner) {
    const Party a = party(kMaster1, 0);
    const Party donation = party(kMaster2, 0);
    LedgerConfig cfg;
    cfg.sacrifice_pubkey_hashes = {donation.address()};
    Ledger ledger(cfg);
    ledger.apply_share(share(1, a.address(), T), ann_only(a));
    ASSERT_EQ(ledger.available_mwu(a.address(), T, 0), 64u);

    // What the outbox may pack into a sacrifice share it is building: the credit included.
    EXPECT_EQ(ledger.available_mwu(a.address(), T + 5, proto::MWU_PER_SACRIFICE),
              64 + proto::MWU_PER_SACRIFICE);
    // A share paying the donation address, tagged with a's signing id: +256 for a, and the
    // share may carry a's message.
    Envelope sac = msgs({signed_msg(a, "paid for by a sacrifice", T)});
    sac.sacrifice_tag = a.id();
    auto r = ledger.apply_share(share(2, donation.address(), T + 5), sac);
    EXPECT_EQ(r.sacrifice_credited, a.address());
    ASSERT_EQ(r.messages.size(), 1u) << (r.notes.empty() ? "" : r.notes[0]);
    EXPECT_EQ(ledger.available_mwu(a.address(), T + 5, 0),
              64 + proto::MWU_PER_SACRIFICE - mwu(sac.messages[0]));

    // A tag on a share that pays someone else: ignored, no credit.
    Envelope not_paid;
    not_paid.sacrifice_tag = a.id();
    auto r2 = ledger.apply_share(share(3, party(kMasterEvil, 0).address(), T + 6), not_paid);
    EXPECT_EQ(r2.ignored[Ignored::sacrifice_ignored], 1u);
    EXPECT_FALSE(r2.sacrifice_credited);
    // A tag naming no bound key: ignored.
    Envelope unknown;
    unknown.sacrifice_tag = party(kMasterEvil, 0).id();
    auto r3 = ledger.apply_share(share(4, donation.address(), T + 7), unknown);
    EXPECT_EQ(r3.ignored[Ignored::sacrifice_ignored], 1u);
}

TEST(OpenMwu, OneBudgetPerAddressAcrossRotation) {
    const Party k0 = party(kMaster1, 0);
    const Party k1 = party(kMaster1, 1);
    Ledger ledger;
    ledger.apply_share(share(1, k0.address(), T), ann_only(k0));
    for (std::uint64_t h = 2; h < 6; ++h)
        ledger.apply_share(share(h, k0.address(), T), {});
    const std::uint32_t before = ledger.available_mwu(k0.address(), T, 0);
    ledger.apply_share(share(6, k0.address(), T), ann_only(k1));
    // Rotation does not reset the budget: one more share earned, nothing else.
    EXPECT_EQ(ledger.available_mwu(k0.address(), T, 0), before + 64);
}

TEST(OpenMwu, DisabledMeansTheHourlyMaximum) {
    LedgerConfig cfg;
    cfg.enforce_mwu = false;
    Ledger ledger(cfg);
    EXPECT_EQ(ledger.available_mwu(party(kMaster1, 0).address(), T), proto::MAX_MWU_PER_HOUR);
}

TEST(OpenMwu, OutboxPackedWithTheLedgersBudgetIsNeverOverBudget) {
    const Party a = party(kMaster1, 0);
    Ledger ledger;
    std::vector<OpenMessage> queue;
    for (int i = 0; i < 30; ++i)
        queue.push_back(signed_msg(a, "queued chat line number " + std::to_string(i), T + 60));
    std::size_t next = 0, delivered = 0;
    bool announced = false;
    for (std::uint64_t h = 1; h <= 200 && next < queue.size(); ++h) {
        const std::uint32_t now = T + 60 * static_cast<std::uint32_t>(h);  // a share a minute
        const auto limits = PackLimits::mwu_stage(ledger.available_mwu(a.address(), now));
        std::optional<BoundAnnouncement> ann;
        if (!announced) ann = a.ann;
        auto p = pack_queue(ann, std::span(queue).subspan(next), kNet, nonce(1), limits);
        ASSERT_TRUE(p) << p.error().to_string();
        auto r = ledger.apply_share_data(share(h, a.address(), now), p->message_data);
        if (p->message_data.empty()) {
            r = ledger.apply_share(share(h, a.address(), now), {});
        }
        ASSERT_TRUE(r);
        announced = true;
        EXPECT_EQ(r->ignored.total(), 0u) << r->notes.front();
        EXPECT_EQ(r->messages.size(), p->taken);
        for (std::size_t i = 0; i < r->messages.size(); ++i)
            EXPECT_EQ(r->messages[i].payload, queue[next + i].payload);  // in order
        next += p->taken;
        delivered += r->messages.size();
    }
    EXPECT_EQ(delivered, queue.size());
}
