// The process-wide libsecp256k1 context, for the wrappers in src/crypto/ (the BIP340 and
// ECDH wrappers live in their own files but must share the one randomized context that
// secp256k1.cpp creates) and for BIP327 in src/musig/, which composes MuSig2 from the same
// library. Nothing else includes this header.
#pragma once

#include <secp256k1.h>

namespace sharemsg::crypto::detail {

// Created on first use, randomized, read-only afterwards; safe from any thread.
const secp256k1_context* secp256k1_ctx();

}  // namespace sharemsg::crypto::detail
