#include "conformance/runner.hpp"

#include "conformance/support.hpp"

#if __has_include("chain/refhash_vectors.hpp")
#include "chain/refhash_vectors.hpp"
#define SHAREMSG_HAVE_CHAIN 1
#endif

namespace sharemsg::conformance {

std::size_t Report::count(Status s) const {
    std::size_t n = 0;
    for (const auto& o : outcomes) n += o.status == s;
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
#ifdef SHAREMSG_HAVE_CHAIN
        {"ref_hash",
         [](const Context&, const json& cat, std::vector<Outcome>& out) {
             for (auto& o : chain::run_ref_hash_vectors(cat))
                 out.push_back({"ref_hash", o.what, static_cast<Status>(o.status), o.detail});
         }},
        {"cross_impl_refhash_test",
         [](const Context&, const json& cat, std::vector<Outcome>& out) {
             for (auto& o : chain::run_cross_impl_refhash_vectors(cat))
                 out.push_back({"cross_impl_refhash_test", o.what, static_cast<Status>(o.status), o.detail});
         }},
#endif
    };
    return table;
}
}  // namespace

Report run_vectors(const json& file) {
    Report report;
    if (!file.is_object()) {
        report.outcomes.push_back({"(file)", "top level", Status::fail, "vector file is not a JSON object"});
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
                report.outcomes.push_back({key, "(category)", Status::fail, std::string("malformed category: ") + e.what()});
            }
        }
        if (!known) report.outcomes.push_back({key, "(category)", Status::skip, "unknown category"});
    }
    return report;
}

}  // namespace sharemsg::conformance
