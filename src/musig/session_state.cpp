#include "musig/session_state.hpp"

#include <algorithm>

namespace sharemsg::musig {

const char* phase_name(Phase p) noexcept {
    switch (p) {
        case Phase::init:
            return "init";
        case Phase::nonce_exchange:
            return "nonce_exchange";
        case Phase::partial_sig_exchange:
            return "partial_sig_exchange";
        case Phase::complete:
            return "complete";
        case Phase::aborted:
            return "aborted";
    }
    return "unknown";
}

SessionState::SessionState(const SessionId& id, Announcement a, KeyAggContext keys,
                           std::size_t own_index, std::uint64_t now)
    : id_(id),
      a_(std::move(a)),
      keys_(std::move(keys)),
      own_(own_index),
      slots_(a_.signers.size()),
      phase_since_(now),
      first_seen_(now) {}

void SessionState::enter(Phase p, std::uint64_t now) {
    if (p == phase_) return;
    phase_ = p;
    phase_since_ = now;
}

ReplayWindow::Verdict ReplayWindow::check(std::uint32_t seq, std::uint32_t max_gap) const {
    if (seq > highest_) return seq - highest_ > max_gap ? Verdict::gap : Verdict::fresh;
    if (seq == highest_) return Verdict::replayed;
    const std::uint32_t back = highest_ - seq;  // 1..
    if (back > WIDTH) return Verdict::replayed;
    return (below_ >> (back - 1)) & 1 ? Verdict::replayed : Verdict::fresh;
}

void ReplayWindow::record(std::uint32_t seq) {
    if (seq > highest_) {
        const std::uint32_t shift = seq - highest_;
        below_ = shift >= WIDTH ? 0 : below_ << shift;
        if (highest_ != 0 && shift <= WIDTH) below_ |= std::uint64_t{1} << (shift - 1);
        highest_ = seq;
        return;
    }
    const std::uint32_t back = highest_ - seq;
    if (back >= 1 && back <= WIDTH) below_ |= std::uint64_t{1} << (back - 1);
}

std::uint32_t SessionState::next_own_seq() {
    const std::uint32_t seq = slots_[own_].seen.highest() + 1;
    slots_[own_].seen.record(seq);
    return seq;
}

bool SessionState::all_nonces() const {
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const SignerSlot& s) { return s.pubnonce.has_value(); });
}

bool SessionState::all_partials() const {
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const SignerSlot& s) { return s.psig.has_value(); });
}

std::vector<PubNonce> SessionState::pubnonces() const {
    std::vector<PubNonce> out;
    out.reserve(slots_.size());
    for (const auto& s : slots_)
        out.push_back(s.pubnonce.value());
    return out;
}

std::vector<PartialSig> SessionState::partials() const {
    std::vector<PartialSig> out;
    out.reserve(slots_.size());
    for (const auto& s : slots_)
        out.push_back(s.psig.value());
    return out;
}

void SessionState::join(Nonces nonces) {
    joined_ = true;
    slots_[own_].pubnonce = nonces.pubnonce;
    secnonce_.emplace(std::move(nonces.secnonce));
}

std::optional<SecNonce> SessionState::take_secnonce() {
    std::optional<SecNonce> out = std::move(secnonce_);
    secnonce_.reset();
    return out;
}

void SessionState::complete(const Signature& sig, std::uint64_t now) {
    signature_ = sig;
    enter(Phase::complete, now);
}

void SessionState::abort(AbortInfo info, std::uint64_t now) {
    abort_ = info;
    secnonce_.reset();  // a secret nonce of an aborted session is never used
    for (auto& s : slots_)
        s.held.reset();
    enter(Phase::aborted, now);
}

SessionView view_of(const SessionState& s) {
    const Announcement& a = s.announcement();
    SessionView v;
    v.id = s.id();
    v.phase = s.phase();
    v.signers = a.signers;
    v.creator_index = a.creator_index;
    v.own_index = s.own_index();
    v.created = a.created;
    v.expiry = a.expiry;
    v.first_seen = s.first_seen();
    v.phase_since = s.phase_since();
    v.message = a.message;
    v.context = a.context;
    v.aggregate_key = s.keys().xonly_pubkey();
    for (std::size_t i = 0; i < s.size(); ++i) {
        v.nonce_from.push_back(s.slot(i).pubnonce.has_value());
        v.partial_from.push_back(s.slot(i).psig.has_value());
    }
    v.joined = s.joined();
    v.signature = s.signature();
    v.abort = s.abort_info();
    if (v.abort && v.abort->blamed && *v.abort->blamed < v.signers.size())
        v.blamed_pubkey = v.signers[*v.abort->blamed];
    return v;
}

}  // namespace sharemsg::musig
