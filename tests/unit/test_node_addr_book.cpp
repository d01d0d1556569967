// AddrBook's rules: the reference's record keeping (first_seen kept, last_seen the later,
// timestamps capped at now), the hard cap and who gives way when full, the per-source rate,
// the preference order, expiry and dial failures, the unroutable addresses, and the file.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "node/addr_book.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

AddrBook::Limits limits(std::size_t max_entries = 1000, std::size_t per_source = 1000) {
    AddrBook::Limits l;
    l.max_entries = max_entries;
    l.new_per_source = per_source;
    return l;
}

std::string host(int i) {
    return "198.51." + std::to_string(i / 256) + "." + std::to_string(i % 256);
}

}  // namespace

TEST(AddrBook, KeepsFirstSeenAndTheLaterLastSeen) {
    AddrBook book(limits());
    EXPECT_EQ(book.add("203.0.113.5", 9338, 1, kNow - 500, kNow, "x"), AddrVerdict::added);
    EXPECT_EQ(book.add("203.0.113.5", 9338, 7, kNow - 900, kNow, "x"), AddrVerdict::updated);
    const auto* e = book.find("203.0.113.5", 9338);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->first_seen, kNow - 500);
    EXPECT_EQ(e->last_seen, kNow - 500);  // an older report does not move it back
    EXPECT_EQ(e->services, 7u);
    EXPECT_EQ(book.add("203.0.113.5", 9338, 7, kNow - 100, kNow, "x"), AddrVerdict::updated);
    EXPECT_EQ(book.find("203.0.113.5", 9338)->last_seen, kNow - 100);
    // A timestamp in the future counts as now.
    EXPECT_EQ(book.add("203.0.113.6", 9338, 0, kNow + 99999, kNow, "x"), AddrVerdict::added);
    EXPECT_EQ(book.find("203.0.113.6", 9338)->last_seen, kNow);
    // The same address in its IPv4-mapped IPv6 form is the same entry.
    EXPECT_EQ(book.add("::ffff:203.0.113.6", 9338, 0, kNow, kNow, "x"), AddrVerdict::updated);
    EXPECT_EQ(book.size(), 2u);
}

TEST(AddrBook, RefusesWhatCannotBeDialled) {
    AddrBook strict(limits());
    EXPECT_EQ(strict.add("127.0.0.1", 9338, 0, kNow, kNow, ""), AddrVerdict::refused_unroutable);
    EXPECT_EQ(strict.add("::1", 9338, 0, kNow, kNow, ""), AddrVerdict::refused_unroutable);
    EXPECT_EQ(strict.add("0.0.0.0", 9338, 0, kNow, kNow, ""), AddrVerdict::refused_unroutable);
    EXPECT_EQ(strict.add("224.0.0.1", 9338, 0, kNow, kNow, ""), AddrVerdict::refused_unroutable);
    EXPECT_EQ(strict.add("255.255.255.255", 9338, 0, kNow, kNow, ""),
              AddrVerdict::refused_unroutable);
    EXPECT_EQ(strict.add("203.0.113.1", 0, 0, kNow, kNow, ""), AddrVerdict::refused_unroutable);
    EXPECT_EQ(strict.add("not an address", 9338, 0, kNow, kNow, ""), AddrVerdict::refused_invalid);
    EXPECT_EQ(strict.add("10.0.0.1", 9338, 0, kNow, kNow, ""), AddrVerdict::added);  // a LAN
    EXPECT_EQ(strict.size(), 1u);

    auto l = limits();
    l.allow_loopback = true;  // the devnet
    AddrBook devnet(l);
    EXPECT_EQ(devnet.add("127.0.0.1", 19438, 0, kNow, kNow, ""), AddrVerdict::added);
    EXPECT_EQ(devnet.add("0.0.0.0", 19438, 0, kNow, kNow, ""), AddrVerdict::refused_unroutable);
}

TEST(AddrBook, HardCapKeepsEntriesThatWork) {
    AddrBook book(limits(10));
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(book.add(host(i), 9338, 0, kNow, kNow, ""), AddrVerdict::added);
    EXPECT_EQ(book.add(host(100), 9338, 0, kNow, kNow, ""), AddrVerdict::refused_full);
    EXPECT_EQ(book.size(), 10u);
    // An entry that failed a dial gives way; the others stay.
    book.failed(host(3), 9338);
    EXPECT_EQ(book.add(host(100), 9338, 0, kNow, kNow, ""), AddrVerdict::replaced);
    EXPECT_EQ(book.size(), 10u);
    EXPECT_EQ(book.find(host(3), 9338), nullptr);
    EXPECT_NE(book.find(host(100), 9338), nullptr);
    EXPECT_EQ(book.add(host(101), 9338, 0, kNow, kNow, ""), AddrVerdict::refused_full);
    // A flood of new addresses never grows the book.
    for (int i = 200; i < 5000; ++i)
        book.add(host(i), 9338, 0, kNow, kNow, "");
    EXPECT_EQ(book.size(), 10u);
}

TEST(AddrBook, EachSourceAddsALimitedNumberPerWindow) {
    AddrBook book(limits(1000, 3));
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(book.add(host(i), 9338, 0, kNow, kNow, "192.0.2.1"), AddrVerdict::added);
    EXPECT_EQ(book.add(host(3), 9338, 0, kNow, kNow, "192.0.2.1"), AddrVerdict::refused_rate);
    // Refreshing a known address is not limited; another source has its own share.
    EXPECT_EQ(book.add(host(0), 9338, 0, kNow, kNow, "192.0.2.1"), AddrVerdict::updated);
    EXPECT_EQ(book.add(host(3), 9338, 0, kNow, kNow, "192.0.2.2"), AddrVerdict::added);
    // Our own knowledge (no source) is not limited.
    EXPECT_EQ(book.add(host(4), 9338, 0, kNow, kNow, ""), AddrVerdict::added);
    EXPECT_EQ(book.size(), 5u);
}

TEST(AddrBook, PrefersLongKnownRecentlySeenAddresses) {
    AddrEntry old_and_long{"203.0.113.1", 1, 0, kNow - 30 * 86400, kNow - 60, 0};
    AddrEntry new_and_stale{"203.0.113.2", 1, 0, kNow - 5 * 86400, kNow - 5 * 86400, 0};
    EXPECT_LT(addr_preference(old_and_long, kNow), addr_preference(new_and_stale, kNow));

    auto l = limits();
    l.max_age = std::chrono::seconds(60 * 86400);
    AddrBook book(l);
    book.add(old_and_long.host, 1, 0, old_and_long.first_seen, kNow, "");
    book.add(old_and_long.host, 1, 0, old_and_long.last_seen, kNow, "");
    book.add(new_and_stale.host, 1, 0, new_and_stale.last_seen, kNow, "");
    std::mt19937_64 rng(7);
    int first = 0;
    for (int i = 0; i < 1000; ++i)
        first += book.good(1, kNow, rng).at(0).host == old_and_long.host;
    // Random spread: mostly first, not always.
    EXPECT_GT(first, 650);
    EXPECT_LT(first, 1000);
    EXPECT_EQ(book.good(100, kNow, rng).size(), 2u);
}

TEST(AddrBook, OldAndFailingEntriesAreDropped) {
    auto l = limits();
    l.max_age = std::chrono::seconds(3600);
    l.max_failures = 2;
    AddrBook book(l);
    EXPECT_EQ(book.add(host(1), 1, 0, kNow - 7200, kNow, ""), AddrVerdict::refused_old);
    ASSERT_EQ(book.add(host(2), 1, 0, kNow - 1800, kNow, ""), AddrVerdict::added);
    ASSERT_EQ(book.add(host(3), 1, 0, kNow, kNow, ""), AddrVerdict::added);
    EXPECT_EQ(book.expire(kNow + 1000), 0u);
    EXPECT_EQ(book.expire(kNow + 2000), 1u);
    EXPECT_EQ(book.find(host(2), 1), nullptr);

    book.failed(host(3), 1);
    book.reached(host(3), 1, kNow);  // a success clears the count
    book.failed(host(3), 1);
    EXPECT_NE(book.find(host(3), 1), nullptr);
    book.failed(host(3), 1);
    EXPECT_EQ(book.find(host(3), 1), nullptr);
}

TEST(AddrBook, FileRoundTripAndCorruption) {
    AddrBook book(limits());
    book.add("203.0.113.9", 9338, 5, kNow - 3600, kNow, "");
    book.add("203.0.113.9", 9338, 5, kNow - 60, kNow, "");
    book.add("2001:db8::1", 9339, 0, kNow, kNow, "");
    AddrBook back(limits());
    std::size_t skipped = 99;
    ASSERT_TRUE(back.load_json(book.to_json(), kNow, &skipped));
    EXPECT_EQ(skipped, 0u);
    EXPECT_EQ(back.to_json(), book.to_json());
    EXPECT_EQ(back.find("203.0.113.9", 9338)->first_seen, kNow - 3600);

    EXPECT_FALSE(back.load_json("{not json", kNow));
    EXPECT_FALSE(back.load_json("{\"a\":1}", kNow));
    // Malformed entries are skipped, the rest kept; the cap holds for the file too.
    ASSERT_TRUE(back.load_json(
        R"([{"host":"203.0.113.1","port":1,"services":0,"first_seen":1,"last_seen":)" +
            std::to_string(kNow) +
            R"(},{"host":7},{"host":"x","port":1,"services":0,"first_seen":1,"last_seen":1},)"
            R"({"host":"203.0.113.2","port":70000,"services":0,"first_seen":1,"last_seen":1},3])",
        kNow, &skipped));
    EXPECT_EQ(back.size(), 1u);
    EXPECT_EQ(skipped, 4u);
    AddrBook small(limits(2));
    std::string many = "[";
    for (int i = 0; i < 5; ++i)
        many += (i ? "," : "") + std::string(R"({"host":")") + host(i) +
                R"(","port":1,"services":0,"first_seen":1,"last_seen":)" + std::to_string(kNow) +
                "}";
    ASSERT_TRUE(small.load_json(many + "]", kNow));
    EXPECT_EQ(small.size(), 2u);
}
