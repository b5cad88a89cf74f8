#pragma once

#include <string_view>

#include "core/result.hpp"
#include "http/message.hpp"

namespace emporium::http {

// The one table from ErrorCode to HTTP status.
int StatusFor(core::ErrorCode code);

// An RFC 9457 application/problem+json response for `error`; `instance` is the request path.
Response ProblemResponse(const core::Error& error, std::string_view instance);

std::string_view ReasonPhrase(int status);

}  // namespace emporium::http
