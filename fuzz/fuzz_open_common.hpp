// Shared fixtures of the open-profile fuzz targets (fuzz_open_*.cpp): a fixed party whose
// bound announcement and signed messages appear in the seeds (vectors/open_profile.json,
// party "m1k0"), so that mutations of valid envelopes reach the ledger's later checks.
#pragma once

#include "fuzz_common.hpp"
#include "proto/open_envelope.hpp"
#include "proto/open_ledger.hpp"

namespace sharemsg::fuzz {

namespace po = proto::open;

// Master m1 of the reference vectors; its index-0 key announces itself in the seeds.
inline constexpr const char* OPEN_MASTER_M1 =
    "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1";

struct OpenParty {
    po::BoundAnnouncement ann;
};

inline const OpenParty& open_party() {
    static const OpenParty p = [] {
        auto master = crypto::PrivKey::from_bytes(*from_hex(OPEN_MASTER_M1));
        FUZZ_CHECK(master.ok());
        auto key = proto::DerivedSigningKey::derive(master->bytes(), 0);
        FUZZ_CHECK(key.ok());
        auto d = po::make_delegation(*master, po::DEVNET_NETWORK_ID, key->pubkey(), 0);
        auto ann = po::make_announcement(*key, d, po::DEVNET_NETWORK_ID);
        FUZZ_CHECK(ann.ok());
        return OpenParty{*ann};
    }();
    return p;
}

inline po::ShareContext open_share(std::uint64_t height, const po::AddressHash& payout) {
    po::ShareContext s;
    s.height = height;
    s.payout_pubkey_hash = payout;
    s.share_timestamp = 1700000000;
    s.share_hash[0] = static_cast<std::uint8_t>(height);
    return s;
}

// Applies an envelope to a ledger that knows the fixed party, twice (the second time every
// accepted message must come back as a duplicate), and checks the counters add up.
inline void check_ledger(const po::Envelope& env) {
    po::LedgerConfig cfg;
    cfg.enforce_mwu = false;  // reach the signature and fragment checks
    po::Ledger ledger(cfg);
    const auto& party = open_party();
    po::Envelope first;
    first.announcement = party.ann;
    auto r0 = ledger.apply_share(open_share(1, party.ann.address_hash()), first);
    FUZZ_CHECK(r0.announcement == po::AnnouncementOutcome::registered);

    const po::AddressHash payout =
        env.announcement ? env.announcement->address_hash() : party.ann.address_hash();
    auto r1 = ledger.apply_share(open_share(2, payout), env);
    // Every message is accepted, pending (a fragment) or ignored; a restarted fragment
    // sequence, the announcement and the sacrifice tag may add ignored items.
    FUZZ_CHECK(r1.messages.size() + r1.fragments_pending <= env.messages.size());
    FUZZ_CHECK(r1.messages.size() + r1.fragments_pending + r1.ignored.total() >=
               env.messages.size());
    for (const auto& m : r1.messages) {
        FUZZ_CHECK(m.verified);
        FUZZ_CHECK(m.sender_address && !m.sender_address->empty());
        FUZZ_CHECK(!m.is_protocol_authority());
    }
    auto r2 = ledger.apply_share(open_share(3, payout), env);
    for (const auto& m : r2.messages) {
        // Only messages that a rotation in this same envelope did not yet cover can repeat;
        // the whole-message ones accepted at height 2 are duplicates now.
        FUZZ_CHECK(m.verified);
    }
    FUZZ_CHECK(r2.messages.size() <= env.messages.size());
    ledger.reset();
    FUZZ_CHECK(ledger.keys().empty());
}

}  // namespace sharemsg::fuzz
