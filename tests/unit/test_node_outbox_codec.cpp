// The outbox row format (src/node/outbox_codec.hpp): version 2 round trips up to 1600 bytes,
// version 1 rows still load, and damaged rows are refused with a reason.
#include <gtest/gtest.h>

#include "node/outbox_codec.hpp"
#include "proto/open_envelope.hpp"

using namespace sharemsg;

namespace {

proto::ShareMessage text_message(std::size_t len, std::uint8_t flags) {
    proto::ShareMessage m;
    m.msg_type = proto::MSG_MINER_MESSAGE;
    m.flags = m.wire_flags = flags;
    m.timestamp = 1790000000;
    for (std::size_t i = 0; i < len; ++i)
        m.payload.push_back(static_cast<std::uint8_t>('a' + i % 26));
    return m;
}

proto::SigningId some_id(std::uint8_t b) {
    proto::SigningId id{};
    id.fill(b);
    return id;
}

constexpr std::uint8_t kPublic = proto::FLAG_HAS_SIGNATURE | proto::FLAG_BROADCAST;

}  // namespace

TEST(OutboxCodec, VersionTwoRoundTripsPublicAndPrivateUpTo1600Bytes) {
    for (std::size_t len : {std::size_t{1}, std::size_t{220}, std::size_t{221},
                            proto::open::MAX_REASSEMBLED_PAYLOAD}) {
        for (bool priv : {false, true}) {
            auto m = text_message(len, kPublic);
            std::optional<proto::SigningId> to;
            if (priv) {
                to = some_id(0x42);
                m.flags = m.wire_flags = m.flags | proto::open::FLAG_PRIVATE;
            }
            auto blob = node::encode_outbox_item(m, to);
            ASSERT_TRUE(blob) << blob.error().reason;
            EXPECT_EQ(blob->size(), 4 + 8 + len + 1 + (priv ? 20 : 0));
            EXPECT_EQ((*blob)[0], 0x00);
            auto back = node::decode_outbox_item(*blob);
            ASSERT_TRUE(back) << back.error().reason;
            EXPECT_EQ(back->message.hash(), m.hash());
            EXPECT_EQ(back->message.payload, m.payload);
            EXPECT_EQ(back->message.flags, m.wire_flags);
            EXPECT_EQ(back->to, to);
            EXPECT_EQ(back->message.recipient, to);
            EXPECT_TRUE(back->message.signature.empty());
        }
    }
}

TEST(OutboxCodec, EncodeRefusesEmptyAndOversizePayloads) {
    auto empty = node::encode_outbox_item(text_message(0, kPublic), std::nullopt);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::invalid_argument);
    auto big = node::encode_outbox_item(
        text_message(proto::open::MAX_REASSEMBLED_PAYLOAD + 1, kPublic), std::nullopt);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::oversize);
}

TEST(OutboxCodec, VersionOneRowsStillLoad) {
    auto m = text_message(100, kPublic);
    auto v1 = proto::pack_message(m);
    ASSERT_TRUE(v1);
    auto back = node::decode_outbox_item(*v1);
    ASSERT_TRUE(back) << back.error().reason;
    EXPECT_EQ(back->message.hash(), m.hash());
    EXPECT_FALSE(back->to);

    Bytes with_to = *v1;
    const auto to = some_id(0x17);
    with_to.insert(with_to.end(), to.begin(), to.end());
    back = node::decode_outbox_item(with_to);
    ASSERT_TRUE(back) << back.error().reason;
    EXPECT_EQ(back->to, to);

    with_to.push_back(0);  // neither 0 nor 20 bytes after the message
    EXPECT_FALSE(node::decode_outbox_item(with_to));
}

TEST(OutboxCodec, DamagedRowsAreRefusedWithAReason) {
    const auto good = *node::encode_outbox_item(text_message(300, kPublic), some_id(1));
    // Every truncation fails.
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto r = node::decode_outbox_item(ByteView(good.data(), n));
        EXPECT_FALSE(r) << "prefix of " << n << " bytes";
        if (!r) {
            EXPECT_FALSE(r.error().reason.empty());
        }
    }
    Bytes trailing = good;
    trailing.push_back(0);
    auto t = node::decode_outbox_item(trailing);
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().reason.find("after the recipient"), std::string::npos) << t.error().reason;

    Bytes bad_flag = *node::encode_outbox_item(text_message(5, kPublic), std::nullopt);
    bad_flag.back() = 2;
    auto b = node::decode_outbox_item(bad_flag);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().reason.find("has_recipient"), std::string::npos) << b.error().reason;

    Bytes zero_len = *node::encode_outbox_item(text_message(5, kPublic), std::nullopt);
    zero_len[10] = 0;
    zero_len[11] = 0;
    EXPECT_FALSE(node::decode_outbox_item(zero_len));
    Bytes long_len = zero_len;
    long_len[10] = 0x41;  // 1601
    long_len[11] = 0x06;
    auto l = node::decode_outbox_item(long_len);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, Errc::oversize);
}

// Rows already on disk must load the same forever: each version's bytes are pinned here, written
// out by hand from the layout in outbox_codec.hpp (not produced by the encoder).
namespace {

struct PinnedRow {
    const char* what;
    const char* hex;
    std::uint8_t flags;
    bool has_recipient;
    bool written_today;  // encode_outbox_item writes exactly these bytes
};

// MINER_MESSAGE "hello", timestamp 1790000000 (0x6ab13b80); recipient 0x42 x 20. Fields are
// separated by spaces (v2: magic type flags timestamp payload_len payload has_recipient [to];
// v1: type flags timestamp payload_len payload signing_id sig_len [to]).
const PinnedRow kPinnedRows[] = {
    {"v2 public", "004f4202 02 03 803bb16a 0500 68656c6c6f 00", 0x03, false, true},
    {"v2 private",
     "004f4202 02 13 803bb16a 0500 68656c6c6f 01 4242424242424242424242424242424242424242", 0x13,
     true, true},
    {"v1 public", "02 03 803bb16a 0500 68656c6c6f 0000000000000000000000000000000000000000 00",
     0x03, false, false},
    {"v1 private",
     "02 13 803bb16a 0500 68656c6c6f 0000000000000000000000000000000000000000 00 "
     "4242424242424242424242424242424242424242",
     0x13, true, false},
};

std::string pinned_hex(const PinnedRow& row) {
    std::string hex;
    for (const char* p = row.hex; *p; ++p)
        if (*p != ' ') hex += *p;
    return hex;
}

}  // namespace

TEST(OutboxCodec, PinnedRowsOfEveryVersionDecodeToTheSameItem) {
    for (const auto& row : kPinnedRows) {
        SCOPED_TRACE(row.what);
        const Bytes blob = *from_hex(pinned_hex(row));
        auto item = node::decode_outbox_item(blob);
        ASSERT_TRUE(item) << item.error().reason;
        EXPECT_EQ(item->message.msg_type, proto::MSG_MINER_MESSAGE);
        EXPECT_EQ(item->message.flags, row.flags);
        EXPECT_EQ(item->message.wire_flags, row.flags);
        EXPECT_EQ(item->message.timestamp, 1790000000u);
        EXPECT_EQ(to_hex(item->message.payload), "68656c6c6f");
        EXPECT_TRUE(item->message.signature.empty());
        EXPECT_FALSE(item->message.signing_id);
        const std::optional<proto::SigningId> to =
            row.has_recipient ? std::optional(some_id(0x42)) : std::nullopt;
        EXPECT_EQ(item->to, to);
        EXPECT_EQ(item->message.recipient, to);
        // The same message, hashed as the node hashes it before signing, whatever the version.
        auto m = text_message(0, row.flags);
        m.payload = item->message.payload;
        EXPECT_EQ(item->message.hash(), m.hash());
    }
}

TEST(OutboxCodec, TheEncoderWritesThePinnedVersionTwoBytes) {
    for (const auto& row : kPinnedRows) {
        if (!row.written_today) continue;
        SCOPED_TRACE(row.what);
        auto m = text_message(0, row.flags);
        const ByteView hello = as_bytes("hello");
        m.payload.assign(hello.begin(), hello.end());
        auto blob = node::encode_outbox_item(
            m, row.has_recipient ? std::optional(some_id(0x42)) : std::nullopt);
        ASSERT_TRUE(blob) << blob.error().reason;
        EXPECT_EQ(to_hex(*blob), pinned_hex(row));
    }
}
