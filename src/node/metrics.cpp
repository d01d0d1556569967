#include "node/metrics.hpp"

#include <cstdio>

namespace sharemsg::node {

void Metrics::inc(const std::string& name, const std::string& labels, double by) {
    std::lock_guard lk(mu_);
    series_[name].values[labels] += by;
}

void Metrics::set(const std::string& name, const std::string& labels, double value) {
    std::lock_guard lk(mu_);
    auto& s = series_[name];
    s.gauge = true;
    s.values[labels] = value;
}

double Metrics::get(const std::string& name, const std::string& labels) const {
    std::lock_guard lk(mu_);
    auto it = series_.find(name);
    if (it == series_.end()) return 0;
    auto v = it->second.values.find(labels);
    return v == it->second.values.end() ? 0 : v->second;
}

std::string Metrics::render() const {
    std::lock_guard lk(mu_);
    std::string out;
    char num[64];
    for (const auto& [name, s] : series_) {
        out += "# TYPE " + name + (s.gauge ? " gauge\n" : " counter\n");
        for (const auto& [labels, v] : s.values) {
            std::snprintf(num, sizeof num, "%.17g", v);
            out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + num + "\n";
        }
    }
    return out;
}

}  // namespace sharemsg::node
