// Shared by the tests/unit/test_p2p_*.cpp files: sample P2P messages and their
// exact payload bytes.
//
// Each expected payload is laid out by hand from the reference's formats
// (Protocol.message_* in p2pool/p2p.py, address_type / block_header_type /
// tx_type in p2pool/bitcoin/data.py, share_type in p2pool/data.py, pack types
// in p2pool/util/pack.py of frstrtr/p2pool-merged-v36 at 44a10f30), and was
// checked against the reference's own pack() of the same values under
// Python 2.7 - never against our encoder.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "chain/uint.hpp"
#include "p2p/messages.hpp"
#include "util/bytes.hpp"

namespace sharemsg::p2p::test {

inline Bytes hex(std::string_view h) {
    auto b = from_hex(h);
    EXPECT_TRUE(b.ok()) << h;
    return b ? *b : Bytes{};
}

inline Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

// IntType(256) value given as big-endian hex ('%x').
inline Uint256 int256(std::string_view big_endian_hex) {
    return chain::from_int_hex<32>(big_endian_hex).value();
}

inline ByteArray<16> ipv6(std::string_view hex32) {
    return from_hex_fixed<16>(hex32).value();
}

// A legacy (non-segwit) transaction: 1 input spending 0x55:1 with script 51,
// sequence None (ffffffff); 1 output of 50 LTC to script 76a9; lock_time 0.
inline constexpr std::string_view kLegacyTxHex =
    "01000000"                                                          // version 1
    "01"                                                                // marker = 1 input
    "5500000000000000000000000000000000000000000000000000000000000000"  // previous hash 0x55
    "01000000"                                                          // previous index 1
    "0151"                                                              // script
    "ffffffff"                                                          // sequence
    "01"                                                                // 1 output
    "00f2052a01000000"                                                  // 5000000000
    "0276a9"                                                            // script
    "00000000";                                                         // lock_time

// A segwit transaction: marker 0, flag 1, 1 input (None previous output), 2
// outputs, a witness stack of two items, lock_time 500000.
inline constexpr std::string_view kSegwitTxHex =
    "02000000"  // version 2
    "00"
    "01"                                                                // marker, flag
    "01"                                                                // 1 input
    "0000000000000000000000000000000000000000000000000000000000000000"  // hash 0 ...
    "ffffffff"                                                          // ... index 2^32-1: None
    "00"                                                                // empty script
    "feffffff"                                                          // sequence
    "02"                                                                // 2 outputs
    "0100000000000000"
    "00"  // 1, empty script
    "0200000000000000"
    "16"
    "0014"
    "1111111111111111111111111111111111111111"
    "02"
    "03303030"
    "020202"     // witness: 2 items
    "20a10700";  // lock_time 500000

struct Sample {
    std::string name;
    Message message;
    Bytes payload;
};

// One sample of every message type, with non-trivial values.
inline std::vector<Sample> samples() {
    std::vector<Sample> out;

    Version v;
    v.version = 3600;
    v.services = 0;
    v.addr_to = {1, ipv4_mapped(1, 2, 3, 4), 9326};
    v.addr_from = {0x0102030405060708, ipv6("20010db8000000000000ff0000428329"), 19338};
    v.nonce = 0x0123456789abcdef;
    v.sub_version = text("v36-sharemsg");
    v.mode = 1;
    v.best_share_hash = int256("abcdef");
    out.push_back({"version", v,
                   hex("100e0000"          // version 3600
                       "0000000000000000"  // services
                       "0100000000000000"
                       "00000000000000000000ffff01020304"
                       "246e"  // addr_to
                       "0807060504030201"
                       "20010db8000000000000ff0000428329"
                       "4b8a"              // addr_from
                       "efcdab8967452301"  // nonce
                       "0c"
                       "7633362d73686172656d7367"  // sub_version
                       "01000000"                  // mode
                       "efcdab0000000000000000000000000000000000000000000000000000000000")});

    out.push_back({"ping", Ping{}, {}});
    out.push_back({"addrme", AddrMe{9326}, hex("6e24")});

    Addrs a;
    a.addrs.push_back({1700000000, {3, ipv4_mapped(192, 168, 1, 20), 9326}});
    a.addrs.push_back({0x0102030405060708, {0, ipv6("fe800000000000000202b3fffe1e8329"), 65535}});
    out.push_back({"addrs", a,
                   hex("02"
                       "00f1536500000000"
                       "0300000000000000"
                       "00000000000000000000ffffc0a80114"
                       "246e"
                       "0807060504030201"
                       "0000000000000000"
                       "fe800000000000000202b3fffe1e8329"
                       "ffff")});

    out.push_back({"getaddrs", GetAddrs{8}, hex("08000000")});

    Shares sh;
    sh.shares.push_back({36, hex("010203")});
    sh.shares.push_back({0xfd, {}});
    out.push_back({"shares", sh,
                   hex("02"
                       "24"
                       "03010203"
                       "fdfd00"
                       "00")});

    ShareReq rq;
    rq.id = int256("1122");
    rq.hashes = {int256("1"),
                 int256("8000000000000000000000000000000000000000000000000000000000000000")};
    rq.parents = 300;
    rq.stops = {int256("ff")};
    out.push_back({"sharereq", rq,
                   hex("2211000000000000000000000000000000000000000000000000000000000000"
                       "02"
                       "0100000000000000000000000000000000000000000000000000000000000000"
                       "0000000000000000000000000000000000000000000000000000000000000080"
                       "fd2c01"
                       "01"
                       "ff00000000000000000000000000000000000000000000000000000000000000")});

    ShareReply rp;
    rp.id.fill(0xff);
    rp.result = sharereply_result::too_long;
    rp.shares.push_back({35, text("ab")});
    out.push_back({"sharereply", rp,
                   hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                       "01"
                       "01"
                       "23"
                       "026162")});

    BestBlock bb;
    bb.header = {0x20000000, int256("dead"), int256("beef"), 1700000001, 0x1a01cd2d, 42};
    out.push_back({"bestblock", bb,
                   hex("00000020"
                       "adde000000000000000000000000000000000000000000000000000000000000"
                       "efbe000000000000000000000000000000000000000000000000000000000000"
                       "01f15365"
                       "2dcd011a"
                       "2a000000")});

    out.push_back({"have_tx", HaveTx{{int256("3"), int256("4")}},
                   hex("02"
                       "0300000000000000000000000000000000000000000000000000000000000000"
                       "0400000000000000000000000000000000000000000000000000000000000000")});
    out.push_back({"losing_tx", LosingTx{}, hex("00")});

    RememberTx rt;
    rt.tx_hashes = {int256("7")};
    rt.txs = {hex(kLegacyTxHex), hex(kSegwitTxHex)};
    out.push_back(
        {"remember_tx", rt,
         hex(std::string("01"
                         "0700000000000000000000000000000000000000000000000000000000000000"
                         "02") +
             std::string(kLegacyTxHex) + std::string(kSegwitTxHex))});

    out.push_back(
        {"forget_tx",
         ForgetTx{{int256("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe")}},
         hex("01"
             "feffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")});
    return out;
}

}  // namespace sharemsg::p2p::test
