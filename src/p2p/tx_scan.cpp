#include "p2p/tx_scan.hpp"

#include <string>

#include "chain/pack.hpp"

namespace sharemsg::p2p {

namespace {

constexpr std::size_t TX_IN_MIN_SIZE = 32 + 4 + 1 + 4;
constexpr std::size_t TX_OUT_MIN_SIZE = 8 + 1;
constexpr std::size_t WITNESS_ITEM_MIN_SIZE = 1;

// Errors from ByteReader / read_var_int begin with the bare field name; put the path in front.
Error under(std::string_view field, const std::string& ctx, Error e) {
    e.reason = std::string(field) + ctx + "." + e.reason;
    return e;
}

Status check_count(const ByteReader& r, std::uint64_t count, std::size_t min_size,
                   std::string_view what) {
    if (count > r.remaining() / min_size)
        return make_error(Errc::oversize, std::string(what) + ": count " + std::to_string(count) +
                                              " needs at least " + std::to_string(min_size) +
                                              " bytes each, " + std::to_string(r.remaining()) +
                                              " bytes left");
    return Ok{};
}

Result<std::uint64_t> read_count(ByteReader& r, std::size_t min_size, std::string_view what) {
    auto n = chain::read_var_int(r, what);
    if (!n) return n.error();
    if (auto st = check_count(r, *n, min_size, what); !st) return st.error();
    return *n;
}

Status skip_var_str(ByteReader& r, std::string_view what) {
    auto n = chain::read_var_int(r, what);
    if (!n) return n.error();
    if (*n > r.remaining())
        return make_error(Errc::truncated, std::string(what) + ": length " + std::to_string(*n) +
                                               " runs past the end (" +
                                               std::to_string(r.remaining()) + " bytes left)");
    if (auto b = r.bytes(static_cast<std::size_t>(*n), what); !b) return b.error();
    return Ok{};
}

Status skip_tx_in(ByteReader& r) {
    if (auto b = r.bytes(36, "previous_output"); !b) return b.error();
    if (auto st = skip_var_str(r, "script"); !st) return st;
    if (auto b = r.bytes(4, "sequence"); !b) return b.error();
    return Ok{};
}

Status skip_tx_out(ByteReader& r) {
    if (auto b = r.bytes(8, "value"); !b) return b.error();
    return skip_var_str(r, "script");
}

Status skip_tx_ins(ByteReader& r, std::uint64_t n, std::string_view field) {
    for (std::uint64_t i = 0; i < n; ++i)
        if (auto st = skip_tx_in(r); !st)
            return under(field, ".tx_ins[" + std::to_string(i) + "]", st.error());
    return Ok{};
}

Status skip_tx_outs(ByteReader& r, std::string_view field) {
    auto m = read_count(r, TX_OUT_MIN_SIZE, "tx_outs");
    if (!m) return under(field, "", m.error());
    for (std::uint64_t i = 0; i < *m; ++i)
        if (auto st = skip_tx_out(r); !st)
            return under(field, ".tx_outs[" + std::to_string(i) + "]", st.error());
    return Ok{};
}

}  // namespace

Result<ByteView> read_raw_tx(ByteReader& r, std::string_view field) {
    const ByteView start = r.rest();
    const std::size_t start_pos = r.pos();

    if (auto v = r.bytes(4, "version"); !v) return under(field, "", v.error());
    auto marker = chain::read_var_int(r, "marker");
    if (!marker) return under(field, "", marker.error());

    if (*marker == 0) {
        if (auto f = r.u8("flag"); !f) return under(field, "", f.error());
        auto n = read_count(r, TX_IN_MIN_SIZE, "tx_ins");
        if (!n) return under(field, "", n.error());
        if (auto st = skip_tx_ins(r, *n, field); !st) return st.error();
        if (auto st = skip_tx_outs(r, field); !st) return st.error();
        for (std::uint64_t i = 0; i < *n; ++i) {
            const std::string ctx = ".witness[" + std::to_string(i) + "]";
            auto items = read_count(r, WITNESS_ITEM_MIN_SIZE, "count");
            if (!items) return under(field, ctx, items.error());
            for (std::uint64_t j = 0; j < *items; ++j)
                if (auto st = skip_var_str(r, "[" + std::to_string(j) + "]"); !st) {
                    Error e = st.error();
                    e.reason = std::string(field) + ctx + e.reason;  // "...witness[0][3]: ..."
                    return e;
                }
        }
    } else {
        if (auto st = check_count(r, *marker, TX_IN_MIN_SIZE, "tx_ins"); !st)
            return under(field, "", st.error());
        if (auto st = skip_tx_ins(r, *marker, field); !st) return st.error();
        if (auto st = skip_tx_outs(r, field); !st) return st.error();
    }
    if (auto l = r.bytes(4, "lock_time"); !l) return under(field, "", l.error());
    return start.first(r.pos() - start_pos);
}

Status check_raw_tx(ByteView tx, std::string_view field) {
    ByteReader r(tx);
    auto v = read_raw_tx(r, field);
    if (!v) return v.error();
    if (!r.empty())
        return make_error(Errc::trailing_bytes, std::string(field) + ": " +
                                                    std::to_string(r.remaining()) +
                                                    " bytes after the end of the transaction");
    return Ok{};
}

}  // namespace sharemsg::p2p
