#include "util/bytes.hpp"

namespace sharemsg {

std::string to_hex(ByteView b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.resize(b.size() * 2);
    for (std::size_t i = 0; i < b.size(); ++i) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0x0f];
    }
    return out;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<Bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0)
        return make_error(Errc::bad_encoding,
                          "hex string has odd length " + std::to_string(hex.size()));
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return make_error(Errc::bad_encoding, "non-hex character at position " +
                                                      std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

Error ByteReader::short_read(std::size_t need, std::string_view field) const {
    return make_error(Errc::truncated, std::string(field) + ": need " + std::to_string(need) +
                                           " bytes at offset " + std::to_string(pos_) + ", have " +
                                           std::to_string(remaining()));
}

Result<std::uint8_t> ByteReader::u8(std::string_view field) {
    if (remaining() < 1) return short_read(1, field);
    return data_[pos_++];
}

Result<std::uint16_t> ByteReader::u16le(std::string_view field) {
    if (remaining() < 2) return short_read(2, field);
    std::uint16_t v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
}

Result<std::uint32_t> ByteReader::u32le(std::string_view field) {
    if (remaining() < 4) return short_read(4, field);
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | data_[pos_ + static_cast<std::size_t>(i)];
    pos_ += 4;
    return v;
}

Result<std::uint64_t> ByteReader::u64le(std::string_view field) {
    if (remaining() < 8) return short_read(8, field);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | data_[pos_ + static_cast<std::size_t>(i)];
    pos_ += 8;
    return v;
}

Result<ByteView> ByteReader::bytes(std::size_t n, std::string_view field) {
    if (remaining() < n) return short_read(n, field);
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

}  // namespace sharemsg
