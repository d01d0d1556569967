// The byte types of BIP327 (MuSig2) and its errors.
//
// Everything crossing the musig interface is bytes in BIP327's own encodings: plain public
// keys (33-byte compressed points), x-only keys (32 bytes), public nonces (two compressed
// points, 66 bytes), aggregate nonces (two points where the point at infinity is 33 zero
// bytes), partial signatures (a 32-byte big-endian scalar below the group order n) and the
// final BIP340 signature (64 bytes). No libsecp256k1 type appears in these headers.
//
// Errors are values: an `Error` says what failed (`ErrorCode`) and, where BIP327 assigns
// blame, whose contribution it was (`Contribution` and the signer's index). Nothing is ever
// decided by an error's text.
#pragma once

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "util/bytes.hpp"

namespace sharemsg::musig {

using PlainPubKey = ByteArray<33>;
using XonlyPubKey = ByteArray<32>;
using PubNonce = ByteArray<66>;
using AggNonce = ByteArray<66>;
using PartialSig = ByteArray<32>;
using Signature = ByteArray<64>;

// One tweak of the aggregate key: BIP327 ApplyTweak's `tweak` and `is_xonly_t`.
struct Tweak {
    ByteArray<32> value{};
    bool xonly = false;
};

enum class ErrorCode {
    // A signer's (or the nonce aggregator's) contribution is invalid: see contribution and
    // signer. BIP327's InvalidContributionError.
    invalid_contribution,
    no_signers,      // an empty list of keys, nonces or partial signatures
    count_mismatch,  // lists that must be as long as each other are not
    signer_index_out_of_range,
    tweak_out_of_range,      // a tweak is not below the group order n
    tweak_infinite,          // applying a tweak gave the point at infinity
    aggregate_key_infinite,  // the aggregate of the keys is the point at infinity
    signer_not_in_keys,      // the signer's public key is not among the session's keys
    secnonce_invalid,        // a secret nonce out of range: already used, or never valid
    secnonce_key_mismatch,   // the secret nonce was made for another public key
    nonce_zero,              // NonceGen drew a zero nonce (probability about 2^-128)
    too_large,          // 2^32 keys, nonces or signatures or more; extra_in of 2^32 bytes or more
    aggnonce_mismatch,  // the aggregator's nonce is not the aggregate of the pubnonces
};

// Whose bytes an invalid_contribution error blames (BIP327 names these in its vectors).
enum class Contribution {
    none,
    pubkey,
    pubnonce,
    aggnonce,       // the nonce aggregator's aggregate nonce
    aggothernonce,  // DeterministicSign's aggregate of the other signers' nonces
    psig,
};

const char* error_code_name(ErrorCode c) noexcept;
const char* contribution_name(Contribution c) noexcept;

struct Error {
    ErrorCode code;
    Contribution contribution = Contribution::none;
    // The index (from 0) of the blamed signer in the list given, when BIP327 blames one; the
    // aggregator's contributions (aggnonce, aggothernonce) blame no signer.
    std::optional<std::size_t> signer;

    // For people: "invalid_contribution: pubnonce of signer 2". Programs read the fields.
    std::string to_string() const;
    friend bool operator==(const Error&, const Error&) = default;
};

inline Error make_error(ErrorCode c) {
    return Error{c, Contribution::none, std::nullopt};
}
inline Error invalid(Contribution what, std::optional<std::size_t> signer) {
    return Error{ErrorCode::invalid_contribution, what, signer};
}

// The same error handed on by a caller, in the place of the project-wide Error
// (util/result.hpp): bad keys are Errc::bad_key, bad nonces Errc::bad_encoding, a bad partial
// signature Errc::bad_signature, everything else Errc::invalid_argument.
sharemsg::Error to_project_error(const Error& e);

// A value or an error E: Result (E = Error) in BIP327's functions, FrameError for the session
// frames' decoder, a coordinator's Refusal (frame.hpp, coordinator.hpp).
template <class T, class E>
class [[nodiscard]] Checked {
  public:
    Checked(T value) : v_(std::move(value)) {}                      // NOLINT(implicit)
    Checked(E err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT(implicit)

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

  private:
    std::variant<T, E> v_;
};

// A value or an Error (the musig counterpart of util/result.hpp's Result).
template <class T>
using Result = Checked<T, Error>;

using Status = Result<Ok>;

}  // namespace sharemsg::musig
