#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace emporium::core {

// Appends compact JSON to a string without building a DOM: responses on hot paths are
// written straight into the bytes that go on the wire. Commas are inserted automatically.
// The caller is responsible for balanced Begin/End calls.
class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& BeginObject() { return Open('{'); }
    JsonWriter& EndObject() { return Close('}'); }
    JsonWriter& BeginArray() { return Open('['); }
    JsonWriter& EndArray() { return Close(']'); }
    JsonWriter& Key(std::string_view key);
    JsonWriter& String(std::string_view value);
    JsonWriter& Int(int64_t value);
    JsonWriter& Bool(bool value);
    JsonWriter& Null();
    // Inserts already-serialised JSON (e.g. a stored attributes document) as one value.
    JsonWriter& Raw(std::string_view json);

    // Shorthands for a key followed by a value.
    JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
    JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
    JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
    JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
    JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }

  private:
    JsonWriter& Open(char c);
    JsonWriter& Close(char c);
    void BeforeValue();

    std::string& out_;
    bool need_comma_ = false;
};

// Appends `value` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view value);

// ["a","b",...]: e.g. a list bound as one SQL parameter and read with json_each.
inline std::string JsonStringArray(const std::vector<std::string>& values) {
    std::string out;
    JsonWriter json(out);
    json.BeginArray();
    for (const auto& value : values) json.String(value);
    json.EndArray();
    return out;
}

}  // namespace emporium::core
