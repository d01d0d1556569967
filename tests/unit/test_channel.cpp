// The encrypted channel between two identities: handshake (channel/handshake.hpp), frames
// (channel/frame.hpp) and the Channel that joins them, in memory and over a real TCP socket
// pair on 127.0.0.1.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <string>
#include <vector>

#include "channel/channel.hpp"
#include "channel/frame.hpp"
#include "channel/handshake.hpp"
#include "channel/link.hpp"
#include "open_test_util.hpp"

namespace sharemsg::channel {
namespace {

using test::open::kMaster1;
using test::open::kMaster2;
using test::open::kMasterEvil;
using test::open::kNet;
using test::open::kOtherNet;
using test::open::Party;
using test::open::party;

Authorize allow_all() {
    return [](const proto::open::AddressHash&, const proto::SigningId&) { return true; };
}

LocalIdentity local(const Party& p, Authorize auth = allow_all(),
                    const proto::open::NetworkId& net = kNet) {
    return LocalIdentity{p.key, p.ann.delegation(), net, std::move(auth)};
}

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

// Moves bytes between two channels until neither has anything to send; returns the first
// error either side reported.
struct Pump {
    std::vector<Bytes> at_initiator, at_responder;
    std::optional<ChannelError> error;
};

Pump pump(Channel& init, Channel& resp, Bytes to_resp) {
    Pump p;
    Bytes to_init;
    while (!to_resp.empty() || !to_init.empty()) {
        if (!to_resp.empty()) {
            auto out = resp.feed(to_resp);
            to_resp.clear();
            for (auto& m : out.messages)
                p.at_responder.push_back(std::move(m));
            if (out.error && !p.error) p.error = out.error;
            to_init = std::move(out.to_send);
        }
        if (!to_init.empty()) {
            auto out = init.feed(to_init);
            to_init.clear();
            for (auto& m : out.messages)
                p.at_initiator.push_back(std::move(m));
            if (out.error && !p.error) p.error = out.error;
            to_resp = std::move(out.to_send);
        }
    }
    return p;
}

struct Established {
    Channel init;
    Channel resp;
};

Established established(const Party& a, const Party& b) {
    Established e{Channel::initiator(local(a), b.id()), Channel::responder(local(b))};
    auto p = pump(e.init, e.resp, e.init.start());
    EXPECT_FALSE(p.error.has_value());
    EXPECT_TRUE(e.init.established());
    EXPECT_TRUE(e.resp.established());
    return e;
}

Bytes seal(Channel& c, std::string_view s) {
    auto sealed = c.seal(text(s));
    EXPECT_FALSE(sealed.error.has_value());
    return sealed.frame;
}

// ---- handshake ---------------------------------------------------------------------------------

TEST(Channel, HandshakeThenMessagesBothWays) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 3);
    std::vector<std::pair<proto::open::AddressHash, proto::SigningId>> asked_by_b;
    Authorize b_auth = [&](const proto::open::AddressHash& m, const proto::SigningId& id) {
        asked_by_b.emplace_back(m, id);
        return true;
    };
    Channel init = Channel::initiator(local(a), b.id());
    Channel resp = Channel::responder(local(b, b_auth));
    const Bytes hello = init.start();
    EXPECT_EQ(hello.size(), HELLO_SIZE);
    auto p = pump(init, resp, hello);
    ASSERT_FALSE(p.error.has_value());
    ASSERT_TRUE(init.established());
    ASSERT_TRUE(resp.established());

    ASSERT_EQ(asked_by_b.size(), 1u);
    EXPECT_EQ(asked_by_b[0].first, a.address());
    EXPECT_EQ(asked_by_b[0].second, a.id());
    ASSERT_TRUE(init.peer().has_value());
    ASSERT_TRUE(resp.peer().has_value());
    EXPECT_EQ(init.peer()->signing_id(), b.id());
    EXPECT_EQ(init.peer()->key_index, 3u);
    EXPECT_EQ(init.peer()->master_hash(), b.address());
    EXPECT_EQ(resp.peer()->signing_id(), a.id());

    const auto& ki = *init.handshake().keys();
    const auto& kr = *resp.handshake().keys();
    EXPECT_EQ(ki.send, kr.receive);
    EXPECT_EQ(ki.receive, kr.send);
    EXPECT_NE(ki.send, ki.receive);
    EXPECT_EQ(ki.transcript_hash, kr.transcript_hash);

    auto to_r = resp.feed(seal(init, "hello responder"));
    ASSERT_FALSE(to_r.error.has_value());
    ASSERT_EQ(to_r.messages.size(), 1u);
    EXPECT_EQ(to_r.messages[0], text("hello responder"));
    Bytes two = seal(resp, "first");
    append(two, seal(resp, ""));
    append(two, seal(resp, std::string(MAX_FRAME_PAYLOAD, 'x')));
    auto to_i = init.feed(two);
    ASSERT_FALSE(to_i.error.has_value());
    ASSERT_EQ(to_i.messages.size(), 3u);
    EXPECT_EQ(to_i.messages[0], text("first"));
    EXPECT_TRUE(to_i.messages[1].empty());
    EXPECT_EQ(to_i.messages[2].size(), MAX_FRAME_PAYLOAD);
}

TEST(Channel, FramesRightBehindTheConfirmArriveWithIt) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    Channel init = Channel::initiator(local(a), b.id());
    Channel resp = Channel::responder(local(b));
    auto r1 = resp.feed(init.start());
    ASSERT_FALSE(r1.error.has_value());
    auto i1 = init.feed(r1.to_send);
    ASSERT_TRUE(i1.established);
    Bytes wire = i1.to_send;
    append(wire, seal(init, "piggyback"));
    auto r2 = resp.feed(wire);
    ASSERT_FALSE(r2.error.has_value());
    EXPECT_TRUE(r2.established);
    ASSERT_EQ(r2.messages.size(), 1u);
    EXPECT_EQ(r2.messages[0], text("piggyback"));
}

TEST(Channel, HandshakeSplitIntoSingleBytes) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    Channel init = Channel::initiator(local(a), b.id());
    Channel resp = Channel::responder(local(b));
    Bytes reply;
    for (auto byte : init.start()) {
        auto out = resp.feed(ByteView(&byte, 1));
        ASSERT_FALSE(out.error.has_value());
        append(reply, out.to_send);
    }
    ASSERT_EQ(reply.size(), REPLY_SIZE);
    Bytes confirm;
    for (auto byte : reply) {
        auto out = init.feed(ByteView(&byte, 1));
        ASSERT_FALSE(out.error.has_value());
        append(confirm, out.to_send);
    }
    ASSERT_EQ(confirm.size(), CONFIRM_SIZE);
    for (auto byte : confirm)
        ASSERT_FALSE(resp.feed(ByteView(&byte, 1)).error.has_value());
    EXPECT_TRUE(resp.established());
}

TEST(Channel, MitmSwappingTheInitiatorsEphemeralIsRefused) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    auto init = Handshake::initiator(local(a), b.id());
    auto resp = Handshake::responder(local(b));
    Bytes hello = init.hello();
    const auto mitm = crypto::X25519Key::generate();
    const auto mitm_pub = mitm.public_key();
    std::copy(mitm_pub.begin(), mitm_pub.end(), hello.begin() + 30 + IDENTITY_SIZE);
    auto reply = resp.on_message(hello);  // the responder cannot tell
    ASSERT_FALSE(reply.error.has_value());
    auto confirm = init.on_message(reply.reply);
    ASSERT_EQ(confirm.error, HandshakeError::bad_signature);
    EXPECT_EQ(init.state(), Handshake::State::failed);
    EXPECT_FALSE(init.keys().has_value());
    EXPECT_FALSE(init.peer().has_value());
}

TEST(Channel, MitmSwappingTheRespondersEphemeralIsRefused) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    auto init = Handshake::initiator(local(a), b.id());
    auto resp = Handshake::responder(local(b));
    auto reply = resp.on_message(init.hello());
    ASSERT_FALSE(reply.error.has_value());
    const auto mitm_pub = crypto::X25519Key::generate().public_key();
    std::copy(mitm_pub.begin(), mitm_pub.end(), reply.reply.begin() + 2 + IDENTITY_SIZE);
    EXPECT_EQ(init.on_message(reply.reply).error, HandshakeError::bad_signature);
    EXPECT_FALSE(init.keys().has_value());
}

TEST(Channel, ForgedConfirmIsRefusedAndLeavesNoKeys) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    auto init = Handshake::initiator(local(a), b.id());
    auto resp = Handshake::responder(local(b));
    auto reply = resp.on_message(init.hello());
    auto confirm = init.on_message(reply.reply);
    ASSERT_FALSE(confirm.error.has_value());
    confirm.reply[10] ^= 0x01;
    EXPECT_EQ(resp.on_message(confirm.reply).error, HandshakeError::bad_signature);
    EXPECT_FALSE(resp.keys().has_value());
    EXPECT_FALSE(resp.peer().has_value());
    // Failed for good: the genuine confirm is refused too.
    confirm.reply[10] ^= 0x01;
    EXPECT_EQ(resp.on_message(confirm.reply).error, HandshakeError::failed);
}

TEST(Channel, WrongNetworkIsRefused) {
    const Party a = party(kMaster1, 0, kOtherNet);
    const Party b = party(kMaster2, 0);
    auto init = Handshake::initiator(local(a, allow_all(), kOtherNet), b.id());
    auto resp = Handshake::responder(local(b));
    EXPECT_EQ(resp.on_message(init.hello()).error, HandshakeError::wrong_network);
    EXPECT_EQ(resp.state(), Handshake::State::failed);
}

TEST(Channel, DelegationForAnotherNetworkOrIndexIsRefused) {
    const Party b = party(kMaster2, 0);
    // A delegation signed for another network, presented on ours.
    const Party other_net = party(kMaster1, 0, kOtherNet);
    auto init = Handshake::initiator(local(other_net), b.id());
    auto resp = Handshake::responder(local(b));
    EXPECT_EQ(resp.on_message(init.hello()).error, HandshakeError::bad_delegation);
    // Key 1's signing key presented with key 0's delegation.
    const Party k0 = party(kMaster1, 0);
    const Party k1 = party(kMaster1, 1);
    auto init2 =
        Handshake::initiator(LocalIdentity{k1.key, k0.ann.delegation(), kNet, allow_all()}, b.id());
    auto resp2 = Handshake::responder(local(b));
    EXPECT_EQ(resp2.on_message(init2.hello()).error, HandshakeError::bad_delegation);
}

TEST(Channel, UnauthorizedIdentityIsRefusedBothWays) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party evil = party(kMasterEvil, 0);
    // The responder authorizes a's master only.
    Authorize only_a = [&](const proto::open::AddressHash& m, const proto::SigningId&) {
        return m == a.address();
    };
    auto from_evil = Handshake::initiator(local(evil), b.id());
    auto resp = Handshake::responder(local(b, only_a));
    EXPECT_EQ(resp.on_message(from_evil.hello()).error, HandshakeError::unauthorized);

    // The initiator refuses a responder its predicate does not authorize.
    Authorize nobody = [](const proto::open::AddressHash&, const proto::SigningId&) {
        return false;
    };
    auto init = Handshake::initiator(local(a, nobody), b.id());
    auto resp2 = Handshake::responder(local(b));
    auto reply = resp2.on_message(init.hello());
    ASSERT_FALSE(reply.error.has_value());
    EXPECT_EQ(init.on_message(reply.reply).error, HandshakeError::unauthorized);
    EXPECT_FALSE(init.keys().has_value());
}

TEST(Channel, HelloForAnotherIdentityIsRefused) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party b_other_key = party(kMaster2, 1);
    auto init = Handshake::initiator(local(a), b_other_key.id());
    auto resp = Handshake::responder(local(b));
    EXPECT_EQ(resp.on_message(init.hello()).error, HandshakeError::wrong_identity);
}

TEST(Channel, ReplyFromAnotherIdentityIsRefused) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party evil = party(kMasterEvil, 0);
    // The initiator wants b; someone rewrites the hello towards evil, who answers.
    auto init = Handshake::initiator(local(a), b.id());
    Bytes hello = init.hello();
    const proto::SigningId evil_id = evil.id();
    std::copy(evil_id.begin(), evil_id.end(), hello.begin() + 10);
    auto evil_resp = Handshake::responder(local(evil));
    auto reply = evil_resp.on_message(hello);
    ASSERT_FALSE(reply.error.has_value());
    EXPECT_EQ(init.on_message(reply.reply).error, HandshakeError::wrong_identity);
}

TEST(Channel, MalformedAndUnexpectedHandshakeMessages) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    {
        auto resp = Handshake::responder(local(b));
        EXPECT_EQ(resp.on_message(Bytes{0x02, TYPE_HELLO}).error, HandshakeError::bad_version);
    }
    {
        auto resp = Handshake::responder(local(b));
        EXPECT_EQ(resp.on_message(Bytes(CONFIRM_SIZE, 0)).error, HandshakeError::bad_version);
    }
    {
        auto resp = Handshake::responder(local(b));
        Bytes confirm(CONFIRM_SIZE, 0);
        confirm[0] = HANDSHAKE_VERSION;
        confirm[1] = TYPE_CONFIRM;
        EXPECT_EQ(resp.on_message(confirm).error, HandshakeError::unexpected_message);
    }
    {
        auto resp = Handshake::responder(local(b));
        auto init = Handshake::initiator(local(a), b.id());
        Bytes hello = init.hello();
        hello.pop_back();
        EXPECT_EQ(resp.on_message(hello).error, HandshakeError::malformed);
    }
    {
        // A signing pubkey that is not a point.
        auto resp = Handshake::responder(local(b));
        auto init = Handshake::initiator(local(a), b.id());
        Bytes hello = init.hello();
        hello[30] = 0x05;
        EXPECT_EQ(resp.on_message(hello).error, HandshakeError::malformed);
    }
    {
        // A small-order ephemeral.
        auto resp = Handshake::responder(local(b));
        auto init = Handshake::initiator(local(a), b.id());
        Bytes hello = init.hello();
        std::fill(hello.begin() + 30 + IDENTITY_SIZE, hello.begin() + 30 + IDENTITY_SIZE + 32, 0);
        EXPECT_EQ(resp.on_message(hello).error, HandshakeError::bad_key_exchange);
        EXPECT_FALSE(resp.keys().has_value());
    }
    {
        // An initiator fed bytes before it said hello.
        Channel init = Channel::initiator(local(a), b.id());
        auto out = init.feed(Bytes{0x01});
        ASSERT_TRUE(out.error.has_value());
        EXPECT_EQ(std::get<HandshakeError>(*out.error), HandshakeError::unexpected_message);
        EXPECT_TRUE(init.closed());
    }
}

TEST(Channel, FailedHandshakeClosesTheChannel) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    Channel init = Channel::initiator(local(a), party(kMasterEvil, 0).id());
    Channel resp = Channel::responder(local(b));
    auto out = resp.feed(init.start());
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(std::get<HandshakeError>(*out.error), HandshakeError::wrong_identity);
    EXPECT_TRUE(out.to_send.empty());
    EXPECT_TRUE(resp.closed());
    EXPECT_FALSE(resp.established());
    EXPECT_EQ(resp.seal(text("x")).error, FrameError::closed);
    auto again = resp.feed(Bytes{0x01});
    ASSERT_TRUE(again.error.has_value());
    EXPECT_EQ(std::get<HandshakeError>(*again.error), HandshakeError::failed);
}

// ---- frames ------------------------------------------------------------------------------------

TEST(Channel, BitFlipClosesTheChannel) {
    auto e = established(party(kMaster1, 0), party(kMaster2, 0));
    const Bytes frame = seal(e.init, "payload");
    for (std::size_t i = 0; i < frame.size(); ++i) {
        FrameDecoder d(e.resp.handshake().keys()->receive);
        Bytes bad = frame;
        bad[i] ^= 0x20;
        auto out = d.feed(bad);
        // A flipped length byte may announce more than is there (the decoder waits) or more
        // than MAX_FRAME_PAYLOAD; every other flip fails the tag.
        if (i < FRAME_HEADER_SIZE && !out.error) {
            EXPECT_GT(d.buffered(), 0u);
            continue;
        }
        ASSERT_TRUE(out.error.has_value()) << "byte " << i;
        EXPECT_TRUE(out.messages.empty());
    }
    Bytes bad = frame;
    bad[FRAME_HEADER_SIZE] ^= 0x01;
    auto out = e.resp.feed(bad);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(std::get<FrameError>(*out.error), FrameError::bad_tag);
    EXPECT_TRUE(e.resp.closed());
    // Closed: even the genuine frame is refused now.
    auto again = e.resp.feed(frame);
    ASSERT_TRUE(again.error.has_value());
    EXPECT_EQ(std::get<FrameError>(*again.error), FrameError::closed);
    EXPECT_TRUE(again.messages.empty());
}

TEST(Channel, ReplayedFrameIsRefused) {
    auto e = established(party(kMaster1, 0), party(kMaster2, 0));
    const Bytes frame = seal(e.init, "once");
    auto first = e.resp.feed(frame);
    ASSERT_FALSE(first.error.has_value());
    ASSERT_EQ(first.messages.size(), 1u);
    auto replay = e.resp.feed(frame);
    ASSERT_TRUE(replay.error.has_value());
    EXPECT_EQ(std::get<FrameError>(*replay.error), FrameError::bad_tag);
    EXPECT_TRUE(replay.messages.empty());
}

TEST(Channel, ReorderedFramesAreRefused) {
    auto e = established(party(kMaster1, 0), party(kMaster2, 0));
    const Bytes f1 = seal(e.init, "one");
    const Bytes f2 = seal(e.init, "two");
    auto out = e.resp.feed(f2);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(std::get<FrameError>(*out.error), FrameError::bad_tag);
    EXPECT_TRUE(e.resp.feed(f1).error.has_value());
}

TEST(Channel, FrameEchoedBackToItsSenderIsRefused) {
    auto e = established(party(kMaster1, 0), party(kMaster2, 0));
    const Bytes frame = seal(e.init, "reflect me");
    auto out = e.init.feed(frame);  // the other direction has another key
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(std::get<FrameError>(*out.error), FrameError::bad_tag);
}

TEST(Channel, FramesSplitIntoSingleBytesDecode) {
    auto e = established(party(kMaster1, 0), party(kMaster2, 0));
    Bytes wire = seal(e.init, "split");
    append(wire, seal(e.init, "into single bytes"));
    std::vector<Bytes> got;
    for (auto byte : wire) {
        auto out = e.resp.feed(ByteView(&byte, 1));
        ASSERT_FALSE(out.error.has_value());
        for (auto& m : out.messages)
            got.push_back(std::move(m));
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], text("split"));
    EXPECT_EQ(got[1], text("into single bytes"));
}

TEST(Channel, TruncatedFrameDeliversNothing) {
    auto e = established(party(kMaster1, 0), party(kMaster2, 0));
    Bytes frame = seal(e.init, "cut short");
    frame.pop_back();
    auto out = e.resp.feed(frame);
    EXPECT_FALSE(out.error.has_value());
    EXPECT_TRUE(out.messages.empty());
    // What follows is read as the missing tag byte: the frame fails.
    auto next = e.resp.feed(seal(e.init, "next"));
    ASSERT_TRUE(next.error.has_value());
    EXPECT_EQ(std::get<FrameError>(*next.error), FrameError::bad_tag);
}

TEST(Channel, OversizeLengthIsRefusedFromTheHeader) {
    ByteArray<32> key{};
    key[0] = 7;
    FrameDecoder d(key);
    const std::uint32_t len = MAX_FRAME_PAYLOAD + 1;
    const Bytes header{static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
                       static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 24)};
    auto out = d.feed(header);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(*out.error, FrameError::oversize);
    EXPECT_TRUE(d.closed());
    EXPECT_EQ(d.buffered(), 0u);
    EXPECT_EQ(d.feed(Bytes{1}).error, FrameError::closed);

    FrameDecoder huge(key);
    EXPECT_EQ(huge.feed(Bytes{0xff, 0xff, 0xff, 0xff}).error, FrameError::oversize);

    FrameSealer s(key);
    auto sealed = s.seal(Bytes(MAX_FRAME_PAYLOAD + 1, 0));
    EXPECT_EQ(sealed.error, FrameError::oversize);
    EXPECT_TRUE(sealed.frame.empty());
    EXPECT_EQ(s.next_sequence(), 0u);
}

TEST(Channel, FrameLayoutIsLengthCiphertextTag) {
    ByteArray<32> key{};
    key[31] = 1;
    FrameSealer s(key);
    const Bytes plain = text("layout");
    auto sealed = s.seal(plain);
    ASSERT_FALSE(sealed.error.has_value());
    ASSERT_EQ(sealed.frame.size(), FRAME_HEADER_SIZE + plain.size() + FRAME_TAG_SIZE);
    EXPECT_EQ(sealed.frame[0], plain.size());  // little-endian length
    EXPECT_EQ(sealed.frame[1], 0);
    // Sequence 0: nonce 12 zero bytes; the length bytes are the AAD.
    const Bytes body =
        crypto::chacha20poly1305_seal(key, frame_nonce(0), ByteView(sealed.frame).first(4), plain);
    EXPECT_EQ(Bytes(sealed.frame.begin() + 4, sealed.frame.end()), body);
    EXPECT_EQ(to_hex(frame_nonce(0x0102)), "000000000201000000000000");
}

TEST(Channel, CounterExhaustionIsAnError) {
    ByteArray<32> key{};
    key[5] = 9;
    FrameSealer s(key, MAX_FRAME_SEQUENCE);
    auto last = s.seal(text("last"));
    ASSERT_FALSE(last.error.has_value());
    auto over = s.seal(text("one too many"));
    EXPECT_EQ(over.error, FrameError::counter_exhausted);
    EXPECT_TRUE(over.frame.empty());

    FrameDecoder d(key, MAX_FRAME_SEQUENCE);
    auto out = d.feed(last.frame);
    ASSERT_FALSE(out.error.has_value());
    ASSERT_EQ(out.messages.size(), 1u);
    // Whatever comes next cannot have a fresh nonce.
    FrameSealer forged(key, MAX_FRAME_SEQUENCE);
    auto again = d.feed(forged.seal(text("x")).frame);
    EXPECT_EQ(again.error, FrameError::counter_exhausted);
}

// ---- over TCP ----------------------------------------------------------------------------------

// Reads from `s` into `c` until `done` holds; returns everything the channel produced.
template <class Done>
Channel::Output read_until(boost::asio::ip::tcp::socket& s, Channel& c, Done done) {
    Channel::Output all;
    std::array<std::uint8_t, 512> buf{};
    while (!done(all)) {
        const std::size_t n = s.read_some(boost::asio::buffer(buf));
        auto out = c.feed(ByteView(buf.data(), n));
        append(all.to_send, out.to_send);
        for (auto& m : out.messages)
            all.messages.push_back(std::move(m));
        all.established = all.established || out.established;
        if (out.error) {
            all.error = out.error;
            break;
        }
    }
    return all;
}

TEST(Channel, OverARealTcpSocketPair) {
    namespace asio = boost::asio;
    using asio::ip::tcp;
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();

    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 2);
    Channel init = Channel::initiator(local(a), b.id());
    Channel resp = Channel::responder(local(b));

    asio::write(client, asio::buffer(init.start()));
    auto r1 = read_until(server, resp, [](const auto& o) { return !o.to_send.empty(); });
    ASSERT_FALSE(r1.error.has_value());
    asio::write(server, asio::buffer(r1.to_send));

    auto i1 = read_until(client, init, [](const auto& o) { return o.established; });
    ASSERT_FALSE(i1.error.has_value());
    Bytes wire = i1.to_send;  // the confirm, then two frames in the same write
    append(wire, seal(init, "over tcp"));
    append(wire, seal(init, std::string(10000, 'z')));
    asio::write(client, asio::buffer(wire));

    auto r2 = read_until(server, resp, [](const auto& o) { return o.messages.size() >= 2; });
    ASSERT_FALSE(r2.error.has_value());
    EXPECT_TRUE(r2.established);
    EXPECT_EQ(r2.messages[0], text("over tcp"));
    EXPECT_EQ(r2.messages[1].size(), 10000u);

    asio::write(server, asio::buffer(seal(resp, "and back")));
    auto i2 = read_until(client, init, [](const auto& o) { return !o.messages.empty(); });
    ASSERT_FALSE(i2.error.has_value());
    EXPECT_EQ(i2.messages[0], text("and back"));
    EXPECT_EQ(resp.peer()->signing_id(), a.id());
    EXPECT_EQ(init.peer()->signing_id(), b.id());
}

}  // namespace
}  // namespace sharemsg::channel

namespace sharemsg::channel {
namespace {

TEST(LinkMessage, PingAndPongRoundTripWithTheirNonce) {
    for (auto type : {LinkType::ping, LinkType::pong}) {
        const LinkMessage m{type, 0x0102030405060708ull, false, {}};
        const Bytes b = encode_link(m);
        ASSERT_EQ(b.size(), 9u);
        EXPECT_EQ(b[0], static_cast<std::uint8_t>(type));
        EXPECT_EQ(b[1], 0x08);  // little-endian
        auto back = decode_link(b);
        ASSERT_TRUE(back.ok()) << back.failure().detail;
        EXPECT_EQ(*back, m);
    }
}

TEST(LinkMessage, RefusesWhatItDoesNotKnow) {
    EXPECT_EQ(decode_link(Bytes{}).failure().problem, LinkProblem::empty);
    EXPECT_EQ(decode_link(Bytes{0x7f, 0, 0, 0, 0, 0, 0, 0, 0}).failure().problem,
              LinkProblem::unknown_type);
    EXPECT_EQ(decode_link(Bytes{0x01, 0, 0}).failure().problem, LinkProblem::bad_length);
    Bytes longer = encode_link({LinkType::pong, 1, false, {}});
    longer.push_back(0);
    EXPECT_EQ(decode_link(longer).failure().problem, LinkProblem::bad_length);
    EXPECT_EQ(link_problem_name(LinkProblem::bad_length), "bad_length");
    EXPECT_EQ(link_type_name(LinkType::pong), "pong");
}

TEST(LinkMessage, MailCarriesItsTagAndBodyAndTheAckItsFlag) {
    LinkMessage mail{LinkType::mail, 42, false, Bytes{'{', '}'}};
    const Bytes b = encode_link(mail);
    ASSERT_EQ(b.size(), 1u + 8 + 2);
    auto back = decode_link(b);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, mail);
    for (bool accepted : {true, false}) {
        const LinkMessage ack{LinkType::mail_ack, 42, accepted, {}};
        const Bytes a = encode_link(ack);
        ASSERT_EQ(a.size(), 1u + 8 + 1);
        auto ack_back = decode_link(a);
        ASSERT_TRUE(ack_back.ok()) << ack_back.failure().detail;
        EXPECT_EQ(*ack_back, ack);
    }
    // The largest body passes; one byte more, or none, does not.
    mail.body.assign(MAX_LINK_MAIL, 'x');
    EXPECT_TRUE(decode_link(encode_link(mail)).ok());
    mail.body.push_back('x');
    EXPECT_EQ(decode_link(encode_link(mail)).failure().problem, LinkProblem::bad_length);
    mail.body.clear();
    EXPECT_EQ(decode_link(encode_link(mail)).failure().problem, LinkProblem::bad_length);
    // An ack's flag is 0 or 1.
    Bytes bad = encode_link({LinkType::mail_ack, 1, true, {}});
    bad.back() = 2;
    EXPECT_EQ(decode_link(bad).failure().problem, LinkProblem::bad_value);
    EXPECT_EQ(link_type_name(LinkType::mail_ack), "mail_ack");
}

}  // namespace
}  // namespace sharemsg::channel
