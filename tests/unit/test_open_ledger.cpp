// The open profile's ledger (proto/open_ledger.hpp): bound announcements, attribution,
// rotation from a height, and every reason a message or announcement is ignored.
#include <gtest/gtest.h>

#include "open_test_util.hpp"
#include "proto/keys_io.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;
namespace po = sharemsg::proto::open;

namespace {

constexpr std::uint32_t T = 1700000000;

Envelope with(std::optional<BoundAnnouncement> ann, std::vector<OpenMessage> msgs = {}) {
    Envelope e;
    e.announcement = std::move(ann);
    e.messages = std::move(msgs);
    return e;
}

// The rules other than Message Weight Units (MWU have tests of their own).
LedgerConfig no_mwu() {
    LedgerConfig c;
    c.enforce_mwu = false;
    return c;
}

std::string address_of(const Party& p) {
    return proto::p2pkh_address_from_hash160(p.address(), 0x30);
}

}  // namespace

TEST(OpenLedger, BoundAnnouncementRegistersAndMessagesVerify) {
    const Party a = party(kMaster1, 0);
    Ledger ledger(no_mwu());
    const auto s = share(10, a.address(), T);
    const OpenMessage m = signed_msg(a, "hello devnet", T - 5);
    auto r = ledger.apply_share(s, with(a.ann, {m}));
    EXPECT_EQ(r.announcement, AnnouncementOutcome::registered);
    ASSERT_TRUE(r.registered);
    EXPECT_EQ(r.registered->signing_id, a.id());
    EXPECT_EQ(r.ignored.total(), 0u) << r.notes.front();
    ASSERT_EQ(r.messages.size(), 1u);
    const proto::ShareMessage& sm = r.messages[0];
    EXPECT_TRUE(sm.verified);
    EXPECT_EQ(sm.msg_type, proto::MSG_MINER_MESSAGE);
    EXPECT_EQ(sm.timestamp, T - 5);
    EXPECT_EQ(to_string(sm.payload), "hello devnet");
    EXPECT_EQ(sm.signing_id, a.id());
    EXPECT_EQ(sm.signature, m.signature);
    EXPECT_EQ(sm.sender_address, address_of(a));
    EXPECT_EQ(sm.share_hash, s.share_hash);
    EXPECT_EQ(sm.wire_flags, m.flags);
    EXPECT_TRUE(sm.has_signature() && sm.is_broadcast() && sm.is_persistent());
    EXPECT_FALSE(sm.is_protocol_authority());
    EXPECT_FALSE(sm.recipient);

    // The key entry for /msg/keys.
    auto keys = ledger.keys();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].address, address_of(a));
    EXPECT_EQ(keys[0].first_seen_height, 10u);
    EXPECT_EQ(keys[0].first_seen_time, T);
    EXPECT_FALSE(keys[0].revoked);
    EXPECT_TRUE(keys[0].bound);
    const auto j = key_entry_to_json(keys[0]);
    EXPECT_EQ(j["signing_id"], to_hex(a.id()));
    EXPECT_EQ(j["key_index"], 0);
    EXPECT_EQ(j["pubkey"], to_hex(a.key.pubkey()));
    EXPECT_EQ(j["address"], address_of(a));
    EXPECT_TRUE(j["revoked_at_height"].is_null());
    EXPECT_EQ(j["bound"], true);
    EXPECT_EQ(ledger.current_key(a.address())->signing_id, a.id());

    // A later share (not carrying the announcement) still verifies a's messages.
    auto r2 = ledger.apply_share(share(11, a.address(), T + 10),
                                 with(std::nullopt, {signed_msg(a, "again", T + 9)}));
    EXPECT_EQ(r2.messages.size(), 1u);
    EXPECT_EQ(ledger.messages_accepted(), 2u);
}

TEST(OpenLedger, UnknownSignerAndUnboundAnnouncements) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    Ledger ledger(no_mwu());
    // No announcement yet.
    auto r = ledger.apply_share(share(1, a.address()), with(std::nullopt, {signed_msg(a, "x", T)}));
    EXPECT_TRUE(r.messages.empty());
    EXPECT_EQ(r.ignored[Ignored::unknown_signer], 1u);

    // a's valid announcement carried by a share paying b: unbound.
    auto r2 = ledger.apply_share(share(2, b.address()), with(a.ann, {signed_msg(a, "x", T)}));
    EXPECT_EQ(r2.announcement, AnnouncementOutcome::unbound);
    EXPECT_EQ(r2.ignored[Ignored::unbound_announcement], 1u);
    EXPECT_EQ(r2.ignored[Ignored::unknown_signer], 1u);
    EXPECT_TRUE(ledger.keys().empty());
    ASSERT_EQ(ledger.unbound_keys().size(), 1u);
    EXPECT_FALSE(ledger.unbound_keys()[0].bound);
    EXPECT_EQ(key_entry_to_json(ledger.unbound_keys()[0])["bound"], false);

    // A tampered delegation in a share paying the right address: unbound.
    BoundAnnouncement bad = a.ann;
    bad.delegation_sig[5] ^= 0x40;
    auto r3 = ledger.apply_share(share(3, a.address()), with(bad));
    EXPECT_EQ(r3.announcement, AnnouncementOutcome::unbound);
    // A delegation made for another network: unbound.
    const Party other_net = party(kMaster1, 0, kOtherNet);
    auto r4 = ledger.apply_share(share(4, a.address()), with(other_net.ann));
    EXPECT_EQ(r4.announcement, AnnouncementOutcome::unbound);
    EXPECT_TRUE(ledger.keys().empty());
    EXPECT_EQ(ledger.ignored_totals()[Ignored::unbound_announcement], 3u);
    EXPECT_EQ(ledger.unbound_keys().size(), 1u);  // one entry per signing id
}

TEST(OpenLedger, IdentityTakeoverAttemptsFail) {
    const Party victim = party(kMaster1, 0);
    const Party evil = party(kMasterEvil, 5);
    Ledger ledger(no_mwu());
    ledger.apply_share(share(1, victim.address()), with(victim.ann));

    // 1. The attacker mines a share paying the victim and announces its own key (its own
    //    master, a higher index): the master does not match the payout.
    BoundAnnouncement own = evil.ann;
    auto r1 = ledger.apply_share(share(2, victim.address()),
                                 with(own, {signed_msg(evil, "I am the victim", T)}));
    EXPECT_EQ(r1.announcement, AnnouncementOutcome::unbound);
    EXPECT_EQ(r1.ignored[Ignored::unknown_signer], 1u);

    // 2. It claims the victim's master pubkey for its key, but cannot sign the delegation.
    BoundAnnouncement forged = evil.ann;
    forged.master_pubkey = victim.ann.master_pubkey;
    forged.key_index = 9;
    auto r2 = ledger.apply_share(share(3, victim.address()), with(forged));
    EXPECT_EQ(r2.announcement, AnnouncementOutcome::unbound);

    // 3. It reuses the victim's delegation signature for its own key.
    BoundAnnouncement reused = victim.ann;
    reused.signing_pubkey = evil.key.pubkey();
    auto r3 = ledger.apply_share(share(4, victim.address()), with(reused));
    EXPECT_EQ(r3.announcement, AnnouncementOutcome::unbound);

    // Nothing changed: the victim's key is current and unrevoked, and its messages verify.
    ASSERT_EQ(ledger.keys().size(), 1u);
    EXPECT_FALSE(ledger.keys()[0].revoked);
    EXPECT_EQ(ledger.current_key(victim.address())->signing_id, victim.id());
    auto ok = ledger.apply_share(share(5, victim.address()),
                                 with(std::nullopt, {signed_msg(victim, "still me", T)}));
    EXPECT_EQ(ok.messages.size(), 1u);
    // A message signed by the attacker's key but claiming the victim's signing id fails.
    OpenMessage spoof = signed_msg(evil, "spoof", T + 1);
    spoof.signing_id = victim.id();
    auto bad = ledger.apply_share(share(6, victim.address()), with(std::nullopt, {spoof}));
    EXPECT_EQ(bad.ignored[Ignored::bad_signature], 1u);
    EXPECT_TRUE(bad.messages.empty());
}

TEST(OpenLedger, ConflictingAnnouncementsAreIgnoredAndCounted) {
    const Party a = party(kMaster1, 1);
    const Party b = party(kMaster2, 0);
    Ledger ledger(no_mwu());
    ledger.apply_share(share(1, a.address()), with(a.ann));

    // b delegates a's public signing key to itself (possible: a delegation needs no signing
    // key): the id already belongs to a.
    BoundAnnouncement steal;
    steal.signing_pubkey = a.key.pubkey();
    steal.key_index = 7;
    const Delegation d = make_delegation(b.master, kNet, a.key.pubkey(), 7);
    steal.master_pubkey = d.master_pubkey;
    steal.delegation_sig = d.signature;
    ASSERT_TRUE(verify_delegation(steal, kNet));
    auto r = ledger.apply_share(share(2, b.address()), with(steal));
    EXPECT_EQ(r.announcement, AnnouncementOutcome::conflicting);
    EXPECT_EQ(r.ignored[Ignored::conflicting_announcement], 1u);
    EXPECT_EQ(ledger.key(a.id())->address, address_of(a));
    // a's messages are still a's.
    auto m =
        ledger.apply_share(share(3, b.address()), with(std::nullopt, {signed_msg(a, "mine", T)}));
    ASSERT_EQ(m.messages.size(), 1u);
    EXPECT_EQ(m.messages[0].sender_address, address_of(a));

    // a announces a lower index (0) after index 1: not higher, conflicting.
    const Party a0 = party(kMaster1, 0);
    auto low = ledger.apply_share(share(4, a.address()), with(a0.ann));
    EXPECT_EQ(low.announcement, AnnouncementOutcome::conflicting);
    // The same announcement again: repeated, not an error.
    auto again = ledger.apply_share(share(5, a.address()), with(a.ann));
    EXPECT_EQ(again.announcement, AnnouncementOutcome::repeated);
    EXPECT_EQ(again.ignored.total(), 0u);
    EXPECT_EQ(ledger.ignored_totals()[Ignored::conflicting_announcement], 2u);
    EXPECT_EQ(ledger.keys().size(), 1u);
}

TEST(OpenLedger, RotationCountsFromItsHeight) {
    const Party k0 = party(kMaster1, 0);
    const Party k1 = party(kMaster1, 1);
    Ledger ledger(no_mwu());
    ledger.apply_share(share(10, k0.address(), T), with(k0.ann));
    auto before = ledger.apply_share(share(19, k0.address(), T + 90),
                                     with(std::nullopt, {signed_msg(k0, "old key, before", T)}));
    ASSERT_EQ(before.messages.size(), 1u);
    EXPECT_TRUE(before.messages[0].verified);

    // Rotation at height 20; an old-key message in the same share is already revoked.
    auto rot = ledger.apply_share(share(20, k0.address(), T + 100),
                                  with(k1.ann, {signed_msg(k0, "old key, same share", T + 99),
                                                signed_msg(k1, "new key", T + 99)}));
    EXPECT_EQ(rot.announcement, AnnouncementOutcome::registered);
    ASSERT_EQ(rot.revoked.size(), 1u);
    EXPECT_EQ(rot.revoked[0], k0.id());
    EXPECT_EQ(rot.ignored[Ignored::revoked], 1u);
    ASSERT_EQ(rot.messages.size(), 1u);
    EXPECT_EQ(to_string(rot.messages[0].payload), "new key");

    auto after = ledger.apply_share(share(21, k0.address(), T + 110),
                                    with(std::nullopt, {signed_msg(k0, "old key, after", T + 109),
                                                        signed_msg(k1, "new again", T + 109)}));
    EXPECT_EQ(after.ignored[Ignored::revoked], 1u);
    EXPECT_EQ(after.messages.size(), 1u);

    const auto old = ledger.key(k0.id());
    ASSERT_TRUE(old);
    EXPECT_TRUE(old->revoked);
    EXPECT_EQ(old->revoked_at_height, 20u);
    EXPECT_EQ(key_entry_to_json(*old)["revoked_at_height"], 20);
    EXPECT_EQ(ledger.current_key(k0.address())->key_index, 1u);

    // Rebuild (as after a reorg): the earlier message verifies again, the later is revoked.
    ledger.reset();
    EXPECT_TRUE(ledger.keys().empty());
    ledger.apply_share(share(10, k0.address(), T), with(k0.ann));
    auto again = ledger.apply_share(share(19, k0.address(), T + 90),
                                    with(std::nullopt, {signed_msg(k0, "old key, before", T)}));
    EXPECT_EQ(again.messages.size(), 1u);
}

TEST(OpenLedger, ReplaysOntoAnotherNetworkOrRecipientFail) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party c = party(kMasterEvil, 0);
    Ledger ledger(no_mwu());
    ledger.apply_share(share(1, a.address()), with(a.ann));
    // Signed for another network.
    auto r = ledger.apply_share(share(2, a.address()),
                                with(std::nullopt, {signed_msg(a, "x", T, kOtherNet)}));
    EXPECT_EQ(r.ignored[Ignored::bad_signature], 1u);
    // A private message redirected to another recipient.
    OpenMessage p = signed_msg(a, "to b", T, kNet, b.id());
    OpenMessage redirected = p;
    redirected.recipient = c.id();
    auto r2 = ledger.apply_share(share(3, a.address()), with(std::nullopt, {redirected, p}));
    EXPECT_EQ(r2.ignored[Ignored::bad_signature], 1u);
    ASSERT_EQ(r2.messages.size(), 1u);
    EXPECT_EQ(r2.messages[0].recipient, b.id());
    EXPECT_TRUE(r2.messages[0].flags & FLAG_PRIVATE);
    // A high-S twin is refused.
    OpenMessage high = signed_msg(a, "high", T);
    high.signature = high_s_twin(high.signature);
    auto r3 = ledger.apply_share(share(4, a.address()), with(std::nullopt, {high}));
    EXPECT_EQ(r3.ignored[Ignored::bad_signature], 1u);
    // The same message replayed into a later share is a duplicate.
    auto r4 = ledger.apply_share(share(5, a.address()), with(std::nullopt, {p}));
    EXPECT_EQ(r4.ignored[Ignored::duplicate], 1u);
    EXPECT_TRUE(r4.messages.empty());
}

TEST(OpenLedger, TimestampWindow) {
    const Party a = party(kMaster1, 0);
    Ledger ledger(no_mwu());
    ledger.apply_share(share(1, a.address(), T), with(a.ann));
    auto r = ledger.apply_share(
        share(2, a.address(), T),
        with(std::nullopt,
             {signed_msg(a, "future", T + 601), signed_msg(a, "edge future", T + 600),
              signed_msg(a, "ancient", T - 86401), signed_msg(a, "edge old", T - 86400)}));
    EXPECT_EQ(r.ignored[Ignored::bad_timestamp], 2u);
    EXPECT_EQ(r.messages.size(), 2u);
}

TEST(OpenLedger, ApplyShareDataOpensOrFailsWithoutChange) {
    const Party a = party(kMaster1, 0);
    Ledger ledger(no_mwu());
    auto data = seal(with(a.ann, {signed_msg(a, "sealed", T)}), kNet, nonce(1));
    ASSERT_TRUE(data);
    auto r = ledger.apply_share_data(share(1, a.address()), *data);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->messages.size(), 1u);
    Bytes broken = *data;
    broken.pop_back();
    auto bad = ledger.apply_share_data(share(2, a.address()), broken);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::truncated);
    EXPECT_EQ(ledger.shares_applied(), 1u);
    // Sealed for another network: garbage here.
    auto other = seal(with(a.ann), kOtherNet, nonce(1));
    EXPECT_FALSE(ledger.apply_share_data(share(3, a.address()), *other));
}

TEST(OpenLedger, AddressVersionIsConfigurable) {
    const Party a = party(kMaster1, 0);
    LedgerConfig cfg = no_mwu();
    cfg.address_version = 0x6f;
    Ledger ledger(cfg);
    auto r = ledger.apply_share(share(1, a.address()), with(a.ann, {signed_msg(a, "t", T)}));
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].sender_address, proto::p2pkh_address_from_hash160(a.address(), 0x6f));
    EXPECT_EQ(ledger.keys()[0].address, *r.messages[0].sender_address);
}
