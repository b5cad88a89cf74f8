#include "http/json_input.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <optional>
#include <unordered_set>

#include "core/text.hpp"

namespace emporium::http {

namespace {

// A second, event-by-event reading of a body that parsed, for what boost::json::parse lets
// through: repeated keys (the value keeps the last), control characters in strings, and
// over-long arrays and objects. Stops at the first problem, which it describes with the
// field's path.
class AmbiguityCheck {
  public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    std::optional<core::Error> problem;

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_array_begin(boost::system::error_code&) {
        frames_.push_back(Frame{true, 0, {}, {}});
        return true;
    }
    bool on_array_end(std::size_t, boost::system::error_code& ec) {
        frames_.pop_back();
        return EndValue(ec);
    }
    bool on_object_begin(boost::system::error_code&) {
        frames_.push_back(Frame{false, 0, {}, {}});
        return true;
    }
    bool on_object_end(std::size_t, boost::system::error_code& ec) {
        frames_.pop_back();
        return EndValue(ec);
    }
    bool on_string_part(std::string_view part, std::size_t, boost::system::error_code& ec) {
        return CheckText(part, ec, false);
    }
    bool on_string(std::string_view part, std::size_t, boost::system::error_code& ec) {
        return CheckText(part, ec, false) && EndValue(ec);
    }
    bool on_key_part(std::string_view part, std::size_t, boost::system::error_code&) {
        key_ += part;
        return true;
    }
    bool on_key(std::string_view part, std::size_t, boost::system::error_code& ec) {
        key_ += part;
        Frame& object = frames_.back();
        object.key = std::move(key_);
        key_.clear();
        if (!CheckText(object.key, ec, true)) return false;
        if (!object.keys.insert(object.key).second)
            return Fail(ec, "The body gives a key twice in one object.", "is given twice");
        if (object.keys.size() > kMaxJsonObjectMembers)
            return Fail(ec, "An object in the body has too many members.",
                        "is past the limit of " + std::to_string(kMaxJsonObjectMembers) + " members in one object");
        return true;
    }
    bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_int64(int64_t, std::string_view, boost::system::error_code& ec) { return EndValue(ec); }
    bool on_uint64(uint64_t, std::string_view, boost::system::error_code& ec) { return EndValue(ec); }
    // A decimal past the range of a double reads as infinity, which no JSON text can write
    // back (the body's canonical form would not be JSON): refused.
    bool on_double(double value, std::string_view, boost::system::error_code& ec) {
        if (!std::isfinite(value)) return Fail(ec, "A number in the body is out of range.", "is a number out of range");
        return EndValue(ec);
    }
    bool on_bool(bool, boost::system::error_code& ec) { return EndValue(ec); }
    bool on_null(boost::system::error_code& ec) { return EndValue(ec); }
    bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_comment(std::string_view, boost::system::error_code&) { return true; }

  private:
    struct Frame {
        bool array = false;
        std::size_t elements = 0;  // of an array: those complete so far
        std::string key;           // of an object: the member being read
        std::unordered_set<std::string> keys;
    };

    // The field being read: "items[2].sku" (a key that is itself odd is shown as given).
    std::string Path() const {
        std::string path;
        for (const Frame& frame : frames_) {
            if (frame.array) {
                path += "[" + std::to_string(frame.elements) + "]";
            } else {
                if (!path.empty()) path += '.';
                path += frame.key;
            }
        }
        return path;
    }

    bool Fail(boost::system::error_code& ec, std::string message, std::string field_message) {
        std::string path = Path();
        problem = core::Error{core::ErrorCode::kMalformed,
                              std::move(message),
                              {{path.empty() ? std::string("body") : std::move(path), std::move(field_message)}}};
        ec = boost::json::error::syntax;  // any error stops the parser; `problem` says what it was
        return false;
    }

    bool CheckText(std::string_view text, boost::system::error_code& ec, bool is_key) {
        if (!core::HasControlCharacters(text)) return true;
        auto control = std::find_if(text.begin(), text.end(), [](char c) {
            auto u = static_cast<unsigned char>(c);
            return (u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7F;
        });
        static constexpr char kHex[] = "0123456789ABCDEF";
        auto code = static_cast<unsigned char>(*control);
        std::string name = std::string("U+00") + kHex[code >> 4] + kHex[code & 0xF];
        return Fail(ec, is_key ? "A key in the body holds a control character." : "The body holds a control character.",
                    std::string(is_key ? "has a key with" : "holds") + " a control character (" + name + ")");
    }

    bool EndValue(boost::system::error_code& ec) {
        if (frames_.empty() || !frames_.back().array) return true;
        if (++frames_.back().elements <= kMaxJsonArrayElements) return true;
        --frames_.back().elements;  // name the array, not an element past it
        std::string limit = std::to_string(kMaxJsonArrayElements);
        Frame last = std::move(frames_.back());
        frames_.pop_back();
        Fail(ec, "An array in the body has too many elements.", "is past the limit of " + limit + " elements");
        frames_.push_back(std::move(last));
        return false;
    }

    std::vector<Frame> frames_;
    std::string key_;
};

}  // namespace

core::Result<boost::json::object> ParseJsonObject(std::string_view body) {
    if (body.empty()) return core::Error::Malformed("A JSON object body is required.");
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    boost::json::value value = boost::json::parse(body, ec, {}, options);
    if (ec) return core::Error::Malformed("The body is not valid JSON: " + ec.message() + ".");
    if (!value.is_object()) return core::Error::Malformed("The body must be a JSON object.");
    boost::json::basic_parser<AmbiguityCheck> check(options);
    check.write_some(false, body.data(), body.size(), ec);
    if (check.handler().problem) return std::move(*check.handler().problem);
    if (ec) return core::Error::Malformed("The body is not valid JSON: " + ec.message() + ".");
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
