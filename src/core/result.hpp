#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace emporium::core {

// What went wrong, in terms a caller can act on. The HTTP layer maps each code to one
// status (http/problem.cpp); services never think in status codes.
enum class ErrorCode {
    kMalformed,         // the request cannot be read at all (bad JSON, wrong type, unknown field)
    kInvalidArgument,   // readable, but values break the rules; `fields` says which
    kUnauthenticated,   // no or bad credentials
    kPermissionDenied,  // authenticated, but not allowed
    kNotFound,          // does not exist, or is not yours
    kConflict,          // clashes with existing state (duplicate email, slug, sku)
    kPayloadTooLarge,
    kHeadersTooLarge,
    kUnsupportedMediaType,
    kMethodNotAllowed,
    kUnavailable,      // temporarily unable (pool full, shutting down, database busy); retry later
    kTooManyRequests,  // this caller is over a rate limit; retry after `retry_after`
    kInternal,         // a bug or an unexpected failure of a dependency
};

struct FieldError {
    std::string field;
    std::string message;
};

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    std::vector<FieldError> fields;
    // kUnavailable, kTooManyRequests: when trying again may succeed (0: the default second).
    std::chrono::seconds retry_after{0};

    static Error Malformed(std::string message) { return {ErrorCode::kMalformed, std::move(message), {}}; }
    static Error Invalid(std::vector<FieldError> fields) {
        return {ErrorCode::kInvalidArgument, "The request contains invalid values.", std::move(fields)};
    }
    static Error Invalid(std::string field, std::string message) {
        return Invalid(std::vector<FieldError>{{std::move(field), std::move(message)}});
    }
    static Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message), {}}; }
    static Error Conflict(std::string message) { return {ErrorCode::kConflict, std::move(message), {}}; }
    static Error Unauthenticated(std::string message) { return {ErrorCode::kUnauthenticated, std::move(message), {}}; }
    static Error PermissionDenied(std::string message) {
        return {ErrorCode::kPermissionDenied, std::move(message), {}};
    }
    static Error Unavailable(std::string message) { return {ErrorCode::kUnavailable, std::move(message), {}}; }
    static Error TooManyRequests(std::string message, std::chrono::seconds retry_after) {
        return {ErrorCode::kTooManyRequests, std::move(message), {}, retry_after};
    }
    static Error Internal(std::string message) { return {ErrorCode::kInternal, std::move(message), {}}; }
};

// Result<T>: a value or an Error, returned across module boundaries instead of throwing
// (std::expected is C++23; this is the subset we use).
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::move(value)) {}                              // NOLINT(google-explicit-constructor)
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& { return std::get<1>(state_); }
    Error&& error() && { return std::get<1>(std::move(state_)); }

  private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

  private:
    Error error_;
    bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace emporium::core

// Propagates the error of a Result expression out of the enclosing function.
#define EMPORIUM_TRY(expr)                                                              \
    do {                                                                                \
        auto emporium_try_result_ = (expr);                                             \
        if (!emporium_try_result_.ok()) return std::move(emporium_try_result_).error(); \
    } while (0)

#define EMPORIUM_CONCAT_INNER(a, b) a##b
#define EMPORIUM_CONCAT(a, b) EMPORIUM_CONCAT_INNER(a, b)
#define EMPORIUM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                                 \
    if (!tmp.ok()) return std::move(tmp).error();      \
    lhs = std::move(tmp).value()
// EMPORIUM_ASSIGN_OR_RETURN(auto user, repo.Find(id)); binds the value or returns the error.
#define EMPORIUM_ASSIGN_OR_RETURN(lhs, expr) \
    EMPORIUM_ASSIGN_OR_RETURN_IMPL(EMPORIUM_CONCAT(emporium_result_, __LINE__), lhs, expr)
