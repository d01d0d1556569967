#include "proto/open_chain.hpp"

#include <algorithm>

namespace sharemsg::proto::open {

namespace {

const Envelope& envelope_of(const ChainLink& link) {
    static const Envelope kNone;
    return link.envelope ? *link.envelope : kNone;
}

}  // namespace

ChainLedger::ChainLedger(LedgerConfig config, std::size_t window)
    : window_(std::max<std::size_t>(window, 2)),
      cache_(std::make_shared<SignatureCache>()),
      scratch_(config, cache_),
      tip_(std::move(config), cache_) {}

const ApplyResult* ChainLedger::verdict(const ShareHash& share) const {
    auto it = verdicts_.find(share);
    return it == verdicts_.end() ? nullptr : &it->second;
}

void ChainLedger::replay(Ledger& ledger, std::span<const ChainLink> chain, std::size_t from,
                         std::size_t to) {
    ledger.reset();
    // A full window does not count messages older than its first share: a copy of a message
    // whose original share has left the window is not accepted again.
    if (from + 1 - to == window_ - 1) ledger.set_message_floor(chain[from].share.share_timestamp);
    for (std::size_t j = from + 1; j-- > to;) {
        (void)ledger.apply_share(chain[j].share, envelope_of(chain[j]));
        ++fed_;
    }
}

ApplyResult ChainLedger::judge(std::span<const ChainLink> chain, std::size_t i) {
    const std::size_t ancestors = std::min(window_ - 1, chain.size() - 1 - i);
    ++fed_;
    // tip_ already holds this window when it was fed the same number of shares ending at
    // chain[i + 1]: a share's hash fixes its ancestry, so the content is the same.
    if (ancestors > 0 && !tip_dirty_ && tip_share_ &&
        *tip_share_ == chain[i + 1].share.share_hash && tip_fed_ == ancestors) {
        tip_dirty_ = true;
        return tip_.apply_share(chain[i].share, envelope_of(chain[i]));
    }
    if (ancestors == 0) {
        scratch_.reset();
    } else {
        replay(scratch_, chain, i + ancestors, i + 1);
    }
    return scratch_.apply_share(chain[i].share, envelope_of(chain[i]));
}

ChainLedger::Followed ChainLedger::follow(std::span<const ChainLink> chain, bool rooted,
                                          std::size_t show) {
    Followed out;
    const std::size_t n = chain.size();
    for (std::size_t i = std::min(show, n); i-- > 0;) {
        const ShareHash& h = chain[i].share.share_hash;
        if (verdicts_.count(h)) continue;
        if (!rooted && i + window_ - 1 >= n) {
            ++out.waiting;
            continue;
        }
        verdicts_.emplace(h, judge(chain, i));
        out.judged.push_back(h);
    }
    if (n == 0) {
        tip_.reset();
        tip_share_.reset();
        tip_fed_ = 0;
        tip_dirty_ = false;
        return out;
    }
    const std::size_t tip_n = std::min(window_ - 1, n);
    if (tip_dirty_ || !tip_share_ || *tip_share_ != chain[0].share.share_hash ||
        tip_fed_ != tip_n) {
        replay(tip_, chain, tip_n - 1, 0);
        tip_share_ = chain[0].share.share_hash;
        tip_fed_ = tip_n;
        tip_dirty_ = false;
    }
    return out;
}

}  // namespace sharemsg::proto::open
