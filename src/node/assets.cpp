#include "node/assets.hpp"

namespace sharemsg::node {

// Until the pages are built in: a plain index that points at the API.
const Asset* find_asset(std::string_view path) {
    static const Asset index{"/", "text/html; charset=utf-8",
                             "<!doctype html><title>sharemsgd</title><p>sharemsgd: see "
                             "<a href=\"/msg/recent\">/msg/recent</a></p>"};
    return path == "/" ? &index : nullptr;
}

}  // namespace sharemsg::node
