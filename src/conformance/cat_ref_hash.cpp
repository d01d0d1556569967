// Runners for the "ref_hash" and "cross_impl_refhash_test" vector categories.
#include "chain/uint.hpp"
#include "conformance/ref_hash_vectors.hpp"
#include "crypto/hash.hpp"

namespace sharemsg::conformance {

using namespace chain;

namespace {

using json = nlohmann::json;

// j[key] if j is an object holding a string (or bool) there, else the fallback;
// unlike json::value these never throw on a value of the wrong type.
std::string str_or(const json& j, const char* key, std::string fallback) {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}
bool bool_or(const json& j, const char* key, bool fallback) {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// What the reference produced for one operation: bytes, an exception, or nothing recorded.
struct Expected {
    enum class Kind { absent, ok, error } kind = Kind::absent;
    Bytes bytes;
    std::string error;  // "Class: message"
};

// Accepts "hex", {"ok": "hex"}, {"error": cls, "message": msg}, null or a missing key.
Result<Expected> expected_of(const json& parent, const char* key) {
    Expected e;
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return e;
    const json* hex = nullptr;
    if (it->is_string()) {
        hex = &*it;
    } else if (it->is_object() && it->contains("ok") && (*it)["ok"].is_string()) {
        hex = &(*it)["ok"];
    } else if (it->is_object() && it->contains("error")) {
        e.kind = Expected::Kind::error;
        e.error = str_or(*it, "error", "?") + ": " + str_or(*it, "message", "");
        return e;
    } else {
        return make_error(Errc::bad_encoding,
                          std::string(key) + ": neither hex, {\"ok\"} nor {\"error\"}");
    }
    auto b = from_hex(hex->get<std::string>());
    if (!b) return make_error(Errc::bad_encoding, std::string(key) + ": " + b.error().reason);
    e.kind = Expected::Kind::ok;
    e.bytes = std::move(*b);
    return e;
}

// Our result for one operation, as bytes or an error.
using Got = Result<Bytes>;

template <std::size_t N>
Got as_got(const Result<ByteArray<N>>& r) {
    if (!r) return r.error();
    return Bytes(r->begin(), r->end());
}

// Empty when ours agrees with the reference's; otherwise what differs.
std::string compare(std::string_view name, const Expected& exp, const Got& got) {
    const std::string n(name);
    switch (exp.kind) {
        case Expected::Kind::absent:
            return {};
        case Expected::Kind::ok:
            if (!got)
                return n + ": reference gave " + to_hex(exp.bytes) +
                       ", we failed: " + got.error().to_string();
            if (*got != exp.bytes)
                return n + ": reference gave " + to_hex(exp.bytes) + ", we gave " + to_hex(*got);
            return {};
        case Expected::Kind::error:
            if (got) return n + ": reference raised " + exp.error + ", we gave " + to_hex(*got);
            // Match the class of failure, not Python's text; but a 'none_value used'
            // refusal must be ours too, not some other error.
            if (exp.error.find("none_value used") != std::string::npos &&
                got.error().reason.find("none_value used") == std::string::npos)
                return n + ": reference raised " + exp.error +
                       ", we failed differently: " + got.error().to_string();
            return {};
    }
    return {};
}

// Our answers for one set of inputs, computed the way the reference's get_ref_hash does.
struct Ours {
    Got share_info_packed = Bytes{};
    Got ref_type_packed = Bytes{};
    Got ref_hash = Bytes{};
    Got hash256_of_ref_type = Bytes{};
};

Ours compute(const Result<Identifier>& id, const Result<ShareInfo>& info,
             const Result<MerkleLink>& link, const Result<std::optional<Bytes>>& md) {
    Ours o;
    o.share_info_packed = info ? pack_share_info(*info) : Got(info.error());
    if (!id)
        o.ref_type_packed = id.error();
    else if (!info)
        o.ref_type_packed = info.error();
    else if (!md)
        o.ref_type_packed = md.error();
    else
        o.ref_type_packed = pack_ref_type(*id, *info, *md);
    if (!o.ref_type_packed) {
        o.ref_hash = o.hash256_of_ref_type = o.ref_type_packed.error();
        return o;
    }
    const Hash256 h = crypto::sha256d(*o.ref_type_packed);
    o.hash256_of_ref_type = Bytes(h.begin(), h.end());
    o.ref_hash = link ? as_got(check_merkle_link(h, *link)) : Got(link.error());
    return o;
}

Result<Identifier> identifier_of(const json& v) {
    auto it = v.find("identifier");
    if (it == v.end() || !it->is_string())
        return make_error(Errc::invalid_argument, "identifier: missing");
    auto id = from_hex_fixed<8>(it->get<std::string>());
    if (!id) return make_error(id.error().code, "identifier: " + id.error().reason);
    return id;
}

template <class F>
auto from_member(const json& v, const char* key, F read) -> decltype(read(v)) {
    auto it = v.find(key);
    if (it == v.end())
        return make_error(Errc::invalid_argument, std::string(key) + ": missing field");
    return read(*it);
}

// Our decoder must read the reference's bytes and re-pack them unchanged.
std::string decode_check(const Expected& share_info_packed, const Expected& ref_type_packed,
                         const Result<std::optional<Bytes>>& md) {
    if (share_info_packed.kind == Expected::Kind::ok) {
        auto d = unpack_share_info(share_info_packed.bytes);
        if (!d) return "unpack_share_info(reference bytes) failed: " + d.error().to_string();
        auto re = pack_share_info(*d);
        if (!re || *re != share_info_packed.bytes)
            return "share_info: decode then re-pack changed the bytes";
    }
    if (ref_type_packed.kind == Expected::Kind::ok) {
        auto d = unpack_ref_type(ref_type_packed.bytes);
        if (!d) return "unpack_ref_type(reference bytes) failed: " + d.error().to_string();
        auto re = pack_ref_type(*d);
        if (!re || *re != ref_type_packed.bytes)
            return "ref_type: decode then re-pack changed the bytes";
        if (md && d->message_data != message_data_or_none(*md))
            return "ref_type: decoded message_data differs from the vector's";
    }
    return {};
}

Outcome run_vector(const json& v, std::size_t index) {
    Outcome out;
    out.category = "ref_hash";
    out.what = str_or(v, "what", "");
    if (out.what.empty()) out.what = "ref_hash.vectors[" + std::to_string(index) + "]";
    auto fail = [&](std::string detail) {
        out.status = Status::fail;
        out.detail = std::move(detail);
        return out;
    };
    if (!v.is_object()) return fail("malformed vector: not an object");

    Expected exp_si, exp_ref, exp_hash;
    for (auto [key, dst] :
         {std::pair{"share_info_packed", &exp_si}, std::pair{"ref_type_packed", &exp_ref},
          std::pair{"get_ref_hash", &exp_hash}}) {
        auto e = expected_of(v, key);
        if (!e) return fail("malformed vector: " + e.error().reason);
        *dst = std::move(*e);
    }
    Expected exp_h256;
    if (auto it = v.find("hash256_of_ref_type_packed_le_int_hex");
        it != v.end() && it->is_string()) {
        auto h = from_int_hex<32>(it->get<std::string>());
        if (!h)
            return fail("malformed vector: hash256_of_ref_type_packed_le_int_hex: " +
                        h.error().reason);
        exp_h256.kind = Expected::Kind::ok;
        exp_h256.bytes.assign(h->begin(), h->end());
    }

    const auto md = from_member(v, "message_data", message_data_from_vector_json);
    const Ours ours =
        compute(identifier_of(v), from_member(v, "share_info", share_info_from_vector_json),
                from_member(v, "ref_merkle_link", merkle_link_from_vector_json), md);
    for (const std::string& mismatch :
         {compare("share_info_packed", exp_si, ours.share_info_packed),
          compare("ref_type_packed", exp_ref, ours.ref_type_packed),
          compare("get_ref_hash", exp_hash, ours.ref_hash),
          compare("hash256_of_ref_type_packed", exp_h256, ours.hash256_of_ref_type),
          decode_check(exp_si, exp_ref, md)})
        if (!mismatch.empty()) return fail(mismatch);
    return out;
}

// The vector none_vs_empty talks about: its own inputs if it has them, else the
// first vector with message_data None whose get_ref_hash is the "none" result.
const json* none_vs_empty_base(const json& category, const json& nve, const Expected& none) {
    if (nve.contains("share_info")) return &nve;
    auto vs = category.find("vectors");
    if (vs == category.end() || !vs->is_array()) return nullptr;
    for (const json& v : *vs) {
        if (!v.is_object() || !v.contains("message_data") || !v["message_data"].is_null()) continue;
        auto e = expected_of(v, "get_ref_hash");
        if (e && e->kind == Expected::Kind::ok && none.kind == Expected::Kind::ok &&
            e->bytes == none.bytes)
            return &v;
    }
    return nullptr;
}

Outcome run_none_vs_empty(const json& category, const json& nve) {
    Outcome out;
    out.category = "ref_hash";
    out.what = str_or(nve, "what", "none_vs_empty");
    auto fail = [&](std::string detail) {
        out.status = Status::fail;
        out.detail = std::move(detail);
        return out;
    };
    if (!nve.is_object()) return fail("malformed vector: not an object");
    auto none = expected_of(nve, "none");
    auto empty = expected_of(nve, "empty_bytes");
    if (!none || !empty)
        return fail("malformed vector: " + (!none ? none.error() : empty.error()).reason);
    const json* base = none_vs_empty_base(category, nve, *none);
    if (!base)
        return fail(
            "malformed vector: no share_info given and no vector with message_data None has the "
            "same get_ref_hash");
    const auto id = identifier_of(*base);
    const auto info = from_member(*base, "share_info", share_info_from_vector_json);
    const auto link = from_member(*base, "ref_merkle_link", merkle_link_from_vector_json);
    const Ours with_none = compute(id, info, link, std::optional<Bytes>{});
    const Ours with_empty = compute(id, info, link, std::optional<Bytes>{Bytes{}});
    if (auto m = compare("none", *none, with_none.ref_hash); !m.empty()) return fail(m);
    if (auto m = compare("empty_bytes", *empty, with_empty.ref_hash); !m.empty()) return fail(m);
    if (auto it = nve.find("identical"); it != nve.end() && it->is_boolean()) {
        const bool same = with_none.ref_hash && with_empty.ref_hash &&
                          *with_none.ref_hash == *with_empty.ref_hash;
        if (same != it->get<bool>()) return fail("identical: reference says " + it->dump());
    }
    if (auto it = nve.find("unpack_of_packed_None_message_data");
        it != nve.end() && it->is_string()) {
        if (!with_none.ref_type_packed) return fail("packing with None failed");
        auto d = unpack_ref_type(*with_none.ref_type_packed);
        if (!d) return fail("unpack of packed None failed: " + d.error().to_string());
        const bool is_none = !d->message_data.has_value();
        if (is_none != (it->get<std::string>() == "None"))
            return fail("unpack_of_packed_None_message_data: reference gives " +
                        it->get<std::string>());
    }
    // Our normalization helper turns b'' into the None packing.
    if (info && id) {
        auto normalized =
            ref_hash(*id, *info, link ? *link : MerkleLink{}, message_data_or_none(Bytes{}));
        if (!normalized || !with_none.ref_hash ||
            Bytes(normalized->begin(), normalized->end()) != *with_none.ref_hash)
            return fail("message_data_or_none(b'') does not hash like None");
    }
    return out;
}

// ---- cross_impl_refhash_test ----------------------------------------------------

// TESTNET_IDENTIFIER of p2pool/test/test_v36_cross_impl_refhash.py, used when a
// case does not name its identifier.
constexpr const char* cross_impl_default_identifier = "cca5e24ec6408b1e";

// The test's build_ref_stream inputs -> share_info. prev/far/pkh are raw wire
// bytes (the test appends them as is); stale_info 0, desired_version 36 and the
// None optional fields are what its _compute_test_vector passes.
Result<ShareInfo> cross_impl_share_info(const json& in) {
    json si = {{"share_data", json::object()}};
    json& sd = si["share_data"];
    auto raw_uint = [&](const char* key, std::size_t n) -> Result<json> {
        auto it = in.find(key);
        if (it == in.end())
            return make_error(Errc::invalid_argument, std::string("inputs.") + key + ": missing");
        if (it->is_null()) return json(nullptr);
        if (!it->is_string())
            return make_error(Errc::invalid_argument,
                              std::string("inputs.") + key + ": expected hex");
        auto b = from_hex(it->get<std::string>());
        if (!b || b->size() != n)
            return make_error(Errc::invalid_argument, std::string("inputs.") + key + ": expected " +
                                                          std::to_string(n) + " bytes of hex");
        return json{{"int_hex", le_to_int_hex(*b)}};
    };
    auto copy = [&](json& dst, const char* dst_key, const char* key) -> sharemsg::Status {
        auto it = in.find(key);
        if (it == in.end())
            return make_error(Errc::invalid_argument, std::string("inputs.") + key + ": missing");
        dst[dst_key] = *it;
        return Ok{};
    };
    auto prev = raw_uint("prev", 32);
    auto pkh = raw_uint("pkh", 20);
    auto far = raw_uint("far", 32);
    for (auto* r : {&prev, &pkh, &far})
        if (!*r) return r->error();
    sd["previous_share_hash"] = *prev;
    sd["pubkey_hash"] = *pkh;
    si["far_share_hash"] = *far;
    auto cb = in.find("coinbase");
    if (cb == in.end() || !cb->is_string())
        return make_error(Errc::invalid_argument, "inputs.coinbase: missing");
    sd["coinbase"] = {{"hex", *cb}};
    for (auto [dst, dst_key, key] :
         {std::tuple{&sd, "nonce", "nonce"}, std::tuple{&sd, "pubkey_type", "pkt"},
          std::tuple{&sd, "subsidy", "subsidy"}, std::tuple{&sd, "donation", "donation"},
          std::tuple{&si, "timestamp", "ts"}, std::tuple{&si, "absheight", "absheight"},
          std::tuple{&si, "abswork", "abswork"}})
        if (auto st = copy(*dst, dst_key, key); !st) return st.error();
    for (auto [dst_key, key] : {std::pair{"max_bits", "max_bits"}, std::pair{"bits", "bits"}}) {
        auto it = in.find(key);
        if (it == in.end())
            return make_error(Errc::invalid_argument, std::string("inputs.") + key + ": missing");
        si[dst_key] = {{"floating_integer_bits", *it}};
    }
    sd["stale_info"] = nullptr;  // the test packs stale_info 0
    sd["desired_version"] = in.value("desired_version", json(36));
    si["segwit_data"] = nullptr;
    si["merged_addresses"] = nullptr;
    si["merged_coinbase_info"] = nullptr;
    si["merged_payout_hash"] = nullptr;
    return share_info_from_vector_json(si);
}

Outcome run_cross_case(const json& category, const json& c, std::size_t index) {
    Outcome out;
    out.category = "cross_impl_refhash_test";
    out.what = str_or(c, "name", "");
    if (out.what.empty()) out.what = "cross_impl_refhash_test.cases[" + std::to_string(index) + "]";
    auto fail = [&](std::string detail) {
        out.status = Status::fail;
        out.detail = std::move(detail);
        return out;
    };
    if (!c.is_object() || !c.contains("inputs")) return fail("malformed vector: no inputs");
    const std::string id_hex =
        str_or(c, "identifier", str_or(category, "identifier", cross_impl_default_identifier));
    const json id_holder = {{"identifier", id_hex}};
    const Ours ours = compute(identifier_of(id_holder), cross_impl_share_info(c["inputs"]),
                              Result<MerkleLink>(MerkleLink{}), std::optional<Bytes>{});

    Expected data_py_packed, data_py_hash, test_stream, test_hash;
    for (auto [key, dst] :
         {std::pair{"data_py_ref_type_packed", &data_py_packed},
          std::pair{"data_py_get_ref_hash", &data_py_hash},
          std::pair{"ref_stream_hex", &test_stream}, std::pair{"ref_hash", &test_hash}}) {
        auto e = expected_of(c, key);
        if (!e) return fail("malformed vector: " + e.error().reason);
        *dst = std::move(*e);
    }
    // The test builds its stream by hand; where the case records that data.py
    // disagrees with it, data.py (the consensus code) is what we must match.
    if (!bool_or(c, "data_py_matches_test_ref_stream", true)) test_stream = {};
    if (!bool_or(c, "data_py_get_ref_hash_matches_test_ref_hash", true)) test_hash = {};
    for (const std::string& mismatch :
         {compare("data_py_ref_type_packed", data_py_packed, ours.ref_type_packed),
          compare("ref_stream_hex", test_stream, ours.ref_type_packed),
          compare("data_py_get_ref_hash", data_py_hash, ours.ref_hash),
          compare("ref_hash", test_hash, ours.ref_hash),
          decode_check({}, data_py_packed, std::optional<Bytes>{})})
        if (!mismatch.empty()) return fail(mismatch);
    if (auto it = c.find("ref_stream_len"); it != c.end() && ours.ref_type_packed) {
        const std::string want = it->is_string() ? it->get<std::string>() : it->dump();
        if (want != std::to_string(ours.ref_type_packed->size()))
            return fail("ref_stream_len: reference " + want + ", ours " +
                        std::to_string(ours.ref_type_packed->size()));
    }
    return out;
}

}  // namespace

std::vector<Outcome> run_ref_hash_vectors(const nlohmann::json& category) {
    std::vector<Outcome> out;
    if (!category.is_object()) {
        out.push_back(
            {"ref_hash", "(category)", Status::fail, "malformed category: not an object"});
        return out;
    }
    if (auto vs = category.find("vectors"); vs != category.end() && vs->is_array())
        for (std::size_t i = 0; i < vs->size(); ++i)
            out.push_back(run_vector((*vs)[i], i));
    if (auto nve = category.find("none_vs_empty"); nve != category.end())
        out.push_back(run_none_vs_empty(category, *nve));
    return out;
}

std::vector<Outcome> run_cross_impl_refhash_vectors(const nlohmann::json& category) {
    std::vector<Outcome> out;
    auto cases = category.is_object() ? category.find("cases") : category.end();
    if (!category.is_object() || cases == category.end() || !cases->is_array()) {
        out.push_back({"cross_impl_refhash_test", "(category)", Status::fail,
                       "malformed category: no cases list"});
        return out;
    }
    for (std::size_t i = 0; i < cases->size(); ++i)
        out.push_back(run_cross_case(category, (*cases)[i], i));
    return out;
}

}  // namespace sharemsg::conformance
