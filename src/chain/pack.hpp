// p2pool's pack types (p2pool/util/pack.py), as two streams with one vocabulary.
//
// A wire type is described once, as a function template over the stream:
//
//     template <class S, MaybeConst<Foo> T>
//     void describe(S& s, T& foo) { s.u32("a", foo.a); s.var_str("b", foo.b); }
//
// Called with a PackStream (T = const Foo) it writes; called with an
// UnpackStream (T = Foo) it reads. Encoder and decoder are the same lines, so
// they cannot drift apart (Bitcoin Core's SERIALIZE_METHODS idea).
//
// Vocabulary, and the reference type each method stands for:
//
//   method             reference type              wire bytes
//   u8/u16/u32/u64     IntType(8/16/32/64)         1/2/4/8 bytes, little-endian
//   fixed<N>           IntType(8N) or FixedStr(N)  N bytes as stored (ints: little-endian)
//   zero_width         IntType(0)                  nothing; reads as 0; writes nothing, whatever
//   the value var_int            VarIntType                  Bitcoin CompactSize, see below var_str
//   VarStrType                  CompactSize length, then the bytes list               ListType(t)
//   CompactSize count, then each element possibly_none      PossiblyNoneType(nv, t)     t's bytes
//   of the value, or of nv for None composite          ComposedType                the fields in
//   order, nothing between
//
// CompactSize (VarIntType):
//   value < 0xfd           1 byte: the value
//   value <= 0xffff        0xfd, then u16le
//   value <= 0xffffffff    0xfe, then u32le
//   otherwise              0xff, then u64le
// Decoding rejects non-minimal forms (0xfd 0x0010 for 16, ...), as the
// reference does ('VarInt not canonically packed'): Errc::bad_encoding. Note
// the reference's 0xfd minimum is 0xfd itself, so 0xfd fd 00 is canonical.
//
// PossiblyNoneType(none_value, t): None is packed as none_value, and a decoded
// none_value comes back as None. The reference *refuses to pack* a present value
// equal to none_value (ValueError 'none_value used'); PackStream fails the same
// way, with Errc::invalid_argument. So std::nullopt is the only spelling of None.
//
// Decoding is strict, more so than the reference (whose file reads return short
// data silently in places):
//   - Errc::truncated   input ends inside a field, or a var_str length runs past the end;
//   - Errc::oversize    a bounded_list longer than its bound, or
//                       a list count could not fit in the bytes left even at the
//                       element's minimum size (checked before allocating, so an
//                       allocation is bounded by the input size);
//   - Errc::bad_encoding non-canonical CompactSize;
//   - Errc::trailing_bytes is the caller's check (see unpack_* functions).
// Every error names the field by its path, e.g. "share_info.merged_addresses[2].script".
// The first error sticks; later operations on a failed stream do nothing.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

// T is U or const U: lets one describe() template serve both streams.
template <class T, class U>
concept MaybeConst = std::same_as<std::remove_const_t<T>, U>;

// ---- CompactSize --------------------------------------------------------------

void write_var_int(ByteWriter& w, std::uint64_t v);
// Reads a canonical CompactSize; `field` names it in errors.
Result<std::uint64_t> read_var_int(ByteReader& r, std::string_view field);
std::size_t var_int_size(std::uint64_t v);

// ---- field paths for error messages --------------------------------------------

class FieldPath {
  public:
    explicit FieldPath(std::string root) : path_(std::move(root)) {}
    // "<path>.<field>" (or just the path when field is empty).
    std::string name(std::string_view field) const;
    // Prefixes an Error produced for the bare field name with the path.
    Error qualify(Error e) const;

    // RAII: enters ".field" or "[index]" for the guard's lifetime.
    class Guard {
      public:
        Guard(FieldPath& p, std::string_view field);
        Guard(FieldPath& p, std::size_t index);
        ~Guard() { p_.path_.resize(saved_); }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

      private:
        FieldPath& p_;
        std::size_t saved_;
    };

  private:
    std::string path_;
};

// ---- writing --------------------------------------------------------------------

class PackStream {
  public:
    explicit PackStream(std::string root) : path_(std::move(root)) {}

    bool ok() const { return !err_; }

    void u8(std::string_view, const std::uint8_t& v) {
        if (ok()) w_.u8(v);
    }
    void u16(std::string_view, const std::uint16_t& v) {
        if (ok()) w_.u16le(v);
    }
    void u32(std::string_view, const std::uint32_t& v) {
        if (ok()) w_.u32le(v);
    }
    void u64(std::string_view, const std::uint64_t& v) {
        if (ok()) w_.u64le(v);
    }
    void var_int(std::string_view, const std::uint64_t& v) {
        if (ok()) write_var_int(w_, v);
    }
    void var_str(std::string_view, const Bytes& v) {
        if (!ok()) return;
        write_var_int(w_, v.size());
        w_.bytes(v);
    }
    template <std::size_t N>
    void fixed(std::string_view, const ByteArray<N>& v) {
        if (ok()) w_.bytes(v);
    }
    // IntType(0).write returns before looking at the value: nothing is written.
    void zero_width(std::string_view, const std::uint64_t&) {}

    // A list whose length the format bounds (see bounded_list below); written as list.
    template <class V, class F>
    void bounded_list(std::string_view field, const std::vector<V>& v, std::size_t min_element_size,
                      std::size_t /*max_count*/, F&& each) {
        list(field, v, min_element_size, std::forward<F>(each));
    }

    template <class V, class F>
    void list(std::string_view field, const std::vector<V>& v, std::size_t /*min_element_size*/,
              F&& each) {
        if (!ok()) return;
        FieldPath::Guard g(path_, field);
        write_var_int(w_, v.size());
        for (std::size_t i = 0; i < v.size() && ok(); ++i) {
            FieldPath::Guard gi(path_, i);
            each(v[i]);
        }
    }

    template <class V, class F>
    void possibly_none(std::string_view field, const std::optional<V>& v, const V& none_value,
                       F&& inner) {
        if (!ok()) return;
        if (v && *v == none_value) {
            fail(Errc::invalid_argument, field,
                 "none_value used (a present value equal to the None encoding; the reference "
                 "refuses it)");
            return;
        }
        FieldPath::Guard g(path_, field);
        inner(v ? *v : none_value);
    }

    template <class F>
    void composite(std::string_view field, F&& inner) {
        if (!ok()) return;
        FieldPath::Guard g(path_, field);
        inner();
    }

    // The bytes, or the first error.
    Result<Bytes> finish() &&;

  private:
    void fail(Errc c, std::string_view field, std::string_view what) {
        err_ = make_error(c, path_.name(field) + ": " + std::string(what));
    }
    ByteWriter w_;
    FieldPath path_;
    std::optional<Error> err_;
};

// ---- reading --------------------------------------------------------------------

class UnpackStream {
  public:
    UnpackStream(ByteReader& r, std::string root) : r_(r), path_(std::move(root)) {}

    bool ok() const { return !err_; }

    void u8(std::string_view f, std::uint8_t& v) {
        if (ok()) take(r_.u8(f), v);
    }
    void u16(std::string_view f, std::uint16_t& v) {
        if (ok()) take(r_.u16le(f), v);
    }
    void u32(std::string_view f, std::uint32_t& v) {
        if (ok()) take(r_.u32le(f), v);
    }
    void u64(std::string_view f, std::uint64_t& v) {
        if (ok()) take(r_.u64le(f), v);
    }
    void var_int(std::string_view f, std::uint64_t& v) {
        if (ok()) take(read_var_int(r_, f), v);
    }
    void var_str(std::string_view f, Bytes& v);
    template <std::size_t N>
    void fixed(std::string_view f, ByteArray<N>& v) {
        if (ok()) take(r_.array<N>(f), v);
    }
    void zero_width(std::string_view, std::uint64_t& v) { v = 0; }

    // A list of at most max_count elements: a longer one is Errc::oversize, before anything
    // is allocated. (The reference's ListType has no bound; the caller's limit is the
    // network's, documented where it is used.) Writing does not check it.
    template <class V, class F>
    void bounded_list(std::string_view field, std::vector<V>& v, std::size_t min_element_size,
                      std::size_t max_count, F&& each) {
        list_impl(field, v, min_element_size, max_count, std::forward<F>(each));
    }

    template <class V, class F>
    void list(std::string_view field, std::vector<V>& v, std::size_t min_element_size, F&& each) {
        list_impl(field, v, min_element_size, SIZE_MAX, std::forward<F>(each));
    }

    template <class V, class F>
    void list_impl(std::string_view field, std::vector<V>& v, std::size_t min_element_size,
                   std::size_t max_count, F&& each) {
        if (!ok()) return;
        FieldPath::Guard g(path_, field);
        std::uint64_t count = 0;
        var_int("", count);
        if (!ok()) return;
        if (count > max_count) {
            fail(Errc::oversize, "",
                 std::to_string(count) + " entries, more than the " + std::to_string(max_count) +
                     " allowed");
            return;
        }
        if (count > r_.remaining() / min_element_size) {
            fail(Errc::oversize, "",
                 "count " + std::to_string(count) + " needs at least " +
                     std::to_string(min_element_size) + " bytes each, " +
                     std::to_string(r_.remaining()) + " bytes left");
            return;
        }
        v.clear();
        v.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count && ok(); ++i) {
            FieldPath::Guard gi(path_, static_cast<std::size_t>(i));
            each(v.emplace_back());
        }
    }

    template <class V, class F>
    void possibly_none(std::string_view field, std::optional<V>& v, const V& none_value,
                       F&& inner) {
        if (!ok()) return;
        V tmp{};
        {
            FieldPath::Guard g(path_, field);
            inner(tmp);
        }
        if (!ok()) return;
        if (tmp == none_value)
            v.reset();
        else
            v = std::move(tmp);
    }

    template <class F>
    void composite(std::string_view field, F&& inner) {
        if (!ok()) return;
        FieldPath::Guard g(path_, field);
        inner();
    }

    // Ok, or the first error.
    Status status() const;

  private:
    template <class T, class R>
    void take(R&& r, T& out) {
        if (!r)
            err_ = path_.qualify(r.error());
        else
            out = std::move(*r);
    }
    void fail(Errc c, std::string_view field, const std::string& what) {
        err_ = make_error(c, path_.name(field) + ": " + what);
    }
    ByteReader& r_;
    FieldPath path_;
    std::optional<Error> err_;
};

}  // namespace sharemsg::chain
