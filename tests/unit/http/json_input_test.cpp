#include "http/json_input.hpp"

#include <gtest/gtest.h>

namespace emporium::http {
namespace {

std::string Canonical(std::string_view body) {
    auto object = ParseJsonObject(body);
    EXPECT_TRUE(object.ok()) << body;
    return object.ok() ? CanonicalJson(*object) : std::string();
}

TEST(CanonicalJson, SpacingAndKeyOrderDoNotMatterValuesDo) {
    std::string compact = Canonical(R"({"b":[1,{"y":2,"x":"é"}],"a":null})");
    EXPECT_EQ(compact, R"({"a":null,"b":[1,{"x":"é","y":2}]})");
    EXPECT_EQ(Canonical("{\n  \"a\": null,\n  \"b\": [ 1, { \"x\": \"é\", \"y\": 2 } ]\n}"), compact);
    EXPECT_NE(Canonical(R"({"a":null,"b":[{"x":"é","y":2},1]})"), compact);  // array order is meaning
    EXPECT_NE(Canonical(R"({"a":"null","b":[1,{"x":"é","y":2}]})"), compact);
    EXPECT_EQ(Canonical(R"({"q":"say \"hi\"\n"})"), R"({"q":"say \"hi\"\n"})");
}

// The one field error of a refused body, as "field: message".
std::string Refusal(std::string_view body) {
    auto object = ParseJsonObject(body);
    EXPECT_FALSE(object.ok()) << body;
    if (object.ok()) return "accepted";
    EXPECT_EQ(object.error().code, core::ErrorCode::kMalformed);
    if (object.error().fields.size() != 1) return "no field: " + object.error().message;
    return object.error().fields[0].field + ": " + object.error().fields[0].message;
}

TEST(ParseJsonObject, RefusesAKeyGivenTwiceInOneObject) {
    EXPECT_EQ(Refusal(R"({"quantity":1,"quantity":1000})"), "quantity: is given twice");
    EXPECT_EQ(Refusal(R"({"a":{"b":1,"c":2,"b":3}})"), "a.b: is given twice");
    EXPECT_EQ(Refusal(R"({"items":[{"sku":"x"},{"sku":"y","sku":"z"}]})"), "items[1].sku: is given twice");
    // Escapes do not hide a repeat: both keys are "ab".
    EXPECT_EQ(Refusal(R"({"ab":1,"a\u0062":2})"), "ab: is given twice");
    // The same key in two different objects is fine.
    EXPECT_TRUE(ParseJsonObject(R"({"a":{"k":1},"b":{"k":2},"k":3})").ok());
}

TEST(ParseJsonObject, RefusesControlCharactersInStringsAndKeys) {
    EXPECT_EQ(Refusal(R"({"name":"Mallory\u0000admin"})"), "name: holds a control character (U+0000)");
    EXPECT_EQ(Refusal(R"({"tags":["ok","bell\u0007"]})"), "tags[1]: holds a control character (U+0007)");
    EXPECT_EQ(Refusal(R"({"x":{"note":"del\u007f"}})"), "x.note: holds a control character (U+007F)");
    std::string key_refusal = Refusal(R"({"na\u0000me":"x"})");
    EXPECT_TRUE(key_refusal.ends_with(": has a key with a control character (U+0000)")) << key_refusal;
    // Tab, line feed and carriage return are text (a description's paragraphs).
    EXPECT_TRUE(ParseJsonObject(R"({"description":"one\n\ttwo\r\n"})").ok());
}

// Found by fuzz/json_input_fuzzer (fuzz/corpus/json_input/number_past_double_range): 1e380
// read as infinity, and the body's canonical form ("1e99999") was no longer JSON we accept.
TEST(ParseJsonObject, RefusesANumberPastTheRangeOfADouble) {
    EXPECT_EQ(Refusal(R"({"price":1e380})"), "price: is a number out of range");
    EXPECT_EQ(Refusal(R"({"a":[1,-1e999]})"), "a[1]: is a number out of range");
    auto fine = ParseJsonObject(R"({"a":1e308,"b":-2.5})");
    ASSERT_TRUE(fine.ok());
    EXPECT_TRUE(ParseJsonObject(CanonicalJson(*fine)).ok());
}

TEST(ParseJsonObject, LimitsArraysObjectsAndDepth) {
    auto array_of = [](std::size_t n) {
        std::string body = R"({"list":[)";
        for (std::size_t i = 0; i < n; ++i) body += i ? ",0" : "0";
        return body + "]}";
    };
    EXPECT_TRUE(ParseJsonObject(array_of(kMaxJsonArrayElements)).ok());
    EXPECT_EQ(Refusal(array_of(kMaxJsonArrayElements + 1)), "list: is past the limit of 1000 elements");
    std::string members = "{";
    for (std::size_t i = 0; i <= kMaxJsonObjectMembers; ++i)
        members += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    members += "}";
    EXPECT_TRUE(Refusal(members).ends_with(": is past the limit of 1000 members in one object"));
    std::string deep = R"({"a":)" + std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']') + "}";
    auto too_deep = ParseJsonObject(deep);
    ASSERT_FALSE(too_deep.ok());
    EXPECT_EQ(too_deep.error().code, core::ErrorCode::kMalformed);
    std::string shallow = R"({"a":)" + std::string(kMaxJsonDepth - 2, '[') + std::string(kMaxJsonDepth - 2, ']') + "}";
    EXPECT_TRUE(ParseJsonObject(shallow).ok());
}

}  // namespace
}  // namespace emporium::http
