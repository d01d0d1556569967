// Byte containers, hex, and an explicit little-endian reader/writer.
//
// ByteReader is a bounds-checked cursor over a span: every read states how
// many bytes it needs and fails with Errc::truncated (naming the field) when
// fewer remain. Integers are assembled byte by byte; no memcpy into host ints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace sharemsg {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
template <std::size_t N>
using ByteArray = std::array<std::uint8_t, N>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string to_string(ByteView b) {
    return {b.begin(), b.end()};
}

// Lowercase hex of any bytes.
std::string to_hex(ByteView b);
// Strict hex decode: even length, [0-9a-fA-F] only. Surrounding whitespace is not accepted.
Result<Bytes> from_hex(std::string_view hex);
// Decode exactly N bytes of hex.
template <std::size_t N>
Result<ByteArray<N>> from_hex_fixed(std::string_view hex) {
    auto r = from_hex(hex);
    if (!r) return r.error();
    if (r->size() != N)
        return make_error(
            Errc::invalid_argument,
            "expected " + std::to_string(N) + " bytes of hex, got " + std::to_string(r->size()));
    ByteArray<N> out{};
    for (std::size_t i = 0; i < N; ++i)
        out[i] = (*r)[i];
    return out;
}

inline void append(Bytes& out, ByteView b) {
    out.insert(out.end(), b.begin(), b.end());
}

class ByteWriter {
  public:
    void u8(std::uint8_t v) { buf_.push_back(v); }
    void u16le(std::uint16_t v) {
        for (int i = 0; i < 2; ++i)
            buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u32le(std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64le(std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void bytes(ByteView b) { append(buf_, b); }
    const Bytes& data() const& { return buf_; }
    Bytes&& take() && { return std::move(buf_); }
    std::size_t size() const { return buf_.size(); }

  private:
    Bytes buf_;
};

class ByteReader {
  public:
    explicit ByteReader(ByteView data, std::size_t offset = 0) : data_(data), pos_(offset) {}

    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return pos_ <= data_.size() ? data_.size() - pos_ : 0; }
    bool empty() const { return remaining() == 0; }

    Result<std::uint8_t> u8(std::string_view field);
    Result<std::uint16_t> u16le(std::string_view field);
    Result<std::uint32_t> u32le(std::string_view field);
    Result<std::uint64_t> u64le(std::string_view field);
    // A view of the next n bytes (valid while the underlying buffer lives).
    Result<ByteView> bytes(std::size_t n, std::string_view field);
    template <std::size_t N>
    Result<ByteArray<N>> array(std::string_view field) {
        auto v = bytes(N, field);
        if (!v) return v.error();
        ByteArray<N> out{};
        for (std::size_t i = 0; i < N; ++i)
            out[i] = (*v)[i];
        return out;
    }
    ByteView rest() const { return data_.subspan(pos_); }

  private:
    Error short_read(std::size_t need, std::string_view field) const;
    ByteView data_;
    std::size_t pos_;
};

}  // namespace sharemsg
