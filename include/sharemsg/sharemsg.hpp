// libsharemsg for C++ pool nodes: RAII classes over the C ABI of sharemsg.h.
//
// Header-only and dependent on the standard library alone: the ABI a program links against
// is the C one, so a program built with another compiler or standard library links the same
// libsharemsg.so. Failures are thrown as sharemsg::Error (its code is a sharemsg_status);
// a V36 verdict that rejects a share is a value, not an exception.
//
// Typical use in a pool node (see examples/pool_node.cpp):
//   sharemsg::Context ctx(SHAREMSG_AUTHORITIES_MAINNET);   // once
//   auto share = sharemsg::Share::parse(36, contents);      // 1. share parsing
//   auto verdict = ctx.verify(share.message_data());       // 2. share verification
//   if (!verdict.valid()) reject(verdict.reason());
//   store.add_verified(verdict, share_hash, address, now);  // 4. web API: store.json(...)
//   outbox.add(signed_message); auto data = outbox.build(); // 3. work generation
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sharemsg/sharemsg.h"

namespace sharemsg {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// A failed call: code() is a sharemsg_status, what() the library's message.
class Error : public std::runtime_error {
  public:
    Error(int code, const std::string& message)
        : std::runtime_error(std::string(sharemsg_status_name(code)) + ": " + message),
          code_(code) {}
    int code() const noexcept { return code_; }

  private:
    int code_;
};

namespace detail {

inline void check(int status, const sharemsg_error& err) {
    if (status != SHAREMSG_OK) throw Error(status, err.message);
}

// Takes ownership of library-allocated bytes.
inline Bytes take(std::uint8_t* p, std::size_t n) {
    Bytes out(p, p + n);
    sharemsg_free(p);
    return out;
}
inline std::string take(char* p) {
    std::string out(p ? p : "");
    sharemsg_free(p);
    return out;
}

// A unique owner of a C handle with its destroy function.
template <class T, void (*Destroy)(T*)>
class Handle {
  public:
    Handle() = default;
    explicit Handle(T* p) : p_(p) {}
    Handle(Handle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            Destroy(p_);
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { Destroy(p_); }
    T* get() const noexcept { return p_; }

  private:
    T* p_ = nullptr;
};

}  // namespace detail

// SHA256d of message_data, or 32 zero bytes for none.
inline std::array<std::uint8_t, 32> message_data_hash(ByteSpan data) {
    std::array<std::uint8_t, 32> out{};
    sharemsg_error err;
    detail::check(sharemsg_message_data_hash(data.data(), data.size(), out.data(), &err), err);
    return out;
}

// A message's wire bytes; signed directly by `authority_key` (32 bytes) when given.
inline Bytes message_create(std::uint8_t type, std::uint8_t flags, std::uint32_t timestamp,
                            ByteSpan payload, const std::uint8_t* authority_key = nullptr) {
    std::uint8_t* out = nullptr;
    std::size_t len = 0;
    sharemsg_error err;
    detail::check(sharemsg_message_create(type, flags, timestamp, payload.data(), payload.size(),
                                          authority_key, &out, &len, &err),
                  err);
    return detail::take(out, len);
}

// A message borrowed from a Verdict or an Unpacked; valid while its owner lives.
class MessageView {
  public:
    explicit MessageView(const sharemsg_message* m) : m_(m) {}
    std::uint8_t type() const { return sharemsg_message_type(m_); }
    std::uint8_t flags() const { return sharemsg_message_flags(m_); }
    std::uint8_t wire_flags() const { return sharemsg_message_wire_flags(m_); }
    std::uint32_t timestamp() const { return sharemsg_message_timestamp(m_); }
    ByteSpan payload() const {
        std::size_t n = 0;
        const auto* p = sharemsg_message_payload(m_, &n);
        return {p, n};
    }
    ByteSpan signature() const {
        std::size_t n = 0;
        const auto* p = sharemsg_message_signature(m_, &n);
        return {p, n};
    }
    std::optional<std::array<std::uint8_t, 20>> signing_id() const {
        std::array<std::uint8_t, 20> id{};
        if (!sharemsg_message_signing_id(m_, id.data())) return std::nullopt;
        return id;
    }
    bool verified() const { return sharemsg_message_verified(m_) != 0; }
    std::array<std::uint8_t, 32> hash() const {
        std::array<std::uint8_t, 32> h{};
        sharemsg_message_hash(m_, h.data());
        return h;
    }
    Bytes pack() const {
        std::uint8_t* out = nullptr;
        std::size_t len = 0;
        sharemsg_error err;
        detail::check(sharemsg_message_pack(m_, &out, &len, &err), err);
        return detail::take(out, len);
    }
    std::string json(double now) const {
        char* out = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_message_json(m_, now, &out, &err), err);
        return detail::take(out);
    }
    const sharemsg_message* get() const { return m_; }

  private:
    const sharemsg_message* m_;
};

// The V36 rule's verdict on one message_data.
class Verdict {
  public:
    explicit Verdict(sharemsg_verdict* v) : h_(v) {}
    sharemsg_v36_rule rule() const {
        return static_cast<sharemsg_v36_rule>(sharemsg_verdict_rule(h_.get()));
    }
    const char* rule_name() const { return sharemsg_v36_rule_name(rule()); }
    bool valid() const { return sharemsg_verdict_valid(h_.get()) != 0; }
    std::string reason() const { return sharemsg_verdict_reason(h_.get()); }
    bool cached() const { return sharemsg_verdict_cached(h_.get()) != 0; }
    std::optional<std::array<std::uint8_t, 33>> authority() const {
        std::array<std::uint8_t, 33> k{};
        if (!sharemsg_verdict_authority(h_.get(), k.data())) return std::nullopt;
        return k;
    }
    std::size_t size() const { return sharemsg_verdict_message_count(h_.get()); }
    MessageView operator[](std::size_t i) const {
        return MessageView(sharemsg_verdict_message(h_.get(), i));
    }
    const sharemsg_verdict* get() const { return h_.get(); }

  private:
    detail::Handle<sharemsg_verdict, sharemsg_verdict_destroy> h_;
};

// message_data decrypted and parsed as the reference does, signatures unchecked.
class Unpacked {
  public:
    explicit Unpacked(sharemsg_unpacked* u) : h_(u) {}
    bool decrypted() const { return sharemsg_unpacked_authority(h_.get(), nullptr) != 0; }
    std::optional<std::array<std::uint8_t, 33>> authority() const {
        std::array<std::uint8_t, 33> k{};
        if (!sharemsg_unpacked_authority(h_.get(), k.data())) return std::nullopt;
        return k;
    }
    std::size_t size() const { return sharemsg_unpacked_message_count(h_.get()); }
    MessageView operator[](std::size_t i) const {
        return MessageView(sharemsg_unpacked_message(h_.get(), i));
    }

  private:
    detail::Handle<sharemsg_unpacked, sharemsg_unpacked_destroy> h_;
};

// The trusted authority keys and the verify-once cache. Outlives every Outbox and Store
// made from it. Thread-safe.
class Context {
  public:
    explicit Context(sharemsg_authorities which = SHAREMSG_AUTHORITIES_MAINNET) {
        sharemsg_context* c = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_context_create(which, &c, &err), err);
        h_ = decltype(h_)(c);
    }
    Verdict verify(ByteSpan message_data) {
        sharemsg_verdict* v = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_verify_message_data(h_.get(), message_data.data(),
                                                   message_data.size(), &v, &err),
                      err);
        return Verdict(v);
    }
    Unpacked unpack(ByteSpan message_data) const {
        sharemsg_unpacked* u = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_unpack_message_data(h_.get(), message_data.data(),
                                                   message_data.size(), &u, &err),
                      err);
        return Unpacked(u);
    }
    std::pair<std::uint64_t, std::uint64_t> cache_stats() const {
        std::uint64_t hits = 0, misses = 0;
        sharemsg_context_cache_stats(h_.get(), &hits, &misses);
        return {hits, misses};
    }
    sharemsg_context* get() const { return h_.get(); }

  private:
    detail::Handle<sharemsg_context, sharemsg_context_destroy> h_;
};

// A decoded V36 share (format only; the proof of work is the node's to check).
class Share {
  public:
    static Share parse(std::uint64_t type, ByteSpan contents) {
        sharemsg_share* s = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_share_parse(type, contents.data(), contents.size(), &s, &err), err);
        return Share(s);
    }
    // Empty when the share carries no message_data.
    ByteSpan message_data() const {
        std::size_t n = 0;
        const auto* p = sharemsg_share_message_data(h_.get(), &n);
        return {p, n};
    }
    std::uint32_t timestamp() const { return sharemsg_share_timestamp(h_.get()); }
    std::uint32_t absheight() const { return sharemsg_share_absheight(h_.get()); }
    std::uint32_t bits() const { return sharemsg_share_bits(h_.get()); }

  private:
    explicit Share(sharemsg_share* s) : h_(s) {}
    detail::Handle<sharemsg_share, sharemsg_share_destroy> h_;
};

// Authority-signed messages waiting for the shares this node mines.
class Outbox {
  public:
    explicit Outbox(const Context& ctx) {
        sharemsg_outbox* o = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_outbox_create(ctx.get(), &o, &err), err);
        h_ = decltype(h_)(o);
    }
    void add(ByteSpan message) {
        sharemsg_error err;
        detail::check(sharemsg_outbox_add(h_.get(), message.data(), message.size(), &err), err);
    }
    std::size_t size() const { return sharemsg_outbox_count(h_.get()); }
    void clear() { sharemsg_outbox_clear(h_.get()); }
    // message_data for the next share; `nonce` (16 bytes) or a random one.
    Bytes build(const std::uint8_t* nonce = nullptr) const {
        std::uint8_t* out = nullptr;
        std::size_t len = 0;
        sharemsg_error err;
        detail::check(sharemsg_outbox_build(h_.get(), nonce, &out, &len, &err), err);
        return detail::take(out, len);
    }

  private:
    detail::Handle<sharemsg_outbox, sharemsg_outbox_destroy> h_;
};

// The message store behind a web API.
class Store {
  public:
    explicit Store(const Context& ctx, std::size_t max_messages = 0, double max_age = 0) {
        sharemsg_store* s = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_store_create(ctx.get(), max_messages, max_age, &s, &err), err);
        h_ = decltype(h_)(s);
    }
    std::size_t add_verified(const Verdict& v, const std::array<std::uint8_t, 32>& share_hash,
                             const std::string& payout_address, double now) {
        std::size_t added = 0;
        sharemsg_error err;
        detail::check(sharemsg_store_add_verified(h_.get(), v.get(), share_hash.data(),
                                                  payout_address.c_str(), now, &added, &err),
                      err);
        return added;
    }
    std::size_t load_blob_hex(const std::string& hex, double now) {
        std::size_t added = 0;
        sharemsg_error err;
        detail::check(sharemsg_store_load_blob_hex(h_.get(), hex.c_str(), now, &added, &err), err);
        return added;
    }
    std::size_t size() const { return sharemsg_store_size(h_.get()); }
    // msg_type -1: any type; limit 0: 50; flags: SHAREMSG_QUERY_*.
    std::string json(double now, int msg_type = -1, std::size_t limit = 0,
                     unsigned flags = 0) const {
        char* out = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_store_json(h_.get(), msg_type, limit, flags, now, &out, &err), err);
        return detail::take(out);
    }
    std::string stats_json() const {
        char* out = nullptr;
        sharemsg_error err;
        detail::check(sharemsg_store_stats_json(h_.get(), &out, &err), err);
        return detail::take(out);
    }

  private:
    detail::Handle<sharemsg_store, sharemsg_store_destroy> h_;
};

}  // namespace sharemsg
