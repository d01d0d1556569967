#include "chain/hash_link.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sharemsg::chain {

namespace {

constexpr std::size_t block_size = 64;

std::uint32_t be32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

void put_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

// The two operations a hash link needs and the EVP interface does not offer: reading
// SHA-256's chaining state after some full blocks, and resuming from a given state. Only
// the low-level SHA256_CTX exposes the state (h[], the bit count Nl/Nh, the buffered bytes
// and their count), and OpenSSL 3 marks that API deprecated without a replacement for
// midstates. This is the one place in the project that touches it; SHA-256 itself stays
// OpenSSL's.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

// SHA-256 of whole blocks; returns h0..h7 as big-endian words (the reference's x.state).
ByteArray<32> sha256_state_after_blocks(ByteView whole_blocks) {
    SHA256_CTX c;
    if (SHA256_Init(&c) != 1 || SHA256_Update(&c, whole_blocks.data(), whole_blocks.size()) != 1)
        throw std::runtime_error("SHA256_Init/Update failed");
    ByteArray<32> state{};
    for (std::size_t i = 0; i < 8; ++i)
        put_be32(state.data() + 4 * i, c.h[i]);
    return state;
}

// SHA-256 resumed from `state` after `total_bytes_before` bytes, of which the last
// `buffered` (< 64) are not yet compressed, then fed `data` and finished.
crypto::Hash256 sha256_resume(const ByteArray<32>& state, ByteView buffered,
                              std::uint64_t total_bytes_before, ByteView data) {
    SHA256_CTX c;
    if (SHA256_Init(&c) != 1) throw std::runtime_error("SHA256_Init failed");
    for (std::size_t i = 0; i < 8; ++i)
        c.h[i] = be32(state.data() + 4 * i);
    const std::uint64_t bits = total_bytes_before * 8;  // caller keeps it below 2^64
    c.Nl = static_cast<SHA_LONG>(bits);
    c.Nh = static_cast<SHA_LONG>(bits >> 32);
    // md32_common keeps the pending bytes in c.data, read as unsigned char, count in c.num.
    std::memcpy(reinterpret_cast<unsigned char*>(c.data), buffered.data(), buffered.size());
    c.num = static_cast<unsigned int>(buffered.size());
    crypto::Hash256 out{};
    if (SHA256_Update(&c, data.data(), data.size()) != 1 || SHA256_Final(out.data(), &c) != 1)
        throw std::runtime_error("SHA256_Update/Final failed");
    return out;
}

#pragma GCC diagnostic pop

}  // namespace

Result<crypto::Hash256> check_hash_link(const HashLink& link, ByteView data,
                                        ByteView const_ending) {
    const std::size_t extra_length = static_cast<std::size_t>(link.length % block_size);
    const std::size_t expected =
        extra_length > const_ending.size() ? extra_length - const_ending.size() : 0;
    if (link.extra_data.size() != expected)
        return make_error(Errc::invalid_argument, "hash_link: extra_data length mismatch (got " +
                                                      std::to_string(link.extra_data.size()) +
                                                      ", expected " + std::to_string(expected) +
                                                      ")");
    // 8 * (length + len(data)) must fit the 64-bit length field SHA-256 ends with.
    constexpr std::uint64_t max_bytes = (std::uint64_t{1} << 61) - 1;
    if (link.length > max_bytes - data.size())
        return make_error(
            Errc::invalid_argument,
            "hash_link: length " + std::to_string(link.length) + " too large for SHA-256");

    // extra = the last extra_length bytes of extra_data || const_ending.
    ByteArray<block_size> extra{};
    const std::size_t from_const = extra_length - link.extra_data.size();
    std::copy(link.extra_data.begin(), link.extra_data.end(), extra.begin());
    std::copy(const_ending.end() - static_cast<std::ptrdiff_t>(from_const), const_ending.end(),
              extra.begin() + static_cast<std::ptrdiff_t>(link.extra_data.size()));

    const crypto::Hash256 once =
        sha256_resume(link.state, ByteView(extra.data(), extra_length), link.length, data);
    return crypto::sha256(once);
}

Result<HashLink> prefix_to_hash_link(ByteView prefix, ByteView const_ending) {
    if (prefix.size() < const_ending.size() ||
        !std::equal(const_ending.begin(), const_ending.end(),
                    prefix.end() - static_cast<std::ptrdiff_t>(const_ending.size())))
        return make_error(Errc::invalid_argument,
                          "prefix_to_hash_link: prefix does not end with const_ending");
    const std::size_t whole = prefix.size() - prefix.size() % block_size;
    HashLink link;
    link.state = sha256_state_after_blocks(prefix.first(whole));
    const ByteView tail = prefix.subspan(whole);
    const std::size_t keep =
        tail.size() > const_ending.size() ? tail.size() - const_ending.size() : 0;
    link.extra_data.assign(tail.begin(), tail.begin() + static_cast<std::ptrdiff_t>(keep));
    link.length = prefix.size();
    return link;
}

ByteArray<44> hash_link_data(const crypto::Hash256& ref_hash, std::uint64_t last_txout_nonce) {
    ByteArray<44> d{};
    std::copy(ref_hash.begin(), ref_hash.end(), d.begin());
    for (std::size_t i = 0; i < 8; ++i)
        d[32 + i] = static_cast<std::uint8_t>(last_txout_nonce >> (8 * i));
    return d;  // bytes 40..43: lock_time 0
}

}  // namespace sharemsg::chain
