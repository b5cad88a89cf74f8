#include "app/postgres_servers.hpp"

#include <gtest/gtest.h>

namespace emporium::app {
namespace {

TEST(PostgresServersSettingsTest, AServerListIsSplitOnSemicolonsAndTrimmed) {
    auto servers = ParseServerList(" host=a port=1 ; ;host=b port=2;");
    ASSERT_TRUE(servers.ok());
    EXPECT_EQ(*servers, (std::vector<std::string>{"host=a port=1", "host=b port=2"}));
    EXPECT_FALSE(ParseServerList(" ; ").ok());
}

TEST(PostgresServersSettingsTest, AShardMapNamesOneServerPerLogicalShard) {
    EXPECT_EQ(*ParseShardMap("", 4, 2), (std::vector<int>{0, 1, 0, 1}));
    EXPECT_EQ(*ParseShardMap("1, 1 ,0,1", 4, 2), (std::vector<int>{1, 1, 0, 1}));
    EXPECT_FALSE(ParseShardMap("0,1,0", 4, 2).ok());    // one entry short
    EXPECT_FALSE(ParseShardMap("0,1,2,0", 4, 2).ok());  // no server 2
    EXPECT_FALSE(ParseShardMap("0,,1,0", 4, 2).ok());   // an empty entry
    EXPECT_FALSE(ParseShardMap("0,1,x,0", 4, 2).ok());  // not a number
    EXPECT_FALSE(ParseShardMap("0,1,-1,0", 4, 2).ok());
}

}  // namespace
}  // namespace emporium::app
