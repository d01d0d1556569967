// The web port's pure rules: Host names (node/http_policy.hpp), the bearer token, client keys
// and connection slots, the endpoint table (node/http_routes.hpp) and the message object's rule
// for private text (node/api_json.hpp). tests/integration/test_hostile_http.cpp checks the same
// over HTTP against a running sharemsgd.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/hash.hpp"
#include "node/api_json.hpp"
#include "node/http_policy.hpp"
#include "node/http_routes.hpp"
#include "proto/open_private.hpp"
#include "util/bytes.hpp"

using namespace sharemsg;
using namespace sharemsg::node;

TEST(HttpHost, NameOfAHostHeader) {
    EXPECT_EQ(host_name_of("localhost"), "localhost");
    EXPECT_EQ(host_name_of("LocalHost:8080"), "localhost");
    EXPECT_EQ(host_name_of("127.0.0.1:19437"), "127.0.0.1");
    EXPECT_EQ(host_name_of("[::1]"), "[::1]");
    EXPECT_EQ(host_name_of("[::1]:80"), "[::1]");
    EXPECT_EQ(host_name_of("[FE80::1]:1"), "[fe80::1]");
    EXPECT_EQ(host_name_of("node_1.example.org:65535"), "node_1.example.org");
    for (const char* bad :
         {"", ":80", "localhost:", "localhost:123456", "localhost:8a", "[::1", "[]", "[::1]x",
          "[::1]:", "[::g]", "::1", "local host", "a/b", "localhost:80:80", "x\r\ny", "évil"})
        EXPECT_FALSE(host_name_of(bad).has_value()) << bad;
}

TEST(HttpHost, AllowListServesLoopbackAndGivenNames) {
    const HostAllowList loopback;
    for (const char* ok : {"localhost", "localhost:19437", "127.0.0.1", "127.0.0.1:1", "[::1]",
                           "[::1]:19437", "LOCALHOST"})
        EXPECT_TRUE(loopback.allows(std::string_view(ok))) << ok;
    for (const char* no : {"evil.example", "localhost.evil.example", "127.0.0.1.nip.io",
                           "127.0.0.2", "0.0.0.0", "[::]", "node.example.org", "", "::1"})
        EXPECT_FALSE(loopback.allows(std::string_view(no))) << no;
    EXPECT_FALSE(loopback.allows(std::nullopt)) << "no Host header";

    const HostAllowList more({"node.example.org", "192.168.1.5", "[fd00::5]"});
    for (const char* ok : {"node.example.org", "NODE.example.org:8080", "192.168.1.5:19437",
                           "[fd00::5]:1", "localhost"})
        EXPECT_TRUE(more.allows(std::string_view(ok))) << ok;
    EXPECT_FALSE(more.allows(std::string_view("example.org")));
    EXPECT_FALSE(more.allows(std::string_view("sub.node.example.org")));
}

TEST(HttpHost, FlagValuesAreNamesWithoutPorts) {
    EXPECT_EQ(HostAllowList::normalize("Node.Example.ORG").value(), "node.example.org");
    EXPECT_EQ(HostAllowList::normalize("fe80::1").value(), "[fe80::1]");
    EXPECT_EQ(HostAllowList::normalize("[FD00::5]").value(), "[fd00::5]");
    EXPECT_EQ(HostAllowList::normalize("10.0.0.5").value(), "10.0.0.5");
    for (const char* bad : {"", "example.org:80", "cafe:80", "[::1]:80", "a b", "http://x", "x/"}) {
        auto r = HostAllowList::normalize(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_NE(r.error().reason.find("--web-allow-host"), std::string::npos);
    }
    EXPECT_FALSE(HostAllowList::bind_name("0.0.0.0").has_value());
    EXPECT_FALSE(HostAllowList::bind_name("::").has_value());
    EXPECT_EQ(HostAllowList::bind_name("10.0.0.5"), "10.0.0.5");
    EXPECT_EQ(HostAllowList::bind_name("fd00::5"), "[fd00::5]");
    EXPECT_EQ(HostAllowList::bind_name("127.0.0.1"), "127.0.0.1");
}

TEST(HttpToken, BearerScheme) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer abc"), "abc");
    EXPECT_EQ(bearer_token("BEARER abc def"), "abc def");
    for (const char* bad : {"", "Bearer", "Bearer ", "Basic abc", "Bearerabc", "abc"})
        EXPECT_FALSE(bearer_token(bad).has_value()) << bad;
}

TEST(HttpSlots, ClientKeys) {
    const std::array<std::uint8_t, 4> v4{127, 0, 0, 1};
    std::array<std::uint8_t, 16> mapped{};
    mapped[10] = mapped[11] = 0xff;
    mapped[12] = 127;
    mapped[15] = 1;
    EXPECT_EQ(client_key_v4(v4), client_key_v6(mapped)) << "IPv4-mapped IPv6 is IPv4";
    EXPECT_NE(client_key_v4(v4), client_key_v4({127, 0, 0, 2}));
    std::array<std::uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8};
    auto b = a;
    b[15] = 9;  // the same /64
    EXPECT_EQ(client_key_v6(a), client_key_v6(b));
    b[7] = 2;  // another /64
    EXPECT_NE(client_key_v6(a), client_key_v6(b));
}

TEST(HttpSlots, LimitsFollowTheOpenFileLimit) {
    const auto d = limits_for_open_files(1 << 20);
    EXPECT_EQ(d.total, 1024u);
    EXPECT_EQ(d.streams_total, 256u);
    EXPECT_EQ(d.per_client, 32u);
    EXPECT_EQ(d.streams_per_client, 8u);
    EXPECT_EQ(d.refusals, 64u);
    const auto deb = limits_for_open_files(1024);  // Debian's default soft limit
    EXPECT_EQ(deb.total, 512u);
    EXPECT_EQ(deb.streams_total, 128u);
    EXPECT_EQ(deb.refusals, 32u);
    const auto tiny = limits_for_open_files(20);
    EXPECT_EQ(tiny.total, 64u);
    EXPECT_EQ(tiny.streams_total, 16u);
    EXPECT_EQ(tiny.refusals, 4u);
    EXPECT_EQ(tiny.per_client, 32u);
    EXPECT_EQ(tiny.streams_per_client, 8u);
}

TEST(HttpSlots, PerClientLimitsAreGivenAndTheTotalsBoundThem) {
    const auto wide = limits_for_open_files(1 << 20, 100, 40);  // --web-client-*
    EXPECT_EQ(wide.per_client, 100u);
    EXPECT_EQ(wide.streams_per_client, 40u);
    EXPECT_EQ(wide.total, 1024u);
    const auto tiny = limits_for_open_files(20, 1000, 200);
    EXPECT_EQ(tiny.per_client, 64u);
    EXPECT_EQ(tiny.streams_per_client, 16u);
}

TEST(HttpSlots, PerClientAndTotal) {
    HttpLimits l;
    l.per_client = 2;
    l.total = 3;
    l.streams_per_client = 1;
    l.streams_total = 2;
    ClientSlots s(l);
    const auto a = client_key_v4({10, 0, 0, 1}), b = client_key_v4({10, 0, 0, 2}),
               c = client_key_v4({10, 0, 0, 3});
    using Room = ClientSlots::Room;
    EXPECT_EQ(s.room(a, Slot::request), Room::free);
    EXPECT_FALSE(s.busiest().has_value());
    s.take(a, Slot::request);
    s.take(a, Slot::request);
    EXPECT_EQ(s.room(a, Slot::request), Room::client_full);
    EXPECT_EQ(s.room(b, Slot::request), Room::free);
    s.take(b, Slot::request);
    EXPECT_EQ(s.room(c, Slot::request), Room::server_full);
    EXPECT_EQ(s.room(a, Slot::request), Room::client_full) << "the client's own cap first";
    EXPECT_EQ(s.busiest(), a);
    EXPECT_EQ(s.total(Slot::request), 3u);
    // Streams are counted apart.
    EXPECT_EQ(s.room(a, Slot::stream), Room::free);
    s.take(a, Slot::stream);
    EXPECT_EQ(s.room(a, Slot::stream), Room::client_full);
    s.take(b, Slot::stream);
    EXPECT_EQ(s.room(c, Slot::stream), Room::server_full);
    s.give_back(a, Slot::request);
    EXPECT_EQ(s.room(c, Slot::request), Room::free);
    EXPECT_EQ(s.held(a, Slot::request), 1u);
    // Giving back what is not held changes nothing; a client with nothing is forgotten.
    s.give_back(c, Slot::request);
    s.give_back(b, Slot::request);
    s.give_back(b, Slot::request);
    s.give_back(b, Slot::stream);
    EXPECT_EQ(s.total(Slot::request), 1u);
    EXPECT_EQ(s.total(Slot::stream), 1u);
    EXPECT_EQ(s.clients(), 1u);
}

TEST(HttpRoutes, OneTableEntryPerPath) {
    std::set<std::string_view> paths;
    std::set<std::string_view> with_token;
    for (const auto& r : route_table()) {
        EXPECT_TRUE(paths.insert(r.path).second) << "twice: " << r.path;
        EXPECT_NE(r.methods, 0u) << r.path;
        if (r.access == Access::token) with_token.insert(r.path);
        EXPECT_EQ(find_route(r.path), &r);
    }
    // What changes the node, the outbox, what makes it connect out (a direct link), the node's
    // own mail and its signing sessions need the token; nothing else does.
    EXPECT_EQ(with_token,
              (std::set<std::string_view>{
                  "/msg/outbox", "/msg/send", "/msg/authority", "/msg/ban", "/msg/rotate_key",
                  "/net/ping/", "/mail/send", "/mail/inbox", "/mail/read/", "/mail/outbox",
                  "/mail/status", "/mail/stream", "/musig/start", "/musig/join/", "/musig/cancel/",
                  "/musig/sessions", "/musig/session/", "/musig/status"}));
    for (const char* p : {"/health", "/metrics", "/msg/recent", "/msg/chat", "/msg/announcements",
                          "/msg/alerts", "/msg/status", "/msg/stream", "/msg/stats", "/msg/keys",
                          "/msg/identity", "/msg/activity", "/msg/bans"})
        ASSERT_NE(find_route(p), nullptr) << p;
    EXPECT_EQ(find_route("/msg/stream")->handler, nullptr) << "the server keeps streams";
    EXPECT_EQ(find_route("/msg/ban")->methods, unsigned{kPost | kDelete});
    EXPECT_EQ(find_route("/msg/send")->methods, unsigned{kPost});
    EXPECT_EQ(find_route("/msg/recent")->methods, unsigned{kGet});
    for (const char* p : {"/", "/static/bbs.html", "/msg/recent?limit=1", "/msg", "/MSG/RECENT",
                          "/msg/recent/", ""})
        EXPECT_EQ(find_route(p), nullptr) << p;
    EXPECT_EQ(method_bit("GET"), unsigned{kGet});
    EXPECT_EQ(method_bit("DELETE"), unsigned{kDelete});
    EXPECT_EQ(method_bit("get"), 0u);
    EXPECT_EQ(method_bit("PUT"), 0u);
}

namespace {

proto::ShareMessage private_message(const std::string& text) {
    auto m = proto::ShareMessage::make(
        proto::MSG_MINER_MESSAGE, as_bytes(text),
        proto::FLAG_HAS_SIGNATURE | proto::FLAG_PERSISTENT | proto::open::FLAG_PRIVATE, 1700000000);
    m.signing_id = proto::SigningId{};
    m.signing_id->fill(0x11);
    m.recipient = proto::SigningId{};
    m.recipient->fill(0x22);
    m.verified = true;
    return m;
}

}  // namespace

TEST(HttpPrivateText, HiddenWithoutTheToken) {
    const std::string secret = "meet at the usual place";
    const auto m = private_message(secret);
    const auto hidden = message_json(m, 1700000010, PrivateText::hidden);
    EXPECT_EQ(hidden["payload"], std::string(proto::open::ENCRYPTED_PLACEHOLDER));
    EXPECT_TRUE(hidden["private"].get<bool>());
    EXPECT_EQ(hidden["to"], std::string(40, '2'));
    // The hash every node without the keys computes (over the payload it stores,
    // "[encrypted]"), never the plaintext's, which would confirm a guessed text.
    auto as_elsewhere = m;
    const auto& p = proto::open::ENCRYPTED_PLACEHOLDER;
    as_elsewhere.payload.assign(p.begin(), p.end());
    EXPECT_EQ(hidden["message_hash"], to_hex(as_elsewhere.hash()));
    EXPECT_NE(hidden["message_hash"], to_hex(m.hash()));
    EXPECT_EQ(hidden.dump().find(secret), std::string::npos);
    EXPECT_EQ(hidden.dump().find(to_hex(m.hash())), std::string::npos);

    const auto shown = message_json(m, 1700000010, PrivateText::shown);
    EXPECT_EQ(shown["payload"], secret);
    EXPECT_EQ(shown["message_hash"], to_hex(m.hash()));
    EXPECT_EQ(shown["signing_id"], hidden["signing_id"]);
    EXPECT_EQ(shown["flags"], hidden["flags"]);

    // A public message is the same either way.
    auto pub = m;
    pub.recipient.reset();
    EXPECT_EQ(message_json(pub, 1700000010, PrivateText::hidden),
              message_json(pub, 1700000010, PrivateText::shown));
    EXPECT_EQ(message_json(pub, 1700000010, PrivateText::hidden)["payload"], secret);
}

TEST(HttpPrivateText, StreamEventFormat) {
    EXPECT_EQ(sse_event("message", nlohmann::ordered_json{{"a", 1}}),
              "event: message\ndata: {\"a\":1}\n\n");
    // Bytes that are not UTF-8 never make an event fail.
    EXPECT_EQ(sse_event("alert", nlohmann::ordered_json("\xff")),
              "event: alert\ndata: \"\xEF\xBF\xBD\"\n\n");
}
