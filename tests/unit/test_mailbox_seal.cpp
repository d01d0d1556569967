// The mailbox's end-to-end encryption (src/mailbox/seal.hpp): the send and receive chains.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ecdh.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/symmetric.hpp"
#include "mailbox/seal.hpp"
#include "proto/open_envelope.hpp"
#include "util/bytes.hpp"

namespace sharemsg::mailbox {
namespace {

const NetworkId kNet = proto::open::DEVNET_NETWORK_ID;
const NetworkId kOtherNet = {1, 2, 3, 4, 5, 6, 7, 8};

crypto::PrivKey key(std::uint8_t fill) {
    ByteArray<32> b{};
    b.fill(fill);
    auto k = crypto::PrivKey::from_bytes(b);
    EXPECT_TRUE(k.ok());
    return *k;
}

const crypto::PrivKey& alice() {
    static const crypto::PrivKey k = key(0x11);
    return k;
}
const crypto::PrivKey& bob() {
    static const crypto::PrivKey k = key(0x22);
    return k;
}
const crypto::PrivKey& carol() {
    static const crypto::PrivKey k = key(0x33);
    return k;
}

SendChain sender(const crypto::PrivKey& from, const crypto::PrivKey& to,
                 const NetworkId& net = kNet) {
    auto c = SendChain::start(net, from, to.pubkey());
    EXPECT_TRUE(c.ok());
    return *c;
}

ReceiveChain receiver(const crypto::PrivKey& me, const crypto::PrivKey& from,
                      const NetworkId& net = kNet) {
    auto c = ReceiveChain::start(net, me, from.pubkey());
    EXPECT_TRUE(c.ok());
    return *c;
}

// The pinned values of the known-answer test (alice = 0x11.., bob = 0x22.., devnet).
constexpr const char* PINNED_LINK0 =
    "0cf9db1f84eefad9bb3787b2502faa725363e73a77b00540407a27328d4bba4d";
constexpr const char* PINNED_KEY0 =
    "b868cc95338636a11d99237004e29160147466ea1e609372dbdcb0328c6b682c";
constexpr const char* PINNED_LINK1 =
    "10499c8f667c9941a1af42e66475136527683dd2828a5743ee13456c081b2481";
constexpr const char* PINNED_SEALED0 =
    "010000000000000000c7dbbd54a216dbe5ae73d529c8109a3d6ab46e94439d86ce2988";

Bytes to_bytes_of(std::string_view s) {
    const ByteView v = as_bytes(s);
    return Bytes(v.begin(), v.end());
}

std::string text(std::uint64_t i) {
    return "message number " + std::to_string(i);
}

// Seals messages 0..n-1 ("message number i").
std::vector<Bytes> seal_many(SendChain& chain, std::uint64_t n) {
    std::vector<Bytes> out;
    for (std::uint64_t i = 0; i < n; ++i) {
        auto s = chain.seal(as_bytes(text(i)));
        EXPECT_TRUE(s.ok());
        out.push_back(*s);
    }
    return out;
}

// Opens and expects message i.
void expect_opens(ReceiveChain& chain, const Bytes& sealed, std::uint64_t i) {
    auto o = chain.open(sealed);
    ASSERT_TRUE(o.ok()) << "index " << i << ": " << seal_error_name(o.failure().problem) << ": "
                        << o.failure().detail;
    EXPECT_EQ(o->index, i);
    EXPECT_EQ(to_string(o->plaintext), text(i));
}

// Expects `e`, with the chain's stored state unchanged by the refusal.
void expect_refused(ReceiveChain& chain, ByteView sealed, SealError e) {
    const Bytes before = chain.to_bytes();
    auto o = chain.open(sealed);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.failure().problem, e) << seal_error_name(o.failure().problem) << " ("
                                      << o.failure().detail << "), wanted " << seal_error_name(e);
    EXPECT_FALSE(o.failure().detail.empty());
    EXPECT_EQ(chain.to_bytes(), before);
}

TEST(MailboxSeal, BothDirectionsOpenInOrder) {
    SendChain ab = sender(alice(), bob());
    SendChain ba = sender(bob(), alice());
    ReceiveChain at_bob = receiver(bob(), alice());
    ReceiveChain at_alice = receiver(alice(), bob());
    EXPECT_EQ(ab.id(), at_bob.id());
    EXPECT_EQ(ba.id(), at_alice.id());
    EXPECT_EQ(ab.id().sender, alice().pubkey());
    EXPECT_EQ(ab.id().receiver, bob().pubkey());
    const auto to_bob = seal_many(ab, 5);
    const auto to_alice = seal_many(ba, 5);
    EXPECT_EQ(ab.index(), 5u);
    for (std::uint64_t i = 0; i < 5; ++i) {
        EXPECT_EQ(to_bob[i].size(), text(i).size() + SEAL_OVERHEAD);
        EXPECT_EQ(to_bob[i][0], SEAL_VERSION);
        expect_opens(at_bob, to_bob[i], i);
        expect_opens(at_alice, to_alice[i], i);
        EXPECT_EQ(at_bob.next_index(), i + 1);
    }
    // The two directions are two chains: the same text at the same index differs.
    EXPECT_NE(to_bob[0], to_alice[0]);
    // The plaintext does not appear in the sealed bytes.
    const std::string t = text(3);
    EXPECT_EQ(std::search(to_bob[3].begin(), to_bob[3].end(), t.begin(), t.end()), to_bob[3].end());
}

TEST(MailboxSeal, EmptyAndLargestPlaintextsAndNoLarger) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    auto empty = ab.seal({});
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->size(), SEAL_OVERHEAD);
    auto o = at_bob.open(*empty);
    ASSERT_TRUE(o.ok());
    EXPECT_TRUE(o->plaintext.empty());

    Bytes big(MAX_PLAINTEXT, 0xab);
    auto sealed = ab.seal(big);
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->size(), MAX_PAYLOAD);
    o = at_bob.open(*sealed);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->plaintext, big);

    big.push_back(0);
    auto too = ab.seal(big);
    ASSERT_FALSE(too.ok());
    EXPECT_EQ(too.failure().problem, SealError::too_large);
    EXPECT_EQ(ab.index(), 2u);  // a refusal does not use an index
    // Bytes over MAX_PAYLOAD never open, whatever they carry.
    Bytes over(MAX_PAYLOAD + 1, 0);
    over[0] = SEAL_VERSION;
    over[1] = 2;
    expect_refused(at_bob, over, SealError::malformed);
}

TEST(MailboxSeal, EachIndexOpensOnce) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const auto m = seal_many(ab, 3);
    expect_opens(at_bob, m[0], 0);
    expect_refused(at_bob, m[0], SealError::replayed);
    expect_opens(at_bob, m[2], 2);  // skips 1
    expect_refused(at_bob, m[2], SealError::replayed);
    expect_opens(at_bob, m[1], 1);
    for (const auto& s : m)
        expect_refused(at_bob, s, SealError::replayed);
    EXPECT_EQ(at_bob.next_index(), 3u);
}

TEST(MailboxSeal, ReorderWithinTheWindowOpensEveryMessage) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const std::uint64_t n = REORDER_WINDOW;  // the window is [0, n) once n - 1 has opened
    const auto m = seal_many(ab, n);
    expect_opens(at_bob, m[n - 1], n - 1);
    // Then the rest backwards, odd ones first.
    for (std::uint64_t i = n - 1; i-- > 0;)
        if (i % 2 == 1) expect_opens(at_bob, m[i], i);
    for (std::uint64_t i = n - 1; i-- > 0;)
        if (i % 2 == 0) expect_opens(at_bob, m[i], i);
    for (std::uint64_t i = 0; i < n; ++i)
        expect_refused(at_bob, m[i], SealError::replayed);
    // Every key of the window was used: the state holds none.
    EXPECT_EQ(at_bob.to_bytes().size(), 1u + 8 + 32 + 1);
}

TEST(MailboxSeal, BehindTheWindowIsTooOld) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const std::uint64_t n = REORDER_WINDOW + 3;
    const auto m = seal_many(ab, n);
    expect_opens(at_bob, m[n - 1], n - 1);  // the chain is at n; the window is [3, n)
    expect_refused(at_bob, m[0], SealError::too_old);
    expect_refused(at_bob, m[1], SealError::too_old);
    expect_refused(at_bob, m[2], SealError::too_old);
    expect_opens(at_bob, m[3], 3);
    expect_opens(at_bob, m[n - 2], n - 2);

    // A key kept in the window falls out when the chain moves on.
    ReceiveChain again = receiver(bob(), alice());
    expect_opens(again, m[5], 5);  // keeps 0..4
    SendChain more = sender(alice(), bob());
    const auto m2 = seal_many(more, REORDER_WINDOW + 7);
    expect_opens(again, m2[REORDER_WINDOW + 4], REORDER_WINDOW + 4);  // window [5, 69)
    expect_refused(again, m[4], SealError::too_old);
    expect_refused(again, m[5], SealError::replayed);
    expect_opens(again, m2[6], 6);
}

TEST(MailboxSeal, MoreThanMaxSkipAheadIsTooFar) {
    SendChain ab = sender(alice(), bob());
    const auto m = seal_many(ab, MAX_SKIP + 2);
    ReceiveChain at_bob = receiver(bob(), alice());
    expect_refused(at_bob, m[MAX_SKIP + 1], SealError::too_far);
    expect_opens(at_bob, m[MAX_SKIP], MAX_SKIP);  // exactly MAX_SKIP ahead opens
    EXPECT_EQ(at_bob.next_index(), MAX_SKIP + 1);
    // Of the skipped keys only the window's are kept: [MAX_SKIP + 1 - REORDER_WINDOW, MAX_SKIP).
    EXPECT_EQ(at_bob.to_bytes().size(), 1u + 8 + 32 + 1 + (REORDER_WINDOW - 1) * (8 + 32));
    expect_refused(at_bob, m[MAX_SKIP - REORDER_WINDOW], SealError::too_old);
    expect_opens(at_bob, m[MAX_SKIP - REORDER_WINDOW + 1], MAX_SKIP - REORDER_WINDOW + 1);
    expect_opens(at_bob, m[MAX_SKIP + 1], MAX_SKIP + 1);
}

TEST(MailboxSeal, TheLastIndexIsNeverUsed) {
    Link last;
    last.index = ~std::uint64_t{0};
    SendChain at_end(sender(alice(), bob()).id(), last);
    auto s = at_end.seal(as_bytes(text(0)));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.failure().problem, SealError::too_far);

    ReceiveChain at_bob = receiver(bob(), alice());
    SendChain ab = sender(alice(), bob());
    Bytes m = *ab.seal(as_bytes(text(0)));
    std::fill(m.begin() + 1, m.begin() + 9, 0xff);
    expect_refused(at_bob, m, SealError::too_far);
}

TEST(MailboxSeal, AnyChangedByteIsRefusedAndLeavesTheChain) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const auto m = seal_many(ab, 2);
    for (std::size_t pos = 0; pos < m[1].size(); ++pos) {
        for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
            Bytes bad = m[1];
            bad[pos] ^= flip;
            // The chain is at 0: a changed index opens nothing, and beyond MAX_SKIP is not
            // even tried.
            std::uint64_t index = 0;
            for (std::size_t i = 0; i < 8; ++i)
                index |= std::uint64_t{bad[1 + i]} << (8 * i);
            SealError want = index > MAX_SKIP ? SealError::too_far : SealError::bad_tag;
            if (pos == 0) want = SealError::malformed;  // the version
            SCOPED_TRACE("byte " + std::to_string(pos) + " ^ " + std::to_string(flip));
            expect_refused(at_bob, bad, want);
        }
    }
    // Every truncation, down to nothing.
    for (std::size_t len = 0; len < m[1].size(); ++len) {
        SCOPED_TRACE("length " + std::to_string(len));
        expect_refused(at_bob, ByteView(m[1]).first(len),
                       len < SEAL_OVERHEAD ? SealError::malformed : SealError::bad_tag);
    }
    Bytes longer = m[1];
    longer.push_back(0);
    expect_refused(at_bob, longer, SealError::bad_tag);
    // A payload moved to another position: index 0's ciphertext labelled 1.
    Bytes moved = m[0];
    moved[1] = 1;
    expect_refused(at_bob, moved, SealError::bad_tag);
    // The genuine messages still open after all that.
    expect_opens(at_bob, m[1], 1);
    expect_opens(at_bob, m[0], 0);
}

TEST(MailboxSeal, AnotherPairNetworkOrDirectionDoesNotOpen) {
    SendChain ab = sender(alice(), bob());
    const Bytes m = *ab.seal(as_bytes(text(0)));
    // Carol's chain from Alice.
    ReceiveChain at_carol = receiver(carol(), alice());
    expect_refused(at_carol, m, SealError::bad_tag);
    // Bob's chain from Carol.
    ReceiveChain bob_from_carol = receiver(bob(), carol());
    expect_refused(bob_from_carol, m, SealError::bad_tag);
    // Bob's chain from Alice on another network.
    ReceiveChain other_net = receiver(bob(), alice(), kOtherNet);
    expect_refused(other_net, m, SealError::bad_tag);
    // The other direction: Alice's chain from Bob (same shared secret, swapped roles).
    ReceiveChain swapped = receiver(alice(), bob());
    expect_refused(swapped, m, SealError::bad_tag);
    // The right one opens.
    ReceiveChain at_bob = receiver(bob(), alice());
    expect_opens(at_bob, m, 0);
}

TEST(MailboxSeal, APubkeyThatIsNotAPointIsRefused) {
    crypto::CompressedPubKey bad = bob().pubkey();
    bad[0] = 0x05;
    auto s = SendChain::start(kNet, alice(), bad);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.failure().problem, SealError::bad_key);
    auto r = ReceiveChain::start(kNet, alice(), bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure().problem, SealError::bad_key);
    crypto::CompressedPubKey off_curve{};
    off_curve[0] = 0x02;
    off_curve[32] = 0x05;  // x = 5: x^3 + 7 = 132 is not a square mod p
    auto t = SendChain::start(kNet, alice(), off_curve);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.failure().problem, SealError::bad_key);
}

TEST(MailboxSeal, ResumedChainsContinueWhereTheyWere) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const auto m = seal_many(ab, 10);
    expect_opens(at_bob, m[9], 9);
    expect_opens(at_bob, m[4], 4);
    const Bytes state = at_bob.to_bytes();
    EXPECT_EQ(state.size(), 1u + 8 + 32 + 1 + 8 * (8 + 32));
    auto back = ReceiveChain::from_bytes(at_bob.id(), state);
    ASSERT_TRUE(back.ok()) << back.failure().detail;
    EXPECT_EQ(back->to_bytes(), state);
    EXPECT_EQ(back->next_index(), 10u);
    expect_refused(*back, m[4], SealError::replayed);
    expect_refused(*back, m[9], SealError::replayed);
    for (std::uint64_t i = 0; i < 9; ++i)
        if (i != 4) expect_opens(*back, m[i], i);

    // The send chain resumed from its state seals what the original would have (the same key
    // and nonce for the same index: the same bytes).
    SendChain resumed(ab.id(), ab.state());
    const Bytes a = *ab.seal(as_bytes(text(10)));
    const Bytes b = *resumed.seal(as_bytes(text(10)));
    EXPECT_EQ(a, b);
    expect_opens(*back, a, 10);
}

ByteArray<32> link_of(const ReceiveChain& c) {
    const Bytes s = c.to_bytes();
    ByteArray<32> l{};
    std::copy(s.begin() + 9, s.begin() + 41, l.begin());
    return l;
}

void put_u64(Bytes& b, std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i)
        b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

TEST(MailboxSeal, FromBytesRefusesWhatToBytesDidNotWrite) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const auto m = seal_many(ab, 5);
    expect_opens(at_bob, m[4], 4);  // keeps 0..3
    const Bytes good = at_bob.to_bytes();
    ASSERT_EQ(good.size(), 42u + 4 * 40);
    const ChainId id = at_bob.id();
    auto refused = [&](const Bytes& b, const std::string& what) {
        auto r = ReceiveChain::from_bytes(id, b);
        EXPECT_FALSE(r.ok()) << what;
        if (!r.ok()) {
            EXPECT_EQ(r.failure().problem, SealError::malformed) << what;
            EXPECT_FALSE(r.failure().detail.empty());
        }
    };
    for (std::size_t len = 0; len < good.size(); ++len)
        refused(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len)),
                "truncated to " + std::to_string(len));
    Bytes b = good;
    b.push_back(0);
    refused(b, "a trailing byte");
    b = good;
    b[0] = 2;
    refused(b, "state version 2");
    b = good;
    b[41] = 3;
    refused(b, "a count of 3 with 4 entries");
    // count over the window with the bytes to match
    b = Bytes(good.begin(), good.begin() + 42);
    put_u64(b, 1, 1000);
    b[41] = static_cast<std::uint8_t>(REORDER_WINDOW + 1);
    for (std::uint64_t i = 0; i <= REORDER_WINDOW; ++i) {
        Bytes e(40, 0x01);
        put_u64(e, 0, 1000 - REORDER_WINDOW - 1 + i);
        append(b, e);
    }
    refused(b, "more keys than the window");
    b = good;
    put_u64(b, 42 + 40, 0);  // entries 0, 0, 2, 3
    refused(b, "a repeated index");
    b = good;
    put_u64(b, 42, 2);  // entries 2, 1, 2, 3
    refused(b, "indexes not increasing");
    b = good;
    put_u64(b, 42 + 3 * 40, 5);  // 5 >= next (5)
    refused(b, "an index at or above next");
    b = good;
    put_u64(b, 1, REORDER_WINDOW + 1);  // window [1, 65): index 0 is outside
    refused(b, "an index below the window");
    // The unchanged bytes are accepted.
    EXPECT_TRUE(ReceiveChain::from_bytes(id, good).ok());
}

TEST(MailboxSeal, AStolenStateCannotOpenWhatCameBefore) {
    SendChain ab = sender(alice(), bob());
    ReceiveChain at_bob = receiver(bob(), alice());
    const auto m = seal_many(ab, REORDER_WINDOW + 10);
    for (std::uint64_t i = 0; i < REORDER_WINDOW + 5; ++i)
        expect_opens(at_bob, m[i], i);
    // Whoever takes Bob's stored state can open the messages after it, none before.
    auto stolen = ReceiveChain::from_bytes(at_bob.id(), at_bob.to_bytes());
    ASSERT_TRUE(stolen.ok());
    for (std::uint64_t i = 0; i < 5; ++i)
        expect_refused(*stolen, m[i], SealError::too_old);
    for (std::uint64_t i = 5; i < REORDER_WINDOW + 5; ++i)
        expect_refused(*stolen, m[i], SealError::replayed);
    // Relabelling an old message with a newer index does not help: its key is another.
    Bytes relabelled = m[2];
    put_u64(relabelled, 1, REORDER_WINDOW + 5);
    expect_refused(*stolen, relabelled, SealError::bad_tag);

    // The sender's stored link (at index 5) as a receiving state: messages 0..4 stay shut.
    SendChain fresh = sender(alice(), bob());
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(fresh.seal(as_bytes(text(0))).ok());
    Bytes state;
    state.push_back(1);
    state.resize(9);
    put_u64(state, 1, fresh.state().index);
    append(state, fresh.state().bytes);
    state.push_back(0);
    auto from_send = ReceiveChain::from_bytes(at_bob.id(), state);
    ASSERT_TRUE(from_send.ok()) << from_send.failure().detail;
    for (std::uint64_t i = 0; i < 5; ++i)
        expect_refused(*from_send, m[i], SealError::replayed);  // in its window, but no keys
    expect_opens(*from_send, m[5], 5);
    // The refusals are the ratchet's doing, not broken messages: a chain started afresh from
    // Bob's signing key (link_0) opens them.
    ReceiveChain afresh = receiver(bob(), alice());
    for (std::uint64_t i = 0; i < 5; ++i)
        expect_opens(afresh, m[i], i);
}

// link_0, key_0 and link_1 recomputed from the formulas of seal.hpp with the crypto wrappers
// directly, then pinned as hex (so that any change of the derivation shows).
TEST(MailboxSeal, KnownAnswer) {
    const crypto::CompressedPubKey a = alice().pubkey();
    const crypto::CompressedPubKey b = bob().pubkey();
    auto shared = crypto::ecdh_sha256(alice(), b);
    ASSERT_TRUE(shared.ok());
    auto shared_b = crypto::ecdh_sha256(bob(), a);
    ASSERT_TRUE(shared_b.ok());
    EXPECT_EQ(*shared, *shared_b);

    Bytes info = to_bytes_of("sharemsg/mailbox/chain");
    append(info, a);
    append(info, b);
    const Bytes link0 = crypto::hkdf_sha256(*shared, kNet, info, 32);
    const Bytes key0 = crypto::hkdf_sha256(link0, {}, as_bytes("sharemsg/mailbox/key"), 32);
    const Bytes link1 = crypto::hkdf_sha256(link0, {}, as_bytes("sharemsg/mailbox/next"), 32);
    const Bytes key1 = crypto::hkdf_sha256(link1, {}, as_bytes("sharemsg/mailbox/key"), 32);

    SendChain ab = sender(alice(), bob());
    EXPECT_EQ(ab.state().index, 0u);
    EXPECT_EQ(Bytes(ab.state().bytes.begin(), ab.state().bytes.end()), link0);
    ReceiveChain at_bob = receiver(bob(), alice());
    const ByteArray<32> bob_link0 = link_of(at_bob);
    EXPECT_EQ(Bytes(bob_link0.begin(), bob_link0.end()), link0);

    const std::string plain = "hello, bob";
    const Bytes sealed = *ab.seal(as_bytes(plain));
    EXPECT_EQ(ab.state().index, 1u);
    EXPECT_EQ(Bytes(ab.state().bytes.begin(), ab.state().bytes.end()), link1);

    Bytes aad = to_bytes_of("sharemsg/mailbox/seal");
    append(aad, kNet);
    append(aad, a);
    append(aad, b);
    aad.push_back(1);
    for (int i = 0; i < 8; ++i)
        aad.push_back(0);
    ByteArray<32> k0{};
    std::copy(key0.begin(), key0.end(), k0.begin());
    Bytes expected = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    append(expected, crypto::chacha20poly1305_seal(k0, ByteArray<12>{}, aad, as_bytes(plain)));
    EXPECT_EQ(sealed, expected);

    // Message 1 under key_1, with index 1 in the aad.
    const Bytes sealed1 = *ab.seal(as_bytes(plain));
    aad.back() = 0;
    aad[aad.size() - 8] = 1;
    ByteArray<32> k1{};
    std::copy(key1.begin(), key1.end(), k1.begin());
    Bytes expected1 = {1, 1, 0, 0, 0, 0, 0, 0, 0};
    append(expected1, crypto::chacha20poly1305_seal(k1, ByteArray<12>{}, aad, as_bytes(plain)));
    EXPECT_EQ(sealed1, expected1);

    // Pinned: the values of the derivation for these keys on the devnet.
    EXPECT_EQ(to_hex(link0), PINNED_LINK0);
    EXPECT_EQ(to_hex(key0), PINNED_KEY0);
    EXPECT_EQ(to_hex(link1), PINNED_LINK1);
    EXPECT_EQ(to_hex(sealed), PINNED_SEALED0);
}

TEST(MailboxSeal, ErrorNamesAreDistinct) {
    const std::vector<SealError> all = {
        SealError::malformed, SealError::replayed,  SealError::too_old, SealError::too_far,
        SealError::bad_tag,   SealError::too_large, SealError::bad_key};
    std::vector<std::string> names;
    for (auto e : all)
        names.emplace_back(seal_error_name(e));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
    EXPECT_STREQ(seal_error_name(SealError::bad_tag), "bad_tag");
}

}  // namespace
}  // namespace sharemsg::mailbox
