#include "relay/problem.hpp"

namespace sharemsg::relay {

const char* problem_name(Problem p) noexcept {
    switch (p) {
        case Problem::bad_json:
            return "bad_json";
        case Problem::missing_field:
            return "missing_field";
        case Problem::unknown_field:
            return "unknown_field";
        case Problem::bad_field:
            return "bad_field";
        case Problem::bad_version:
            return "bad_version";
        case Problem::bad_network:
            return "bad_network";
        case Problem::bad_pubkey:
            return "bad_pubkey";
        case Problem::bad_endpoint:
            return "bad_endpoint";
        case Problem::too_many_endpoints:
            return "too_many_endpoints";
        case Problem::bad_nat:
            return "bad_nat";
        case Problem::bad_signature:
            return "bad_signature";
        case Problem::bad_delegation:
            return "bad_delegation";
        case Problem::wrong_network:
            return "wrong_network";
        case Problem::unauthorized:
            return "unauthorized";
        case Problem::stale:
            return "stale";
        case Problem::replayed:
            return "replayed";
        case Problem::key_revoked:
            return "key_revoked";
        case Problem::not_found:
            return "not_found";
        case Problem::rate_limited:
            return "rate_limited";
        case Problem::busy:
            return "busy";
        case Problem::storage:
            return "storage";
        case Problem::not_enabled:
            return "not_enabled";
        case Problem::no_admin_key:
            return "no_admin_key";
        case Problem::bad_ice:
            return "bad_ice";
        case Problem::too_many_candidates:
            return "too_many_candidates";
        case Problem::queue_full:
            return "queue_full";
        case Problem::wrong_recipient:
            return "wrong_recipient";
        case Problem::too_large:
            return "too_large";
        case Problem::bad_payload_hash:
            return "bad_payload_hash";
        case Problem::bad_op:
            return "bad_op";
        case Problem::not_registered:
            return "not_registered";
        case Problem::unknown_receiver:
            return "unknown_receiver";
        case Problem::nonce_replayed:
            return "nonce_replayed";
        case Problem::quota_full:
            return "quota_full";
        case Problem::bad_challenge:
            return "bad_challenge";
    }
    return "unknown";
}

unsigned problem_status(Problem p) noexcept {
    switch (p) {
        case Problem::bad_signature:
            return 401;
        case Problem::bad_delegation:
        case Problem::wrong_network:
        case Problem::unauthorized:
        case Problem::no_admin_key:
        case Problem::wrong_recipient:
        case Problem::not_registered:
        case Problem::bad_challenge:
            return 403;
        case Problem::replayed:
        case Problem::key_revoked:
        case Problem::nonce_replayed:
            return 409;
        case Problem::not_found:
        case Problem::not_enabled:
        case Problem::unknown_receiver:
            return 404;
        case Problem::too_large:
            return 413;
        case Problem::rate_limited:
        case Problem::queue_full:
            return 429;
        case Problem::busy:
        case Problem::storage:
            return 503;
        case Problem::quota_full:
            return 507;
        default:
            return 400;
    }
}

}  // namespace sharemsg::relay
