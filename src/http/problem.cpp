#include "http/problem.hpp"

#include <algorithm>

#include "core/json_writer.hpp"

namespace emporium::http {

using core::ErrorCode;

int StatusFor(ErrorCode code) {
    switch (code) {
        case ErrorCode::kMalformed:
            return 400;
        case ErrorCode::kInvalidArgument:
            return 422;
        case ErrorCode::kUnauthenticated:
            return 401;
        case ErrorCode::kPermissionDenied:
            return 403;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kMethodNotAllowed:
            return 405;
        case ErrorCode::kConflict:
            return 409;
        case ErrorCode::kPayloadTooLarge:
            return 413;
        case ErrorCode::kHeadersTooLarge:
            return 431;
        case ErrorCode::kUnsupportedMediaType:
            return 415;
        case ErrorCode::kUnavailable:
            return 503;
        case ErrorCode::kTooManyRequests:
            return 429;
        case ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

std::string_view ReasonPhrase(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Error";
    }
}

namespace {
std::string_view TypeSlug(int status) {
    switch (status) {
        case 400:
            return "malformed-request";
        case 401:
            return "unauthenticated";
        case 403:
            return "forbidden";
        case 404:
            return "not-found";
        case 405:
            return "method-not-allowed";
        case 409:
            return "conflict";
        case 413:
            return "payload-too-large";
        case 415:
            return "unsupported-media-type";
        case 422:
            return "validation-failed";
        case 429:
            return "too-many-requests";
        case 431:
            return "headers-too-large";
        case 503:
            return "service-unavailable";
        default:
            return "internal-error";
    }
}
}  // namespace

Response ProblemResponse(const core::Error& error, std::string_view instance) {
    Response response;
    response.status = StatusFor(error.code);
    response.content_type = "application/problem+json";
    core::JsonWriter json(response.body);
    json.BeginObject()
        .Field("type", std::string("https://emporium.dev/problems/") + std::string(TypeSlug(response.status)))
        .Field("title", ReasonPhrase(response.status))
        .Field("status", response.status)
        .Field("detail", response.status == 500 ? std::string_view("An unexpected error occurred.")
                                                : std::string_view(error.message))
        .Field("instance", instance);
    json.Key("errors").BeginArray();
    for (const auto& field : error.fields)
        json.BeginObject().Field("field", field.field).Field("message", field.message).EndObject();
    json.EndArray();
    json.EndObject();
    if (response.status == 500) response.internal_error = error.message;
    if (response.status == 401) response.SetHeader("WWW-Authenticate", "Bearer");
    if (response.status == 503 || response.status == 429)
        response.SetHeader("Retry-After", std::to_string(std::max<int64_t>(1, error.retry_after.count())));
    return response;
}

}  // namespace emporium::http
