// ICE signaling formats (relay/signal.hpp): JSON both ways from one description, strict
// reading with a problem for each refusal, the canonical bytes that are signed, and the
// checks a relay and a receiving node make (tampering, wrong recipient, network, freshness).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "relay/signal.hpp"
#include "test_relay_signal_util.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;
using relay_test::identity;
using J = nlohmann::json;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;

Signal offer() {
    return relay_test::signal(identity(1), identity(2), kNow);
}

std::string with(const Signal& s, const std::function<void(J&)>& edit) {
    J j = J::parse(encode_signal(s));
    edit(j);
    return j.dump();
}

Problem problem_of(const std::string& text) {
    auto r = decode_signal(text);
    EXPECT_FALSE(r.ok()) << text;
    return r ? Problem::bad_json : r.failure().problem;
}

}  // namespace

TEST(RelaySignal, SignalRoundTripsThroughJsonAndVerifies) {
    auto s = relay_test::signal(identity(1), identity(2), kNow, SignalKind::answer, 9);
    s.force_relay = true;
    sign(s, identity(1).key.privkey());
    const std::string text = encode_signal(s);
    auto back = decode_signal(text);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, s);
    EXPECT_EQ(encode_signal(*back), text);
    EXPECT_TRUE(signature_ok(*back));
    EXPECT_TRUE(delegation_ok(*back));
    const J j = J::parse(text);
    EXPECT_EQ(j["kind"], "answer");
    EXPECT_EQ(j["session"], "09090909090909090909090909090909");
    EXPECT_EQ(j["recipient"], identity(2).signing_id());
    EXPECT_EQ(j["force_relay"], true);
    EXPECT_EQ(j["candidates"].size(), 2u);
    EXPECT_FALSE(check_signal(*back, proto::open::DEVNET_NETWORK_ID, kNow, 300).has_value());
}

TEST(RelaySignal, CanonicalBytesFollowTheLayout) {
    const auto s = offer();
    const auto b = canonical_bytes(s);
    std::size_t strings = 2 + s.ufrag.size() + 2 + s.pwd.size() + 1;
    for (const auto& c : s.candidates)
        strings += 2 + c.size();
    EXPECT_EQ(b.size(), 1 + 8 + 1 + 16 + 33 + 4 + 97 + 20 + 8 + 1 + strings);
    EXPECT_EQ(b[0], FORMAT_VERSION);
    EXPECT_EQ(b[9], 0);  // offer
    // The poll: version, network, sender (33 + 4 + 97), timestamp, nonce.
    EXPECT_EQ(canonical_bytes(relay_test::poll(identity(1), kNow, 1)).size(),
              1 + 8 + 33 + 4 + 97 + 8 + 16);
    // The two tags differ: a signal's signature never serves as a poll's.
    EXPECT_NE(TAG_SIGNAL, TAG_POLL);
}

TEST(RelaySignal, StringsAreLengthPrefixedSoBoundariesCannotShift) {
    auto a = offer(), b = offer();
    a.ufrag = "abcd";
    a.pwd = "efghijklmnopqrstuvwxyz";
    b.ufrag = "abcde";
    b.pwd = "fghijklmnopqrstuvwxyz";
    b.pwd += "A";
    EXPECT_NE(canonical_bytes(a), canonical_bytes(b));
    EXPECT_NE(signal_sighash(a), signal_sighash(b));
}

TEST(RelaySignal, PollRoundTripsAndVerifies) {
    const auto p = relay_test::poll(identity(3), kNow, 7);
    auto back = decode_poll(encode_poll(p));
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, p);
    EXPECT_TRUE(signature_ok(*back));
    EXPECT_TRUE(delegation_ok(*back));
    EXPECT_EQ(back->signing_id(), identity(3).key.signing_id());
    auto tampered = p;
    tampered.nonce[0] ^= 1;
    EXPECT_FALSE(signature_ok(tampered));
}

TEST(RelaySignal, PollAnswerCarriesSignalsAndIsReadStrictly) {
    const auto a = offer();
    const auto b = relay_test::signal(identity(3), identity(2), kNow, SignalKind::answer, 2);
    auto back = decode_poll_answer(encode_poll_answer({a, b}));
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    ASSERT_EQ(back->size(), 2u);
    EXPECT_EQ((*back)[0], a);
    EXPECT_EQ((*back)[1], b);
    EXPECT_TRUE(decode_poll_answer(R"({"signals":[]})").ok());
    EXPECT_EQ(decode_poll_answer("[]").failure().problem, Problem::bad_json);
    EXPECT_EQ(decode_poll_answer(R"({"signals":[],"more":1})").failure().problem,
              Problem::bad_json);
    EXPECT_EQ(decode_poll_answer(R"({"signals":[1]})").failure().problem, Problem::bad_json);
    J j = J::parse(encode_poll_answer({a}));
    j["signals"][0]["ufrag"] = "x";
    auto bad = decode_poll_answer(j.dump());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.failure().problem, Problem::bad_ice);
    EXPECT_NE(bad.failure().detail.find("signals[0].ufrag"), std::string::npos)
        << bad.failure().detail;
}

TEST(RelaySignal, EveryProblemOfTheReaderIsItsOwn) {
    const auto s = offer();
    EXPECT_EQ(problem_of("not json"), Problem::bad_json);
    EXPECT_EQ(problem_of("[1]"), Problem::bad_json);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j.erase("pwd"); })), Problem::missing_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["role"] = "x"; })), Problem::unknown_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["version"] = 2; })), Problem::bad_version);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["network"] = "zz"; })), Problem::bad_network);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["signing_pubkey"] = std::string(66, '0'); })),
              Problem::bad_pubkey);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["delegation"] = "00"; })), Problem::bad_delegation);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["kind"] = "bye"; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["session"] = "00"; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["recipient"] = std::string(64, 'a'); })),
              Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["force_relay"] = 1; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["timestamp"] = -1; })), Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["candidates"] = "a=candidate"; })),
              Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["candidates"] = J::array({1}); })),
              Problem::bad_field);
    EXPECT_EQ(problem_of(with(s, [](J& j) { j["signature"] = "00"; })), Problem::bad_field);
}

TEST(RelaySignal, IceStringsAreBounded) {
    const auto s = offer();
    const auto ice = [&](const char* field, J value) {
        return problem_of(with(s, [&](J& j) { j[field] = value; }));
    };
    EXPECT_EQ(ice("ufrag", "abc"), Problem::bad_ice);
    EXPECT_EQ(ice("ufrag", std::string(257, 'u')), Problem::bad_ice);
    EXPECT_EQ(ice("ufrag", "ab\ncd"), Problem::bad_ice);
    EXPECT_EQ(ice("ufrag",
                  "ab\xc3\xa9"
                  "cd"),
              Problem::bad_ice);
    EXPECT_EQ(ice("pwd", std::string(21, 'p')), Problem::bad_ice);
    EXPECT_EQ(ice("pwd", std::string(257, 'p')), Problem::bad_ice);
    EXPECT_EQ(ice("candidates", J::array({""})), Problem::bad_ice);
    EXPECT_EQ(ice("candidates", J::array({std::string(257, 'c')})), Problem::bad_ice);
    EXPECT_EQ(ice("candidates", J::array({"a=candidate\r\n"})), Problem::bad_ice);
    EXPECT_EQ(ice("candidates", J(std::vector<std::string>(17, "a=candidate:1"))),
              Problem::too_many_candidates);
    // The edges are accepted.
    auto edge = s;
    edge.ufrag = std::string(MAX_UFRAG, 'u');
    edge.pwd = std::string(MAX_PWD, 'p');
    edge.candidates = std::vector<std::string>(MAX_CANDIDATES, std::string(MAX_CANDIDATE_LEN, 'c'));
    auto back = decode_signal(encode_signal(edge));
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, edge);
    edge.candidates.clear();  // none at all (trickle: candidates may follow)
    EXPECT_TRUE(decode_signal(encode_signal(edge)).ok());
    // Its JSON stays far below the HTTP server's 64 KiB body limit.
    EXPECT_LT(encode_signal(*back).size(), 8u * 1024);
}

TEST(RelaySignal, ChecksNameTamperingRecipientNetworkAndFreshness) {
    const auto net = proto::open::DEVNET_NETWORK_ID;
    const auto s = offer();
    const auto problem = [&](const Signal& v, double now, const SigningId* to = nullptr) {
        auto f = check_signal(v, net, now, 300, to);
        return f ? f->problem : Problem::bad_json;
    };
    EXPECT_FALSE(check_signal(s, net, kNow, 300).has_value());
    const SigningId me = identity(2).key.signing_id();
    EXPECT_FALSE(check_signal(s, net, kNow, 300, &me).has_value());
    const SigningId other = identity(3).key.signing_id();
    EXPECT_EQ(problem(s, kNow, &other), Problem::wrong_recipient);
    // A signal readdressed to another recipient no longer verifies: the recipient is signed.
    auto readdressed = s;
    readdressed.recipient = other;
    EXPECT_EQ(problem(readdressed, kNow), Problem::bad_signature);
    for (std::string Signal::*field : {&Signal::ufrag, &Signal::pwd}) {
        auto t = s;
        (t.*field)[0] ^= 1;
        EXPECT_EQ(problem(t, kNow), Problem::bad_signature);
    }
    auto t = s;
    t.candidates.pop_back();
    EXPECT_EQ(problem(t, kNow), Problem::bad_signature);
    t = s;
    t.force_relay = true;
    EXPECT_EQ(problem(t, kNow), Problem::bad_signature);
    t = s;
    t.kind = SignalKind::answer;
    EXPECT_EQ(problem(t, kNow), Problem::bad_signature);
    t = s;
    t.signature[5] ^= 1;
    EXPECT_EQ(problem(t, kNow), Problem::bad_signature);
    // Freshness: 300 s either way.
    EXPECT_FALSE(check_signal(s, net, kNow + 300, 300).has_value());
    EXPECT_EQ(problem(s, kNow + 301), Problem::stale);
    EXPECT_EQ(problem(s, kNow - 301), Problem::stale);
    // Another network: refused before anything else.
    auto other_net = net;
    other_net[7] ^= 1;
    EXPECT_EQ(check_signal(s, other_net, kNow, 300)->problem, Problem::wrong_network);
    // A delegation of another key index: signed well, but not delegated.
    auto wrong_index = s;
    wrong_index.key_index = 1;
    sign(wrong_index, identity(1).key.privkey());
    EXPECT_EQ(problem(wrong_index, kNow), Problem::bad_delegation);
}

TEST(RelaySignal, ProblemsHaveTheirNamesAndStatuses) {
    EXPECT_STREQ(problem_name(Problem::bad_ice), "bad_ice");
    EXPECT_EQ(problem_status(Problem::bad_ice), 400u);
    EXPECT_STREQ(problem_name(Problem::too_many_candidates), "too_many_candidates");
    EXPECT_EQ(problem_status(Problem::too_many_candidates), 400u);
    EXPECT_STREQ(problem_name(Problem::queue_full), "queue_full");
    EXPECT_EQ(problem_status(Problem::queue_full), 429u);
    EXPECT_STREQ(problem_name(Problem::wrong_recipient), "wrong_recipient");
    EXPECT_EQ(problem_status(Problem::wrong_recipient), 403u);
}
