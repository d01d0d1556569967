// Fuzz target: a conformance vector file (conformance::run_vectors on parsed JSON).
//
// Vector files come from outside (sharemsg conformance FILE...), so the runner must survive
// any JSON object: no crash, no exception, and one outcome per vector it recognised. What
// the outcomes say is irrelevant here.
#include <cstddef>
#include <cstdint>
#include <exception>

#include <nlohmann/json.hpp>

#include "conformance/runner.hpp"
#include "fuzz_common.hpp"

using namespace sharemsg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return 0;
    try {
        const auto report = conformance::run_vectors(j);
        const std::size_t n = report.count(conformance::Status::pass) +
                              report.count(conformance::Status::fail) +
                              report.count(conformance::Status::intentional) +
                              report.count(conformance::Status::skip);
        std::size_t by_category = 0;
        for (const auto& c : report.by_category())
            by_category += c.pass + c.fail + c.intentional + c.skip;
        FUZZ_CHECK(by_category == report.outcomes.size());
        FUZZ_CHECK(n == report.outcomes.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "run_vectors threw: %s\n", e.what());
        FUZZ_CHECK(false);
    } catch (...) {
        std::fprintf(stderr, "run_vectors threw a non-standard exception\n");
        FUZZ_CHECK(false);
    }
    return 0;
}
