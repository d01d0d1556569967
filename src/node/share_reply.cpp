#include "node/share_reply.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "chain/pack.hpp"

namespace sharemsg::node {

namespace {

chain::ShareId to_id(const chain::Uint256& u) {
    chain::ShareId h{};
    std::copy(u.begin(), u.end(), h.begin());
    return h;
}

// Bytes of one share_type entry: VarInt type, VarStr contents.
std::size_t wire_size(const p2p::WrappedShare& s) {
    return chain::var_int_size(s.type) + chain::var_int_size(s.contents.size()) + s.contents.size();
}

// id (32), result (VarInt), the share list's count (VarInt) and its entries.
std::size_t reply_size(std::uint64_t result, std::size_t count, std::size_t entries) {
    return 32 + chain::var_int_size(result) + chain::var_int_size(count) + entries;
}

}  // namespace

std::optional<std::string> oversized_sharereq(const p2p::ShareReq& req) {
    if (req.hashes.size() > MAX_SHAREREQ_HASHES)
        return "sharereq names " + std::to_string(req.hashes.size()) + " hashes; at most " +
               std::to_string(MAX_SHAREREQ_HASHES) + " are answered";
    if (req.stops.size() > MAX_SHAREREQ_STOPS)
        return "sharereq names " + std::to_string(req.stops.size()) + " stops; at most " +
               std::to_string(MAX_SHAREREQ_STOPS) + " are read";
    return std::nullopt;
}

BuiltReply build_share_reply(const p2p::ShareReq& req, const chain::ShareTracker& tracker,
                             const WireLookup& wire, std::size_t max_payload) {
    BuiltReply out;
    out.reply.id = req.id;
    out.reply.result = p2p::sharereply_result::good;
    // Duplicates collapse; the first occurrence keeps its place.
    std::vector<chain::ShareId> hashes;
    {
        std::set<chain::ShareId> seen;
        for (const auto& h : req.hashes)
            if (seen.insert(to_id(h)).second) hashes.push_back(to_id(h));
    }
    out.unique_hashes = hashes.size();
    std::set<chain::ShareId> stops;
    for (const auto& s : req.stops)
        stops.insert(to_id(s));
    if (!hashes.empty())
        out.parents = static_cast<std::size_t>(
            std::min<std::uint64_t>(req.parents, SHAREREQ_SHARE_BUDGET / hashes.size()));
    // First the shares and the size they add up to, stopping once over the budget; then the
    // copies, only for a reply that fits.
    std::vector<const p2p::WrappedShare*> picked;
    std::size_t entries = 0;
    bool too_long = false;
    for (const auto& h : hashes) {
        for (const auto& id : tracker.chain(h, out.parents + 1)) {
            if (stops.count(id)) break;
            const auto* s = wire(id);
            if (!s) break;
            entries += wire_size(*s);
            picked.push_back(s);
            if (reply_size(out.reply.result, picked.size(), entries) > max_payload) {
                too_long = true;
                break;
            }
        }
        if (too_long) break;
    }
    if (too_long) {
        out.reply.result = p2p::sharereply_result::too_long;
        picked.clear();
        entries = 0;
    }
    out.reply.shares.reserve(picked.size());
    for (const auto* s : picked)
        out.reply.shares.push_back(*s);
    out.payload_bytes = reply_size(out.reply.result, picked.size(), entries);
    return out;
}

}  // namespace sharemsg::node
