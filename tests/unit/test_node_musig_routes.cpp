// The /musig request parser and session view (node/musig_routes.hpp), without a node: the
// "alert" form of POST /musig/start, and the view's "alert" once a session's message is the
// authority sighash of its context.
#include <gtest/gtest.h>

#include "musig/keyagg.hpp"
#include "node/musig_routes.hpp"
#include "proto/constants.hpp"
#include "util/bytes.hpp"

using namespace sharemsg;
using namespace sharemsg::node;
namespace po = sharemsg::proto::open;
using J = nlohmann::json;

namespace {

const po::NetworkId kNet{1, 2, 3, 4, 5, 6, 7, 8};

std::vector<crypto::CompressedPubKey> three_keys() {
    std::vector<crypto::CompressedPubKey> ks;
    for (std::uint8_t b : {0x11, 0x22, 0x33})
        ks.push_back(crypto::PrivKey::from_bytes(Bytes(32, b))->pubkey());
    return ks;
}

J signers_json() {
    J a = J::array();
    for (const auto& k : three_keys())
        a.push_back(to_hex(k));
    return a;
}

std::string error_of(const std::string& body) {
    auto r = parse_musig_start(body);
    auto* e = std::get_if<MusigRequestError>(&r);
    return e ? e->error : "";
}

}  // namespace

TEST(MusigRoutes, AnAlertTakesThePlaceOfTheMessage) {
    auto r = parse_musig_start(
        J{{"signers", signers_json()},
          {"alert", {{"msg_type", 16}, {"text", "halt"}, {"timestamp", 1700000000}}}}
            .dump());
    ASSERT_TRUE(std::holds_alternative<MusigStartRequest>(r)) << std::get<1>(r).detail;
    const auto& req = std::get<MusigStartRequest>(r);
    ASSERT_TRUE(req.alert);
    EXPECT_EQ(req.alert->msg_type, proto::MSG_EMERGENCY);
    EXPECT_EQ(req.alert->flags, 0x0f);
    EXPECT_EQ(req.alert->timestamp, 1700000000u);
    EXPECT_EQ(req.alert->text, "halt");
    EXPECT_TRUE(req.message.empty());
}

TEST(MusigRoutes, AlertRefusalsByName) {
    const auto s = signers_json();
    EXPECT_EQ(
        error_of(J{{"signers", s}, {"alert", {{"msg_type", 16}, {"text", "x"}}}, {"message", "00"}}
                     .dump()),
        "bad_alert");
    EXPECT_EQ(error_of(J{{"signers", s}, {"alert", {{"msg_type", 1}, {"text", "x"}}}}.dump()),
              "bad_alert");
    EXPECT_EQ(error_of(J{{"signers", s}, {"alert", {{"msg_type", 16}, {"text", ""}}}}.dump()),
              "bad_alert");
    EXPECT_EQ(
        error_of(J{{"signers", s}, {"alert", {{"msg_type", 16}, {"text", std::string(221, 'a')}}}}
                     .dump()),
        "bad_alert");
    EXPECT_EQ(error_of(J{{"signers", s}, {"alert", {{"msg_type", 16}, {"txt", "x"}}}}.dump()),
              "bad_alert");
    EXPECT_EQ(
        error_of(J{{"signers", s}, {"alert", {{"msg_type", 16}, {"text", "x"}, {"timestamp", -1}}}}
                     .dump()),
        "bad_alert");
    EXPECT_EQ(error_of(J{{"signers", s}, {"alert", "halt"}}.dump()), "bad_alert");
    EXPECT_EQ(error_of("{\"signers\": " + s.dump() +
                       ", \"alert\": {\"msg_type\": 16, \"text\": \"\\udcff\"}}"),
              "bad_json");
    // Without an alert the message is still needed.
    EXPECT_EQ(error_of(J{{"signers", s}}.dump()), "bad_message");
}

TEST(MusigRoutes, TheViewShowsTheAlertASessionSignsOnlyWhenTheDigestIsItsOwn) {
    auto ops = po::CosignAuthority::make("ops", three_keys());
    ASSERT_TRUE(ops);
    const std::vector<po::CosignAuthority> authorities{*ops};
    const MusigAlertLens lens{kNet, authorities};
    auto m =
        po::make_authority_message(proto::MSG_EMERGENCY, as_bytes("halt"), 1700000000, ops->key());
    ASSERT_TRUE(m);
    musig::SessionView v;
    v.signers = ops->signers();
    v.nonce_from.assign(3, false);
    v.partial_from.assign(3, false);
    v.aggregate_key = ops->key();
    v.context = po::alert_context(*m);
    const auto digest = po::authority_sighash(kNet, *m);
    v.message.assign(digest.begin(), digest.end());

    auto j = musig_view_json(v, lens);
    ASSERT_TRUE(j["alert"].is_object()) << j.dump();
    EXPECT_EQ(j["alert"]["type"], "EMERGENCY");
    EXPECT_EQ(j["alert"]["msg_type"], 16);
    EXPECT_EQ(j["alert"]["flags"], 15);
    EXPECT_EQ(j["alert"]["timestamp"], 1700000000);
    EXPECT_EQ(j["alert"]["text"], "halt");
    EXPECT_EQ(j["alert"]["authority"], "ops");
    EXPECT_TRUE(j["publication"].is_null());

    // What the node did with the signed message, once it says.
    MusigPublications book;
    book.set(v.id, MusigPublication{true, "ab12", "", ""});
    const MusigAlertLens with_book{kNet, authorities, &book};
    auto publication = [&] {
        return J::parse(musig_view_json(v, with_book)["publication"].dump());
    };
    EXPECT_EQ(publication(), (J{{"queued", true}, {"message_hash", "ab12"}}));
    book.set(v.id, MusigPublication{false, "", "follower", "makes no shares"});
    EXPECT_EQ(publication(),
              (J{{"queued", false}, {"error", "follower"}, {"detail", "makes no shares"}}));
    book.keep_only([](const musig::SessionId&) { return false; });
    EXPECT_TRUE(publication().is_null());

    // Under no authority of this node: shown, unnamed.
    EXPECT_TRUE(musig_view_json(v, MusigAlertLens{kNet, {}})["alert"]["authority"].is_null());
    // A digest that is not the context's: no alert.
    v.message[0] ^= 1;
    EXPECT_TRUE(musig_view_json(v, lens)["alert"].is_null());
    // Invalid UTF-8 in a context from a peer is shown with replacement characters.
    auto odd = po::make_authority_message(proto::MSG_EMERGENCY, Bytes{0xff, 'a'}, 1, ops->key());
    ASSERT_TRUE(odd);
    v.context = po::alert_context(*odd);
    const auto d2 = po::authority_sighash(kNet, *odd);
    v.message.assign(d2.begin(), d2.end());
    const auto shown = musig_view_json(v, lens);
    ASSERT_TRUE(shown["alert"].is_object());
    EXPECT_NO_THROW((void)shown.dump());
}
