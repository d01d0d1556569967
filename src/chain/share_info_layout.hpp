// Internal to src/chain: the one description of V36 share_info's byte layout,
// used by both PackStream (writing) and UnpackStream (reading).
//
// Source of truth: MergedMiningShare.get_dynamic_types() in p2pool/data.py of
// frstrtr/p2pool-merged-v36 (commit 44a10f30). All integers little-endian.
// "var" = CompactSize (chain/pack.hpp); "?" = PossiblyNoneType, None packs as shown.
//
// share_info
//   field                  type                                   bytes
//   share_data             composite, below                       var
//   segwit_data?           composite, below; None = branch [],    var + 32 per branch hash + 32
//                          index 0, wtxid_merkle_root 2^256-1
//   merged_addresses?      list of merged address; None = []      var
//   far_share_hash?        IntType(256); None = 0                 32
//   max_bits               FloatingInteger: IntType(32) bits      4
//   bits                   FloatingInteger: IntType(32) bits      4
//   timestamp              IntType(32)                            4
//   absheight              IntType(32)                            4
//   abswork                VarInt (was IntType(128) before V36)   1..9
//   merged_coinbase_info?  list of merged coinbase info; None=[]  var
//   merged_payout_hash?    IntType(256); None = 0                 32
//
// share_data
//   previous_share_hash?   IntType(256); None = 0                 32
//   coinbase               VarStr                                 var
//   nonce                  IntType(32)                            4
//   pubkey_hash            IntType(160)                           20
//   pubkey_type            IntType(8)                             1
//   subsidy                VarInt (was IntType(64) before V36)    1..9
//   donation               IntType(16)                            2
//   stale_info             EnumType(IntType(8))                   1
//   desired_version        VarInt                                 1..9
//
// merkle link (segwit txid_merkle_link, coinbase_merkle_link)
//   branch                 ListType(IntType(256))                 var + 32 each
//   index                  IntType(0)                             0 (not on the wire)
//
// segwit_data             txid_merkle_link, wtxid_merkle_root IntType(256)
// merged address          chain_id IntType(32), script VarStr                 min 5 bytes
// merged coinbase info    chain_id IntType(32), coinbase_value VarInt,
//                         block_height VarInt, block_header_bytes FixedStr(80),
//                         coinbase_merkle_link (merkle link), coinbase_script VarStr
//                                                                             min 88 bytes
#pragma once

#include "chain/pack.hpp"
#include "chain/share_info.hpp"

namespace sharemsg::chain::layout {

inline constexpr std::size_t uint256_size = 32;

// List bounds (decoding refuses longer lists, Errc::oversize naming the field). The
// reference's ListType has none, so a list could run to the 32 MB frame; these are the
// network's real limits:
//   - A merkle branch (merkle_link, ref_merkle_link, segwit_data.txid_merkle_link,
//     merged_coinbase_info[].coinbase_merkle_link) has one hash per level of a block's
//     transaction tree: 32 levels hold 2^32 transactions, and a block of the parent or a
//     merged chain (Litecoin's 4,000,000 weight, Dogecoin's 1 MB) holds fewer than 2^17 --
//     16,700 of the smallest transactions. (AuxPoW's own rule for its chain merkle branch,
//     Namecoin's and Dogecoin's, is at most 30.) p2pool builds ref_merkle_link empty.
//   - merged_addresses and merged_coinbase_info carry one entry per merged chain. The V36
//     network merges one (Dogecoin, chain id 0x62); 16 chains is our bound, far above any
//     deployment (an AuxPoW slot tree of 16 chains needs a 16-slot tree at least).
inline constexpr std::size_t max_merkle_branch = 32;
inline constexpr std::size_t max_merged_chains = 16;
inline constexpr std::size_t merged_address_min_size = 4 + 1;  // chain_id + empty script
inline constexpr std::size_t merged_coinbase_info_min_size = 4 + 1 + 1 + 80 + 1 + 1;

inline const Uint256& zero256() {
    static const Uint256 z{};
    return z;
}

template <class S, MaybeConst<MerkleLink> T>
void describe(S& s, T& link) {
    s.bounded_list("branch", link.branch, uint256_size, max_merkle_branch,
                   [&](auto& h) { s.fixed("", h); });
    s.zero_width("index", link.index);
}

template <class S, MaybeConst<ShareData> T>
void describe(S& s, T& d) {
    s.possibly_none("previous_share_hash", d.previous_share_hash, zero256(),
                    [&](auto& h) { s.fixed("", h); });
    s.var_str("coinbase", d.coinbase);
    s.u32("nonce", d.nonce);
    s.fixed("pubkey_hash", d.pubkey_hash);
    s.u8("pubkey_type", d.pubkey_type);
    s.var_int("subsidy", d.subsidy);
    s.u16("donation", d.donation);
    s.u8("stale_info", d.stale_info);
    s.var_int("desired_version", d.desired_version);
}

template <class S, MaybeConst<SegwitData> T>
void describe(S& s, T& sd) {
    s.composite("txid_merkle_link", [&] { describe(s, sd.txid_merkle_link); });
    s.fixed("wtxid_merkle_root", sd.wtxid_merkle_root);
}

template <class S, MaybeConst<MergedAddress> T>
void describe(S& s, T& a) {
    s.u32("chain_id", a.chain_id);
    s.var_str("script", a.script);
}

template <class S, MaybeConst<MergedCoinbaseInfo> T>
void describe(S& s, T& m) {
    s.u32("chain_id", m.chain_id);
    s.var_int("coinbase_value", m.coinbase_value);
    s.var_int("block_height", m.block_height);
    s.fixed("block_header_bytes", m.block_header_bytes);
    s.composite("coinbase_merkle_link", [&] { describe(s, m.coinbase_merkle_link); });
    s.var_str("coinbase_script", m.coinbase_script);
}

template <class S, class V>
void list_of_composites(S& s, V& v, std::size_t min_size, std::size_t max_count) {
    s.bounded_list("", v, min_size, max_count, [&](auto& e) { describe(s, e); });
}

template <class S, MaybeConst<ShareInfo> T>
void describe(S& s, T& i) {
    static const std::vector<MergedAddress> no_addresses;
    static const std::vector<MergedCoinbaseInfo> no_coinbase_info;
    s.composite("share_data", [&] { describe(s, i.share_data); });
    s.possibly_none("segwit_data", i.segwit_data, segwit_data_none_value(),
                    [&](auto& v) { describe(s, v); });
    s.possibly_none("merged_addresses", i.merged_addresses, no_addresses, [&](auto& v) {
        list_of_composites(s, v, merged_address_min_size, max_merged_chains);
    });
    s.possibly_none("far_share_hash", i.far_share_hash, zero256(),
                    [&](auto& h) { s.fixed("", h); });
    s.u32("max_bits", i.max_bits);
    s.u32("bits", i.bits);
    s.u32("timestamp", i.timestamp);
    s.u32("absheight", i.absheight);
    s.var_int("abswork", i.abswork);
    s.possibly_none("merged_coinbase_info", i.merged_coinbase_info, no_coinbase_info, [&](auto& v) {
        list_of_composites(s, v, merged_coinbase_info_min_size, max_merged_chains);
    });
    s.possibly_none("merged_payout_hash", i.merged_payout_hash, zero256(),
                    [&](auto& h) { s.fixed("", h); });
}

}  // namespace sharemsg::chain::layout
