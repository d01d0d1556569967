#include "channel/handshake.hpp"

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/symmetric.hpp"

namespace sharemsg::channel {

std::string_view handshake_error_name(HandshakeError e) noexcept {
    switch (e) {
        case HandshakeError::malformed:
            return "malformed";
        case HandshakeError::bad_version:
            return "bad_version";
        case HandshakeError::unexpected_message:
            return "unexpected_message";
        case HandshakeError::wrong_network:
            return "wrong_network";
        case HandshakeError::wrong_identity:
            return "wrong_identity";
        case HandshakeError::bad_delegation:
            return "bad_delegation";
        case HandshakeError::unauthorized:
            return "unauthorized";
        case HandshakeError::bad_signature:
            return "bad_signature";
        case HandshakeError::bad_key_exchange:
            return "bad_key_exchange";
        case HandshakeError::failed:
            return "failed";
    }
    return "unknown";
}

SessionKeys::~SessionKeys() {
    crypto::wipe(send.data(), send.size());
    crypto::wipe(receive.data(), receive.size());
}

namespace {

template <std::size_t N>
ByteArray<N> take(ByteView v, std::size_t offset) {
    ByteArray<N> out{};
    for (std::size_t i = 0; i < N; ++i)
        out[i] = v[offset + i];
    return out;
}

std::uint32_t u32le_at(ByteView v, std::size_t offset) {
    std::uint32_t x = 0;
    for (std::size_t i = 0; i < 4; ++i)
        x |= static_cast<std::uint32_t>(v[offset + i]) << (8 * i);
    return x;
}

// The 134-byte identity at `offset` (sizes checked by the caller).
PeerIdentity read_identity(ByteView v, std::size_t offset) {
    PeerIdentity id;
    id.signing_pubkey = take<33>(v, offset);
    id.key_index = u32le_at(v, offset + 33);
    id.delegation.master_pubkey = take<33>(v, offset + 37);
    id.delegation.signature = take<64>(v, offset + 70);
    return id;
}

ByteArray<32> to_key(const Bytes& b) {
    ByteArray<32> k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = b[i];
    return k;
}

ByteArray<32> random32() {
    Bytes r = crypto::random_bytes(32);
    return to_key(r);
}

}  // namespace

Handshake::Handshake(Role role, LocalIdentity local)
    : role_(role),
      state_(role == Role::initiator ? State::start : State::await_hello),
      local_(std::move(local)) {}

Handshake::~Handshake() {
    crypto::wipe(transcript_.data(), transcript_.size());
}

Handshake Handshake::initiator(LocalIdentity local, const proto::SigningId& wanted) {
    Handshake h(Role::initiator, std::move(local));
    h.wanted_ = wanted;
    return h;
}

Handshake Handshake::responder(LocalIdentity local) {
    return Handshake(Role::responder, std::move(local));
}

Handshake::Step Handshake::fail(HandshakeError e) {
    state_ = State::failed;
    ephemeral_.reset();
    pending_keys_.reset();
    keys_.reset();
    peer_pending_.reset();
    peer_state_.reset();
    return {{}, e};
}

Bytes Handshake::identity_bytes() const {
    ByteWriter w;
    w.bytes(local_.key.pubkey());
    w.u32le(local_.key.key_index());
    w.bytes(local_.delegation.master_pubkey);
    w.bytes(local_.delegation.signature);
    return std::move(w).take();
}

crypto::Hash256 Handshake::signed_digest(std::uint8_t role_byte) const {
    Bytes m;
    m.reserve(1 + transcript_.size());
    m.push_back(role_byte);
    append(m, transcript_);
    return crypto::tagged_hash(HANDSHAKE_TAG, m);
}

std::size_t Handshake::expected_size() const {
    switch (state_) {
        case State::await_hello:
            return HELLO_SIZE;
        case State::await_reply:
            return REPLY_SIZE;
        case State::await_confirm:
            return CONFIRM_SIZE;
        case State::start:
        case State::done:
        case State::failed:
            return 0;
    }
    return 0;
}

Bytes Handshake::hello() {
    if (role_ != Role::initiator || state_ != State::start) return {};
    ephemeral_ = crypto::X25519Key::generate();
    ByteWriter w;
    w.u8(HANDSHAKE_VERSION);
    w.u8(TYPE_HELLO);
    w.bytes(local_.network);
    w.bytes(wanted_);
    w.bytes(identity_bytes());
    w.bytes(ephemeral_->public_key());
    w.bytes(random32());
    transcript_ = std::move(w).take();
    state_ = State::await_reply;
    return transcript_;
}

std::optional<HandshakeError> Handshake::check_identity(const PeerIdentity& id) const {
    if (!crypto::parse_pubkey(id.signing_pubkey) ||
        !crypto::parse_pubkey(id.delegation.master_pubkey))
        return HandshakeError::malformed;
    const proto::open::BoundAnnouncement ann{id.signing_pubkey, id.key_index,
                                             id.delegation.master_pubkey, id.delegation.signature};
    if (!proto::open::verify_delegation(ann, local_.network)) return HandshakeError::bad_delegation;
    if (!local_.authorize || !local_.authorize(id.master_hash(), id.signing_id()))
        return HandshakeError::unauthorized;
    return std::nullopt;
}

std::optional<HandshakeError> Handshake::derive(const crypto::X25519Public& peer_ephemeral) {
    auto secret = ephemeral_->shared_secret(peer_ephemeral);
    ephemeral_.reset();
    if (!secret) return HandshakeError::bad_key_exchange;
    SessionKeys k;
    k.transcript_hash = crypto::sha256(transcript_);
    Bytes i2r = crypto::hkdf_sha256(*secret, k.transcript_hash, as_bytes(INFO_I2R), 32);
    Bytes r2i = crypto::hkdf_sha256(*secret, k.transcript_hash, as_bytes(INFO_R2I), 32);
    crypto::wipe(secret->data(), secret->size());
    k.send = to_key(role_ == Role::initiator ? i2r : r2i);
    k.receive = to_key(role_ == Role::initiator ? r2i : i2r);
    crypto::wipe(i2r.data(), i2r.size());
    crypto::wipe(r2i.data(), r2i.size());
    pending_keys_ = k;
    return std::nullopt;
}

Handshake::Step Handshake::on_message(ByteView msg) {
    if (state_ == State::failed) return {{}, HandshakeError::failed};
    if (msg.empty()) return fail(HandshakeError::malformed);
    if (msg[0] != HANDSHAKE_VERSION) return fail(HandshakeError::bad_version);
    if (msg.size() < 2) return fail(HandshakeError::malformed);
    const std::uint8_t type = msg[1];
    if (state_ == State::await_hello && type == TYPE_HELLO) return on_hello(msg);
    if (state_ == State::await_reply && type == TYPE_REPLY) return on_reply(msg);
    if (state_ == State::await_confirm && type == TYPE_CONFIRM) return on_confirm(msg);
    return fail(HandshakeError::unexpected_message);
}

Handshake::Step Handshake::on_hello(ByteView msg) {
    if (msg.size() != HELLO_SIZE) return fail(HandshakeError::malformed);
    if (take<8>(msg, 2) != local_.network) return fail(HandshakeError::wrong_network);
    if (take<20>(msg, 10) != local_.key.signing_id()) return fail(HandshakeError::wrong_identity);
    PeerIdentity peer = read_identity(msg, 30);
    if (auto e = check_identity(peer)) return fail(*e);
    const auto peer_ephemeral = take<32>(msg, 30 + IDENTITY_SIZE);

    ephemeral_ = crypto::X25519Key::generate();
    ByteWriter w;
    w.u8(HANDSHAKE_VERSION);
    w.u8(TYPE_REPLY);
    w.bytes(identity_bytes());
    w.bytes(ephemeral_->public_key());
    w.bytes(random32());
    Bytes reply = std::move(w).take();
    transcript_.assign(msg.begin(), msg.end());
    append(transcript_, reply);
    if (auto e = derive(peer_ephemeral)) return fail(*e);
    const auto sig =
        crypto::schnorr_sign(local_.key.privkey(), signed_digest(TYPE_REPLY), random32());
    append(reply, sig);
    peer_pending_ = peer;
    state_ = State::await_confirm;
    return {std::move(reply), std::nullopt};
}

Handshake::Step Handshake::on_reply(ByteView msg) {
    if (msg.size() != REPLY_SIZE) return fail(HandshakeError::malformed);
    PeerIdentity peer = read_identity(msg, 2);
    if (peer.signing_id() != wanted_) return fail(HandshakeError::wrong_identity);
    if (auto e = check_identity(peer)) return fail(*e);
    append(transcript_, msg.first(REPLY_SIGNED_SIZE));
    if (!crypto::schnorr_verify(peer.signing_pubkey, signed_digest(TYPE_REPLY),
                                take<64>(msg, REPLY_SIGNED_SIZE)))
        return fail(HandshakeError::bad_signature);
    if (auto e = derive(take<32>(msg, 2 + IDENTITY_SIZE))) return fail(*e);

    Bytes confirm{HANDSHAKE_VERSION, TYPE_CONFIRM};
    append(confirm,
           crypto::schnorr_sign(local_.key.privkey(), signed_digest(TYPE_CONFIRM), random32()));
    peer_state_ = peer;
    keys_ = std::move(pending_keys_);
    pending_keys_.reset();
    state_ = State::done;
    return {std::move(confirm), std::nullopt};
}

Handshake::Step Handshake::on_confirm(ByteView msg) {
    if (msg.size() != CONFIRM_SIZE) return fail(HandshakeError::malformed);
    if (!crypto::schnorr_verify(peer_pending_->signing_pubkey, signed_digest(TYPE_CONFIRM),
                                take<64>(msg, 2)))
        return fail(HandshakeError::bad_signature);
    peer_state_ = std::move(peer_pending_);
    peer_pending_.reset();
    keys_ = std::move(pending_keys_);
    pending_keys_.reset();
    state_ = State::done;
    return {{}, std::nullopt};
}

}  // namespace sharemsg::channel
