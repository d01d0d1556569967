// src/chain: p2pool pack types, V36 share_info / ref_type, ref_hash.
//
// Expected bytes and hashes below come from running the Python reference
// (frstrtr/p2pool-merged-v36 at 44a10f30: p2pool/util/pack.py and
// MergedMiningShare of p2pool/data.py, under Python 2.7), never from our own encoder.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "chain/pack.hpp"
#include "chain/ref_hash.hpp"
#include "chain/share_info.hpp"
#include "chain/uint.hpp"
#include "chain_test_util.hpp"
#include "conformance/ref_hash_vectors.hpp"
#include "crypto/hash.hpp"

using namespace sharemsg;
using namespace sharemsg::chain;
using chain_test::filled;
using chain_test::hex;
using conformance::run_cross_impl_refhash_vectors;
using conformance::run_ref_hash_vectors;

namespace {

nlohmann::json load_public_vectors() {
    std::ifstream f(std::string(SHAREMSG_VECTORS_DIR) + "/share_messages_public.json");
    EXPECT_TRUE(f.good()) << "cannot open the public vectors under " << SHAREMSG_VECTORS_DIR;
    return nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
}

void expect_all_pass(const std::vector<conformance::Outcome>& outcomes, std::size_t at_least) {
    EXPECT_GE(outcomes.size(), at_least);
    for (const auto& o : outcomes)
        EXPECT_EQ(o.status, conformance::Status::pass) << o.what << ": " << o.detail;
}

const Identifier litecoin_identifier = from_hex_fixed<8>("e037d5b8c6923410").value();

// A share_info with every optional field present and every list non-empty; the
// reference packed the same values to full_share_info_packed below.
ShareInfo full_share_info() {
    ShareInfo i;
    i.share_data.previous_share_hash = le_from_u64<32>(0x1234);
    i.share_data.coinbase = hex("031027002f73686172656d73672f");  // 03 102700 "/sharemsg/"
    i.share_data.nonce = 0xdeadbeef;
    for (std::uint8_t k = 0; k < 20; ++k)
        i.share_data.pubkey_hash[k] = static_cast<std::uint8_t>(k + 1);
    i.share_data.pubkey_type = 1;
    i.share_data.subsidy = 0xfd;
    i.share_data.donation = 0x1234;
    i.share_data.stale_info = stale_info::orphan;
    i.share_data.desired_version = 36;
    i.segwit_data =
        SegwitData{MerkleLink{{filled<32>(0x11), filled<32>(0x22)}, 0}, filled<32>(0x33)};
    i.merged_addresses = std::vector<MergedAddress>{
        {0x62, hex("76a914414141414141414141414141414141414141414188ac")}, {7, {}}};
    i.far_share_hash = filled<32>(0x44);
    i.max_bits = 0x1e0fffff;
    i.bits = 0x1d00ffff;
    i.timestamp = 1700000000;
    i.absheight = 123456;
    i.abswork = 0xffffffffffffffffULL;
    MergedCoinbaseInfo m;
    m.chain_id = 0x62;
    m.coinbase_value = 1000000000000ULL;
    m.block_height = 5000000;
    m.block_header_bytes.fill('H');
    m.coinbase_merkle_link.branch = {filled<32>(0x55)};
    m.coinbase_script = Bytes{'/', 'c', '2', 'p', 'o', 'o', 'l', '/'};
    i.merged_coinbase_info = std::vector<MergedCoinbaseInfo>{m};
    i.merged_payout_hash = filled<32>(0x66);
    return i;
}

constexpr const char* full_share_info_packed =
    "3412000000000000000000000000000000000000000000000000000000000000"  // previous_share_hash
                                                                        // 0x1234
    "0e031027002f73686172656d73672f"                                    // coinbase
    "efbeadde"                                                          // nonce
    "0102030405060708090a0b0c0d0e0f1011121314"                          // pubkey_hash
    "01"
    "fdfd00"
    "3412"
    "fd"
    "24"  // type, subsidy, donation, stale, version
    "02"
    "1111111111111111111111111111111111111111111111111111111111111111"
    "2222222222222222222222222222222222222222222222222222222222222222"
    "3333333333333333333333333333333333333333333333333333333333333333"  // segwit_data
    "02"
    "62000000"
    "1976a914414141414141414141414141414141414141414188ac"
    "07000000"
    "00"
    "4444444444444444444444444444444444444444444444444444444444444444"  // far_share_hash
    "ffff0f1e"
    "ffff001d"
    "00f15365"
    "40e20100"
    "ffffffffffffffffff"  // bits, time, height, abswork
    "01"
    "62000000"
    "ff0010a5d4e8000000"
    "fe404b4c00"
    "48484848484848484848484848484848484848484848484848484848484848484848484848484848"
    "48484848484848484848484848484848484848484848484848484848484848484848484848484848"
    "01"
    "5555555555555555555555555555555555555555555555555555555555555555"
    "082f6332706f6f6c2f"                                                 // merged_coinbase_info
    "6666666666666666666666666666666666666666666666666666666666666666";  // merged_payout_hash

}  // namespace

// ---- the reference's vectors -----------------------------------------------------

TEST(ChainRefHashVectors, PublicRefHashCategoryPasses) {
    const auto j = load_public_vectors();
    ASSERT_TRUE(j.contains("ref_hash"));
    expect_all_pass(run_ref_hash_vectors(j["ref_hash"]), 3);  // 2 vectors + none_vs_empty
}

TEST(ChainRefHashVectors, PublicCrossImplCategoryPasses) {
    const auto j = load_public_vectors();
    ASSERT_TRUE(j.contains("cross_impl_refhash_test"));
    expect_all_pass(run_cross_impl_refhash_vectors(j["cross_impl_refhash_test"]), 1);
}

TEST(ChainRefHashVectors, OtherCrossImplCasesOfTheReferenceTestPass) {
    // The two other cases of p2pool/test/test_v36_cross_impl_refhash.py, as the
    // reference computes them (previous and far share hashes present, 0xff subsidy).
    const auto category = nlohmann::json::parse(R"({"cases": [
      {"name": "mixed_equal",
       "inputs": {"prev": "2222222222222222222222222222222222222222222222222222222222222222", "coinbase": "74657374",
                  "nonce": 42, "pkh": "dddddddddddddddddddddddddddddddddddddddd", "pkt": 0, "subsidy": 3000000000,
                  "donation": 50, "ts": 1700000001, "max_bits": 504365055, "bits": 486604799, "absheight": 200,
                  "abswork": 99999, "far": "3333333333333333333333333333333333333333333333333333333333333333"},
       "ref_stream_len": "200",
       "ref_stream_hex": "cca5e24ec6408b1e222222222222222222222222222222222222222222222222222222222222222204746573742a000000dddddddddddddddddddddddddddddddddddddddd00fe005ed0b23200002400ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff003333333333333333333333333333333333333333333333333333333333333333ffff0f1effff001d01f15365c8000000fe9f86010000000000000000000000000000000000000000000000000000000000000000000000",
       "ref_hash": "8548dabfd901cd1f1e8f12d78b68e51e5c59d677b0387697b22026ddafbee834"},
      {"name": "2xP2PKH",
       "inputs": {"prev": "1111111111111111111111111111111111111111111111111111111111111111",
                  "coinbase": "2f6332706f6f6c2f746573742f", "nonce": 0, "pkh": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  "pkt": 0, "subsidy": 5000000000, "donation": 50, "ts": 1700000000, "max_bits": 504365055,
                  "bits": 504365055, "absheight": 100, "abswork": 12345, "far": null},
       "ref_stream_hex": "cca5e24ec6408b1e11111111111111111111111111111111111111111111111111111111111111110d2f6332706f6f6c2f746573742f00000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa00ff00f2052a010000003200002400ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff000000000000000000000000000000000000000000000000000000000000000000ffff0f1effff0f1e00f1536564000000fd393000000000000000000000000000000000000000000000000000000000000000000000",
       "data_py_get_ref_hash": "075edc750be06ceefd2eba6c9556f277c3950c6b5a109d879dd1270994e67b6a"}]})");
    expect_all_pass(run_cross_impl_refhash_vectors(category), 2);
}

TEST(ChainRefHashVectors, RunnerReportsTamperedVectorsAsFailures) {
    auto j = load_public_vectors();
    auto category = j["ref_hash"];
    auto& v = category["vectors"][0];
    v["get_ref_hash"]["ok"] = std::string(64, '0');
    auto out = run_ref_hash_vectors(category);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0].status, conformance::Status::fail);
    EXPECT_NE(out[0].detail.find("get_ref_hash"), std::string::npos) << out[0].detail;

    v = j["ref_hash"]["vectors"][0];
    v["share_info"]["share_data"]["nonce"] = 1;
    out = run_ref_hash_vectors(category);
    EXPECT_EQ(out[0].status, conformance::Status::fail);
    EXPECT_NE(out[0].detail.find("share_info_packed"), std::string::npos) << out[0].detail;

    v = j["ref_hash"]["vectors"][0];
    v["share_info"]["merged_addresses"] = nlohmann::json::array();  // reference: none_value used
    out = run_ref_hash_vectors(category);
    EXPECT_EQ(out[0].status, conformance::Status::fail);
    EXPECT_NE(out[0].detail.find("none_value used"), std::string::npos) << out[0].detail;
}

// ---- share_info with every field ---------------------------------------------------

TEST(ChainShareInfo, EveryOptionalFieldPresentMatchesReferenceBytes) {
    auto packed = pack_share_info(full_share_info());
    ASSERT_TRUE(packed) << packed.error().to_string();
    EXPECT_EQ(to_hex(*packed), full_share_info_packed);
}

TEST(ChainShareInfo, RoundTripWithEveryOptionalField) {
    const ShareInfo info = full_share_info();
    auto packed = pack_share_info(info);
    ASSERT_TRUE(packed);
    auto decoded = unpack_share_info(*packed);
    ASSERT_TRUE(decoded) << decoded.error().to_string();
    EXPECT_EQ(*decoded, info);
    auto repacked = pack_share_info(*decoded);
    ASSERT_TRUE(repacked);
    EXPECT_EQ(*repacked, *packed);
}

TEST(ChainRefHash, EveryOptionalFieldWithMessageAndBranchMatchesReference) {
    const Bytes message(253, 'm');  // 253 bytes: a 0xfd-prefixed length
    auto ref = pack_ref_type(litecoin_identifier, full_share_info(), message);
    ASSERT_TRUE(ref) << ref.error().to_string();
    EXPECT_EQ(to_hex(*ref), "e037d5b8c6923410" + std::string(full_share_info_packed) + "fdfd00" +
                                to_hex(message));
    EXPECT_EQ(ref->size(), 706u);
    EXPECT_EQ(to_int_hex(crypto::sha256d(*ref)),
              "431ba60f0e7b9ec997e1dc8b2c7ff93ca9e857231e9b21853d9e72dfb3dd53d4");

    const MerkleLink link{{filled<32>(0x77), filled<32>(0x88)}, 2};
    auto h = ref_hash(litecoin_identifier, full_share_info(), link, message);
    ASSERT_TRUE(h);
    EXPECT_EQ(to_hex(*h), "94e370a836140b594b403cb5ca1355330fc4407c8b9401d6dcf7a2d519c91682");
    auto h0 = ref_hash(litecoin_identifier, full_share_info(), MerkleLink{}, message);
    ASSERT_TRUE(h0);
    // With an empty link, ref_hash is the raw sha256d digest: the int_hex reversed.
    EXPECT_EQ(to_hex(*h0), "d453ddb3df729e3d85219b1e2357e8a93cf97f2c8bdce197c99e7b0e0fa61b43");

    auto decoded = unpack_ref_type(*ref);
    ASSERT_TRUE(decoded) << decoded.error().to_string();
    EXPECT_EQ(decoded->identifier, litecoin_identifier);
    EXPECT_EQ(decoded->share_info, full_share_info());
    EXPECT_EQ(decoded->message_data, message);
}

// ---- None values ---------------------------------------------------------------------

TEST(ChainShareInfo, NoneValuesArePackedAndRefusedLikeTheReference) {
    ShareInfo info = full_share_info();
    info.share_data.previous_share_hash = Uint256{};
    auto r = pack_share_info(info);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().reason.find("share_info.share_data.previous_share_hash"),
              std::string::npos);
    EXPECT_NE(r.error().reason.find("none_value used"), std::string::npos);

    info = full_share_info();
    info.merged_addresses = std::vector<MergedAddress>{};
    EXPECT_FALSE(pack_share_info(info));
    info = full_share_info();
    info.merged_coinbase_info = std::vector<MergedCoinbaseInfo>{};
    EXPECT_FALSE(pack_share_info(info));
    info = full_share_info();
    info.segwit_data = segwit_data_none_value();
    EXPECT_FALSE(pack_share_info(info));
    info = full_share_info();
    info.merged_payout_hash = Uint256{};
    EXPECT_FALSE(pack_share_info(info));

    // The None encodings decode to nullopt, so a decoded value always re-packs.
    info = full_share_info();
    info.share_data.previous_share_hash.reset();
    info.segwit_data.reset();
    info.merged_addresses.reset();
    info.far_share_hash.reset();
    info.merged_coinbase_info.reset();
    info.merged_payout_hash.reset();
    auto packed = pack_share_info(info);
    ASSERT_TRUE(packed);
    auto decoded = unpack_share_info(*packed);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, info);
}

TEST(ChainRefHash, EmptyMessageDataIsRefusedAndNormalizesToNone) {
    const ShareInfo info = full_share_info();
    auto empty = pack_ref_type(litecoin_identifier, info, Bytes{});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::invalid_argument);
    EXPECT_NE(empty.error().reason.find("ref_type.message_data: none_value used"),
              std::string::npos);

    auto none = pack_ref_type(litecoin_identifier, info, std::nullopt);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->back(), 0x00);  // None is an empty VarStr on the wire
    auto normalized = pack_ref_type(litecoin_identifier, info, message_data_or_none(Bytes{}));
    ASSERT_TRUE(normalized);
    EXPECT_EQ(*normalized, *none);
    auto decoded = unpack_ref_type(*none);
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->message_data.has_value());
}

// ---- CompactSize -------------------------------------------------------------------

TEST(ChainPack, VarIntBoundaries) {
    const std::pair<std::uint64_t, const char*> cases[] = {
        {0, "00"},
        {0xfc, "fc"},
        {0xfd, "fdfd00"},
        {0xffff, "fdffff"},
        {0x10000, "fe00000100"},
        {0xffffffff, "feffffffff"},
        {0x100000000ULL, "ff0000000001000000"},
        {0xffffffffffffffffULL, "ffffffffffffffffff"},
    };
    for (auto [value, encoding] : cases) {
        ByteWriter w;
        write_var_int(w, value);
        EXPECT_EQ(to_hex(w.data()), encoding) << value;
        EXPECT_EQ(var_int_size(value), w.size());
        const Bytes b = hex(encoding);
        ByteReader r(b);
        auto back = read_var_int(r, "v");
        ASSERT_TRUE(back) << encoding;
        EXPECT_EQ(*back, value);
        EXPECT_TRUE(r.empty());
    }
}

TEST(ChainPack, NonCanonicalVarIntIsRejectedLikeTheReference) {
    // pack.py VarIntType.read raises 'VarInt not canonically packed' below each
    // prefix's minimum (0xfd, 2^16, 2^32); we reject the same forms.
    for (const char* enc : {"fdfc00", "fd0000", "fefeff0000", "feffff0000", "ffffffffff00000000",
                            "ff0000000000000000"}) {
        const Bytes b = hex(enc);
        ByteReader r(b);
        auto v = read_var_int(r, "count");
        ASSERT_FALSE(v) << enc;
        EXPECT_EQ(v.error().code, Errc::bad_encoding) << enc;
        EXPECT_NE(v.error().reason.find("count"), std::string::npos);
    }
    // Inside a share_info the error names the field.
    Bytes packed = hex(full_share_info_packed);
    // subsidy 0xfd is "fdfd00" right after pubkey_type: re-encode 0xfd as fe fd000000? That
    // is non-canonical too; instead encode 5 with the 0xfd prefix, shifting nothing else.
    const std::size_t at = to_hex(packed).find("01fdfd003412") / 2 + 1;
    packed[at + 1] = 0x05;  // fd 05 00
    auto r = unpack_share_info(packed);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::bad_encoding);
    EXPECT_NE(r.error().reason.find("share_info.share_data.subsidy"), std::string::npos)
        << r.error().reason;
}

TEST(ChainPack, TruncatedVarInt) {
    for (const char* enc : {"", "fd01", "fe010203", "ff01020304050607"}) {
        const Bytes b = hex(enc);
        ByteReader r(b);
        auto v = read_var_int(r, "n");
        ASSERT_FALSE(v) << enc;
        EXPECT_EQ(v.error().code, Errc::truncated) << enc;
    }
}

// ---- strict decoding -----------------------------------------------------------------

TEST(ChainShareInfo, EveryTruncationFails) {
    const Bytes packed = hex(full_share_info_packed);
    for (std::size_t n = 0; n < packed.size(); ++n) {
        auto r = unpack_share_info(ByteView(packed).first(n));
        ASSERT_FALSE(r) << "prefix of " << n << " bytes decoded";
        EXPECT_TRUE(r.error().code == Errc::truncated || r.error().code == Errc::oversize)
            << n << ": " << r.error().to_string();
    }
    // A cut inside far_share_hash names it.
    const std::size_t far_at = to_hex(packed).find(std::string(64, '4')) / 2;
    auto r = unpack_share_info(ByteView(packed).first(far_at + 10));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::truncated);
    EXPECT_NE(r.error().reason.find("share_info.far_share_hash"), std::string::npos)
        << r.error().reason;
}

TEST(ChainShareInfo, VarStrRunningPastTheEndIsTruncated) {
    Bytes packed = hex(full_share_info_packed);
    packed[32] =
        0xfc;  // coinbase claims 252 bytes; the rest of the input is shorter than that after it
    Bytes cut(packed.begin(), packed.begin() + 32 + 1 + 100);
    auto r = unpack_share_info(cut);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::truncated);
    EXPECT_NE(r.error().reason.find("share_info.share_data.coinbase"), std::string::npos)
        << r.error().reason;
}

TEST(ChainShareInfo, OversizeListCountsAreRejectedBeforeAllocating) {
    ShareInfo info = full_share_info();
    info.segwit_data->txid_merkle_link.branch.clear();
    info.merged_addresses.reset();
    auto packed = pack_share_info(info);
    ASSERT_TRUE(packed);
    // segwit branch count is the byte after desired_version (0x24): make it 2^32-1.
    const std::size_t at = to_hex(*packed).find("fd2400") / 2 + 2;
    Bytes evil(packed->begin(), packed->begin() + static_cast<std::ptrdiff_t>(at));
    for (std::uint8_t b : {0xfe, 0xff, 0xff, 0xff, 0xff})
        evil.push_back(b);
    evil.insert(evil.end(), packed->begin() + static_cast<std::ptrdiff_t>(at) + 1, packed->end());
    auto r = unpack_share_info(evil);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::oversize);
    EXPECT_NE(r.error().reason.find("share_info.segwit_data.txid_merkle_link.branch"),
              std::string::npos)
        << r.error().reason;

    // merged_coinbase_info: one more entry than the bytes left could hold (88 bytes minimum each).
    info = full_share_info();
    packed = pack_share_info(info);
    ASSERT_TRUE(packed);
    const std::size_t mci = to_hex(*packed).find("ffffffffffffffffff0162") / 2 + 9;
    Bytes more = *packed;
    more[mci] = 0x02;
    r = unpack_share_info(more);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::oversize);
    EXPECT_NE(r.error().reason.find("share_info.merged_coinbase_info"), std::string::npos)
        << r.error().reason;
}

TEST(ChainShareInfo, TrailingBytesAreRejected) {
    Bytes packed = hex(full_share_info_packed);
    packed.push_back(0);
    auto r = unpack_share_info(packed);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::trailing_bytes);

    // The reader variant leaves them for the caller.
    ByteReader reader(packed);
    auto info = read_share_info(reader);
    ASSERT_TRUE(info);
    EXPECT_EQ(reader.remaining(), 1u);

    auto ref = pack_ref_type(litecoin_identifier, full_share_info(), std::nullopt);
    ASSERT_TRUE(ref);
    ref->push_back(0);
    auto d = unpack_ref_type(*ref);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::trailing_bytes);
}

// ---- merkle links, integers, enums ------------------------------------------------------

TEST(ChainRefHash, CheckMerkleLink) {
    const Hash256 tip = filled<32>(0xaa);
    const Uint256 sibling = filled<32>(0xbb);
    auto same = check_merkle_link(tip, MerkleLink{});
    ASSERT_TRUE(same);
    EXPECT_EQ(*same, tip);

    Bytes tip_first(tip.begin(), tip.end());
    tip_first.insert(tip_first.end(), sibling.begin(), sibling.end());
    Bytes sibling_first(sibling.begin(), sibling.end());
    sibling_first.insert(sibling_first.end(), tip.begin(), tip.end());
    EXPECT_EQ(*check_merkle_link(tip, MerkleLink{{sibling}, 0}), crypto::sha256d(tip_first));
    EXPECT_EQ(*check_merkle_link(tip, MerkleLink{{sibling}, 1}), crypto::sha256d(sibling_first));

    auto too_large = check_merkle_link(tip, MerkleLink{{sibling}, 2});
    ASSERT_FALSE(too_large);
    EXPECT_EQ(too_large.error().code, Errc::invalid_argument);
    EXPECT_FALSE(check_merkle_link(tip, MerkleLink{{}, 1}));
}

TEST(ChainUint, IntHexIsBigEndianOfTheLittleEndianBytes) {
    auto v = from_int_hex<32>(
        "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");  // 63 digits
    ASSERT_TRUE(v);
    EXPECT_EQ(to_hex(*v), "efcdab8967452301efcdab8967452301efcdab8967452301efcdab8967452301");
    EXPECT_EQ(to_int_hex(*v), "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    EXPECT_EQ(to_hex(*from_int_hex<4>("00000001")), "01000000");
    EXPECT_EQ(from_int_hex<2>("10000").error().code, Errc::invalid_argument);
    EXPECT_EQ(from_int_hex<2>("0x10").error().code, Errc::bad_encoding);
    EXPECT_FALSE(from_int_hex<2>(""));
}

TEST(ChainShareInfo, StaleInfoNamesFollowTheReferenceEnum) {
    EXPECT_FALSE(stale_info_name(0).has_value());
    EXPECT_EQ(stale_info_name(253), "orphan");
    EXPECT_EQ(stale_info_name(254), "doa");
    EXPECT_EQ(stale_info_name(7), "unk7");
    EXPECT_EQ(*stale_info_from_name("orphan"), 253);
    EXPECT_EQ(*stale_info_from_name("unk255"), 255);
    EXPECT_EQ(*stale_info_from_name("unk1"), 1);
    for (const char* bad : {"unk0", "unk253", "unk254", "unk256", "unk07", "unk", "none", "ORPHAN"})
        EXPECT_FALSE(stale_info_from_name(bad)) << bad;
}
