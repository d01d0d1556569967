#include "musig/frame.hpp"

#include <algorithm>
#include <type_traits>

#include "musig/codec.hpp"

namespace sharemsg::musig {

namespace {

// ---- the two streams -----------------------------------------------------------------------
//
// A description calls, in order, for each field:
//   u8/u16/u32/u64(v)          little-endian integers
//   array(a)                   N raw bytes
//   signers(list)              n u8 || n compressed points; the reader refuses n outside
//                              MIN_SIGNERS..MAX_SIGNERS, a key that is not a point and a key
//                              named twice
//   blob(b, min, max, err)     u16 length || bytes; the reader refuses a length outside
//                              min..max with err
//   pubnonce(n), psig(p)       66 / 32 bytes through musig/codec.hpp's decoders
//   reason(r)                  u8 AbortReason
//   check(cond, err)           the reader refuses with err when cond is false (the writer
//                              writes what it is given)
// The reader stops at its first error; later calls do nothing.

class Reader {
  public:
    explicit Reader(ByteView b) : r_(b) {}
    bool ok() const { return error_ == FrameError::none; }
    FrameError error() const { return error_; }
    bool at_end() const { return r_.empty(); }

    void u8(std::uint8_t& v) {
        read(v, [&] { return r_.u8(""); });
    }
    void u16(std::uint16_t& v) {
        read(v, [&] { return r_.u16le(""); });
    }
    void u32(std::uint32_t& v) {
        read(v, [&] { return r_.u32le(""); });
    }
    void u64(std::uint64_t& v) {
        read(v, [&] { return r_.u64le(""); });
    }
    template <std::size_t N>
    void array(ByteArray<N>& a) {
        read(a, [&] { return r_.array<N>(""); });
    }
    void check(bool cond, FrameError e) {
        if (ok() && !cond) error_ = e;
    }
    void signers(std::vector<PlainPubKey>& list) {
        std::uint8_t n = 0;
        u8(n);
        check(n >= MIN_SIGNERS && n <= MAX_SIGNERS, FrameError::bad_signer_count);
        if (!ok()) return;
        list.clear();
        list.reserve(n);
        for (std::size_t i = 0; i < n && ok(); ++i) {
            PlainPubKey k{};
            array(k);
            if (!ok()) return;
            check(decode_plain_pubkey(k).ok(), FrameError::bad_pubkey);
            check(std::find(list.begin(), list.end(), k) == list.end(),
                  FrameError::duplicate_signer);
            list.push_back(k);
        }
    }
    void blob(Bytes& b, std::size_t min, std::size_t max, FrameError e) {
        std::uint16_t len = 0;
        u16(len);
        check(len >= min && len <= max, e);
        if (!ok()) return;
        auto v = r_.bytes(len, "");
        if (!v) {
            error_ = FrameError::truncated;
            return;
        }
        b.assign(v->begin(), v->end());
    }
    void pubnonce(PubNonce& n) {
        array(n);
        check(!ok() || decode_pubnonce(n).ok(), FrameError::bad_pubnonce);
    }
    void psig(PartialSig& p) {
        array(p);
        check(!ok() || decode_partial_sig(p).ok(), FrameError::bad_partial_sig);
    }
    void reason(AbortReason& r) {
        std::uint8_t v = 0;
        u8(v);
        check(v >= 1 && v <= 4, FrameError::bad_abort_reason);
        if (ok()) r = static_cast<AbortReason>(v);
    }

  private:
    template <class T, class F>
    void read(T& out, F f) {
        if (!ok()) return;
        auto v = f();
        if (!v) {
            error_ = FrameError::truncated;
            return;
        }
        out = *v;
    }
    ByteReader r_;
    FrameError error_ = FrameError::none;
};

class Writer {
  public:
    void u8(std::uint8_t v) { w_.u8(v); }
    void u16(std::uint16_t v) { w_.u16le(v); }
    void u32(std::uint32_t v) { w_.u32le(v); }
    void u64(std::uint64_t v) { w_.u64le(v); }
    template <std::size_t N>
    void array(const ByteArray<N>& a) {
        w_.bytes(a);
    }
    void check(bool, FrameError) {}
    void signers(const std::vector<PlainPubKey>& list) {
        w_.u8(static_cast<std::uint8_t>(list.size()));
        for (const auto& k : list)
            w_.bytes(k);
    }
    void blob(const Bytes& b, std::size_t, std::size_t, FrameError) {
        w_.u16le(static_cast<std::uint16_t>(b.size()));
        w_.bytes(b);
    }
    void pubnonce(const PubNonce& n) { w_.bytes(n); }
    void psig(const PartialSig& p) { w_.bytes(p); }
    void reason(AbortReason r) { w_.u8(static_cast<std::uint8_t>(r)); }
    Bytes take() && { return std::move(w_).take(); }

  private:
    ByteWriter w_;
};

// ---- the descriptions ----------------------------------------------------------------------

template <class S, class A>
void describe_announcement(S& s, A& a) {
    s.array(a.network_id);
    s.array(a.salt);
    s.signers(a.signers);
    s.u8(a.creator_index);
    s.check(a.creator_index < a.signers.size(), FrameError::bad_creator_index);
    s.u8(a.required_signers);
    s.check(a.required_signers == a.signers.size(), FrameError::bad_required_signers);
    s.u64(a.created);
    s.u64(a.expiry);
    s.check(a.expiry > a.created && a.expiry - a.created <= MAX_SESSION_LIFETIME,
            FrameError::bad_expiry);
    s.blob(a.message, 1, MAX_MESSAGE, FrameError::bad_message_length);
    s.blob(a.context, 0, MAX_CONTEXT, FrameError::bad_context_length);
    s.array(a.creator_sig);
}

template <class S, class B>
void describe_body(S& s, B& body) {
    using T = std::remove_const_t<B>;
    if constexpr (std::is_same_v<T, NonceBody>) {
        s.pubnonce(body.pubnonce);
    } else if constexpr (std::is_same_v<T, PartialBody>) {
        s.psig(body.psig);
    } else {
        static_assert(std::is_same_v<T, AbortBody>);
        s.reason(body.reason);
        s.u8(body.blamed);
        s.check(body.blamed == NO_SIGNER || body.blamed < MAX_SIGNERS,
                FrameError::bad_blamed_index);
    }
}

template <class S, class M>
void describe_message(S& s, M& m) {
    s.array(m.network_id);
    s.array(m.session_id);
    s.u8(m.sender_index);
    s.check(m.sender_index < MAX_SIGNERS, FrameError::bad_sender_index);
    s.u32(m.seq);
    s.check(m.seq != 0, FrameError::bad_sequence);
    std::visit([&](auto& body) { describe_body(s, body); }, m.payload);
    s.array(m.sender_sig);
}

// The bytes a signature covers: the frame without its last 64 bytes.
ByteView signed_part(const Bytes& frame) {
    return ByteView(frame).first(frame.size() - 64);
}

}  // namespace

const char* frame_type_name(FrameType t) noexcept {
    switch (t) {
        case FrameType::announce:
            return "announce";
        case FrameType::nonce:
            return "nonce";
        case FrameType::partial:
            return "partial";
        case FrameType::abort:
            return "abort";
    }
    return "unknown";
}

const char* abort_reason_name(AbortReason r) noexcept {
    switch (r) {
        case AbortReason::cancelled:
            return "cancelled";
        case AbortReason::bad_partial_sig:
            return "bad_partial_sig";
        case AbortReason::stuck:
            return "stuck";
        case AbortReason::expired:
            return "expired";
    }
    return "unknown";
}

const char* frame_error_name(FrameError e) noexcept {
    switch (e) {
        case FrameError::none:
            return "none";
        case FrameError::truncated:
            return "truncated";
        case FrameError::bad_version:
            return "bad_version";
        case FrameError::bad_type:
            return "bad_type";
        case FrameError::trailing_bytes:
            return "trailing_bytes";
        case FrameError::bad_signer_count:
            return "bad_signer_count";
        case FrameError::bad_pubkey:
            return "bad_pubkey";
        case FrameError::duplicate_signer:
            return "duplicate_signer";
        case FrameError::bad_creator_index:
            return "bad_creator_index";
        case FrameError::bad_required_signers:
            return "bad_required_signers";
        case FrameError::bad_expiry:
            return "bad_expiry";
        case FrameError::bad_message_length:
            return "bad_message_length";
        case FrameError::bad_context_length:
            return "bad_context_length";
        case FrameError::bad_sender_index:
            return "bad_sender_index";
        case FrameError::bad_sequence:
            return "bad_sequence";
        case FrameError::bad_pubnonce:
            return "bad_pubnonce";
        case FrameError::bad_partial_sig:
            return "bad_partial_sig";
        case FrameError::bad_abort_reason:
            return "bad_abort_reason";
        case FrameError::bad_blamed_index:
            return "bad_blamed_index";
    }
    return "unknown";
}

FrameType SessionMessage::type() const noexcept {
    switch (payload.index()) {
        case 0:
            return FrameType::nonce;
        case 1:
            return FrameType::partial;
        default:
            return FrameType::abort;
    }
}

Checked<Frame, FrameError> decode_frame(ByteView b) {
    Reader r(b);
    std::uint8_t version = 0, type = 0;
    r.u8(version);
    r.check(version == FRAME_VERSION, FrameError::bad_version);
    r.u8(type);
    r.check(type >= 1 && type <= 4, FrameError::bad_type);
    if (!r.ok()) return r.error();
    Frame f;
    if (static_cast<FrameType>(type) == FrameType::announce) {
        Announcement a;
        describe_announcement(r, a);
        f = std::move(a);
    } else {
        SessionMessage m;
        switch (static_cast<FrameType>(type)) {
            case FrameType::nonce:
                m.payload = NonceBody{};
                break;
            case FrameType::partial:
                m.payload = PartialBody{};
                break;
            default:
                m.payload = AbortBody{};
                break;
        }
        describe_message(r, m);
        f = std::move(m);
    }
    r.check(r.at_end(), FrameError::trailing_bytes);
    if (!r.ok()) return r.error();
    return f;
}

Bytes encode_announcement(const Announcement& a) {
    Writer w;
    w.u8(FRAME_VERSION);
    w.u8(static_cast<std::uint8_t>(FrameType::announce));
    describe_announcement(w, a);
    return std::move(w).take();
}

Bytes encode_message(const SessionMessage& m) {
    Writer w;
    w.u8(FRAME_VERSION);
    w.u8(static_cast<std::uint8_t>(m.type()));
    describe_message(w, m);
    return std::move(w).take();
}

Bytes encode_frame(const Frame& f) {
    if (const auto* a = std::get_if<Announcement>(&f)) return encode_announcement(*a);
    return encode_message(std::get<SessionMessage>(f));
}

SessionId session_id(const Announcement& a) {
    return crypto::tagged_hash(TAG_SESSION, signed_part(encode_announcement(a)));
}

crypto::Hash256 announcement_sighash(const Announcement& a) {
    return crypto::tagged_hash(TAG_ANNOUNCE, signed_part(encode_announcement(a)));
}

crypto::Hash256 message_sighash(const SessionMessage& m) {
    return crypto::tagged_hash(TAG_MESSAGE, signed_part(encode_message(m)));
}

void sign_announcement(Announcement& a, const crypto::PrivKey& creator_key) {
    a.creator_sig = crypto::schnorr_sign(creator_key, announcement_sighash(a));
}

void sign_message(SessionMessage& m, const crypto::PrivKey& sender_key) {
    m.sender_sig = crypto::schnorr_sign(sender_key, message_sighash(m));
}

bool announcement_signature_ok(const Announcement& a) {
    if (a.creator_index >= a.signers.size()) return false;
    return crypto::schnorr_verify(a.signers[a.creator_index], announcement_sighash(a),
                                  a.creator_sig);
}

bool message_signature_ok(const SessionMessage& m, const PlainPubKey& sender_pubkey) {
    return crypto::schnorr_verify(sender_pubkey, message_sighash(m), m.sender_sig);
}

}  // namespace sharemsg::musig
