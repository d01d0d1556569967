// Result<T>: a value or an Error, for everything that can fail on hostile input.
//
// Misuse by our own code is a bug and asserts; bytes from outside are a value
// of this type. An Error carries a code for programs, a reason for people, and,
// when a protocol rule was broken, which one (util/rule.hpp): the node decides
// what a broken rule costs a peer from that value, never from the reason's text.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "util/rule.hpp"

namespace sharemsg {

enum class Errc {
    truncated,         // input ended before a field was complete
    oversize,          // a length or count exceeds what the format allows
    trailing_bytes,    // bytes left over where the format forbids them
    bad_version,       // unknown version byte
    bad_encoding,      // hex, base58, DER, JSON or UTF-8 not well-formed
    bad_key,           // a key that is not a valid secp256k1 key
    bad_signature,     // a signature that does not verify
    not_authority,     // not signed or encrypted by a known authority
    invalid_argument,  // a caller-supplied value out of range
    not_found,
    io,
};

const char* errc_name(Errc c) noexcept;

struct Error {
    Errc code;
    std::string reason;  // names the field and the problem, e.g. "payload: need 12 bytes, have 3"
    Rule rule = Rule::none;  // the protocol rule broken, if any

    std::string to_string() const { return std::string(errc_name(code)) + ": " + reason; }
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}                          // NOLINT(implicit)
    Result(Error err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT(implicit)

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

    const Error& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

  private:
    std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(Errc c, std::string reason) {
    return Error{c, std::move(reason)};
}
inline Error make_error(Errc c, Rule rule, std::string reason) {
    return Error{c, std::move(reason), rule};
}
// The same error, naming the rule it broke.
inline Error with_rule(Error e, Rule rule) {
    e.rule = rule;
    return e;
}

}  // namespace sharemsg
