#include "proto/store.hpp"
#include "util/numeric.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "proto/envelope.hpp"

namespace sharemsg::proto {

std::size_t MessageStore::HashOf::operator()(const crypto::Hash256& h) const noexcept {
    std::size_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | h[static_cast<std::size_t>(i)];
    return v;
}

MessageStore::MessageStore(StoreOptions options, AuthoritySet authorities)
    : opt_(options), authorities_(std::move(authorities)), bans_(options.quirks) {}

bool MessageStore::is_transition_authority(const ShareMessage& m) {
    return m.is_protocol_authority() && m.msg_type == MSG_TRANSITION_SIGNAL;
}

Result<std::size_t> MessageStore::process_share(const ShareHash& share_hash,
                                                const std::string& sender_address,
                                                ByteView message_data, double now) {
    auto unpacked = unpack_share_messages(message_data, authorities_);
    if (unpacked.info) {
        if (const auto& ann = unpacked.info->announcement) {
            registry_.register_key(sender_address, ann->signing_id, ann->key_index, ann->pubkey,
                                   now, 0, share_hash);
        } else if (opt_.quirks.process_share_aborts) {
            return make_error(Errc::invalid_argument,
                              "KeyError: 'signing_id' (envelope without a valid announcement)");
        }
    }
    std::size_t added = 0;
    for (auto& m : unpacked.messages) {
        if (opt_.quirks.timestamp_zero_is_now && m.timestamp == 0)
            m.timestamp = saturate_cast<std::uint32_t>(now);
        m.share_hash = share_hash;
        m.sender_address = sender_address;
        if (m.has_signature()) {
            if (opt_.quirks.process_share_aborts && m.signing_id && !m.signature.empty()) {
                // The reference's libsecp256k1 backend raises on an unparseable key or signature.
                if (auto pk = registry_.pubkey_for(*m.signing_id)) {
                    if (!crypto::parse_pubkey(*pk))
                        return make_error(Errc::bad_key,
                                          "The public key could not be parsed or is invalid.");
                    if (!crypto::ecdsa_der_to_compact(m.signature))
                        return make_error(Errc::bad_encoding,
                                          "The DER-encoded signature could not be parsed.");
                }
            }
            verify_with_registry(m, registry_, authorities_);
        }
        if (add(std::move(m), now)) ++added;
    }
    return added;
}

bool MessageStore::add_local_message(ShareMessage m, double now) {
    return add(std::move(m), now);
}

std::size_t MessageStore::add_verified_share_messages(const ShareHash& share_hash,
                                                      const std::string& sender_address,
                                                      std::vector<ShareMessage> messages,
                                                      double now) {
    std::size_t added = 0;
    for (auto& m : messages) {
        m.share_hash = share_hash;
        m.sender_address = sender_address;
        if (add(std::move(m), now)) ++added;
    }
    return added;
}

bool MessageStore::add(ShareMessage m, double now) {
    const auto h = m.hash();
    if (hashes_.count(h)) return false;
    if (!is_transition_authority(m) && now - static_cast<double>(m.timestamp) > opt_.max_age)
        return false;
    auto p = std::make_shared<const ShareMessage>(std::move(m));
    // Oldest first; a new message goes before every message with the same timestamp.
    auto pos = std::lower_bound(messages_.begin(), messages_.end(), p->timestamp,
                                [](const Ptr& e, std::uint32_t ts) { return e->timestamp < ts; });
    messages_.insert(pos, p);
    hashes_.insert(h);
    ++by_type_[p->msg_type];
    if (p->signing_id) ++by_signer_[*p->signing_id];
    if (p->share_hash) by_share_[*p->share_hash].push_back(p);
    if (p->is_protocol_authority()) authority_.push_back(p);
    if (observer_) observer_(*p, true);
    prune(now);
    return true;
}

void MessageStore::erase_message(const ShareMessage* m) {
    auto it = std::find_if(messages_.begin(), messages_.end(),
                           [m](const Ptr& e) { return e.get() == m; });
    if (it == messages_.end()) return;
    removed(*it);
    messages_.erase(it);
}

std::size_t MessageStore::IdHash::operator()(const SigningId& id) const noexcept {
    std::size_t v = 0;
    std::memcpy(&v, id.data(), sizeof v);  // HASH160 output: already uniform
    return v;
}

std::size_t MessageStore::count_since(double t) const {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), t,
                               [](const Ptr& e, double x) { return e->timestamp < x; });
    return static_cast<std::size_t>(messages_.end() - it);
}

void MessageStore::removed(const Ptr& m) {
    hashes_.erase(m->hash());
    --by_type_[m->msg_type];
    if (m->signing_id) {
        auto it = by_signer_.find(*m->signing_id);
        if (it != by_signer_.end() && --it->second == 0) by_signer_.erase(it);
    }
    if (observer_) observer_(*m, false);
}

void MessageStore::prune(double now) {
    const double cutoff = now - opt_.max_age;
    auto expired = [&](const Ptr& e) {
        return !is_transition_authority(*e) && static_cast<double>(e->timestamp) < cutoff;
    };
    // Expired messages are at the front; transition signals among them stay.
    std::deque<Ptr> kept;
    while (!messages_.empty() && static_cast<double>(messages_.front()->timestamp) < cutoff) {
        if (!expired(messages_.front())) {
            kept.push_back(std::move(messages_.front()));
        } else {
            removed(messages_.front());
        }
        messages_.pop_front();
    }
    messages_.insert(messages_.begin(), kept.begin(), kept.end());
    for (auto it = authority_.begin(); it != authority_.end();) {
        if (expired(*it)) {
            erase_message(it->get());
            it = authority_.erase(it);
        } else {
            ++it;
        }
    }
    while (messages_.size() > opt_.max_messages) {
        auto victim = messages_.begin();
        if (!opt_.quirks.cap_evicts_transition_signals) {
            victim = std::find_if(messages_.begin(), messages_.end(),
                                  [](const Ptr& e) { return !is_transition_authority(*e); });
            if (victim == messages_.end()) break;  // only transition signals left: keep them all
        }
        removed(*victim);
        messages_.erase(victim);
    }
}

void MessageStore::prune_by_sharechain(const std::set<ShareHash>& active) {
    if (active.empty()) return;
    for (auto it = by_share_.begin(); it != by_share_.end();) {
        if (active.count(it->first)) {
            ++it;
            continue;
        }
        for (const auto& m : it->second)
            if (!m->is_protocol_authority()) erase_message(m.get());
        it = by_share_.erase(it);
    }
}

std::size_t MessageStore::load_blob_hex(std::string_view hex, double now) {
    std::string clean;
    for (char c : hex)
        if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
    auto raw = from_hex(clean);
    if (!raw) return 0;
    auto unpacked = unpack_share_messages(*raw, authorities_);
    if (unpacked.messages.empty()) return 0;
    const Authority* authority = unpacked.info ? unpacked.info->authority : nullptr;
    std::size_t added = 0;
    for (auto& m : unpacked.messages) {
        m.share_hash.reset();
        m.sender_address = "bootstrap";
        if (authority && m.has_signature())
            verify_authority_direct(m, authority->pubkey, authorities_);
        if (add(std::move(m), now)) ++added;
    }
    return added;
}

std::vector<MessageStore::Ptr> MessageStore::query(const MessageQuery& q) const {
    std::vector<Ptr> out;
    for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
        const Ptr& m = *it;
        if (out.size() >= q.limit) break;
        if (q.authority_only && !m->is_protocol_authority()) continue;
        if (q.msg_type && m->msg_type != *q.msg_type) continue;
        if (q.sender && m->sender_address != q.sender) continue;
        if (q.since && static_cast<double>(m->timestamp) < *q.since) continue;
        if (q.verified_only && !m->verified) continue;
        if (q.apply_bans && bans_.is_banned(*m)) continue;
        out.push_back(m);
    }
    return out;
}

nlohmann::ordered_json MessageStore::to_json(const MessageQuery& q, double now) const {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& m : query(q))
        arr.push_back(message_to_json(*m, now));
    return arr;
}

std::vector<ShareHash> MessageStore::tracked_shares() const {
    std::vector<ShareHash> out;
    for (const auto& [h, v] : by_share_)
        out.push_back(h);
    return out;
}

nlohmann::ordered_json MessageStore::stats() const {
    nlohmann::ordered_json by_type = nlohmann::ordered_json::object();
    std::set<std::string> senders;
    std::size_t signed_count = 0, verified_count = 0;
    for (auto it = messages_.rbegin(); it != messages_.rend();
         ++it) {  // newest first, as the reference
        const Ptr& m = *it;
        const std::string name = type_name(m->msg_type);
        by_type[name] = by_type.value(name, 0) + 1;
        if (m->sender_address && !m->sender_address->empty()) senders.insert(*m->sender_address);
        signed_count += m->has_signature();
        verified_count += m->verified;
    }
    nlohmann::ordered_json j;
    j["total_messages"] = messages_.size();
    j["authority_messages"] = authority_.size();
    j["tracked_shares"] = by_share_.size();
    j["unique_senders"] = senders.size();
    j["senders"] = senders;
    j["by_type"] = std::move(by_type);
    j["oldest_timestamp"] = messages_.empty()
                                ? nlohmann::ordered_json()
                                : nlohmann::ordered_json(messages_.front()->timestamp);
    j["newest_timestamp"] = messages_.empty() ? nlohmann::ordered_json()
                                              : nlohmann::ordered_json(messages_.back()->timestamp);
    j["signed_count"] = signed_count;
    j["verified_count"] = verified_count;
    j["known_signing_keys"] = registry_.known_ids();
    j["key_registry"] = registry_.to_json();
    j["ban_list"] = bans_.to_json();
    return j;
}

}  // namespace sharemsg::proto
