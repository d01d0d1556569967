// JSON vector values -> chain types (schema in conformance/ref_hash_vectors.hpp).
#include <type_traits>

#include "chain/uint.hpp"
#include "conformance/ref_hash_vectors.hpp"

namespace sharemsg::conformance {

using namespace chain;

namespace {

using json = nlohmann::json;

Error bad(const std::string& path, const std::string& what) {
    return make_error(Errc::invalid_argument, path + ": " + what);
}

// obj[key], which must exist (ComposedType.write refuses missing fields).
Result<const json*> member(const json& obj, const char* key, const std::string& path) {
    if (!obj.is_object()) return bad(path, "expected an object");
    auto it = obj.find(key);
    if (it == obj.end()) return bad(path + "." + key, "missing field");
    return &*it;
}

// A wide unsigned integer: a JSON number or {"int_hex": ...}, into N little-endian bytes.
template <std::size_t N>
Result<ByteArray<N>> wide_uint(const json& v, const std::string& path) {
    if (v.is_number_integer() && (v.is_number_unsigned() || v.get<std::int64_t>() >= 0)) {
        const auto x = v.get<std::uint64_t>();
        if constexpr (N < 8)
            if (x >> (8 * N) != 0) return bad(path, "invalid int value " + std::to_string(x));
        return le_from_u64<N>(x);
    }
    if (v.is_number_integer())
        return bad(path, "invalid int value " + std::to_string(v.get<std::int64_t>()));
    if (v.is_object() && v.size() == 1 && v.contains("int_hex") && v["int_hex"].is_string()) {
        auto r = from_int_hex<N>(v["int_hex"].get<std::string>());
        if (!r) return bad(path, r.error().reason);
        return r;
    }
    return bad(path, "expected an integer or {\"int_hex\": ...}");
}

template <class T>
Result<T> uint_field(const json& v, const std::string& path) {
    static_assert(std::is_unsigned_v<T>);
    auto le = wide_uint<sizeof(T)>(v, path);
    if (!le) return le.error();
    T out = 0;
    for (std::size_t i = sizeof(T); i-- > 0;)
        out = static_cast<T>((static_cast<std::uint64_t>(out) << 8) | (*le)[i]);
    return out;
}

Result<Bytes> byte_string(const json& v, const std::string& path) {
    const json* hex = &v;
    if (v.is_object() && v.size() == 1 && v.contains("hex")) hex = &v["hex"];
    if (!hex->is_string()) return bad(path, "expected {\"hex\": ...}");
    auto b = from_hex(hex->get<std::string>());
    if (!b) return make_error(b.error().code, path + ": " + b.error().reason);
    return b;
}

template <std::size_t N>
Result<ByteArray<N>> fixed_string(const json& v, const std::string& path) {
    auto b = byte_string(v, path);
    if (!b) return b.error();
    if (b->size() != N)
        return bad(path, "incorrect length item (" + std::to_string(b->size()) +
                             " bytes, FixedStr(" + std::to_string(N) + "))");
    ByteArray<N> out{};
    std::copy(b->begin(), b->end(), out.begin());
    return out;
}

// out = read(obj[key], "<path>.<key>"), returning the first error from the enclosing function.
#define SHAREMSG_FIELD(out, obj, key, path, read)   \
    do {                                            \
        auto m_ = member(obj, key, path);           \
        if (!m_) return m_.error();                 \
        auto r_ = read(**m_, (path) + "." + (key)); \
        if (!r_) return r_.error();                 \
        out = std::move(*r_);                       \
    } while (0)

Result<std::uint32_t> floating_integer(const json& v, const std::string& path) {
    if (!v.is_object() || !v.contains("floating_integer_bits"))
        return bad(path, "expected {\"floating_integer_bits\": N}");
    return uint_field<std::uint32_t>(v["floating_integer_bits"], path + ".floating_integer_bits");
}

Result<std::uint8_t> stale_info_field(const json& v, const std::string& path) {
    if (v.is_null()) return stale_info::none;
    if (!v.is_string()) return bad(path, "expected null or a stale_info name");
    auto r = stale_info_from_name(v.get<std::string>());
    if (!r) return bad(path, r.error().reason);
    return r;
}

// PossiblyNone fields: null is None; anything else goes through `read`.
template <class F>
auto optional_of(F read) {
    return [read](const json& v, const std::string& path) {
        using Inner = std::decay_t<decltype(*read(v, path))>;
        using Out = Result<std::optional<Inner>>;
        if (v.is_null()) return Out(std::optional<Inner>{});
        auto r = read(v, path);
        if (!r) return Out(r.error());
        return Out(std::optional<Inner>(std::move(*r)));
    };
}

template <class F>
auto list_of(F read) {
    return [read](const json& v, const std::string& path) {
        using Elem = std::decay_t<decltype(*read(v, path))>;
        using Out = Result<std::vector<Elem>>;
        if (!v.is_array()) return Out(bad(path, "expected a list"));
        std::vector<Elem> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            auto r = read(v[i], path + "[" + std::to_string(i) + "]");
            if (!r) return Out(r.error());
            out.push_back(std::move(*r));
        }
        return Out(std::move(out));
    };
}

Result<Uint256> uint256_field(const json& v, const std::string& path) {
    return wide_uint<32>(v, path);
}

Result<MerkleLink> merkle_link(const json& v, const std::string& path) {
    MerkleLink l;
    SHAREMSG_FIELD(l.branch, v, "branch", path, list_of(uint256_field));
    SHAREMSG_FIELD(l.index, v, "index", path, uint_field<std::uint64_t>);
    return l;
}

Result<ShareData> share_data(const json& v, const std::string& path) {
    ShareData d;
    SHAREMSG_FIELD(d.previous_share_hash, v, "previous_share_hash", path,
                   optional_of(uint256_field));
    SHAREMSG_FIELD(d.coinbase, v, "coinbase", path, byte_string);
    SHAREMSG_FIELD(d.nonce, v, "nonce", path, uint_field<std::uint32_t>);
    SHAREMSG_FIELD(d.pubkey_hash, v, "pubkey_hash", path, wide_uint<20>);
    SHAREMSG_FIELD(d.pubkey_type, v, "pubkey_type", path, uint_field<std::uint8_t>);
    SHAREMSG_FIELD(d.subsidy, v, "subsidy", path, uint_field<std::uint64_t>);
    SHAREMSG_FIELD(d.donation, v, "donation", path, uint_field<std::uint16_t>);
    SHAREMSG_FIELD(d.stale_info, v, "stale_info", path, stale_info_field);
    SHAREMSG_FIELD(d.desired_version, v, "desired_version", path, uint_field<std::uint64_t>);
    return d;
}

Result<SegwitData> segwit_data(const json& v, const std::string& path) {
    SegwitData sd;
    SHAREMSG_FIELD(sd.txid_merkle_link, v, "txid_merkle_link", path, merkle_link);
    SHAREMSG_FIELD(sd.wtxid_merkle_root, v, "wtxid_merkle_root", path, uint256_field);
    return sd;
}

Result<MergedAddress> merged_address(const json& v, const std::string& path) {
    MergedAddress a;
    SHAREMSG_FIELD(a.chain_id, v, "chain_id", path, uint_field<std::uint32_t>);
    SHAREMSG_FIELD(a.script, v, "script", path, byte_string);
    return a;
}

Result<MergedCoinbaseInfo> merged_coinbase_info(const json& v, const std::string& path) {
    MergedCoinbaseInfo m;
    SHAREMSG_FIELD(m.chain_id, v, "chain_id", path, uint_field<std::uint32_t>);
    SHAREMSG_FIELD(m.coinbase_value, v, "coinbase_value", path, uint_field<std::uint64_t>);
    SHAREMSG_FIELD(m.block_height, v, "block_height", path, uint_field<std::uint64_t>);
    SHAREMSG_FIELD(m.block_header_bytes, v, "block_header_bytes", path, fixed_string<80>);
    SHAREMSG_FIELD(m.coinbase_merkle_link, v, "coinbase_merkle_link", path, merkle_link);
    SHAREMSG_FIELD(m.coinbase_script, v, "coinbase_script", path, byte_string);
    return m;
}

Result<ShareInfo> share_info(const json& v, const std::string& path) {
    ShareInfo i;
    SHAREMSG_FIELD(i.share_data, v, "share_data", path, share_data);
    SHAREMSG_FIELD(i.segwit_data, v, "segwit_data", path, optional_of(segwit_data));
    SHAREMSG_FIELD(i.merged_addresses, v, "merged_addresses", path,
                   optional_of(list_of(merged_address)));
    SHAREMSG_FIELD(i.far_share_hash, v, "far_share_hash", path, optional_of(uint256_field));
    SHAREMSG_FIELD(i.max_bits, v, "max_bits", path, floating_integer);
    SHAREMSG_FIELD(i.bits, v, "bits", path, floating_integer);
    SHAREMSG_FIELD(i.timestamp, v, "timestamp", path, uint_field<std::uint32_t>);
    SHAREMSG_FIELD(i.absheight, v, "absheight", path, uint_field<std::uint32_t>);
    SHAREMSG_FIELD(i.abswork, v, "abswork", path, uint_field<std::uint64_t>);
    SHAREMSG_FIELD(i.merged_coinbase_info, v, "merged_coinbase_info", path,
                   optional_of(list_of(merged_coinbase_info)));
    SHAREMSG_FIELD(i.merged_payout_hash, v, "merged_payout_hash", path, optional_of(uint256_field));
    return i;
}

#undef SHAREMSG_FIELD

}  // namespace

Result<ShareInfo> share_info_from_vector_json(const nlohmann::json& j) {
    return share_info(j, "share_info");
}

Result<MerkleLink> merkle_link_from_vector_json(const nlohmann::json& j) {
    return merkle_link(j, "ref_merkle_link");
}

Result<std::optional<Bytes>> message_data_from_vector_json(const nlohmann::json& j) {
    if (j.is_null()) return std::optional<Bytes>{};
    auto b = byte_string(j, "message_data");
    if (!b) return b.error();
    return std::optional<Bytes>(std::move(*b));
}

}  // namespace sharemsg::conformance
