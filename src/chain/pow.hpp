// Proof-of-work binding of a V36 share: the chain of hashes from message_data to the work.
//
// What BaseShare.__init__ computes and checks (p2pool/data.py:1299-1430), in its order:
//
//   1. 2 <= len(share_info.share_data.coinbase) <= 100          'bad coinbase size'  (1326)
//   2. ref_hash   = ref_hash(IDENTIFIER, share_info, ref_merkle_link, message_data)
//   (chain/ref_hash.hpp)
//   3. gentx_hash = check_hash_link(hash_link, ref_hash || le64(last_txout_nonce) || le32(0),
//                                   gentx_before_refhash)                          (1392-1396)
//   4. merkle_root = check_merkle_link(gentx_hash, segwit network ? share_info.segwit_data
//                                      .txid_merkle_link : merkle_link)            (1398)
//   5. header     = min_header + merkle_root, packed as the 80-byte block header:
//                   le32 version, previous_block (None = 0), merkle_root, le32 timestamp,
//                   le32 bits, le32 nonce                                          (1399, 1407)
//      pow_hash   = POW_FUNC(header): sha256d, or scrypt(N=1024, r=1, p=1) for Litecoin
//      share hash = header hash = sha256d(header)                                  (1408)
//   6. target = share_info.bits target, max_target = share_info.max_bits target   (1334-1335)
//      target > net.MAX_TARGET   -> 'share target invalid'                          (1410)
//      target > max_target       -> 'share target exceeds max_target'               (1414)
//      pow_hash > target         -> 'share PoW invalid'                             (1418)
//
// Why a changed message_data fails: message_data is inside ref_type, so a changed byte
// changes ref_hash, hence the gentx txid, the merkle root, the header and both its hashes.
// The altered share is a *different* share (another hash) whose header no longer carries
// the work done: pow_hash is a fresh random number, above the target with probability
// 1 - target/2^256 (overwhelming on a real network; about 15/16 at a devnet target near
// 2^252, 1 - 2^-12 at 2^244). A caller that knows which share it expected (it asked for that
// hash, or a child names it as its parent) passes expected_hash and gets hash_mismatch for
// certain whenever the PoW happens to still hold.
//
// Notes on the reference's rules, kept as they are:
//   - max_bits itself is not bounded by MAX_TARGET here; the reference bounds the share's
//     *target* by both. (A max_bits above MAX_TARGET is caught by Share.check, which
//     regenerates share_info from the chain: chain/target_rules.hpp, share_max_bits.)
//   - A segwit network's share without segwit_data makes the reference fail with a
//     TypeError ('NoneType' is not subscriptable); we name it segwit_data_missing.
//   - min_header.version is a VarInt but packs into the header as IntType(32): above
//     2^32 - 1 the reference's struct.pack raises; we name it header_version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chain/pow_params.hpp"
#include "chain/share.hpp"
#include "crypto/hash.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

using BlockHeader = ByteArray<80>;

enum class PowRule {
    ok,
    bad_coinbase_size,        // ValueError 'bad coinbase size! N bytes'
    ref_hash,                 // ref_type does not pack / ref_merkle_link index too large
    hash_link,                // check_hash_link raised (extra_data length, length too large)
    segwit_data_missing,      // segwit network, share_info.segwit_data is None
    merkle_link,              // merkle link index too large
    header_version,           // min_header.version does not fit 32 bits
    target_invalid,           // PeerMisbehavingError 'share target invalid' (target > MAX_TARGET)
    target_above_max_target,  // PeerMisbehavingError 'share target ... exceeds max_target'
    pow_invalid,              // PeerMisbehavingError 'share PoW invalid' (pow_hash > target)
    hash_mismatch,            // not a reference rule: the share hash is not the one expected
};

const char* pow_rule_name(PowRule r);

// How the reference's peer code treats the failure (p2p.py:97-107, 345-357): the three
// PeerMisbehavingError rules drop and ban the peer; a ValueError skips the share and keeps
// the peer. hash_mismatch (ours) counts as misbehaviour: the peer sent other bytes than
// the share it named. Other rules are never misbehaviour here.
bool pow_rule_is_misbehaviour(PowRule r);

// The project-wide rule (util/rule.hpp) for a PowRule; Rule::none for PowRule::ok.
Rule to_rule(PowRule r);

struct VerifiedShare {
    crypto::Hash256 share_hash{};  // the share's hash: sha256d(header), raw digest bytes
    crypto::Hash256 pow_hash{};    // POW_FUNC(header), raw digest bytes (compare as LE ints)
    Uint256 target{};              // share_info.bits target
    crypto::Hash256 ref_hash{};
    crypto::Hash256 gentx_hash{};  // the coinbase txid the hash link proves
    crypto::Hash256 merkle_root{};
    BlockHeader header{};
    unsigned __int128 work = 0;  // target_to_average_attempts(target): abswork's unit
};

struct PowVerdict {
    PowRule rule = PowRule::ok;
    std::string reason;  // one line: the rule and the numbers
    std::optional<VerifiedShare>
        computed;  // set once the header exists, also when a target rule fails
    bool valid() const { return rule == PowRule::ok; }
};

// Steps 1-6 above, then (when given) expected_hash. Pure and thread-safe.
PowVerdict check_share_pow(const PowParams& params, const Share& share,
                           const std::optional<crypto::Hash256>& expected_hash = std::nullopt);

// The same as a Result: the VerifiedShare, or Errc::invalid_argument carrying to_rule(rule),
// whose reason starts with pow_rule_name(rule), e.g. "pow_invalid: share PoW invalid: ...".
[[nodiscard]] Result<VerifiedShare> verify_share_pow(const PowParams& params, const Share& share);
[[nodiscard]] Result<VerifiedShare> verify_share_pow(const PowParams& params, const Share& share,
                                                     const crypto::Hash256& expected_hash);

// block_header_type.pack(dict(min_header, merkle_root=merkle_root)).
// Errc::invalid_argument when version does not fit 32 bits.
[[nodiscard]] Result<BlockHeader> block_header_bytes(const SmallBlockHeader& h,
                                                     const crypto::Hash256& merkle_root);

// scrypt(password = salt = data, N=1024, r=1, p=1, 32 bytes), OpenSSL's EVP_PBE_scrypt:
// Litecoin's PoW hash (ltc_scrypt.getPoWHash) of an 80-byte header.
crypto::Hash256 scrypt_1024_1_1(ByteView data);
// POW_FUNC of the network over the packed header.
crypto::Hash256 pow_hash(PowFunc f, ByteView header);

}  // namespace sharemsg::chain
