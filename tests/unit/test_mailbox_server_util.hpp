// Helpers of the mailbox server's tests (unit, integration, bench): signed requests of the
// relay tests' identities (tests/unit/test_relay_util.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "crypto/hash.hpp"
#include "mailbox/codec.hpp"
#include "test_relay_util.hpp"

namespace mailbox_test {

using namespace sharemsg;
using relay_test::Identity;

inline mailbox::Nonce random_nonce() {
    mailbox::Nonce n{};
    const Bytes r = crypto::random_bytes(n.size());
    std::copy(r.begin(), r.end(), n.begin());
    return n;
}

// A request of `from` with `op`, signed over `payload`.
inline mailbox::Request request(const Identity& from, mailbox::Op op,
                                const crypto::CompressedPubKey& to, std::uint64_t timestamp,
                                Bytes payload = {}, std::uint64_t message_id = 0) {
    mailbox::Request r;
    r.header.network = from.network;
    r.header.op = op;
    r.header.sender_pubkey = from.key.pubkey();
    r.header.receiver_pubkey = to;
    r.header.sender_nonce = random_nonce();
    r.header.timestamp = timestamp;
    r.header.message_id = message_id;
    r.payload = std::move(payload);
    mailbox::sign(r.header, r.payload, from.key.privkey());
    return r;
}

// A request on one's own mailbox (subscribe, get, ack).
inline mailbox::Request own(const Identity& id, mailbox::Op op, std::uint64_t timestamp,
                            std::uint64_t message_id = 0) {
    return request(id, op, id.key.pubkey(), timestamp, {}, message_id);
}

// A registration, with a challenge or (all zeros) by its timestamp.
inline mailbox::Request registration(const Identity& id, std::uint64_t timestamp,
                                     mailbox::Challenge challenge = {}) {
    mailbox::RegisterArgs a;
    a.key_index = id.key.key_index();
    a.delegation = id.delegation;
    a.challenge = challenge;
    return request(id, mailbox::Op::register_identity, id.key.pubkey(), timestamp,
                   mailbox::encode_register_args(a));
}

// A "sealed" payload for the server's tests: the server only stores bytes, so any bytes do.
inline Bytes sealed(std::size_t n, std::uint8_t fill = 0xc3) {
    return Bytes(n, fill);
}

// Re-signs after a change (a test that tampers with a field and wants the signature good).
inline void resign(mailbox::Request& r, const Identity& id) {
    mailbox::sign(r.header, r.payload, id.key.privkey());
}

}  // namespace mailbox_test
