// What a C++ pool node does with libsharemsg, in the order it meets share messaging:
//   work generation  - an outbox of authority-signed messages becomes the message_data of
//                      the share it mines;
//   share checks     - every share received is held to the V36 message_data rule; the same
//                      blob in share after share costs a hash, not a signature check;
//   web API          - the accepted messages go into the store, which answers in JSON.
//
// Usage: pool_node [transition.hex]
// With a hex file (the deployed network's transition blob), it is also checked under the
// mainnet authority keys. Exits 0 when every step gave what a node expects.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <sharemsg/sharemsg.hpp>

namespace {

// Test authority A of the reference's public vectors. Its secret key is published, so it
// stands in for an authority here; never trust it on a real network.
const char* TEST_AUTHORITY_KEY = "35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5";

sharemsg::Bytes unhex(const std::string& h) {
    sharemsg::Bytes out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
    return out;
}

bool expect(bool ok, const std::string& what) {
    std::cout << (ok ? "ok    " : "FAIL  ") << what << "\n";
    return ok;
}

}  // namespace

int main(int argc, char** argv) try {
    bool all = true;
    const double now = 1700000000;
    sharemsg::Context ctx(SHAREMSG_AUTHORITIES_TEST);

    // Work generation: a signed transition signal waits in the outbox; each share this node
    // mines carries the message_data built from it.
    const std::string signal = R"({"from":"35","to":"36","msg":"example","urg":"info"})";
    const auto key = unhex(TEST_AUTHORITY_KEY);
    const auto message = sharemsg::message_create(
        0x20, 0x0f, 1700000000,
        {reinterpret_cast<const std::uint8_t*>(signal.data()), signal.size()}, key.data());
    sharemsg::Outbox outbox(ctx);
    outbox.add(message);
    const auto message_data = outbox.build();
    all &=
        expect(!message_data.empty() && message_data[0] == 0x01,
               "outbox built a v1 envelope of " + std::to_string(message_data.size()) + " bytes");

    // Share verification: shares from peers carry the same blob again and again.
    sharemsg::Store store(ctx);
    for (int share = 0; share < 3; ++share) {
        auto verdict = ctx.verify(message_data);
        all &= expect(verdict.valid() && verdict.size() == 1,
                      std::string("share ") + std::to_string(share) + ": " + verdict.rule_name() +
                          (verdict.cached() ? " (from the verify-once cache)" : ""));
        std::array<std::uint8_t, 32> share_hash{};
        share_hash[31] = static_cast<std::uint8_t>(share);
        store.add_verified(verdict, share_hash, "LexamplePayoutAddress", now);
    }
    const auto [hits, misses] = ctx.cache_stats();
    all &= expect(hits == 2 && misses == 1, "signature checks: " + std::to_string(misses) +
                                                ", cache answers: " + std::to_string(hits));

    // A forged blob (one byte changed) is refused, and the share with it.
    auto forged = message_data;
    forged.back() ^= 1;
    auto bad = ctx.verify(forged);
    all &= expect(!bad.valid(), std::string("forged message_data: ") + bad.rule_name());

    // Web API: the store's JSON, as /msg/recent would serve it.
    all &= expect(store.size() == 1, "store holds " + std::to_string(store.size()) + " message");
    std::cout << store.json(now) << "\n";

    if (argc > 1) {
        std::ifstream f(argv[1]);
        std::string hex((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
            hex.pop_back();
        sharemsg::Context mainnet(SHAREMSG_AUTHORITIES_MAINNET);
        auto v = mainnet.verify(unhex(hex));
        all &= expect(v.valid() && v.size() == 1,
                      std::string("mainnet transition blob: ") + v.rule_name() + ", " + v.reason());
    }
    return all ? 0 : 1;
} catch (const sharemsg::Error& e) {
    std::cerr << "pool_node: " << e.what() << "\n";
    return 2;
}
