// The open profile's own vector file (vectors/open_profile.json): a generator that builds it
// from fixed keys and nonces, and a checker that runs every vector of a file of that schema
// against the implementation (`sharemsg open-vectors`, and the unit test that reads the
// committed file).
//
// Schema (in the style of the reference's share_messages_public.json): a top-level object of
// categories, each {"what": ..., "vectors": [...]} (the ledger: {"what", "config", "steps"}),
// every vector with a "what". Negative vectors carry "error": {"code": errc name, "field":
// text the reason must contain} or "valid": false. Byte strings are lowercase hex. Messages
// are {"msg_type", "flags", "timestamp", "signing_id", "recipient" (hex or null), "fragment"
// ({"msg_id", "index", "total"} or null), "payload", "signature"}.
//
// Categories: parties, delegation, delegation_hex, obfuscation, message, envelope,
// decode_errors, private, fragments, mwu, ledger, cosigned (authority messages under
// co-signing authorities: {"what", "constants", "authorities", "share", "vectors"}).
// docs/protocol.md describes each.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sharemsg::conformance {

// Deterministic: the same output on every run (RFC6979 ECDSA, BIP340 with fixed or absent
// auxiliary randomness, nonces from SHA256 of labels).
nlohmann::ordered_json make_open_vectors();

struct OpenVectorReport {
    std::size_t checked = 0;            // vectors (and ledger steps) checked
    std::vector<std::string> failures;  // "category[i] what: detail"
};

// Never throws on a malformed file: a vector that cannot be read is a failure naming it.
OpenVectorReport check_open_vectors(const nlohmann::json& file);

}  // namespace sharemsg::conformance
