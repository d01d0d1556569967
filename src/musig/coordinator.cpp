#include "musig/coordinator.hpp"

#include <algorithm>

#include "crypto/bip340.hpp"
#include "musig/codec.hpp"

namespace sharemsg::musig {

namespace {

Refusal refuse(Problem p) {
    return Refusal{p, FrameError::none};
}

// Seconds from `since` to `now`; 0 when the clock went back.
std::uint64_t elapsed(std::uint64_t now, std::uint64_t since) {
    return now > since ? now - since : 0;
}

std::optional<std::size_t> index_of(std::span<const PlainPubKey> list, const PlainPubKey& k) {
    const auto it = std::find(list.begin(), list.end(), k);
    if (it == list.end()) return std::nullopt;
    return static_cast<std::size_t>(it - list.begin());
}

bool distinct_points(std::span<const PlainPubKey> list) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!decode_plain_pubkey(list[i])) return false;
        for (std::size_t j = 0; j < i; ++j)
            if (list[i] == list[j]) return false;
    }
    return true;
}

}  // namespace

const char* problem_name(Problem p) noexcept {
    switch (p) {
        case Problem::bad_frame:
            return "bad_frame";
        case Problem::wrong_network:
            return "wrong_network";
        case Problem::unknown_session:
            return "unknown_session";
        case Problem::not_a_signer:
            return "not_a_signer";
        case Problem::bad_sender:
            return "bad_sender";
        case Problem::bad_signature:
            return "bad_signature";
        case Problem::expired:
            return "expired";
        case Problem::not_yet_valid:
            return "not_yet_valid";
        case Problem::duplicate_session:
            return "duplicate_session";
        case Problem::replayed:
            return "replayed";
        case Problem::sequence_gap:
            return "sequence_gap";
        case Problem::wrong_phase:
            return "wrong_phase";
        case Problem::conflicting_nonce:
            return "conflicting_nonce";
        case Problem::conflicting_partial:
            return "conflicting_partial";
        case Problem::too_many_sessions:
            return "too_many_sessions";
        case Problem::invalid_keys:
            return "invalid_keys";
        case Problem::invalid_argument:
            return "invalid_argument";
        case Problem::already_joined:
            return "already_joined";
    }
    return "unknown";
}

std::string Refusal::to_string() const {
    std::string s = problem_name(problem);
    if (frame != FrameError::none) {
        s += ": ";
        s += frame_error_name(frame);
    }
    return s;
}

const char* event_kind_name(Event::Kind k) noexcept {
    switch (k) {
        case Event::Kind::announced:
            return "announced";
        case Event::Kind::early:
            return "early";
        case Event::Kind::joined:
            return "joined";
        case Event::Kind::nonce:
            return "nonce";
        case Event::Kind::partial:
            return "partial";
        case Event::Kind::partial_held:
            return "partial_held";
        case Event::Kind::repeated:
            return "repeated";
        case Event::Kind::completed:
            return "completed";
        case Event::Kind::aborted:
            return "aborted";
    }
    return "unknown";
}

Coordinator::Coordinator(CoordinatorOptions options, crypto::PrivKey own_signing_key,
                         Transport& transport, Clock clock)
    : opt_(options),
      sk_(std::move(own_signing_key)),
      own_pk_(sk_.pubkey()),
      transport_(transport),
      clock_(std::move(clock)) {
    last_sweep_ = clock_();
}

std::uint64_t Coordinator::now_and_maybe_sweep() {
    const std::uint64_t now = clock_();
    if (opt_.auto_cleanup && now >= last_sweep_ + opt_.cleanup_interval) sweep(now);
    return now;
}

// ---- create, join, cancel ------------------------------------------------------------------

Checked<SessionId, Refusal> Coordinator::create(std::span<const PlainPubKey> signers,
                                                ByteView message, ByteView context,
                                                std::uint64_t expiry) {
    const std::uint64_t now = now_and_maybe_sweep();
    const auto own = index_of(signers, own_pk_);
    if (signers.size() < MIN_SIGNERS || signers.size() > MAX_SIGNERS || !own ||
        !distinct_points(signers) || message.empty() || message.size() > MAX_MESSAGE ||
        context.size() > MAX_CONTEXT || expiry <= now || expiry - now > MAX_SESSION_LIFETIME)
        return refuse(Problem::invalid_argument);
    if (sessions_.size() >= opt_.max_sessions) return refuse(Problem::too_many_sessions);
    auto keys = KeyAggContext::create(signers);
    if (!keys) return refuse(Problem::invalid_keys);

    Announcement a;
    a.network_id = opt_.network_id;
    const Bytes salt = crypto::random_bytes(a.salt.size());
    std::copy(salt.begin(), salt.end(), a.salt.begin());
    a.signers.assign(signers.begin(), signers.end());
    a.creator_index = static_cast<std::uint8_t>(*own);
    a.required_signers = static_cast<std::uint8_t>(signers.size());
    a.created = now;
    a.expiry = expiry;
    a.message.assign(message.begin(), message.end());
    a.context.assign(context.begin(), context.end());
    sign_announcement(a, sk_);
    const SessionId id = session_id(a);
    const Bytes frame = encode_announcement(a);
    auto [it, inserted] =
        sessions_.try_emplace(id, id, std::move(a), std::move(keys).value(), *own, now);
    (void)inserted;  // the salt is fresh: the id is new
    broadcast(it->second, frame);
    return id;
}

Checked<Event, Refusal> Coordinator::join(const SessionId& id) {
    const std::uint64_t now = now_and_maybe_sweep();
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return refuse(Problem::unknown_session);
    SessionState& s = it->second;
    if (s.phase() != Phase::init && s.phase() != Phase::nonce_exchange)
        return refuse(Problem::wrong_phase);
    if (s.joined()) return refuse(Problem::already_joined);
    if (now >= s.announcement().expiry) return refuse(Problem::expired);

    NonceGenArgs args;
    args.sk = &sk_;
    args.pk = own_pk_;
    args.aggpk = s.keys().xonly_pubkey();
    args.msg = s.announcement().message;
    args.extra_in = Bytes(id.begin(), id.end());
    auto nonces = nonce_gen(args);
    // nonce_gen fails only with a zero nonce (probability about 2^-128): a drawn nonce again.
    while (!nonces)
        nonces = nonce_gen(args);
    const PubNonce pub = nonces->pubnonce;
    s.join(std::move(nonces).value());
    send_message(s, NonceBody{pub});
    s.enter(Phase::nonce_exchange, now);
    if (s.all_nonces()) start_signing(s, now);
    return outcome(s, Event::Kind::joined, s.own_index());
}

Checked<Event, Refusal> Coordinator::cancel(const SessionId& id) {
    const std::uint64_t now = clock_();
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return refuse(Problem::unknown_session);
    if (is_final(it->second.phase())) return refuse(Problem::wrong_phase);
    abort(it->second, AbortInfo{AbortReason::cancelled, std::nullopt, std::nullopt}, true, now);
    return Event{Event::Kind::aborted, id, std::nullopt};
}

// ---- frames from peers ---------------------------------------------------------------------

Checked<Event, Refusal> Coordinator::receive(ByteView frame) {
    const std::uint64_t now = now_and_maybe_sweep();
    auto f = decode_frame(frame);
    if (!f) return Refusal{Problem::bad_frame, f.error()};
    if (auto* a = std::get_if<Announcement>(&*f)) return on_announcement(std::move(*a), now);
    return on_message(std::get<SessionMessage>(*f), now);
}

Checked<Event, Refusal> Coordinator::on_announcement(Announcement a, std::uint64_t now) {
    if (a.network_id != opt_.network_id) return refuse(Problem::wrong_network);
    const auto own = index_of(a.signers, own_pk_);
    if (!own) return refuse(Problem::not_a_signer);
    const SessionId id = session_id(a);
    if (sessions_.count(id) || removed_.count(id)) return refuse(Problem::duplicate_session);
    if (now >= a.expiry) return refuse(Problem::expired);
    if (a.created > now + opt_.max_clock_skew) return refuse(Problem::not_yet_valid);
    if (!announcement_signature_ok(a)) return refuse(Problem::bad_signature);
    if (sessions_.size() >= opt_.max_sessions) return refuse(Problem::too_many_sessions);
    auto keys = KeyAggContext::create(a.signers);
    if (!keys) return refuse(Problem::invalid_keys);
    sessions_.try_emplace(id, id, std::move(a), std::move(keys).value(), *own, now);
    // The messages that came before it, in their order, checked now as any other.
    if (auto held = early_.extract(id)) {
        early_count_ -= held.mapped().size();
        for (const auto& e : held.mapped())
            (void)on_message(e.message, now);
    }
    return Event{Event::Kind::announced, id, std::nullopt};
}

Checked<Event, Refusal> Coordinator::hold_early(const SessionMessage& m, std::uint64_t now) {
    if (removed_.count(m.session_id) || early_count_ >= opt_.max_early_frames)
        return refuse(Problem::unknown_session);
    early_[m.session_id].push_back(Early{m, now});
    ++early_count_;
    return Event{Event::Kind::early, m.session_id, m.sender_index};
}

Checked<Event, Refusal> Coordinator::on_message(const SessionMessage& m, std::uint64_t now) {
    if (m.network_id != opt_.network_id) return refuse(Problem::wrong_network);
    const auto it = sessions_.find(m.session_id);
    if (it == sessions_.end()) return hold_early(m, now);
    SessionState& s = it->second;
    const std::size_t j = m.sender_index;
    if (j >= s.size()) return refuse(Problem::bad_sender);
    if (now >= s.announcement().expiry) return refuse(Problem::expired);
    if (!message_signature_ok(m, s.signer(j))) return refuse(Problem::bad_signature);
    SignerSlot& slot = s.slot(j);
    switch (slot.seen.check(m.seq, opt_.max_sequence_gap)) {
        case ReplayWindow::Verdict::replayed:
            return refuse(Problem::replayed);
        case ReplayWindow::Verdict::gap:
            return refuse(Problem::sequence_gap);
        case ReplayWindow::Verdict::fresh:
            break;
    }
    slot.seen.record(m.seq);
    if (is_final(s.phase())) return refuse(Problem::wrong_phase);
    return std::visit(
        [&](const auto& body) -> Checked<Event, Refusal> {
            using B = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<B, NonceBody>)
                return on_nonce(s, j, body.pubnonce, now);
            else if constexpr (std::is_same_v<B, PartialBody>)
                return on_partial(s, j, body.psig, now);
            else
                return on_abort(s, j, body, now);
        },
        m.payload);
}

Checked<Event, Refusal> Coordinator::on_nonce(SessionState& s, std::size_t j, const PubNonce& n,
                                              std::uint64_t now) {
    SignerSlot& slot = s.slot(j);
    if (slot.pubnonce) {
        if (*slot.pubnonce != n) return refuse(Problem::conflicting_nonce);
        return Event{Event::Kind::repeated, s.id(), j};
    }
    if (s.phase() != Phase::init && s.phase() != Phase::nonce_exchange)
        return refuse(Problem::wrong_phase);
    slot.pubnonce = n;
    s.enter(Phase::nonce_exchange, now);
    if (s.all_nonces()) start_signing(s, now);
    return outcome(s, Event::Kind::nonce, j);
}

Checked<Event, Refusal> Coordinator::on_partial(SessionState& s, std::size_t j, const PartialSig& p,
                                                std::uint64_t now) {
    SignerSlot& slot = s.slot(j);
    const auto& have = slot.psig ? slot.psig : slot.held;
    if (have) {
        if (*have != p) return refuse(Problem::conflicting_partial);
        return Event{Event::Kind::repeated, s.id(), j};
    }
    if (s.phase() != Phase::partial_sig_exchange) {
        slot.held = p;
        return Event{Event::Kind::partial_held, s.id(), j};
    }
    accept_partial(s, j, p, now);
    return outcome(s, Event::Kind::partial, j);
}

Checked<Event, Refusal> Coordinator::on_abort(SessionState& s, std::size_t j, const AbortBody& b,
                                              std::uint64_t now) {
    if (b.blamed != NO_SIGNER && b.blamed >= s.size()) return refuse(Problem::bad_sender);
    std::optional<std::size_t> blamed;
    if (b.blamed != NO_SIGNER) blamed = b.blamed;
    abort(s, AbortInfo{b.reason, blamed, j}, false, now);
    return Event{Event::Kind::aborted, s.id(), j};
}

// ---- the signing steps ---------------------------------------------------------------------

void Coordinator::start_signing(SessionState& s, std::uint64_t now) {
    // The pubnonces were decoded (two points each), so NonceAgg and the session values cannot
    // fail; the keys were aggregated when the session was stored.
    auto agg = nonce_agg(s.pubnonces());
    auto session = agg ? Session::create(*agg, s.keys(), s.announcement().message)
                       : Result<Session>(agg.error());
    if (!session) {
        abort(s, AbortInfo{AbortReason::bad_partial_sig, std::nullopt, std::nullopt}, true, now);
        return;
    }
    s.set_session(std::move(session).value());
    s.enter(Phase::partial_sig_exchange, now);

    // All n nonces in means ours is (only join puts it in our slot), so the secret nonce is here.
    auto secnonce = s.take_secnonce();
    auto psig = secnonce ? s.session()->sign(std::move(*secnonce), sk_)
                         : Result<PartialSig>(make_error(ErrorCode::secnonce_invalid));
    if (!psig) {
        abort(s, AbortInfo{AbortReason::cancelled, std::nullopt, std::nullopt}, true, now);
        return;
    }
    s.slot(s.own_index()).psig = *psig;
    send_message(s, PartialBody{*psig});

    for (std::size_t j = 0; j < s.size() && s.phase() == Phase::partial_sig_exchange; ++j) {
        SignerSlot& slot = s.slot(j);
        if (!slot.held) continue;
        const PartialSig p = *slot.held;
        slot.held.reset();
        accept_partial(s, j, p, now);
    }
    if (s.phase() == Phase::partial_sig_exchange && s.all_partials()) finish(s, now);
}

void Coordinator::accept_partial(SessionState& s, std::size_t j, const PartialSig& p,
                                 std::uint64_t now) {
    const SignerSlot& slot = s.slot(j);
    if (!s.session()->verify(p, *slot.pubnonce, s.signer(j))) {
        abort(s, AbortInfo{AbortReason::bad_partial_sig, j, std::nullopt}, true, now);
        return;
    }
    s.slot(j).psig = p;
    if (s.all_partials()) finish(s, now);
}

void Coordinator::finish(SessionState& s, std::uint64_t now) {
    // Every partial was verified as it came in (PartialSigVerify, which blames its signer), so
    // what remains of verify_and_aggregate is the sum; the result is checked as plain BIP340.
    const auto sig = s.session()->aggregate(s.partials());
    // crypto::schnorr_verify takes 32-byte messages (the usual case: a sighash); for other
    // lengths the partial verifications above are the check.
    const Bytes& msg = s.announcement().message;
    bool verified = sig.ok();
    if (verified && msg.size() == 32) {
        PlainPubKey even{};  // 0x02 || the aggregate x-only key
        even[0] = 0x02;
        const XonlyPubKey x = s.keys().xonly_pubkey();
        std::copy(x.begin(), x.end(), even.begin() + 1);
        crypto::Hash256 m{};
        std::copy(msg.begin(), msg.end(), m.begin());
        verified = crypto::schnorr_verify(even, m, *sig);
    }
    if (!verified) {
        abort(s, AbortInfo{AbortReason::bad_partial_sig, std::nullopt, std::nullopt}, true, now);
        return;
    }
    s.complete(*sig, now);
    if (listener_) listener_->completed(s.id(), *sig);
}

void Coordinator::abort(SessionState& s, AbortInfo info, bool tell_others, std::uint64_t now) {
    s.abort(info, now);
    if (tell_others) {
        const auto blamed = info.blamed ? static_cast<std::uint8_t>(*info.blamed) : NO_SIGNER;
        send_message(s, AbortBody{info.reason, blamed});
    }
    if (listener_) listener_->aborted(s.id(), info.reason, info.blamed);
}

void Coordinator::send_message(SessionState& s, decltype(SessionMessage::payload) payload) {
    SessionMessage m;
    m.network_id = opt_.network_id;
    m.session_id = s.id();
    m.sender_index = static_cast<std::uint8_t>(s.own_index());
    m.seq = s.next_own_seq();
    m.payload = std::move(payload);
    sign_message(m, sk_);
    broadcast(s, encode_message(m));
}

void Coordinator::broadcast(const SessionState& s, const Bytes& frame) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != s.own_index()) transport_.send(s.signer(i), frame);
}

Event Coordinator::outcome(const SessionState& s, Event::Kind kind,
                           std::optional<std::size_t> signer) {
    if (s.phase() == Phase::complete) kind = Event::Kind::completed;
    if (s.phase() == Phase::aborted) kind = Event::Kind::aborted;
    return Event{kind, s.id(), signer};
}

// ---- cleanup and views ---------------------------------------------------------------------

SweepReport Coordinator::sweep(std::uint64_t now) {
    last_sweep_ = now;
    SweepReport r;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        SessionState& s = it->second;
        const std::uint64_t expiry = s.announcement().expiry;
        if (now >= expiry || elapsed(now, s.first_seen()) >= opt_.session_timeout) {
            if (!is_final(s.phase())) {
                abort(s, AbortInfo{AbortReason::expired, std::nullopt, std::nullopt}, false, now);
                ++r.aborted_expired;
            }
            remember_removed(it->first, expiry);
            it = sessions_.erase(it);
            ++r.removed;
            continue;
        }
        const bool exchanging =
            s.phase() == Phase::nonce_exchange || s.phase() == Phase::partial_sig_exchange;
        if (exchanging && elapsed(now, s.phase_since()) > opt_.stuck_timeout) {
            abort(s, AbortInfo{AbortReason::stuck, std::nullopt, std::nullopt}, true, now);
            ++r.aborted_stuck;
        }
        ++it;
    }
    for (auto it = removed_.begin(); it != removed_.end();)
        it = now >= it->second ? removed_.erase(it) : std::next(it);
    for (auto it = early_.begin(); it != early_.end();) {
        auto& list = it->second;
        const auto before = list.size();
        std::erase_if(list,
                      [&](const Early& e) { return elapsed(now, e.at) > opt_.stuck_timeout; });
        early_count_ -= before - list.size();
        it = list.empty() ? early_.erase(it) : std::next(it);
    }
    return r;
}

void Coordinator::remember_removed(const SessionId& id, std::uint64_t expiry) {
    const std::size_t cap = 4 * std::max<std::size_t>(opt_.max_sessions, 1);
    while (removed_.size() >= cap) {
        auto oldest =
            std::min_element(removed_.begin(), removed_.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        removed_.erase(oldest);
    }
    removed_[id] = expiry;
}

std::vector<SessionView> Coordinator::list() const {
    std::vector<SessionView> out;
    out.reserve(sessions_.size());
    for (const auto& [id, s] : sessions_)
        out.push_back(view_of(s));
    return out;
}

std::optional<SessionView> Coordinator::get(const SessionId& id) const {
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return std::nullopt;
    return view_of(it->second);
}

}  // namespace sharemsg::musig
