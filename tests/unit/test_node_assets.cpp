// The web pages built into sharemsgd (cmake/embed_web_assets.cmake): every file under web/ is
// served at /static/<path> byte for byte with its content type, and the dashboard at "/".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "node/assets.hpp"

using sharemsg::node::Asset;
using sharemsg::node::find_asset;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string expected_type(const fs::path& p) {
    static const std::map<std::string, std::string> types{{".html", "text/html; charset=utf-8"},
                                                          {".css", "text/css; charset=utf-8"},
                                                          {".js", "text/javascript; charset=utf-8"},
                                                          {".svg", "image/svg+xml"},
                                                          {".png", "image/png"},
                                                          {".ico", "image/x-icon"},
                                                          {".json", "application/json"},
                                                          {".txt", "text/plain; charset=utf-8"}};
    auto it = types.find(p.extension().string());
    return it == types.end() ? "" : it->second;
}

}  // namespace

TEST(NodeAssets, EveryWebFileIsServedWithItsContentType) {
    const fs::path web = SHAREMSG_WEB_DIR;
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(web)) {
        if (!e.is_regular_file() || e.path().filename().string().starts_with(".")) continue;
        const std::string rel = fs::relative(e.path(), web).generic_string();
        SCOPED_TRACE(rel);
        const Asset* a = find_asset("/static/" + rel);
        ASSERT_NE(a, nullptr) << "web/" << rel << " is not built in";
        EXPECT_EQ(a->path, "/static/" + rel);
        EXPECT_EQ(a->content_type, expected_type(e.path()));
        EXPECT_FALSE(a->content_type.empty());
        EXPECT_EQ(a->body, slurp(e.path())) << "stale copy: rebuild";
        ++n;
    }
    EXPECT_GE(n, 4u);  // index.html, bbs.html, the style sheet and the scripts at least
}

TEST(NodeAssets, DashboardAtRootAndPagesUnderStatic) {
    const Asset* root = find_asset("/");
    ASSERT_NE(root, nullptr);
    EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
    const Asset* index = find_asset("/static/index.html");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(root->body, index->body);
    const Asset* bbs = find_asset("/static/bbs.html");
    ASSERT_NE(bbs, nullptr);
    EXPECT_EQ(bbs->content_type, "text/html; charset=utf-8");
    EXPECT_NE(bbs->body.find("<!doctype html>"), std::string_view::npos);
}

TEST(NodeAssets, UnknownPathsAreNotFound) {
    for (const char* p : {"", "/static/", "/static", "/bbs.html", "/static/nope.html",
                          "/static/../web/bbs.html", "/static/bbs.html?x=1", "/STATIC/bbs.html"})
        EXPECT_EQ(find_asset(p), nullptr) << p;
}

TEST(NodeAssets, PagesLoadNothingFromOutside) {
    // No CDN, no fonts, nothing from the internet: every page's references are local.
    for (const char* p : {"/", "/static/bbs.html"}) {
        const Asset* a = find_asset(p);
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->body.find("http://"), std::string_view::npos) << p;
        EXPECT_EQ(a->body.find("https://"), std::string_view::npos) << p;
        EXPECT_EQ(a->body.find("//cdn"), std::string_view::npos) << p;
    }
}
