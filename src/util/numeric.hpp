// Conversions from double (clocks, JSON numbers) to integers that are defined for every
// input: out-of-range values saturate, NaN becomes 0. A plain static_cast of an
// out-of-range double is undefined behaviour.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace sharemsg {

template <class Int>
Int saturate_cast(double v) {
    if (std::isnan(v)) return 0;
    v = std::trunc(v);
    if (v <= static_cast<double>(std::numeric_limits<Int>::min()))
        return std::numeric_limits<Int>::min();
    if (v >= static_cast<double>(std::numeric_limits<Int>::max()))
        return std::numeric_limits<Int>::max();
    return static_cast<Int>(v);
}

}  // namespace sharemsg
