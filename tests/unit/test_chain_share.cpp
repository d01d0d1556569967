// src/chain/share: the V36 share_type and its versioned wrapper.
//
// Expected bytes come from the Python 2 reference (chain_golden.hpp says how), never from
// our own encoder.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "chain/share.hpp"
#include "chain/uint.hpp"
#include "chain_golden.hpp"
#include "chain_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::chain;
using chain_test::filled;
using chain_test::hex;

namespace {

// The values the reference packed to chain_golden::share_full.
Share full_share() {
    Share s;
    s.min_header = {0x20000000, filled<32>(0xab), 1700000001, 0x1b47c7ea, 0xcafebabe};
    ShareInfo& i = s.share_info;
    i.share_data.previous_share_hash = le_from_u64<32>(0x1234);
    i.share_data.coinbase = hex("031027002f73686172656d73672f");
    i.share_data.nonce = 0xdeadbeef;
    for (std::uint8_t k = 0; k < 20; ++k)
        i.share_data.pubkey_hash[k] = static_cast<std::uint8_t>(k + 1);
    i.share_data.pubkey_type = 1;
    i.share_data.subsidy = 0xfd;
    i.share_data.donation = 0x1234;
    i.share_data.stale_info = stale_info::orphan;
    i.share_data.desired_version = 36;
    i.segwit_data = SegwitData{MerkleLink{{filled<32>(0x11)}, 0}, filled<32>(0x33)};
    i.merged_addresses = std::vector<MergedAddress>{
        {0x62, hex("76a914414141414141414141414141414141414141414188ac")}};
    i.far_share_hash = filled<32>(0x44);
    i.max_bits = 0x1e0fffff;
    i.bits = 0x1d00ffff;
    i.timestamp = 1700000000;
    i.absheight = 123456;
    i.abswork = 0x123456789ULL;
    i.merged_payout_hash = filled<32>(0x66);
    s.ref_merkle_link.branch = {filled<32>(0x77)};
    s.last_txout_nonce = 0x0123456789abcdefULL;
    s.hash_link = {filled<32>(0x5a), hex("010203"), 1000};
    s.merkle_link.branch = {filled<32>(0x88), filled<32>(0x99)};
    s.message_data = Bytes(61, 'M');
    (*s.message_data)[0] = 0x01;
    return s;
}

// The values the reference packed to chain_golden::share_min.
Share min_share() {
    Share s;
    s.min_header = {1, std::nullopt, 0, 0x200fffff, 0};
    s.share_info.share_data.coinbase = hex("0101");
    s.share_info.share_data.desired_version = 36;
    s.share_info.max_bits = 0x200fffff;
    s.share_info.bits = 0x200fffff;
    s.share_info.absheight = 1;
    s.share_info.abswork = 16;
    return s;
}

}  // namespace

TEST(ChainShare, EveryOptionalFieldMatchesReferenceBytes) {
    auto packed = pack_share(full_share());
    ASSERT_TRUE(packed) << packed.error().to_string();
    EXPECT_EQ(to_hex(*packed), chain_golden::share_full);
    auto decoded = unpack_share(*packed);
    ASSERT_TRUE(decoded) << decoded.error().to_string();
    EXPECT_EQ(*decoded, full_share());
}

TEST(ChainShare, EveryOptionalNoneMatchesReferenceBytes) {
    auto packed = pack_share(min_share());
    ASSERT_TRUE(packed) << packed.error().to_string();
    EXPECT_EQ(to_hex(*packed), chain_golden::share_min);
    auto decoded = unpack_share(*packed);
    ASSERT_TRUE(decoded) << decoded.error().to_string();
    EXPECT_EQ(*decoded, min_share());
    EXPECT_FALSE(decoded->message_data.has_value());  // the reference decodes 0x00 as None too
    EXPECT_FALSE(decoded->min_header.previous_block.has_value());
}

TEST(ChainShare, WrapperMatchesReferenceBytes) {
    for (auto [share, wrapped] : {std::pair{full_share(), chain_golden::wrapped_full},
                                  std::pair{min_share(), chain_golden::wrapped_min}}) {
        auto w = wrap_share(share);
        ASSERT_TRUE(w) << w.error().to_string();
        EXPECT_EQ(w->type, V36_SHARE_VERSION);
        EXPECT_EQ(to_hex(pack_versioned_share(*w)), wrapped);

        auto v = unpack_versioned_share(hex(wrapped));
        ASSERT_TRUE(v) << v.error().to_string();
        auto decoded = decode_share(*v);
        ASSERT_TRUE(decoded) << decoded.error().to_string();
        EXPECT_EQ(*decoded, share);
    }
}

TEST(ChainShare, GoldenSharesOfTheReferenceRoundTrip) {
    for (const char* wrapped :
         {chain_golden::ltc_wrapped, chain_golden::dev_wrapped, chain_golden::devns_wrapped}) {
        const Bytes bytes = hex(wrapped);
        auto v = unpack_versioned_share(bytes);
        ASSERT_TRUE(v) << v.error().to_string();
        auto s = decode_share(*v);
        ASSERT_TRUE(s) << s.error().to_string();
        auto again = wrap_share(*s);
        ASSERT_TRUE(again);
        EXPECT_EQ(pack_versioned_share(*again), bytes);
    }
}

TEST(ChainShare, OtherShareVersionsAreNotDecoded) {
    const Bytes contents = hex(chain_golden::share_min);
    for (std::uint64_t type : {35ULL, 34ULL, 17ULL, 37ULL}) {
        auto s = decode_share(type, contents);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::bad_version);
        EXPECT_NE(s.error().reason.find("share type " + std::to_string(type)), std::string::npos);
    }
}

TEST(ChainShare, StrictDecodingNamesTheField) {
    const Bytes good = hex(chain_golden::share_full);
    // Every truncation fails, and says where.
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto s = unpack_share(ByteView(good).first(n));
        ASSERT_FALSE(s) << n;
        EXPECT_TRUE(s.error().code == Errc::truncated || s.error().code == Errc::oversize) << n;
        EXPECT_EQ(s.error().reason.rfind("share.", 0), 0u) << s.error().reason;
    }
    // The hash link's extra_data is right after state (32 bytes) in the hash_link; cut inside it.
    const std::string h = chain_golden::share_full;
    std::string state_hex;
    for (int i = 0; i < 32; ++i)
        state_hex += "5a";
    const std::size_t link_at = h.find(state_hex);
    ASSERT_NE(link_at, std::string::npos);
    ASSERT_EQ(link_at % 2, 0u);
    auto cut = unpack_share(ByteView(good).first(link_at / 2 + 32 + 2));
    ASSERT_FALSE(cut);
    EXPECT_NE(cut.error().reason.find("share.hash_link.extra_data"), std::string::npos)
        << cut.error().reason;

    Bytes trailing = good;
    trailing.push_back(0);
    auto t = unpack_share(trailing);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, Errc::trailing_bytes);

    Bytes wrapped = hex(chain_golden::wrapped_min);
    wrapped.push_back(0);
    auto w = unpack_versioned_share(wrapped);
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().code, Errc::trailing_bytes);
}

TEST(ChainShare, OversizeListCountIsRefusedBeforeAllocating) {
    // min share: ref_merkle_link's branch count is the byte right after share_info.
    Bytes b = hex(chain_golden::share_min);
    auto share = unpack_share(b);
    ASSERT_TRUE(share);
    const std::size_t info_end =
        b.size() - (1 + 8 + 32 + 1 + 1 + 1 + 1);  // ref link, nonce, hash_link, link, msg
    ASSERT_EQ(b[info_end], 0x00);
    Bytes huge(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(info_end));
    for (std::uint8_t x : {0xfe, 0xff, 0xff, 0xff, 0x0f})
        huge.push_back(x);  // 0x0fffffff hashes
    huge.insert(huge.end(), b.begin() + static_cast<std::ptrdiff_t>(info_end) + 1, b.end());
    auto s = unpack_share(huge);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::oversize);
    EXPECT_NE(s.error().reason.find("share.ref_merkle_link.branch"), std::string::npos)
        << s.error().reason;
}

TEST(ChainShare, NonCanonicalVarIntIsRefused) {
    // min share starts with version 1 as one byte; spell it fd 01 00.
    Bytes b = hex(chain_golden::share_min);
    b[0] = 0xfd;
    b.insert(b.begin() + 1, {0x01, 0x00});
    auto s = unpack_share(b);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::bad_encoding);
    EXPECT_NE(s.error().reason.find("share.min_header.version"), std::string::npos)
        << s.error().reason;
}

TEST(ChainShare, NoneValuesAreRefusedWhenPresent) {
    Share s = min_share();
    s.message_data = Bytes{};
    auto a = pack_share(s);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, Errc::invalid_argument);
    EXPECT_NE(a.error().reason.find("share.message_data: none_value used"), std::string::npos)
        << a.error().reason;

    s = min_share();
    s.min_header.previous_block = Uint256{};
    auto b = pack_share(s);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().reason.find("share.min_header.previous_block"), std::string::npos)
        << b.error().reason;
}

TEST(ChainShare, MerkleLinkIndexIsNotOnTheWire) {
    Share s = full_share();
    s.merkle_link.index = 3;  // IntType(0): packs as nothing, decodes as 0
    auto packed = pack_share(s);
    ASSERT_TRUE(packed);
    EXPECT_EQ(to_hex(*packed), chain_golden::share_full);
    EXPECT_EQ(unpack_share(*packed)->merkle_link.index, 0u);
}

TEST(ChainShare, ListsAreBoundedByTheNetworksLimits) {
    // Each list at its bound decodes; one more is refused before anything is allocated, with
    // the field named: 32 hashes per merkle branch, 16 merged chains (share_info_layout.hpp).
    const auto hashes = [](std::size_t n) { return std::vector<Uint256>(n, filled<32>(0x5c)); };
    const MergedAddress address{0x62, hex("76a914414141414141414141414141414141414141414188ac")};
    const MergedCoinbaseInfo info{0x62, 1, 2, ByteArray<80>{}, MerkleLink{hashes(1), 0}, hex("01")};
    struct Case {
        const char* field;
        std::function<void(Share&, std::size_t)> grow;
        std::size_t bound;
    };
    const std::vector<Case> cases = {
        {"share.merkle_link.branch",
         [&](Share& s, std::size_t n) { s.merkle_link.branch = hashes(n); }, 32},
        {"share.ref_merkle_link.branch",
         [&](Share& s, std::size_t n) { s.ref_merkle_link.branch = hashes(n); }, 32},
        {"share.share_info.segwit_data.txid_merkle_link.branch",
         [&](Share& s, std::size_t n) {
             s.share_info.segwit_data = SegwitData{MerkleLink{hashes(n), 0}, filled<32>(0x33)};
         },
         32},
        {"share.share_info.merged_coinbase_info[0].coinbase_merkle_link.branch",
         [&](Share& s, std::size_t n) {
             MergedCoinbaseInfo m = info;
             m.coinbase_merkle_link.branch = hashes(n);
             s.share_info.merged_coinbase_info = std::vector<MergedCoinbaseInfo>{m};
         },
         32},
        {"share.share_info.merged_addresses",
         [&](Share& s, std::size_t n) {
             s.share_info.merged_addresses = std::vector<MergedAddress>(n, address);
         },
         16},
        {"share.share_info.merged_coinbase_info",
         [&](Share& s, std::size_t n) {
             s.share_info.merged_coinbase_info = std::vector<MergedCoinbaseInfo>(n, info);
         },
         16},
    };
    for (const auto& c : cases) {
        Share at = full_share();
        c.grow(at, c.bound);
        auto packed = pack_share(at);
        ASSERT_TRUE(packed) << c.field;
        auto back = unpack_share(*packed);
        ASSERT_TRUE(back) << c.field << ": " << back.error().to_string();
        EXPECT_EQ(*back, at) << c.field;

        Share over = full_share();
        c.grow(over, c.bound + 1);
        auto too_long = pack_share(over);  // the reference packs any length; so do we
        ASSERT_TRUE(too_long) << c.field;
        auto refused = unpack_share(*too_long);
        ASSERT_FALSE(refused) << c.field;
        EXPECT_EQ(refused.error().code, Errc::oversize) << c.field;
        EXPECT_EQ(refused.error().reason,
                  std::string(c.field) + ": " + std::to_string(c.bound + 1) +
                      " entries, more than the " + std::to_string(c.bound) + " allowed");
    }
}
