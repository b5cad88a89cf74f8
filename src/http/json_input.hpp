#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace emporium::http {

// Limits on a JSON request body beyond the server's body size (docs/API.md "Request bodies").
inline constexpr int kMaxJsonDepth = 32;                    // nested arrays and objects
inline constexpr std::size_t kMaxJsonArrayElements = 1000;  // in any one array
inline constexpr std::size_t kMaxJsonObjectMembers = 1000;  // in any one object

// Parses a request body that must be one JSON object. Anything else is kMalformed (→ 400),
// including text two readers could take differently or that no person typed: a key given
// twice in one object (parsers disagree on which one wins), a control character
// (U+0000–U+001F but tab, line feed and carriage return, and U+007F) in a key or a string,
// a number past the range of a double, and bodies past the limits above. Such errors name the field ("items[2].sku").
core::Result<boost::json::object> ParseJsonObject(std::string_view body);

// The value written without spaces and with every object's keys in order: two bodies that
// differ only in formatting or key order give the same text (for comparing requests).
std::string CanonicalJson(const boost::json::value& value);

// Absent, explicit null, or a value: what a PATCH needs to tell "leave" from "clear".
template <typename T>
struct Patch {
    bool present = false;
    std::optional<T> value;  // nullopt with present = true: the client sent null
};

// Reads typed fields from a JSON object and remembers what went wrong. Wrong JSON types
// and unknown fields are request-shape errors (400); Finish() reports them, naming the
// field. Value rules (lengths, formats) belong to the service and give 422.
class ObjectReader {
  public:
    explicit ObjectReader(const boost::json::object& object, std::string prefix = "")
        : object_(object), prefix_(std::move(prefix)) {}

    // Absent or null → nullopt.
    std::optional<std::string> String(std::string_view key);
    std::optional<int64_t> Integer(std::string_view key);
    std::optional<bool> Bool(std::string_view key);
    Patch<std::string> NullableString(std::string_view key);
    // The raw value (any type), or null when absent.
    const boost::json::value* Value(std::string_view key);
    const boost::json::object* Object(std::string_view key);
    const boost::json::array* Array(std::string_view key);
    bool Has(std::string_view key) const { return object_.contains(key); }

    // Declares a field as known without reading it.
    void Allow(std::string_view key) { used_.insert(std::string(key)); }

    // Errors for unknown fields and wrong types; Ok otherwise.
    core::Result<void> Finish() const;
    // Merges this reader's problems into `errors` (for nested objects).
    void CollectErrors(std::vector<core::FieldError>& errors) const;

    std::string FieldName(std::string_view key) const;

  private:
    const boost::json::value* Lookup(std::string_view key);
    void TypeError(std::string_view key, std::string_view expected);

    const boost::json::object& object_;
    std::string prefix_;
    std::set<std::string, std::less<>> used_;
    std::vector<core::FieldError> type_errors_;
};

}  // namespace emporium::http
