// Internal to src/proto: the one description of the open profile's inner plaintext (the
// byte tables in open_envelope.hpp and docs/protocol.md), used by three streams:
//
//   Writer  encode_inner: writes the fields; a check that fails is the encoder refusing
//           the value (Errc::invalid_argument, the message naming the value's field);
//   Reader  decode_inner: reads the fields; a check that fails is the decoder's error (its
//           own Errc, the message naming the wire field);
//   Sizer   OpenMessage::encoded_size: adds up the bytes a value takes; checks nothing.
//
// A layout is a function template over the stream (as chain/pack.hpp does for the V36
// types): called with a Writer (T = const X) it writes, with a Reader (T = X) it reads. The
// checks sit in the description too, so the encoder refuses exactly what the decoder would
// refuse, and encoder, decoder and size cannot drift apart.
//
// Vocabulary:
//   u8/u32(field, v)                     1/4 bytes, little-endian
//   fixed(field, array)                  N bytes as stored
//   sized(len_field, field, bytes, lo, hi, len_width)
//                                        a length (u8 or u16le), then that many bytes; the
//                                        length must be in lo..hi (Reader: Errc::oversize
//                                        above hi, bad_encoding below lo)
//   part(present, opt, mismatch, inner)  an optional part: present when a flag says so. The
//                                        Writer refuses an optional whose presence disagrees
//                                        with the flag (`mismatch`); the Reader fills it in.
//   need(n, field)                       Reader: at least n bytes must be left (truncated)
//   list(count_field, vec, max, each)    a u8 count (at most max: Reader oversize), then the
//                                        elements; each(element, index)
//   check(ok, code, message)             a rule on values already described
//   scope(prefix, inner)                 errors inside inner start with prefix ("message 2: ")
//
// The first error sticks; later operations on a failed stream do nothing.
#pragma once

#include <concepts>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "proto/open_envelope.hpp"

namespace sharemsg::proto::open::layout {

template <class T, class U>
concept MaybeConst = std::same_as<std::remove_const_t<T>, U>;

enum class LenWidth { u8, u16 };

std::string hex_byte(std::uint8_t b);
bool is_compressed_point(const crypto::CompressedPubKey& k);
// "must be 8..72", or "must be 0 (...)" for a length that has one allowed value.
std::string length_rule(std::size_t lo, std::size_t hi);

// Shared by the three streams: the first error and the scope prefix.
class StreamBase {
  public:
    bool ok() const { return !err_; }
    const std::optional<Error>& error() const { return err_; }

    template <class F>
    void scope(std::string prefix, F&& inner) {
        if (!ok()) return;
        std::string saved = std::move(prefix_);
        prefix_ = saved + prefix;
        inner();
        prefix_ = std::move(saved);
    }

  protected:
    void fail(Errc c, const std::string& what) {
        if (!err_) err_ = make_error(c, prefix_ + what);
    }
    template <class R>
    bool take_error(const R& r) {
        if (r) return true;
        fail(r.error().code, r.error().reason);
        return false;
    }

  private:
    std::optional<Error> err_;
    std::string prefix_;
};

class Writer : public StreamBase {
  public:
    void u8(std::string_view, const std::uint8_t& v) {
        if (ok()) w_.u8(v);
    }
    void u32(std::string_view, const std::uint32_t& v) {
        if (ok()) w_.u32le(v);
    }
    template <std::size_t N>
    void fixed(std::string_view, const ByteArray<N>& v) {
        if (ok()) w_.bytes(v);
    }
    void sized(std::string_view, std::string_view field, const Bytes& v, std::size_t lo,
               std::size_t hi, LenWidth width) {
        if (!ok()) return;
        if (v.size() < lo || v.size() > hi)
            return fail(Errc::invalid_argument, std::string(field) + ": " +
                                                    std::to_string(v.size()) + " bytes, " +
                                                    length_rule(lo, hi));
        if (width == LenWidth::u8)
            w_.u8(static_cast<std::uint8_t>(v.size()));
        else
            w_.u16le(static_cast<std::uint16_t>(v.size()));
        w_.bytes(v);
    }
    template <class V, class F>
    void part(bool present, const std::optional<V>& v, std::string_view mismatch, F&& inner) {
        if (!ok()) return;
        if (present != v.has_value()) return fail(Errc::invalid_argument, std::string(mismatch));
        if (v) inner(*v);
    }
    void need(std::size_t, std::string_view) {}
    template <class V, class F>
    void list(std::string_view field, const std::vector<V>& v, std::size_t max, F&& each) {
        if (!ok()) return;
        if (v.size() > max)
            return fail(Errc::invalid_argument, std::string(field) + ": " +
                                                    std::to_string(v.size()) + " messages exceed " +
                                                    std::to_string(max));
        w_.u8(static_cast<std::uint8_t>(v.size()));
        for (std::size_t i = 0; i < v.size() && ok(); ++i)
            each(v[i], i);
    }
    template <class F>
    void check(bool good, Errc, F&& message) {
        if (ok() && !good) fail(Errc::invalid_argument, message());
    }

    Result<Bytes> finish() && {
        if (error()) return *error();
        return std::move(w_).take();
    }

  private:
    ByteWriter w_;
};

class Reader : public StreamBase {
  public:
    explicit Reader(ByteReader& r) : r_(r) {}

    void u8(std::string_view f, std::uint8_t& v) {
        if (!ok()) return;
        auto x = r_.u8(f);
        if (take_error(x)) v = *x;
    }
    void u32(std::string_view f, std::uint32_t& v) {
        if (!ok()) return;
        auto x = r_.u32le(f);
        if (take_error(x)) v = *x;
    }
    template <std::size_t N>
    void fixed(std::string_view f, ByteArray<N>& v) {
        if (!ok()) return;
        auto x = r_.template array<N>(f);
        if (take_error(x)) v = *x;
    }
    void sized(std::string_view len_field, std::string_view field, Bytes& v, std::size_t lo,
               std::size_t hi, LenWidth width) {
        if (!ok()) return;
        std::size_t n = 0;
        if (width == LenWidth::u8) {
            auto x = r_.u8(len_field);
            if (!take_error(x)) return;
            n = *x;
        } else {
            auto x = r_.u16le(len_field);
            if (!take_error(x)) return;
            n = *x;
        }
        if (n < lo || n > hi)
            return fail(
                n > hi && hi > lo ? Errc::oversize : Errc::bad_encoding,
                std::string(len_field) + ": " + std::to_string(n) + ", " + length_rule(lo, hi));
        auto b = r_.bytes(n, field);
        if (take_error(b)) v.assign(b->begin(), b->end());
    }
    template <class V, class F>
    void part(bool present, std::optional<V>& v, std::string_view, F&& inner) {
        if (!ok() || !present) return;
        inner(v.emplace());
        if (!ok()) v.reset();
    }
    void need(std::size_t n, std::string_view field) {
        if (ok() && r_.remaining() < n)
            fail(Errc::truncated, std::string(field) + ": need " + std::to_string(n) +
                                      " bytes, have " + std::to_string(r_.remaining()));
    }
    template <class V, class F>
    void list(std::string_view field, std::vector<V>& v, std::size_t max, F&& each) {
        if (!ok()) return;
        auto count = r_.u8(field);
        if (!take_error(count)) return;
        if (*count > max)
            return fail(Errc::oversize, std::string(field) + ": " + std::to_string(*count) +
                                            " exceeds " + std::to_string(max));
        v.clear();
        v.reserve(*count);
        for (std::size_t i = 0; i < *count && ok(); ++i)
            each(v.emplace_back(), i);
    }
    template <class F>
    void check(bool good, Errc code, F&& message) {
        if (ok() && !good) fail(code, message());
    }

    Status finish() const {
        if (error()) return *error();
        return Ok{};
    }

  private:
    ByteReader& r_;
};

class Sizer : public StreamBase {
  public:
    void u8(std::string_view, const std::uint8_t&) { n_ += 1; }
    void u32(std::string_view, const std::uint32_t&) { n_ += 4; }
    template <std::size_t N>
    void fixed(std::string_view, const ByteArray<N>&) {
        n_ += N;
    }
    void sized(std::string_view, std::string_view, const Bytes& v, std::size_t, std::size_t,
               LenWidth width) {
        n_ += (width == LenWidth::u8 ? 1 : 2) + v.size();
    }
    template <class V, class F>
    void part(bool, const std::optional<V>& v, std::string_view, F&& inner) {
        if (v) inner(*v);
    }
    void need(std::size_t, std::string_view) {}
    template <class V, class F>
    void list(std::string_view, const std::vector<V>& v, std::size_t, F&& each) {
        n_ += 1;
        for (std::size_t i = 0; i < v.size(); ++i)
            each(v[i], i);
    }
    template <class F>
    void check(bool, Errc, F&&) {}
    std::size_t size() const { return n_; }

  private:
    std::size_t n_ = 0;
};

// ---- the layouts ---------------------------------------------------------------------------

template <class S, MaybeConst<BoundAnnouncement> T>
void describe(S& s, T& a) {
    s.need(ANNOUNCEMENT_SIZE, "announcement");
    s.fixed("announcement.signing_pubkey", a.signing_pubkey);
    s.u32("announcement.key_index", a.key_index);
    s.fixed("announcement.master_pubkey", a.master_pubkey);
    s.fixed("announcement.delegation", a.delegation_sig);
    s.check(is_compressed_point(a.signing_pubkey), Errc::bad_key, [] {
        return std::string("announcement.signing_pubkey: not a compressed secp256k1 point");
    });
    s.check(is_compressed_point(a.master_pubkey), Errc::bad_key, [] {
        return std::string("announcement.master_pubkey: not a compressed secp256k1 point");
    });
}

template <class S, MaybeConst<FragmentInfo> T>
void describe(S& s, T& f) {
    s.u32("fragment.msg_id", f.msg_id);
    s.u8("fragment.index", f.index);
    s.u8("fragment.total", f.total);
    s.check(f.total >= 2 && f.total <= MAX_FRAGMENTS, Errc::oversize, [&] {
        return "fragment.total: " + std::to_string(f.total) + " is outside 2.." +
               std::to_string(MAX_FRAGMENTS);
    });
    s.check(f.index < f.total, Errc::bad_encoding, [&] {
        return "fragment.index: " + std::to_string(f.index) + " is not below total " +
               std::to_string(f.total);
    });
}

template <class S, MaybeConst<OpenMessage> T>
void describe(S& s, T& m) {
    s.u8("msg_type", m.msg_type);
    s.u8("flags", m.flags);
    s.check((m.flags & ~KNOWN_FLAGS) == 0, Errc::bad_encoding, [&] {
        return "flags: reserved bits " +
               hex_byte(static_cast<std::uint8_t>(m.flags & ~KNOWN_FLAGS)) +
               " set (0x40 and 0x80 must be 0 in the open profile)";
    });
    // An authority message: a co-signing authority's key in place of the signing id, one of
    // the two authority types, never private nor fragmented, a 64-byte BIP340 signature.
    const bool authority = (m.flags & FLAG_AUTHORITY) != 0;
    if (authority) {
        s.check(authority_type(m.msg_type), Errc::bad_encoding, [&] {
            return "flags: FLAG_AUTHORITY (0x08) on msg_type " + hex_byte(m.msg_type) +
                   " (only EMERGENCY 0x10 and TRANSITION_SIGNAL 0x20 are authority messages)";
        });
        s.check((m.flags & (FLAG_PRIVATE | FLAG_FRAGMENT)) == 0, Errc::bad_encoding, [] {
            return std::string(
                "flags: FLAG_AUTHORITY (0x08) excludes FLAG_PRIVATE (0x10) and FLAG_FRAGMENT "
                "(0x20)");
        });
    }
    s.u32("timestamp", m.timestamp);
    s.part(authority, m.authority_key,
           "flags: FLAG_AUTHORITY must be set exactly when there is an authority key",
           [&](auto& k) { s.fixed("authority_key", k); });
    if (authority)
        s.check(m.signing_id == SigningId{}, Errc::bad_encoding, [] {
            return std::string("signing_id: must be zero in an authority message (not sent)");
        });
    else
        s.fixed("signing_id", m.signing_id);
    s.part((m.flags & FLAG_PRIVATE) != 0, m.recipient,
           "flags: FLAG_PRIVATE must be set exactly when there is a recipient",
           [&](auto& r) { s.fixed("recipient_id", r); });
    s.part((m.flags & FLAG_FRAGMENT) != 0, m.fragment,
           "flags: FLAG_FRAGMENT must be set exactly when there is a fragment header",
           [&](auto& f) { describe(s, f); });
    // Every message is signed but a fragment that is not the last (its signature travels in
    // the last one, over the whole payload).
    const bool want_signature = !m.fragment || m.fragment->index + 1 == m.fragment->total;
    s.check(((m.flags & FLAG_HAS_SIGNATURE) != 0) == want_signature, Errc::bad_encoding, [&] {
        return std::string(want_signature ? "flags: FLAG_HAS_SIGNATURE must be set"
                                          : "flags: FLAG_HAS_SIGNATURE must be clear in a "
                                            "fragment that is not the last");
    });
    s.sized("payload_len", "payload", m.payload, 0, MAX_MESSAGE_PAYLOAD, LenWidth::u16);
    if (authority)
        s.sized("sig_len", "signature", m.signature, AUTHORITY_SIGNATURE_SIZE,
                AUTHORITY_SIGNATURE_SIZE, LenWidth::u8);
    else if (want_signature)
        s.sized("sig_len", "signature", m.signature, MIN_SIGNATURE, MAX_SIGNATURE, LenWidth::u8);
    else
        s.sized("sig_len", "signature", m.signature, 0, 0, LenWidth::u8);
}

template <class S, MaybeConst<Envelope> T>
void describe(S& s, T& env) {
    // The Writer writes the flags the optional parts call for; the Reader reads them.
    std::uint8_t flags =
        static_cast<std::uint8_t>((env.announcement ? INNER_HAS_ANNOUNCEMENT : 0) |
                                  (env.sacrifice_tag ? INNER_HAS_SACRIFICE_TAG : 0));
    s.u8("inner_flags", flags);
    s.check((flags & ~INNER_KNOWN_FLAGS) == 0, Errc::bad_encoding, [&] {
        return "inner_flags: reserved bits " +
               hex_byte(static_cast<std::uint8_t>(flags & ~INNER_KNOWN_FLAGS)) + " set";
    });
    s.part((flags & INNER_HAS_ANNOUNCEMENT) != 0, env.announcement, "inner_flags: announcement",
           [&](auto& a) { describe(s, a); });
    s.part((flags & INNER_HAS_SACRIFICE_TAG) != 0, env.sacrifice_tag, "inner_flags: sacrifice tag",
           [&](auto& t) { s.fixed("sacrifice_tag", t); });
    s.list("msg_count", env.messages, MAX_MESSAGES, [&](auto& m, std::size_t i) {
        s.scope("message " + std::to_string(i + 1) + ": ", [&] { describe(s, m); });
    });
}

}  // namespace sharemsg::proto::open::layout
