// Conformance runner: executes every vector of a file in the schema of
// vectors/reference/share_messages_public.json against our implementation.
//
// Any file of that schema is accepted, with other and more cases in the same categories;
// scenario steps are parsed from the call each one names (vectors/reference/README.md,
// "Scenario steps"). Each vector (or scenario step) yields one Outcome:
//   pass         we do what the reference recorded, refusals included;
//   fail         we do something else (detail: the first mismatch), or the vector is
//                malformed (detail: "malformed vector: <what is missing>");
//   intentional  we differ on purpose (docs/protocol-differences.md), shown by re-running
//                the vector with the reference's quirk switched on, or recognised from the
//                vector itself; detail: the reason;
//   skip         the category is unknown to this runner (detail says so).
// Nothing here throws on bad input.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sharemsg::conformance {

enum class Status { pass, fail, intentional, skip };

const char* status_name(Status s);

struct Outcome {
    std::string category;
    std::string what;
    Status status = Status::pass;
    std::string detail;  // first mismatch for fail; the reason for intentional and skip
};

struct Report {
    std::vector<Outcome> outcomes;
    std::size_t count(Status s) const;
    // Outcomes per category, in the order categories first appear.
    struct CategoryCounts {
        std::string category;
        std::size_t pass = 0, fail = 0, intentional = 0, skip = 0;
    };
    std::vector<CategoryCounts> by_category() const;
};

Report run_vectors(const nlohmann::json& file);

}  // namespace sharemsg::conformance
