// Message store: deduplication, expiry, ordering, the history cap, sharechain pruning,
// queries, stats, bootstrap blobs and share processing.
#include <gtest/gtest.h>

#include "proto/store.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

MessageStore make_store(std::size_t max_messages = 1000, double max_age = 3600,
                        ReferenceQuirks q = {}, const AuthoritySet& set = ab_authorities()) {
    return MessageStore(StoreOptions{max_messages, max_age, q}, set);
}

ShareMessage msg(std::string_view text, std::uint32_t ts, std::uint8_t type = MSG_MINER_MESSAGE) {
    return text_message(type, text, ts);
}
// An authority transition signal as the store sees it after verification.
ShareMessage transition(std::string_view text, std::uint32_t ts) {
    auto m = text_message(MSG_TRANSITION_SIGNAL, text, ts, 0x0f);
    m.verified = true;
    return m;
}
ShareMessage with_share(ShareMessage m, std::uint16_t share) {
    m.share_hash = share_hash(share);
    return m;
}

// Payload texts in store order.
std::vector<std::string> texts(const std::vector<MessageStore::Ptr>& v) {
    std::vector<std::string> out;
    for (const auto& m : v)
        out.push_back(to_string(m->payload));
    return out;
}
using Texts = std::vector<std::string>;

MessageQuery all() {
    MessageQuery q;
    q.limit = 1000;
    return q;
}

}  // namespace

TEST(ProtoStore, Deduplicates) {
    auto s = make_store();
    auto m = msg("hi", 1000);
    EXPECT_TRUE(s.add_local_message(m, 1000));
    auto again = with_share(m, 7);
    again.sender_address = "other";
    EXPECT_FALSE(s.add_local_message(again, 1000));  // same hash: type, wire flags, time, payload
    EXPECT_TRUE(s.contains(m.hash()));
    EXPECT_EQ(s.size(), 1u);
    auto flagged = m;
    flagged.wire_flags = 0x07;
    EXPECT_TRUE(s.add_local_message(flagged, 1000));
    EXPECT_EQ(s.size(), 2u);
}

TEST(ProtoStore, ExpiryByAgeSparesTransitionAuthority) {
    auto s = make_store(1000, 3600);
    const double now = 10000;
    EXPECT_TRUE(s.add_local_message(msg("edge", 6400), now));  // age == max_age
    EXPECT_FALSE(s.add_local_message(msg("old", 6399), now));  // age > max_age
    EXPECT_TRUE(s.add_local_message(transition("ancient", 1), now));
    auto alert = text_message(MSG_EMERGENCY, "auth alert", 6399, 0x0f);
    EXPECT_FALSE(s.add_local_message(alert, now));  // authority, but not a transition signal
    auto unverified = text_message(MSG_TRANSITION_SIGNAL, "not authority", 6399, 0x07);
    EXPECT_FALSE(s.add_local_message(unverified, now));
    EXPECT_EQ(texts(s.messages()), (Texts{"edge", "ancient"}));

    // A later add prunes what has expired since.
    EXPECT_TRUE(s.add_local_message(msg("new", 10001), 10001));
    EXPECT_EQ(texts(s.messages()), (Texts{"new", "ancient"}));
    EXPECT_FALSE(s.contains(msg("edge", 6400).hash()));
    EXPECT_EQ(texts(s.authority_messages()), (Texts{"ancient"}));
    EXPECT_TRUE(s.add_local_message(msg("later", 999999990), 1e9));  // years later: still kept
    EXPECT_EQ(texts(s.messages()), (Texts{"later", "ancient"}));
}

TEST(ProtoStore, NewestFirstWithStableTies) {
    auto s = make_store(1000, 1e9);
    for (auto [t, ts] : std::vector<std::pair<const char*, std::uint32_t>>{
             {"100", 100}, {"300a", 300}, {"200", 200}, {"300b", 300}, {"50", 50}, {"300c", 300}})
        ASSERT_TRUE(s.add_local_message(msg(t, ts), 300));
    EXPECT_EQ(texts(s.messages()), (Texts{"300a", "300b", "300c", "200", "100", "50"}));
}

TEST(ProtoStore, CapKeepsTransitionSignals) {
    auto s = make_store(3, 1e9);
    s.add_local_message(transition("T", 1), 100);
    for (std::uint32_t ts : {10, 20, 30})
        s.add_local_message(msg(std::to_string(ts), ts), 100);
    EXPECT_EQ(texts(s.messages()), (Texts{"30", "20", "T"}));
    EXPECT_FALSE(s.contains(msg("10", 10).hash()));
    EXPECT_TRUE(s.add_local_message(msg("10", 10), 100));  // evicted, so no longer a duplicate
    EXPECT_EQ(texts(s.messages()), (Texts{"30", "20", "T"}));

    // Only transition signals over the cap: all are kept.
    auto t = make_store(2, 1e9);
    for (std::uint32_t ts : {1, 2, 3})
        t.add_local_message(transition(std::to_string(ts), ts), 100);
    EXPECT_EQ(t.size(), 3u);
}

TEST(ProtoStore, CapEvictsTransitionSignalsUnderQuirk) {
    ReferenceQuirks q;
    q.cap_evicts_transition_signals = true;
    auto s = make_store(3, 1e9, q);
    s.add_local_message(transition("T", 1), 100);
    for (std::uint32_t ts : {10, 20, 30})
        s.add_local_message(msg(std::to_string(ts), ts), 100);
    EXPECT_EQ(texts(s.messages()), (Texts{"30", "20", "10"}));
    EXPECT_EQ(texts(s.authority_messages()), (Texts{"T"}));  // the reference's side list keeps it
    EXPECT_EQ(s.stats()["authority_messages"], 1);
}

TEST(ProtoStore, PruneBySharechain) {
    auto s = make_store(1000, 1e9);
    s.add_local_message(with_share(msg("a1", 10), 1), 100);
    s.add_local_message(with_share(msg("b1", 20), 2), 100);
    auto auth = with_share(text_message(MSG_EMERGENCY, "b-auth", 30, 0x0f), 2);
    s.add_local_message(auth, 100);
    s.add_local_message(msg("local", 40), 100);
    EXPECT_EQ(s.tracked_shares().size(), 2u);

    s.prune_by_sharechain({});  // ignored
    EXPECT_EQ(s.size(), 4u);

    s.prune_by_sharechain({share_hash(1), share_hash(99)});
    EXPECT_EQ(texts(s.messages()), (Texts{"local", "b-auth", "a1"}));
    EXPECT_EQ(s.tracked_shares(), std::vector<ShareHash>{share_hash(1)});
    EXPECT_FALSE(s.contains(msg("b1", 20).hash()));
    EXPECT_TRUE(
        s.add_local_message(with_share(msg("b1", 20), 3), 100));  // may come back in another share

    s.prune_by_sharechain({share_hash(3)});
    EXPECT_EQ(texts(s.messages()), (Texts{"local", "b-auth", "b1"}));
}

TEST(ProtoStore, QueryFilters) {
    auto s = make_store(1000, 1e9);
    auto add = [&](ShareMessage m, std::optional<std::string> sender, bool verified = false) {
        m.sender_address = std::move(sender);
        m.verified = verified;
        ASSERT_TRUE(s.add_local_message(m, 1000));
    };
    add(msg("chat A", 100), "A", true);
    add(msg("chat B spam", 200), "B");
    add(msg("{}", 300, MSG_NODE_STATUS), "A");
    add(text_message(MSG_EMERGENCY, "alert spam", 400, 0x0f), "B", true);
    add(msg("anon", 500), std::nullopt);

    auto q = all();
    EXPECT_EQ(texts(s.query(q)), (Texts{"anon", "alert spam", "{}", "chat B spam", "chat A"}));
    q.msg_type = MSG_MINER_MESSAGE;
    EXPECT_EQ(texts(s.query(q)), (Texts{"anon", "chat B spam", "chat A"}));
    q = all();
    q.sender = "A";
    EXPECT_EQ(texts(s.query(q)), (Texts{"{}", "chat A"}));
    q = all();
    q.since = 300;  // inclusive
    EXPECT_EQ(texts(s.query(q)), (Texts{"anon", "alert spam", "{}"}));
    q = all();
    q.verified_only = true;
    EXPECT_EQ(texts(s.query(q)), (Texts{"alert spam", "chat A"}));
    q = all();
    q.authority_only = true;
    EXPECT_EQ(texts(s.query(q)), (Texts{"alert spam"}));
    q = all();
    q.limit = 2;
    EXPECT_EQ(texts(s.query(q)), (Texts{"anon", "alert spam"}));
    q.limit = 0;
    EXPECT_TRUE(s.query(q).empty());
    EXPECT_EQ(MessageQuery{}.limit, 50u);

    s.bans().ban_keyword("spam");
    s.bans().ban_address("A");
    q = all();
    EXPECT_EQ(texts(s.query(q)), (Texts{"anon", "alert spam"}));  // authority is never hidden
    q.apply_bans = false;
    EXPECT_EQ(s.query(q).size(), 5u);
    q = all();
    q.limit = 1;
    q.msg_type = MSG_MINER_MESSAGE;
    EXPECT_EQ(texts(s.query(q)), (Texts{"anon"}));  // the limit counts shown messages only

    auto j = s.to_json(all(), 1000);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[1], message_to_json(*s.messages()[1], 1000));
}

TEST(ProtoStore, StatsFields) {
    auto s = make_store(1000, 1e9);
    auto st = s.stats();
    EXPECT_EQ(st["total_messages"], 0);
    EXPECT_TRUE(st["oldest_timestamp"].is_null());
    EXPECT_TRUE(st["newest_timestamp"].is_null());
    EXPECT_EQ(st["by_type"].dump(), "{}");

    auto a = msg("a", 100);
    a.sender_address = "zed";
    auto b = text_message(MSG_EMERGENCY, "b", 300, 0x0f);
    b.sender_address = "amy";
    b.verified = true;
    auto c = msg("c", 200);
    c.sender_address = "";
    s.add_local_message(a, 300);
    s.add_local_message(with_share(b, 5), 300);
    s.add_local_message(c, 300);
    s.bans().ban_type(0x7f);
    s.registry().register_key("zed", signing_key("m1k0").signing_id(), 0,
                              signing_key("m1k0").pubkey(), 300);
    st = s.stats();
    EXPECT_EQ(st["total_messages"], 3);
    EXPECT_EQ(st["authority_messages"], 1);
    EXPECT_EQ(st["tracked_shares"], 1);
    EXPECT_EQ(st["unique_senders"], 2);
    EXPECT_EQ(st["senders"].dump(), R"(["amy","zed"])");
    EXPECT_EQ(st["by_type"].dump(), R"({"EMERGENCY":1,"MINER_MESSAGE":2})");
    EXPECT_EQ(st["oldest_timestamp"], 100);
    EXPECT_EQ(st["newest_timestamp"], 300);
    EXPECT_EQ(st["signed_count"], 1);
    EXPECT_EQ(st["verified_count"], 1);
    EXPECT_EQ(st["known_signing_keys"], 1);
    EXPECT_EQ(st["key_registry"], s.registry().to_json());
    EXPECT_EQ(st["ban_list"]["type_names"].dump(), R"(["0x7f"])");
}

TEST(ProtoStore, ProcessShareReferenceSequence) {
    const auto& ms = vectors()["message_store"];
    auto s = make_store(ms["max_messages"].get<std::size_t>(), ms["max_age"].get<double>());
    const std::uint16_t shares[] = {0x1001, 0x1002};
    std::size_t i = 0;
    for (const auto& step : ms["steps"]) {
        SCOPED_TRACE(step["step"].get<std::string>());
        const double now = step["clock"].get<double>();
        auto r = s.process_share(share_hash(shares[i++]), "addrA",
                                 hexb(step["envelope"].get<std::string>()), now);
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(*r, step["result"]["ok"].get<std::size_t>());
        const auto& st = step["state"];
        EXPECT_EQ(s.to_json(MessageQuery{}, now), st["to_json"]);
        MessageQuery auth_only;
        auth_only.authority_only = true;
        EXPECT_EQ(s.to_json(auth_only, now), st["to_json_authority_only"]);
        MessageQuery no_bans;
        no_bans.apply_bans = false;
        no_bans.limit = 100;
        EXPECT_EQ(s.to_json(no_bans, now), st["to_json_no_bans_limit_100"]);
        EXPECT_EQ(s.stats(), st["stats"]);
        ASSERT_EQ(s.size(), st["messages_order"].size());
        for (std::size_t k = 0; k < s.size(); ++k)
            EXPECT_EQ(to_hex(s.messages()[k]->hash()), st["messages_order"][k].get<std::string>());
    }
}

TEST(ProtoStore, ProcessShareAnnouncementThenSignedMessages) {
    auto s = make_store(1000, 1e9);
    const auto k0 = signing_key("m1k0"), k1 = signing_key("m1k1");
    auto signed_by = [](const DerivedSigningKey& k, std::string_view text, std::uint32_t ts) {
        auto m = msg(text, ts);
        sign_message(m, k);
        return m;
    };
    const auto& set = ab_authorities();
    // Share 1 by addrA: announces k0, carries a k0-signed message and an unsigned one.
    auto r = s.process_share(share_hash(1), "addrA",
                             seal({signed_by(k0, "hello", 100), msg("plain", 101)},
                                  k0.announcement().pack(), kAuthorityAPub, set),
                             200);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2u);
    EXPECT_TRUE(s.registry().is_key_valid(k0.signing_id()));
    auto hello = s.messages()[1];
    EXPECT_EQ(to_string(hello->payload), "hello");
    EXPECT_TRUE(hello->verified);
    EXPECT_EQ(hello->sender_address, "addrA");
    EXPECT_EQ(hello->share_hash, share_hash(1));
    EXPECT_FALSE(s.messages()[0]->verified);
    EXPECT_EQ(s.messages()[0]->sender_address, "addrA");

    // Share 2 by addrA rotates to k1: k0 signatures no longer verify, k1's do.
    r = s.process_share(share_hash(2), "addrA",
                        seal({signed_by(k0, "stale", 102), signed_by(k1, "fresh", 103)},
                             k1.announcement().pack(), kAuthorityAPub, set),
                        200);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2u);
    EXPECT_EQ(texts(s.messages()), (Texts{"fresh", "stale", "plain", "hello"}));
    EXPECT_TRUE(s.messages()[0]->verified);
    EXPECT_FALSE(s.messages()[1]->verified);
    EXPECT_TRUE(s.messages()[3]->verified);  // stored before the rotation: kept as it was

    // Share 3 by addrB re-announces k1: attribution follows the last announcer.
    r = s.process_share(
        share_hash(3), "addrB",
        seal({signed_by(k1, "whose?", 104)}, k1.announcement().pack(), kAuthorityBPub, set), 200);
    ASSERT_TRUE(r);
    EXPECT_EQ(s.messages()[0]->sender_address, "addrB");
    r = s.process_share(
        share_hash(4), "addrC",
        seal({signed_by(k1, "carried by C", 105)}, std::nullopt, kAuthorityAPub, set), 200);
    ASSERT_TRUE(r);
    EXPECT_TRUE(s.messages()[0]->verified);
    EXPECT_EQ(s.messages()[0]->sender_address, "addrB");  // the signer, not the carrier

    // Data that does not decrypt: nothing is registered or stored.
    const std::size_t ids = s.registry().known_ids(), count = s.size();
    r = s.process_share(
        share_hash(5), "addrD",
        seal({msg("x", 106)}, signing_key("m2k0").announcement().pack(), kAuthorityAPub, set), 200);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);  // control: the same construction decrypts under our set
    EXPECT_EQ(s.registry().known_ids(), ids + 1);
    EXPECT_EQ(*s.process_share(share_hash(6), "addrD", Bytes(80, 0x01), 200), 0u);
    Bytes garbled =
        seal({msg("y", 107)}, signing_key("m2k7").announcement().pack(), kAuthorityAPub, set);
    garbled.back() ^= 1;
    EXPECT_EQ(*s.process_share(share_hash(7), "addrD", garbled, 200), 0u);
    EXPECT_EQ(s.registry().known_ids(), ids + 1);
    EXPECT_EQ(s.size(), count + 1);
}

TEST(ProtoStore, ProcessShareWithAuthoritySigningKey) {
    auto s = make_store(1000, 1e9);
    Announcement ann{crypto::hash160(hexb(kAuthorityAPub)), 0, hexa<33>(kAuthorityAPub)};
    auto m = text_message(MSG_TRANSITION_SIGNAL, "{}", 100, 0x07);
    m.signing_id = ann.signing_id;
    sign_message_with(m, privkey(kAuthorityAPriv));
    auto r = s.process_share(share_hash(1), "authAddr",
                             seal({m}, ann.pack(), kAuthorityAPub, ab_authorities()), 200);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);
    ASSERT_EQ(s.authority_messages().size(), 1u);
    EXPECT_TRUE(s.messages()[0]->is_protocol_authority());
    EXPECT_TRUE(s.messages()[0]->verified);
}

TEST(ProtoStore, ProcessShareAbortsOnlyUnderQuirk) {
    ReferenceQuirks q;
    q.process_share_aborts = true;
    const Bytes no_ann = seal({msg("x", 100)}, std::nullopt, kAuthorityAPub, ab_authorities());
    auto ours = make_store(1000, 1e9);
    EXPECT_EQ(*ours.process_share(share_hash(1), "A", no_ann, 200), 1u);
    auto ref = make_store(1000, 1e9, q);
    auto r = ref.process_share(share_hash(1), "A", no_ann, 200);
    ASSERT_FALSE(r);
    EXPECT_EQ(ref.size(), 0u);

    // The reference's vector: an announced pubkey that is not a curve point.
    const auto& v = vectors()["message_store_extra"][0];
    const Bytes env = hexb(v["envelope"].get<std::string>());
    auto ours2 = make_store(1000, 1e9);
    ASSERT_TRUE(ours2.process_share(share_hash(2), "A", env, kNow));
    EXPECT_EQ(ours2.registry().known_ids(), v["known_signing_keys_after"].get<std::size_t>());
    for (const auto& m : ours2.messages())
        EXPECT_FALSE(m->verified);
    auto ref2 = make_store(1000, 1e9, q);
    r = ref2.process_share(share_hash(2), "A", env, kNow);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, v["result"]["message"].get<std::string>());
    EXPECT_EQ(ref2.size(), v["total_messages_after"].get<std::size_t>());
    EXPECT_EQ(ref2.registry().known_ids(), v["known_signing_keys_after"].get<std::size_t>());
}

TEST(ProtoStore, ProcessShareQuirkAbortsOnUnparseableSignature) {
    // With the reference's libsecp256k1 backend an unparseable DER signature raises too.
    ReferenceQuirks q;
    q.process_share_aborts = true;
    const auto k0 = signing_key("m1k0");
    auto bad = msg("bad sig", 100);
    sign_message(bad, k0);
    bad.signature = {0x01, 0x02, 0x03};
    const Bytes env = seal({bad}, k0.announcement().pack(), kAuthorityAPub, ab_authorities());
    auto ours = make_store(1000, 1e9);
    EXPECT_EQ(*ours.process_share(share_hash(1), "A", env, 200), 1u);
    EXPECT_FALSE(ours.messages()[0]->verified);
    auto ref = make_store(1000, 1e9, q);
    EXPECT_FALSE(ref.process_share(share_hash(1), "A", env, 200));
    EXPECT_EQ(ref.size(), 0u);
    // A well-formed but wrong signature is just unverified, even under the quirk.
    auto wrong = msg("wrong sig", 100);
    sign_message(wrong, signing_key("m2k0"));
    wrong.signing_id = k0.signing_id();
    auto ref2 = make_store(1000, 1e9, q);
    auto r = ref2.process_share(
        share_hash(1), "A",
        seal({wrong}, k0.announcement().pack(), kAuthorityAPub, ab_authorities()), 200);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, 1u);
}

TEST(ProtoStore, LoadBlobHexMainnet) {
    const auto& want = vectors()["mainnet_transition_blob"];
    auto s = make_store(1000, MAX_MESSAGE_AGE, {}, mainnet_authorities());
    EXPECT_EQ(s.load_blob_hex(mainnet_blob_text(), kNow), 1u);  // trailing newline tolerated
    ASSERT_EQ(s.size(), 1u);
    const auto& m = *s.messages()[0];
    EXPECT_TRUE(m.is_protocol_authority());
    EXPECT_TRUE(m.verified);
    EXPECT_EQ(m.sender_address, "bootstrap");
    EXPECT_FALSE(m.share_hash);
    EXPECT_EQ(s.to_json(MessageQuery{}, kNow), want["load_blob_hex_ecdsa"]["to_json"]);
    MessageQuery auth_only;
    auth_only.authority_only = true;
    EXPECT_EQ(s.to_json(auth_only, kNow), want["load_blob_hex_ecdsa"]["to_json"]);
    EXPECT_EQ(s.stats()["authority_messages"],
              want["load_blob_hex_ecdsa"]["stats_authority_messages"]);

    EXPECT_EQ(s.load_blob_hex(mainnet_blob_text(), kNow), 0u);  // duplicate
    EXPECT_EQ(s.load_blob_hex("zz", kNow), 0u);
    EXPECT_EQ(s.load_blob_hex("not hex at all", kNow), 0u);
    EXPECT_EQ(s.load_blob_hex("", kNow), 0u);
    EXPECT_EQ(s.load_blob_hex("0102", kNow), 0u);
    Bytes flipped = mainnet_blob();
    flipped[200] ^= 1;
    EXPECT_EQ(s.load_blob_hex(to_hex(flipped), kNow), 0u);

    // Ten years on: a transition signal never expires by age.
    const double later = want["load_blob_hex_ecdsa_clock_plus_10y"]["clock"].get<double>();
    auto s2 = make_store(1000, MAX_MESSAGE_AGE, {}, mainnet_authorities());
    EXPECT_EQ(s2.load_blob_hex(mainnet_blob_text(), later), 1u);
    // Under other authorities the blob does not decrypt.
    auto s3 = make_store();
    EXPECT_EQ(s3.load_blob_hex(mainnet_blob_text(), kNow), 0u);
}

TEST(ProtoStore, LoadBlobHexWithoutAuthoritySignature) {
    // A blob that decrypts but whose message is not authority-signed loads as an ordinary,
    // unverified message (as in the reference, which only logs a warning).
    auto s = make_store(1000, 1e9);
    const Bytes env = seal({msg("unsigned", 100)}, std::nullopt, kAuthorityAPub, ab_authorities());
    EXPECT_EQ(s.load_blob_hex(to_hex(env), 200), 1u);
    EXPECT_FALSE(s.messages()[0]->is_protocol_authority());
    EXPECT_FALSE(s.messages()[0]->verified);
    EXPECT_TRUE(s.authority_messages().empty());
}
