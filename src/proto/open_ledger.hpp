// The open profile's state: which signing key belongs to which address, from when to when,
// and which carried messages verify. docs/protocol.md ("Ledger rules") is the specification.
//
// The node feeds it the shares of its best chain, oldest first, and after a reorg calls
// reset() and feeds the new chain again (a rebuild costs one pass; signature checks already
// made are remembered across reset(), so a rebuild re-verifies nothing it has seen).
//
// Rules:
// - An announcement registers its key only if the delegation verifies under the master pubkey
//   AND HASH160(master pubkey) equals the carrying share's payout pubkey_hash ("bound").
//   Otherwise it is ignored and counted (unbound_announcement): a share that pays the victim's
//   address but announces the attacker's key fails the delegation check, since the attacker
//   lacks the victim's master key, and changes nothing.
// - A signing id belongs to the address its first valid delegation proves. A later
//   announcement of the same id by another master, or with another key index, and an
//   announcement whose key index is not higher than the current key of that master, are
//   conflicting: ignored and counted.
// - A higher key index for the same master is a rotation: every older key of that master is
//   revoked from the height of the share that announced it. Messages carried by earlier shares
//   stay verified.
// - A message carried by a share at height h verifies iff its key was registered in that
//   share or an earlier one, was not revoked at or before h, its timestamp is within
//   [share time - max_message_age, share time + max_future_skew], its signature verifies (low-S
//   only) over the tagged hash with the key's bound address, and the same signed content was
//   not accepted before (a copy replayed into a later share is a duplicate).
// - Message Weight Units (constants.hpp; enforce_mwu): the items of one share weigh at most
//   MAX_MWU_PER_SHARE (announcement and tag included, in envelope order; items past the cap
//   are ignored). A signer is an address (all its keys share one budget): within a rolling
//   ROLLING_MWU_WINDOW of share time it earns FREE_MWU_ALLOWANCE for every share paying it and
//   MWU_PER_SACRIFICE for every sacrifice share tagged with one of its unrevoked signing ids
//   (a share paying a configured sacrifice pubkey_hash; the tag is the envelope's
//   sacrifice_tag), and may spend min(MAX_MWU_PER_HOUR, earned) on accepted messages and
//   fragments. Messages over the budget are ignored (not rejected) and counted.
// - Fragments (FLAG_FRAGMENT) are accepted only from shares that pay the signer's address or
//   are sacrifice shares tagged with the signer's id, in index order, with the same type,
//   flags, timestamp, recipient and total; the last one's signature covers the reassembled
//   payload. A message is delivered (with the last fragment's share hash) when complete; an
//   incomplete one is dropped once FRAGMENT_TIMEOUT seconds of share time have passed since
//   its first fragment.
// - An authority message (FLAG_AUTHORITY, co-signed) verifies iff its authority_key is the key
//   of one of the network's co-signing authorities (LedgerConfig::cosign_authorities; else
//   unknown_authority), its timestamp passes the same window as other messages, its BIP340
//   signature verifies over authority_sighash (else bad_authority_signature), and the same
//   signed content was not accepted before (duplicate). It is charged to no signer's MWU
//   budget, but weighs in its share (MAX_MWU_PER_SHARE) like any message.
// Every ignored item is counted by reason, never an error: a share's validity must not depend
// on ledger state. Only the structural decode (open()) can make message_data malformed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/message.hpp"
#include "proto/open_authority.hpp"
#include "proto/open_envelope.hpp"

namespace sharemsg::proto::open {

struct ShareContext {
    ShareHash share_hash{};
    std::uint64_t height = 0;
    AddressHash payout_pubkey_hash{};
    std::uint32_t share_timestamp = 0;
};

struct LedgerConfig {
    NetworkId network_id = DEVNET_NETWORK_ID;
    std::uint8_t address_version = 0x30;    // P2PKH version byte of sender addresses
    std::uint32_t max_future_skew = 600;    // message timestamp after its share's, seconds
    std::uint32_t max_message_age = 86400;  // message timestamp before its share's, seconds
    // Message Weight Units: per-share cap and per-signer budgets (see above).
    bool enforce_mwu = true;
    // Payout pubkey_hashes whose shares count as sacrifices (operator/donation addresses).
    std::vector<AddressHash> sacrifice_pubkey_hashes;
    // The keys authority messages may be signed with (open_authority.hpp).
    std::vector<CosignAuthority> cosign_authorities;
};

// Why something in a share was ignored.
enum class Ignored : std::uint8_t {
    unbound_announcement,      // delegation fails, or master does not match the share payout
    conflicting_announcement,  // id bound elsewhere / other index / index not higher
    unknown_signer,            // no registered key for the message's signing id
    revoked,                   // the key was revoked at or before this share's height
    bad_signature,             // does not verify (high-S, other network, other recipient...)
    bad_timestamp,             // too far before or after the share's timestamp
    duplicate,                 // the same signed content was accepted before
    over_share_cap,            // past MAX_MWU_PER_SHARE in this share
    over_budget,               // the signer's rolling MWU budget is spent
    sacrifice_ignored,         // a tag on a share that pays no sacrifice address, or unknown id
    fragment_dropped,          // out of order, mismatched, wrong carrier, too long
    fragment_expired,          // incomplete FRAGMENT_TIMEOUT seconds after its first fragment
    unknown_authority,         // an authority message under a key of no co-signing authority
    bad_authority_signature,   // an authority message whose BIP340 signature does not verify
    count_
};
inline constexpr std::size_t IGNORED_KINDS = static_cast<std::size_t>(Ignored::count_);
const char* ignored_name(Ignored k);

struct IgnoredCounts {
    std::array<std::uint64_t, IGNORED_KINDS> n{};
    std::uint64_t& operator[](Ignored k) { return n[static_cast<std::size_t>(k)]; }
    std::uint64_t operator[](Ignored k) const { return n[static_cast<std::size_t>(k)]; }
    std::uint64_t total() const;
    IgnoredCounts& operator+=(const IgnoredCounts& o);
    // {"unbound_announcement": n, ...} with every kind.
    nlohmann::ordered_json to_json() const;
};

struct KeyEntry {
    SigningId signing_id{};
    std::uint32_t key_index = 0;
    crypto::CompressedPubKey pubkey{};
    crypto::CompressedPubKey master_pubkey{};
    AddressHash address_hash{};
    std::string address;  // P2PKH of address_hash with LedgerConfig::address_version
    std::uint64_t first_seen_height = 0;
    std::uint32_t first_seen_time = 0;  // timestamp of the share that announced it
    ShareHash first_seen_share{};
    bool revoked = false;
    std::optional<std::uint64_t> revoked_at_height;
    bool bound = true;           // registered keys are always bound; see Ledger::unbound_keys()
    std::string unbound_reason;  // for unbound entries only
    // The newest share that announced the key again (the first one until then); not part of
    // the JSON view. A sender announces again before this one leaves the window (open_chain.hpp).
    std::uint64_t last_announced_height = 0;
};

// Signature checks that passed: SHA256(kind || pubkey || digest || signature), at most
// `capacity` of them (then it starts again). Shared by the ledgers of one node, so that the
// replays of a window (open_chain.hpp) verify each signature once. Not thread-safe.
class SignatureCache {
  public:
    explicit SignatureCache(std::size_t capacity = 1u << 16) : capacity_(capacity) {}
    bool contains(const crypto::Hash256& entry) const { return entries_.count(entry) > 0; }
    void insert(const crypto::Hash256& entry);
    std::size_t size() const { return entries_.size(); }

  private:
    std::size_t capacity_;
    std::set<crypto::Hash256> entries_;
};

// The /msg/keys view of one key: signing_id, key_index, pubkey, address, master_pubkey,
// first_seen_height, first_seen (share time), first_seen_share, revoked, revoked_at_height
// (null when not revoked), bound (and unbound_reason for unbound entries).
nlohmann::ordered_json key_entry_to_json(const KeyEntry& k);

enum class AnnouncementOutcome { none, registered, repeated, unbound, conflicting };
const char* announcement_outcome_name(AnnouncementOutcome o);

struct ApplyResult {
    // Accepted messages: verified = true, sender_address = the key's bound address, share_hash
    // set, recipient set for private ones (payload still encrypted: see open_private.hpp).
    // An authority message: no signing id nor sender address, authority_key set, and
    // FLAG_PROTOCOL_AUTHORITY in flags (a configured authority's signature earned it).
    std::vector<ShareMessage> messages;
    AnnouncementOutcome announcement = AnnouncementOutcome::none;
    std::optional<KeyEntry> registered;             // the key this share registered, if any
    std::vector<SigningId> revoked;                 // keys this share's rotation revoked
    std::optional<AddressHash> sacrifice_credited;  // the address this sacrifice share credited
    std::uint32_t share_mwu = 0;                    // weight of this share's items
    std::size_t fragments_pending = 0;              // fragments accepted into unfinished messages
    // For each message of the envelope, in order: why it was ignored, or nothing when it was
    // accepted (for a fragment: taken into its message, or completing it).
    std::vector<std::optional<Ignored>> fates;
    // The signing pubkeys of both parties of the accepted private messages, as this share's
    // window knew them (to decrypt later, when the keys may have left the window).
    std::map<SigningId, crypto::CompressedPubKey> parties;
    IgnoredCounts ignored;
    std::vector<std::string> notes;  // one line per ignored item, for logs
};

class Ledger {
  public:
    // `cache`: checks already made (shared with other ledgers of the node); a new one if null.
    explicit Ledger(LedgerConfig config = {}, std::shared_ptr<SignatureCache> cache = nullptr);

    const LedgerConfig& config() const { return config_; }

    // Applies one share of the best chain (oldest first).
    ApplyResult apply_share(const ShareContext& share, const Envelope& env);
    // open() then apply_share(); fails (changing nothing) when message_data is malformed.
    Result<ApplyResult> apply_share_data(const ShareContext& share, ByteView message_data);

    // Forgets every key and message; keeps the cache of checked signatures. Clears the floor.
    void reset();
    // Messages timestamped before `t` are ignored (bad_timestamp) from now on, until reset():
    // a window's verdicts do not count messages older than the window (open_chain.hpp).
    void set_message_floor(std::uint32_t t) { message_floor_ = t; }
    std::uint32_t message_floor() const { return message_floor_; }

    // Registered (bound) keys in registration order.
    std::vector<KeyEntry> keys() const;
    // The most recent unbound announcements (at most 256, one per signing id), newest last.
    std::vector<KeyEntry> unbound_keys() const { return unbound_; }
    std::optional<KeyEntry> key(const SigningId& id) const;
    // The highest-index key of an address.
    std::optional<KeyEntry> current_key(const AddressHash& address) const;

    // MWU an address may still spend at share time `at_time` (when MWU are not enforced:
    // MAX_MWU_PER_HOUR). `next_share_earns` is what the share being built earns the address
    // before its messages are weighed: FREE_MWU_ALLOWANCE when it pays the address,
    // MWU_PER_SACRIFICE when it is a sacrifice share tagged with the address's key, 0 to leave
    // it out. The outbox passes the result to pack_queue as the budget.
    std::uint32_t available_mwu(const AddressHash& address, std::uint32_t at_time,
                                std::uint32_t next_share_earns = FREE_MWU_ALLOWANCE) const;

    // Messages being reassembled from fragments.
    std::size_t pending_fragmented() const { return partials_.size(); }

    // Where the reassembly of (signer, msg_id) stands: the index of the fragment it expects
    // next, the total, and the share time of its first fragment (it expires FRAGMENT_TIMEOUT
    // seconds after). Nothing when no such message is being reassembled. The outbox resumes a
    // fragmented message from here after a reorg.
    struct PartialState {
        std::uint8_t next_index = 0;
        std::uint8_t total = 0;
        std::uint32_t first_share_time = 0;
    };
    std::optional<PartialState> partial(const SigningId& signer, std::uint32_t msg_id) const;

    // Totals since the last reset().
    const IgnoredCounts& ignored_totals() const { return totals_; }
    std::uint64_t shares_applied() const { return shares_applied_; }
    std::uint64_t messages_accepted() const { return messages_accepted_; }

    // What an address earned and spent within the window, by share time (the outbox's
    // forecast simulates its next shares from these).
    struct Event {
        std::uint32_t time = 0;
        std::uint32_t mwu = 0;
    };
    struct BudgetEvents {
        std::vector<Event> earned;
        std::vector<Event> spent;
    };
    BudgetEvents budget_events(const AddressHash& address) const;
    // The timestamp of the first share applied since the last reset(), if any, and the latest
    // share time seen since then.
    std::optional<std::uint32_t> first_share_time() const { return first_share_time_; }
    std::uint32_t latest_share_time() const { return latest_share_time_; }

  private:
    struct Identity {
        std::uint32_t current_index = 0;
        SigningId current_id{};
        std::vector<SigningId> keys;  // registration order
        std::vector<Event> earned;    // share time order of application
        std::vector<Event> spent;
    };
    struct Partial {
        OpenMessage first;  // type, flags, timestamp, recipient, fragment (msg_id, total)
        std::uint8_t next_index = 0;
        Bytes payload;
        std::uint32_t first_share_time = 0;
    };
    using PartialKey = std::pair<SigningId, std::uint32_t>;

    struct Budget {
        std::uint64_t earned = 0;
        std::uint64_t spent = 0;
    };
    Budget budget_of(const Identity& ident, std::uint32_t at_time) const;
    bool try_spend(const AddressHash& address, std::uint32_t at_time, std::uint32_t w);
    void accept(const ShareContext& share, const OpenMessage& m, const KeyEntry& k, Bytes payload,
                ApplyResult& out);
    void apply_fragment(const ShareContext& share, const Envelope& env, bool sacrifice_paid,
                        const OpenMessage& m, const KeyEntry& k, const std::string& at,
                        ApplyResult& out);
    void expire_partials(std::uint32_t share_time, ApplyResult& out);
    bool timestamp_ok(const ShareContext& share, const OpenMessage& m, const std::string& at,
                      ApplyResult& out);
    void apply_authority(const ShareContext& share, const OpenMessage& m, const std::string& at,
                         ApplyResult& out);
    bool cached_verify_authority(const crypto::Hash256& digest, const OpenMessage& m);

    AnnouncementOutcome apply_announcement(const ShareContext& share, const BoundAnnouncement& ann,
                                           ApplyResult& out);
    void note_unbound(const ShareContext& share, const BoundAnnouncement& ann,
                      const std::string& reason);
    void ignore(ApplyResult& out, Ignored kind, std::string note);
    bool cached_verify(const crypto::Hash256& digest, ByteView pubkey, ByteView signature);
    bool cached_verify_delegation(const BoundAnnouncement& ann);
    void expire_seen(std::uint32_t share_time);
    void remember_seen(const crypto::Hash256& digest, std::uint32_t timestamp);

    LedgerConfig config_;
    std::map<SigningId, KeyEntry> keys_;
    std::vector<SigningId> order_;
    std::map<AddressHash, Identity> identities_;
    std::vector<KeyEntry> unbound_;
    // Sighashes of accepted messages -> their timestamps (dropped once too old to be accepted).
    std::map<crypto::Hash256, std::uint32_t> seen_;
    // The same, by timestamp, so that expiring the old ones does not walk them all.
    std::multimap<std::uint32_t, crypto::Hash256> seen_by_time_;
    std::uint32_t last_event_sweep_ = 0;  // share time of the last sweep of budget events
    std::map<PartialKey, Partial> partials_;
    std::uint32_t latest_share_time_ = 0;
    std::uint32_t message_floor_ = 0;
    std::optional<std::uint32_t> first_share_time_;
    std::optional<Ignored> last_ignored_;  // the reason of the last ignore() (message fates)
    IgnoredCounts totals_;
    std::uint64_t shares_applied_ = 0;
    std::uint64_t messages_accepted_ = 0;
    // Checks that passed; survives reset().
    std::shared_ptr<SignatureCache> verified_cache_;
};

}  // namespace sharemsg::proto::open
