// The mailbox's formats (mailbox/codec.hpp): the signed header, requests, stored messages and
// registration arguments. JSON both ways from one description, strict reading that names the
// field, the canonical bytes that are signed, and what the signature and the payload hash
// catch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "mailbox/codec.hpp"
#include "test_relay_util.hpp"
#include "util/base64.hpp"

using namespace sharemsg;
using namespace sharemsg::mailbox;
using relay_test::identity;
using J = nlohmann::ordered_json;

namespace {

constexpr std::uint64_t kNow = 1'760'000'000;
const Nonce kNonce = {1, 2, 3, 4, 5, 6, 7, 8};

Bytes payload_of(std::size_t n, std::uint8_t seed = 1) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(seed + i * 29);
    return b;
}

// A signed request from `from` to `to` (the sender itself but for send).
Request request(const relay_test::Identity& from, const relay_test::Identity& to, Op op,
                Bytes payload, std::uint64_t message_id = 0) {
    Request r;
    r.header.network = from.network;
    r.header.op = op;
    r.header.sender_pubkey = from.key.pubkey();
    r.header.receiver_pubkey = to.key.pubkey();
    r.header.sender_nonce = kNonce;
    r.header.timestamp = kNow;
    r.header.message_id = message_id;
    r.payload = std::move(payload);
    sign(r.header, r.payload, from.key.privkey());
    return r;
}

Request a_send() {
    return request(identity(1), identity(2), Op::send, payload_of(100));
}

std::string edit_header(const Header& h, const std::function<void(J&)>& edit) {
    J j = J::parse(encode_header(h));
    edit(j);
    return j.dump();
}

std::string edit_request(const Request& r, const std::function<void(J&)>& edit) {
    J j = J::parse(encode_request(r));
    edit(j);
    return j.dump();
}

template <class T>
Problem problem_of(const Checked<T>& c, const std::string& what) {
    EXPECT_FALSE(c.ok()) << what;
    if (c.ok()) return Problem::bad_json;
    EXPECT_FALSE(c.failure().detail.empty()) << what;
    return c.failure().problem;
}

Problem header_problem(const std::string& text) {
    return problem_of(decode_header(text), text);
}

Problem request_problem(const std::string& text) {
    return problem_of(decode_request(text), text.substr(0, 300));
}

const std::vector<std::string> kHeaderFields = {
    "version",      "network",   "op",         "sender_pubkey", "receiver_pubkey",
    "sender_nonce", "timestamp", "message_id", "payload_hash",  "signature"};

}  // namespace

TEST(MailboxCodec, HeaderRoundTripsThroughJsonWithTheDocumentedFields) {
    const auto r = a_send();
    const std::string text = encode_header(r.header);
    auto back = decode_header(text);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, r.header);
    EXPECT_TRUE(signature_ok(*back));

    const J j = J::parse(text);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items())
        keys.push_back(k);
    EXPECT_EQ(keys, kHeaderFields);
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["network"], "73686d7364657601");
    EXPECT_EQ(j["op"], "send");
    EXPECT_EQ(j["sender_pubkey"], to_hex(identity(1).key.pubkey()));
    EXPECT_EQ(j["receiver_pubkey"], to_hex(identity(2).key.pubkey()));
    EXPECT_EQ(j["sender_nonce"], "0102030405060708");
    EXPECT_EQ(j["timestamp"], kNow);
    EXPECT_EQ(j["message_id"], 0);
    EXPECT_EQ(j["payload_hash"], to_hex(crypto::sha256(r.payload)));
    EXPECT_EQ(j["signature"].get<std::string>().size(), 128u);
    EXPECT_EQ(back->sender_id(), identity(1).key.signing_id());
    EXPECT_EQ(back->receiver_id(), identity(2).key.signing_id());
}

TEST(MailboxCodec, EveryOpHasItsNameAndRoundTrips) {
    const std::pair<Op, const char*> ops[] = {{Op::register_identity, "register_identity"},
                                              {Op::subscribe, "subscribe"},
                                              {Op::get, "get"},
                                              {Op::ack, "ack"},
                                              {Op::send, "send"}};
    static_assert(std::size(ops) == OP_COUNT);
    for (const auto& [op, name] : ops) {
        EXPECT_STREQ(op_name(op), name);
        const auto r = request(identity(1), identity(1), op, {}, op == Op::get ? 7 : 0);
        auto back = decode_header(encode_header(r.header));
        ASSERT_TRUE(back.ok()) << name << ": " << back.failure().detail;
        EXPECT_EQ(back->op, op);
        EXPECT_EQ(J::parse(encode_header(r.header))["op"], name);
    }
    EXPECT_STREQ(op_name(static_cast<Op>(OP_COUNT)), "unknown");
}

TEST(MailboxCodec, RequestAndStoredRoundTrip) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3},
                          std::size_t{1000}, MAX_PAYLOAD}) {
        const auto r = request(identity(1), identity(2), Op::send, payload_of(n));
        const std::string text = encode_request(r);
        const J j = J::parse(text);
        EXPECT_EQ(j["payload"], util::base64_encode(r.payload)) << n;
        EXPECT_TRUE(j["header"].is_object());
        EXPECT_EQ(j.size(), 2u);
        auto back = decode_request(text);
        ASSERT_TRUE(back.ok()) << n << ": " << back.failure().detail;
        EXPECT_EQ(*back, r);
        EXPECT_FALSE(check_request(*back).has_value()) << n;

        const Stored s{42, kNow + 3, r};
        const std::string stored = encode_stored(s);
        const J sj = J::parse(stored);
        EXPECT_EQ(sj["id"], 42);
        EXPECT_EQ(sj["received"], kNow + 3);
        EXPECT_EQ(sj["message"], j);
        auto sback = decode_stored(stored);
        ASSERT_TRUE(sback.ok()) << n << ": " << sback.failure().detail;
        EXPECT_EQ(*sback, s);
        // The largest message, and the stored answer around it, fit a body of MAX_BODY.
        EXPECT_LE(text.size(), MAX_BODY) << n;
        EXPECT_LE(stored.size(), MAX_BODY) << n;
    }
}

TEST(MailboxCodec, EveryHeaderFieldIsRequired) {
    const auto h = a_send().header;
    for (const auto& f : kHeaderFields) {
        auto c = decode_header(edit_header(h, [&](J& j) { j.erase(f); }));
        EXPECT_EQ(problem_of(c, f), Problem::missing_field) << f;
        if (!c.ok()) {
            EXPECT_NE(c.failure().detail.find(f), std::string::npos) << f;
        }
    }
}

TEST(MailboxCodec, EveryHeaderFieldRefusesAWrongForm) {
    const auto h = a_send().header;
    const auto bad = [&](const char* field, J value) {
        return header_problem(edit_header(h, [&](J& j) { j[field] = value; }));
    };
    EXPECT_EQ(header_problem("not json"), Problem::bad_json);
    EXPECT_EQ(header_problem("[]"), Problem::bad_json);
    EXPECT_EQ(header_problem(edit_header(h, [](J& j) { j["extra"] = 1; })), Problem::unknown_field);

    EXPECT_EQ(bad("version", 2), Problem::bad_version);
    EXPECT_EQ(bad("version", 0), Problem::bad_version);
    EXPECT_EQ(bad("version", "1"), Problem::bad_field);
    EXPECT_EQ(bad("network", "devnet"), Problem::bad_network);
    EXPECT_EQ(bad("network", "73686d73646576"), Problem::bad_network);
    EXPECT_EQ(bad("network", 1), Problem::bad_field);
    EXPECT_EQ(bad("op", "delete"), Problem::bad_field);
    EXPECT_EQ(bad("op", "SEND"), Problem::bad_field);
    EXPECT_EQ(bad("op", 4), Problem::bad_field);
    EXPECT_EQ(bad("sender_pubkey", std::string(66, '0')), Problem::bad_pubkey);
    EXPECT_EQ(bad("sender_pubkey", to_hex(identity(1).key.pubkey()).substr(2)),
              Problem::bad_pubkey);
    EXPECT_EQ(bad("receiver_pubkey", "02" + std::string(64, 'f')), Problem::bad_pubkey);
    EXPECT_EQ(bad("receiver_pubkey", to_hex(identity(2).key.pubkey()) + "00"), Problem::bad_pubkey);
    EXPECT_EQ(bad("sender_nonce", "01020304050607"), Problem::bad_field);
    EXPECT_EQ(bad("sender_nonce", "010203040506070809"), Problem::bad_field);
    EXPECT_EQ(bad("sender_nonce", "01020304050607zz"), Problem::bad_field);
    for (const char* n : {"timestamp", "message_id"}) {
        EXPECT_EQ(bad(n, -1), Problem::bad_field) << n;
        EXPECT_EQ(bad(n, 1.5), Problem::bad_field) << n;
        EXPECT_EQ(bad(n, "1"), Problem::bad_field) << n;
        EXPECT_EQ(bad(n, (std::uint64_t{1} << 53) + 1), Problem::bad_field) << n;
        EXPECT_EQ(bad(n, nullptr), Problem::bad_field) << n;
    }
    EXPECT_EQ(bad("payload_hash", std::string(63, 'a')), Problem::bad_field);
    EXPECT_EQ(bad("payload_hash", std::string(66, 'a')), Problem::bad_field);
    EXPECT_EQ(bad("payload_hash", std::string(64, 'g')), Problem::bad_field);
    EXPECT_EQ(bad("signature", "zz"), Problem::bad_field);
    EXPECT_EQ(bad("signature", std::string(126, '0')), Problem::bad_field);
    EXPECT_EQ(bad("signature", J::array()), Problem::bad_field);

    // The largest integer every JSON reader holds exactly is accepted.
    auto top =
        decode_header(edit_header(h, [](J& j) { j["message_id"] = std::uint64_t{1} << 53; }));
    ASSERT_TRUE(top.ok()) << top.failure().detail;
    EXPECT_EQ(top->message_id, std::uint64_t{1} << 53);
    // Upper-case hex reads as the same value.
    auto upper = decode_header(edit_header(h, [&](J& j) {
        std::string s = j["payload_hash"];
        for (auto& c : s)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        j["payload_hash"] = s;
    }));
    ASSERT_TRUE(upper.ok());
    EXPECT_EQ(upper->payload_hash, h.payload_hash);
    // The failure names the field.
    auto f = decode_header(edit_header(h, [](J& j) { j["sender_nonce"] = "x"; }));
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.failure().detail.find("sender_nonce"), std::string::npos);
}

TEST(MailboxCodec, RequestRefusalsNameTheHeaderFieldAndThePayload) {
    const auto r = a_send();
    EXPECT_EQ(request_problem("{}"), Problem::missing_field);
    EXPECT_EQ(request_problem("null"), Problem::bad_json);
    EXPECT_EQ(request_problem(edit_request(r, [](J& j) { j.erase("payload"); })),
              Problem::missing_field);
    EXPECT_EQ(request_problem(edit_request(r, [](J& j) { j.erase("header"); })),
              Problem::missing_field);
    EXPECT_EQ(request_problem(edit_request(r, [](J& j) { j["header"] = "x"; })),
              Problem::bad_field);
    EXPECT_EQ(request_problem(edit_request(r, [](J& j) { j["id"] = 1; })), Problem::unknown_field);
    // A problem inside the header is reported with its field's path.
    auto in = decode_request(edit_request(r, [](J& j) { j["header"]["op"] = "post"; }));
    ASSERT_FALSE(in.ok());
    EXPECT_EQ(in.failure().problem, Problem::bad_field);
    EXPECT_EQ(in.failure().detail.rfind("header.op", 0), 0u) << in.failure().detail;
    auto extra = decode_request(edit_request(r, [](J& j) { j["header"]["x"] = 1; }));
    ASSERT_FALSE(extra.ok());
    EXPECT_EQ(extra.failure().problem, Problem::unknown_field);
    EXPECT_EQ(extra.failure().detail.rfind("header.x", 0), 0u) << extra.failure().detail;
    EXPECT_EQ(request_problem(edit_request(r, [](J& j) { j["header"].erase("timestamp"); })),
              Problem::missing_field);

    // The payload: canonical base64 only.
    const std::string b64 = util::base64_encode(r.payload);  // 100 bytes: ends in one pad
    ASSERT_EQ(b64.back(), '=');
    for (const std::string& p : {b64.substr(0, b64.size() - 1), b64 + "\n", " " + b64,
                                 b64.substr(0, 4) + "\n" + b64.substr(4), std::string("*"),
                                 b64.substr(0, b64.size() - 2) + "B="})
        EXPECT_EQ(request_problem(edit_request(r, [&](J& j) { j["payload"] = p; })),
                  Problem::bad_field)
            << p;
    EXPECT_EQ(request_problem(edit_request(r, [](J& j) { j["payload"] = J::array(); })),
              Problem::bad_field);
}

TEST(MailboxCodec, OversizedPayloadsAndBodiesAreTooLarge) {
    // One byte over: the same base64 length as MAX_PAYLOAD, refused once decoded.
    for (std::size_t n : {MAX_PAYLOAD + 1, MAX_PAYLOAD + 2, MAX_PAYLOAD + 3}) {
        const auto r = request(identity(1), identity(2), Op::send, payload_of(n));
        const std::string text = encode_request(r);
        ASSERT_LE(text.size(), MAX_BODY);
        auto c = decode_request(text);
        EXPECT_EQ(problem_of(c, std::to_string(n)), Problem::too_large) << n;
        EXPECT_EQ(relay::problem_status(Problem::too_large), 413u);
        EXPECT_EQ(check_request(r)->problem, Problem::too_large) << n;
    }
    // A payload whose base64 is longer than MAX_PAYLOAD's is refused before it is decoded
    // (it is not even base64 here).
    const auto r = a_send();
    const std::string long_text(util::base64_length(MAX_PAYLOAD) + 4, '*');
    EXPECT_EQ(request_problem(edit_request(r, [&](J& j) { j["payload"] = long_text; })),
              Problem::too_large);
    // A body over MAX_BODY is refused before it is parsed, whatever it is.
    const std::string body(MAX_BODY + 1, ' ');
    EXPECT_EQ(problem_of(decode_request(body), "body"), Problem::too_large);
    EXPECT_EQ(problem_of(decode_stored(body), "body"), Problem::too_large);
    EXPECT_EQ(problem_of(decode_header(body), "body"), Problem::too_large);
    // And a body of exactly MAX_BODY is parsed (here: refused as not JSON).
    EXPECT_EQ(problem_of(decode_request(std::string(MAX_BODY, ' ')), "body"), Problem::bad_json);
}

TEST(MailboxCodec, StoredRefusals) {
    const Stored s{1, kNow, a_send()};
    const auto edited = [&](const std::function<void(J&)>& edit) {
        J j = J::parse(encode_stored(s));
        edit(j);
        return problem_of(decode_stored(j.dump()), "stored");
    };
    EXPECT_EQ(edited([](J& j) { j.erase("id"); }), Problem::missing_field);
    EXPECT_EQ(edited([](J& j) { j.erase("received"); }), Problem::missing_field);
    EXPECT_EQ(edited([](J& j) { j.erase("message"); }), Problem::missing_field);
    EXPECT_EQ(edited([](J& j) { j["id"] = -3; }), Problem::bad_field);
    EXPECT_EQ(edited([](J& j) { j["message"] = J::array(); }), Problem::bad_field);
    EXPECT_EQ(edited([](J& j) { j["message"]["payload"] = "a"; }), Problem::bad_field);
    EXPECT_EQ(edited([](J& j) { j["message"]["header"]["version"] = 9; }), Problem::bad_version);
    EXPECT_EQ(edited([](J& j) { j["extra"] = true; }), Problem::unknown_field);
    auto c = decode_stored([&] {
        J j = J::parse(encode_stored(s));
        j["message"]["header"]["receiver_pubkey"] = "00";
        return j.dump();
    }());
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.failure().problem, Problem::bad_pubkey);
    EXPECT_EQ(c.failure().detail.rfind("message.header.receiver_pubkey", 0), 0u)
        << c.failure().detail;
}

TEST(MailboxCodec, CanonicalBytesFollowTheLayoutAndExcludeTheSignature) {
    auto r = request(identity(1), identity(2), Op::ack, payload_of(5), 0x0102030405060708);
    const Header& h = r.header;
    const Bytes b = canonical_bytes(h);
    ASSERT_EQ(b.size(), 1u + 8 + 1 + 33 + 33 + 8 + 8 + 8 + 32);
    ByteWriter w;
    w.u8(FORMAT_VERSION);
    w.bytes(h.network);
    w.u8(static_cast<std::uint8_t>(Op::ack));
    w.bytes(h.sender_pubkey);
    w.bytes(h.receiver_pubkey);
    w.bytes(h.sender_nonce);
    w.u64le(kNow);
    w.u64le(0x0102030405060708);
    w.bytes(crypto::sha256(r.payload));
    EXPECT_EQ(b, w.data());
    EXPECT_EQ(b[9], 3);                       // op ack
    EXPECT_EQ(b[1 + 8 + 1 + 66 + 8 + 8], 8);  // message_id, little-endian
    auto unsigned_copy = h;
    unsigned_copy.signature = {};
    EXPECT_EQ(canonical_bytes(unsigned_copy), b);
    EXPECT_EQ(header_sighash(h), crypto::tagged_hash("sharemsg/mailbox/header", b));
    EXPECT_NE(header_sighash(h), crypto::sha256(b));
}

TEST(MailboxCodec, TamperingAnySignedFieldBreaksTheSignature) {
    const auto r = a_send();
    ASSERT_TRUE(signature_ok(r.header));
    std::vector<std::pair<const char*, std::function<void(Header&)>>> edits = {
        {"version", [](Header& h) { h.version = 2; }},
        {"network", [](Header& h) { h.network[7] ^= 1; }},
        {"op", [](Header& h) { h.op = Op::get; }},
        {"sender_pubkey", [](Header& h) { h.sender_pubkey = identity(3).key.pubkey(); }},
        {"receiver_pubkey", [](Header& h) { h.receiver_pubkey = identity(3).key.pubkey(); }},
        {"sender_nonce", [](Header& h) { h.sender_nonce[0] ^= 0x80; }},
        {"timestamp", [](Header& h) { h.timestamp += 1; }},
        {"message_id", [](Header& h) { h.message_id = 1; }},
        {"payload_hash", [](Header& h) { h.payload_hash[31] ^= 1; }},
        {"signature", [](Header& h) { h.signature[10] ^= 1; }},
        {"signature (s)", [](Header& h) { h.signature[63] ^= 1; }},
    };
    for (const auto& [what, edit] : edits) {
        Header h = r.header;
        edit(h);
        EXPECT_FALSE(signature_ok(h)) << what;
        EXPECT_EQ(check_request(Request{h, r.payload})->problem, std::string(what) == "payload_hash"
                                                                     ? Problem::bad_payload_hash
                                                                     : Problem::bad_signature)
            << what;
        // Through the JSON too: a tampered header still reads, and still fails.
        if (h.version == FORMAT_VERSION) {
            auto back = decode_request(encode_request(Request{h, r.payload}));
            ASSERT_TRUE(back.ok()) << what << ": " << back.failure().detail;
            EXPECT_TRUE(check_request(*back).has_value()) << what;
        }
    }
    // Signed by another key than the sender's.
    Header forged = r.header;
    forged.signature = crypto::schnorr_sign(identity(3).key.privkey(), header_sighash(forged));
    EXPECT_FALSE(signature_ok(forged));
    // A header signed on another network does not verify after its network is swapped.
    const relay::NetworkId other{1, 2, 3, 4, 5, 6, 7, 8};
    auto moved = request(identity(1, 0, other), identity(2, 0, other), Op::send, payload_of(9));
    ASSERT_TRUE(signature_ok(moved.header));
    moved.header.network = proto::open::DEVNET_NETWORK_ID;
    EXPECT_FALSE(signature_ok(moved.header));
}

TEST(MailboxCodec, ThePayloadHashBindsThePayload) {
    auto r = a_send();
    EXPECT_EQ(r.header.payload_hash, crypto::sha256(r.payload));
    EXPECT_TRUE(payload_ok(r));
    EXPECT_FALSE(check_request(r).has_value());
    for (std::size_t i : {std::size_t{0}, std::size_t{50}, std::size_t{99}}) {
        auto changed = r;
        changed.payload[i] ^= 1;
        EXPECT_FALSE(payload_ok(changed)) << i;
        EXPECT_TRUE(signature_ok(changed.header));
        EXPECT_EQ(check_request(changed)->problem, Problem::bad_payload_hash) << i;
    }
    auto longer = r;
    longer.payload.push_back(0);
    EXPECT_EQ(check_request(longer)->problem, Problem::bad_payload_hash);
    auto empty = r;
    empty.payload.clear();
    EXPECT_EQ(check_request(empty)->problem, Problem::bad_payload_hash);
    // check_request's order: the hash is looked at before the signature.
    auto both = r;
    both.payload[0] ^= 1;
    both.header.signature[0] ^= 1;
    EXPECT_EQ(check_request(both)->problem, Problem::bad_payload_hash);
    // An empty payload is hashed too (SHA-256 of nothing).
    const auto sub = request(identity(1), identity(1), Op::subscribe, {});
    EXPECT_EQ(to_hex(sub.header.payload_hash),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_FALSE(check_request(sub).has_value());
}

TEST(MailboxCodec, RegisterArgsRoundTripAndCheckTheDelegation) {
    const auto id = identity(4, 3);
    RegisterArgs a;
    a.key_index = id.key.key_index();
    a.delegation = id.delegation;
    a.challenge = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    const Bytes b = encode_register_args(a);
    ASSERT_EQ(b.size(), 4u + 33 + 64 + 16);
    EXPECT_EQ(b[0], 3);  // key_index, little-endian
    EXPECT_EQ(b[1], 0);
    EXPECT_EQ(Bytes(b.begin() + 4, b.begin() + 37),
              Bytes(id.delegation.master_pubkey.begin(), id.delegation.master_pubkey.end()));
    EXPECT_EQ(b.back(), 6);
    auto back = decode_register_args(b);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(*back, a);
    EXPECT_EQ(back->master_hash(), id.master_hash());

    // As a whole registration request: receiver = sender, the arguments as the payload.
    const auto reg = request(id, id, Op::register_identity, b);
    auto req = decode_request(encode_request(reg));
    ASSERT_TRUE(req.ok()) << req.failure().detail;
    EXPECT_FALSE(check_request(*req).has_value());
    auto args = decode_register_args(req->payload);
    ASSERT_TRUE(args.ok());
    EXPECT_TRUE(delegation_ok(req->header, *args));

    // The delegation must sign this network, this signing key and this key index.
    auto other_net = reg.header;
    other_net.network[0] ^= 1;
    EXPECT_FALSE(delegation_ok(other_net, a));
    auto other_key = reg.header;
    other_key.sender_pubkey = identity(5).key.pubkey();
    EXPECT_FALSE(delegation_ok(other_key, a));
    auto other_index = a;
    other_index.key_index = 2;
    EXPECT_FALSE(delegation_ok(reg.header, other_index));
    auto other_master = a;
    other_master.delegation = identity(5).delegation;
    EXPECT_FALSE(delegation_ok(reg.header, other_master));
    auto bad_sig = a;
    bad_sig.delegation.signature[3] ^= 1;
    EXPECT_FALSE(delegation_ok(reg.header, bad_sig));
}

TEST(MailboxCodec, RegisterArgsRefusals) {
    RegisterArgs a;
    a.delegation = identity(1).delegation;
    const Bytes good = encode_register_args(a);
    for (std::size_t n : {std::size_t{0}, good.size() - 1, good.size() + 1}) {
        Bytes b = good;
        b.resize(n);
        auto c = decode_register_args(b);
        ASSERT_FALSE(c.ok()) << n;
        EXPECT_EQ(c.failure().problem, Problem::bad_field) << n;
    }
    Bytes not_a_point = good;
    std::fill(not_a_point.begin() + 4, not_a_point.begin() + 37, 0);
    auto c = decode_register_args(not_a_point);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.failure().problem, Problem::bad_delegation);
    not_a_point[4] = 0x04;  // an uncompressed prefix on 33 bytes
    EXPECT_EQ(decode_register_args(not_a_point).failure().problem, Problem::bad_delegation);
}

TEST(MailboxCodec, TheMailboxProblemsHaveNamesAndStatuses) {
    const std::tuple<Problem, const char*, unsigned> expected[] = {
        {Problem::too_large, "too_large", 413},
        {Problem::bad_payload_hash, "bad_payload_hash", 400},
        {Problem::bad_op, "bad_op", 400},
        {Problem::not_registered, "not_registered", 403},
        {Problem::unknown_receiver, "unknown_receiver", 404},
        {Problem::nonce_replayed, "nonce_replayed", 409},
        {Problem::quota_full, "quota_full", 507},
        {Problem::bad_challenge, "bad_challenge", 403},
    };
    for (const auto& [p, name, status] : expected) {
        EXPECT_STREQ(relay::problem_name(p), name);
        EXPECT_EQ(relay::problem_status(p), status) << name;
    }
    // The relay's values are unchanged.
    EXPECT_STREQ(relay::problem_name(Problem::wrong_recipient), "wrong_recipient");
    EXPECT_EQ(relay::problem_status(Problem::wrong_recipient), 403u);
    EXPECT_EQ(relay::problem_status(Problem::bad_signature), 401u);
}
