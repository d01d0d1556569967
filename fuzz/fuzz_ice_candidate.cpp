// Fuzz target: the checks of remote ICE candidates and descriptions (ice/description.hpp), which
// see bytes from strangers before libnice does.
//
// Properties: exactly one of candidate and problem is set; an accepted line is within the bounds
// (at most 256 printable bytes, port 1–65535, priority ≥ 1, related address and port together,
// none on a host candidate), and the canonical line written from its fields parses back to the
// same fields; the input read as a description (first line ufrag, second pwd, the rest
// candidates) is refused exactly when a bound or one of its lines fails, naming that line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "ice/description.hpp"

using namespace sharemsg::ice;

namespace {

std::string canonical(const Candidate& c) {
    std::string s = "a=candidate:" + c.foundation + " 1 UDP " + std::to_string(c.priority) + " " +
                    c.address + " " + std::to_string(c.port) + " typ " +
                    candidate_type_name(c.type);
    if (c.related_address)
        s += " raddr " + *c.related_address + " rport " + std::to_string(*c.related_port);
    return s;
}

bool same(const Candidate& a, const Candidate& b) {
    return a.foundation == b.foundation && a.priority == b.priority && a.address == b.address &&
           a.port == b.port && a.type == b.type && a.related_address == b.related_address &&
           a.related_port == b.related_port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto r = parse_candidate(in);
    FUZZ_CHECK(r.candidate.has_value() != r.problem.has_value());
    if (r.problem) {
        FUZZ_CHECK(std::string_view(candidate_problem_name(*r.problem)) != "unknown");
    } else {
        const Candidate& c = *r.candidate;
        FUZZ_CHECK(in.size() <= MAX_CANDIDATE_LINE);
        for (char ch : in)
            FUZZ_CHECK(ch >= 0x20 && ch <= 0x7e);
        FUZZ_CHECK(c.port != 0 && c.priority != 0);
        FUZZ_CHECK(!c.foundation.empty() && c.foundation.size() <= MAX_FOUNDATION);
        FUZZ_CHECK(c.related_address.has_value() == c.related_port.has_value());
        FUZZ_CHECK(!(c.type == CandidateType::host && c.related_address));
        const auto back = parse_candidate(canonical(c));
        FUZZ_CHECK(back.candidate && same(*back.candidate, c));
        FUZZ_CHECK(libnice_line(in).rfind("a=candidate:", 0) == 0);
    }

    // The same bytes as a description.
    Description d;
    std::size_t start = 0, n = 0;
    while (start <= in.size()) {
        const auto nl = in.find('\n', start);
        const auto line = in.substr(start, nl == std::string_view::npos ? nl : nl - start);
        if (n == 0)
            d.ufrag = line;
        else if (n == 1)
            d.pwd = line;
        else
            d.candidates.emplace_back(line);
        ++n;
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    const auto e = check_description(d);
    if (!e) {
        FUZZ_CHECK(d.ufrag.size() >= MIN_UFRAG && d.ufrag.size() <= MAX_UFRAG);
        FUZZ_CHECK(d.pwd.size() >= MIN_PWD && d.pwd.size() <= MAX_PWD);
        FUZZ_CHECK(!d.candidates.empty() && d.candidates.size() <= MAX_CANDIDATES);
        for (const auto& line : d.candidates)
            FUZZ_CHECK(!parse_candidate(line).problem);
    } else if (e->problem == DescriptionProblem::bad_candidate) {
        FUZZ_CHECK(e->index < d.candidates.size());
        FUZZ_CHECK(parse_candidate(d.candidates[e->index]).problem == e->candidate);
    } else {
        FUZZ_CHECK(!e->candidate);
        FUZZ_CHECK(e->problem != DescriptionProblem::relay_mismatch);
    }
    return 0;
}
