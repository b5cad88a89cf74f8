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

}  // namespace
}  // namespace emporium::http
