#include "chain/share.hpp"

#include "chain/share_info_layout.hpp"

namespace sharemsg::chain {

namespace {

// The layouts; the tables are in share.hpp.

template <class S, MaybeConst<SmallBlockHeader> T>
void describe(S& s, T& h) {
    s.var_int("version", h.version);
    s.possibly_none("previous_block", h.previous_block, layout::zero256(),
                    [&](auto& v) { s.fixed("", v); });
    s.u32("timestamp", h.timestamp);
    s.u32("bits", h.bits);
    s.u32("nonce", h.nonce);
}

template <class S, MaybeConst<HashLink> T>
void describe(S& s, T& l) {
    s.fixed("state", l.state);
    s.var_str("extra_data", l.extra_data);
    s.var_int("length", l.length);
}

template <class S, MaybeConst<Share> T>
void describe(S& s, T& sh) {
    static const Bytes no_message_data;
    s.composite("min_header", [&] { describe(s, sh.min_header); });
    s.composite("share_info", [&] { layout::describe(s, sh.share_info); });
    s.composite("ref_merkle_link", [&] { layout::describe(s, sh.ref_merkle_link); });
    s.u64("last_txout_nonce", sh.last_txout_nonce);
    s.composite("hash_link", [&] { describe(s, sh.hash_link); });
    s.composite("merkle_link", [&] { layout::describe(s, sh.merkle_link); });
    s.possibly_none("message_data", sh.message_data, no_message_data,
                    [&](auto& m) { s.var_str("", m); });
}

template <class S, MaybeConst<VersionedShare> T>
void describe(S& s, T& v) {
    s.var_int("type", v.type);
    s.var_str("contents", v.contents);
}

Error trailing(const char* what, std::size_t n) {
    return make_error(Errc::trailing_bytes,
                      std::string(what) + ": " + std::to_string(n) + " bytes after the last field");
}

}  // namespace

Result<Bytes> pack_share(const Share& share) {
    PackStream s("share");
    describe(s, share);
    return std::move(s).finish();
}

Result<Share> unpack_share(ByteView contents) {
    ByteReader r(contents);
    Share share;
    UnpackStream s(r, "share");
    describe(s, share);
    if (auto st = s.status(); !st) return st.error();
    if (!r.empty()) return trailing("share", r.remaining());
    return share;
}

Bytes pack_versioned_share(const VersionedShare& v) {
    PackStream s("wrapped_share");
    describe(s, v);
    return std::move(s).finish().value();  // nothing in the wrapper can be refused
}

Result<VersionedShare> read_versioned_share(ByteReader& r) {
    VersionedShare v;
    UnpackStream s(r, "wrapped_share");
    describe(s, v);
    if (auto st = s.status(); !st) return st.error();
    return v;
}

Result<VersionedShare> unpack_versioned_share(ByteView data) {
    ByteReader r(data);
    auto v = read_versioned_share(r);
    if (!v) return v.error();
    if (!r.empty()) return trailing("wrapped_share", r.remaining());
    return v;
}

Result<VersionedShare> wrap_share(const Share& share) {
    auto contents = pack_share(share);
    if (!contents) return contents.error();
    return VersionedShare{V36_SHARE_VERSION, std::move(*contents)};
}

Result<Share> decode_share(std::uint64_t type, ByteView contents) {
    if (type != V36_SHARE_VERSION)
        return make_error(Errc::bad_version,
                          "share type " + std::to_string(type) + ": only V36 shares are decoded");
    return unpack_share(contents);
}

Result<Share> decode_share(const VersionedShare& v) {
    return decode_share(v.type, v.contents);
}

}  // namespace sharemsg::chain
