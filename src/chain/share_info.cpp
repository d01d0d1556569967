#include "chain/share_info.hpp"

#include "chain/share_info_layout.hpp"

namespace sharemsg::chain {

std::optional<std::string> stale_info_name(std::uint8_t v) {
    switch (v) {
        case stale_info::none:
            return std::nullopt;
        case stale_info::orphan:
            return std::string("orphan");
        case stale_info::doa:
            return std::string("doa");
        default:
            return "unk" + std::to_string(v);
    }
}

Result<std::uint8_t> stale_info_from_name(std::string_view name) {
    if (name == "orphan") return stale_info::orphan;
    if (name == "doa") return stale_info::doa;
    auto bad = [&] {
        return make_error(Errc::invalid_argument, "stale_info: enum item '" + std::string(name) +
                                                      "' is not one of the reference's names");
    };
    if (name.size() < 4 || name.size() > 6 || name.substr(0, 3) != "unk") return bad();
    const std::string_view digits = name.substr(3);
    if (digits[0] == '0')
        return bad();  // '%i' never writes leading zeros, and 'unk0' does not exist
    unsigned v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return bad();
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 255 || v == stale_info::orphan || v == stale_info::doa) return bad();
    return static_cast<std::uint8_t>(v);
}

const SegwitData& segwit_data_none_value() {
    static const SegwitData none = [] {
        SegwitData sd;
        sd.wtxid_merkle_root.fill(0xff);
        return sd;
    }();
    return none;
}

Result<Bytes> pack_share_info(const ShareInfo& info) {
    PackStream s("share_info");
    layout::describe(s, info);
    return std::move(s).finish();
}

Result<ShareInfo> read_share_info(ByteReader& r) {
    ShareInfo info;
    UnpackStream s(r, "share_info");
    layout::describe(s, info);
    if (auto st = s.status(); !st) return st.error();
    return info;
}

Result<ShareInfo> unpack_share_info(ByteView data) {
    ByteReader r(data);
    auto info = read_share_info(r);
    if (!info) return info.error();
    if (!r.empty())
        return make_error(Errc::trailing_bytes, "share_info: " + std::to_string(r.remaining()) +
                                                    " bytes after the last field");
    return info;
}

}  // namespace sharemsg::chain
