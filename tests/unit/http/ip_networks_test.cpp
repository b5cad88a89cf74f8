#include "http/ip_networks.hpp"

#include <gtest/gtest.h>

namespace emporium::http {
namespace {

IpNetworks Networks(std::string_view list) {
    auto parsed = IpNetworks::Parse(list);
    EXPECT_TRUE(parsed.ok()) << list << ": " << (parsed.ok() ? "" : parsed.error().message);
    return parsed.ok() ? *parsed : IpNetworks{};
}

TEST(IpNetworksTest, LoopbackDefaultsMatchIpv4Ipv6AndMappedLoopback) {
    IpNetworks loopback = Networks("127.0.0.0/8,::1/128");
    EXPECT_TRUE(loopback.Contains("127.0.0.1"));
    EXPECT_TRUE(loopback.Contains("127.255.3.4"));
    EXPECT_TRUE(loopback.Contains("::1"));
    EXPECT_TRUE(loopback.Contains("::ffff:127.0.0.1"));  // an IPv4 peer on a dual-stack socket
    EXPECT_TRUE(loopback.Contains("[::1]"));
    EXPECT_TRUE(loopback.Contains("::1%lo"));  // a zone does not change the address
    EXPECT_FALSE(loopback.Contains("128.0.0.1"));
    EXPECT_FALSE(loopback.Contains("10.0.0.1"));
    EXPECT_FALSE(loopback.Contains("::2"));
    EXPECT_FALSE(loopback.Contains("::ffff:10.0.0.1"));
}

TEST(IpNetworksTest, PrefixesThatAreNotWholeBytes) {
    IpNetworks networks = Networks(" 10.0.0.0/9 , 2001:db8::/33, 192.0.2.7 ");
    EXPECT_TRUE(networks.Contains("10.127.255.255"));
    EXPECT_FALSE(networks.Contains("10.128.0.0"));
    EXPECT_TRUE(networks.Contains("2001:db8:7fff::1"));
    EXPECT_FALSE(networks.Contains("2001:db8:8000::1"));
    EXPECT_TRUE(networks.Contains("192.0.2.7"));  // a single address is a /32
    EXPECT_FALSE(networks.Contains("192.0.2.8"));
    EXPECT_FALSE(networks.Contains("fe80::1%eth0"));
}

TEST(IpNetworksTest, EverythingAndNothing) {
    IpNetworks everything = Networks("0.0.0.0/0,::/0");
    EXPECT_TRUE(everything.Contains("203.0.113.9"));
    EXPECT_TRUE(everything.Contains("2001:db8::1"));
    IpNetworks nothing = Networks("");
    EXPECT_TRUE(nothing.empty());
    EXPECT_FALSE(nothing.Contains("127.0.0.1"));
    EXPECT_FALSE(everything.Contains("not an address"));
    EXPECT_FALSE(everything.Contains(""));
}

TEST(IpNetworksTest, RefusesWhatIsNotANetwork) {
    for (std::string_view bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.1/8", "localhost",
                                 "10.0.0", "1.2.3.4,,5.6.7.8", "::1/-1", "300.0.0.1"}) {
        auto parsed = IpNetworks::Parse(bad);
        EXPECT_FALSE(parsed.ok()) << bad;
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.error().code, core::ErrorCode::kMalformed) << bad;
        }
    }
}

}  // namespace
}  // namespace emporium::http
