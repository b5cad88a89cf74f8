#include "http/json_input.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>

namespace emporium::http {

core::Result<boost::json::object> ParseJsonObject(std::string_view body) {
    if (body.empty()) return core::Error::Malformed("A JSON object body is required.");
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 32;
    boost::json::value value = boost::json::parse(body, ec, {}, options);
    if (ec) return core::Error::Malformed("The body is not valid JSON: " + ec.message() + ".");
    if (!value.is_object()) return core::Error::Malformed("The body must be a JSON object.");
    return std::move(value.as_object());
}

namespace {
void AppendCanonical(const boost::json::value& value, std::string& out) {
    if (value.is_object()) {
        const auto& object = value.as_object();
        std::vector<const boost::json::key_value_pair*> members;
        members.reserve(object.size());
        for (const auto& member : object) members.push_back(&member);
        std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
        out += '{';
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (i > 0) out += ',';
            out += boost::json::serialize(boost::json::value(members[i]->key()));
            out += ':';
            AppendCanonical(members[i]->value(), out);
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& element : value.as_array()) {
            if (!first) out += ',';
            first = false;
            AppendCanonical(element, out);
        }
        out += ']';
    } else {
        out += boost::json::serialize(value);
    }
}
}  // namespace

std::string CanonicalJson(const boost::json::value& value) {
    std::string out;
    AppendCanonical(value, out);
    return out;
}

std::string ObjectReader::FieldName(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

const boost::json::value* ObjectReader::Lookup(std::string_view key) {
    used_.insert(std::string(key));
    auto it = object_.find(key);
    if (it == object_.end() || it->value().is_null()) return nullptr;
    return &it->value();
}

void ObjectReader::TypeError(std::string_view key, std::string_view expected) {
    type_errors_.push_back({FieldName(key), "must be " + std::string(expected)});
}

std::optional<std::string> ObjectReader::String(std::string_view key) {
    const auto* value = Lookup(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) {
        TypeError(key, "a string");
        return std::nullopt;
    }
    return std::string(value->as_string());
}

std::optional<int64_t> ObjectReader::Integer(std::string_view key) {
    const auto* value = Lookup(key);
    if (!value) return std::nullopt;
    if (value->is_int64()) return value->as_int64();
    if (value->is_uint64() && value->as_uint64() <= static_cast<uint64_t>(INT64_MAX))
        return static_cast<int64_t>(value->as_uint64());
    TypeError(key, "an integer");
    return std::nullopt;
}

std::optional<bool> ObjectReader::Bool(std::string_view key) {
    const auto* value = Lookup(key);
    if (!value) return std::nullopt;
    if (!value->is_bool()) {
        TypeError(key, "a boolean");
        return std::nullopt;
    }
    return value->as_bool();
}

Patch<std::string> ObjectReader::NullableString(std::string_view key) {
    Patch<std::string> patch;
    patch.present = object_.contains(key);
    patch.value = String(key);
    return patch;
}

const boost::json::value* ObjectReader::Value(std::string_view key) { return Lookup(key); }

const boost::json::object* ObjectReader::Object(std::string_view key) {
    const auto* value = Lookup(key);
    if (!value) return nullptr;
    if (!value->is_object()) {
        TypeError(key, "an object");
        return nullptr;
    }
    return &value->as_object();
}

const boost::json::array* ObjectReader::Array(std::string_view key) {
    const auto* value = Lookup(key);
    if (!value) return nullptr;
    if (!value->is_array()) {
        TypeError(key, "an array");
        return nullptr;
    }
    return &value->as_array();
}

void ObjectReader::CollectErrors(std::vector<core::FieldError>& errors) const {
    for (const auto& [key, value] : object_)
        if (!used_.contains(std::string_view(key))) errors.push_back({FieldName(key), "is not a known field"});
    errors.insert(errors.end(), type_errors_.begin(), type_errors_.end());
}

core::Result<void> ObjectReader::Finish() const {
    std::vector<core::FieldError> errors;
    CollectErrors(errors);
    if (errors.empty()) return core::Ok();
    return core::Error{core::ErrorCode::kMalformed, "The request body does not match the expected shape.",
                       std::move(errors)};
}

}  // namespace emporium::http
