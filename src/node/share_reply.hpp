// Answering a peer's sharereq, and the limits on share lists in messages.
//
// The reference (p2pool/node.py handle_get_shares, p2pool/p2p.py handle_sharereq) caps the
// parents per hash at 1000 // len(hashes), walks each hash's chain back (stopping at a hash in
// `stops`), and answers 'too long' with no shares when the reply does not fit a frame. We do
// the same, with three differences that bound the work one request can cause:
//   - duplicate hashes collapse (the reference walks the same chain once per copy);
//   - a request naming more than MAX_SHAREREQ_HASHES hashes or MAX_SHAREREQ_STOPS stops is
//     refused as oversized: no honest node names more (p2pool asks for one hash at a time,
//     with at most 100 stops), and the reply could not be more than one share per hash;
//   - the reply's size is counted while it is built and the walk stops as soon as it would
//     pass `max_payload`: nothing larger than that is ever built.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "chain/tracker.hpp"
#include "p2p/messages.hpp"

namespace sharemsg::node {

inline constexpr std::size_t SHAREREQ_SHARE_BUDGET = 1000;  // the 1000 of 1000 // len(hashes)
inline constexpr std::size_t MAX_SHAREREQ_HASHES = 1000;
inline constexpr std::size_t MAX_SHAREREQ_STOPS = 1000;
// Shares in one `shares` or `sharereply` message. The largest reply the reference's cap
// allows is n * (1000 // n + 1) <= 2000 shares (n = 1000 hashes, one parent each); more than
// that in one message is refused before it is decoded.
inline constexpr std::size_t MAX_SHARES_PER_MESSAGE = 2000;

// Why `req` is oversized (the peer is penalized and gets no reply), or nothing.
std::optional<std::string> oversized_sharereq(const p2p::ShareReq& req);

struct BuiltReply {
    p2p::ShareReply reply;
    std::size_t unique_hashes = 0;  // after duplicates collapsed
    std::size_t parents = 0;        // parents per hash after the cap
    std::size_t payload_bytes = 0;  // the reply's encoded payload
};

// The share `id` as it goes on the wire, or nullptr when unknown.
using WireLookup = std::function<const p2p::WrappedShare*(const chain::ShareId&)>;

// The reply to `req` (not oversized) from the shares `tracker` knows. When the reply would
// pass max_payload bytes, it is 'too long' with no shares (the walk stops there).
BuiltReply build_share_reply(const p2p::ShareReq& req, const chain::ShareTracker& tracker,
                             const WireLookup& wire, std::size_t max_payload);

}  // namespace sharemsg::node
