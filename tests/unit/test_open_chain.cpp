// The open profile's verdicts are a function of the chain (ChainLedger): unit cases, and a
// property test over random share trees delivered to independent nodes in different orders,
// with forks, reorgs and restarts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "chain/tracker.hpp"
#include "open_test_util.hpp"
#include "proto/open_chain.hpp"
#include "proto/open_private.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;
using sharemsg::proto::ShareHash;

namespace {

constexpr std::uint32_t T = 1700000000;

// A share of a generated tree.
struct TestShare {
    ShareContext ctx;  // height is set by each node from its own tracker
    std::optional<ShareHash> parent;
    std::uint64_t work = 1;
    Envelope env;
};

ShareHash hash_of(std::uint32_t n) {
    ShareHash h{};
    for (std::size_t i = 0; i < 4; ++i)
        h[i] = static_cast<std::uint8_t>(n >> (8 * i));
    h[31] = 0xc5;
    return h;
}

// What a chain's shown shares deliver: (share, signing id, payload, timestamp) per message.
using Delivered = std::set<std::tuple<ShareHash, proto::SigningId, Bytes, std::uint32_t>>;
// The key registry: (signing id, index, address, first share, revoked).
using Registry =
    std::set<std::tuple<proto::SigningId, std::uint32_t, AddressHash, ShareHash, bool>>;

Registry registry_of(const Ledger& l) {
    Registry r;
    for (const auto& k : l.keys())
        r.emplace(k.signing_id, k.key_index, k.address_hash, k.first_seen_share, k.revoked);
    return r;
}

// One node: a tracker of the shares it has, and the ledger it follows them with.
class SimNode {
  public:
    SimNode(const std::map<ShareHash, TestShare>& all, LedgerConfig cfg, std::size_t window,
            std::size_t show)
        : all_(all), cfg_(std::move(cfg)), window_(window), show_(show) {
        restart();
    }

    void receive(const ShareHash& h) {
        const TestShare& s = all_.at(h);
        if (!tracker_.add(h, s.parent, s.work)) return;
        follow();
    }

    // A restart: the shares stay (the share log), the ledger starts empty.
    void restart() {
        ledger_ = std::make_unique<proto::open::ChainLedger>(cfg_, window_);
        if (tracker_.best()) follow();
    }

    std::optional<ShareHash> best() const { return tracker_.best(); }

    Delivered delivered() const { return delivered_of(*ledger_, chain_); }
    Registry registry() const { return registry_of(ledger_->tip()); }
    std::size_t waiting() const { return waiting_; }

    // What a fresh ledger makes of this node's best chain alone, in one pass.
    std::pair<Delivered, Registry> from_scratch() const {
        ChainLedger fresh(cfg_, window_);
        fresh.follow(full_, rooted_, show_);
        return {delivered_of(fresh, chain_), registry_of(fresh.tip())};
    }

    static Delivered delivered_of(const ChainLedger& l, const std::vector<ChainLink>& chain) {
        Delivered d;
        for (const auto& link : chain)
            if (const auto* v = l.verdict(link.share.share_hash))
                for (const auto& m : v->messages)
                    d.emplace(link.share.share_hash, *m.signing_id, m.payload, m.timestamp);
        return d;
    }

  private:
    void follow() {
        const auto ids = tracker_.chain(*tracker_.best(), show_ + window_ - 1);
        chain_.clear();
        for (const auto& id : ids) {
            ChainLink link;
            link.share = all_.at(id).ctx;
            link.share.height = tracker_.height(id);
            link.envelope = &all_.at(id).env;
            chain_.push_back(link);
        }
        rooted_ = !all_.at(ids.back()).parent;
        waiting_ = ledger_->follow(chain_, rooted_, show_).waiting;
        full_ = chain_;
        chain_.resize(std::min(chain_.size(), show_));
    }

    const std::map<ShareHash, TestShare>& all_;
    LedgerConfig cfg_;
    std::size_t window_, show_;
    chain::ShareTracker tracker_;
    std::unique_ptr<ChainLedger> ledger_;
    std::vector<ChainLink> full_;   // the best chain as far as followed, newest first
    std::vector<ChainLink> chain_;  // its shown part
    bool rooted_ = false;
    std::size_t waiting_ = 0;
};

// A random tree of shares paid to a few parties, carrying announcements (with a rotation),
// whole and private messages, fragments and sacrifice tags.
class TreeGen {
  public:
    explicit TreeGen(std::uint64_t seed) : rng_(seed) {
        parties_ = {party(kMaster1, 0), party(kMaster1, 1), party(kMaster2, 0),
                    party(kMasterEvil, 0)};
        sacrifice_ = party(kMasterEvil, 5).address();
    }

    const AddressHash& sacrifice_address() const { return sacrifice_; }

    std::map<ShareHash, TestShare> make(std::uint32_t n) {
        std::map<ShareHash, TestShare> out;
        std::vector<ShareHash> order;
        std::map<ShareHash, std::uint32_t> depth;
        for (std::uint32_t i = 0; i < n; ++i) {
            TestShare s;
            const ShareHash h = hash_of(i);
            std::uint32_t d = 0;
            if (i > 0) {
                // Mostly extend one of the newest shares; sometimes fork from further back.
                const std::size_t back =
                    pick(10) < 8 ? pick(3) : pick(std::min<std::size_t>(order.size(), 25));
                const ShareHash& p = order[order.size() - 1 - std::min(back, order.size() - 1)];
                s.parent = p;
                d = depth.at(p) + 1;
            }
            depth[h] = d;
            s.work = 1 + pick(4);
            s.ctx.share_hash = h;
            s.ctx.share_timestamp = T + d * 5 + static_cast<std::uint32_t>(pick(4));
            const bool sacrifice = pick(12) == 0;
            const std::size_t payer = pick(parties_.size());
            s.ctx.payout_pubkey_hash = sacrifice ? sacrifice_ : parties_[payer].address();
            fill(s, payer, sacrifice);
            out.emplace(h, std::move(s));
            order.push_back(h);
        }
        return out;
    }

  private:
    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    void fill(TestShare& s, std::size_t payer, bool sacrifice) {
        const std::uint32_t t = s.ctx.share_timestamp;
        // The rotated key (index 1) is announced only after a while, so that index 0 is
        // revoked part-way through the tree.
        if (!sacrifice && pick(4) == 0 && (payer != 1 || t > T + 300))
            s.env.announcement = parties_[payer].ann;
        if (sacrifice && pick(2) == 0) s.env.sacrifice_tag = parties_[pick(parties_.size())].id();
        const std::size_t k = pick(4);
        for (std::size_t j = 0; j < k; ++j) {
            const Party& from = parties_[pick(parties_.size())];
            const std::uint32_t ts = t - static_cast<std::uint32_t>(pick(120));
            const std::string body = "m" + std::to_string(counter_++) + std::string(pick(150), 'x');
            if (pick(6) == 0) {
                // A copy of an earlier message (a replay or a resend).
                if (!sent_.empty()) s.env.messages.push_back(sent_[pick(sent_.size())]);
                continue;
            }
            if (pick(8) == 0) {
                const Party& to = parties_[pick(parties_.size())];
                proto::open::GcmNonce gn{};
                gn[0] = static_cast<std::uint8_t>(counter_);
                gn[1] = static_cast<std::uint8_t>(counter_ >> 8);
                auto pm = make_private_message(proto::MSG_MINER_MESSAGE, as_bytes(body), ts,
                                               from.key, from.address(), to.key.pubkey(), kNet, gn);
                if (pm) s.env.messages.push_back(*pm);
                continue;
            }
            s.env.messages.push_back(signed_msg(from, body, ts));
            sent_.push_back(s.env.messages.back());
        }
        // Fragments of a long message by the payer, one or two per share, in order.
        if (!sacrifice && pick(5) == 0) {
            auto& f = fragments_[payer];
            if (f.empty()) {
                const OpenMessage whole = signed_msg(
                    parties_[payer], std::string(500, 'f') + std::to_string(counter_++), t);
                auto pieces = split_fragments(whole, static_cast<std::uint32_t>(counter_));
                if (pieces) f.assign(pieces->begin(), pieces->end());
            }
            for (std::size_t j = 0; j < 2 && !f.empty() && s.env.messages.size() < 4; ++j) {
                s.env.messages.push_back(f.front());
                f.erase(f.begin());
            }
        }
    }

    std::mt19937_64 rng_;
    std::vector<Party> parties_;
    AddressHash sacrifice_{};
    std::vector<OpenMessage> sent_;
    std::map<std::size_t, std::vector<OpenMessage>> fragments_;
    std::uint64_t counter_ = 0;
};

std::uint64_t test_seed() {
    if (const char* s = std::getenv("SHAREMSG_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

ChainLink link_of(const ShareContext& ctx, const Envelope* env) {
    ChainLink l;
    l.share = ctx;
    l.envelope = env;
    return l;
}

}  // namespace

TEST(OpenChain, KeysCountOnlyWithinTheWindow) {
    const Party a = party(kMaster1, 0);
    Envelope ann;
    ann.announcement = a.ann;
    Envelope msg;
    msg.messages.push_back(signed_msg(a, "hello", T + 50));
    // Five shares paying a: the announcement in the first, the message in the fifth.
    std::vector<ShareContext> s;
    for (std::uint64_t h = 1; h <= 5; ++h)
        s.push_back(share(h, a.address(), T + static_cast<std::uint32_t>(h) * 10));
    std::vector<ChainLink> chain;  // newest first
    for (std::size_t i = 5; i-- > 0;)
        chain.push_back(link_of(s[i], i == 0 ? &ann : i == 4 ? &msg : nullptr));

    // A window of 5 reaches the announcement: the message is delivered.
    ChainLedger wide({}, 5);
    auto f = wide.follow(chain, true, 5);
    EXPECT_EQ(f.judged.size(), 5u);
    ASSERT_NE(wide.verdict(s[4].share_hash), nullptr);
    EXPECT_EQ(wide.verdict(s[4].share_hash)->messages.size(), 1u);
    // A window of 4 does not: the key is unknown to it, on every node.
    ChainLedger narrow({}, 4);
    narrow.follow(chain, true, 5);
    ASSERT_NE(narrow.verdict(s[4].share_hash), nullptr);
    EXPECT_TRUE(narrow.verdict(s[4].share_hash)->messages.empty());
    EXPECT_EQ(narrow.verdict(s[4].share_hash)->ignored[Ignored::unknown_signer], 1u);
    // tip() is the state for the next share, the newest window - 1 shares: neither a window
    // of 4 nor of 5 still has the announcement for a sixth share; a window of 6 has.
    EXPECT_FALSE(narrow.tip().key(a.id()));
    EXPECT_FALSE(wide.tip().key(a.id()));
    EXPECT_EQ(wide.tip_shares(), 4u);
    ChainLedger wider({}, 6);
    wider.follow(chain, true, 5);
    EXPECT_TRUE(wider.tip().key(a.id()));
    EXPECT_EQ(wider.tip_shares(), 5u);
}

TEST(OpenChain, EachMessageHasItsFate) {
    const Party a = party(kMaster1, 0), b = party(kMaster2, 0);
    LedgerConfig cfg;
    cfg.enforce_mwu = false;
    Ledger l(cfg);
    Envelope env;
    env.announcement = a.ann;
    env.messages = {signed_msg(a, "fine", T), signed_msg(b, "who?", T),
                    signed_msg(a, "too old", T - 90000)};
    auto r = l.apply_share(share(1, a.address(), T), env);
    ASSERT_EQ(r.fates.size(), 3u);
    EXPECT_FALSE(r.fates[0]);
    EXPECT_EQ(r.fates[1], Ignored::unknown_signer);
    EXPECT_EQ(r.fates[2], Ignored::bad_timestamp);
}

TEST(OpenChain, AFullWindowIgnoresMessagesOlderThanItsFirstShare) {
    // A copy of a message whose share left the window cannot be accepted again.
    const Party a = party(kMaster1, 0);
    Envelope ann;
    ann.announcement = a.ann;
    Envelope copy;
    copy.messages.push_back(signed_msg(a, "said long ago", T + 5));
    std::vector<ShareContext> s;
    for (std::uint32_t h = 1; h <= 6; ++h)
        s.push_back(share(h, a.address(), T + h * 10));
    std::vector<ChainLink> chain;
    for (std::size_t i = 6; i-- > 0;)
        chain.push_back(link_of(s[i], i == 5 ? &copy : i >= 2 ? &ann : nullptr));
    ChainLedger l({}, 4);  // the sixth share's window starts at the third (T + 30)
    l.follow(chain, true, 6);
    const auto* v = l.verdict(s[5].share_hash);
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->messages.empty());
    EXPECT_EQ(v->ignored[Ignored::bad_timestamp], 1u);
}

TEST(OpenChain, WaitsForTheWholeWindowUnlessRooted) {
    const Party a = party(kMaster1, 0);
    std::vector<ChainLink> chain;
    std::vector<ShareContext> s;
    for (std::uint64_t h = 1; h <= 6; ++h)
        s.push_back(share(h, a.address(), T + static_cast<std::uint32_t>(h)));
    for (std::size_t i = 6; i-- > 0;)
        chain.push_back(link_of(s[i], nullptr));
    ChainLedger l({}, 4);
    // Not rooted: only the shares with 3 known ancestors are judged (the newest 3).
    auto f = l.follow(chain, false, 6);
    EXPECT_EQ(f.judged.size(), 3u);
    EXPECT_EQ(f.waiting, 3u);
    EXPECT_EQ(l.verdict(s[0].share_hash), nullptr);
    // Rooted: every share is judged.
    f = l.follow(chain, true, 6);
    EXPECT_EQ(f.judged.size(), 3u);
    EXPECT_EQ(f.waiting, 0u);
    EXPECT_NE(l.verdict(s[0].share_hash), nullptr);
    l.retain([&](const ShareHash& h) { return h != s[0].share_hash; });
    EXPECT_EQ(l.verdict(s[0].share_hash), nullptr);
    EXPECT_EQ(l.verdicts(), 5u);
}

TEST(OpenChain, ExtendingJudgesWithTheTipState) {
    // Following a chain one share at a time gives the verdicts of judging it all at once.
    const Party a = party(kMaster1, 0);
    std::vector<ShareContext> s;
    std::vector<Envelope> env(30);
    for (std::uint32_t h = 1; h <= 30; ++h) {
        s.push_back(share(h, a.address(), T + h * 10));
        if (h % 7 == 1) env[h - 1].announcement = a.ann;
        if (h % 3 == 0)
            env[h - 1].messages.push_back(signed_msg(a, "n" + std::to_string(h), T + h * 10));
    }
    std::vector<ChainLink> all;
    for (std::size_t i = 30; i-- > 0;)
        all.push_back(link_of(s[i], &env[i]));
    ChainLedger once({}, 8);
    once.follow(all, true, 30);
    ChainLedger step({}, 8);
    for (std::size_t n = 1; n <= 30; ++n)
        step.follow(std::span(all).subspan(30 - n), true, 30);
    for (const auto& ctx : s) {
        ASSERT_NE(step.verdict(ctx.share_hash), nullptr);
        EXPECT_EQ(step.verdict(ctx.share_hash)->messages.size(),
                  once.verdict(ctx.share_hash)->messages.size());
        EXPECT_EQ(step.verdict(ctx.share_hash)->ignored.n, once.verdict(ctx.share_hash)->ignored.n);
    }
    EXPECT_EQ(registry_of(step.tip()), registry_of(once.tip()));
}

// Random share trees, each share delivered to several nodes in its own random order (children
// before parents, forks, reorgs), nodes restarted at random: every node's delivered messages and
// key registry are exactly what a fresh ledger computes from that node's best chain alone, and
// nodes with the same best chain agree.
TEST(OpenChain, PropertySameChainSameVerdict) {
    const std::uint64_t seed = test_seed();
    std::cout << "OpenChain.PropertySameChainSameVerdict seed=" << seed
              << " (rerun with SHAREMSG_SEED=" << seed << ")\n";
    RecordProperty("seed", std::to_string(seed));
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
    constexpr std::size_t kWindow = 24, kShow = 30, kNodes = 4;
    std::size_t delivered_total = 0, compared = 0;
    for (int round = 0; round < 4; ++round) {
        TreeGen gen(seed + static_cast<std::uint64_t>(round));
        const auto all = gen.make(220);
        LedgerConfig cfg;
        cfg.sacrifice_pubkey_hashes = {gen.sacrifice_address()};
        std::vector<ShareHash> ids;
        for (const auto& [h, s] : all)
            ids.push_back(h);
        std::vector<std::unique_ptr<SimNode>> nodes;
        for (std::size_t n = 0; n < kNodes; ++n) {
            nodes.push_back(std::make_unique<SimNode>(all, cfg, kWindow, kShow));
            auto order = ids;
            if (n == 0) {
                // In creation order (parents first), as a node that saw the chain grow.
                std::sort(order.begin(), order.end(), [](const ShareHash& x, const ShareHash& y) {
                    return std::lexicographical_compare(x.rbegin(), x.rend(), y.rbegin(), y.rend());
                });
            } else {
                std::shuffle(order.begin(), order.end(), rng);
            }
            for (std::size_t i = 0; i < order.size(); ++i) {
                nodes[n]->receive(order[i]);
                if (std::uniform_int_distribution<int>(0, 60)(rng) == 0) nodes[n]->restart();
            }
        }
        std::map<ShareHash, std::pair<Delivered, Registry>> by_tip;
        for (std::size_t n = 0; n < kNodes; ++n) {
            const SimNode& node = *nodes[n];
            ASSERT_TRUE(node.best());
            EXPECT_EQ(node.waiting(), 0u) << "node " << n;
            const auto [delivered, registry] = node.from_scratch();
            EXPECT_EQ(node.delivered(), delivered) << "round " << round << " node " << n;
            EXPECT_EQ(node.registry(), registry) << "round " << round << " node " << n;
            ++compared;
            delivered_total += node.delivered().size();
            auto [it, inserted] =
                by_tip.emplace(*node.best(), std::make_pair(node.delivered(), node.registry()));
            if (!inserted) {
                EXPECT_EQ(it->second.first, node.delivered()) << "round " << round << " node " << n;
                EXPECT_EQ(it->second.second, node.registry()) << "round " << round << " node " << n;
            }
        }
    }
    std::cout << "  " << compared << " node/fresh comparisons, " << delivered_total
              << " delivered messages in all\n";
    EXPECT_GT(compared, 0u);
    EXPECT_GT(delivered_total, 0u);
}
