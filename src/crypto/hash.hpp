// Hash functions and HMAC, all computed by OpenSSL libcrypto.
#pragma once

#include "util/bytes.hpp"

namespace sharemsg::crypto {

using Hash256 = ByteArray<32>;
using Hash160 = ByteArray<20>;

Hash256 sha256(ByteView data);
// SHA256(SHA256(data)), Bitcoin's hash256.
Hash256 sha256d(ByteView data);
Hash160 ripemd160(ByteView data);
// RIPEMD160(SHA256(data)), Bitcoin's hash160.
Hash160 hash160(ByteView data);
Hash256 hmac_sha256(ByteView key, ByteView data);
// Constant-time comparison of equal-length buffers; false when lengths differ.
bool equal_ct(ByteView a, ByteView b);

// Incremental SHA-256 (for long or multi-part inputs).
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256& update(ByteView data);
    Hash256 finish();

  private:
    void* ctx_;  // EVP_MD_CTX
};

// Wipes memory so that secrets do not linger (OPENSSL_cleanse).
void wipe(void* p, std::size_t n);

// Fills n bytes from the operating system's CSPRNG (OpenSSL RAND_bytes). Aborts on failure:
// running without randomness is never safe.
Bytes random_bytes(std::size_t n);

}  // namespace sharemsg::crypto
