#include "gossip/peer_table.hpp"

#include <algorithm>

namespace sharemsg::gossip {

namespace {

bool older_than(std::uint64_t then, std::uint64_t now, std::uint64_t ttl) {
    return now > then && now - then > ttl;
}

}  // namespace

const char* verdict_name(Verdict v) noexcept {
    switch (v) {
        case Verdict::accepted:
            return "accepted";
        case Verdict::wrong_network:
            return "wrong_network";
        case Verdict::clock_skew:
            return "clock_skew";
        case Verdict::unauthorized:
            return "unauthorized";
        case Verdict::bad_delegation:
            return "bad_delegation";
        case Verdict::bad_signature:
            return "bad_signature";
        case Verdict::stale_version:
            return "stale_version";
        case Verdict::key_superseded:
            return "key_superseded";
    }
    return "unknown";
}

std::int32_t initial_score(SourceMask sources) noexcept {
    if (sources & bit(Source::direct)) return SCORE_DIRECT;
    if (sources & bit(Source::gossip)) return SCORE_GOSSIP;
    if (sources & bit(Source::relay)) return SCORE_RELAY;
    return SCORE_CACHE;
}

Verdict check(const Announce& a, const NetworkId& network, std::uint64_t now,
              const Authorizer& authorized, std::uint64_t max_skew) {
    if (a.network != network) return Verdict::wrong_network;
    const std::uint64_t skew = a.timestamp > now ? a.timestamp - now : now - a.timestamp;
    if (skew > max_skew) return Verdict::clock_skew;
    if (!authorized || !authorized(a.master_hash(), a.signing_id())) return Verdict::unauthorized;
    if (!delegation_ok(a)) return Verdict::bad_delegation;
    if (!signature_ok(a)) return Verdict::bad_signature;
    return Verdict::accepted;
}

PeerTable::PeerTable(const NetworkId& network, std::uint64_t now, Limits limits)
    : network_(network), limits_(limits), counter_(now << 20) {}

Verdict PeerTable::accept(const Announce& a, std::uint64_t now, const Authorizer& authorized) {
    if (const Verdict v = check(a, network_, now, authorized, limits_.max_skew);
        v != Verdict::accepted)
        return v;
    return apply(a, now);
}

Verdict PeerTable::admit(const Announce& a) {
    const SigningId id = a.signing_id();
    if (auto it = peers_.find(id); it != peers_.end() && a.version <= it->second.announce.version)
        return Verdict::stale_version;
    const MasterHash master = a.master_hash();
    for (const auto& [other, p] : peers_)
        if (other != id && p.announce.master_hash() == master && p.announce.key_index > a.key_index)
            return Verdict::key_superseded;
    // The master moved to this key: its older keys go.
    for (auto it = peers_.begin(); it != peers_.end();) {
        const auto next = std::next(it);
        if (it->first != id && it->second.announce.master_hash() == master) erase(it);
        it = next;
    }
    return Verdict::accepted;
}

Verdict PeerTable::apply(const Announce& a, std::uint64_t now, Source source) {
    if (const Verdict v = admit(a); v != Verdict::accepted) return v;
    const Peer* held = find(a.signing_id());
    std::vector<EndpointState> eps;
    for (const auto& e : a.endpoints) {
        if (eps.size() == limits_.max_endpoints) break;
        EndpointState s{e, initial_score(bit(source)), bit(source), now, 0};
        if (held) {
            auto old = std::find_if(held->endpoints.begin(), held->endpoints.end(),
                                    [&](const EndpointState& o) { return o.endpoint == e; });
            if (old != held->endpoints.end()) {
                s = *old;
                s.sources |= bit(source);
                s.last_seen = now;
            }
        }
        eps.push_back(s);
    }
    // Endpoints seen working directly stay while there is room.
    if (held)
        for (const auto& o : held->endpoints)
            if (eps.size() < limits_.max_endpoints && (o.sources & bit(Source::direct)) &&
                std::none_of(eps.begin(), eps.end(),
                             [&](const EndpointState& s) { return s.endpoint == o.endpoint; }))
                eps.push_back(o);
    store(a, std::move(eps), now);
    return Verdict::accepted;
}

Verdict PeerTable::restore(const Announce& a, std::vector<EndpointState> endpoints,
                           std::uint64_t updated) {
    if (const Verdict v = admit(a); v != Verdict::accepted) return v;
    if (endpoints.size() > limits_.max_endpoints) endpoints.resize(limits_.max_endpoints);
    for (auto& s : endpoints)
        s.sources |= bit(Source::cache);
    store(a, std::move(endpoints), updated);
    return Verdict::accepted;
}

void PeerTable::store(const Announce& a, std::vector<EndpointState> endpoints,
                      std::uint64_t updated) {
    const SigningId id = a.signing_id();
    auto it = peers_.find(id);
    const std::size_t old = it == peers_.end() ? 0 : it->second.endpoints.size();
    make_room(id, peers_.size() + (it == peers_.end() ? 1 : 0), entries_ - old + endpoints.size());
    Peer& p = peers_[id];
    entries_ = entries_ - p.endpoints.size() + endpoints.size();
    p.announce = a;
    p.endpoints = std::move(endpoints);
    p.updated = updated;
    p.change = ++counter_;
}

void PeerTable::make_room(const SigningId& keep, std::size_t identities, std::size_t entries) {
    while (identities > limits_.max_identities || entries > limits_.max_entries) {
        auto lru = peers_.end();
        for (auto it = peers_.begin(); it != peers_.end(); ++it) {
            if (it->first == keep) continue;
            if (lru == peers_.end() || it->second.updated < lru->second.updated ||
                (it->second.updated == lru->second.updated &&
                 it->second.change < lru->second.change))
                lru = it;
        }
        if (lru == peers_.end()) return;
        --identities;
        entries -= lru->second.endpoints.size();
        erase(lru);
    }
}

void PeerTable::erase(std::map<SigningId, Peer>::iterator it) {
    entries_ -= it->second.endpoints.size();
    peers_.erase(it);
}

bool PeerTable::record_result(const SigningId& id, const Endpoint& e, bool success,
                              std::uint64_t now) {
    auto it = peers_.find(id);
    if (it == peers_.end()) return false;
    auto& eps = it->second.endpoints;
    auto s = std::find_if(eps.begin(), eps.end(),
                          [&](const EndpointState& o) { return o.endpoint == e; });
    if (s != eps.end()) {
        if (success) {
            s->score = std::min(SCORE_MAX, s->score + SCORE_SUCCESS);
            s->failures = 0;
            s->last_seen = now;
            s->sources |= bit(Source::direct);
        } else {
            s->score /= 2;
            ++s->failures;
        }
        return true;
    }
    if (!success) return false;
    const EndpointState fresh{e, SCORE_DIRECT, bit(Source::direct), now, 0};
    if (eps.size() >= limits_.max_endpoints) {
        // Full: the new one replaces the worst (lowest score, then least recently seen).
        auto worst = std::min_element(
            eps.begin(), eps.end(), [](const EndpointState& x, const EndpointState& y) {
                return x.score != y.score ? x.score < y.score : x.last_seen < y.last_seen;
            });
        *worst = fresh;
        return true;
    }
    make_room(id, peers_.size(), entries_ + 1);
    if (entries_ + 1 > limits_.max_entries) return false;
    it->second.endpoints.push_back(fresh);
    ++entries_;
    return true;
}

std::vector<EndpointState> PeerTable::best_endpoints(const SigningId& id, std::size_t n) const {
    const Peer* p = find(id);
    if (!p) return {};
    std::vector<EndpointState> out = p->endpoints;
    std::stable_sort(out.begin(), out.end(), [](const EndpointState& x, const EndpointState& y) {
        return x.score != y.score ? x.score > y.score : x.last_seen > y.last_seen;
    });
    if (out.size() > n) out.resize(n);
    return out;
}

std::size_t PeerTable::expire(std::uint64_t now) {
    std::size_t dropped = 0;
    for (auto it = peers_.begin(); it != peers_.end();) {
        const auto next = std::next(it);
        if (older_than(it->second.updated, now, limits_.hard_ttl)) {
            erase(it);
            ++dropped;
        }
        it = next;
    }
    return dropped;
}

bool PeerTable::is_stale(const SigningId& id, std::uint64_t now) const {
    const Peer* p = find(id);
    return p && older_than(p->updated, now, limits_.soft_ttl);
}

std::vector<SigningId> PeerTable::stale(std::uint64_t now) const {
    std::vector<const Peer*> old;
    for (const auto& [id, p] : peers_)
        if (older_than(p.updated, now, limits_.soft_ttl)) old.push_back(&p);
    std::sort(old.begin(), old.end(),
              [](const Peer* x, const Peer* y) { return x->updated < y->updated; });
    std::vector<SigningId> out;
    for (const Peer* p : old)
        out.push_back(p->announce.signing_id());
    return out;
}

DeltaPage PeerTable::deltas_since(std::uint64_t cursor, std::size_t max_bytes) const {
    max_bytes = std::max(max_bytes, MAX_ANNOUNCE_SIZE);
    if (cursor > counter_) cursor = 0;
    std::vector<const Peer*> changed;
    for (const auto& [id, p] : peers_)
        if (p.change > cursor) changed.push_back(&p);
    std::sort(changed.begin(), changed.end(),
              [](const Peer* x, const Peer* y) { return x->change < y->change; });
    DeltaPage page;
    page.cursor = counter_;
    std::size_t used = 0;
    for (const Peer* p : changed) {
        const std::size_t size = announce_size(p->announce);
        if (used + size > max_bytes || page.announces.size() == 255) {
            page.more = true;
            page.cursor =
                page.announces.empty() ? cursor : changed[page.announces.size() - 1]->change;
            break;
        }
        page.announces.push_back(p->announce);
        used += size;
    }
    return page;
}

const Peer* PeerTable::find(const SigningId& id) const {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : &it->second;
}

}  // namespace sharemsg::gossip
