#include "conformance/runner.hpp"

#include <algorithm>
#include <cmath>

#include "conformance/ref_hash_vectors.hpp"
#include "conformance/support.hpp"

namespace sharemsg::conformance {

const char* status_name(Status s) {
    switch (s) {
        case Status::pass:
            return "pass";
        case Status::fail:
            return "FAIL";
        case Status::intentional:
            return "intentional difference";
        case Status::skip:
            return "skip";
    }
    return "?";
}

std::vector<Report::CategoryCounts> Report::by_category() const {
    std::vector<CategoryCounts> out;
    for (const auto& o : outcomes) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const CategoryCounts& c) { return c.category == o.category; });
        if (it == out.end()) it = out.insert(out.end(), CategoryCounts{o.category});
        switch (o.status) {
            case Status::pass:
                ++it->pass;
                break;
            case Status::fail:
                ++it->fail;
                break;
            case Status::intentional:
                ++it->intentional;
                break;
            case Status::skip:
                ++it->skip;
                break;
        }
    }
    return out;
}

std::size_t Report::count(Status s) const {
    std::size_t n = 0;
    for (const auto& o : outcomes)
        n += o.status == s;
    return n;
}

namespace {
const std::vector<std::pair<const char*, CategoryFn>>& categories() {
    static const std::vector<std::pair<const char*, CategoryFn>> table{
        {"constants", run_constants},
        {"signing_keys_used", run_signing_keys_used},
        {"derived_signing_key", run_derived_signing_key},
        {"share_message", run_share_message},
        {"share_message_unpack", run_share_message_unpack},
        {"authority_envelope", run_authority_envelope},
        {"unpack_share_messages", run_unpack_share_messages},
        {"pack_share_messages", run_pack_share_messages},
        {"ban_list", run_ban_list},
        {"message_store", run_message_store},
        {"message_store_extra", run_message_store_extra},
        {"builders", run_builders},
        {"mainnet_transition_blob", run_mainnet_transition_blob},
        {"signing_key_registry", run_signing_key_registry},
        {"ref_hash",
         [](const Context&, const json& cat, std::vector<Outcome>& out) {
             for (auto& o : run_ref_hash_vectors(cat))
                 out.push_back(std::move(o));
         }},
        {"cross_impl_refhash_test",
         [](const Context&, const json& cat, std::vector<Outcome>& out) {
             for (auto& o : run_cross_impl_refhash_vectors(cat))
                 out.push_back(std::move(o));
         }},
    };
    return table;
}
}  // namespace

namespace {
// JSON numbers are read with nlohmann's get<Int>(), which converts a float with a plain
// static_cast: undefined behaviour when the value does not fit. Vector files are outside
// input, so before anything reads them: integral floats become integers (where they fit),
// and floats no integer field could hold become a string, so reading them as a number fails
// as a malformed vector instead.
void tame_numbers(json& j) {
    if (j.is_object() || j.is_array()) {
        for (auto& v : j)
            tame_numbers(v);
        return;
    }
    if (!j.is_number_float()) return;
    const double v = j.get<double>();
    const double two63 = 9223372036854775808.0, two31 = 2147483648.0;
    if (!std::isfinite(v) || std::fabs(v) >= two63) {
        j = "(number out of range)";
    } else if (v == std::trunc(v)) {
        j = static_cast<std::int64_t>(v);
    } else if (std::fabs(v) >= two31) {
        j = "(number out of range)";
    }
}
}  // namespace

Report run_vectors(const json& input) {
    Report report;
    json file = input;
    tame_numbers(file);
    if (!file.is_object()) {
        report.outcomes.push_back(
            {"(file)", "top level", Status::fail, "vector file is not a JSON object"});
        return report;
    }
    const Context ctx(file);
    for (const auto& [key, value] : file.items()) {
        if (key == "meta") continue;
        bool known = false;
        for (const auto& [name, fn] : categories()) {
            if (key != name) continue;
            known = true;
            try {
                fn(ctx, value, report.outcomes);
            } catch (const std::exception& e) {
                report.outcomes.push_back({key, "(category)", Status::fail,
                                           std::string("malformed category: ") + e.what()});
            }
        }
        if (!known)
            report.outcomes.push_back({key, "(category)", Status::skip,
                                       "unknown category: this runner has no check for it"});
    }
    return report;
}

}  // namespace sharemsg::conformance
