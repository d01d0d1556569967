#include "proto/open_forecast.hpp"

#include <algorithm>

namespace sharemsg::proto::open {

std::vector<std::optional<std::size_t>> forecast_queue(const Ledger& tip, const AddressHash& sender,
                                                       std::span<const QueuedWeight> queue,
                                                       const ForecastParams& p) {
    std::vector<std::optional<std::size_t>> out(queue.size());
    auto events = tip.budget_events(sender);
    const bool enforce = tip.config().enforce_mwu;
    const double first_share = tip.first_share_time().value_or(0);
    std::size_t next = 0;   // the queue entry at the head
    std::size_t piece = 0;  // fragments of the head entry already carried
    for (std::size_t k = 1; k <= p.max_shares && next < queue.size(); ++k) {
        const double elapsed = static_cast<double>(k - 1) * p.share_interval;
        const auto t = static_cast<std::uint32_t>(std::min(4294967295.0, p.now + elapsed));
        const double floor = p.window_full ? first_share + elapsed : 0;
        events.earned.push_back({t, p.earns});
        // What counts at share time t (docs/protocol.md §7.3), within the window.
        auto sum = [&](const std::vector<Ledger::Event>& v) {
            std::uint64_t s = 0;
            for (const auto& e : v)
                if (std::uint64_t{e.time} + ROLLING_MWU_WINDOW > t && e.time >= floor) s += e.mwu;
            return s;
        };
        std::uint64_t avail = ~std::uint64_t{0};
        if (enforce) {
            const std::uint64_t cap = std::min<std::uint64_t>(sum(events.earned), MAX_MWU_PER_HOUR);
            const std::uint64_t spent = sum(events.spent);
            avail = cap > spent ? cap - spent : 0;
        }
        const bool announce = k == 1 && p.announce_first;
        std::uint64_t share_mwu = announce ? MWU_ANNOUNCEMENT : 0;
        std::size_t bytes = HEADER_SIZE + 2 + (announce ? ANNOUNCEMENT_SIZE : 0);
        std::size_t taken = 0;
        auto spend = [&](std::uint32_t w) {
            events.spent.push_back({t, w});
            avail -= std::min<std::uint64_t>(avail, w);
            share_mwu += w;
        };
        while (next < queue.size()) {
            const QueuedWeight& q = queue[next];
            if (q.pieces > 1) {
                // Alone, one fragment per share, started only when the budget covers them all.
                if (taken > 0 || (piece == 0 && q.mwu > avail)) break;
                const std::uint32_t w = (q.mwu + q.pieces - 1) / q.pieces;
                spend(w);
                if (++piece == q.pieces) {
                    out[next++] = k;
                    piece = 0;
                }
                break;
            }
            if (taken >= PACK_MAX_MESSAGES || bytes + q.bytes > PACK_MAX_BYTES ||
                share_mwu + q.mwu > MAX_MWU_PER_SHARE || q.mwu > avail)
                break;
            spend(q.mwu);
            bytes += q.bytes;
            ++taken;
            out[next++] = k;
        }
    }
    return out;
}

}  // namespace sharemsg::proto::open
