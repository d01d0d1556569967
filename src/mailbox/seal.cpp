// End-to-end encryption of mailbox messages: the send and receive chains of seal.hpp.
// ECDH through crypto/ecdh.hpp, HKDF-SHA256 and ChaCha20-Poly1305 through crypto/symmetric.hpp;
// every secret this file holds (shared secret, links, message keys) is wiped when dropped.
#include "mailbox/seal.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/ecdh.hpp"
#include "crypto/hash.hpp"
#include "crypto/symmetric.hpp"

namespace sharemsg::mailbox {

namespace {

constexpr std::string_view INFO_CHAIN = "sharemsg/mailbox/chain";
constexpr std::string_view INFO_KEY = "sharemsg/mailbox/key";
constexpr std::string_view INFO_NEXT = "sharemsg/mailbox/next";
constexpr std::string_view AAD_TAG = "sharemsg/mailbox/seal";

// Each key seals one message, so the nonce can be constant.
constexpr ByteArray<12> ZERO_NONCE{};
// A chain never seals or opens this index: it could not move past it.
constexpr std::uint64_t LAST_INDEX = ~std::uint64_t{0};
constexpr std::size_t HEAD_SIZE = 1 + 8;  // version u8 || index u64

// The receiving chain's stored state (ReceiveChain::to_bytes).
constexpr std::uint8_t STATE_VERSION = 1;
constexpr std::size_t STATE_FIXED = 1 + 8 + 32 + 1;
constexpr std::size_t STATE_ENTRY = 8 + 32;

using SealFailure = util::Failure<SealError>;

SealFailure fail(SealError e, std::string detail) {
    return {e, std::move(detail)};
}

// A 32-byte secret on the stack, wiped when it goes out of scope.
struct Secret32 {
    ByteArray<32> bytes{};
    Secret32() = default;
    Secret32(const Secret32&) = delete;
    Secret32& operator=(const Secret32&) = delete;
    ~Secret32() { crypto::wipe(bytes.data(), bytes.size()); }
};

// HKDF-SHA256 to 32 bytes written into `out`; the wrapper's heap copy is wiped. `ikm` may
// view `out` itself: it is read before `out` is written.
void hkdf32(ByteView ikm, ByteView salt, ByteView info, ByteArray<32>& out) {
    Bytes b = crypto::hkdf_sha256(ikm, salt, info, out.size());
    std::copy(b.begin(), b.end(), out.begin());
    crypto::wipe(b.data(), b.size());
}

// key_n from link_n.
void message_key(const Link& link, ByteArray<32>& key) {
    hkdf32(link.bytes, {}, as_bytes(INFO_KEY), key);
}

// link_n -> link_n+1, in place: the old link is overwritten.
void advance(Link& link) {
    hkdf32(link.bytes, {}, as_bytes(INFO_NEXT), link.bytes);
    ++link.index;
}

// The lowest index of the window below `next`: the window is [low, next).
std::uint64_t window_low(std::uint64_t next) {
    return next > REORDER_WINDOW ? next - REORDER_WINDOW : 0;
}

void put_u64le(Bytes& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// "sharemsg/mailbox/seal" || network || sender || receiver || version u8 || index u64.
Bytes seal_aad(const ChainId& id, std::uint64_t index) {
    ByteWriter w;
    w.bytes(as_bytes(AAD_TAG));
    w.bytes(id.network);
    w.bytes(id.sender);
    w.bytes(id.receiver);
    w.u8(SEAL_VERSION);
    w.u64le(index);
    return std::move(w).take();
}

// link_0 of the chain `id`, where `my_key` is one end and `other` the other end's pubkey.
SealResult<Link> first_link(const ChainId& id, const crypto::PrivKey& my_key,
                            const crypto::CompressedPubKey& other) {
    auto shared = crypto::ecdh_sha256(my_key, other);
    if (!shared)
        return fail(SealError::bad_key,
                    "the other side's pubkey " + to_hex(other) + " is not a point");
    ByteWriter info;
    info.bytes(as_bytes(INFO_CHAIN));
    info.bytes(id.sender);
    info.bytes(id.receiver);
    Link link;
    hkdf32(*shared, id.network, info.data(), link.bytes);
    crypto::wipe(shared->data(), shared->size());
    return link;
}

}  // namespace

const char* seal_error_name(SealError e) noexcept {
    switch (e) {
        case SealError::malformed:
            return "malformed";
        case SealError::replayed:
            return "replayed";
        case SealError::too_old:
            return "too_old";
        case SealError::too_far:
            return "too_far";
        case SealError::bad_tag:
            return "bad_tag";
        case SealError::too_large:
            return "too_large";
        case SealError::bad_key:
            return "bad_key";
    }
    return "unknown";
}

Link::~Link() {
    crypto::wipe(bytes.data(), bytes.size());
}

ReceiveChain::Key::~Key() {
    crypto::wipe(bytes.data(), bytes.size());
}

// ---- SendChain ----

SealResult<SendChain> SendChain::start(const NetworkId& network, const crypto::PrivKey& my_key,
                                       const crypto::CompressedPubKey& receiver) {
    const ChainId id{network, my_key.pubkey(), receiver};
    auto link = first_link(id, my_key, receiver);
    if (!link) return link.failure();
    return SendChain(id, *link);
}

SealResult<Bytes> SendChain::seal(ByteView plaintext) {
    if (plaintext.size() > MAX_PLAINTEXT)
        return fail(SealError::too_large, "plaintext of " + std::to_string(plaintext.size()) +
                                              " bytes, at most " + std::to_string(MAX_PLAINTEXT));
    if (link_.index == LAST_INDEX)
        return fail(SealError::too_far, "the chain is at its last index");
    Secret32 key;
    message_key(link_, key.bytes);
    const Bytes sealed =
        crypto::chacha20poly1305_seal(key.bytes, ZERO_NONCE, seal_aad(id_, link_.index), plaintext);
    Bytes out;
    out.reserve(HEAD_SIZE + sealed.size());
    out.push_back(SEAL_VERSION);
    put_u64le(out, link_.index);
    append(out, sealed);
    advance(link_);
    return out;
}

// ---- ReceiveChain ----

SealResult<ReceiveChain> ReceiveChain::start(const NetworkId& network,
                                             const crypto::PrivKey& my_key,
                                             const crypto::CompressedPubKey& sender) {
    const ChainId id{network, sender, my_key.pubkey()};
    auto link = first_link(id, my_key, sender);
    if (!link) return link.failure();
    return ReceiveChain(id, *link);
}

SealResult<Opened> ReceiveChain::open(ByteView sealed) {
    if (sealed.size() < SEAL_OVERHEAD)
        return fail(SealError::malformed, "sealed payload of " + std::to_string(sealed.size()) +
                                              " bytes, at least " + std::to_string(SEAL_OVERHEAD));
    if (sealed.size() > MAX_PAYLOAD)
        return fail(SealError::malformed, "sealed payload of " + std::to_string(sealed.size()) +
                                              " bytes, at most " + std::to_string(MAX_PAYLOAD));
    if (sealed[0] != SEAL_VERSION)
        return fail(SealError::malformed,
                    "unknown seal version " + std::to_string(static_cast<int>(sealed[0])));
    std::uint64_t index = 0;
    for (std::size_t i = 0; i < 8; ++i)
        index |= std::uint64_t{sealed[1 + i]} << (8 * i);
    const ByteView body = sealed.subspan(HEAD_SIZE);
    const Bytes aad = seal_aad(id_, index);
    const std::uint64_t next = link_.index;

    if (index < next) {
        if (index < window_low(next))
            return fail(SealError::too_old, "index " + std::to_string(index) +
                                                " is behind the window (the chain is at " +
                                                std::to_string(next) + ")");
        auto it = skipped_.find(index);
        if (it == skipped_.end())
            return fail(SealError::replayed, "index " + std::to_string(index) + " was opened");
        auto plain = crypto::chacha20poly1305_open(it->second.bytes, ZERO_NONCE, aad, body);
        if (!plain)
            return fail(SealError::bad_tag,
                        "the tag does not verify (index " + std::to_string(index) + ")");
        skipped_.erase(it);
        return Opened{index, std::move(*plain)};
    }

    if (index == LAST_INDEX || index - next > MAX_SKIP)
        return fail(SealError::too_far, "index " + std::to_string(index) + " is more than " +
                                            std::to_string(MAX_SKIP) + " ahead of " +
                                            std::to_string(next));
    // Walk a copy of the link up to `index`, keeping the keys of the skipped indexes that the
    // window will hold once the chain is past `index`. Nothing changes unless the tag verifies.
    const std::uint64_t low = window_low(index + 1);
    Link walk = link_;
    std::vector<std::pair<std::uint64_t, Key>> kept;
    kept.reserve(std::min<std::uint64_t>(index - next, REORDER_WINDOW));
    while (walk.index < index) {
        if (walk.index >= low) {
            kept.emplace_back(walk.index, Key{});
            message_key(walk, kept.back().second.bytes);
        }
        advance(walk);
    }
    Secret32 key;
    message_key(walk, key.bytes);
    auto plain = crypto::chacha20poly1305_open(key.bytes, ZERO_NONCE, aad, body);
    if (!plain)
        return fail(SealError::bad_tag,
                    "the tag does not verify (index " + std::to_string(index) + ")");
    advance(walk);
    link_ = walk;
    skipped_.erase(skipped_.begin(), skipped_.lower_bound(low));
    for (const auto& [i, k] : kept)
        skipped_.emplace(i, k);
    return Opened{index, std::move(*plain)};
}

Bytes ReceiveChain::to_bytes() const {
    Bytes out;
    // Reserved once: a growing vector would leave copies of the keys in freed memory.
    out.reserve(STATE_FIXED + skipped_.size() * STATE_ENTRY);
    out.push_back(STATE_VERSION);
    put_u64le(out, link_.index);
    append(out, link_.bytes);
    out.push_back(static_cast<std::uint8_t>(skipped_.size()));
    for (const auto& [i, k] : skipped_) {
        put_u64le(out, i);
        append(out, k.bytes);
    }
    return out;
}

SealResult<ReceiveChain> ReceiveChain::from_bytes(const ChainId& id, ByteView bytes) {
    if (bytes.size() < STATE_FIXED)
        return fail(SealError::malformed, "chain state of " + std::to_string(bytes.size()) +
                                              " bytes, at least " + std::to_string(STATE_FIXED));
    if (bytes[0] != STATE_VERSION)
        return fail(SealError::malformed,
                    "unknown chain state version " + std::to_string(static_cast<int>(bytes[0])));
    ByteReader r(bytes, 1);
    Link link;
    link.index = *r.u64le("next_index");
    auto link_bytes = r.bytes(32, "link");
    std::copy(link_bytes->begin(), link_bytes->end(), link.bytes.begin());
    const std::size_t count = *r.u8("count");
    if (count > REORDER_WINDOW)
        return fail(SealError::malformed, "chain state with " + std::to_string(count) +
                                              " skipped keys, at most " +
                                              std::to_string(REORDER_WINDOW));
    if (bytes.size() != STATE_FIXED + count * STATE_ENTRY)
        return fail(SealError::malformed, "chain state of " + std::to_string(bytes.size()) +
                                              " bytes for " + std::to_string(count) +
                                              " skipped keys");
    ReceiveChain chain(id, link);
    const std::uint64_t low = window_low(link.index);
    for (std::size_t n = 0; n < count; ++n) {
        const std::uint64_t i = *r.u64le("skipped index");
        auto key_bytes = r.bytes(32, "skipped key");
        if (i < low || i >= link.index)
            return fail(SealError::malformed, "skipped index " + std::to_string(i) +
                                                  " outside the window below " +
                                                  std::to_string(link.index));
        if (!chain.skipped_.empty() && i <= chain.skipped_.rbegin()->first)
            return fail(SealError::malformed,
                        "skipped index " + std::to_string(i) + " not above the one before");
        Key k;
        std::copy(key_bytes->begin(), key_bytes->end(), k.bytes.begin());
        chain.skipped_.emplace(i, k);
    }
    return chain;
}

}  // namespace sharemsg::mailbox
