// The session coordinator's refusals of announcements (network, membership, duplicates,
// time, max_sessions) and its cleanup (sweep): old sessions, stuck ones, a signer who
// disappears.
#include <gtest/gtest.h>

#include "musig_session_util.hpp"

namespace sharemsg::musig {
namespace {

using test::Group;

CoordinatorOptions manual_cleanup() {
    auto o = Group::default_options();
    o.auto_cleanup = false;
    return o;
}

const Bytes& announcement_sent(const Group& g) {
    for (const auto& e : g.hub.sent())
        if (test::type_of(e.frame) == FrameType::announce) return e.frame;
    ADD_FAILURE() << "no announcement sent";
    static const Bytes none;
    return none;
}

TEST(MusigCoordinatorRefusal, WrongNetwork) {
    Group g(2);
    auto other = Group::default_options();
    other.network_id[0] ^= 1;
    // A third coordinator on another network, with signer 1's key.
    LocalHub hub;
    std::uint64_t now = test::T0;
    Coordinator c(other, g.sks[1], hub.port(g.pks[1]), [&] { return now; });
    g.create();
    auto r = c.receive(announcement_sent(g));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().problem, Problem::wrong_network);
    EXPECT_EQ(c.session_count(), 0u);
}

TEST(MusigCoordinatorRefusal, NotASigner) {
    Group g(3);
    g.create();
    auto& outsider = g.add(test::key(10), Group::default_options());
    auto r = outsider.receive(announcement_sent(g));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().problem, Problem::not_a_signer);
    EXPECT_EQ(outsider.session_count(), 0u);
    // And it cannot create a session it is not part of.
    std::vector<PlainPubKey> others(g.pks.begin(), g.pks.begin() + 3);
    auto c = outsider.create(others, test::test_message(), {}, g.now + 60);
    EXPECT_EQ(c.error().problem, Problem::invalid_argument);
}

TEST(MusigCoordinatorRefusal, DuplicateAnnouncement) {
    Group g(2);
    const SessionId id = g.create();
    g.hub.deliver_all();
    ASSERT_TRUE(g.view(1, id));
    auto r = g[1].receive(announcement_sent(g));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().problem, Problem::duplicate_session);
    // The creator refuses its own announcement too.
    EXPECT_EQ(g[0].receive(announcement_sent(g)).error().problem, Problem::duplicate_session);
}

TEST(MusigCoordinatorRefusal, AnnouncementTimes) {
    Group g(2);
    g.create();  // created T0, expiring T0 + 3600
    const Bytes a = announcement_sent(g);
    g.now = test::T0 + 3600;
    EXPECT_EQ(g[1].receive(a).error().problem, Problem::expired);
    // Created more than max_clock_skew (300 s) ahead of the receiver.
    g.now = test::T0 - 301;
    EXPECT_EQ(g[1].receive(a).error().problem, Problem::not_yet_valid);
    g.now = test::T0 - 300;
    EXPECT_TRUE(g[1].receive(a).ok());
}

TEST(MusigCoordinatorRefusal, CreateArguments) {
    Group g(3);
    const auto m = test::test_message();
    const auto refused = [&](std::span<const PlainPubKey> s, ByteView msg, ByteView ctx,
                             std::uint64_t expiry) {
        auto r = g[0].create(s, msg, ctx, expiry);
        return r ? std::optional<Problem>() : r.error().problem;
    };
    const std::uint64_t exp = g.now + 60;
    EXPECT_EQ(refused(std::span(g.pks).first(1), m, {}, exp), Problem::invalid_argument);
    std::vector<PlainPubKey> dup = {g.pks[0], g.pks[1], g.pks[1]};
    EXPECT_EQ(refused(dup, m, {}, exp), Problem::invalid_argument);
    EXPECT_EQ(refused(g.pks, {}, {}, exp), Problem::invalid_argument);
    const Bytes big(MAX_CONTEXT + 1, 0);
    EXPECT_EQ(refused(g.pks, m, big, exp), Problem::invalid_argument);
    EXPECT_EQ(refused(g.pks, m, {}, g.now), Problem::invalid_argument);
    EXPECT_EQ(refused(g.pks, m, {}, g.now + MAX_SESSION_LIFETIME + 1), Problem::invalid_argument);
    EXPECT_EQ(refused(g.pks, m, {}, g.now + MAX_SESSION_LIFETIME), std::nullopt);
}

TEST(MusigCoordinatorRefusal, MaxSessions) {
    auto opt = Group::default_options();
    opt.max_sessions = 3;
    Group g(2, opt);
    for (int i = 0; i < 3; ++i)
        g.create(0);
    auto fourth = g[0].create(g.pks, test::test_message(), {}, g.now + 60);
    ASSERT_FALSE(fourth.ok());
    EXPECT_EQ(fourth.error().problem, Problem::too_many_sessions);
    // Signer 1 (before it hears of signer 0's) makes 3 and is refused a fourth; then each is
    // full and refuses the other's 3 announcements.
    for (int i = 0; i < 4; ++i) {
        auto r = g[1].create(g.pks, test::test_message(), {}, g.now + 60);
        EXPECT_EQ(r.ok(), i < 3);
    }
    g.hub.deliver_all();
    EXPECT_EQ(g[0].session_count(), 3u);
    EXPECT_EQ(g[1].session_count(), 3u);
    EXPECT_EQ(g.count(Problem::too_many_sessions), 6u);
    // A sweep that removes them makes room again.
    g.now += 60;
    g[1].sweep();
    EXPECT_EQ(g[1].session_count(), 0u);
    EXPECT_TRUE(g[1].create(g.pks, test::test_message(), {}, g.now + 60).ok());
}

TEST(MusigCoordinatorSweep, OldSessionsAreRemoved) {
    Group g(2, manual_cleanup());
    const SessionId done = g.create();
    g.hub.deliver_all();
    g.join_all(done);
    g.hub.deliver_all();
    ASSERT_EQ(g.view(0, done)->phase, Phase::complete);
    const SessionId waiting = g.create();  // stays in INIT
    g.hub.deliver_all();
    // Before expiry nothing goes: an ended session is kept so its result can be read.
    g.now = test::T0 + 3599;
    EXPECT_EQ(g[0].sweep(), SweepReport{});
    EXPECT_EQ(g[0].session_count(), 2u);
    g.now = test::T0 + 3600;
    const SweepReport r = g[0].sweep();
    EXPECT_EQ(r.removed, 2u);
    EXPECT_EQ(r.aborted_expired, 1u);  // the one in INIT
    EXPECT_EQ(r.aborted_stuck, 0u);
    EXPECT_EQ(g[0].session_count(), 0u);
    ASSERT_EQ(g.recorders[0]->ended.size(), 2u);
    EXPECT_EQ(g.recorders[0]->ended[1].id, waiting);
    EXPECT_EQ(g.recorders[0]->ended[1].reason, AbortReason::expired);
}

TEST(MusigCoordinatorSweep, SessionTimeoutBeforeExpiry) {
    auto opt = manual_cleanup();
    opt.session_timeout = 600;
    Group g(2, opt);
    const SessionId id = g.create();
    g.hub.deliver_all();
    g.now += 599;
    EXPECT_EQ(g[1].sweep().removed, 0u);
    g.now += 1;
    EXPECT_EQ(g[1].sweep().removed, 1u);
    // The announcement replayed after removal (not yet expired) is still refused.
    EXPECT_EQ(g[1].receive(announcement_sent(g)).error().problem, Problem::duplicate_session);
    EXPECT_FALSE(g.view(1, id));
}

TEST(MusigCoordinatorSweep, StuckSessionsAreAbortedInitIsNot) {
    Group g(3, manual_cleanup());
    const SessionId id = g.create();
    g.hub.deliver_all();
    ASSERT_TRUE(g[0].join(id).ok());  // signer 0 waits for nonces; the others do not send them
    const std::uint64_t joined_at = g.now;
    // Signer 1 sees 0's nonce (NONCE_EXCHANGE, without joining); signer 2 never hears (INIT).
    g.hub.set_filter([&](LocalHub::Envelope& e) {
        return e.to == g.pks[2] ? LocalHub::Verdict::drop : LocalHub::Verdict::deliver;
    });
    g.hub.deliver_all();
    EXPECT_EQ(g.view(1, id)->phase, Phase::nonce_exchange);
    EXPECT_EQ(g.view(2, id)->phase, Phase::init);
    g.now = joined_at + 600;  // not more than stuck_timeout yet
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(g[i].sweep(), SweepReport{});
    g.now = joined_at + 601;
    EXPECT_EQ(g[0].sweep().aborted_stuck, 1u);
    EXPECT_EQ(g[1].sweep().aborted_stuck, 1u);
    EXPECT_EQ(g[2].sweep(), SweepReport{});  // INIT is never stuck
    EXPECT_EQ(g.view(2, id)->phase, Phase::init);
    for (std::size_t i : {0u, 1u}) {
        const auto v = g.view(i, id);
        ASSERT_EQ(v->phase, Phase::aborted);
        EXPECT_EQ(v->abort->reason, AbortReason::stuck);
    }
    // The stuck ones told the others (signer 2's copies are dropped by the filter).
    g.hub.clear_log();
    g.hub.deliver_all();
    EXPECT_EQ(g.count(Problem::wrong_phase), 2u);  // 0 and 1 had already aborted
}

TEST(MusigCoordinatorSweep, SignerWhoDisappearsLeavesNothing) {
    Group g(3);  // automatic cleanup, every 60 s
    const SessionId id = g.create();
    g.hub.deliver_all();
    g.hub.detach(g.pks[2]);  // signer 2 is gone
    ASSERT_TRUE(g[0].join(id).ok());
    ASSERT_TRUE(g[1].join(id).ok());
    g.hub.deliver_all();
    EXPECT_EQ(g.view(0, id)->phase, Phase::nonce_exchange);
    EXPECT_EQ(g.view(0, id)->nonce_from, (std::vector<bool>{true, true, false}));
    // Time passes; each sweeps on its own when it is next called.
    g.now += 601;
    for (std::size_t i : {0u, 1u})
        EXPECT_EQ(g[i].list().size(), 1u);
    (void)g[0].join(id);  // any call sweeps once cleanup_interval has passed
    (void)g[1].join(id);
    for (std::size_t i : {0u, 1u}) {
        const auto v = g.view(i, id);
        ASSERT_TRUE(v);
        EXPECT_EQ(v->phase, Phase::aborted);
        EXPECT_EQ(v->abort->reason, AbortReason::stuck);
    }
    g.hub.deliver_all();
    g.now = test::T0 + 3600;
    for (std::size_t i : {0u, 1u}) {
        EXPECT_EQ(g[i].sweep().removed, 1u);
        EXPECT_EQ(g[i].session_count(), 0u);
        EXPECT_TRUE(g[i].list().empty());
    }
}

TEST(MusigCoordinatorSweep, ExpiredFramesAreRefused) {
    Group g(2, manual_cleanup());
    const SessionId id = g.create();
    g.hub.deliver_all();
    ASSERT_TRUE(g[0].join(id).ok());
    g.now = test::T0 + 3600;
    g.hub.deliver_all();
    EXPECT_EQ(g.count(Problem::expired), 1u);
    EXPECT_EQ(g[1].join(id).error().problem, Problem::expired);
}

}  // namespace
}  // namespace sharemsg::musig
