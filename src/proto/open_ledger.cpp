#include "proto/open_ledger.hpp"

#include <algorithm>

#include "proto/keys_io.hpp"

namespace sharemsg::proto::open {

namespace {

constexpr std::size_t kMaxUnbound = 256;

std::string short_id(const SigningId& id) {
    return to_hex(ByteView(id).first(8));
}

std::string msg_where(std::size_t i, const OpenMessage& m) {
    if (m.authority_key)
        return "message " + std::to_string(i + 1) + " (authority key " +
               to_hex(ByteView(*m.authority_key).first(8)) + "...): ";
    return "message " + std::to_string(i + 1) + " (signing id " + short_id(m.signing_id) + "...): ";
}

}  // namespace

const char* ignored_name(Ignored k) {
    switch (k) {
        case Ignored::unbound_announcement:
            return "unbound_announcement";
        case Ignored::conflicting_announcement:
            return "conflicting_announcement";
        case Ignored::unknown_signer:
            return "unknown_signer";
        case Ignored::revoked:
            return "revoked";
        case Ignored::bad_signature:
            return "bad_signature";
        case Ignored::bad_timestamp:
            return "bad_timestamp";
        case Ignored::duplicate:
            return "duplicate";
        case Ignored::over_share_cap:
            return "over_share_cap";
        case Ignored::over_budget:
            return "over_budget";
        case Ignored::sacrifice_ignored:
            return "sacrifice_ignored";
        case Ignored::fragment_dropped:
            return "fragment_dropped";
        case Ignored::fragment_expired:
            return "fragment_expired";
        case Ignored::unknown_authority:
            return "unknown_authority";
        case Ignored::bad_authority_signature:
            return "bad_authority_signature";
        case Ignored::count_:
            break;
    }
    return "unknown";
}

const char* announcement_outcome_name(AnnouncementOutcome o) {
    switch (o) {
        case AnnouncementOutcome::none:
            return "none";
        case AnnouncementOutcome::registered:
            return "registered";
        case AnnouncementOutcome::repeated:
            return "repeated";
        case AnnouncementOutcome::unbound:
            return "unbound";
        case AnnouncementOutcome::conflicting:
            return "conflicting";
    }
    return "unknown";
}

std::uint64_t IgnoredCounts::total() const {
    std::uint64_t t = 0;
    for (auto v : n)
        t += v;
    return t;
}

IgnoredCounts& IgnoredCounts::operator+=(const IgnoredCounts& o) {
    for (std::size_t i = 0; i < n.size(); ++i)
        n[i] += o.n[i];
    return *this;
}

nlohmann::ordered_json IgnoredCounts::to_json() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < IGNORED_KINDS; ++i)
        j[ignored_name(static_cast<Ignored>(i))] = n[i];
    return j;
}

nlohmann::ordered_json key_entry_to_json(const KeyEntry& k) {
    nlohmann::ordered_json j;
    j["signing_id"] = to_hex(k.signing_id);
    j["key_index"] = k.key_index;
    j["pubkey"] = to_hex(k.pubkey);
    j["address"] = k.address;
    j["master_pubkey"] = to_hex(k.master_pubkey);
    j["first_seen_height"] = k.first_seen_height;
    j["first_seen"] = k.first_seen_time;
    j["first_seen_share"] = to_hex(k.first_seen_share);
    j["revoked"] = k.revoked;
    j["revoked_at_height"] = k.revoked_at_height ? nlohmann::ordered_json(*k.revoked_at_height)
                                                 : nlohmann::ordered_json(nullptr);
    j["bound"] = k.bound;
    if (!k.bound) j["unbound_reason"] = k.unbound_reason;
    return j;
}

void SignatureCache::insert(const crypto::Hash256& entry) {
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.insert(entry);
}

Ledger::Ledger(LedgerConfig config, std::shared_ptr<SignatureCache> cache)
    : config_(std::move(config)),
      verified_cache_(cache ? std::move(cache) : std::make_shared<SignatureCache>()) {}

void Ledger::reset() {
    keys_.clear();
    order_.clear();
    identities_.clear();
    unbound_.clear();
    seen_.clear();
    seen_by_time_.clear();
    last_event_sweep_ = 0;
    partials_.clear();
    latest_share_time_ = 0;
    message_floor_ = 0;
    first_share_time_.reset();
    totals_ = {};
    shares_applied_ = 0;
    messages_accepted_ = 0;
}

std::vector<KeyEntry> Ledger::keys() const {
    std::vector<KeyEntry> out;
    out.reserve(order_.size());
    for (const auto& id : order_)
        out.push_back(keys_.at(id));
    return out;
}

std::optional<KeyEntry> Ledger::key(const SigningId& id) const {
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
}

std::optional<KeyEntry> Ledger::current_key(const AddressHash& address) const {
    auto it = identities_.find(address);
    if (it == identities_.end()) return std::nullopt;
    return keys_.at(it->second.current_id);
}

void Ledger::ignore(ApplyResult& out, Ignored kind, std::string note) {
    ++out.ignored[kind];
    last_ignored_ = kind;
    out.notes.push_back(std::string(ignored_name(kind)) + ": " + std::move(note));
}

bool Ledger::cached_verify(const crypto::Hash256& digest, ByteView pubkey, ByteView signature) {
    crypto::Sha256 h;
    const std::uint8_t kind = 'E';
    h.update(ByteView(&kind, 1)).update(pubkey).update(digest).update(signature);
    const crypto::Hash256 entry = h.finish();
    if (verified_cache_->contains(entry)) return true;
    if (!crypto::ecdsa_verify_der(pubkey, digest, signature)) return false;
    verified_cache_->insert(entry);
    return true;
}

bool Ledger::cached_verify_authority(const crypto::Hash256& digest, const OpenMessage& m) {
    crypto::Sha256 h;
    const std::uint8_t kind = 'A';
    h.update(ByteView(&kind, 1)).update(*m.authority_key).update(digest).update(m.signature);
    const crypto::Hash256 entry = h.finish();
    if (verified_cache_->contains(entry)) return true;
    if (!verify_authority_signature(m, config_.network_id)) return false;
    verified_cache_->insert(entry);
    return true;
}

bool Ledger::cached_verify_delegation(const BoundAnnouncement& ann) {
    crypto::Sha256 h;
    const std::uint8_t kind = 'D';
    ByteWriter w;
    w.u32le(ann.key_index);
    h.update(ByteView(&kind, 1))
        .update(config_.network_id)
        .update(ann.signing_pubkey)
        .update(w.data())
        .update(ann.master_pubkey)
        .update(ann.delegation_sig);
    const crypto::Hash256 entry = h.finish();
    if (verified_cache_->contains(entry)) return true;
    if (!verify_delegation(ann, config_.network_id)) return false;
    verified_cache_->insert(entry);
    return true;
}

void Ledger::note_unbound(const ShareContext& share, const BoundAnnouncement& ann,
                          const std::string& reason) {
    KeyEntry e;
    e.signing_id = ann.signing_id();
    e.key_index = ann.key_index;
    e.pubkey = ann.signing_pubkey;
    e.master_pubkey = ann.master_pubkey;
    e.address_hash = share.payout_pubkey_hash;
    e.address = p2pkh_address_from_hash160(share.payout_pubkey_hash, config_.address_version);
    e.first_seen_height = share.height;
    e.first_seen_time = share.share_timestamp;
    e.first_seen_share = share.share_hash;
    e.bound = false;
    e.unbound_reason = reason;
    std::erase_if(unbound_, [&](const KeyEntry& k) { return k.signing_id == e.signing_id; });
    if (unbound_.size() >= kMaxUnbound) unbound_.erase(unbound_.begin());
    unbound_.push_back(std::move(e));
}

AnnouncementOutcome Ledger::apply_announcement(const ShareContext& share,
                                               const BoundAnnouncement& ann, ApplyResult& out) {
    const SigningId id = ann.signing_id();
    const AddressHash address = ann.address_hash();
    const std::string who =
        "announcement of " + short_id(id) + "... index " + std::to_string(ann.key_index) + ": ";
    if (!cached_verify_delegation(ann)) {
        const std::string reason = "delegation signature does not verify under the master pubkey";
        note_unbound(share, ann, reason);
        ignore(out, Ignored::unbound_announcement, who + reason);
        return AnnouncementOutcome::unbound;
    }
    if (address != share.payout_pubkey_hash) {
        const std::string reason =
            "HASH160 of the master pubkey is not the share's payout pubkey_hash";
        note_unbound(share, ann, reason);
        ignore(out, Ignored::unbound_announcement, who + reason);
        return AnnouncementOutcome::unbound;
    }
    if (auto it = keys_.find(id); it != keys_.end()) {
        KeyEntry& k = it->second;
        if (k.address_hash == address && k.key_index == ann.key_index) {
            k.last_announced_height = share.height;
            return AnnouncementOutcome::repeated;
        }
        ignore(out, Ignored::conflicting_announcement,
               who + (k.address_hash != address ? "signing id already belongs to " + k.address
                                                : "signing id already registered with index " +
                                                      std::to_string(k.key_index)));
        return AnnouncementOutcome::conflicting;
    }
    auto ident = identities_.find(address);
    if (ident != identities_.end() && ann.key_index <= ident->second.current_index) {
        ignore(out, Ignored::conflicting_announcement,
               who + "not above the current key index " +
                   std::to_string(ident->second.current_index) + " of this address");
        return AnnouncementOutcome::conflicting;
    }

    KeyEntry e;
    e.signing_id = id;
    e.key_index = ann.key_index;
    e.pubkey = ann.signing_pubkey;
    e.master_pubkey = ann.master_pubkey;
    e.address_hash = address;
    e.address = p2pkh_address_from_hash160(address, config_.address_version);
    e.first_seen_height = share.height;
    e.first_seen_time = share.share_timestamp;
    e.first_seen_share = share.share_hash;
    e.last_announced_height = share.height;
    if (ident == identities_.end()) ident = identities_.emplace(address, Identity{}).first;
    // Rotation: every older key of this address is revoked from this share's height on.
    for (const auto& old : ident->second.keys) {
        KeyEntry& k = keys_.at(old);
        if (!k.revoked) {
            k.revoked = true;
            k.revoked_at_height = share.height;
            out.revoked.push_back(old);
        }
    }
    ident->second.current_index = ann.key_index;
    ident->second.current_id = id;
    ident->second.keys.push_back(id);
    std::erase_if(unbound_, [&](const KeyEntry& k) { return k.signing_id == id; });
    keys_.emplace(id, e);
    order_.push_back(id);
    out.registered = std::move(e);
    return AnnouncementOutcome::registered;
}

void Ledger::remember_seen(const crypto::Hash256& digest, std::uint32_t timestamp) {
    if (seen_.emplace(digest, timestamp).second) seen_by_time_.emplace(timestamp, digest);
}

void Ledger::expire_seen(std::uint32_t share_time) {
    latest_share_time_ = std::max(latest_share_time_, share_time);
    const std::uint64_t horizon = std::uint64_t{config_.max_message_age} + config_.max_future_skew;
    if (latest_share_time_ <= horizon) return;
    const std::uint64_t oldest = latest_share_time_ - horizon;
    while (!seen_by_time_.empty() && seen_by_time_.begin()->first < oldest) {
        seen_.erase(seen_by_time_.begin()->second);
        seen_by_time_.erase(seen_by_time_.begin());
    }
    // Budget events: kept while a share up to max_future_skew older than the latest one
    // could still count them. budget_of() looks only at the window, so dropping them is for
    // memory alone and is done once a minute of share time, not on every share.
    const std::uint64_t keep = std::uint64_t{ROLLING_MWU_WINDOW} + config_.max_future_skew;
    if (latest_share_time_ > keep && latest_share_time_ / 60 != last_event_sweep_ / 60) {
        last_event_sweep_ = latest_share_time_;
        const std::uint64_t cut = latest_share_time_ - keep;
        for (auto& [address, ident] : identities_) {
            std::erase_if(ident.earned, [&](const Event& e) { return e.time < cut; });
            std::erase_if(ident.spent, [&](const Event& e) { return e.time < cut; });
        }
    }
}

Ledger::Budget Ledger::budget_of(const Identity& ident, std::uint32_t at_time) const {
    Budget b;
    // An event counts while it is less than ROLLING_MWU_WINDOW seconds older than at_time.
    auto in_window = [&](const Event& e) {
        return std::uint64_t{e.time} + ROLLING_MWU_WINDOW > at_time;
    };
    for (const auto& e : ident.earned)
        if (in_window(e)) b.earned += e.mwu;
    for (const auto& e : ident.spent)
        if (in_window(e)) b.spent += e.mwu;
    return b;
}

std::uint32_t Ledger::available_mwu(const AddressHash& address, std::uint32_t at_time,
                                    std::uint32_t next_share_earns) const {
    if (!config_.enforce_mwu) return MAX_MWU_PER_HOUR;
    Budget b;
    if (auto it = identities_.find(address); it != identities_.end())
        b = budget_of(it->second, at_time);
    b.earned += next_share_earns;
    const std::uint64_t cap = std::min<std::uint64_t>(b.earned, MAX_MWU_PER_HOUR);
    return cap > b.spent ? static_cast<std::uint32_t>(cap - b.spent) : 0;
}

std::optional<Ledger::PartialState> Ledger::partial(const SigningId& signer,
                                                    std::uint32_t msg_id) const {
    auto it = partials_.find(PartialKey{signer, msg_id});
    if (it == partials_.end()) return std::nullopt;
    PartialState p;
    p.next_index = it->second.next_index;
    p.total = it->second.first.fragment ? it->second.first.fragment->total : 0;
    p.first_share_time = it->second.first_share_time;
    return p;
}

bool Ledger::try_spend(const AddressHash& address, std::uint32_t at_time, std::uint32_t w) {
    auto it = identities_.find(address);
    if (it == identities_.end()) return false;
    if (config_.enforce_mwu) {
        const Budget b = budget_of(it->second, at_time);
        const std::uint64_t cap = std::min<std::uint64_t>(b.earned, MAX_MWU_PER_HOUR);
        if (b.spent + w > cap) return false;
    }
    it->second.spent.push_back(Event{at_time, w});
    return true;
}

void Ledger::expire_partials(std::uint32_t share_time, ApplyResult& out) {
    for (auto it = partials_.begin(); it != partials_.end();) {
        if (std::uint64_t{it->second.first_share_time} + FRAGMENT_TIMEOUT < share_time) {
            ignore(out, Ignored::fragment_expired,
                   "message " + std::to_string(it->first.second) + " of " +
                       short_id(it->first.first) + "...: " + std::to_string(it->second.next_index) +
                       " of " + std::to_string(it->second.first.fragment->total) +
                       " fragments after " + std::to_string(FRAGMENT_TIMEOUT) + " s");
            it = partials_.erase(it);
        } else {
            ++it;
        }
    }
}

void Ledger::accept(const ShareContext& share, const OpenMessage& m, const KeyEntry& k,
                    Bytes payload, ApplyResult& out) {
    ShareMessage sm;
    sm.msg_type = m.msg_type;
    sm.flags = static_cast<std::uint8_t>(
        (m.flags | FLAG_HAS_SIGNATURE) &
        (FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT | FLAG_PRIVATE));
    sm.wire_flags = signed_flags(m.flags);
    sm.timestamp = m.timestamp;
    sm.payload = std::move(payload);
    sm.signing_id = m.signing_id;
    sm.signature = m.signature;
    sm.sender_address = k.address;
    sm.share_hash = share.share_hash;
    sm.verified = true;
    sm.recipient = m.recipient;
    if (m.recipient) {
        out.parties[k.signing_id] = k.pubkey;
        if (auto r = keys_.find(*m.recipient); r != keys_.end())
            out.parties[*m.recipient] = r->second.pubkey;
    }
    out.messages.push_back(std::move(sm));
}

void Ledger::apply_fragment(const ShareContext& share, const Envelope& env, bool sacrifice_paid,
                            const OpenMessage& m, const KeyEntry& k, const std::string& at,
                            ApplyResult& out) {
    const FragmentInfo& f = *m.fragment;
    const bool own_share = share.payout_pubkey_hash == k.address_hash;
    const bool sacrificed_for_signer =
        sacrifice_paid && env.sacrifice_tag && *env.sacrifice_tag == m.signing_id;
    if (!own_share && !sacrificed_for_signer) {
        ignore(out, Ignored::fragment_dropped,
               at + "fragment carried by a share that neither pays the signer nor is a "
                    "sacrifice tagged with its id");
        return;
    }
    const PartialKey pk{m.signing_id, f.msg_id};
    auto it = partials_.find(pk);
    if (f.index == 0) {
        if (it != partials_.end()) {
            ignore(out, Ignored::fragment_dropped,
                   at + "message " + std::to_string(f.msg_id) +
                       " restarted: the unfinished one is dropped");
            last_ignored_.reset();  // the dropped one's fate, not this fragment's
            partials_.erase(it);
        }
    } else {
        if (it == partials_.end()) {
            ignore(out, Ignored::fragment_dropped,
                   at + "fragment " + std::to_string(f.index) + " of message " +
                       std::to_string(f.msg_id) + " without its predecessors");
            return;
        }
        const OpenMessage& first = it->second.first;
        const auto strip = [](std::uint8_t fl) {
            return static_cast<std::uint8_t>(fl & ~FLAG_HAS_SIGNATURE);
        };
        if (it->second.next_index != f.index || first.fragment->total != f.total ||
            first.msg_type != m.msg_type || strip(first.flags) != strip(m.flags) ||
            first.timestamp != m.timestamp || first.recipient != m.recipient) {
            ignore(out, Ignored::fragment_dropped,
                   at + "fragment " + std::to_string(f.index) + " of message " +
                       std::to_string(f.msg_id) +
                       " out of order or unlike its predecessors (expected index " +
                       std::to_string(it->second.next_index) + ")");
            return;
        }
        if (it->second.payload.size() + m.payload.size() > MAX_REASSEMBLED_PAYLOAD) {
            ignore(out, Ignored::fragment_dropped,
                   at + "message " + std::to_string(f.msg_id) + " exceeds " +
                       std::to_string(MAX_REASSEMBLED_PAYLOAD) + " bytes: dropped");
            partials_.erase(it);
            return;
        }
    }
    if (!try_spend(k.address_hash, share.share_timestamp, mwu(m))) {
        ignore(out, Ignored::over_budget, at + "fragment over the signer's MWU budget");
        return;
    }
    if (f.index == 0) {
        Partial p;
        p.first = m;
        p.first.payload.clear();
        p.first_share_time = share.share_timestamp;
        it = partials_.emplace(pk, std::move(p)).first;
    }
    Partial& p = it->second;
    append(p.payload, m.payload);
    p.next_index = static_cast<std::uint8_t>(f.index + 1);
    if (f.index + 1 < f.total) {
        ++out.fragments_pending;
        return;
    }
    // The last fragment: the signature covers the whole payload.
    Bytes whole = std::move(p.payload);
    partials_.erase(it);
    const crypto::Hash256 digest =
        message_sighash(config_.network_id, k.address_hash, m.signing_id, m.msg_type, m.flags,
                        m.timestamp, m.recipient, whole);
    if (seen_.count(digest)) {
        ignore(out, Ignored::duplicate, at + "reassembled message already accepted");
        return;
    }
    if (!cached_verify(digest, k.pubkey, m.signature)) {
        ignore(out, Ignored::bad_signature,
               at + "signature of the reassembled message does not verify");
        return;
    }
    remember_seen(digest, m.timestamp);
    accept(share, m, k, std::move(whole), out);
}

bool Ledger::timestamp_ok(const ShareContext& share, const OpenMessage& m, const std::string& at,
                          ApplyResult& out) {
    const std::uint64_t ts = m.timestamp;
    if (ts > std::uint64_t{share.share_timestamp} + config_.max_future_skew ||
        ts + config_.max_message_age < share.share_timestamp) {
        ignore(out, Ignored::bad_timestamp,
               at + "timestamp " + std::to_string(m.timestamp) + " too far from share time " +
                   std::to_string(share.share_timestamp));
        return false;
    }
    if (ts < message_floor_) {
        ignore(out, Ignored::bad_timestamp,
               at + "timestamp " + std::to_string(m.timestamp) +
                   " before the first share of the window (" + std::to_string(message_floor_) +
                   ")");
        return false;
    }
    return true;
}

void Ledger::apply_authority(const ShareContext& share, const OpenMessage& m, const std::string& at,
                             ApplyResult& out) {
    if (!find_cosign_authority(config_.cosign_authorities, *m.authority_key)) {
        ignore(out, Ignored::unknown_authority,
               at + "not the key of a co-signing authority of this network");
        return;
    }
    if (!timestamp_ok(share, m, at, out)) return;
    const crypto::Hash256 digest = authority_sighash(config_.network_id, m);
    if (seen_.count(digest)) {
        ignore(out, Ignored::duplicate, at + "already accepted from an earlier share");
        return;
    }
    if (!cached_verify_authority(digest, m)) {
        ignore(out, Ignored::bad_authority_signature,
               at + "BIP340 signature does not verify under the authority key");
        return;
    }
    remember_seen(digest, m.timestamp);
    ShareMessage sm;
    sm.msg_type = m.msg_type;
    sm.flags = static_cast<std::uint8_t>(
        (m.flags & (FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT)) | FLAG_HAS_SIGNATURE |
        FLAG_PROTOCOL_AUTHORITY);
    sm.wire_flags = m.flags;
    sm.timestamp = m.timestamp;
    sm.payload = m.payload;
    sm.signature = m.signature;
    sm.share_hash = share.share_hash;
    sm.verified = true;
    sm.authority_key = m.authority_key;
    out.messages.push_back(std::move(sm));
}

Ledger::BudgetEvents Ledger::budget_events(const AddressHash& address) const {
    auto it = identities_.find(address);
    if (it == identities_.end()) return {};
    return {it->second.earned, it->second.spent};
}

ApplyResult Ledger::apply_share(const ShareContext& share, const Envelope& env) {
    ApplyResult out;
    ++shares_applied_;
    if (!first_share_time_) first_share_time_ = share.share_timestamp;
    expire_seen(share.share_timestamp);
    expire_partials(share.share_timestamp, out);
    if (env.announcement) out.announcement = apply_announcement(share, *env.announcement, out);

    // Earnings: this share for its payout address, a sacrifice for the tagged signer.
    if (auto it = identities_.find(share.payout_pubkey_hash); it != identities_.end())
        it->second.earned.push_back(Event{share.share_timestamp, FREE_MWU_ALLOWANCE});
    const bool sacrifice_paid =
        std::find(config_.sacrifice_pubkey_hashes.begin(), config_.sacrifice_pubkey_hashes.end(),
                  share.payout_pubkey_hash) != config_.sacrifice_pubkey_hashes.end();
    if (env.sacrifice_tag) {
        const std::string who = "sacrifice tag " + short_id(*env.sacrifice_tag) + "...: ";
        auto k = keys_.find(*env.sacrifice_tag);
        if (!sacrifice_paid) {
            ignore(out, Ignored::sacrifice_ignored,
                   who + "the share does not pay a sacrifice address");
        } else if (k == keys_.end() ||
                   (k->second.revoked_at_height && *k->second.revoked_at_height <= share.height)) {
            ignore(out, Ignored::sacrifice_ignored, who + "no unrevoked bound key with this id");
        } else {
            identities_.at(k->second.address_hash)
                .earned.push_back(Event{share.share_timestamp, MWU_PER_SACRIFICE});
            out.sacrifice_credited = k->second.address_hash;
        }
    }

    std::uint64_t share_w = 0;
    if (env.announcement) share_w += MWU_ANNOUNCEMENT;
    if (env.sacrifice_tag) share_w += MWU_PER_PAYLOAD_BYTE * SIGNING_ID_SIZE;
    out.fates.resize(env.messages.size());
    for (std::size_t i = 0; i < env.messages.size(); ++i) {
        const OpenMessage& m = env.messages[i];
        // The fate of message i: the reason it was ignored with, if any (set by ignore()).
        struct Fate {
            ApplyResult& out;
            std::size_t i;
            std::optional<Ignored>& last;
            ~Fate() { out.fates[i] = last; }
        } fate{out, i, last_ignored_};
        last_ignored_.reset();
        const std::string at = msg_where(i, m);
        const std::uint32_t w = mwu(m);
        share_w += w;
        if (config_.enforce_mwu && share_w > MAX_MWU_PER_SHARE) {
            ignore(out, Ignored::over_share_cap,
                   at + "past " + std::to_string(MAX_MWU_PER_SHARE) + " MWU in this share");
            continue;
        }
        if (m.authority_key) {
            apply_authority(share, m, at, out);
            continue;
        }
        auto it = keys_.find(m.signing_id);
        if (it == keys_.end()) {
            ignore(out, Ignored::unknown_signer, at + "no bound key announced for this id");
            continue;
        }
        const KeyEntry& k = it->second;
        if (k.revoked_at_height && *k.revoked_at_height <= share.height) {
            ignore(out, Ignored::revoked,
                   at + "key index " + std::to_string(k.key_index) + " revoked at height " +
                       std::to_string(*k.revoked_at_height));
            continue;
        }
        if (!timestamp_ok(share, m, at, out)) continue;
        if (m.fragment) {
            apply_fragment(share, env, sacrifice_paid, m, k, at, out);
            continue;
        }
        const crypto::Hash256 digest = message_sighash(config_.network_id, k.address_hash, m);
        if (seen_.count(digest)) {
            ignore(out, Ignored::duplicate, at + "already accepted from an earlier share");
            continue;
        }
        if (!cached_verify(digest, k.pubkey, m.signature)) {
            ignore(out, Ignored::bad_signature,
                   at + "signature does not verify (low-S DER over the tagged hash)");
            continue;
        }
        if (!try_spend(k.address_hash, share.share_timestamp, w)) {
            ignore(out, Ignored::over_budget,
                   at + std::to_string(w) + " MWU over the budget of " + k.address);
            continue;
        }
        remember_seen(digest, m.timestamp);
        accept(share, m, k, m.payload, out);
    }
    out.share_mwu = static_cast<std::uint32_t>(std::min<std::uint64_t>(share_w, 0xffffffffu));
    totals_ += out.ignored;
    messages_accepted_ += out.messages.size();
    return out;
}

Result<ApplyResult> Ledger::apply_share_data(const ShareContext& share, ByteView message_data) {
    auto env = open(message_data, config_.network_id);
    if (!env) return env.error();
    return apply_share(share, *env);
}

}  // namespace sharemsg::proto::open
