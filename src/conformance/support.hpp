// Shared pieces of the conformance runner: the vector file's context (clock, key sets,
// signers), conversion between vector JSON and our types, and a mismatch collector.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conformance/runner.hpp"
#include "proto/authority.hpp"
#include "proto/message.hpp"
#include "proto/signing_key.hpp"

namespace sharemsg::conformance {

using json = nlohmann::json;

// Thrown inside a vector's check when the vector itself is malformed (missing field, bad
// hex); the runner turns it into a failed outcome naming the problem.
struct BadVector : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Context {
  public:
    explicit Context(const json& file);

    double fixed_clock() const { return fixed_clock_; }
    double clock_of(const json& v) const;  // v["clock"] or the file's fixed clock
    // "real" → the deployed keys; "test_authority" → {A, B} from meta.test_authority.
    const proto::AuthoritySet& key_set(const json& v) const;
    const proto::AuthoritySet& real() const { return proto::mainnet_authorities(); }
    const proto::AuthoritySet& test() const { return test_; }
    const proto::AuthoritySet& all() const { return all_; }
    // A signer named in signing_keys_used ("m1k0"), or the test authorities "A"/"B".
    std::optional<proto::DerivedSigningKey> signer(const std::string& name) const;
    // Name of a signing key by its pubkey (for registry vectors), looked up in signing_keys_used.
    std::optional<crypto::CompressedPubKey> pubkey_for_id(const std::string& sid_hex) const;
    const std::map<std::string, proto::DerivedSigningKey>& signers() const { return signers_; }

  private:
    double fixed_clock_ = 1700000000;
    proto::AuthoritySet test_, all_;
    std::map<std::string, proto::DerivedSigningKey> signers_;
};

// Collects the first mismatch of a vector.
class Check {
  public:
    // Compares two JSON values (numbers by value, objects ignoring key order).
    void eq(const std::string& field, const json& got, const json& want);
    // Compares only the keys present in `want`.
    void subset(const std::string& field, const json& got, const json& want);
    void fail(const std::string& detail) {
        if (first_.empty()) first_ = detail;
    }
    // The vector shows an intentional difference (docs/protocol-differences.md): when nothing
    // fails, run_one reports it as such with this reason.
    void differ(const std::string& reason) {
        if (differ_.empty()) differ_ = reason;
    }
    bool ok() const { return first_.empty(); }
    const std::string& detail() const { return first_; }
    const std::string& difference() const { return differ_; }

  private:
    std::string first_;
    std::string differ_;
};

// Field access that throws BadVector with the field's name.
const json& need(const json& v, const std::string& key);

// An integer that fits T, or nullopt: a JSON integer outside T's range, a float or another
// type. Never truncates (nlohmann's get<T>() would). T's range is the range the reference's
// struct.pack accepts for that field ('<B' 0..255, '<I' 0..2^32-1), so nullopt is where the
// reference raises struct.error.
template <class T>
std::optional<T> int_of(const json& j) {
    if (j.is_number_unsigned()) {
        const auto v = j.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
        return static_cast<T>(v);
    }
    if (j.is_number_integer()) {
        const auto v = j.get<std::int64_t>();
        if (v < 0 && !std::numeric_limits<T>::is_signed) return std::nullopt;
        if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            static_cast<std::uint64_t>(v) >
                static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
            return std::nullopt;
        return static_cast<T>(v);
    }
    return std::nullopt;
}
// v[key] as T; BadVector naming the field when it is missing or not an integer in T's range.
template <class T>
T need_int(const json& v, const std::string& key) {
    auto r = int_of<T>(need(v, key));
    if (!r)
        throw BadVector("\"" + key + "\" is not an integer in " +
                        std::to_string(std::numeric_limits<T>::min()) + ".." +
                        std::to_string(std::numeric_limits<T>::max()) + ": " + v[key].dump());
    return *r;
}
// v[key] as T when present, else `fallback`; BadVector as need_int when present but invalid.
template <class T>
T int_or(const json& v, const std::string& key, T fallback) {
    if (!v.is_object() || !v.contains(key) || v[key].is_null()) return fallback;
    return need_int<T>(v, key);
}
// v[key] as a number (a clock, a first_seen time), else `fallback`.
double number_or(const json& v, const std::string& key, double fallback);
Bytes need_hex(const json& v, const std::string& key);
// v[key] when present, else an empty object (a reference: safe to iterate).
const json& field_or_empty(const json& v, const std::string& key);
Bytes hex_of(const json& s, const std::string& what);
bool is_error(const json& result);  // {"error": ...}

// A ShareMessage from a vector's message object (msg_type, flags, wire_flags, timestamp,
// payload, signing_id, signature, sender_address, share_hash, verified).
proto::ShareMessage message_from_json(const json& m);
// The vector's view of a message: the keys of message_from_json plus type_name,
// has_signature, is_protocol_authority, message_hash, and pack (or pack_error).
json message_state(const proto::ShareMessage& m);
// Compares our message with an expected state (only the keys the vector has).
void check_message(Check& c, const std::string& field, const proto::ShareMessage& m,
                   const json& want);

// Runs `body` for one vector, catching BadVector and JSON errors into a failed outcome.
Outcome run_one(const std::string& category, const std::string& what,
                const std::function<void(Check&)>& body);
std::string what_of(const json& v, std::size_t index);

// Difference 5 of docs/protocol-differences.md, recognised from the vector itself.
inline constexpr const char* kTimestampZeroReason =
    "a wire timestamp of 0 is kept; the reference replaces it with the current time, so its hash "
    "no longer covers "
    "the wire bytes";

// An intentional difference found: body returned a reason.
Outcome intentional(const std::string& category, const std::string& what,
                    const std::string& reason);

using CategoryFn = std::function<void(const Context&, const json&, std::vector<Outcome>&)>;

// Categories, by file.
void run_constants(const Context&, const json&, std::vector<Outcome>&);
void run_signing_keys_used(const Context&, const json&, std::vector<Outcome>&);
void run_derived_signing_key(const Context&, const json&, std::vector<Outcome>&);
void run_share_message(const Context&, const json&, std::vector<Outcome>&);
void run_share_message_unpack(const Context&, const json&, std::vector<Outcome>&);
void run_builders(const Context&, const json&, std::vector<Outcome>&);
void run_authority_envelope(const Context&, const json&, std::vector<Outcome>&);
void run_unpack_share_messages(const Context&, const json&, std::vector<Outcome>&);
void run_pack_share_messages(const Context&, const json&, std::vector<Outcome>&);
void run_mainnet_transition_blob(const Context&, const json&, std::vector<Outcome>&);
void run_ban_list(const Context&, const json&, std::vector<Outcome>&);
void run_message_store(const Context&, const json&, std::vector<Outcome>&);
void run_message_store_extra(const Context&, const json&, std::vector<Outcome>&);
void run_signing_key_registry(const Context&, const json&, std::vector<Outcome>&);

}  // namespace sharemsg::conformance
