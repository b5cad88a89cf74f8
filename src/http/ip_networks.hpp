#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace emporium::http {

// A set of IP networks ("127.0.0.0/8, ::1/128, 10.1.2.3"), for allow-lists and trusted
// proxies. An IPv4 address written as IPv6 (::ffff:10.0.0.1) matches the IPv4 networks.
class IpNetworks {
  public:
    // Comma-separated networks in CIDR notation or single addresses; empty: no network.
    static core::Result<IpNetworks> Parse(std::string_view list);

    bool Contains(const boost::asio::ip::address& address) const;
    // False for text that is not an address.
    bool Contains(std::string_view address) const;
    bool empty() const { return v4_.empty() && v6_.empty(); }

  private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace emporium::http
