// node::DirectLink: the channel and its link messages between two identities, wired in memory.
#include <gtest/gtest.h>

#include <deque>

#include "node/direct_link.hpp"
#include "open_test_util.hpp"

namespace sharemsg::node {
namespace {

using test::open::kMaster1;
using test::open::kMaster2;
using test::open::kNet;
using test::open::Party;
using test::open::party;

channel::LocalIdentity local(const Party& p) {
    return {p.key, p.ann.delegation(), kNet,
            [](const proto::open::AddressHash&, const proto::SigningId&) { return true; }};
}

struct Wire {
    std::deque<Bytes> to_a, to_b;
    std::optional<DirectLink> a, b;
    std::vector<DirectLink::Event> events_a, events_b;

    Wire(const Party& pa, const Party& pb) {
        a.emplace(channel::Channel::initiator(local(pa), pb.id()),
                  [this](Bytes x) { to_b.push_back(std::move(x)); });
        b.emplace(channel::Channel::responder(local(pb)),
                  [this](Bytes x) { to_a.push_back(std::move(x)); });
    }
    // Delivers everything in flight, both ways, until nothing moves.
    void pump() {
        while (!to_a.empty() || !to_b.empty()) {
            while (!to_b.empty()) {
                auto x = std::move(to_b.front());
                to_b.pop_front();
                events_b.push_back(b->feed(x));
            }
            while (!to_a.empty()) {
                auto x = std::move(to_a.front());
                to_a.pop_front();
                events_a.push_back(a->feed(x));
            }
        }
    }
};

TEST(DirectLink, HandshakeThenAPingIsAnsweredWithItsNonce) {
    const Party pa = party(kMaster1, 0), pb = party(kMaster2, 3);
    Wire w(pa, pb);
    EXPECT_FALSE(w.a->ping(1));  // not established yet
    w.pump();
    ASSERT_TRUE(w.a->established());
    ASSERT_TRUE(w.b->established());
    EXPECT_EQ(w.b->peer()->signing_id(), pa.id());
    EXPECT_EQ(w.a->peer()->signing_id(), pb.id());

    ASSERT_TRUE(w.a->ping(0xabcdef));
    ASSERT_TRUE(w.b->ping(7));
    w.pump();
    std::vector<std::uint64_t> pongs_a, pongs_b;
    for (const auto& e : w.events_a)
        pongs_a.insert(pongs_a.end(), e.pongs.begin(), e.pongs.end());
    for (const auto& e : w.events_b)
        pongs_b.insert(pongs_b.end(), e.pongs.begin(), e.pongs.end());
    EXPECT_EQ(pongs_a, std::vector<std::uint64_t>{0xabcdef});
    EXPECT_EQ(pongs_b, std::vector<std::uint64_t>{7});
    EXPECT_EQ(w.a->frames_out(), 2u);  // the ping and the pong for b's ping
    EXPECT_EQ(w.a->frames_in(), 2u);
}

TEST(DirectLink, MailAndItsAckTravelWithTheirTag) {
    const Party pa = party(kMaster1, 0), pb = party(kMaster2, 3);
    Wire w(pa, pb);
    EXPECT_FALSE(w.a->send_mail(1, Bytes{'x'}));  // not established yet
    w.pump();
    const Bytes body(64 * 1024, 'm');  // a large mailbox message fits one frame
    ASSERT_TRUE(w.a->send_mail(9, body));
    w.pump();
    std::vector<DirectLink::Event::Mail> got;
    for (auto& e : w.events_b)
        for (auto& m : e.mails)
            got.push_back(m);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].tag, 9u);
    EXPECT_EQ(got[0].body, body);
    ASSERT_TRUE(w.b->ack_mail(9, true));
    ASSERT_TRUE(w.b->ack_mail(10, false));
    w.pump();
    std::vector<std::pair<std::uint64_t, bool>> acks;
    for (const auto& e : w.events_a)
        acks.insert(acks.end(), e.mail_acks.begin(), e.mail_acks.end());
    EXPECT_EQ(acks, (std::vector<std::pair<std::uint64_t, bool>>{{9, true}, {10, false}}));
}

TEST(DirectLink, AFrameThatIsNoLinkMessageClosesTheLink) {
    const Party pa = party(kMaster1, 0), pb = party(kMaster2, 0);
    std::deque<Bytes> to_b;
    channel::Channel raw = channel::Channel::initiator(local(pa), pb.id());
    std::deque<Bytes> to_a;
    DirectLink b(channel::Channel::responder(local(pb)),
                 [&](Bytes x) { to_a.push_back(std::move(x)); });
    // The initiator here is a bare channel that sends a frame of another protocol.
    auto out = b.feed(raw.start());
    ASSERT_FALSE(out.closed);
    auto confirm = raw.feed(to_a.front());
    ASSERT_TRUE(confirm.established);
    Bytes stream = confirm.to_send;
    auto sealed = raw.seal(Bytes{0x42, 1, 2});
    ASSERT_FALSE(sealed.error);
    stream.insert(stream.end(), sealed.frame.begin(), sealed.frame.end());
    auto e = b.feed(stream);
    EXPECT_TRUE(e.established);
    ASSERT_TRUE(e.closed);
    EXPECT_EQ(*e.closed, DirectLink::Closed::protocol);
    EXPECT_EQ(e.protocol_error, channel::LinkProblem::unknown_type);
    EXPECT_TRUE(b.closed());
    EXPECT_FALSE(b.ping(1));
    EXPECT_EQ(b.feed(Bytes{1}).closed, DirectLink::Closed::local);
}

TEST(DirectLink, ACorruptedFrameClosesItWithTheChannelError) {
    const Party pa = party(kMaster1, 0), pb = party(kMaster2, 0);
    Wire w(pa, pb);
    w.pump();
    ASSERT_TRUE(w.a->ping(5));
    ASSERT_EQ(w.to_b.size(), 1u);
    w.to_b.front().back() ^= 1;  // the tag
    auto e = w.b->feed(w.to_b.front());
    ASSERT_TRUE(e.closed);
    EXPECT_EQ(*e.closed, DirectLink::Closed::channel);
    ASSERT_TRUE(e.channel_error);
    EXPECT_TRUE(*e.channel_error == channel::ChannelError{channel::FrameError::bad_tag});
}

}  // namespace
}  // namespace sharemsg::node
