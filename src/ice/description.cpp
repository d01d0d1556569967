#include "ice/description.hpp"

#include <arpa/inet.h>

#include <array>

namespace sharemsg::ice {

namespace {

constexpr std::string_view kPrefixes[] = {"a=candidate:", "candidate:"};

bool ice_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool ice_chars(std::string_view s) {
    for (char c : s)
        if (!ice_char(c)) return false;
    return true;
}

// A decimal without sign or leading zeros, at most `max`.
std::optional<std::uint64_t> decimal(std::string_view s, std::uint64_t max) {
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

bool numeric_ip(std::string_view s) {
    if (s.empty() || s.size() > 45) return false;
    const std::string z(s);
    std::array<unsigned char, 16> buf{};
    return ::inet_pton(AF_INET, z.c_str(), buf.data()) == 1 ||
           ::inet_pton(AF_INET6, z.c_str(), buf.data()) == 1;
}

bool equals_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (x != b[i]) return false;
    }
    return true;
}

CandidateResult refuse(CandidateProblem p) {
    return CandidateResult{std::nullopt, p};
}

}  // namespace

const char* candidate_type_name(CandidateType type) {
    switch (type) {
        case CandidateType::host:
            return "host";
        case CandidateType::srflx:
            return "srflx";
        case CandidateType::prflx:
            return "prflx";
        case CandidateType::relay:
            return "relay";
    }
    return "unknown";
}

const char* candidate_problem_name(CandidateProblem problem) {
    switch (problem) {
        case CandidateProblem::too_long:
            return "too_long";
        case CandidateProblem::not_printable:
            return "not_printable";
        case CandidateProblem::bad_prefix:
            return "bad_prefix";
        case CandidateProblem::bad_syntax:
            return "bad_syntax";
        case CandidateProblem::bad_foundation:
            return "bad_foundation";
        case CandidateProblem::bad_component:
            return "bad_component";
        case CandidateProblem::bad_transport:
            return "bad_transport";
        case CandidateProblem::bad_priority:
            return "bad_priority";
        case CandidateProblem::bad_address:
            return "bad_address";
        case CandidateProblem::bad_port:
            return "bad_port";
        case CandidateProblem::bad_type:
            return "bad_type";
        case CandidateProblem::bad_related:
            return "bad_related";
        case CandidateProblem::trailing:
            return "trailing";
    }
    return "unknown";
}

const char* description_problem_name(DescriptionProblem problem) {
    switch (problem) {
        case DescriptionProblem::bad_ufrag:
            return "bad_ufrag";
        case DescriptionProblem::bad_pwd:
            return "bad_pwd";
        case DescriptionProblem::no_candidates:
            return "no_candidates";
        case DescriptionProblem::too_many_candidates:
            return "too_many_candidates";
        case DescriptionProblem::bad_candidate:
            return "bad_candidate";
        case DescriptionProblem::relay_mismatch:
            return "relay_mismatch";
    }
    return "unknown";
}

CandidateResult parse_candidate(std::string_view line) {
    if (line.size() > MAX_CANDIDATE_LINE) return refuse(CandidateProblem::too_long);
    for (char c : line)
        if (c < 0x20 || c > 0x7e) return refuse(CandidateProblem::not_printable);
    std::string_view rest;
    bool prefixed = false;
    for (auto p : kPrefixes) {
        if (line.substr(0, p.size()) == p) {
            rest = line.substr(p.size());
            prefixed = true;
            break;
        }
    }
    if (!prefixed) return refuse(CandidateProblem::bad_prefix);

    // Fields separated by exactly one space: no empty field anywhere.
    std::vector<std::string_view> f;
    std::size_t start = 0;
    while (true) {
        const auto sp = rest.find(' ', start);
        const auto tok = rest.substr(start, sp == std::string_view::npos ? sp : sp - start);
        if (tok.empty()) return refuse(CandidateProblem::bad_syntax);
        f.push_back(tok);
        if (sp == std::string_view::npos) break;
        start = sp + 1;
    }
    if (f.size() < 8) return refuse(CandidateProblem::bad_syntax);

    Candidate c;
    if (f[0].size() > MAX_FOUNDATION || !ice_chars(f[0]))
        return refuse(CandidateProblem::bad_foundation);
    c.foundation = std::string(f[0]);
    if (f[1] != "1") return refuse(CandidateProblem::bad_component);
    if (!equals_nocase(f[2], "UDP")) return refuse(CandidateProblem::bad_transport);
    const auto prio = decimal(f[3], 0xFFFFFFFFu);
    if (!prio || *prio == 0) return refuse(CandidateProblem::bad_priority);
    c.priority = static_cast<std::uint32_t>(*prio);
    if (!numeric_ip(f[4])) return refuse(CandidateProblem::bad_address);
    c.address = std::string(f[4]);
    const auto port = decimal(f[5], 65535);
    if (!port || *port == 0) return refuse(CandidateProblem::bad_port);
    c.port = static_cast<std::uint16_t>(*port);
    if (f[6] != "typ") return refuse(CandidateProblem::bad_type);
    if (f[7] == "host")
        c.type = CandidateType::host;
    else if (f[7] == "srflx")
        c.type = CandidateType::srflx;
    else if (f[7] == "prflx")
        c.type = CandidateType::prflx;
    else if (f[7] == "relay")
        c.type = CandidateType::relay;
    else
        return refuse(CandidateProblem::bad_type);

    std::size_t i = 8;
    if (i < f.size() && (f[i] == "raddr" || f[i] == "rport")) {
        if (c.type == CandidateType::host || f.size() < i + 4 || f[i] != "raddr" ||
            f[i + 2] != "rport" || !numeric_ip(f[i + 1]))
            return refuse(CandidateProblem::bad_related);
        const auto rport = decimal(f[i + 3], 65535);
        if (!rport) return refuse(CandidateProblem::bad_related);
        c.related_address = std::string(f[i + 1]);
        c.related_port = static_cast<std::uint16_t>(*rport);
        i += 4;
    }
    if (i != f.size()) return refuse(CandidateProblem::trailing);
    return CandidateResult{std::move(c), std::nullopt};
}

std::optional<DescriptionError> check_description(const Description& d) {
    if (d.ufrag.size() < MIN_UFRAG || d.ufrag.size() > MAX_UFRAG || !ice_chars(d.ufrag))
        return DescriptionError{DescriptionProblem::bad_ufrag, 0, std::nullopt};
    if (d.pwd.size() < MIN_PWD || d.pwd.size() > MAX_PWD || !ice_chars(d.pwd))
        return DescriptionError{DescriptionProblem::bad_pwd, 0, std::nullopt};
    if (d.candidates.empty())
        return DescriptionError{DescriptionProblem::no_candidates, 0, std::nullopt};
    if (d.candidates.size() > MAX_CANDIDATES)
        return DescriptionError{DescriptionProblem::too_many_candidates, 0, std::nullopt};
    for (std::size_t i = 0; i < d.candidates.size(); ++i) {
        const auto r = parse_candidate(d.candidates[i]);
        if (r.problem) return DescriptionError{DescriptionProblem::bad_candidate, i, r.problem};
    }
    return std::nullopt;
}

std::string libnice_line(std::string_view line) {
    if (line.substr(0, 2) == "a=") return std::string(line);
    return "a=" + std::string(line);
}

}  // namespace sharemsg::ice
