#include "gateway/static_files.hpp"

#include <array>
#include <utility>

#include "core/random.hpp"
#include "core/result.hpp"
#include "http/gzip.hpp"
#include "http/problem.hpp"

namespace emporium::gateway {

namespace {

// Pages load scripts, styles and images only from this origin, and nothing inline: an
// injected <script> or style= attribute does not run even if some text slipped through.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string ETagOf(std::string_view body) { return "\"" + core::Sha256Hex(body).substr(0, 16) + "\""; }

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view path) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes = {{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".json", "application/json; charset=utf-8"},
        {".woff2", "font/woff2"},
    }};
    for (const auto& [extension, type] : kTypes)
        if (path.ends_with(extension)) return type;
    return "application/octet-stream";
}

StaticFiles::StaticFiles(const std::vector<core::EmbeddedFile>& files, std::string_view root,
                         std::string_view shell_path) {
    // std::map keeps the paths sorted, so the version does not depend on embedding order.
    std::map<std::string_view, std::string_view> taken;
    for (const auto& file : files)
        if (file.path.starts_with(root) && file.path.size() > root.size())
            taken.emplace(file.path.substr(root.size()), file.content);
    std::string all;
    for (const auto& [path, content] : taken) {
        all.append(path).push_back('\0');
        all.append(std::to_string(content.size())).push_back('\0');
        all.append(content);
    }
    version_ = core::Sha256Hex(all).substr(0, 16);
    std::string preloads;
    for (const auto& [path, content] : taken) {
        StoredAsset asset{std::string(ContentTypeFor(path)), {content, ETagOf(content)}};
        asset.body.Compress(asset.content_type);
        assets_.emplace(std::string(path), std::move(asset));
        // The console's modules are imported when /admin is opened: a shopper's page does not
        // preload them.
        if (path.ends_with(".js") && !path.starts_with("app/admin"))
            preloads += "<link rel=\"modulepreload\" href=\"/assets/" + version_ + "/" + std::string(path) + "\">\n";
    }
    if (auto shell = taken.find(shell_path); shell != taken.end()) {
        shell_ = ReplaceAll(ReplaceAll(std::string(shell->second), "{{modulepreload}}", preloads), "{{assets}}",
                            "/assets/" + version_);
    }
    shell_body_ = Representations{shell_, ETagOf(shell_)};
    shell_body_.Compress("text/html");
}

void StaticFiles::Representations::Compress(std::string_view content_type) {
    bool text = content_type.starts_with("text/") || content_type.starts_with("image/svg") ||
                content_type.starts_with("application/json");
    if (!text) return;  // images and fonts are compressed already
    auto compressed = http::Gzip(body);
    if (!compressed || compressed->size() >= body.size()) return;
    gzipped = std::move(*compressed);
    gzipped_etag = ETagOf(gzipped);
}

void StaticFiles::Representations::Fill(http::Response& response, bool gzip) const {
    if (!gzipped.empty()) response.SetHeader("Vary", "Accept-Encoding");
    if (gzip && !gzipped.empty()) {
        response.body = gzipped;
        response.SetHeader("Content-Encoding", "gzip");
        response.SetHeader("ETag", gzipped_etag);
    } else {
        response.body = std::string(body);
        response.SetHeader("ETag", etag);
    }
}

std::optional<http::Response> StaticFiles::Asset(std::string_view version, std::string_view path, bool gzip) const {
    if (version != version_) return std::nullopt;
    auto found = assets_.find(path);
    if (found == assets_.end()) return std::nullopt;
    http::Response response;
    response.content_type = found->second.content_type;
    response.SetHeader("Cache-Control", "public, max-age=31536000, immutable");
    found->second.body.Fill(response, gzip);
    return response;
}

http::Response StaticFiles::Shell(bool gzip) const {
    http::Response response;
    response.content_type = "text/html; charset=utf-8";
    response.SetHeader("Cache-Control", "no-cache");
    shell_body_.Fill(response, gzip);
    response.SetHeader("Content-Security-Policy", std::string(kPagePolicy));
    return response;
}

bool IsPagePath(std::string_view path) {
    auto one_segment_under = [&path](std::string_view prefix) {
        return path.size() > prefix.size() && path.starts_with(prefix) &&
               path.find('/', prefix.size()) == std::string_view::npos;
    };
    return path == "/" || path == "/search" || path == "/cart" || path == "/checkout" || path == "/account/orders" ||
           path == "/signin" || path == "/signup" || path == "/admin" || path.starts_with("/admin/") ||
           one_segment_under("/categories/") || one_segment_under("/products/") || one_segment_under("/orders/");
}

bool AcceptsHtml(const http::Request& request) {
    return request.Header("accept").find("text/html") != std::string_view::npos;
}

void RegisterStaticRoutes(http::Router& router, const StaticFiles& files) {
    using http::Access;
    using http::Execution;
    using http::Method;
    using http::Request;
    // A page of the storefront gets the shell; any other path is unknown: a browser gets the
    // shell with 404 (it draws the "not found" page with links onwards), any other client
    // the same problem document as an unknown API path.
    auto shell = [&files](Request& request) {
        if (IsPagePath(request.path)) return files.Shell(http::AcceptsGzip(request));
        if (!AcceptsHtml(request))
            return http::ProblemResponse(core::Error::NotFound("No resource at this path."), request.path);
        http::Response response = files.Shell(http::AcceptsGzip(request));
        response.status = 404;
        return response;
    };
    router.Add(Method::kGet, "/", Access::kPublic, shell, Execution::kInline);
    auto& pages = router.Add(Method::kGet, "/{page}", Access::kPublic, shell, Execution::kInline);
    pages.last_parameter_takes_rest = true;
    pages.last_resort = true;
    pages.last_resort_excludes = {"api", "health", "metrics", "assets"};
    auto& assets = router.Add(
        Method::kGet, "/assets/{hash}/{path}", Access::kPublic,
        [&files](Request& request) {
            auto asset = files.Asset(request.PathParam("hash"), request.PathParam("path"), http::AcceptsGzip(request));
            // An old version's URL is gone, not redirected: the shell that named it is stale too.
            if (!asset) return http::ProblemResponse(core::Error::NotFound("No asset at this path."), request.path);
            return std::move(*asset);
        },
        Execution::kInline);
    assets.last_parameter_takes_rest = true;
}

}  // namespace emporium::gateway
