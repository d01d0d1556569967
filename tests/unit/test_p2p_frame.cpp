// src/p2p/frame and params: framing bytes, the streaming decoder's behaviour on
// split input, bad checksums, oversize lengths and garbage, and the network tables.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "chain/uint.hpp"
#include "crypto/hash.hpp"
#include "p2p/frame.hpp"
#include "p2p/messages.hpp"
#include "p2p/params.hpp"
#include "p2p_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::p2p;
using namespace sharemsg::p2p::test;

namespace {

const ByteView kLtcPrefix{LITECOIN_MAINNET.prefix};

// A frame built here byte by byte (not with encode_frame): prefix, padded command,
// le32 length, sha256d(payload)[:4] computed here, payload.
Bytes frame_by_hand(ByteView prefix, std::string_view command, ByteView payload) {
    Bytes out(prefix.begin(), prefix.end());
    append(out, as_bytes(command));
    out.resize(out.size() + (12 - command.size()), 0);
    const auto n = static_cast<std::uint32_t>(payload.size());
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    const auto h = crypto::sha256d(payload);
    out.insert(out.end(), h.begin(), h.begin() + 4);
    append(out, payload);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts)
        append(out, p);
    return out;
}

const Frame* as_frame(const FrameEvent& e) {
    return std::get_if<Frame>(&e);
}
const FrameError* as_error(const FrameEvent& e) {
    return std::get_if<FrameError>(&e);
}

std::string describe(const std::vector<FrameEvent>& events) {
    std::string s;
    for (const auto& e : events) {
        if (auto f = as_frame(e))
            s += "frame(" + f->command + "," + std::to_string(f->payload.size()) + ") ";
        else
            s += std::string(frame_errc_name(as_error(e)->code)) + " ";
    }
    return s;
}

std::vector<FrameEvent> feed_in_chunks(FrameDecoder& d, ByteView data, std::size_t chunk) {
    std::vector<FrameEvent> all;
    for (std::size_t i = 0; i < data.size(); i += chunk) {
        auto ev = d.feed(data.subspan(i, std::min(chunk, data.size() - i)));
        for (auto& e : ev)
            all.push_back(std::move(e));
    }
    return all;
}

bool same_events(const std::vector<FrameEvent>& a, const std::vector<FrameEvent>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].index() != b[i].index()) return false;
        if (auto f = as_frame(a[i])) {
            if (!(*f == *as_frame(b[i]))) return false;
        } else if (as_error(a[i])->code != as_error(b[i])->code ||
                   as_error(a[i])->reason != as_error(b[i])->reason) {
            return false;
        }
    }
    return true;
}

}  // namespace

TEST(P2pFrame, LitecoinPingGolden) {
    // sha256d("") = 5df6e0e2...: computed here, and checked against the literal.
    const auto h = crypto::sha256d({});
    EXPECT_EQ(to_hex(ByteView(h).first(4)), "5df6e0e2");
    const std::string expected =
        "7208c1a53ef629b0"               // PREFIX (networks/litecoin.py)
        "70696e670000000000000000"       // "ping" + 8 NULs
        "00000000"                       // length 0
        + to_hex(ByteView(h).first(4));  // checksum
    auto f = encode_frame(kLtcPrefix, "ping", {});
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_EQ(to_hex(*f), expected);
    auto m = encode_message(kLtcPrefix, Ping{});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(to_hex(*m), expected);
    EXPECT_EQ(to_hex(*m), "7208c1a53ef629b070696e670000000000000000000000005df6e0e2");
}

TEST(P2pFrame, VersionFrameMatchesHandBuiltFrame) {
    for (const auto& s : samples()) {
        auto f = encode_message(LITECOIN_TESTNET.prefix, s.message);
        ASSERT_TRUE(f.ok()) << s.name;
        EXPECT_EQ(to_hex(*f), to_hex(frame_by_hand(LITECOIN_TESTNET.prefix, s.name, s.payload)))
            << s.name;
    }
}

TEST(P2pFrame, DecodesWholeByteByByteAndTwoInOneFeed) {
    const auto all = samples();
    Bytes stream;
    for (const auto& s : all)
        append(stream, frame_by_hand(kLtcPrefix, s.name, s.payload));

    for (std::size_t chunk :
         {stream.size(), std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}}) {
        FrameDecoder d(kLtcPrefix);
        auto events = feed_in_chunks(d, stream, chunk);
        ASSERT_EQ(events.size(), all.size()) << "chunk " << chunk << ": " << describe(events);
        for (std::size_t i = 0; i < all.size(); ++i) {
            const Frame* f = as_frame(events[i]);
            ASSERT_NE(f, nullptr) << describe(events);
            EXPECT_EQ(f->command, all[i].name);
            EXPECT_EQ(f->payload, all[i].payload);
            auto m = decode_message(f->command, f->payload);
            ASSERT_TRUE(m.ok());
            EXPECT_TRUE(*m == all[i].message);
        }
        EXPECT_EQ(d.buffered(), 0u);
    }

    // Two frames in one feed.
    FrameDecoder d(kLtcPrefix);
    auto ev = d.feed(concat(
        {frame_by_hand(kLtcPrefix, "ping", {}), frame_by_hand(kLtcPrefix, "addrme", hex("6e24"))}));
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(as_frame(ev[0])->command, "ping");
    EXPECT_EQ(as_frame(ev[1])->command, "addrme");
}

TEST(P2pFrame, EmptyPayloadCompletesAtTheEndOfTheInput) {
    FrameDecoder d(kLtcPrefix);
    auto ev = d.feed(frame_by_hand(kLtcPrefix, "ping", {}));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(as_frame(ev[0])->command, "ping");
    EXPECT_EQ(d.buffered(), 0u);
}

TEST(P2pFrame, BadChecksumIsReportedAndTheStreamContinues) {
    Bytes bad = frame_by_hand(kLtcPrefix, "getaddrs", hex("08000000"));
    bad[8 + 12 + 4] ^= 0x01;  // first checksum byte
    FrameDecoder d(kLtcPrefix);
    auto ev = d.feed(concat({bad, frame_by_hand(kLtcPrefix, "ping", {})}));
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    ASSERT_NE(as_error(ev[0]), nullptr);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::bad_checksum);
    EXPECT_NE(as_error(ev[0])->reason.find("getaddrs"), std::string::npos)
        << as_error(ev[0])->reason;
    EXPECT_EQ(as_error(ev[0])->to_error().code, Errc::bad_encoding);
    EXPECT_EQ(as_frame(ev[1])->command, "ping");

    // A flipped payload byte is a checksum failure too.
    Bytes bad2 = frame_by_hand(kLtcPrefix, "getaddrs", hex("08000000"));
    bad2.back() ^= 0x80;
    ev = FrameDecoder(kLtcPrefix).feed(bad2);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::bad_checksum);
}

TEST(P2pFrame, OversizeLengthResumesScanningAfterTheLengthField) {
    // As the reference: 'length too large', then look for the prefix from the checksum on.
    const std::size_t max = 100;
    Bytes big = frame_by_hand(kLtcPrefix, "shares", Bytes(101, 0x33));
    const Bytes ok = frame_by_hand(kLtcPrefix, "ping", {});
    FrameDecoder d(kLtcPrefix, max);
    auto ev = d.feed(concat({big, ok}));
    ASSERT_EQ(ev.size(), 3u) << describe(ev);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::oversize_length);
    EXPECT_EQ(as_error(ev[0])->to_error().code, Errc::oversize);
    EXPECT_EQ(as_error(ev[1])->code, FrameErrc::garbage_skipped);
    EXPECT_EQ(as_error(ev[1])->reason,
              "skipped 105 bytes before the network prefix");  // checksum + payload
    EXPECT_EQ(as_frame(ev[2])->command, "ping");

    // A frame of exactly the maximum is accepted.
    ev = FrameDecoder(kLtcPrefix, max).feed(frame_by_hand(kLtcPrefix, "shares", Bytes(100, 0x33)));
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(as_frame(ev[0])->payload.size(), 100u);

    // The real maximum (32,000,000): one more is rejected from the header alone.
    Bytes header(kLtcPrefix.begin(), kLtcPrefix.end());
    append(header, text("shares"));
    header.resize(header.size() + 6, 0);
    append(header, hex("0148e801"));  // 32,000,001
    ev = FrameDecoder(kLtcPrefix).feed(header);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::oversize_length);
}

TEST(P2pFrame, BufferingIsBoundedByTheBytesReceived) {
    // Header announcing exactly MAX_PAYLOAD_LENGTH, then only 10 payload bytes.
    Bytes header(kLtcPrefix.begin(), kLtcPrefix.end());
    append(header, text("shares"));
    header.resize(header.size() + 6, 0);
    append(header, hex("0048e801"
                       "00000000"));  // 32,000,000 and a checksum
    append(header, Bytes(10, 1));
    FrameDecoder d(kLtcPrefix);
    EXPECT_TRUE(d.feed(header).empty());
    EXPECT_EQ(d.buffered(), 8u + 20u + 10u);
    EXPECT_EQ(d.max_buffered(), 8u + 20u + MAX_PAYLOAD_LENGTH);

    // While scanning, only len(prefix) bytes are ever held.
    FrameDecoder g(kLtcPrefix);
    EXPECT_TRUE(g.feed(Bytes(100000, 0x72)).empty());
    EXPECT_LE(g.buffered(), 8u);
    EXPECT_EQ(g.pending_garbage(), 100000u - 8u);
}

TEST(P2pFrame, GarbageBeforeThePrefixIsSkippedAndReported) {
    const Bytes ok = frame_by_hand(kLtcPrefix, "ping", {});
    // Plain garbage.
    auto ev = FrameDecoder(kLtcPrefix).feed(concat({text("xyz"), ok}));
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::garbage_skipped);
    EXPECT_EQ(as_error(ev[0])->reason, "skipped 3 bytes before the network prefix");
    EXPECT_EQ(as_frame(ev[1])->command, "ping");

    // A partial prefix right before the real one: the sliding window finds the real one.
    ev = FrameDecoder(kLtcPrefix).feed(concat({hex("7208c1a53ef629"), ok}));
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(as_error(ev[0])->reason, "skipped 7 bytes before the network prefix");
    EXPECT_EQ(as_frame(ev[1])->command, "ping");

    // The other network's prefix is garbage here.
    ev = FrameDecoder(kLtcPrefix).feed(frame_by_hand(LITECOIN_TESTNET.prefix, "ping", {}));
    EXPECT_TRUE(ev.empty()) << describe(ev);

    // Split byte by byte: the same events.
    FrameDecoder d(kLtcPrefix);
    auto split = feed_in_chunks(d, concat({text("garbage!"), hex("7208"), ok, text("zz"), ok}), 1);
    EXPECT_EQ(describe(split), "garbage_skipped frame(ping,0) garbage_skipped frame(ping,0) ");
}

TEST(P2pFrame, CommandFieldMustBeAsciiThenNulPadding) {
    auto raw_frame = [](std::string_view field12, ByteView payload) {
        Bytes out(kLtcPrefix.begin(), kLtcPrefix.end());
        append(out, as_bytes(field12));
        const auto n = static_cast<std::uint32_t>(payload.size());
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
        const auto h = payload_checksum(payload);
        append(out, h);
        append(out, payload);
        return out;
    };
    const Bytes ok = frame_by_hand(kLtcPrefix, "ping", {});
    using namespace std::string_literals;
    for (const std::string& field :
         {"pi\0ng\0\0\0\0\0\0\0"s, "ping\0\0\0\0\0\0\0x"s, "\0\0\0\0\0\0\0\0\0\0\0\0"s,
          "\0ping\0\0\0\0\0\0\0"s, "pi ng\0\0\0\0\0\0\0"s, "ping\x01\0\0\0\0\0\0\0"s}) {
        ASSERT_EQ(field.size(), 12u);
        auto ev = FrameDecoder(kLtcPrefix).feed(concat({raw_frame(field, {}), ok}));
        ASSERT_EQ(ev.size(), 2u) << describe(ev);
        EXPECT_EQ(as_error(ev[0])->code, FrameErrc::bad_command) << as_error(ev[0])->reason;
        EXPECT_EQ(as_frame(ev[1])->command, "ping");
    }
    // Twelve characters and no NUL: a valid command field (not one we can send, see below).
    auto ev = FrameDecoder(kLtcPrefix).feed(raw_frame("abcdefghijkl", hex("00")));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(as_frame(ev[0])->command, "abcdefghijkl");
    // The checksum is checked before the command, as in the reference.
    Bytes both = raw_frame(std::string("pi\0ng\0\0\0\0\0\0\0", 12), {});
    both[8 + 16] ^= 1;
    ev = FrameDecoder(kLtcPrefix).feed(both);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::bad_checksum);
}

TEST(P2pFrame, EventsDoNotDependOnHowTheStreamIsSplit) {
    Bytes bad = frame_by_hand(kLtcPrefix, "have_tx", hex("00"));
    bad[8 + 16] ^= 0xff;
    Bytes stream =
        concat({text("\x72\x08junk"), frame_by_hand(kLtcPrefix, "version", samples()[0].payload),
                bad, frame_by_hand(kLtcPrefix, "ping", {}), Bytes(3, 0x72),
                frame_by_hand(kLtcPrefix, "remember_tx", samples()[11].payload)});
    const auto whole = FrameDecoder(kLtcPrefix, 150).feed(stream);
    EXPECT_EQ(describe(whole),
              "garbage_skipped frame(version,121) bad_checksum frame(ping,0) garbage_skipped "
              "oversize_length ");
    for (std::size_t chunk = 1; chunk < 40; ++chunk) {
        FrameDecoder d(kLtcPrefix, 150);
        EXPECT_TRUE(same_events(whole, feed_in_chunks(d, stream, chunk))) << "chunk " << chunk;
    }
}

TEST(P2pFrame, FeedFrameStopsAfterEachFrameWithTheSameEvents) {
    Bytes bad = frame_by_hand(kLtcPrefix, "have_tx", hex("00"));
    bad[8 + 16] ^= 0xff;
    const Bytes stream = concat({text("junk"), frame_by_hand(kLtcPrefix, "ping", {}), bad,
                                 frame_by_hand(kLtcPrefix, "version", samples()[0].payload),
                                 frame_by_hand(kLtcPrefix, "ping", {}), text("tail")});
    const auto whole = FrameDecoder(kLtcPrefix).feed(stream);
    FrameDecoder d(kLtcPrefix);
    std::vector<FrameEvent> events;
    std::vector<std::size_t> frames_per_call;
    ByteView rest(stream);
    while (!rest.empty()) {
        std::size_t frames = 0;
        const std::size_t used = d.feed_frame(rest, [&](FrameEvent&& e) {
            frames += as_frame(e) != nullptr;
            events.push_back(std::move(e));
        });
        ASSERT_GT(used, 0u);
        frames_per_call.push_back(frames);
        rest = rest.subspan(used);
    }
    EXPECT_TRUE(same_events(whole, events)) << describe(events);
    // One frame per call (the last call reads the tail and completes none).
    EXPECT_EQ(frames_per_call, (std::vector<std::size_t>{1, 1, 1, 0}));
}

TEST(P2pFrame, MemoryIsBoundedByTheMaxPayloadAndFreedByReset) {
    // A receiver's budget far below the reference's 32,000,000: a frame announcing more is
    // skipped, and a frame in progress holds no more than its budget.
    constexpr std::size_t budget = 64 * 1024;
    FrameDecoder d(kLtcPrefix, budget);
    Bytes header(kLtcPrefix.begin(), kLtcPrefix.end());
    append(header, text("shares"));
    header.resize(header.size() + 6, 0);
    append(header, hex("00000100"
                       "00000000"));  // 65,536 bytes and a checksum
    EXPECT_TRUE(d.feed(header).empty());
    for (int i = 0; i < 63; ++i)
        EXPECT_TRUE(d.feed(Bytes(1024, 7)).empty());
    EXPECT_LE(d.memory(), d.max_buffered());
    EXPECT_GE(d.memory(), 63u * 1024u);
    d.reset();
    EXPECT_EQ(d.memory(), 8u + HEADER_SIZE);
    EXPECT_EQ(d.buffered(), 0u);
    // One byte more than the budget is skipped as the reference skips a length over its maximum.
    Bytes over(kLtcPrefix.begin(), kLtcPrefix.end());
    append(over, text("shares"));
    over.resize(over.size() + 6, 0);
    append(over, hex("01000100"));  // 65,537
    const auto ev = d.feed(over);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(as_error(ev[0])->code, FrameErrc::oversize_length);
    EXPECT_EQ(d.memory(), 8u + HEADER_SIZE);
    // Scanning garbage holds the prefix's length at most.
    EXPECT_TRUE(d.feed(Bytes(1000, 0x72)).empty());
    EXPECT_EQ(d.memory(), 8u + HEADER_SIZE);
}

TEST(P2pFrame, EncodeFrameRefusesWhatTheReferenceRefuses) {
    auto r = encode_frame(kLtcPrefix, "abcdefghijkl", {});  // 12 characters: 'command too long'
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_TRUE(encode_frame(kLtcPrefix, "abcdefghijk", {}).ok());  // 11 is fine
    EXPECT_FALSE(encode_frame(kLtcPrefix, "", {}).ok());
    EXPECT_FALSE(encode_frame(kLtcPrefix, "pi ng", {}).ok());
    EXPECT_FALSE(encode_frame({}, "ping", {}).ok());

    r = encode_frame(kLtcPrefix, "shares", Bytes(101, 0), 100);  // TooLong
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::oversize);
    EXPECT_TRUE(encode_frame(kLtcPrefix, "shares", Bytes(100, 0), 100).ok());

    Shares s;
    s.shares.push_back({36, Bytes(200, 0)});
    auto m = encode_message(kLtcPrefix, s, 100);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::oversize);
}

TEST(P2pParams, ProtocolConstants) {
    EXPECT_EQ(PROTOCOL_VERSION, 3600u);
    EXPECT_EQ(MAX_PAYLOAD_LENGTH, 32000000u);
    EXPECT_EQ(DEFAULT_MINIMUM_PROTOCOL_VERSION, 1400u);
    EXPECT_EQ(V36_MINIMUM_PROTOCOL_VERSION, 3600u);
    EXPECT_EQ(VERSION_MODE, 1u);
    // What we advertise passes every minimum the V36 network can ratchet to.
    for (const NetworkParams* n : KNOWN_NETWORKS) {
        EXPECT_GE(PROTOCOL_VERSION, n->minimum_protocol_version) << n->name;
        EXPECT_GE(PROTOCOL_VERSION, V36_MINIMUM_PROTOCOL_VERSION);
    }
}

TEST(P2pParams, LitecoinTables) {
    const NetworkParams& m = LITECOIN_MAINNET;
    EXPECT_EQ(m.name, "litecoin");
    EXPECT_EQ(to_hex(m.identifier), "e037d5b8c6923410");
    EXPECT_EQ(to_hex(m.prefix), "7208c1a53ef629b0");
    EXPECT_EQ(m.p2p_port, 9326);
    EXPECT_EQ(m.worker_port, 9327);
    EXPECT_EQ(m.share_period_s, 15u);
    EXPECT_EQ(m.chain_length, 8640u);
    EXPECT_EQ(m.real_chain_length, 8640u);
    EXPECT_EQ(chain::to_int_hex(m.max_target),
              "00000fffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    EXPECT_TRUE(chain::is_zero(m.min_target));
    EXPECT_EQ(m.minimum_protocol_version, 3301u);
    EXPECT_EQ(m.pow, PowKind::scrypt);
    EXPECT_TRUE(m.persist);

    const NetworkParams& t = LITECOIN_TESTNET;
    EXPECT_EQ(to_hex(t.identifier), "cca5e24ec6408b1e");
    EXPECT_EQ(to_hex(t.prefix), "ad9614f6466a39cf");
    EXPECT_EQ(t.p2p_port, 19338);
    EXPECT_EQ(t.share_period_s, 4u);
    EXPECT_EQ(t.chain_length, 400u);
    EXPECT_EQ(chain::to_int_hex(t.max_target),
              "0ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccb");
    EXPECT_EQ(t.pow, PowKind::scrypt);
    EXPECT_FALSE(t.persist);

    EXPECT_EQ(find_network("litecoin"), &LITECOIN_MAINNET);
    EXPECT_EQ(find_network("litecoin_testnet"), &LITECOIN_TESTNET);
    EXPECT_EQ(find_network("bitcoin"), nullptr);
}
