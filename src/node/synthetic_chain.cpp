#include "node/synthetic_chain.hpp"

#include <algorithm>

namespace sharemsg::node {

SyntheticChain::SyntheticChain(Network net, std::uint64_t seed)
    : net_(std::move(net)), rng_(seed) {}

Result<p2p::WrappedShare> SyntheticChain::next(std::uint32_t timestamp,
                                               const ByteArray<20>& pubkey_hash,
                                               const Bytes& message_data) {
    if (tip_) timestamp = std::max(timestamp, tip_->timestamp + 1);
    // Each attempt starts at another nonce; a share that needs more tries gets another seed.
    for (int round = 0; round < 64; ++round) {
        auto share = mine_share(net_, tracker_, tip_, pubkey_hash, message_data, timestamp, rng_(),
                                1'000'000);
        if (!share) {
            if (share.error().code == Errc::not_found) continue;
            return share.error();
        }
        auto v = verify_share(net_, *share, tracker_, timestamp);
        if (!v) return v.error();
        tracker_.add(v->hash, v->prev, v->work, v->target, v->checked, net_.target(), v->payout);
        tip_ = std::move(*v);
        return share;
    }
    return make_error(Errc::not_found, "no share found in 64 million attempts");
}

Result<std::vector<p2p::WrappedShare>> SyntheticChain::extend(
    std::size_t count, std::uint32_t last_timestamp, std::uint32_t spacing,
    const std::vector<ByteArray<20>>& payees) {
    std::vector<p2p::WrappedShare> out;
    out.reserve(count);
    const std::uint64_t span = std::uint64_t{spacing} * (count ? count - 1 : 0);
    const std::uint32_t first =
        static_cast<std::uint32_t>(last_timestamp > span ? last_timestamp - span : 0);
    for (std::size_t i = 0; i < count; ++i) {
        const ByteArray<20> payee = payees.empty() ? ByteArray<20>{} : payees[i % payees.size()];
        auto s = next(first + static_cast<std::uint32_t>(i * spacing), payee);
        if (!s) return s.error();
        out.push_back(std::move(*s));
    }
    return out;
}

}  // namespace sharemsg::node
