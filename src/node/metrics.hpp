// Prometheus counters of the node, rendered as text exposition format.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace sharemsg::node {

class Metrics {
  public:
    // Adds `by` to the counter `name` with the given label set (e.g. {"reason","pow"}).
    void inc(const std::string& name, const std::string& labels = "", double by = 1);
    void set(const std::string& name, const std::string& labels, double value);
    double get(const std::string& name, const std::string& labels = "") const;
    // "# TYPE name counter|gauge" lines and samples, sorted by name.
    std::string render() const;

  private:
    struct Series {
        bool gauge = false;
        std::map<std::string, double> values;  // label text -> value
    };
    mutable std::mutex mu_;
    std::map<std::string, Series> series_;
};

}  // namespace sharemsg::node
