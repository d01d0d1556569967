#include "relay/signal_box.hpp"

#include <algorithm>
#include <cmath>

namespace sharemsg::relay {

void SignalBox::drop_expired(std::deque<Held>& q, double now) {
    while (!q.empty() && q.front().expires <= now) {
        --total_;
        bytes_ -= q.front().size;
        ++expired_;
        ++expired_unasked_;
        q.pop_front();
    }
}

SignalBox::Put SignalBox::put(const Signal& s, std::size_t size, double now) {
    const auto digest = signal_sighash(s);
    if (seen_.count(digest)) return Put::replayed;
    auto& q = by_recipient_[s.recipient];
    drop_expired(q, now);
    const SigningId sender = s.sender_id();
    for (auto it = q.begin(); it != q.end(); ++it) {
        if (it->signal.sender_id() != sender || it->signal.session != s.session ||
            it->signal.kind != s.kind)
            continue;
        // A repeat of the sender's signal for this session: the newer one replaces it, at the
        // back (it is the newest).
        if (bytes_ - it->size + size > l_.max_bytes) return Put::full;
        bytes_ = bytes_ - it->size + size;
        q.erase(it);
        q.push_back(Held{s, digest, size, now + l_.ttl});
        return Put::replaced;
    }
    if (q.size() >= l_.per_recipient) return Put::recipient_full;
    const auto from_sender = std::count_if(
        q.begin(), q.end(), [&](const Held& h) { return h.signal.sender_id() == sender; });
    if (static_cast<std::size_t>(from_sender) >= l_.per_sender) return Put::sender_full;
    if (total_ >= l_.max_total || bytes_ + size > l_.max_bytes) {
        if (q.empty()) by_recipient_.erase(s.recipient);
        return Put::full;
    }
    q.push_back(Held{s, digest, size, now + l_.ttl});
    ++total_;
    bytes_ += size;
    return Put::stored;
}

std::vector<Signal> SignalBox::take(const SigningId& recipient, double now, double skew) {
    std::vector<Signal> out;
    auto it = by_recipient_.find(recipient);
    if (it == by_recipient_.end()) return out;
    drop_expired(it->second, now);
    for (auto& h : it->second) {
        // Remembered while a replay of it would pass the freshness window; when the table is
        // full the signal is still delivered (a replay of it would then be stored again).
        if (seen_.size() < l_.max_seen)
            seen_[h.digest] = static_cast<double>(h.signal.timestamp) + skew;
        --total_;
        bytes_ -= h.size;
        out.push_back(std::move(h.signal));
    }
    by_recipient_.erase(it);
    return out;
}

SignalBox::Seen SignalBox::remember(const crypto::Hash256& digest, double until) {
    if (seen_.count(digest)) return Seen::replayed;
    if (seen_.size() >= l_.max_seen) return Seen::full;
    seen_[digest] = until;
    return Seen::fresh;
}

std::size_t SignalBox::sweep(double now) {
    const std::size_t before = expired_;
    for (auto it = by_recipient_.begin(); it != by_recipient_.end();) {
        drop_expired(it->second, now);
        it = it->second.empty() ? by_recipient_.erase(it) : std::next(it);
    }
    std::erase_if(seen_, [&](const auto& kv) { return kv.second < now; });
    return expired_ - before;
}

unsigned SignalBox::retry_after(const SigningId& recipient, double now) const {
    auto it = by_recipient_.find(recipient);
    if (it == by_recipient_.end() || it->second.empty()) return 1;
    return static_cast<unsigned>(std::max(1.0, std::ceil(it->second.front().expires - now)));
}

}  // namespace sharemsg::relay
