// The session coordinator (src/musig/coordinator.hpp) over LocalHub: whole sessions, frames
// changed in flight, a signer who signs a wrong partial, replays, reordering and gaps.
// Limits and cleanup are in test_musig_coordinator_limits.cpp.
#include <gtest/gtest.h>

#include "musig_session_util.hpp"

namespace sharemsg::musig {
namespace {

using test::Group;

void run_full_session(std::size_t n) {
    Group g(n);
    const SessionId id = g.create();
    g.hub.deliver_all();
    for (std::size_t i = 0; i < n; ++i) {
        auto v = g.view(i, id);
        ASSERT_TRUE(v) << "signer " << i;
        EXPECT_EQ(v->phase, Phase::init);
        EXPECT_EQ(v->own_index, i);
        EXPECT_EQ(v->creator_index, 0u);
        EXPECT_EQ(v->signers, g.pks);
    }
    g.join_all(id);
    g.hub.deliver_all();
    EXPECT_TRUE(g.refusals().empty()) << g.refusals().front().to_string();

    auto keys = KeyAggContext::create(g.pks);
    ASSERT_TRUE(keys.ok());
    const auto aggpk = keys->xonly_pubkey();
    const auto m = test::test_message();
    std::optional<Signature> first;
    for (std::size_t i = 0; i < n; ++i) {
        auto v = g.view(i, id);
        ASSERT_TRUE(v);
        ASSERT_EQ(v->phase, Phase::complete) << "signer " << i;
        ASSERT_TRUE(v->signature);
        EXPECT_EQ(v->aggregate_key, aggpk);
        EXPECT_TRUE(crypto::schnorr_verify(test::even_key(aggpk), m, *v->signature));
        if (first) {
            EXPECT_EQ(*v->signature, *first);
        }
        first = v->signature;
        EXPECT_EQ(v->nonce_from, std::vector<bool>(n, true));
        EXPECT_EQ(v->partial_from, std::vector<bool>(n, true));
        ASSERT_EQ(g.recorders[i]->ended.size(), 1u);
        EXPECT_TRUE(g.recorders[i]->ended[0].completed);
        EXPECT_EQ(g.recorders[i]->ended[0].signature, *first);
    }
    // A different message does not verify: the check above can fail.
    auto other = m;
    other[0] ^= 1;
    EXPECT_FALSE(crypto::schnorr_verify(test::even_key(aggpk), other, *first));
    // Nothing was ever sent to oneself; each signer sent 1 nonce and 1 partial to n-1 others.
    for (const auto& e : g.hub.sent())
        EXPECT_NE(e.from, e.to);
    EXPECT_EQ(g.hub.sent().size(), (n - 1) + 2 * n * (n - 1));
}

TEST(MusigCoordinatorSession, TwoOfTwo) {
    run_full_session(2);
}
TEST(MusigCoordinatorSession, ThreeOfThree) {
    run_full_session(3);
}
TEST(MusigCoordinatorSession, FiveOfFive) {
    run_full_session(5);
}

TEST(MusigCoordinatorSession, CreatorOtherThanFirstAndLongMessage) {
    Group g(3);
    const Bytes msg(100, 0x5a);  // BIP327 signs messages of any length
    auto id = g[2].create(g.pks, msg, {}, g.now + 600);
    ASSERT_TRUE(id.ok());
    g.hub.deliver_all();
    g.join_all(*id);
    g.hub.deliver_all();
    for (std::size_t i = 0; i < 3; ++i) {
        auto v = g.view(i, *id);
        ASSERT_TRUE(v);
        EXPECT_EQ(v->phase, Phase::complete);
        EXPECT_EQ(v->creator_index, 2u);
        EXPECT_EQ(v->message, msg);
    }
}

TEST(MusigCoordinatorSession, PhasesStepByStep) {
    Group g(3);
    const SessionId id = g.create();
    g.hub.deliver_all();
    EXPECT_EQ(g.view(1, id)->phase, Phase::init);
    ASSERT_TRUE(g[1].join(id).ok());
    EXPECT_EQ(g.view(1, id)->phase, Phase::nonce_exchange);
    EXPECT_EQ(g[1].join(id).error().problem, Problem::already_joined);
    g.hub.deliver_all();
    // A nonce came in: the others are exchanging nonces without having joined.
    EXPECT_EQ(g.view(0, id)->phase, Phase::nonce_exchange);
    EXPECT_FALSE(g.view(0, id)->joined);
    ASSERT_TRUE(g[0].join(id).ok());
    g.hub.deliver_all();
    EXPECT_EQ(g.view(0, id)->phase, Phase::nonce_exchange);
    auto last = g[2].join(id);
    ASSERT_TRUE(last.ok());
    // Signer 2 had every other nonce: its join makes it sign.
    EXPECT_EQ(g.view(2, id)->phase, Phase::partial_sig_exchange);
    EXPECT_EQ(g.view(2, id)->partial_from, (std::vector<bool>{false, false, true}));
    g.hub.deliver_all();
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(g.view(i, id)->phase, Phase::complete);
    // Nothing is taken after the end.
    EXPECT_EQ(g[0].join(id).error().problem, Problem::wrong_phase);
    EXPECT_EQ(g[0].cancel(id).error().problem, Problem::wrong_phase);
}

TEST(MusigCoordinatorTamper, AnnouncementChangedInFlight) {
    Group g(3);
    g.hub.set_filter([&](LocalHub::Envelope& e) {
        if (e.to == g.pks[1] && test::type_of(e.frame) == FrameType::announce)
            e.frame[10] ^= 0x01;  // a byte of the salt
        return LocalHub::Verdict::deliver;
    });
    const SessionId id = g.create();
    g.hub.deliver_all();
    ASSERT_EQ(g.refusals().size(), 1u);
    EXPECT_EQ(g.refusals()[0].problem, Problem::bad_signature);
    EXPECT_EQ(g[1].session_count(), 0u);
    EXPECT_TRUE(g.view(2, id));
}

TEST(MusigCoordinatorTamper, NonceAndPartialChangedInFlight) {
    for (FrameType t : {FrameType::nonce, FrameType::partial}) {
        Group g(3);
        const SessionId id = g.create();
        g.hub.deliver_all();
        bool done = false;
        g.hub.set_filter([&](LocalHub::Envelope& e) {
            if (!done && e.from == g.pks[0] && e.to == g.pks[2] && test::type_of(e.frame) == t) {
                e.frame[44] ^= 0x01;  // seq, inside the signed body
                done = true;
            }
            return LocalHub::Verdict::deliver;
        });
        g.join_all(id);
        g.hub.deliver_all();
        EXPECT_TRUE(done);
        ASSERT_EQ(g.refusals().size(), 1u) << frame_type_name(t);
        EXPECT_EQ(g.refusals()[0].problem, Problem::bad_signature);
        // The frame was not taken: signer 2 lacks signer 0's contribution.
        const auto v = g.view(2, id);
        if (t == FrameType::nonce) {
            // Signer 2 never gets to sign, so signer 1 waits for its partial.
            EXPECT_FALSE(v->nonce_from[0]);
            EXPECT_EQ(v->phase, Phase::nonce_exchange);
            EXPECT_EQ(g.view(1, id)->phase, Phase::partial_sig_exchange);
        } else {
            EXPECT_FALSE(v->partial_from[0]);
            EXPECT_EQ(v->phase, Phase::partial_sig_exchange);
            EXPECT_EQ(g.view(1, id)->phase, Phase::complete);
        }
    }
}

TEST(MusigCoordinatorTamper, WrongPartialSignedByItsSignerIsBlamed) {
    constexpr std::size_t n = 4;
    constexpr std::size_t cheat = 2;
    Group g(n);
    const SessionId id = g.create();
    g.hub.deliver_all();
    g.hub.set_filter([&](LocalHub::Envelope& e) {
        if (e.from != g.pks[cheat] || test::type_of(e.frame) != FrameType::partial)
            return LocalHub::Verdict::deliver;
        auto f = decode_frame(e.frame);
        EXPECT_TRUE(f.ok());
        auto m = std::get<SessionMessage>(*f);
        std::get<PartialBody>(m.payload).psig[31] ^= 0x01;
        sign_message(m, g.sks[cheat]);  // a valid frame carrying a wrong partial
        e.frame = encode_message(m);
        return LocalHub::Verdict::deliver;
    });
    g.join_all(id);
    g.hub.deliver_all();
    EXPECT_EQ(g.count(Problem::bad_signature), 0u);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == cheat) continue;
        const auto v = g.view(i, id);
        ASSERT_EQ(v->phase, Phase::aborted) << "signer " << i;
        ASSERT_TRUE(v->abort);
        EXPECT_EQ(v->abort->reason, AbortReason::bad_partial_sig);
        ASSERT_TRUE(v->abort->blamed);
        EXPECT_EQ(*v->abort->blamed, cheat);
        EXPECT_EQ(v->blamed_pubkey, g.pks[cheat]);
        EXPECT_FALSE(v->signature);
        ASSERT_EQ(g.recorders[i]->ended.size(), 1u);
        EXPECT_FALSE(g.recorders[i]->ended[0].completed);
        EXPECT_EQ(g.recorders[i]->ended[0].blamed, cheat);
    }
}

TEST(MusigCoordinatorReplay, ReplayedAndDuplicatedFramesAreRefused) {
    Group g(3);
    const SessionId id = g.create();
    // Every frame is delivered twice: the copies are refused, the session completes.
    g.hub.set_filter([](LocalHub::Envelope&) { return LocalHub::Verdict::duplicate; });
    g.hub.deliver_all();
    EXPECT_EQ(g.count(Problem::duplicate_session), 2u);
    g.join_all(id);
    g.hub.deliver_all();
    EXPECT_EQ(g.count(Problem::replayed), 2u * 3 * 2);  // each nonce and partial to 2 others
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(g.view(i, id)->phase, Phase::complete);

    // Later replays of any session frame are refused as replayed, not by phase.
    g.hub.set_filter(nullptr);
    g.hub.clear_log();
    for (const auto& e : g.hub.sent())
        if (test::type_of(e.frame) != FrameType::announce) g.hub.inject(e);
    g.hub.deliver_all();
    ASSERT_EQ(g.refusals().size(), 12u);
    EXPECT_EQ(g.count(Problem::replayed), 12u);
}

TEST(MusigCoordinatorReplay, PartialBeforeAMissingNonceIsHeld) {
    Group g(3);
    const SessionId id = g.create();
    g.hub.deliver_all();
    // Signer 0's nonce to signer 2 waits until a partial for signer 2 has gone by.
    bool partial_seen = false;
    g.hub.set_filter([&](LocalHub::Envelope& e) {
        const auto t = test::type_of(e.frame);
        if (e.to == g.pks[2] && t == FrameType::partial) partial_seen = true;
        if (!partial_seen && e.from == g.pks[0] && e.to == g.pks[2] && t == FrameType::nonce)
            return LocalHub::Verdict::defer;
        return LocalHub::Verdict::deliver;
    });
    g.join_all(id);
    g.hub.deliver_all();
    std::size_t held = 0;
    for (const auto& d : g.hub.log())
        if (d.event && d.event->kind == Event::Kind::partial_held) {
            EXPECT_EQ(d.envelope.to, g.pks[2]);
            ++held;
        }
    EXPECT_GE(held, 1u);
    EXPECT_TRUE(g.refusals().empty());
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(g.view(i, id)->phase, Phase::complete) << "signer " << i;
}

TEST(MusigCoordinatorReplay, ANonceBeforeItsAnnouncementIsHeldThenTaken) {
    Group g(3);
    const SessionId id = g.create();
    // Signer 2 hears of the session only after signer 1's nonce reached it: the transport
    // orders frames per sender, and signer 1 joined as soon as it was told.
    bool nonce_seen = false;
    g.hub.set_filter([&](LocalHub::Envelope& e) {
        const auto t = test::type_of(e.frame);
        if (e.to == g.pks[2] && t == FrameType::nonce) nonce_seen = true;
        if (!nonce_seen && e.to == g.pks[2] && t == FrameType::announce)
            return LocalHub::Verdict::defer;
        return LocalHub::Verdict::deliver;
    });
    ASSERT_TRUE(g.hub.deliver_one());  // the announcement to signer 1
    ASSERT_TRUE(g.hub.deliver_one());  // the one to signer 2, deferred
    ASSERT_TRUE(g[1].join(id).ok());
    g.hub.deliver_all();
    ASSERT_TRUE(g.view(2, id));
    std::size_t early = 0;
    for (const auto& d : g.hub.log())
        if (d.event && d.event->kind == Event::Kind::early) {
            EXPECT_EQ(d.envelope.to, g.pks[2]);
            ++early;
        }
    EXPECT_EQ(early, 1u);
    EXPECT_TRUE(g.view(2, id)->nonce_from[1]);  // taken with the announcement
    ASSERT_TRUE(g[0].join(id).ok());
    ASSERT_TRUE(g[2].join(id).ok());
    g.hub.deliver_all();
    EXPECT_TRUE(g.refusals().empty()) << g.refusals().front().to_string();
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(g.view(i, id)->phase, Phase::complete) << "signer " << i;
}

TEST(MusigCoordinatorReplay, EarlyMessagesAreBounded) {
    auto opt = Group::default_options();
    opt.max_early_frames = 2;
    Group g(2, opt);
    const SessionId id = g.create();
    SessionMessage m;
    m.network_id = test::test_network();
    m.sender_index = 1;
    m.payload = AbortBody{AbortReason::cancelled, NO_SIGNER};
    for (std::uint8_t k = 0; k < 3; ++k) {
        m.session_id = id;
        m.session_id[0] ^= static_cast<std::uint8_t>(k + 1);
        m.seq = 1;
        sign_message(m, g.sks[1]);
        const auto r = g[0].receive(encode_message(m));
        if (k < 2) {
            EXPECT_EQ(r->kind, Event::Kind::early) << int(k);
        } else {
            EXPECT_EQ(r.error().problem, Problem::unknown_session);
        }
    }
    // Held at most stuck_timeout: then the room is back.
    g.now += opt.stuck_timeout + 1;
    (void)g[0].sweep(g.now);
    m.session_id[0] ^= 0x40;
    sign_message(m, g.sks[1]);
    EXPECT_EQ(g[0].receive(encode_message(m))->kind, Event::Kind::early);
}

// A nonce frame of signer `from` in session `id` with sequence number `seq`.
Bytes nonce_frame(Group& g, const SessionId& id, std::size_t from, std::uint32_t seq,
                  std::uint8_t rand = 1) {
    NonceGenArgs args;
    args.pk = g.pks[from];
    auto n = nonce_gen_with_rand(ByteArray<32>{rand}, args);
    EXPECT_TRUE(n.ok());
    SessionMessage m;
    m.network_id = test::test_network();
    m.session_id = id;
    m.sender_index = static_cast<std::uint8_t>(from);
    m.seq = seq;
    m.payload = NonceBody{n->pubnonce};
    sign_message(m, g.sks[from]);
    return encode_message(m);
}

TEST(MusigCoordinatorReplay, Window) {
    ReplayWindow w;
    using V = ReplayWindow::Verdict;
    EXPECT_EQ(w.check(1, 100), V::fresh);
    EXPECT_EQ(w.check(101, 100), V::gap);
    EXPECT_EQ(w.check(100, 100), V::fresh);
    w.record(3);
    EXPECT_EQ(w.check(3, 100), V::replayed);
    EXPECT_EQ(w.check(1, 100), V::fresh);
    EXPECT_EQ(w.check(2, 100), V::fresh);
    w.record(1);
    EXPECT_EQ(w.check(1, 100), V::replayed);
    EXPECT_EQ(w.check(2, 100), V::fresh);
    w.record(70);  // 3 is now 67 below: out of the window
    EXPECT_EQ(w.check(3, 100), V::replayed);
    EXPECT_EQ(w.check(5, 100), V::replayed);
    EXPECT_EQ(w.check(6, 100), V::fresh);  // 64 below
    EXPECT_EQ(w.check(69, 100), V::fresh);
    w.record(69);
    w.record(6);
    EXPECT_EQ(w.check(6, 100), V::replayed);
    EXPECT_EQ(w.check(69, 100), V::replayed);
    w.record(71);  // 70 moves into the window; 6 falls out of it
    EXPECT_EQ(w.check(70, 100), V::replayed);
    EXPECT_EQ(w.check(69, 100), V::replayed);
    EXPECT_EQ(w.check(7, 100), V::fresh);
    EXPECT_EQ(w.check(6, 100), V::replayed);
    EXPECT_EQ(w.highest(), 71u);
    w.record(71 + 64);  // the old highest lands on the last bit
    EXPECT_EQ(w.check(71, 100), V::replayed);
    EXPECT_EQ(w.check(72, 100), V::fresh);
    w.record(1000);  // a jump wider than the window forgets everything below
    EXPECT_EQ(w.check(1000 - 64, 100), V::fresh);
    EXPECT_EQ(w.check(1000 - 65, 100), V::replayed);
}

TEST(MusigCoordinatorReplay, SequenceGap) {
    Group g(3);
    const SessionId id = g.create();
    g.hub.deliver_all();
    auto gap = g[0].receive(nonce_frame(g, id, 1, 101));
    ASSERT_FALSE(gap.ok());
    EXPECT_EQ(gap.error().problem, Problem::sequence_gap);
    auto ok = g[0].receive(nonce_frame(g, id, 1, 100));
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(ok->kind, Event::Kind::nonce);
    EXPECT_EQ(ok->signer, 1u);
    // The same nonce again under a new seq changes nothing; another one conflicts.
    auto again = g[0].receive(nonce_frame(g, id, 1, 101));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->kind, Event::Kind::repeated);
    auto other = g[0].receive(nonce_frame(g, id, 1, 102, 2));
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().problem, Problem::conflicting_nonce);
    EXPECT_EQ(g[0].receive(nonce_frame(g, id, 1, 102)).error().problem, Problem::replayed);
    EXPECT_EQ(g[0].receive(nonce_frame(g, id, 1, 100)).error().problem, Problem::replayed);
    // Below the highest: an unseen seq within the window (64) is taken once; older ones never.
    EXPECT_EQ(g[0].receive(nonce_frame(g, id, 1, 38)).value().kind, Event::Kind::repeated);
    EXPECT_EQ(g[0].receive(nonce_frame(g, id, 1, 38)).error().problem, Problem::replayed);
    EXPECT_EQ(g[0].receive(nonce_frame(g, id, 1, 37)).error().problem, Problem::replayed);
    // A gap is measured from the last accepted seq: 102 + 100 is fine, + 101 is not.
    EXPECT_EQ(g[0].receive(nonce_frame(g, id, 1, 203)).error().problem, Problem::sequence_gap);
    EXPECT_TRUE(g[0].receive(nonce_frame(g, id, 1, 202)).ok());
}

TEST(MusigCoordinatorReplay, HeldPartialIsCheckedWhenTheNoncesAreIn) {
    Group g(2);
    const SessionId id = g.create();
    g.hub.deliver_all();
    // Signer 1 sends a partial (a wrong one) before anyone's nonce: signer 0 holds it.
    const auto partial = [&](std::uint32_t seq, std::uint8_t v) {
        SessionMessage m;
        m.network_id = test::test_network();
        m.session_id = id;
        m.sender_index = 1;
        m.seq = seq;
        PartialSig p{};
        p[31] = v;
        m.payload = PartialBody{p};
        sign_message(m, g.sks[1]);
        return encode_message(m);
    };
    EXPECT_EQ(g[0].receive(partial(5, 1)).value().kind, Event::Kind::partial_held);
    EXPECT_EQ(g[0].receive(partial(6, 1)).value().kind, Event::Kind::repeated);
    EXPECT_EQ(g[0].receive(partial(7, 2)).error().problem, Problem::conflicting_partial);
    EXPECT_EQ(g.view(0, id)->phase, Phase::init);
    EXPECT_FALSE(g.view(0, id)->partial_from[1]);
    // Signer 1's real nonce (seq 1, below the held partial's 5: inside the window) and signer
    // 0's join bring every nonce in; the held partial is verified then, and blamed.
    ASSERT_TRUE(g[1].join(id).ok());
    g.hub.detach(g.pks[1]);  // signer 1 takes no part after its nonce
    g.hub.deliver_all();
    EXPECT_EQ(g.view(0, id)->nonce_from[1], true);
    auto j = g[0].join(id);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(j->kind, Event::Kind::aborted);
    const auto v = g.view(0, id);
    ASSERT_EQ(v->phase, Phase::aborted);
    EXPECT_EQ(v->abort->reason, AbortReason::bad_partial_sig);
    EXPECT_EQ(v->abort->blamed, 1u);
}

TEST(MusigCoordinatorReplay, SenderMustBeASignerOfTheSession) {
    Group g(3);
    const SessionId id = g.create();
    g.hub.deliver_all();
    // Signed by signer 1 but claiming index 2.
    auto f = decode_frame(nonce_frame(g, id, 2, 1));
    auto m = std::get<SessionMessage>(*f);
    sign_message(m, g.sks[1]);
    EXPECT_EQ(g[0].receive(encode_message(m)).error().problem, Problem::bad_signature);
    // An index beyond the session's signers.
    m.sender_index = 3;
    sign_message(m, g.sks[1]);
    EXPECT_EQ(g[0].receive(encode_message(m)).error().problem, Problem::bad_sender);
    // A session not announced here: held for its announcement, as an early message; refused
    // as unknown_session once the hold is full (MusigCoordinatorReplay.EarlyMessagesAreBounded).
    m.sender_index = 1;
    m.session_id[0] ^= 1;
    sign_message(m, g.sks[1]);
    EXPECT_EQ(g[0].receive(encode_message(m))->kind, Event::Kind::early);
    // Bytes that do not decode.
    const Bytes junk = {1, 9};
    auto r = g[0].receive(junk);
    EXPECT_EQ(r.error().problem, Problem::bad_frame);
    EXPECT_EQ(r.error().frame, FrameError::bad_type);
    EXPECT_EQ(r.error().to_string(), "bad_frame: bad_type");
}

TEST(MusigCoordinatorAbort, CancelAndAbortFrames) {
    Group g(3);
    const SessionId id = g.create();
    g.hub.deliver_all();
    ASSERT_TRUE(g[0].join(id).ok());
    g.hub.deliver_all();
    auto c = g[1].cancel(id);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->kind, Event::Kind::aborted);
    g.hub.deliver_all();
    for (std::size_t i : {0u, 2u}) {
        const auto v = g.view(i, id);
        ASSERT_EQ(v->phase, Phase::aborted);
        EXPECT_EQ(v->abort->reason, AbortReason::cancelled);
        EXPECT_EQ(v->abort->aborted_by, 1u);
        EXPECT_FALSE(v->abort->blamed);
    }
    EXPECT_EQ(g.view(1, id)->abort->aborted_by, std::nullopt);
    // Nothing moves an aborted session.
    EXPECT_EQ(g[2].join(id).error().problem, Problem::wrong_phase);
    // An abort naming a signer the session does not have is refused.
    Group h(2);
    const SessionId id2 = h.create();
    h.hub.deliver_all();
    SessionMessage m;
    m.network_id = test::test_network();
    m.session_id = id2;
    m.sender_index = 1;
    m.seq = 1;
    m.payload = AbortBody{AbortReason::bad_partial_sig, 5};
    sign_message(m, h.sks[1]);
    EXPECT_EQ(h[0].receive(encode_message(m)).error().problem, Problem::bad_sender);
    EXPECT_EQ(h.view(0, id2)->phase, Phase::init);
}

}  // namespace
}  // namespace sharemsg::musig
