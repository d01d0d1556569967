#include "node/peer_directory.hpp"

#include <algorithm>

namespace sharemsg::node {

void PeerDirectory::put(KnownPeer p) {
    std::lock_guard lk(mu_);
    sweep(p.fetched);
    const auto sid = p.registration.signing_id();
    const auto master = p.registration.master_hash();
    misses_.erase(PeerQuery{PeerQuery::By::identity, sid});
    misses_.erase(PeerQuery{PeerQuery::By::miner, master});
    auto& held = by_master_[master];
    const auto current = peers_.find(held);
    if (current == peers_.end() ||
        std::pair(current->second.registration.key_index, current->second.registration.timestamp) <=
            std::pair(p.registration.key_index, p.registration.timestamp))
        held = sid;
    peers_[sid] = std::move(p);
    while (peers_.size() > max_) {
        auto soonest = std::min_element(peers_.begin(), peers_.end(), [](auto& a, auto& b) {
            return a.second.expires < b.second.expires;
        });
        const auto m = soonest->second.registration.master_hash();
        if (auto it = by_master_.find(m); it != by_master_.end() && it->second == soonest->first)
            by_master_.erase(it);
        peers_.erase(soonest);
    }
}

std::optional<KnownPeer> PeerDirectory::find(const PeerQuery& q, double now) const {
    std::lock_guard lk(mu_);
    relay::SigningId sid = q.id;
    if (q.by == PeerQuery::By::miner) {
        const auto m = by_master_.find(q.id);
        if (m == by_master_.end()) return std::nullopt;
        sid = m->second;
    }
    const auto it = peers_.find(sid);
    if (it == peers_.end() || it->second.expires <= now) return std::nullopt;
    return it->second;
}

void PeerDirectory::miss(const PeerQuery& q, double until) {
    std::lock_guard lk(mu_);
    misses_[q] = until;
    while (misses_.size() > max_) {
        auto soonest = std::min_element(misses_.begin(), misses_.end(),
                                        [](auto& a, auto& b) { return a.second < b.second; });
        misses_.erase(soonest);
    }
}

bool PeerDirectory::missed(const PeerQuery& q, double now) const {
    std::lock_guard lk(mu_);
    const auto it = misses_.find(q);
    return it != misses_.end() && it->second > now;
}

std::vector<KnownPeer> PeerDirectory::live(double now) const {
    std::lock_guard lk(mu_);
    std::vector<KnownPeer> out;
    for (const auto& [id, p] : peers_)
        if (p.expires > now) out.push_back(p);
    return out;
}

std::size_t PeerDirectory::size() const {
    std::lock_guard lk(mu_);
    return peers_.size();
}

void PeerDirectory::sweep(double now) {
    for (auto it = peers_.begin(); it != peers_.end();) {
        if (it->second.expires > now) {
            ++it;
            continue;
        }
        const auto m = it->second.registration.master_hash();
        if (auto bm = by_master_.find(m); bm != by_master_.end() && bm->second == it->first)
            by_master_.erase(bm);
        it = peers_.erase(it);
    }
    std::erase_if(misses_, [&](const auto& kv) { return kv.second <= now; });
}

nlohmann::ordered_json PeerDirectory::to_json(const KnownPeer& p) {
    const auto& r = p.registration;
    nlohmann::ordered_json j;
    j["signing_id"] = to_hex(r.signing_id());
    j["signing_pubkey"] = to_hex(r.signing_pubkey);
    j["master_hash"] = to_hex(r.master_hash());
    j["key_index"] = r.key_index;
    auto eps = nlohmann::ordered_json::array();
    for (const auto& e : r.endpoints)
        eps.push_back(e.to_string());
    j["endpoints"] = std::move(eps);
    j["nat"] = relay::nat_name(r.nat);
    j["last_seen"] = r.timestamp;
    j["source"] = p.source;
    j["fetched"] = p.fetched;
    j["expires"] = p.expires;
    return j;
}

}  // namespace sharemsg::node
