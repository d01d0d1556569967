// The musig code's own access to a SecNonce's bytes (src/musig/*.cpp only).
#pragma once

#include "musig/nonce.hpp"

namespace sharemsg::musig::detail {

struct SecNonceAccess {
    // A secret nonce holding k1 || k2 || pk (97 bytes).
    static SecNonce make(ByteView b97) {
        SecNonce n;
        for (std::size_t i = 0; i < n.b_.size() && i < b97.size(); ++i)
            n.b_[i] = b97[i];
        return n;
    }
    static const ByteArray<97>& bytes(const SecNonce& n) { return n.b_; }
};

}  // namespace sharemsg::musig::detail
