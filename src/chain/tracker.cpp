#include "chain/tracker.hpp"

#include <algorithm>
#include <queue>
#include <tuple>
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
    if (!e.checked) return;
    if (!best_) {
        best_ = e.hash;
        return;
    }
    const Entry& b = items_.at(*best_);
    if (e.cumulative > b.cumulative || (e.cumulative == b.cumulative && e.seq < b.seq))
        best_ = e.hash;
}

void ShareTracker::recompute_best() {
    best_.reset();
    for (const auto& [h, e] : items_)
        consider_best(e);
}

bool ShareTracker::add(const ShareId& hash, const std::optional<ShareId>& prev, Work work) {
    return add_entry(hash, prev, work, TargetFields{}, true, nullptr, nullptr);
}

bool ShareTracker::add(const ShareId& hash, const std::optional<ShareId>& prev, Work work,
                       const TargetFields& target, bool checked, const TargetParams& rules,
                       std::shared_ptr<const GentxAncestor> payout) {
    return add_entry(hash, prev, work, target, checked, &rules, std::move(payout));
}

bool ShareTracker::add_entry(const ShareId& hash, const std::optional<ShareId>& prev, Work work,
                             const TargetFields& target, bool checked, const TargetParams* rules,
                             std::shared_ptr<const GentxAncestor> payout) {
    if (items_.count(hash)) return false;
    Entry e{hash, prev, work, work, next_seq_++, 1, target, !prev, checked, std::move(payout)};
    if (prev) {
        auto p = items_.find(*prev);
        if (p != items_.end()) {
            e.cumulative = p->second.cumulative + work;
            e.height = p->second.height + 1;
            e.rooted = p->second.rooted;
        }
        children_[*prev].push_back(hash);
    }
    items_.emplace(hash, e);
    if (!checked) ++pending_;
    consider_best(items_.at(hash));
    // Shares that arrived before this one (their parent) now extend it.
    if (children_.count(hash)) update_descendants(hash, rules);
    return true;
}

std::vector<RejectedShare> ShareTracker::take_rejected() {
    std::vector<RejectedShare> out;
    out.swap(rejected_);
    return out;
}

void ShareTracker::update_descendants(const ShareId& root, const TargetParams* rules) {
    bool best_removed = false;
    std::vector<ShareId> stack{root};
    while (!stack.empty()) {
        const ShareId h = stack.back();
        stack.pop_back();
        auto kids_it = children_.find(h);
        if (kids_it == children_.end()) continue;
        const std::vector<ShareId> kids = kids_it->second;  // a copy: removals edit the list
        const Entry& parent = items_.at(h);
        const Work base = parent.cumulative;
        const std::uint64_t base_height = parent.height;
        const bool base_rooted = parent.rooted;
        for (const auto& k : kids) {
            auto it = items_.find(k);
            if (it == items_.end()) continue;
            Entry& e = it->second;
            e.cumulative = base + e.work;
            e.height = base_height + 1;
            e.rooted = base_rooted;
            // A pending share is checked once it can be (can_check: the same test, from the
            // parent's figures, without building the window); a share added long before its
            // ancestors is passed over cheaply each time one of them arrives.
            if (!e.checked && rules && (base_rooted || base_height >= rules->chain_length)) {
                // Parents first: its ancestors are already up to date. The clock was checked
                // when it arrived.
                const TargetVerdict v = check_target(e.prev, e.target, *rules);
                FurtherVerdict f;
                if (!v.ok()) {
                    f.deferred = v.rule == TargetRule::deferred;
                    f.rule = to_rule(v.rule);
                    f.reason = std::string(target_rule_name(v.rule)) + ": " + v.reason;
                } else if (further_) {
                    f = further_(k);
                }
                if (!f.deferred && f.rule == Rule::none) {
                    e.checked = true;
                    --pending_;
                } else if (!f.deferred) {
                    RejectedShare r{k, f.rule, std::move(f.reason), remove_subtree(k)};
                    best_removed =
                        best_removed || (best_ && std::find(r.removed.begin(), r.removed.end(),
                                                            *best_) != r.removed.end());
                    rejected_.push_back(std::move(r));
                    continue;
                }
            }
            consider_best(e);
            stack.push_back(k);
        }
    }
    if (best_removed) recompute_best();
}

namespace {

// The chain below a share whose parent is `prev`, as a view of `View`'s shape (parent_height,
// reaches_first_share, window): at most `window` entries, parent first, each what `take`
// reads of an ancestor, stopping at the first one `take` cannot read (nullptr).
template <class View, class Take>
View below(const ShareTracker& t, const std::optional<ShareId>& prev, std::size_t window,
           Take take) {
    View v;
    if (!prev) {
        v.reaches_first_share = true;
        return v;
    }
    const ShareTracker::Entry* e = t.get(*prev);
    if (!e) return v;
    v.parent_height = e->height;
    v.reaches_first_share = e->rooted;
    v.window.reserve(std::min<std::size_t>(window, e->height));
    for (; e && v.window.size() < window; e = e->prev ? t.get(*e->prev) : nullptr) {
        const auto* field = take(*e);
        if (!field) break;
        v.window.push_back(*field);
    }
    return v;
}

}  // namespace

AncestorView ShareTracker::ancestors(const std::optional<ShareId>& prev, std::size_t window) const {
    return below<AncestorView>(*this, prev, window, [](const Entry& e) { return &e.target; });
}

GentxChain ShareTracker::gentx_chain(const std::optional<ShareId>& prev, std::size_t window) const {
    return below<GentxChain>(*this, prev, window, [](const Entry& e) { return e.payout.get(); });
}

TargetVerdict ShareTracker::check_target(const std::optional<ShareId>& prev,
                                         const TargetFields& share, const TargetParams& rules,
                                         std::optional<std::uint64_t> now) const {
    return check_share_target(rules, ancestors(prev, rules.target_lookbehind), share, now);
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

std::optional<ShareId> ShareTracker::most_work() const {
    const Entry* tip = best_ ? &items_.at(*best_) : nullptr;
    for (const auto& [h, e] : items_)
        if (!tip || e.cumulative > tip->cumulative) tip = &e;
    return tip ? std::optional(tip->hash) : std::nullopt;
}

std::size_t ShareTracker::checked_run(const ShareId& tip, std::size_t max) const {
    std::size_t n = 0;
    for (const Entry* e = get(tip); e && e->checked && n < max;
         e = e->prev ? get(*e->prev) : nullptr)
        ++n;
    return n;
}

std::optional<ShareId> ShareTracker::window_gap(std::size_t window) const {
    if (items_.empty() || window == 0) return std::nullopt;
    // The chain with the most work known, checked or not: a pending chain being synced has
    // no best share yet, and its ancestors are what would let it be checked.
    const auto main = chain(*most_work(), window);
    if (main.size() >= window) return std::nullopt;
    const auto& prev = items_.at(main.back()).prev;
    if (!prev || items_.count(*prev) || forgotten_.count(*prev)) return std::nullopt;
    return prev;
}

void ShareTracker::erase_one(const ShareId& hash) {
    auto it = items_.find(hash);
    if (it == items_.end()) return;
    if (it->second.prev) {
        auto sib = children_.find(*it->second.prev);
        if (sib != children_.end()) {
            auto& v = sib->second;
            v.erase(std::remove(v.begin(), v.end(), hash), v.end());
            if (v.empty()) children_.erase(sib);
        }
    }
    if (!it->second.checked) --pending_;
    items_.erase(it);
}

std::vector<ShareId> ShareTracker::remove_subtree(const ShareId& hash) {
    std::vector<ShareId> order{hash};  // parents before children
    for (std::size_t i = 0; i < order.size(); ++i) {
        auto kids = children_.find(order[i]);
        if (kids == children_.end()) continue;
        for (const auto& k : kids->second)
            if (items_.count(k)) order.push_back(k);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        erase_one(*it);
    return order;
}

std::size_t ShareTracker::prune(std::size_t keep) {
    if (items_.empty() || keep == 0) return 0;
    std::unordered_set<ShareId, ShareIdHash> live;
    std::vector<ShareId> dropped;
    auto drop = [&](const ShareId& h) {
        erase_one(h);
        dropped.push_back(h);
    };
    auto childless = [&](const ShareId& h) {
        auto c = children_.find(h);
        return c == children_.end() || c->second.empty();
    };

    if (best_) {
        const auto main = chain(*best_, keep);
        live.insert(main.begin(), main.end());
        // Stale forks below the window, and orphans with less work than it.
        const Work floor = items_.at(main.back()).cumulative;
        std::vector<ShareId> below;
        for (const auto& [h, e] : items_)
            if (!live.count(h) && e.cumulative <= floor) below.push_back(h);
        for (const auto& h : below)
            drop(h);
    }

    // Side branches: rank the heads off the window by work (then first seen).
    using Rank = std::tuple<Work, std::uint64_t>;  // cumulative, arrival
    std::vector<std::pair<Rank, ShareId>> heads;
    for (const auto& [h, e] : items_)
        if (!live.count(h) && childless(h)) heads.push_back({{e.cumulative, e.seq}, h});
    std::sort(heads.begin(), heads.end(), [](const auto& a, const auto& b) {
        const auto& [wa, sa] = a.first;
        const auto& [wb, sb] = b.first;
        return wa != wb ? wa > wb : sa < sb;
    });
    const std::uint64_t recent_from = next_seq_ > keep / 2 ? next_seq_ - keep / 2 : 0;
    // Eats a side branch from its head down to where it joins something kept.
    auto eat = [&](ShareId h, std::size_t max_shares) {
        for (std::size_t n = 0; n < max_shares; ++n) {
            const auto prev = items_.at(h).prev;
            drop(h);
            if (!prev || !items_.count(*prev) || live.count(*prev) || !childless(*prev)) return;
            h = *prev;
        }
    };
    std::vector<ShareId> kept_heads;
    for (std::size_t i = 0; i < heads.size(); ++i) {
        const ShareId& h = heads[i].second;
        if (!items_.count(h)) continue;
        if (i < SIDE_HEADS_KEPT || items_.at(h).seq >= recent_from) {
            kept_heads.push_back(h);
            continue;
        }
        eat(h, items_.size());
    }

    // A hard bound: side heads least work first (the newest first among equals), one share at
    // a time, until at most 2 * keep shares remain.
    const std::size_t cap = 2 * keep;
    if (items_.size() > cap) {
        auto lower = [&](const ShareId& a, const ShareId& b) {  // true: a is eaten after b
            const Entry& ea = items_.at(a);
            const Entry& eb = items_.at(b);
            return ea.cumulative != eb.cumulative ? ea.cumulative > eb.cumulative : ea.seq < eb.seq;
        };
        std::priority_queue<ShareId, std::vector<ShareId>, decltype(lower)> queue(lower);
        for (const auto& h : kept_heads)
            if (items_.count(h)) queue.push(h);
        while (items_.size() > cap && !queue.empty()) {
            const ShareId h = queue.top();
            queue.pop();
            const auto prev = items_.at(h).prev;
            drop(h);
            if (prev && items_.count(*prev) && !live.count(*prev) && childless(*prev))
                queue.push(*prev);
        }
    }

    // Parents of the oldest kept shares were forgotten on purpose: not "missing". Only those
    // still named as a parent need remembering, so the set stays as small as the window.
    for (const auto& h : dropped)
        forgotten_.insert(h);
    for (auto it = forgotten_.begin(); it != forgotten_.end();)
        it = children_.count(*it) ? std::next(it) : forgotten_.erase(it);
    return dropped.size();
}

}  // namespace sharemsg::chain
