#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace emporium::http {

// `data` compressed as a gzip member (RFC 1952), at the best compression: for bodies
// compressed once and sent many times (the storefront's files, at start-up). nullopt when
// zlib fails (no memory): the caller sends the body as it is.
std::optional<std::string> Gzip(std::string_view data);

// Whether the request's Accept-Encoding takes gzip (a `gzip;q=0` refuses it).
bool AcceptsGzip(const Request& request);

}  // namespace emporium::http
