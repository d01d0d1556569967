// The web pages sharemsgd serves (dashboard, BBS), built into the binary at build time.
#pragma once

#include <string_view>

namespace sharemsg::node {

struct Asset {
    std::string_view path;          // "/", "/static/bbs.html", ...
    std::string_view content_type;  // "text/html; charset=utf-8", ...
    std::string_view body;
};

// The asset served at `path`, or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace sharemsg::node
