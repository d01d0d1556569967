#include "chain/pack.hpp"

namespace sharemsg::chain {

void write_var_int(ByteWriter& w, std::uint64_t v) {
    if (v < 0xfd) {
        w.u8(static_cast<std::uint8_t>(v));
    } else if (v <= 0xffff) {
        w.u8(0xfd);
        w.u16le(static_cast<std::uint16_t>(v));
    } else if (v <= 0xffffffff) {
        w.u8(0xfe);
        w.u32le(static_cast<std::uint32_t>(v));
    } else {
        w.u8(0xff);
        w.u64le(v);
    }
}

std::size_t var_int_size(std::uint64_t v) {
    if (v < 0xfd) return 1;
    if (v <= 0xffff) return 3;
    if (v <= 0xffffffff) return 5;
    return 9;
}

Result<std::uint64_t> read_var_int(ByteReader& r, std::string_view field) {
    auto first = r.u8(field);
    if (!first) return first.error();
    std::uint64_t value = 0;
    std::uint64_t minimum = 0;
    switch (*first) {
        case 0xfd: {
            auto v = r.u16le(field);
            if (!v) return v.error();
            value = *v;
            minimum = 0xfd;
            break;
        }
        case 0xfe: {
            auto v = r.u32le(field);
            if (!v) return v.error();
            value = *v;
            minimum = 0x10000;
            break;
        }
        case 0xff: {
            auto v = r.u64le(field);
            if (!v) return v.error();
            value = *v;
            minimum = 0x100000000;
            break;
        }
        default:
            return std::uint64_t{*first};
    }
    if (value < minimum)
        return make_error(Errc::bad_encoding, std::string(field) +
                                                  ": CompactSize not canonically packed (" +
                                                  std::to_string(value) + " after prefix 0x" +
                                                  to_hex(ByteView(&*first, 1)) + ")");
    return value;
}

std::string FieldPath::name(std::string_view field) const {
    if (field.empty()) return path_;
    return path_ + "." + std::string(field);
}

Error FieldPath::qualify(Error e) const {
    // Errors from ByteReader / read_var_int start with the bare field name.
    if (!e.reason.empty() && e.reason[0] == ':')
        e.reason = path_ + e.reason;
    else
        e.reason = path_ + "." + e.reason;
    return e;
}

FieldPath::Guard::Guard(FieldPath& p, std::string_view field) : p_(p), saved_(p.path_.size()) {
    if (!field.empty()) {
        p_.path_ += '.';
        p_.path_ += field;
    }
}

FieldPath::Guard::Guard(FieldPath& p, std::size_t index) : p_(p), saved_(p.path_.size()) {
    p_.path_ += '[';
    p_.path_ += std::to_string(index);
    p_.path_ += ']';
}

Result<Bytes> PackStream::finish() && {
    if (err_) return std::move(*err_);
    return std::move(w_).take();
}

void UnpackStream::var_str(std::string_view f, Bytes& v) {
    if (!ok()) return;
    std::uint64_t n = 0;
    take(read_var_int(r_, f), n);
    if (!ok()) return;
    if (n > r_.remaining()) {
        err_ = make_error(Errc::truncated, path_.name(f) + ": length " + std::to_string(n) +
                                               " runs past the end (" +
                                               std::to_string(r_.remaining()) + " bytes left)");
        return;
    }
    auto b = r_.bytes(static_cast<std::size_t>(n), f);
    if (!b) {
        err_ = path_.qualify(b.error());
        return;
    }
    v.assign(b->begin(), b->end());
}

Status UnpackStream::status() const {
    if (err_) return *err_;
    return Ok{};
}

}  // namespace sharemsg::chain
