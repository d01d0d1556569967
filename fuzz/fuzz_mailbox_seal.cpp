// Fuzz target: the mailbox's end-to-end encryption (mailbox/seal.hpp) over the same bytes: a
// sealed payload opened by a fixed receiving chain (Alice -> Bob on the devnet, keys 0x11.. and
// 0x22..), once fresh and once after it opened index 4 (so indexes 0..3 are in its window), and
// a receiving chain's stored state (ReceiveChain::from_bytes).
//
// Properties: a payload opens only when it is exactly what the sending chain seals for its
// index and plaintext (re-sealed here byte for byte), and then never again (replayed); a
// refusal leaves the chain's state unchanged and names an open() error with a detail, and
// malformed exactly when the length or version says so. A state is accepted only when
// to_bytes() gives back the same bytes; the chain it makes opens the target's fixed message or
// refuses it without crashing.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "fuzz_common.hpp"
#include "mailbox/seal.hpp"
#include "proto/open_envelope.hpp"

using namespace sharemsg;
using namespace sharemsg::mailbox;

namespace {

crypto::PrivKey key(std::uint8_t fill) {
    ByteArray<32> b{};
    b.fill(fill);
    auto k = crypto::PrivKey::from_bytes(b);
    FUZZ_CHECK(k.ok());
    return *k;
}

struct Fixed {
    crypto::PrivKey alice = key(0x11);
    crypto::PrivKey bob = key(0x22);
    NetworkId network = proto::open::DEVNET_NETWORK_ID;
    std::optional<ReceiveChain> fresh;
    std::optional<ReceiveChain> at_five;  // opened index 4: keys of 0..3 kept
    Bytes message0;                       // "hello" sealed as index 0

    Fixed() {
        auto r = ReceiveChain::start(network, bob, alice.pubkey());
        FUZZ_CHECK(r.ok());
        fresh = *r;
        auto s = SendChain::start(network, alice, bob.pubkey());
        FUZZ_CHECK(s.ok());
        Bytes fourth;
        for (int i = 0; i < 5; ++i) {
            auto m = s->seal(as_bytes("hello"));
            FUZZ_CHECK(m.ok());
            if (i == 0) message0 = *m;
            if (i == 4) fourth = *m;
        }
        at_five = *fresh;
        FUZZ_CHECK(at_five->open(fourth).ok());
    }
};

const Fixed& fixed() {
    static const Fixed f;
    return f;
}

bool open_error(SealError e) {
    return e == SealError::malformed || e == SealError::replayed || e == SealError::too_old ||
           e == SealError::too_far || e == SealError::bad_tag;
}

// What the sending chain seals at `index` for `plaintext`.
Bytes reseal(std::uint64_t index, ByteView plaintext) {
    auto s = SendChain::start(fixed().network, fixed().alice, fixed().bob.pubkey());
    FUZZ_CHECK(s.ok());
    while (s->index() < index)
        FUZZ_CHECK(s->seal({}).ok());
    auto m = s->seal(plaintext);
    FUZZ_CHECK(m.ok());
    return *m;
}

void check_open(ReceiveChain chain, ByteView in) {
    const Bytes before = chain.to_bytes();
    const std::uint64_t next = chain.next_index();
    auto o = chain.open(in);
    if (!o) {
        FUZZ_CHECK(open_error(o.failure().problem));
        FUZZ_CHECK(!o.failure().detail.empty());
        FUZZ_CHECK(chain.to_bytes() == before);
        const bool bad_shape =
            in.size() < SEAL_OVERHEAD || in.size() > MAX_PAYLOAD || in[0] != SEAL_VERSION;
        FUZZ_CHECK(bad_shape == (o.failure().problem == SealError::malformed));
        return;
    }
    FUZZ_CHECK(in.size() >= SEAL_OVERHEAD && in.size() <= MAX_PAYLOAD);
    FUZZ_CHECK(o->plaintext.size() == in.size() - SEAL_OVERHEAD);
    FUZZ_CHECK(o->index < chain.next_index());
    FUZZ_CHECK(o->index >= next || chain.next_index() == next);
    FUZZ_CHECK(o->index <= next + MAX_SKIP);
    FUZZ_CHECK(reseal(o->index, o->plaintext) == Bytes(in.begin(), in.end()));
    auto again = chain.open(in);
    FUZZ_CHECK(!again.ok() && again.failure().problem == SealError::replayed);
}

void check_state(ByteView in) {
    auto c = ReceiveChain::from_bytes(fixed().fresh->id(), in);
    if (!c) {
        FUZZ_CHECK(c.failure().problem == SealError::malformed);
        FUZZ_CHECK(!c.failure().detail.empty());
        return;
    }
    const Bytes back = c->to_bytes();
    FUZZ_CHECK(back == Bytes(in.begin(), in.end()));
    auto o = c->open(fixed().message0);
    if (o) FUZZ_CHECK(o->index == 0 && to_string(o->plaintext) == "hello");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    check_open(*fixed().fresh, in);
    check_open(*fixed().at_five, in);
    check_state(in);
    return 0;
}
