// A peer that sends a share whose message_data was altered is rejected and penalized; the
// node keeps serving and keeps every message it had.
#include <gtest/gtest.h>

#include "chain/share.hpp"
#include "harness.hpp"
#include "node/network.hpp"
#include "p2p/frame.hpp"
#include "p2p/messages.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"

using namespace itest;
using namespace sharemsg;

namespace {

// A minimal p2pool peer over a blocking socket, built from the library's codec.
class RawPeer {
  public:
    explicit RawPeer(std::uint16_t port)
        : fd_(connect_local(port, 5000)), decoder_(net_.p2p.prefix) {}
    ~RawPeer() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connected() const { return fd_ >= 0; }
    bool send(const p2p::Message& m) {
        auto bytes = p2p::encode_message(net_.p2p.prefix, m);
        return bytes && ::send(fd_, bytes->data(), bytes->size(), MSG_NOSIGNAL) ==
                            static_cast<ssize_t>(bytes->size());
    }
    // The next decoded message, or nullopt when the connection closed or timed out.
    std::optional<p2p::Message> next() {
        for (;;) {
            if (!pending_.empty()) {
                auto m = std::move(pending_.front());
                pending_.erase(pending_.begin());
                return m;
            }
            std::uint8_t buf[65536];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                closed_ = (n == 0);
                return std::nullopt;
            }
            for (auto& ev : decoder_.feed(ByteView(buf, static_cast<std::size_t>(n))))
                if (auto* f = std::get_if<p2p::Frame>(&ev))
                    if (auto m = p2p::decode_message(f->command, f->payload))
                        pending_.push_back(std::move(*m));
        }
    }
    bool closed_by_remote() {
        while (next()) {
        }
        return closed_;
    }
    bool handshake() {
        p2p::Version v;
        v.version = p2p::PROTOCOL_VERSION;
        v.nonce = 0x1234567890abcdefULL;
        v.mode = p2p::VERSION_MODE;
        if (!send(v)) return false;
        while (auto m = next())
            if (std::holds_alternative<p2p::Version>(*m)) return true;
        return false;
    }

  private:
    node::Network net_ = node::devnet_network();
    int fd_;
    p2p::FrameDecoder decoder_;
    std::vector<p2p::Message> pending_;
    bool closed_ = false;
};

}  // namespace

TEST(DevnetMisbehaviour, TamperedMessageDataRejectedAndPeerPenalized) {
    const auto dir = test_dir("devnet-tamper");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const std::string text = "tamper test " + std::to_string(::getpid());
    ASSERT_TRUE(a.start(
        {"--share-period", "0.3", "--transition-message", test_authority_blob(text, "required")}))
        << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();
    ASSERT_TRUE(wait_until([&] { return b.get("/msg/recent").json()["messages"].size() > 0; },
                           std::chrono::seconds(60)))
        << b.log();
    const auto messages_before = b.get("/msg/recent?limit=200").json()["messages"];

    // Fetch B's best share over P2P, as any peer can.
    RawPeer peer(b.p2p_port);
    ASSERT_TRUE(peer.connected());
    ASSERT_TRUE(peer.handshake());
    const auto best_hex = b.get("/health").json().value("best_share", std::string());
    ASSERT_EQ(best_hex.size(), 64u);
    p2p::ShareReq req;
    req.id[0] = 1;
    auto best = *from_hex(best_hex);
    std::copy(best.begin(), best.end(), req.id.begin());
    req.hashes.push_back(req.id);
    req.parents = 0;
    ASSERT_TRUE(peer.send(req));
    std::optional<p2p::WrappedShare> original;
    while (auto m = peer.next()) {
        if (auto* r = std::get_if<p2p::ShareReply>(&*m)) {
            ASSERT_FALSE(r->shares.empty());
            original = r->shares.front();
            break;
        }
    }
    ASSERT_TRUE(original);

    // Flip one byte of its message_data and send it back as a new share.
    auto share = chain::decode_share(original->type, original->contents);
    ASSERT_TRUE(share);
    ASSERT_TRUE(share->message_data && share->message_data->size() > 60);
    (*share->message_data)[60] ^= 0x01;
    auto tampered = chain::wrap_share(*share);
    ASSERT_TRUE(tampered);
    ASSERT_TRUE(peer.send(p2p::Shares{{p2p::WrappedShare{tampered->type, tampered->contents}}}));

    // B drops the connection, says which rule, counts it, and keeps serving what it had.
    EXPECT_TRUE(peer.closed_by_remote());
    EXPECT_TRUE(wait_until([&] { return b.log().find("broke rule") != std::string::npos; },
                           std::chrono::seconds(10)))
        << b.log();
    const auto metrics = b.get("/metrics").body;
    EXPECT_NE(metrics.find("sharemsg_shares_rejected_total"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("sharemsg_peer_penalties_total"), std::string::npos) << metrics;
    EXPECT_EQ(b.get("/health").status, 200);
    const auto after = b.get("/msg/recent?limit=200").json()["messages"];
    for (const auto& m : messages_before) {
        bool found = false;
        for (const auto& x : after)
            found = found || x["message_hash"] == m["message_hash"];
        EXPECT_TRUE(found) << "lost " << m.dump();
    }
}
