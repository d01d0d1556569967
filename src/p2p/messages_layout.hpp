// Internal to src/p2p: the one description of each P2P message's byte layout,
// used by chain::PackStream (writing) and chain::UnpackStream (reading).
//
// Source of truth: Protocol.message_* in p2pool/p2p.py (frstrtr/p2pool-merged-v36
// at 44a10f30); address_type, block_header_type, tx_type in p2pool/bitcoin/data.py;
// share_type in p2pool/data.py. "var" = CompactSize (chain/pack.hpp). "?" =
// PossiblyNoneType, None packs as shown. All integers little-endian unless "BE".
//
// net address (address_type)                                    26 bytes
//   services        IntType(64)                        8
//   address         IPV6AddressType                    16   IPv4 as ::ffff:a.b.c.d
//   port            IntType(16, 'big')                 2    BE
// version                                                       min 109 bytes
//   version         IntType(32)                        4
//   services        IntType(64)                        8
//   addr_to         net address                        26
//   addr_from       net address                        26
//   nonce           IntType(64)                        8
//   sub_version     VarStr                             var
//   mode            IntType(32)                        4
//   best_share_hash? IntType(256); None = 0            32
// ping             (nothing)                                    0 bytes
// addrme           port IntType(16)                    2        (little-endian!)
// addrs            addrs: list of {timestamp IntType(64), address net address}   var + 34 each
// getaddrs         count IntType(32)                   4
// shares           shares: list of share_type          var + (var type, VarStr contents) each, min
// 2 sharereq         id IntType(256) 32, hashes list of IntType(256), parents VarInt,
//                  stops list of IntType(256)
// sharereply       id IntType(256) 32, result EnumType(VarInt) 0..6, shares list of share_type
// bestblock        header: block header                80
//   version         IntType(32)                        4
//   previous_block? IntType(256); None = 0             32
//   merkle_root     IntType(256)                       32
//   timestamp       IntType(32)                        4
//   bits            FloatingIntegerType = IntType(32)  4
//   nonce           IntType(32)                        4
// have_tx, losing_tx, forget_tx   tx_hashes: list of IntType(256)        var + 32 each
// remember_tx      tx_hashes: list of IntType(256), txs: list of tx_type (p2p/tx_scan.hpp)
//
// The chain/pack.hpp vocabulary has no big-endian integer and no "bytes whose
// length a scanner finds", so: IntType(16,'big') goes through fixed<2> (u16be
// below), and remember_tx's txs list is read and written by read_tail/write_tail
// after the stream's part.
#pragma once

#include <type_traits>

#include "chain/pack.hpp"
#include "p2p/messages.hpp"
#include "p2p/tx_scan.hpp"

namespace sharemsg::p2p::layout {

using chain::MaybeConst;

inline constexpr std::size_t uint256_size = 32;
inline constexpr std::size_t net_address_size = 8 + 16 + 2;
inline constexpr std::size_t addr_record_size = 8 + net_address_size;
inline constexpr std::size_t wrapped_share_min_size = 1 + 1;
inline constexpr std::size_t tx_min_size =
    4 + 1 + 1 + 4;  // version, no inputs, no outputs, lock_time

inline const Uint256& zero256() {
    static const Uint256 z{};
    return z;
}

// IntType(16, 'big') through fixed<2>.
template <class S, class V>
void u16be(S& s, std::string_view field, V& v) {
    if constexpr (std::is_const_v<V>) {
        const ByteArray<2> b{static_cast<std::uint8_t>(v >> 8),
                             static_cast<std::uint8_t>(v & 0xff)};
        s.fixed(field, b);
    } else {
        ByteArray<2> b{};
        s.fixed(field, b);
        v = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
    }
}

template <class S, class V>
void hash_list(S& s, std::string_view field, V& v) {
    s.list(field, v, uint256_size, [&](auto& h) { s.fixed("", h); });
}

template <class S, class V>
void opt_hash(S& s, std::string_view field, V& v) {
    s.possibly_none(field, v, zero256(), [&](auto& h) { s.fixed("", h); });
}

template <class S, MaybeConst<NetAddress> T>
void describe(S& s, T& a) {
    s.u64("services", a.services);
    s.fixed("address", a.address);
    u16be(s, "port", a.port);
}

template <class S, MaybeConst<WrappedShare> T>
void describe(S& s, T& w) {
    s.var_int("type", w.type);
    s.var_str("contents", w.contents);
}

template <class S, MaybeConst<AddrRecord> T>
void describe(S& s, T& r) {
    s.u64("timestamp", r.timestamp);
    s.composite("address", [&] { describe(s, r.address); });
}

template <class S, MaybeConst<BlockHeader> T>
void describe(S& s, T& h) {
    s.u32("version", h.version);
    opt_hash(s, "previous_block", h.previous_block);
    s.fixed("merkle_root", h.merkle_root);
    s.u32("timestamp", h.timestamp);
    s.u32("bits", h.bits);
    s.u32("nonce", h.nonce);
}

template <class S, class V>
void share_list(S& s, std::string_view field, V& v) {
    s.list(field, v, wrapped_share_min_size, [&](auto& w) { describe(s, w); });
}

template <class S, MaybeConst<Version> T>
void describe(S& s, T& m) {
    s.u32("version", m.version);
    s.u64("services", m.services);
    s.composite("addr_to", [&] { describe(s, m.addr_to); });
    s.composite("addr_from", [&] { describe(s, m.addr_from); });
    s.u64("nonce", m.nonce);
    s.var_str("sub_version", m.sub_version);
    s.u32("mode", m.mode);
    opt_hash(s, "best_share_hash", m.best_share_hash);
}

template <class S, MaybeConst<Ping> T>
void describe(S&, T&) {}

template <class S, MaybeConst<AddrMe> T>
void describe(S& s, T& m) {
    s.u16("port", m.port);
}

template <class S, MaybeConst<Addrs> T>
void describe(S& s, T& m) {
    s.list("addrs", m.addrs, addr_record_size, [&](auto& r) { describe(s, r); });
}

template <class S, MaybeConst<GetAddrs> T>
void describe(S& s, T& m) {
    s.u32("count", m.count);
}

template <class S, MaybeConst<Shares> T>
void describe(S& s, T& m) {
    share_list(s, "shares", m.shares);
}

template <class S, MaybeConst<ShareReq> T>
void describe(S& s, T& m) {
    s.fixed("id", m.id);
    hash_list(s, "hashes", m.hashes);
    s.var_int("parents", m.parents);
    hash_list(s, "stops", m.stops);
}

template <class S, MaybeConst<ShareReply> T>
void describe(S& s, T& m) {
    s.fixed("id", m.id);
    s.var_int("result", m.result);  // checked against the enum by check_values
    share_list(s, "shares", m.shares);
}

template <class S, MaybeConst<BestBlock> T>
void describe(S& s, T& m) {
    s.composite("header", [&] { describe(s, m.header); });
}

template <class S, class T>
requires MaybeConst<T, HaveTx> || MaybeConst<T, LosingTx> || MaybeConst<T, ForgetTx>
void describe(S& s, T& m) {
    hash_list(s, "tx_hashes", m.tx_hashes);
}

// remember_tx: the stream part is tx_hashes; txs follow in read_tail/write_tail.
template <class S, MaybeConst<RememberTx> T>
void describe(S& s, T& m) {
    hash_list(s, "tx_hashes", m.tx_hashes);
}

// ---- what the stream vocabulary cannot say ----------------------------------------

// Value rules the reference enforces on read and write (EnumType).
template <class T>
Status check_values(const T&) {
    return Ok{};
}
inline Status check_values(const ShareReply& m) {
    if (m.result > sharereply_result::max)
        return make_error(Errc::bad_encoding, "sharereply.result: " + std::to_string(m.result) +
                                                  " is not one of the enum's values 0..6");
    return Ok{};
}

// Fields after the stream part.
template <class T>
Status read_tail(ByteReader&, T&) {
    return Ok{};
}
inline Status read_tail(ByteReader& r, RememberTx& m) {
    auto n = chain::read_var_int(r, "remember_tx.txs");
    if (!n) return n.error();
    if (*n > r.remaining() / tx_min_size)
        return make_error(Errc::oversize, "remember_tx.txs: count " + std::to_string(*n) +
                                              " needs at least " + std::to_string(tx_min_size) +
                                              " bytes each, " + std::to_string(r.remaining()) +
                                              " bytes left");
    m.txs.clear();
    m.txs.reserve(static_cast<std::size_t>(*n));
    for (std::uint64_t i = 0; i < *n; ++i) {
        auto tx = read_raw_tx(r, "remember_tx.txs[" + std::to_string(i) + "]");
        if (!tx) return tx.error();
        m.txs.emplace_back(tx->begin(), tx->end());
    }
    return Ok{};
}

template <class T>
Status check_tail(const T&) {
    return Ok{};
}
inline Status check_tail(const RememberTx& m) {
    for (std::size_t i = 0; i < m.txs.size(); ++i) {
        auto st = check_raw_tx(m.txs[i], "remember_tx.txs[" + std::to_string(i) + "]");
        if (!st) return make_error(Errc::invalid_argument, st.error().to_string());
    }
    return Ok{};
}

template <class T>
void write_tail(ByteWriter&, const T&) {}
inline void write_tail(ByteWriter& w, const RememberTx& m) {
    chain::write_var_int(w, m.txs.size());
    for (const auto& tx : m.txs)
        w.bytes(tx);
}

}  // namespace sharemsg::p2p::layout
