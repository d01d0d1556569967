// Compact JSON text exactly as Python's json.dumps(obj, separators=(',', ':')) writes it
// (ensure_ascii, repr-style floats, keys in insertion order). Message payloads built by the
// reference are this text, so byte-exact builders need it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sharemsg {

std::string python_json_dumps(const nlohmann::ordered_json& j);
// Python's repr() of a float.
std::string python_float_repr(double v);

}  // namespace sharemsg
