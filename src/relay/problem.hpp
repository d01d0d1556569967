// What the relay refuses, as one enum: each value has the name a JSON error carries
// ({"error": name, "detail": ...}) and the HTTP status it is answered with. Decisions are
// taken on the value, never on the detail's text.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "util/checked.hpp"

namespace sharemsg::relay {

enum class Problem {
    bad_json,            // 400: the body is not a JSON object
    missing_field,       // 400: a required field is absent
    unknown_field,       // 400: a field the format does not have
    bad_field,           // 400: a field of the wrong type or form (hex, range)
    bad_version,         // 400: a format version this relay does not speak
    bad_network,         // 400: not a network id (16 hex digits)
    bad_pubkey,          // 400: not a compressed secp256k1 point
    bad_endpoint,        // 400: not "ip:port" (IPv4, or [IPv6]), or port 0
    too_many_endpoints,  // 400: none, or more than MAX_ENDPOINTS
    bad_nat,             // 400: not one of the NAT type names
    bad_signature,       // 401: the registration's BIP340 signature does not verify
    bad_delegation,      // 403: the master key's delegation does not verify
    wrong_network,       // 403: for a network this relay does not serve
    unauthorized,        // 403: the master key paid no share in the window, and is not allowed
    stale,               // 400: timestamp outside the freshness window (±5 minutes)
    replayed,            // 409: not newer than the registration held for this identity
    key_revoked,         // 409: a newer key index of the same master is registered (downgrade)
    not_found,           // 404: no live registration for this identity
    rate_limited,        // 429: over the per-minute budget of the source or the identity
    busy,                // 503: the relay's queue of work is full
    storage,             // 503: the database failed; nothing was stored
    not_enabled,         // 404: this node is not a relay (--relay)
    no_admin_key,        // 403: allow-list changes need --relay-admin-pubkey
    // Signaling (relay/signal.hpp):
    bad_ice,              // 400: a ufrag, pwd or candidate line out of bounds or not ASCII
    too_many_candidates,  // 400: more than MAX_CANDIDATES candidate lines
    queue_full,           // 429: the recipient has its most signals pending (or from you)
    wrong_recipient,      // 403: a signal addressed to another identity (the node's check)
    // The mailbox (mailbox/codec.hpp, docs/mailbox.md):
    too_large,         // 413: a payload over MAX_PAYLOAD, or a body over MAX_BODY
    bad_payload_hash,  // 400: the header's payload_hash is not SHA-256 of the payload
    bad_op,            // 400: the header's op is not this endpoint's
    not_registered,    // 403: the sender has no live registration at this mailbox
    unknown_receiver,  // 404: the receiver has no registration at this mailbox
    nonce_replayed,    // 409: this sender used this nonce already
    quota_full,        // 507: the receiver's mailbox is full (messages or bytes)
    bad_challenge,     // 403: a challenge the mailbox did not hand out, expired, or used
};

const char* problem_name(Problem p) noexcept;
unsigned problem_status(Problem p) noexcept;

using Failure = util::Failure<Problem>;
template <class T>
using Checked = util::Checked<T, Problem>;

inline Failure fail(Problem p, std::string detail) {
    return Failure{p, std::move(detail)};
}

}  // namespace sharemsg::relay
