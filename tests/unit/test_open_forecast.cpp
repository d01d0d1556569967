// The outbox's forecast (open_forecast.hpp): which of the sender's next shares carries each
// queued entry, under the budget and per-share rules a receiver applies.
#include <gtest/gtest.h>

#include "open_test_util.hpp"
#include "proto/open_forecast.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;

namespace {

constexpr std::uint32_t T = 1700000000;

QueuedWeight whole(std::uint32_t w, std::size_t bytes = 100) {
    return QueuedWeight{w, bytes, 1};
}

// A ledger in which `a` is registered and earned `shares` shares' allowance at time `t`.
Ledger earned(const Party& a, std::size_t shares, std::uint32_t t) {
    Ledger l;
    Envelope ann;
    ann.announcement = a.ann;
    l.apply_share(share(1, a.address(), t), ann);
    for (std::size_t i = 1; i < shares; ++i)
        l.apply_share(share(1 + i, a.address(), t), {});
    return l;
}

}  // namespace

TEST(OpenForecast, WaitsForTheBudgetEachShareEarns) {
    const Party a = party(kMaster1, 0);
    Ledger empty;
    ForecastParams p;
    p.now = T;
    p.share_interval = 10;
    const std::vector<QueuedWeight> q = {whole(200)};
    // 64 MWU per share: the fourth share has 256.
    auto f = forecast_queue(empty, a.address(), q, p);
    EXPECT_EQ(f[0].share, 4u);
    EXPECT_EQ(f[0].hold, Hold::budget);
    EXPECT_STREQ(hold_name(f[0].hold), "budget");
    p.max_shares = 3;
    EXPECT_FALSE(forecast_queue(empty, a.address(), q, p)[0].share);
}

TEST(OpenForecast, PerShareLimitsKeepTheOrder) {
    const Party a = party(kMaster1, 0);
    const Ledger l = earned(a, 60, T);  // 3,840 MWU earned
    ForecastParams p;
    p.now = T + 5;
    // Three messages per share (the reference's limit), then the next share.
    const std::vector<QueuedWeight> q = {whole(100), whole(100), whole(100), whole(100)};
    auto f = forecast_queue(l, a.address(), q, p);
    EXPECT_EQ(f[0].share, 1u);
    EXPECT_EQ(f[2].share, 1u);
    EXPECT_EQ(f[2].hold, Hold::none);
    EXPECT_EQ(f[3].share, 2u);
    EXPECT_EQ(f[3].hold, Hold::share_limits);
    // 1024 MWU per share: a heavy message waits for the next share, and so does what follows.
    const std::vector<QueuedWeight> heavy = {whole(600), whole(500), whole(10)};
    f = forecast_queue(l, a.address(), heavy, p);
    EXPECT_EQ(f[0].share, 1u);
    EXPECT_EQ(f[1].share, 2u);
    EXPECT_EQ(f[2].share, 2u);
    EXPECT_EQ(f[2].hold, Hold::behind);
    // 512 bytes of message_data.
    const std::vector<QueuedWeight> big = {whole(300, 300), whole(300, 300)};
    f = forecast_queue(l, a.address(), big, p);
    EXPECT_EQ(f[1].share, 2u);
}

TEST(OpenForecast, FragmentsGoAloneOncePerShare) {
    const Party a = party(kMaster1, 0);
    const Ledger l = earned(a, 30, T);  // 1,920 MWU
    ForecastParams p;
    p.now = T + 5;
    const std::vector<QueuedWeight> q = {whole(100), QueuedWeight{1500, 1200, 4}, whole(100)};
    auto f = forecast_queue(l, a.address(), q, p);
    EXPECT_EQ(f[0].share, 1u);
    // It starts in the second share (the first has a message already) and takes four.
    EXPECT_EQ(f[1].share, 5u);
    EXPECT_EQ(f[2].share, 6u);
    EXPECT_EQ(f[2].hold, Hold::fragments);
}

TEST(OpenForecast, TheHourlyCapFreesUpAsSpendingAges) {
    const Party a = party(kMaster1, 0);
    Ledger l = earned(a, 80, T);  // 5,120 earned, capped at 4,096
    // Spend the hour's cap in messages at T.
    Envelope env;
    std::uint64_t spent = 0;
    for (int i = 0; spent + 300 < proto::MAX_MWU_PER_HOUR; ++i) {
        env.messages = {signed_msg(a, std::string(60, 'a' + (i % 26)) + std::to_string(i), T)};
        auto r = l.apply_share(share(100 + static_cast<std::uint64_t>(i), a.address(), T), env);
        ASSERT_EQ(r.messages.size(), 1u) << r.notes.front();
        spent += mwu(env.messages.front());
    }
    // Later earnings (at T + 1800), so that the budget is there once the spending ages out.
    for (std::uint64_t i = 0; i < 70; ++i)
        l.apply_share(share(300 + i, a.address(), T + 1800), {});
    ForecastParams p;
    p.now = T + 60;
    p.share_interval = 60;
    p.earns = 0;  // nothing new earned: only the hour's expiry frees budget
    const std::vector<QueuedWeight> q = {
        whole(static_cast<std::uint32_t>(proto::MAX_MWU_PER_HOUR - spent + 50))};
    auto f = forecast_queue(l, a.address(), q, p);
    // The spending at T stops counting at T + 3600: the share at T + 60 + 59 * 60.
    EXPECT_EQ(f[0].share, 60u);
}

TEST(OpenForecast, AgreesWithThePackerForTheNextShare) {
    // What the forecast puts in share 1 is what pack_queue takes with the tip's budget.
    const Party a = party(kMaster1, 0);
    for (std::size_t shares : {1u, 3u, 5u, 9u, 20u}) {
        const Ledger l = earned(a, shares, T);
        std::vector<OpenMessage> msgs;
        std::vector<QueuedWeight> q;
        for (int i = 0; i < 3; ++i) {
            msgs.push_back(signed_msg(a, std::string(20 + 40 * i, 'q'), T));
            q.push_back(QueuedWeight{mwu(msgs.back()), msgs.back().encoded_size(), 1});
        }
        ForecastParams p;
        p.now = T + 1;
        auto f = forecast_queue(l, a.address(), q, p);
        const auto budget = l.available_mwu(a.address(), p.now);
        auto limits = PackLimits::mwu_stage(budget);
        limits.max_messages = PACK_MAX_MESSAGES;
        limits.max_bytes = PACK_MAX_BYTES;
        auto packed = pack_queue(std::nullopt, msgs, kNet, nonce(1), limits);
        ASSERT_TRUE(packed);
        std::size_t in_first = 0;
        for (const auto& k : f)
            in_first += k.share == 1u;
        EXPECT_EQ(in_first, packed->taken) << shares << " shares earned";
    }
}

TEST(OpenForecast, WeightOfAnUnsignedEntry) {
    // A whole message: its weight with the longest signature.
    const auto w = weight_of(proto::MSG_MINER_MESSAGE, 100, false);
    EXPECT_EQ(w.pieces, 1u);
    EXPECT_EQ(w.mwu, proto::MWU_HEADER + 100 + 2 * MAX_SIGNATURE);
    // Private: the recipient's id too. Long: fragments, the signature on the last one only.
    EXPECT_EQ(weight_of(proto::MSG_MINER_MESSAGE, 100, true).mwu, w.mwu + proto::SIGNING_ID_SIZE);
    const auto f = weight_of(proto::MSG_MINER_MESSAGE, 1000, false);
    EXPECT_EQ(f.pieces, 5u);
    EXPECT_EQ(f.mwu, 5 * (proto::MWU_HEADER + FRAGMENT_HEADER_SIZE) + 1000 + 2 * MAX_SIGNATURE);
}
