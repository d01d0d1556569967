// src/p2p/tx_scan and remember_tx: transactions carried as raw bytes, framed by
// walking tx_type's fields (p2pool/bitcoin/data.py TransactionType.read).
#include <gtest/gtest.h>

#include <string>

#include "p2p/messages.hpp"
#include "p2p/tx_scan.hpp"
#include "p2p_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::p2p;
using namespace sharemsg::p2p::test;

namespace {

const std::string kInput =
    std::string(64, '0') + "ffffffff" + "00" + "ffffffff";  // None outpoint, no script
const std::string kOutput =
    "0100000000000000"
    "00";

Bytes remember_tx_payload(const std::vector<std::string>& txs_hex) {
    std::string h = "00";  // no tx_hashes
    h += to_hex(Bytes{static_cast<std::uint8_t>(txs_hex.size())});
    for (const auto& t : txs_hex)
        h += t;
    return hex(h);
}

bool starts_with(const std::string& s, std::string_view p) {
    return s.compare(0, p.size(), p) == 0;
}

}  // namespace

TEST(P2pTx, ScansLegacyAndSegwitToTheirExactLength) {
    for (std::string_view t : {kLegacyTxHex, kSegwitTxHex}) {
        const Bytes tx = hex(t);
        Bytes more = tx;
        append(more, hex("deadbeef"));
        ByteReader r(more);
        auto v = read_raw_tx(r, "tx");
        ASSERT_TRUE(v.ok()) << v.error().to_string();
        EXPECT_EQ(v->size(), tx.size());
        EXPECT_EQ(r.remaining(), 4u);
        EXPECT_TRUE(check_raw_tx(tx, "tx").ok());
        auto tr = check_raw_tx(more, "tx");
        ASSERT_FALSE(tr.ok());
        EXPECT_EQ(tr.error().code, Errc::trailing_bytes);
    }
    EXPECT_EQ(hex(kLegacyTxHex).size(), 63u);
    EXPECT_EQ(hex(kSegwitTxHex).size(), 101u);
}

TEST(P2pTx, EveryStrictPrefixFails) {
    for (std::string_view t : {kLegacyTxHex, kSegwitTxHex}) {
        const Bytes tx = hex(t);
        for (std::size_t k = 0; k < tx.size(); ++k) {
            auto st = check_raw_tx(ByteView(tx).first(k), "tx");
            ASSERT_FALSE(st.ok()) << "cut to " << k;
            EXPECT_TRUE(st.error().code == Errc::truncated || st.error().code == Errc::oversize)
                << st.error().to_string();
            EXPECT_TRUE(starts_with(st.error().reason, "tx.")) << st.error().reason;
        }
    }
}

TEST(P2pTx, CountsAndCompactSizesAreChecked) {
    // 2^32-1 inputs claimed by the marker.
    auto st = check_raw_tx(hex("01000000"
                               "feffffffff" +
                               kInput),
                           "tx");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::oversize);
    EXPECT_TRUE(starts_with(st.error().reason, "tx.tx_ins: count 4294967295")) << st.error().reason;
    // A non-canonical marker (1 as fd 0100).
    st = check_raw_tx(hex("01000000"
                          "fd0100" +
                          kInput + "01" + kOutput + "00000000"),
                      "tx");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::bad_encoding);
    // Too many outputs for the bytes left.
    st = check_raw_tx(hex("01000000"
                          "01" +
                          kInput + "05" + kOutput + "00000000"),
                      "tx");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::oversize);
    EXPECT_TRUE(starts_with(st.error().reason, "tx.tx_outs: count 5")) << st.error().reason;
    // A witness stack claiming more items than bytes.
    st = check_raw_tx(hex("02000000"
                          "0001"
                          "01" +
                          kInput + "01" + kOutput +
                          "09"
                          "00"
                          "00000000"),
                      "tx");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::oversize);
    EXPECT_TRUE(starts_with(st.error().reason, "tx.witness[0].count")) << st.error().reason;
    // An input script running past the end.
    st = check_raw_tx(hex("01000000"
                          "01" +
                          std::string(72, '0') + "4c" + std::string(40, '0')),
                      "tx");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::truncated);
    EXPECT_TRUE(starts_with(st.error().reason, "tx.tx_ins[0].script")) << st.error().reason;
}

TEST(P2pTx, SegwitFormReadsAnyFlagLikeTheReference) {
    // Marker 0 then flag 0: TransactionType.read accepts it (its write would not give the
    // same bytes back; we keep the bytes, so our round trip is exact).
    const std::string t0 =
        "02000000"
        "0000"
        "01" +
        kInput + "01" + kOutput +
        "00"
        "00000000";
    EXPECT_TRUE(check_raw_tx(hex(t0), "tx").ok());
    // Litecoin MWEB flag (8) with no witness data and an absent MWEB part (one 00 byte):
    // the reference reads that 00 as an empty witness stack and accepts the transaction.
    const std::string t8 =
        "02000000"
        "0008"
        "01" +
        kInput + "01" + kOutput +
        "00"
        "00000000";
    EXPECT_TRUE(check_raw_tx(hex(t8), "tx").ok());
    // A transaction with no inputs in the segwit form.
    EXPECT_TRUE(check_raw_tx(hex("01000000"
                                 "0001"
                                 "00"
                                 "00"
                                 "00000000"),
                             "tx")
                    .ok());
}

TEST(P2pTx, RememberTxKeepsTransactionsAsRawBytes) {
    const std::string t0 =
        "02000000"
        "0000"
        "01" +
        kInput + "01" + kOutput +
        "00"
        "00000000";
    const Bytes payload = remember_tx_payload({t0, std::string(kLegacyTxHex)});
    auto m = decode_message("remember_tx", payload);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    const auto& rt = std::get<RememberTx>(*m);
    ASSERT_EQ(rt.txs.size(), 2u);
    EXPECT_EQ(to_hex(rt.txs[0]), t0);
    EXPECT_EQ(to_hex(rt.txs[1]), kLegacyTxHex);
    auto again = encode_payload(*m);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, payload);
}

TEST(P2pTx, RememberTxWithMwebDataFailsAsAWholeWithoutCrashing) {
    // MWEB flag 9 with a witness and MWEB data (01 + 40 bytes) before lock_time. The reference
    // reads the first bytes of the MWEB data as lock_time: as the last transaction the rest is
    // LateEnd; followed by another transaction the next read fails. Either way the message as
    // a whole does not decode, and it is the peer layer's call what to do (see messages.hpp).
    const std::string mweb =
        "02000000"
        "0009"
        "01" +
        kInput + "01" + kOutput +
        "0101aa"
        "01" +
        std::string(80, 'b') + "00000000";
    const std::string t8 =
        "02000000"
        "0008"
        "01" +
        kInput + "01" + kOutput +
        "00"
        "00000000";

    auto m = decode_message("remember_tx", remember_tx_payload({mweb}));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::trailing_bytes) << m.error().to_string();

    m = decode_message("remember_tx", remember_tx_payload({mweb, t8}));
    ASSERT_FALSE(m.ok());
    EXPECT_TRUE(starts_with(m.error().reason, "remember_tx.txs[1]")) << m.error().reason;

    // The same bytes in a shares message are opaque contents and decode fine.
    Shares s;
    s.shares.push_back({36, hex(mweb)});
    auto b = encode_payload(s);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(decode_message("shares", *b).ok());
}

TEST(P2pTx, RememberTxRefusesToEncodeWhatCannotBeDecoded) {
    RememberTx rt;
    rt.txs = {hex(kLegacyTxHex), hex("01000000")};
    auto b = encode_payload(rt);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, Errc::invalid_argument);
    EXPECT_NE(b.error().reason.find("remember_tx.txs[1]"), std::string::npos) << b.error().reason;

    Bytes extra = hex(kLegacyTxHex);
    extra.push_back(0);
    rt.txs = {extra};
    EXPECT_FALSE(encode_payload(rt).ok());
}

TEST(P2pTx, RememberTxCountBeyondTheBytesLeft) {
    // 200 transactions claimed, one present.
    auto m = decode_message("remember_tx", hex("00"
                                               "c8" +
                                               std::string(kLegacyTxHex)));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::oversize);
    EXPECT_TRUE(starts_with(m.error().reason, "remember_tx.txs: count 200")) << m.error().reason;
}
