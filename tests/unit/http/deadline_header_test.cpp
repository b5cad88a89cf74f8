#include "http/deadline_header.hpp"

#include <gtest/gtest.h>

namespace emporium::http {
namespace {

TEST(DeadlineHeader, TakesWholeMillisecondsWithinAnHour) {
    EXPECT_EQ(ParseRemainingTime("1"), std::chrono::milliseconds(1));
    EXPECT_EQ(ParseRemainingTime("2500"), std::chrono::milliseconds(2500));
    EXPECT_EQ(ParseRemainingTime("3600000"), std::chrono::milliseconds(3'600'000));
}

TEST(DeadlineHeader, IgnoresAnythingElse) {
    for (std::string_view bad :
         {"", "0", "-5", "+5", "1.5", "5ms", " 5", "3600001", "99999999", "abc", "2026-12-07T15:00:00Z"})
        EXPECT_FALSE(ParseRemainingTime(bad)) << bad;
}

TEST(DeadlineHeader, SendsAtLeastOneMillisecond) {
    EXPECT_EQ(FormatRemainingTime(std::chrono::milliseconds(1500)), "1500");
    EXPECT_EQ(FormatRemainingTime(std::chrono::milliseconds(0)), "1");
}

}  // namespace
}  // namespace emporium::http
