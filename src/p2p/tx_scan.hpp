// Finding where one raw transaction ends, without building it.
//
// remember_tx carries transactions as bitcoin_data.tx_type
// (p2pool/bitcoin/data.py, TransactionType.read). We keep each one as its raw
// bytes, so that a transaction we could not interpret is still carried and
// re-encoded byte for byte; but the list has no per-item length, so finding
// where a transaction ends means walking its fields exactly as the reference
// reads them:
//
//   field          bytes                 notes
//   version        4                     IntType(32)
//   marker         CompactSize           0: segwit form below; k > 0: k inputs follow
//   -- marker = 0 (segwit form) --
//   flag           1                     IntType(8): any value is read (the reference does not
//   check it) tx_ins         CompactSize n, n x    tx_in tx_outs        CompactSize m, m x tx_out
//   witness        n x (CompactSize w, w x VarStr)   one stack per input
//   lock_time      4
//   -- marker = k > 0 --
//   tx_ins         k x tx_in
//   tx_outs        CompactSize m, m x    tx_out
//   lock_time      4
//
//   tx_in  = previous_output (hash 32 + index 4), script VarStr, sequence 4   (min 41 bytes)
//   tx_out = value 8, script VarStr                                           (min 9 bytes)
//
// CompactSize must be canonical (the reference asserts it). Litecoin MWEB
// transactions (flag bit 0x08, extension data after the witnesses) are not
// understood by the reference either: their bytes do not end where this
// layout says, so the surrounding message fails to decode. The reference
// skips such remember_tx/shares/sharereply messages and keeps the peer
// (p2protocol.py:58-84, "MWEB-SKIP").
#pragma once

#include <string_view>

#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::p2p {

// Reads one transaction at r's position and returns a view of its bytes
// (valid while r's buffer lives), leaving r just after it. Errors name the
// field under `field`, e.g. "remember_tx.txs[1].tx_ins[0].script: ...":
// Errc::truncated, Errc::oversize (a count that cannot fit in the bytes left),
// Errc::bad_encoding (non-canonical CompactSize). On error r's position is
// unspecified.
[[nodiscard]] Result<ByteView> read_raw_tx(ByteReader& r, std::string_view field);

// The same over a buffer that must hold exactly one transaction: trailing
// bytes are Errc::trailing_bytes.
[[nodiscard]] Status check_raw_tx(ByteView tx, std::string_view field);

}  // namespace sharemsg::p2p
