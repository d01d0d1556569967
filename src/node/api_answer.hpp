// What the node answers an API call with: a status and a JSON body, given to a callback that
// may run on another thread once the change is durable.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace sharemsg::node {

struct ApiAnswer {
    unsigned status = 200;
    nlohmann::ordered_json body;
};
using ApiDone = std::function<void(ApiAnswer)>;

// {"error": error, "detail": detail} with `status`.
inline ApiAnswer api_error(unsigned status, std::string error, std::string detail) {
    nlohmann::ordered_json j;
    j["error"] = std::move(error);
    j["detail"] = std::move(detail);
    return {status, std::move(j)};
}

}  // namespace sharemsg::node
