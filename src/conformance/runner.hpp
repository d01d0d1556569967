// Conformance runner: executes every vector of a file in the schema of
// ../shared/vectors/share_messages_public.json against our implementation.
//
// Any file of that schema is accepted, with other and more cases in the same categories.
// Each vector yields one Outcome. A vector is `skip`ped when its category is unknown, or
// when it disagrees with us only because the reference has a quirk we deliberately do not
// reproduce (the runner re-runs it with that quirk switched on and it then matches); the
// detail then says "intentional difference: <reason>". Malformed vectors fail with a
// detail saying what was missing; nothing here throws on bad input.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sharemsg::conformance {

enum class Status { pass, fail, skip };

struct Outcome {
    std::string category;
    std::string what;
    Status status = Status::pass;
    std::string detail;  // first mismatch for fail; reason for skip
};

struct Report {
    std::vector<Outcome> outcomes;
    std::size_t count(Status s) const;
};

Report run_vectors(const nlohmann::json& file);

}  // namespace sharemsg::conformance
