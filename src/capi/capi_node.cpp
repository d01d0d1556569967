// The C ABI (include/sharemsg/sharemsg.h): shares, the outbox (work generation) and the
// message store (web API).
#include <algorithm>
#include <cstring>
#include <set>

#include "capi/capi_internal.hpp"

using namespace sharemsg;
using sharemsg::capi::fail;
using sharemsg::capi::guarded;
using sharemsg::capi::ok;
using sharemsg::capi::view;

namespace {

// Little-endian IntType bytes as displayed (big-endian), into `out`.
template <std::size_t N>
void display_order(const ByteArray<N>& le, std::uint8_t* out) {
    std::reverse_copy(le.begin(), le.end(), out);
}

// The inner envelope the outbox would build now: 4 header bytes, the announcement, messages.
std::size_t inner_size(const sharemsg_outbox& o) {
    std::size_t n = 4 + (o.announcement ? o.announcement->size() : 0);
    for (const auto& m : o.messages)
        n += m.packed_size();
    return n;
}

}  // namespace

extern "C" {

// ---- shares ----

int sharemsg_share_parse(uint64_t type, const uint8_t* contents, size_t len, sharemsg_share** out,
                         sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!out || (!contents && len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        auto s = chain::decode_share(type, view(contents, len));
        if (!s) return fail(err, s.error());
        *out = new sharemsg_share{std::move(*s)};
        return ok(err);
    });
}

void sharemsg_share_destroy(sharemsg_share* s) noexcept {
    delete s;
}

const uint8_t* sharemsg_share_message_data(const sharemsg_share* s, size_t* len) noexcept {
    if (len) *len = 0;
    if (!s || !s->share.message_data) return nullptr;
    if (len) *len = s->share.message_data->size();
    return s->share.message_data->data();
}

uint32_t sharemsg_share_timestamp(const sharemsg_share* s) noexcept {
    return s ? s->share.share_info.timestamp : 0;
}
uint32_t sharemsg_share_absheight(const sharemsg_share* s) noexcept {
    return s ? s->share.share_info.absheight : 0;
}
uint32_t sharemsg_share_bits(const sharemsg_share* s) noexcept {
    return s ? s->share.share_info.bits : 0;
}

int sharemsg_share_payout(const sharemsg_share* s, uint8_t out[20]) noexcept {
    if (!s) return -1;
    if (out) display_order(s->share.share_info.share_data.pubkey_hash, out);
    return s->share.share_info.share_data.pubkey_type;
}

int sharemsg_share_previous(const sharemsg_share* s, uint8_t out[32]) noexcept {
    if (!s || !s->share.share_info.share_data.previous_share_hash) return 0;
    if (out) display_order(*s->share.share_info.share_data.previous_share_hash, out);
    return 1;
}

// ---- outbox ----

int sharemsg_outbox_create(const sharemsg_context* ctx, sharemsg_outbox** out,
                           sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!ctx || !out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = new sharemsg_outbox{ctx, {}, std::nullopt};
        return ok(err);
    });
}

void sharemsg_outbox_destroy(sharemsg_outbox* o) noexcept {
    delete o;
}

int sharemsg_outbox_add(sharemsg_outbox* o, const uint8_t* message, size_t len,
                        sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!o || (!message && len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        if (o->messages.size() >= proto::MAX_MESSAGES_PER_SHARE)
            return fail(err, SHAREMSG_ERR_OVERSIZE, "outbox: 3 messages already wait");
        auto u = proto::unpack_message(view(message, len));
        if (!u) return fail(err, u.error());
        if (u->next_offset != len)
            return fail(err, SHAREMSG_ERR_TRAILING_BYTES, "message: bytes after its signature");
        auto& m = u->message;
        if (m.signature.empty())
            return fail(err, SHAREMSG_ERR_BAD_SIGNATURE,
                        "message: unsigned; V36 shares carry authority-signed messages only");
        for (const auto& a : o->ctx->authorities) {
            auto candidate = m;
            if (!proto::verify_authority_direct(candidate, a.pubkey, o->ctx->authorities)) continue;
            // Packing writes the flags the verification earned; the signature covers the
            // wire flags, so they must already be those.
            if (candidate.flags != candidate.wire_flags)
                return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT,
                            "message: signed without FLAG_PROTOCOL_AUTHORITY (0x08) and "
                            "FLAG_HAS_SIGNATURE (0x01) in its flags");
            if (inner_size(*o) + candidate.packed_size() > proto::MAX_TOTAL_MESSAGE_BYTES)
                return fail(err, SHAREMSG_ERR_OVERSIZE,
                            "outbox: the inner envelope would exceed 512 bytes");
            o->messages.push_back(std::move(candidate));
            return ok(err);
        }
        return fail(err, SHAREMSG_ERR_NOT_AUTHORITY,
                    "message: its signature verifies under no authority key");
    });
}

int sharemsg_outbox_set_announcement(sharemsg_outbox* o, const uint8_t* announcement, size_t len,
                                     sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!o || (!announcement && len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        if (len == 0) {
            o->announcement.reset();
            return ok(err);
        }
        auto a = proto::unpack_announcement(view(announcement, len));
        if (!a) return fail(err, a.error());
        if (len != proto::SIGNING_KEY_ANNOUNCEMENT_SIZE)
            return fail(err, SHAREMSG_ERR_TRAILING_BYTES, "announcement: not 57 bytes");
        if (inner_size(*o) - (o->announcement ? o->announcement->size() : 0) + len >
            proto::MAX_TOTAL_MESSAGE_BYTES)
            return fail(err, SHAREMSG_ERR_OVERSIZE,
                        "outbox: the inner envelope would exceed 512 bytes");
        o->announcement = Bytes(announcement, announcement + len);
        return ok(err);
    });
}

size_t sharemsg_outbox_count(const sharemsg_outbox* o) noexcept {
    return o ? o->messages.size() : 0;
}

void sharemsg_outbox_clear(sharemsg_outbox* o) noexcept {
    if (o) o->messages.clear();
}

int sharemsg_outbox_build(const sharemsg_outbox* o, const uint8_t nonce[16], uint8_t** out,
                          size_t* out_len, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!o || !out || !out_len) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        *out_len = 0;
        if (o->messages.empty() && !o->announcement) return ok(err);
        proto::Nonce16 n{};
        if (nonce)
            std::memcpy(n.data(), nonce, n.size());
        else {
            const auto r = crypto::random_bytes(n.size());
            std::copy(r.begin(), r.end(), n.begin());
        }
        auto messages = o->messages;
        auto data = proto::pack_share_messages(messages, o->announcement, n, o->ctx->authorities);
        if (!data) return fail(err, data.error());
        *out = capi::dup_bytes(*data);
        *out_len = data->size();
        return ok(err);
    });
}

// ---- store ----

int sharemsg_store_create(const sharemsg_context* ctx, size_t max_messages, double max_age,
                          sharemsg_store** out, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!ctx || !out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        if (max_age < 0) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "max_age: negative");
        proto::StoreOptions opt;
        if (max_messages) opt.max_messages = max_messages;
        if (max_age > 0) opt.max_age = max_age;
        *out = new sharemsg_store(opt, ctx->authorities);
        return ok(err);
    });
}

void sharemsg_store_destroy(sharemsg_store* s) noexcept {
    delete s;
}

int sharemsg_store_add_verified(sharemsg_store* s, const sharemsg_verdict* v,
                                const uint8_t share_hash[32], const char* payout_address,
                                double now, size_t* added, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (added) *added = 0;
        if (!s || !v || !share_hash)
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        if (v->data->rule != proto::V36Rule::ok) return ok(err);
        proto::ShareHash h{};
        std::memcpy(h.data(), share_hash, h.size());
        std::vector<proto::ShareMessage> messages;
        messages.reserve(v->data->messages.size());
        for (const auto& m : v->data->messages)
            messages.push_back(m.m);
        const auto n = s->store.add_verified_share_messages(h, payout_address ? payout_address : "",
                                                            std::move(messages), now);
        if (added) *added = n;
        return ok(err);
    });
}

int sharemsg_store_load_blob_hex(sharemsg_store* s, const char* hex, double now, size_t* added,
                                 sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (added) *added = 0;
        if (!s || !hex) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        const auto n = s->store.load_blob_hex(hex, now);
        if (added) *added = n;
        return ok(err);
    });
}

int sharemsg_store_prune(sharemsg_store* s, const uint8_t* hashes, size_t count,
                         sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!s || (!hashes && count))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        std::set<proto::ShareHash> active;
        for (size_t i = 0; i < count; ++i) {
            proto::ShareHash h{};
            std::memcpy(h.data(), hashes + 32 * i, h.size());
            active.insert(h);
        }
        s->store.prune_by_sharechain(active);
        return ok(err);
    });
}

void sharemsg_store_expire(sharemsg_store* s, double now) noexcept {
    if (!s) return;
    guarded(nullptr, [&] {
        s->store.expire(now);
        return SHAREMSG_OK;
    });
}

size_t sharemsg_store_size(const sharemsg_store* s) noexcept {
    return s ? s->store.size() : 0;
}

int sharemsg_store_json(const sharemsg_store* s, int msg_type, size_t limit, unsigned flags,
                        double now, char** out, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!s || !out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        if (msg_type < -1 || msg_type > 255)
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "msg_type: not -1 or 0..255");
        proto::MessageQuery q;
        if (msg_type >= 0) q.msg_type = static_cast<std::uint8_t>(msg_type);
        if (limit) q.limit = limit;
        q.verified_only = flags & SHAREMSG_QUERY_VERIFIED_ONLY;
        q.authority_only = flags & SHAREMSG_QUERY_AUTHORITY_ONLY;
        *out = capi::dup_string(s->store.to_json(q, now).dump());
        return ok(err);
    });
}

int sharemsg_store_stats_json(const sharemsg_store* s, char** out, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!s || !out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        *out = capi::dup_string(s->store.stats().dump());
        return ok(err);
    });
}

}  // extern "C"
