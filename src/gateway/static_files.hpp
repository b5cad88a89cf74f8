#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/embedded_files.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace emporium::gateway {

// The storefront (web/): an HTML shell and the assets it loads, compiled into the binary.
//
// Every asset is served under /assets/<version>/<path>, where <version> is a hash of all
// the files together, so a browser may keep an asset for a year: a change to any file
// gives every URL a new version. The shell is the one document that is revalidated; it
// names the current version. Built once at start-up; read-only and thread-safe after.
class StaticFiles {
  public:
    // `files` are paths relative to the repository root; those under `root` ("web/") are
    // taken. `shell_path` (relative to root) is the HTML page every page URL answers with;
    // in it "{{assets}}" becomes "/assets/<version>" and "{{modulepreload}}" a preload
    // link per JavaScript module (the console's, under app/admin, excepted: they load when
    // /admin is opened), so the browser fetches them all at once, not one import at a time.
    StaticFiles(const std::vector<core::EmbeddedFile>& files, std::string_view root = "web/",
                std::string_view shell_path = "index.html");
    // The shell's representations point into the object itself.
    StaticFiles(const StaticFiles&) = delete;
    StaticFiles& operator=(const StaticFiles&) = delete;

    // 16 hex digits of the SHA-256 of every file (paths and contents).
    const std::string& version() const { return version_; }
    // The asset at `path` (relative to root) if `version` is the current one, else nullopt.
    // Text files come gzip-compressed (compressed once, here) when `gzip` (the client takes it).
    std::optional<http::Response> Asset(std::string_view version, std::string_view path, bool gzip = false) const;
    // The HTML shell with its own strict Content-Security-Policy, revalidated on every use.
    http::Response Shell(bool gzip = false) const;
    bool empty() const { return assets_.empty(); }

  private:
    // A body as it is and, when it compresses, gzip-compressed, each with its own ETag (two
    // representations of one resource: RFC 9110 §8.8.3).
    struct Representations {
        std::string_view body;
        std::string etag;
        std::string gzipped;  // empty: sent as it is
        std::string gzipped_etag;
        void Compress(std::string_view content_type);
        void Fill(http::Response& response, bool gzip) const;
    };
    struct StoredAsset {
        std::string content_type;
        Representations body;
    };
    std::map<std::string, StoredAsset, std::less<>> assets_;
    std::string version_;
    std::string shell_;
    Representations shell_body_;
};

// Whether `path` is one of the storefront's pages (web/app/main.js's routes): those answer
// the shell with 200, other paths 404.
bool IsPagePath(std::string_view path);

// The media type for a file name's extension (application/octet-stream when unknown).
std::string_view ContentTypeFor(std::string_view path);

// GET /, GET /{page} (any path no other route knows, outside /api, /health, /metrics and
// /assets: the shell, so that every page URL of the storefront survives a reload) and
// GET /assets/{hash}/{path}. `files` must outlive the router.
void RegisterStaticRoutes(http::Router& router, const StaticFiles& files);

}  // namespace emporium::gateway
