#include "http/ip_networks.hpp"

#include <gtest/gtest.h>

namespace emporium::http {
namespace {

TEST(IpNetworks, MatchesAddressesInsideTheNetworksOnly) {
    auto networks = IpNetworks::Parse(" 127.0.0.0/8, ::1/128 ,10.1.2.3, 2001:db8::/32");
    ASSERT_TRUE(networks.ok()) << networks.error().fields.at(0).message;
    EXPECT_TRUE(networks->Contains("127.0.0.1"));
    EXPECT_TRUE(networks->Contains("127.255.0.9"));
    EXPECT_TRUE(networks->Contains("::1"));
    EXPECT_TRUE(networks->Contains("10.1.2.3"));
    EXPECT_FALSE(networks->Contains("10.1.2.4"));
    EXPECT_TRUE(networks->Contains("2001:db8:1::7"));
    EXPECT_FALSE(networks->Contains("2001:db9::1"));
    EXPECT_FALSE(networks->Contains("128.0.0.1"));
    EXPECT_TRUE(networks->Contains("::ffff:127.0.0.1"));  // IPv4 written as IPv6
    EXPECT_FALSE(networks->Contains("not an address"));
    EXPECT_FALSE(networks->Contains(""));
}

TEST(IpNetworks, AnEmptyListHoldsNothingAndBadEntriesAreRefused) {
    auto empty = IpNetworks::Parse("");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
    EXPECT_FALSE(empty->Contains("127.0.0.1"));
    for (const char* bad : {"127.0.0.1/33", "localhost", "10.0.0.0/8,banana", "::1/129"})
        EXPECT_FALSE(IpNetworks::Parse(bad).ok()) << bad;
}

}  // namespace
}  // namespace emporium::http
