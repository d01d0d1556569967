#include "chain/tracker.hpp"

#include <algorithm>
#include <unordered_set>

namespace sharemsg::chain {

std::size_t ShareIdHash::operator()(const ShareId& h) const noexcept {
    std::size_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | h[static_cast<std::size_t>(i)];
    return v;
}

const ShareTracker::Entry* ShareTracker::get(const ShareId& hash) const {
    auto it = items_.find(hash);
    return it == items_.end() ? nullptr : &it->second;
}

void ShareTracker::consider_best(const Entry& e) {
    if (!best_) {
        best_ = e.hash;
        return;
    }
    const Entry& b = items_.at(*best_);
    if (e.cumulative > b.cumulative || (e.cumulative == b.cumulative && e.seq < b.seq))
        best_ = e.hash;
}

bool ShareTracker::add(const ShareId& hash, const std::optional<ShareId>& prev, Work work) {
    if (items_.count(hash)) return false;
    Entry e{hash, prev, work, work, next_seq_++, 1};
    if (prev) {
        auto p = items_.find(*prev);
        if (p != items_.end()) {
            e.cumulative = p->second.cumulative + work;
            e.height = p->second.height + 1;
        }
        children_[*prev].push_back(hash);
    }
    items_.emplace(hash, e);
    consider_best(items_.at(hash));
    // Shares that arrived before this one (their parent) now extend it.
    if (children_.count(hash)) update_descendants(hash);
    return true;
}

void ShareTracker::update_descendants(const ShareId& root) {
    std::vector<ShareId> stack{root};
    while (!stack.empty()) {
        const ShareId h = stack.back();
        stack.pop_back();
        auto kids = children_.find(h);
        if (kids == children_.end()) continue;
        const Entry& parent = items_.at(h);
        const Work base = parent.cumulative;
        const std::uint64_t base_height = parent.height;
        for (const auto& k : kids->second) {
            auto it = items_.find(k);
            if (it == items_.end()) continue;
            it->second.cumulative = base + it->second.work;
            it->second.height = base_height + 1;
            consider_best(it->second);
            stack.push_back(k);
        }
    }
}

std::vector<ShareId> ShareTracker::chain(const ShareId& tip, std::size_t max) const {
    std::vector<ShareId> out;
    const Entry* e = get(tip);
    while (e && out.size() < max) {
        out.push_back(e->hash);
        e = e->prev ? get(*e->prev) : nullptr;
    }
    return out;
}

std::size_t ShareTracker::height(const ShareId& hash) const {
    const Entry* e = get(hash);
    return e ? static_cast<std::size_t>(e->height) : 0;
}

std::vector<ShareId> ShareTracker::missing_parents() const {
    std::vector<ShareId> out;
    for (const auto& [parent, kids] : children_)
        if (!items_.count(parent) && !forgotten_.count(parent)) out.push_back(parent);
    return out;
}

std::optional<ShareId> ShareTracker::window_gap(std::size_t window) const {
    if (!best_ || window == 0) return std::nullopt;
    const auto main = chain(*best_, window);
    if (main.size() >= window) return std::nullopt;
    const auto& prev = items_.at(main.back()).prev;
    if (!prev || items_.count(*prev) || forgotten_.count(*prev)) return std::nullopt;
    return prev;
}

std::size_t ShareTracker::prune(std::size_t keep) {
    if (!best_) return 0;
    const auto main = chain(*best_, keep);
    std::unordered_set<ShareId, ShareIdHash> live(main.begin(), main.end());
    // Keep side branches that fork from inside the kept window (a competing tip may win).
    const Work floor = items_.at(main.back()).cumulative;
    std::vector<ShareId> drop;
    for (const auto& [h, e] : items_)
        if (!live.count(h) && e.cumulative <= floor) drop.push_back(h);
    for (const auto& h : drop) {
        auto it = items_.find(h);
        if (it->second.prev) {
            auto& sib = children_[*it->second.prev];
            sib.erase(std::remove(sib.begin(), sib.end(), h), sib.end());
            if (sib.empty()) children_.erase(*it->second.prev);
        }
        items_.erase(it);
    }
    // Parents of the oldest kept shares were forgotten on purpose: not "missing". Only those
    // still named as a parent need remembering, so the set stays as small as the window.
    for (const auto& h : drop)
        forgotten_.insert(h);
    for (auto it = forgotten_.begin(); it != forgotten_.end();)
        it = children_.count(*it) ? std::next(it) : forgotten_.erase(it);
    return drop.size();
}

}  // namespace sharemsg::chain
