#include "gateway/static_files.hpp"

#include <gtest/gtest.h>

namespace emporium::gateway {
namespace {

std::vector<core::EmbeddedFile> Web(std::string_view main_js) {
    return {
        {"api/openapi.json", "{}"},
        {"web/index.html",
         "<link href=\"{{assets}}/app.css\">{{modulepreload}}<script src=\"{{assets}}/app/main.js\">"},
        {"web/app.css", "body{}"},
        {"web/app/main.js", main_js},
        {"web/app/admin/console.js", "export {};"},
    };
}

TEST(StaticFiles, ServesAssetsUnderTheVersionOfAllFilesForAYear) {
    StaticFiles files(Web("import './api.js';"));
    ASSERT_EQ(files.version().size(), 16u);
    auto js = files.Asset(files.version(), "app/main.js");
    ASSERT_TRUE(js.has_value());
    EXPECT_EQ(js->body, "import './api.js';");
    EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(js->Header("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_FALSE(js->Header("ETag").empty());
    EXPECT_EQ(files.Asset(files.version(), "app.css")->content_type, "text/css; charset=utf-8");
    EXPECT_FALSE(files.Asset("0123456789abcdef", "app/main.js").has_value());
    EXPECT_FALSE(files.Asset(files.version(), "openapi.json").has_value());  // only web/ is served
    EXPECT_FALSE(files.Asset(files.version(), "../api/openapi.json").has_value());
}

TEST(StaticFiles, TextComesGzippedToClientsThatTakeIt) {
    std::string module;
    for (int i = 0; i < 100; ++i) module += "import {h} from './dom.js';\n";
    StaticFiles files(Web(module));
    auto plain = files.Asset(files.version(), "app/main.js");
    auto gzipped = files.Asset(files.version(), "app/main.js", /*gzip=*/true);
    ASSERT_TRUE(plain && gzipped);
    EXPECT_EQ(plain->body, module);
    EXPECT_EQ(plain->Header("Content-Encoding"), "");
    EXPECT_EQ(gzipped->Header("Content-Encoding"), "gzip");
    EXPECT_LT(gzipped->body.size(), module.size() / 10);
    // Two representations: each its own ETag, and caches told that the choice depends on the request.
    EXPECT_NE(plain->Header("ETag"), gzipped->Header("ETag"));
    EXPECT_EQ(plain->Header("Vary"), "Accept-Encoding");
    EXPECT_EQ(gzipped->Header("Vary"), "Accept-Encoding");
    EXPECT_EQ(files.Shell(true).Header("Content-Encoding"), "gzip");
    // A file too small to gain ("body{}") is sent as it is, whatever the client takes.
    auto css = files.Asset(files.version(), "app.css", true);
    EXPECT_EQ(css->Header("Content-Encoding"), "");
    EXPECT_EQ(css->Header("Vary"), "");
    EXPECT_EQ(css->body, "body{}");
}

TEST(StaticFiles, AnyChangedFileChangesTheVersion) {
    EXPECT_EQ(StaticFiles(Web("a")).version(), StaticFiles(Web("a")).version());
    EXPECT_NE(StaticFiles(Web("a")).version(), StaticFiles(Web("b")).version());
}

TEST(StaticFiles, ShellNamesTheCurrentAssetsAndForbidsInlineScript) {
    StaticFiles files(Web("x"));
    auto shell = files.Shell();
    std::string prefix = "/assets/" + files.version();
    EXPECT_NE(shell.body.find("href=\"" + prefix + "/app.css\""), std::string::npos) << shell.body;
    EXPECT_NE(shell.body.find("<link rel=\"modulepreload\" href=\"" + prefix + "/app/main.js\">"), std::string::npos);
    // The console's modules load when /admin is opened, not with every shopper's page.
    EXPECT_EQ(shell.body.find("/app/admin/"), std::string::npos);
    EXPECT_TRUE(files.Asset(files.version(), "app/admin/console.js").has_value());
    EXPECT_EQ(shell.body.find("{{"), std::string::npos);
    EXPECT_EQ(shell.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(shell.Header("Cache-Control"), "no-cache");
    EXPECT_NE(shell.Header("Content-Security-Policy").find("script-src 'self';"), std::string::npos);
    EXPECT_EQ(shell.Header("Content-Security-Policy").find("unsafe-inline"), std::string::npos);
}

}  // namespace
}  // namespace emporium::gateway
