// BIP327 (MuSig2) on libsecp256k1's public API: everything in one include.
//
//   keyagg.hpp   KeySort, KeyAgg, ApplyTweak (KeyAggContext)
//   nonce.hpp    SecNonce (use once), NonceGen, NonceAgg
//   session.hpp  GetSessionValues (Session), Sign, DeterministicSign, PartialSigVerify,
//                PartialSigAgg, verify_and_aggregate (names the signer of a bad psig)
//   codec.hpp    decoders of the byte encodings
//   types.hpp    the byte types, Error and Result
//   frame.hpp, coordinator.hpp, local_hub.hpp: signing sessions (included separately)
//
// docs/musig.md describes what is implemented and why the scalar helpers (group.hpp) are
// correct.
#pragma once

#include "musig/codec.hpp"
#include "musig/keyagg.hpp"
#include "musig/nonce.hpp"
#include "musig/session.hpp"
#include "musig/types.hpp"
