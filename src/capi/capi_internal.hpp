// What the C ABI's handles are, and the guard every entry point runs its body in.
//
// Internal to libsharemsg: not installed. Each opaque type of include/sharemsg/sharemsg.h is
// defined here over the protocol core (src/proto, src/chain).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "chain/share.hpp"
#include "crypto/hash.hpp"
#include "proto/authority.hpp"
#include "proto/envelope.hpp"
#include "proto/message.hpp"
#include "proto/store.hpp"
#include "sharemsg/sharemsg.h"
#include "util/result.hpp"

struct sharemsg_message {
    sharemsg::proto::ShareMessage m;
};

// An immutable V36 verdict, shared between the verify-once cache and the handles it answered.
struct VerdictData {
    sharemsg::proto::V36Rule rule = sharemsg::proto::V36Rule::ok_empty;
    std::string reason;
    std::optional<sharemsg::crypto::CompressedPubKey> authority;
    std::vector<sharemsg_message> messages;
};

struct sharemsg_verdict {
    std::shared_ptr<const VerdictData> data;
    bool cached = false;
};

// The last few distinct message_data verdicts, by SHA-256 of the bytes, most recent first.
class VerifyCache {
  public:
    static constexpr std::size_t CAPACITY = 8;
    std::shared_ptr<const VerdictData> find(const sharemsg::crypto::Hash256& key);
    void put(const sharemsg::crypto::Hash256& key, std::shared_ptr<const VerdictData> v);
    std::uint64_t hits() const { return hits_.load(); }
    std::uint64_t misses() const { return misses_.load(); }

  private:
    std::mutex mu_;
    std::list<std::pair<sharemsg::crypto::Hash256, std::shared_ptr<const VerdictData>>> lru_;
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
};

struct sharemsg_context {
    sharemsg::proto::AuthoritySet authorities;
    VerifyCache cache;
};

struct sharemsg_unpacked {
    std::optional<sharemsg::crypto::CompressedPubKey> authority;
    std::optional<sharemsg::proto::Announcement> announcement;
    std::vector<sharemsg_message> messages;
};

struct sharemsg_share {
    sharemsg::chain::Share share;
};

struct sharemsg_outbox {
    const sharemsg_context* ctx = nullptr;
    std::vector<sharemsg::proto::ShareMessage> messages;
    std::optional<sharemsg::Bytes> announcement;
};

struct sharemsg_store {
    explicit sharemsg_store(sharemsg::proto::StoreOptions o, sharemsg::proto::AuthoritySet a)
        : store(std::move(o), std::move(a)) {}
    sharemsg::proto::MessageStore store;
};

namespace sharemsg::capi {

// Fills `err` (when given) and returns `code`.
int fail(sharemsg_error* err, int code, std::string_view message) noexcept;
// The status of a core Error, with its reason in `err`.
int fail(sharemsg_error* err, const Error& e) noexcept;
// Clears `err` and returns SHAREMSG_OK.
int ok(sharemsg_error* err) noexcept;

// Copies bytes into a malloc'ed buffer the caller releases with sharemsg_free. NULL for none.
std::uint8_t* dup_bytes(ByteView b);
char* dup_string(std::string_view s);

// A view of caller bytes; NULL is accepted with length 0.
inline ByteView view(const std::uint8_t* p, std::size_t n) {
    return n == 0 ? ByteView{} : ByteView{p, n};
}

// Runs an entry point's body: no exception leaves it.
template <class F>
int guarded(sharemsg_error* err, F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(err, SHAREMSG_ERR_NO_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(err, SHAREMSG_ERR_INTERNAL, e.what());
    } catch (...) {
        return fail(err, SHAREMSG_ERR_INTERNAL, "unknown exception");
    }
}

}  // namespace sharemsg::capi
