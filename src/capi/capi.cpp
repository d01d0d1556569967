// The C ABI (include/sharemsg/sharemsg.h): errors, contexts, messages, the V36 verdict and
// the envelope. Shares, the outbox and the store are in capi_node.cpp.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "capi/capi_internal.hpp"
#include "proto/builders.hpp"

using namespace sharemsg;
using sharemsg::capi::fail;
using sharemsg::capi::guarded;
using sharemsg::capi::ok;
using sharemsg::capi::view;

namespace sharemsg::capi {

namespace {

int status_of(Errc c) {
    switch (c) {
        case Errc::truncated:
            return SHAREMSG_ERR_TRUNCATED;
        case Errc::oversize:
            return SHAREMSG_ERR_OVERSIZE;
        case Errc::trailing_bytes:
            return SHAREMSG_ERR_TRAILING_BYTES;
        case Errc::bad_version:
            return SHAREMSG_ERR_BAD_VERSION;
        case Errc::bad_encoding:
            return SHAREMSG_ERR_BAD_ENCODING;
        case Errc::bad_key:
            return SHAREMSG_ERR_BAD_KEY;
        case Errc::bad_signature:
            return SHAREMSG_ERR_BAD_SIGNATURE;
        case Errc::not_authority:
            return SHAREMSG_ERR_NOT_AUTHORITY;
        case Errc::invalid_argument:
            return SHAREMSG_ERR_INVALID_ARGUMENT;
        case Errc::not_found:
            return SHAREMSG_ERR_NOT_FOUND;
        case Errc::io:
            return SHAREMSG_ERR_IO;
    }
    return SHAREMSG_ERR_INTERNAL;
}

}  // namespace

int fail(sharemsg_error* err, int code, std::string_view message) noexcept {
    if (err) {
        err->code = code;
        const std::size_t n = std::min(message.size(), sizeof(err->message) - 1);
        std::memcpy(err->message, message.data(), n);
        err->message[n] = '\0';
    }
    return code;
}

int fail(sharemsg_error* err, const Error& e) noexcept {
    return fail(err, status_of(e.code), e.reason);
}

int ok(sharemsg_error* err) noexcept {
    if (err) {
        err->code = SHAREMSG_OK;
        err->message[0] = '\0';
    }
    return SHAREMSG_OK;
}

std::uint8_t* dup_bytes(ByteView b) {
    if (b.empty()) return nullptr;
    auto* p = static_cast<std::uint8_t*>(std::malloc(b.size()));
    if (!p) throw std::bad_alloc();
    std::memcpy(p, b.data(), b.size());
    return p;
}

char* dup_string(std::string_view s) {
    auto* p = static_cast<char*>(std::malloc(s.size() + 1));
    if (!p) throw std::bad_alloc();
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

}  // namespace sharemsg::capi

std::shared_ptr<const VerdictData> VerifyCache::find(const crypto::Hash256& key) {
    std::lock_guard lock(mu_);
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
        if (it->first == key) {
            lru_.splice(lru_.begin(), lru_, it);
            hits_.fetch_add(1);
            return lru_.front().second;
        }
    }
    misses_.fetch_add(1);
    return nullptr;
}

void VerifyCache::put(const crypto::Hash256& key, std::shared_ptr<const VerdictData> v) {
    std::lock_guard lock(mu_);
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
        if (it->first == key) {
            lru_.erase(it);
            break;
        }
    }
    lru_.emplace_front(key, std::move(v));
    if (lru_.size() > CAPACITY) lru_.pop_back();
}

extern "C" {

const char* sharemsg_status_name(int status) noexcept {
    switch (status) {
        case SHAREMSG_OK:
            return "SHAREMSG_OK";
        case SHAREMSG_ERR_TRUNCATED:
            return "SHAREMSG_ERR_TRUNCATED";
        case SHAREMSG_ERR_OVERSIZE:
            return "SHAREMSG_ERR_OVERSIZE";
        case SHAREMSG_ERR_TRAILING_BYTES:
            return "SHAREMSG_ERR_TRAILING_BYTES";
        case SHAREMSG_ERR_BAD_VERSION:
            return "SHAREMSG_ERR_BAD_VERSION";
        case SHAREMSG_ERR_BAD_ENCODING:
            return "SHAREMSG_ERR_BAD_ENCODING";
        case SHAREMSG_ERR_BAD_KEY:
            return "SHAREMSG_ERR_BAD_KEY";
        case SHAREMSG_ERR_BAD_SIGNATURE:
            return "SHAREMSG_ERR_BAD_SIGNATURE";
        case SHAREMSG_ERR_NOT_AUTHORITY:
            return "SHAREMSG_ERR_NOT_AUTHORITY";
        case SHAREMSG_ERR_INVALID_ARGUMENT:
            return "SHAREMSG_ERR_INVALID_ARGUMENT";
        case SHAREMSG_ERR_NOT_FOUND:
            return "SHAREMSG_ERR_NOT_FOUND";
        case SHAREMSG_ERR_IO:
            return "SHAREMSG_ERR_IO";
        case SHAREMSG_ERR_NO_MEMORY:
            return "SHAREMSG_ERR_NO_MEMORY";
        case SHAREMSG_ERR_INTERNAL:
            return "SHAREMSG_ERR_INTERNAL";
        default:
            return "SHAREMSG_ERR_UNKNOWN";
    }
}

const char* sharemsg_version(void) noexcept {
    return SHAREMSG_VERSION_STRING;
}

void sharemsg_free(void* p) noexcept {
    std::free(p);
}

int sharemsg_message_data_hash(const uint8_t* data, size_t len, uint8_t out[32],
                               sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if ((!data && len) || !out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        const auto h = proto::message_data_hash(view(data, len));
        std::memcpy(out, h.data(), h.size());
        return ok(err);
    });
}

// ---- context ----

int sharemsg_context_create(int authorities, sharemsg_context** out, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        auto ctx = std::make_unique<sharemsg_context>();
        if (authorities == SHAREMSG_AUTHORITIES_MAINNET)
            ctx->authorities = proto::mainnet_authorities();
        else if (authorities == SHAREMSG_AUTHORITIES_TEST)
            ctx->authorities = proto::test_authorities();
        else
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT,
                        "authorities: not SHAREMSG_AUTHORITIES_MAINNET or _TEST");
        *out = ctx.release();
        return ok(err);
    });
}

void sharemsg_context_destroy(sharemsg_context* ctx) noexcept {
    delete ctx;
}

void sharemsg_context_cache_stats(const sharemsg_context* ctx, uint64_t* hits,
                                  uint64_t* misses) noexcept {
    if (hits) *hits = ctx ? ctx->cache.hits() : 0;
    if (misses) *misses = ctx ? ctx->cache.misses() : 0;
}

// ---- messages ----

uint8_t sharemsg_message_type(const sharemsg_message* m) noexcept {
    return m ? m->m.msg_type : 0;
}
uint8_t sharemsg_message_flags(const sharemsg_message* m) noexcept {
    return m ? m->m.flags : 0;
}
uint8_t sharemsg_message_wire_flags(const sharemsg_message* m) noexcept {
    return m ? m->m.wire_flags : 0;
}
uint32_t sharemsg_message_timestamp(const sharemsg_message* m) noexcept {
    return m ? m->m.timestamp : 0;
}
const uint8_t* sharemsg_message_payload(const sharemsg_message* m, size_t* len) noexcept {
    if (len) *len = m ? m->m.payload.size() : 0;
    return m ? m->m.payload.data() : nullptr;
}
const uint8_t* sharemsg_message_signature(const sharemsg_message* m, size_t* len) noexcept {
    if (len) *len = m ? m->m.signature.size() : 0;
    return m ? m->m.signature.data() : nullptr;
}
int sharemsg_message_signing_id(const sharemsg_message* m, uint8_t out[20]) noexcept {
    if (!m || !m->m.signing_id) return 0;
    if (out) std::memcpy(out, m->m.signing_id->data(), m->m.signing_id->size());
    return 1;
}
int sharemsg_message_verified(const sharemsg_message* m) noexcept {
    return m && m->m.verified ? 1 : 0;
}
void sharemsg_message_hash(const sharemsg_message* m, uint8_t out[32]) noexcept {
    if (!out) return;
    if (!m) {
        std::memset(out, 0, 32);
        return;
    }
    const auto h = m->m.hash();
    std::memcpy(out, h.data(), h.size());
}

int sharemsg_message_pack(const sharemsg_message* m, uint8_t** out, size_t* out_len,
                          sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!m || !out || !out_len) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        *out_len = 0;
        auto packed = proto::pack_message(m->m);
        if (!packed) return fail(err, packed.error());
        *out = capi::dup_bytes(*packed);
        *out_len = packed->size();
        return ok(err);
    });
}

int sharemsg_message_json(const sharemsg_message* m, double now, char** out,
                          sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!m || !out) return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        *out = capi::dup_string(proto::message_to_json(m->m, now).dump());
        return ok(err);
    });
}

int sharemsg_message_create(uint8_t type, uint8_t flags, uint32_t timestamp, const uint8_t* payload,
                            size_t payload_len, const uint8_t* authority_key, uint8_t** out,
                            size_t* out_len, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!out || !out_len || (!payload && payload_len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        *out_len = 0;
        if (payload_len > proto::MAX_MESSAGE_PAYLOAD)
            return fail(err, SHAREMSG_ERR_OVERSIZE, "payload: over 220 bytes");
        auto m = proto::ShareMessage::make(type, view(payload, payload_len), flags, timestamp);
        if (authority_key) {
            auto key = crypto::PrivKey::from_bytes(ByteView{authority_key, 32});
            if (!key) return fail(err, key.error());
            proto::sign_message_with(m, *key);
        }
        auto packed = proto::pack_message(m);
        if (!packed) return fail(err, packed.error());
        *out = capi::dup_bytes(*packed);
        *out_len = packed->size();
        return ok(err);
    });
}

// ---- V36 verdict ----

int sharemsg_verify_message_data(sharemsg_context* ctx, const uint8_t* data, size_t len,
                                 sharemsg_verdict** out, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!ctx || !out || (!data && len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        const ByteView bytes = view(data, len);
        auto handle = std::make_unique<sharemsg_verdict>();
        if (bytes.empty()) {
            // The empty rule needs no cache: nothing to decrypt or check.
            auto d = std::make_shared<VerdictData>();
            handle->data = std::move(d);
            *out = handle.release();
            return ok(err);
        }
        const auto key = crypto::sha256(bytes);
        if (auto hit = ctx->cache.find(key)) {
            handle->data = std::move(hit);
            handle->cached = true;
            *out = handle.release();
            return ok(err);
        }
        auto v = proto::check_v36_message_data(bytes, ctx->authorities);
        auto d = std::make_shared<VerdictData>();
        d->rule = v.rule;
        d->reason = std::move(v.reason);
        if (v.authority) d->authority = v.authority->pubkey;
        d->messages.reserve(v.messages.size());
        for (auto& m : v.messages)
            d->messages.push_back(sharemsg_message{std::move(m)});
        ctx->cache.put(key, d);
        handle->data = std::move(d);
        *out = handle.release();
        return ok(err);
    });
}

void sharemsg_verdict_destroy(sharemsg_verdict* v) noexcept {
    delete v;
}

int sharemsg_verdict_rule(const sharemsg_verdict* v) noexcept {
    return v ? static_cast<int>(v->data->rule) : SHAREMSG_V36_NOT_DECRYPTED;
}

int sharemsg_verdict_valid(const sharemsg_verdict* v) noexcept {
    if (!v) return 0;
    return v->data->rule == proto::V36Rule::ok || v->data->rule == proto::V36Rule::ok_empty;
}

const char* sharemsg_v36_rule_name(int rule) noexcept {
    // Stable identifiers, one per sharemsg_v36_rule, in its order.
    static const char* const names[] = {
        "ok_empty", "ok", "not_decrypted", "no_messages", "unsigned_message", "bad_signature"};
    if (rule < SHAREMSG_V36_OK_EMPTY || rule > SHAREMSG_V36_BAD_SIGNATURE) return "unknown";
    return names[rule];
}

const char* sharemsg_verdict_reason(const sharemsg_verdict* v) noexcept {
    return v ? v->data->reason.c_str() : "";
}

int sharemsg_verdict_cached(const sharemsg_verdict* v) noexcept {
    return v && v->cached ? 1 : 0;
}

int sharemsg_verdict_authority(const sharemsg_verdict* v, uint8_t out[33]) noexcept {
    if (!v || !v->data->authority) return 0;
    if (out) std::memcpy(out, v->data->authority->data(), 33);
    return 1;
}

size_t sharemsg_verdict_message_count(const sharemsg_verdict* v) noexcept {
    return v ? v->data->messages.size() : 0;
}

const sharemsg_message* sharemsg_verdict_message(const sharemsg_verdict* v, size_t i) noexcept {
    if (!v || i >= v->data->messages.size()) return nullptr;
    return &v->data->messages[i];
}

// ---- envelope ----

int sharemsg_unpack_message_data(const sharemsg_context* ctx, const uint8_t* data, size_t len,
                                 sharemsg_unpacked** out, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!ctx || !out || (!data && len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        auto u = proto::unpack_share_messages(view(data, len), ctx->authorities);
        auto h = std::make_unique<sharemsg_unpacked>();
        if (u.info) {
            h->authority = u.info->authority->pubkey;
            h->announcement = u.info->announcement;
        }
        h->messages.reserve(u.messages.size());
        for (auto& m : u.messages)
            h->messages.push_back(sharemsg_message{std::move(m)});
        *out = h.release();
        return ok(err);
    });
}

void sharemsg_unpacked_destroy(sharemsg_unpacked* u) noexcept {
    delete u;
}

int sharemsg_unpacked_authority(const sharemsg_unpacked* u, uint8_t out[33]) noexcept {
    if (!u || !u->authority) return 0;
    if (out) std::memcpy(out, u->authority->data(), 33);
    return 1;
}

int sharemsg_unpacked_announcement(const sharemsg_unpacked* u, uint8_t signing_id[20],
                                   uint32_t* key_index, uint8_t pubkey[33]) noexcept {
    if (!u || !u->announcement) return 0;
    if (signing_id) std::memcpy(signing_id, u->announcement->signing_id.data(), 20);
    if (key_index) *key_index = u->announcement->key_index;
    if (pubkey) std::memcpy(pubkey, u->announcement->pubkey.data(), 33);
    return 1;
}

size_t sharemsg_unpacked_message_count(const sharemsg_unpacked* u) noexcept {
    return u ? u->messages.size() : 0;
}

const sharemsg_message* sharemsg_unpacked_message(const sharemsg_unpacked* u, size_t i) noexcept {
    if (!u || i >= u->messages.size()) return nullptr;
    return &u->messages[i];
}

int sharemsg_decrypt_envelope(const sharemsg_context* ctx, const uint8_t* data, size_t len,
                              uint8_t** inner, size_t* inner_len, uint8_t authority_out[33],
                              sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!ctx || !inner || !inner_len || (!data && len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *inner = nullptr;
        *inner_len = 0;
        auto d = proto::decrypt_envelope(view(data, len), ctx->authorities);
        if (!d) return fail(err, d.error());
        *inner = capi::dup_bytes(d->inner);
        *inner_len = d->inner.size();
        if (authority_out) std::memcpy(authority_out, d->authority->pubkey.data(), 33);
        return ok(err);
    });
}

int sharemsg_encrypt_envelope(const sharemsg_context* ctx, const uint8_t* inner, size_t inner_len,
                              const uint8_t authority_pubkey[33], const uint8_t nonce[16],
                              uint8_t** out, size_t* out_len, sharemsg_error* err) noexcept {
    return guarded(err, [&] {
        if (!ctx || !authority_pubkey || !out || !out_len || (!inner && inner_len))
            return fail(err, SHAREMSG_ERR_INVALID_ARGUMENT, "NULL pointer");
        *out = nullptr;
        *out_len = 0;
        proto::Nonce16 n{};
        if (nonce)
            std::memcpy(n.data(), nonce, n.size());
        else {
            const auto r = crypto::random_bytes(n.size());
            std::copy(r.begin(), r.end(), n.begin());
        }
        auto e = proto::encrypt_envelope(view(inner, inner_len), ByteView{authority_pubkey, 33}, n,
                                         ctx->authorities);
        if (!e) return fail(err, e.error());
        *out = capi::dup_bytes(*e);
        *out_len = e->size();
        return ok(err);
    });
}

}  // extern "C"
