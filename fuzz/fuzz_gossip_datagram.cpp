// Fuzz target: the gossip datagram decoder (gossip/codec.hpp), and the peer table fed with
// what it decodes.
//
// Properties: a datagram accepted re-encodes to exactly the input bytes (one description,
// strict reading, nothing after the body), and is at most MAX_DATAGRAM bytes; every announce
// has 1..6 distinct endpoints with ports not 0, a known NAT type, format 1, and the size
// announce_size gives; its canonical bytes are its body less the 64-byte signature; checking
// its signatures does not crash. The announces, applied to a peer table with small limits,
// keep the table within them, and every page of deltas_since encodes. A refusal names a
// problem and has a detail.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_common.hpp"
#include "gossip/codec.hpp"
#include "gossip/peer_table.hpp"

using namespace sharemsg;
using namespace sharemsg::gossip;

namespace {

void check_announce(const Announce& a) {
    FUZZ_CHECK(a.format == FORMAT_VERSION);
    FUZZ_CHECK(!a.endpoints.empty() && a.endpoints.size() <= MAX_ENDPOINTS);
    for (std::size_t i = 0; i < a.endpoints.size(); ++i) {
        FUZZ_CHECK(a.endpoints[i].port != 0);
        for (std::size_t j = 0; j < i; ++j)
            FUZZ_CHECK(!(a.endpoints[i] == a.endpoints[j]));
    }
    FUZZ_CHECK(static_cast<std::uint8_t>(a.nat) < relay::NAT_TYPE_COUNT);
    FUZZ_CHECK(announce_size(a) >= MIN_ANNOUNCE_SIZE && announce_size(a) <= MAX_ANNOUNCE_SIZE);
    FUZZ_CHECK(canonical_bytes(a).size() == announce_size(a) - 64);
    (void)signature_ok(a);
    (void)delegation_ok(a);
}

void exercise_table(const std::vector<Announce>& announces) {
    Limits l;
    l.max_identities = 2;
    l.max_entries = 7;
    l.max_endpoints = 4;
    PeerTable t(proto::open::DEVNET_NETWORK_ID, 1000, l);
    std::uint64_t now = 1000;
    for (const auto& a : announces) {
        (void)t.apply(a, ++now);
        FUZZ_CHECK(t.identities() <= l.max_identities);
        FUZZ_CHECK(t.entries() <= l.max_entries);
        (void)t.record_result(a.signing_id(), a.endpoints.front(), (now & 1) != 0, now);
        FUZZ_CHECK(t.entries() <= l.max_entries);
        FUZZ_CHECK(t.best_endpoints(a.signing_id(), 6).size() <= l.max_endpoints);
    }
    std::uint64_t cursor = 0;
    for (std::size_t pages = 0; pages < 8; ++pages) {
        const DeltaPage page = t.deltas_since(cursor);
        FUZZ_CHECK(encode(Delta{0, page.cursor, page.more, page.announces}).ok());
        cursor = page.cursor;
        if (!page.more) break;
    }
    (void)t.expire(now + 10'000);
    FUZZ_CHECK(t.identities() == 0 && t.entries() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    auto d = decode(in);
    if (!d) {
        FUZZ_CHECK(!d.failure().detail.empty());
        FUZZ_CHECK(std::strcmp(problem_name(d.failure().problem), "unknown") != 0);
        return 0;
    }
    FUZZ_CHECK(size <= MAX_DATAGRAM);
    auto again = encode(*d);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == Bytes(in.begin(), in.end()));
    if (const auto* a = std::get_if<Announce>(&*d)) {
        check_announce(*a);
        FUZZ_CHECK(size == HEADER_SIZE + announce_size(*a));
        exercise_table({*a});
    } else if (const auto* p = std::get_if<Pull>(&*d)) {
        FUZZ_CHECK(size == HEADER_SIZE + PULL_SIZE);
        (void)p;
    } else {
        const auto& delta = std::get<Delta>(*d);
        std::size_t total = HEADER_SIZE + DELTA_HEADER_SIZE;
        for (const auto& each : delta.announces) {
            check_announce(each);
            total += announce_size(each);
        }
        FUZZ_CHECK(total == size);
        FUZZ_CHECK(delta.announces.size() <= DELTA_ANNOUNCES_AT_MOST);
        exercise_table(delta.announces);
    }
    return 0;
}
