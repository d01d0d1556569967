// Helpers for the C ABI tests: hex, the public vector file, owned library buffers. These tests
// link only the installed interface (libsharemsg.so and include/sharemsg), never src/.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sharemsg/sharemsg.h"

namespace capi_test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes unhex(const std::string& h) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
    return out;
}

inline std::string hex(const std::uint8_t* p, std::size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s.push_back(d[p[i] >> 4]);
        s.push_back(d[p[i] & 15]);
    }
    return s;
}
inline std::string hex(const Bytes& b) {
    return hex(b.data(), b.size());
}

inline const nlohmann::json& public_vectors() {
    static const nlohmann::json j = [] {
        std::ifstream f(std::string(SHAREMSG_VECTORS_DIR) + "/share_messages_public.json");
        return nlohmann::json::parse(f);
    }();
    return j;
}

// Library-allocated bytes, released with sharemsg_free.
struct Buffer {
    std::uint8_t* p = nullptr;
    std::size_t n = 0;
    ~Buffer() { sharemsg_free(p); }
    Bytes bytes() const { return p ? Bytes(p, p + n) : Bytes{}; }
};

struct ContextDeleter {
    void operator()(sharemsg_context* c) const { sharemsg_context_destroy(c); }
};
using ContextPtr = std::unique_ptr<sharemsg_context, ContextDeleter>;

inline ContextPtr context(int which) {
    sharemsg_context* c = nullptr;
    if (sharemsg_context_create(which, &c, nullptr) != SHAREMSG_OK) return nullptr;
    return ContextPtr(c);
}

inline int key_set(const nlohmann::json& v) {
    return v.value("key_set", "real") == "real" ? SHAREMSG_AUTHORITIES_MAINNET
                                                : SHAREMSG_AUTHORITIES_TEST;
}

}  // namespace capi_test
