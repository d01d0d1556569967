// Fuzz target: the MuSig2 session frames (src/musig/frame.hpp) and the coordinator that takes
// them (src/musig/coordinator.hpp).
//
// Properties:
// - decode_frame accepts only what encode_frame writes back byte for byte; a decoded frame
//   is within the format's bounds (2..64 distinct signers, message 1..1024, context <= 1024,
//   expiry after created within the lifetime, seq >= 1) and at most MAX_FRAME bytes;
// - a coordinator (signer 1 of a fixed 2-of-2 session announced by signer 0) fed the input
//   as it is never crashes, and takes nothing that does not decode;
// - fed the input once more as a session message of the fixed session, re-signed by signer 0
//   (so the signature passes and the state machine runs), it keeps its invariants: at most
//   max_sessions sessions, a complete session has its signature, an aborted one its reason,
//   a blamed signer is in the session; and a sweep far in the future removes everything.
// - read as an alert session's context, it is taken exactly when well formed and its digest
//   is its own, and is written back byte for byte.
// Byte 0 of the input (when present) decides whether signer 1 joins the session first (its
// nonce is drawn from OpenSSL: the rest of the run does not depend on its value).
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/bip340.hpp"
#include "fuzz_common.hpp"
#include "musig/coordinator.hpp"
#include "musig/musig.hpp"
#include "proto/open_authority.hpp"

namespace mu = sharemsg::musig;
namespace crypto = sharemsg::crypto;
using sharemsg::Bytes;
using sharemsg::ByteView;

namespace {

constexpr std::uint64_t NOW = 1700000000;

crypto::PrivKey fuzz_key(int i) {
    auto sk = crypto::PrivKey::from_bytes(
        crypto::sha256(sharemsg::as_bytes("fuzz musig session signer " + std::to_string(i))));
    FUZZ_CHECK(sk.ok());
    return *sk;
}

mu::NetworkId network() {
    return mu::NetworkId{'f', 'u', 'z', 'z', 'm', 'u', 's', 'g'};
}

// The fixed session: signers {key 0, key 1}, created by key 0 at NOW, an hour to live.
const mu::Announcement& fixed_announcement() {
    static const mu::Announcement a = [] {
        mu::Announcement x;
        x.network_id = network();
        x.signers = {fuzz_key(0).pubkey(), fuzz_key(1).pubkey()};
        x.creator_index = 0;
        x.required_signers = 2;
        x.created = NOW;
        x.expiry = NOW + 3600;
        const auto m = crypto::sha256(sharemsg::as_bytes("fuzz musig session message"));
        x.message.assign(m.begin(), m.end());
        x.context = {'c', 't', 'x'};
        mu::sign_announcement(x, fuzz_key(0));
        return x;
    }();
    return a;
}

struct NullTransport final : mu::Transport {
    std::size_t sent = 0;
    void send(const mu::PlainPubKey&, Bytes frame) override {
        FUZZ_CHECK(mu::decode_frame(frame).ok());
        ++sent;
    }
};

void check_frame(ByteView in) {
    const auto f = mu::decode_frame(in);
    if (!f) {
        FUZZ_CHECK(f.error() != mu::FrameError::none);
        return;
    }
    FUZZ_CHECK(in.size() <= mu::MAX_FRAME);
    const Bytes again = mu::encode_frame(*f);
    FUZZ_CHECK(again.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()));
    if (const auto* a = std::get_if<mu::Announcement>(&*f)) {
        FUZZ_CHECK(a->signers.size() >= mu::MIN_SIGNERS && a->signers.size() <= mu::MAX_SIGNERS);
        FUZZ_CHECK(a->creator_index < a->signers.size());
        FUZZ_CHECK(a->required_signers == a->signers.size());
        FUZZ_CHECK(a->expiry > a->created && a->expiry - a->created <= mu::MAX_SESSION_LIFETIME);
        FUZZ_CHECK(!a->message.empty() && a->message.size() <= mu::MAX_MESSAGE);
        FUZZ_CHECK(a->context.size() <= mu::MAX_CONTEXT);
        (void)mu::announcement_signature_ok(*a);
        (void)mu::session_id(*a);
    } else {
        const auto& m = std::get<mu::SessionMessage>(*f);
        FUZZ_CHECK(m.seq >= 1 && m.sender_index < mu::MAX_SIGNERS);
        (void)mu::message_signature_ok(m, fixed_announcement().signers[0]);
    }
}

void check_views(const mu::Coordinator& c) {
    FUZZ_CHECK(c.session_count() <= c.options().max_sessions);
    for (const auto& v : c.list()) {
        FUZZ_CHECK(v.nonce_from.size() == v.signers.size());
        FUZZ_CHECK(v.signature.has_value() == (v.phase == mu::Phase::complete));
        FUZZ_CHECK(v.abort.has_value() == (v.phase == mu::Phase::aborted));
        if (v.abort && v.abort->blamed) FUZZ_CHECK(*v.abort->blamed < v.signers.size());
        if (v.phase == mu::Phase::complete || v.phase == mu::Phase::partial_sig_exchange)
            FUZZ_CHECK(v.joined);
    }
}

}  // namespace

// The input as the context of an alert session (proto/open_authority.hpp), with the digest of
// the authority message its bytes would spell: taken exactly when they are "SMA1", an
// authority type, flags an authority message keeps, a timestamp and 1..220 bytes of payload,
// and then written back byte for byte. A digest that is not its own is always refused.
void check_alert_context(ByteView in) {
    namespace po = sharemsg::proto::open;
    static const po::XonlyKey key = [] {
        po::XonlyKey k{};
        const auto pk = fuzz_key(0).pubkey();
        std::copy(pk.begin() + 1, pk.end(), k.begin());
        return k;
    }();
    const po::NetworkId net = network();
    FUZZ_CHECK(!po::alert_of_session(in, key, Bytes(32, 0), net).ok());
    if (in.size() < 10) return;
    const std::uint32_t ts = static_cast<std::uint32_t>(in[6]) | (std::uint32_t{in[7]} << 8) |
                             (std::uint32_t{in[8]} << 16) | (std::uint32_t{in[9]} << 24);
    auto spelled = po::make_authority_message(in[4], in.subspan(10), ts, key, in[5]);
    if (!spelled) return;
    const auto digest = po::authority_sighash(net, *spelled);
    const auto r = po::alert_of_session(in, key, digest, net);
    const bool well_formed =
        std::equal(in.begin(), in.begin() + 4, po::ALERT_CONTEXT_TAG.begin()) &&
        spelled->flags == in[5] && in.size() > 10;
    FUZZ_CHECK(r.ok() == well_formed);
    if (!r) return;
    FUZZ_CHECK(*r == *spelled);
    const Bytes again = po::alert_context(*r);
    FUZZ_CHECK(again.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()));
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = sharemsg::fuzz::input(data, size);
    check_frame(in);
    check_alert_context(in);

    std::uint64_t now = NOW;
    NullTransport transport;
    mu::CoordinatorOptions opt;
    opt.network_id = network();
    opt.max_sessions = 4;
    opt.auto_cleanup = false;
    mu::Coordinator c(opt, fuzz_key(1), transport, [&] { return now; });
    const auto announced = c.receive(mu::encode_announcement(fixed_announcement()));
    FUZZ_CHECK(announced.ok());
    const mu::SessionId id = announced->id;
    if (size > 0 && (data[0] & 1)) FUZZ_CHECK(c.join(id).ok());

    // The input as it came.
    const auto r = c.receive(in);
    if (!mu::decode_frame(in).ok())
        FUZZ_CHECK(!r.ok() && r.error().problem == mu::Problem::bad_frame);
    check_views(c);

    // The input as a message of the fixed session, signed by signer 0.
    auto f = mu::decode_frame(in);
    if (f && std::holds_alternative<mu::SessionMessage>(*f)) {
        auto m = std::get<mu::SessionMessage>(*f);
        m.network_id = network();
        m.session_id = id;
        m.sender_index = 0;
        mu::sign_message(m, fuzz_key(0));
        const auto r2 = c.receive(mu::encode_message(m));
        if (r2) FUZZ_CHECK(r2->id == id);
        // The same frame again is never taken twice.
        const auto r3 = c.receive(mu::encode_message(m));
        FUZZ_CHECK(!r3.ok() && (r3.error().problem == mu::Problem::replayed ||
                                r3.error().problem == mu::Problem::sequence_gap ||
                                r3.error().problem == mu::Problem::wrong_phase));
        check_views(c);
    }

    now += 2 * 3600 + 1;
    (void)c.sweep(now);
    FUZZ_CHECK(c.session_count() == 0);
    return 0;
}
