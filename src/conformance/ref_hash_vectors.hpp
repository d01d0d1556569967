// The reference's ref_hash vectors (the schema of vectors/reference/share_messages_public.json):
// reading their JSON values into chain/ types (vector_json.cpp) and running the two
// categories against chain/ref_hash.hpp (cat_ref_hash.cpp). Part of the conformance runner,
// not of libsharemsg; nothing here throws on malformed input.
//
// Vector value schema (what the reference's objects become in JSON):
//   integer             a JSON number, or {"int_hex": "<big-endian hex>"} for large ones
//   byte string         {"hex": "..."}  (top-level message_data / identifier: a bare hex string)
//   FloatingInteger     {"floating_integer_bits": N}
//   None                null
//   composite           an object with the field names of chain/share_info_layout.hpp;
//                       extra keys are ignored, as the reference's ComposedType.write does
//   merkle link         {"branch": [integer...], "index": N}
//   stale_info          null, "orphan", "doa" or "unk<k>"
//
// Conversion refuses what the reference's pack would refuse (an integer out of
// its IntType range, a FixedStr of the wrong length, an unknown stale_info name,
// a missing field), with Errc::invalid_argument naming the field; the runners
// treat such an error as "packing failed", like the reference raising.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chain/ref_hash.hpp"
#include "chain/share_info.hpp"
#include "conformance/runner.hpp"
#include "util/result.hpp"

namespace sharemsg::conformance {

[[nodiscard]] Result<chain::ShareInfo> share_info_from_vector_json(const nlohmann::json& j);
[[nodiscard]] Result<chain::MerkleLink> merkle_link_from_vector_json(const nlohmann::json& j);
// message_data as the ref_hash vectors give it: null, a bare hex string, or {"hex": ...}.
[[nodiscard]] Result<std::optional<Bytes>> message_data_from_vector_json(const nlohmann::json& j);

// The "ref_hash" category: {"vectors": [...], "none_vs_empty": {...}}. For each
// vector (one Outcome of category "ref_hash" each), compares share_info_packed, ref_type_packed
// (bytes or the error), get_ref_hash, hash256_of_ref_type_packed_le_int_hex, and that our decoder
// reads the reference's bytes back to the same bytes. none_vs_empty passes when
// we mirror the reference (b'' refused, None packs as 0x00 and decodes to None).
std::vector<Outcome> run_ref_hash_vectors(const nlohmann::json& category);

// The "cross_impl_refhash_test" category (p2pool/test/test_v36_cross_impl_refhash.py):
// builds each case's share_info from its "inputs" (prev/pkh/far are raw wire
// bytes there), compares our ref_type bytes with data_py_ref_type_packed and the
// test's ref_stream_hex, and our ref_hash with data_py_get_ref_hash / ref_hash.
// The coinbase and gentx parts are not checked here.
std::vector<Outcome> run_cross_impl_refhash_vectors(const nlohmann::json& category);

}  // namespace sharemsg::conformance
