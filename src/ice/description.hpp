// What one side of an ICE session tells the other (credentials and candidates), and the strict
// checks applied to a remote description before libnice sees any of it: these are bytes from
// strangers, carried by the relay's signaling or by gossip. Pure code: no GLib, no sockets.
//
// The bounds are shared with the signaling codec: ufrag 4–256 characters, pwd 22–256, both
// ice-chars (RFC 8839: ALPHA / DIGIT / "+" / "/"); 1–16 candidates, each an SDP candidate line
// of at most 256 bytes of printable ASCII.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sharemsg::ice {

inline constexpr std::size_t MIN_UFRAG = 4;
inline constexpr std::size_t MAX_UFRAG = 256;
inline constexpr std::size_t MIN_PWD = 22;
inline constexpr std::size_t MAX_PWD = 256;
inline constexpr std::size_t MAX_CANDIDATES = 16;
inline constexpr std::size_t MAX_CANDIDATE_LINE = 256;
inline constexpr std::size_t MAX_FOUNDATION = 32;

struct Description {
    std::string ufrag;
    std::string pwd;
    // One SDP candidate line each, "a=candidate:<foundation> 1 UDP <priority> <ip> <port> typ
    // <type> [raddr <ip> rport <port>]" as libnice writes them ("candidate:..." is accepted too).
    std::vector<std::string> candidates;
    // The session that made it gathers relay candidates only (the second attempt, docs/nat.md).
    bool force_relay = false;
    bool operator==(const Description&) const = default;
};

enum class CandidateType { host, srflx, prflx, relay };
const char* candidate_type_name(CandidateType type);

// Why a candidate line was refused.
enum class CandidateProblem {
    too_long,        // over MAX_CANDIDATE_LINE bytes
    not_printable,   // a byte outside 0x20..0x7e
    bad_prefix,      // not "a=candidate:" or "candidate:"
    bad_syntax,      // fields not separated by single spaces, or missing
    bad_foundation,  // not 1–32 ice-chars
    bad_component,   // not component 1
    bad_transport,   // not UDP
    bad_priority,    // not a decimal in 1..2^32-1
    bad_address,     // not a numeric IPv4 or IPv6 address
    bad_port,        // not a decimal in 1..65535
    bad_type,        // "typ" missing, or not host/srflx/prflx/relay
    bad_related,     // raddr/rport malformed, alone, or on a host candidate
    trailing,        // anything after the fields above
};
const char* candidate_problem_name(CandidateProblem problem);

// A candidate line that passed the checks.
struct Candidate {
    std::string foundation;
    std::uint32_t priority = 0;
    std::string address;  // numeric, as written
    std::uint16_t port = 0;
    CandidateType type = CandidateType::host;
    std::optional<std::string> related_address;
    std::optional<std::uint16_t> related_port;  // 0 allowed (RFC 8839: hidden base)
};

struct CandidateResult {
    std::optional<Candidate> candidate;
    std::optional<CandidateProblem> problem;  // set exactly when candidate is not
};
CandidateResult parse_candidate(std::string_view line);

// Why a description was refused.
enum class DescriptionProblem {
    bad_ufrag,            // length outside 4–256, or not ice-chars
    bad_pwd,              // length outside 22–256, or not ice-chars
    no_candidates,        // an empty list
    too_many_candidates,  // over MAX_CANDIDATES
    bad_candidate,        // one line refused: see candidate / index
    relay_mismatch,       // its force_relay differs from the session's
};
const char* description_problem_name(DescriptionProblem problem);

struct DescriptionError {
    DescriptionProblem problem;
    std::size_t index = 0;  // bad_candidate: which line
    std::optional<CandidateProblem> candidate;
    bool operator==(const DescriptionError&) const = default;
};

// The checks that do not depend on the session (everything but relay_mismatch).
std::optional<DescriptionError> check_description(const Description& d);

// The line in the form libnice parses ("a=candidate:..."); only for lines that passed.
std::string libnice_line(std::string_view line);

}  // namespace sharemsg::ice
