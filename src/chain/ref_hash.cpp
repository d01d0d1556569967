#include "chain/ref_hash.hpp"

#include "chain/share_info_layout.hpp"

namespace sharemsg::chain {

namespace {

// ref_type's layout (the table is in ref_hash.hpp), over its three parts so
// that packing from separate arguments needs no copy of share_info.
template <class S, MaybeConst<Identifier> I, MaybeConst<ShareInfo> T,
          MaybeConst<std::optional<Bytes>> M>
void describe_ref_type(S& s, I& identifier, T& share_info, M& message_data) {
    static const Bytes no_message_data;
    s.fixed("identifier", identifier);
    s.composite("share_info", [&] { layout::describe(s, share_info); });
    s.possibly_none("message_data", message_data, no_message_data,
                    [&](auto& m) { s.var_str("", m); });
}

}  // namespace

std::optional<Bytes> message_data_or_none(std::optional<Bytes> message_data) {
    if (message_data && message_data->empty()) return std::nullopt;
    return message_data;
}

Result<Bytes> pack_ref_type(const Identifier& identifier, const ShareInfo& share_info,
                            const std::optional<Bytes>& message_data) {
    PackStream s("ref_type");
    describe_ref_type(s, identifier, share_info, message_data);
    return std::move(s).finish();
}

Result<Bytes> pack_ref_type(const RefType& ref) {
    return pack_ref_type(ref.identifier, ref.share_info, ref.message_data);
}

Result<RefType> unpack_ref_type(ByteView data) {
    ByteReader r(data);
    RefType ref;
    UnpackStream s(r, "ref_type");
    describe_ref_type(s, ref.identifier, ref.share_info, ref.message_data);
    if (auto st = s.status(); !st) return st.error();
    if (!r.empty())
        return make_error(Errc::trailing_bytes, "ref_type: " + std::to_string(r.remaining()) +
                                                    " bytes after the last field");
    return ref;
}

Result<Hash256> check_merkle_link(const Hash256& tip, const MerkleLink& link) {
    const std::size_t n = link.branch.size();
    if (n < 64 && (link.index >> n) != 0)
        return make_error(Errc::invalid_argument,
                          "merkle link: index " + std::to_string(link.index) +
                              " too large for a branch of " + std::to_string(n));
    Hash256 cur = tip;
    ByteArray<64> pair{};
    for (std::size_t i = 0; i < n; ++i) {
        const bool right = i < 64 && ((link.index >> i) & 1) != 0;
        const Uint256& left_half = right ? link.branch[i] : cur;
        const Uint256& right_half = right ? cur : link.branch[i];
        std::copy(left_half.begin(), left_half.end(), pair.begin());
        std::copy(right_half.begin(), right_half.end(), pair.begin() + 32);
        cur = crypto::sha256d(pair);
    }
    return cur;
}

Result<Hash256> ref_hash(const Identifier& identifier, const ShareInfo& share_info,
                         const MerkleLink& ref_merkle_link,
                         const std::optional<Bytes>& message_data) {
    auto packed = pack_ref_type(identifier, share_info, message_data);
    if (!packed) return packed.error();
    return check_merkle_link(crypto::sha256d(*packed), ref_merkle_link);
}

}  // namespace sharemsg::chain
