// The node's use of the chain and proto libraries for one share: decode, proof of work,
// difficulty, the generated transaction, the message_data rule; and mining a share (devnet,
// synthetic) with the payouts the chain gives.
#include <algorithm>

#include "chain/devnet.hpp"
#include "chain/merged_coinbase.hpp"
#include "chain/pow.hpp"
#include "chain/share.hpp"
#include "chain/target.hpp"
#include "node/network.hpp"
#include "proto/envelope.hpp"

namespace sharemsg::node {

namespace {

std::optional<chain::ShareId> previous_of(const chain::Share& share) {
    const auto& prev = share.share_info.share_data.previous_share_hash;
    if (!prev) return std::nullopt;
    chain::ShareId p{};
    std::copy(prev->begin(), prev->end(), p.begin());
    return p;
}

// check_share_gentx, then check_merged_coinbase, on the chain below `prev`, as the tracker's
// further check reports them.
chain::FurtherVerdict gentx_verdict(const Network& net, const chain::ShareTracker& tracker,
                                    const std::optional<chain::ShareId>& prev,
                                    const chain::Share& share, const chain::VerifiedShare& pow) {
    const auto params = net.gentx();
    const auto below = tracker.gentx_chain(prev, params.real_chain_length);
    const auto g = chain::check_share_gentx(params, below, share, pow);
    chain::FurtherVerdict f;
    f.deferred = g.rule == chain::GentxRule::deferred;
    if (!g.ok() && !f.deferred) {
        f.rule = chain::to_rule(g.rule);
        f.reason = std::string(chain::gentx_rule_name(g.rule)) + ": " + g.reason;
    }
    if (!g.ok()) return f;
    const auto m = chain::check_merged_coinbase(params, below, share);
    if (!m.ok()) {
        f.rule = chain::to_rule(m.rule);
        f.reason = m.reason;
    }
    return f;
}

}  // namespace

Result<ShareView> verify_share(const Network& net, const p2p::WrappedShare& ws,
                               const chain::ShareTracker& tracker, std::uint64_t now) {
    auto share = chain::decode_share(ws.type, ws.contents);
    if (!share && share.error().code == Errc::bad_version)
        // A share of another version (V35 while the network moves to V36) breaks no rule:
        // it is dropped and its peer keeps its score (docs/live-network.md).
        return make_error(Errc::bad_version, Rule::share_version_unsupported,
                          "share_version_unsupported: " + share.error().reason);
    if (!share)
        return make_error(share.error().code, Rule::malformed_share,
                          "malformed share: " + share.error().reason);
    // Proof of work first: it binds message_data (through ref_hash, the gentx and the
    // header) to the work the share cost. A share whose message_data was altered fails here.
    auto pow = chain::verify_share_pow(net.pow(), *share);
    if (!pow) return pow.error();
    // Then the work the chain demands: bits and max_bits against the shares below it (or
    // deferred until enough of them are known).
    const auto prev = previous_of(*share);
    const chain::TargetFields fields{share->share_info.timestamp, share->share_info.bits,
                                     share->share_info.max_bits};
    const auto target = tracker.check_target(prev, fields, net.target(), now);
    if (!target.ok() && target.rule != chain::TargetRule::deferred)
        return make_error(Errc::invalid_argument, chain::to_rule(target.rule),
                          std::string(chain::target_rule_name(target.rule)) + ": " + target.reason);
    // Then what its coinbase pays and the share_info fields the chain gives, once its
    // difficulty could be checked (the same ancestors let both be checked).
    bool checked = false;
    if (target.ok()) {
        const auto g = gentx_verdict(net, tracker, prev, *share, *pow);
        if (g.rule != Rule::none) return make_error(Errc::invalid_argument, g.rule, g.reason);
        checked = !g.deferred;
    }
    const Bytes message_data = share->message_data.value_or(Bytes{});
    ShareView v;
    if (proto::open::is_open_profile(message_data)) {
        // The open profile: only its structure decides validity here; signatures, keys and
        // budgets are the ledger's business, which ignores (never rejects) what fails them.
        if (!net.open_profile)
            return make_error(
                Errc::not_authority, Rule::open_profile_disabled,
                std::string("message_data: the open profile (0x02) is not enabled on ") +
                    std::string(net.p2p.name));
        auto env = proto::open::open(message_data, net.network_id());
        if (!env)
            return make_error(env.error().code, Rule::message_data,
                              "message_data: " + env.error().reason);
        v.open = std::move(*env);
    } else {
        auto rule = proto::check_v36_message_data(message_data, net.authorities);
        if (!rule.valid())
            return make_error(Errc::not_authority, Rule::message_data,
                              std::string("message_data: ") + rule.reason);
        v.messages = std::move(rule.messages);
    }
    v.hash = pow->share_hash;
    v.prev = prev;
    v.work = pow->work;
    v.message_data = message_data;
    std::copy(share->share_info.share_data.pubkey_hash.begin(),
              share->share_info.share_data.pubkey_hash.end(), v.pubkey_hash.begin());
    v.timestamp = share->share_info.timestamp;
    v.absheight = share->share_info.absheight;
    v.abswork = share->share_info.abswork;
    v.target = fields;
    v.payout = std::make_shared<const chain::GentxAncestor>(
        chain::gentx_ancestor(*share, pow->share_hash));
    v.checked = checked;
    if (!checked)
        v.pending = std::make_shared<const ShareView::Pending>(
            ShareView::Pending{std::move(*share), std::move(*pow)});
    v.wire = ws;
    return v;
}

chain::FurtherVerdict check_pending(const Network& net, const ShareView& view,
                                    const chain::ShareTracker& tracker) {
    if (!view.pending) return {};  // checked when it arrived
    return gentx_verdict(net, tracker, view.prev, view.pending->share, view.pending->verified);
}

Result<p2p::WrappedShare> mine_share(const Network& net, const chain::ShareTracker& tracker,
                                     const std::optional<ShareView>& prev,
                                     const ByteArray<20>& pubkey_hash, const Bytes& message_data,
                                     std::uint32_t now, std::uint64_t seed,
                                     std::uint64_t max_attempts) {
    chain::DevnetShareSpec spec;
    if (prev)
        spec.previous = chain::DevnetParent{prev->hash, static_cast<std::uint32_t>(prev->absheight),
                                            prev->abswork, prev->timestamp};
    std::copy(pubkey_hash.begin(), pubkey_hash.end(), spec.pubkey_hash.begin());
    if (!message_data.empty()) spec.message_data = message_data;
    // The timestamp the share will carry (as generate_transaction sets it), then the target
    // the chain demands at that time; the easiest allowed.
    const auto rules = net.target();
    spec.timestamp = prev ? std::max(now, prev->timestamp + 1) : now;
    if (spec.timestamp > std::uint64_t{now} + rules.max_timestamp_ahead_s)
        return make_error(Errc::invalid_argument, "the chain's timestamps run more than " +
                                                      std::to_string(rules.max_timestamp_ahead_s) +
                                                      " s ahead of the clock; waiting for it");
    const auto pool = chain::pool_target(
        rules,
        tracker.ancestors(prev ? std::optional(prev->hash) : std::nullopt, rules.target_lookbehind),
        spec.timestamp);
    if (!pool)
        return make_error(Errc::not_found,
                          "the tracker lacks the shares the next share's target is computed from");
    spec.max_bits = pool->max_bits;
    spec.bits = chain::share_bits_for(*pool, pool->pre_target3);
    spec.share_nonce = static_cast<std::uint32_t>(seed);
    spec.last_txout_nonce = seed >> 16;
    spec.header_nonce_start = static_cast<std::uint32_t>(seed >> 32);
    spec.max_attempts = max_attempts;
    // Its payouts and the share_info fields the chain gives, as the reference makes them.
    const auto gentx = net.gentx();
    auto built = chain::build_devnet_share(
        net.pow(), gentx, spec,
        tracker.gentx_chain(prev ? std::optional(prev->hash) : std::nullopt,
                            gentx.real_chain_length));
    if (!built) return built.error();
    auto wrapped = chain::wrap_share(built->share);
    if (!wrapped) return wrapped.error();
    return p2p::WrappedShare{wrapped->type, std::move(wrapped->contents)};
}

}  // namespace sharemsg::node
