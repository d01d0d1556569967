// The node's side of co-signed authority messages: the body of POST /msg/authority
// (node/api_parse.hpp), the API's message object (node/api_json.hpp) and the outbox row that
// keeps such a message with its signature (node/outbox_codec.hpp).
#include <gtest/gtest.h>

#include "node/api_json.hpp"
#include "node/api_parse.hpp"
#include "node/outbox_codec.hpp"
#include "proto/open_authority.hpp"

using namespace sharemsg;
namespace po = sharemsg::proto::open;

namespace {

const std::string kKey(64, 'a');
const std::string kSig(128, 'b');

nlohmann::json body() {
    return {{"msg_type", 16},
            {"timestamp", 1700000000},
            {"text", "EMERGENCY"},
            {"authority_key", kKey},
            {"signature", kSig}};
}

std::string error_of(const nlohmann::json& j) {
    auto r = node::parse_authority(j.dump());
    if (auto* e = std::get_if<node::ApiError>(&r)) {
        EXPECT_EQ(e->status, 400u);
        return e->error;
    }
    return "parsed";
}

po::CosignAuthority ops() {
    std::vector<crypto::CompressedPubKey> keys;
    for (std::uint8_t i = 1; i <= 3; ++i)
        keys.push_back(crypto::PrivKey::from_bytes(Bytes(32, i))->pubkey());
    return *po::CosignAuthority::make("ops", keys);
}

}  // namespace

TEST(OpenCosignedNode, ParseAuthorityBody) {
    auto r = node::parse_authority(body().dump());
    ASSERT_TRUE(std::holds_alternative<node::AuthorityRequest>(r));
    const auto& req = std::get<node::AuthorityRequest>(r);
    EXPECT_EQ(req.msg_type, proto::MSG_EMERGENCY);
    EXPECT_EQ(req.flags, 0x0f);
    EXPECT_EQ(req.timestamp, 1700000000u);
    EXPECT_EQ(req.text, "EMERGENCY");
    EXPECT_EQ(to_hex(req.authority_key), kKey);
    EXPECT_EQ(to_hex(req.signature), kSig);
    auto with = [](const char* k, nlohmann::json v) {
        auto b = body();
        b[k] = std::move(v);
        return b;
    };
    EXPECT_EQ(
        std::get<node::AuthorityRequest>(node::parse_authority(with("flags", 7).dump())).flags, 7);
    EXPECT_EQ(error_of(with("msg_type", 2)), "invalid type");
    EXPECT_EQ(error_of(with("msg_type", "alert")), "invalid type");
    EXPECT_EQ(error_of(with("flags", 256)), "bad flags");
    EXPECT_EQ(error_of(with("timestamp", -1)), "bad timestamp");
    EXPECT_EQ(error_of(with("timestamp", 4294967296ull)), "bad timestamp");
    EXPECT_EQ(error_of(with("text", "")), "empty text");
    EXPECT_EQ(error_of(with("text", 5)), "missing text");
    EXPECT_EQ(error_of(with("text", std::string(221, 'x'))), "text too long");
    {
        // Raw bytes that are not UTF-8: the JSON parser refuses them already.
        std::string raw = body().dump();
        raw.replace(raw.find("EMERGENCY"), 9, "\xff");
        auto parsed = node::parse_authority(raw);
        ASSERT_TRUE(std::holds_alternative<node::ApiError>(parsed));
        EXPECT_EQ(std::get<node::ApiError>(parsed).error, "bad json");
    }
    EXPECT_EQ(error_of(with("authority_key", kKey.substr(2))), "bad hex");
    EXPECT_EQ(error_of(with("signature", "zz" + kSig.substr(2))), "bad hex");
    EXPECT_EQ(error_of(nlohmann::json::array()), "bad json");
}

TEST(OpenCosignedNode, MessageJsonNamesTheAuthorityAndItsSigners) {
    const auto a = ops();
    auto m = proto::ShareMessage::make(proto::MSG_EMERGENCY, as_bytes(std::string("halt")), 0x0f,
                                       1700000000);
    m.verified = true;
    m.authority_key = a.key();
    const std::vector<po::CosignAuthority> set{a};
    auto j = node::message_json(m, 1700000010, node::PrivateText::hidden, set);
    EXPECT_TRUE(j["co_signed"].get<bool>());
    EXPECT_EQ(j["authority"], "ops");
    EXPECT_EQ(j["authority_key"], to_hex(a.key()));
    ASSERT_EQ(j["signers"].size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(j["signers"][i], to_hex(a.signers()[i]));
    EXPECT_TRUE(j["signing_id"].is_null());
    // A node that does not list the authority: the key, no name, no signers.
    auto unknown = node::message_json(m, 1700000010, node::PrivateText::hidden);
    EXPECT_TRUE(unknown["co_signed"].get<bool>());
    EXPECT_TRUE(unknown["authority"].is_null());
    EXPECT_TRUE(unknown["signers"].empty());
    // Other messages: co_signed false and nothing more.
    auto plain = proto::ShareMessage::make(proto::MSG_MINER_MESSAGE, as_bytes(std::string("hi")),
                                           0x07, 1700000000);
    auto pj = node::message_json(plain, 1700000010, node::PrivateText::hidden, set);
    EXPECT_FALSE(pj["co_signed"].get<bool>());
    EXPECT_FALSE(pj.contains("authority"));
    EXPECT_FALSE(pj.contains("signers"));
}

TEST(OpenCosignedNode, OutboxRowKeepsTheKeyAndSignature) {
    auto m = proto::ShareMessage::make(proto::MSG_EMERGENCY, as_bytes(std::string("halt")), 0x0f,
                                       1700000000);
    m.authority_key = ops().key();
    m.signature = Bytes(64, 0x42);
    auto blob = node::encode_outbox_item(m, std::nullopt);
    ASSERT_TRUE(blob) << blob.error().to_string();
    auto back = node::decode_outbox_item(*blob);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->message.authority_key, m.authority_key);
    EXPECT_EQ(back->message.signature, m.signature);
    EXPECT_EQ(back->message.payload, m.payload);
    EXPECT_EQ(back->message.wire_flags, 0x0f);
    EXPECT_FALSE(back->to);
    // Cut anywhere in the key or signature: an error, never a message without them.
    for (std::size_t n = blob->size() - 96; n < blob->size(); ++n)
        EXPECT_FALSE(node::decode_outbox_item(ByteView(*blob).first(n))) << n;
    // Without its key or signature it is not written.
    auto no_sig = m;
    no_sig.signature.clear();
    EXPECT_FALSE(node::encode_outbox_item(no_sig, std::nullopt));
    auto no_key = m;
    no_key.authority_key.reset();
    EXPECT_FALSE(node::encode_outbox_item(no_key, std::nullopt));
}
