// A value, or the reason it could not be had: a problem enum of the caller's format and a
// detail for people. Decisions are taken on the problem, never on the detail's text. The
// relay's and the gossip's formats (src/relay/problem.hpp, src/gossip/problem.hpp) each name
// their own Problem enum and use these with it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sharemsg::util {

template <class Problem>
struct Failure {
    Problem problem;
    std::string detail;  // for people: names the field and what is wrong with it
};

template <class T, class Problem>
class Checked {
  public:
    Checked(T v) : v_(std::move(v)) {}  // NOLINT(implicit)
    Checked(Failure<Problem> f)         // NOLINT(implicit)
        : v_(std::in_place_index<1>, std::move(f)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Failure<Problem>& failure() const { return std::get<1>(v_); }

  private:
    std::variant<T, Failure<Problem>> v_;
};

}  // namespace sharemsg::util
