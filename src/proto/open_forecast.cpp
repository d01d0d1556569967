#include "proto/open_forecast.hpp"

#include <algorithm>

namespace sharemsg::proto::open {

QueuedWeight weight_of(std::uint8_t msg_type, std::size_t wire_payload, bool to_recipient) {
    std::optional<SigningId> recipient;
    if (to_recipient) recipient = SigningId{};
    std::uint8_t flags = FLAG_BROADCAST | FLAG_PERSISTENT | FLAG_HAS_SIGNATURE;
    if (to_recipient) flags |= FLAG_PRIVATE;
    OpenMessage m = make_open_message(msg_type, Bytes(wire_payload, 0), 0, flags, recipient);
    m.signature.assign(MAX_SIGNATURE, 0);
    QueuedWeight w;
    auto pieces = split_fragments(m, 0);
    if (!pieces) {  // too long to send at all: as heavy as it is
        w.mwu = mwu(m);
        w.bytes = m.encoded_size();
        return w;
    }
    w.pieces = static_cast<std::uint8_t>(pieces->size());
    for (const auto& p : *pieces) {
        w.mwu += mwu(p);
        w.bytes += p.encoded_size();
    }
    return w;
}

const char* hold_name(Hold h) {
    switch (h) {
        case Hold::none:
            return "next_share";
        case Hold::budget:
            return "budget";
        case Hold::share_limits:
            return "share_limits";
        case Hold::fragments:
            return "fragments";
        case Hold::behind:
            return "behind";
    }
    return "unknown";
}

std::vector<Forecast> forecast_queue(const Ledger& tip, const AddressHash& sender,
                                     std::span<const QueuedWeight> queue, const ForecastParams& p) {
    std::vector<Forecast> out(queue.size());
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
        // In the next share: why the first entry left out stays, and what follows it.
        auto hold = [&](Hold why) {
            if (k != 1) return;
            out[next].hold = why;
            const bool fragmented = queue[next].pieces > 1;
            for (std::size_t j = next + 1; j < queue.size(); ++j)
                out[j].hold = fragmented ? Hold::fragments : Hold::behind;
        };
        while (next < queue.size()) {
            const QueuedWeight& q = queue[next];
            if (q.pieces > 1) {
                // Alone, one fragment per share, started only when the budget covers them all.
                if (taken > 0) {
                    hold(Hold::share_limits);
                    break;
                }
                if (piece == 0 && q.mwu > avail) {
                    hold(Hold::budget);
                    break;
                }
                spend((q.mwu + q.pieces - 1) / q.pieces);
                if (++piece == q.pieces) {
                    out[next++].share = k;
                    piece = 0;
                } else {
                    hold(Hold::none);  // its next fragment goes; those behind it wait
                }
                break;
            }
            if (taken >= PACK_MAX_MESSAGES || bytes + q.bytes > PACK_MAX_BYTES ||
                share_mwu + q.mwu > MAX_MWU_PER_SHARE) {
                hold(Hold::share_limits);
                break;
            }
            if (q.charged && q.mwu > avail) {
                hold(Hold::budget);
                break;
            }
            if (q.charged)
                spend(q.mwu);
            else
                share_mwu += q.mwu;
            bytes += q.bytes;
            ++taken;
            out[next++].share = k;
        }
    }
    return out;
}

}  // namespace sharemsg::proto::open
