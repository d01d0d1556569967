// Helpers of the signaling tests (unit, integration, fuzz seeds): a signed offer or answer
// from one test identity to another, and a signed poll.
#pragma once

#include <string>

#include "relay/signal.hpp"
#include "test_relay_util.hpp"

namespace relay_test {

inline relay::SessionId session(std::uint8_t n) {
    relay::SessionId s{};
    s.fill(n);
    return s;
}

inline relay::Signal signal(const Identity& from, const Identity& to, std::uint64_t timestamp,
                            relay::SignalKind kind = relay::SignalKind::offer,
                            std::uint8_t session_n = 1) {
    relay::Signal s;
    s.network = from.network;
    s.kind = kind;
    s.session = session(session_n);
    s.signing_pubkey = from.key.pubkey();
    s.key_index = from.key.key_index();
    s.delegation = from.delegation;
    s.recipient = to.key.signing_id();
    s.timestamp = timestamp;
    s.ufrag = "aBcD";
    s.pwd = "0123456789abcdefghijkl";
    s.candidates = {"a=candidate:1 1 UDP 2013266431 127.0.0.1 40000 typ host",
                    "a=candidate:2 1 UDP 1677721855 203.0.113.5 40000 typ srflx raddr "
                    "127.0.0.1 rport 40000"};
    relay::sign(s, from.key.privkey());
    return s;
}

inline relay::SignalPoll poll(const Identity& who, std::uint64_t timestamp, std::uint8_t nonce) {
    relay::SignalPoll p;
    p.network = who.network;
    p.signing_pubkey = who.key.pubkey();
    p.key_index = who.key.key_index();
    p.delegation = who.delegation;
    p.timestamp = timestamp;
    p.nonce.fill(nonce);
    relay::sign(p, who.key.privkey());
    return p;
}

}  // namespace relay_test
