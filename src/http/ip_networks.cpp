#include "http/ip_networks.hpp"

#include <string>

#include "core/text.hpp"

namespace emporium::http {

namespace ip = boost::asio::ip;

core::Result<IpNetworks> IpNetworks::Parse(std::string_view list) {
    IpNetworks networks;
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string item(core::Trim(list.substr(0, comma)));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (item.empty()) continue;
        boost::system::error_code ec;
        if (item.find('/') == std::string::npos) item += item.find(':') == std::string::npos ? "/32" : "/128";
        if (item.find(':') == std::string::npos) {
            auto network = ip::make_network_v4(item, ec);
            if (!ec) {
                networks.v4_.push_back(network.canonical());
                continue;
            }
        } else {
            auto network = ip::make_network_v6(item, ec);
            if (!ec) {
                networks.v6_.push_back(network.canonical());
                continue;
            }
        }
        core::Error error = core::Error::Invalid("networks", "not an IP network: " + item);
        error.message = "not an IP network: " + item;
        return error;
    }
    return networks;
}

bool IpNetworks::Contains(const ip::address& address) const {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return Contains(ip::address(ip::make_address_v4(ip::v4_mapped, address.to_v6())));
    if (address.is_v4()) {
        for (const auto& network : v4_)
            if (ip::network_v4(address.to_v4(), network.prefix_length()).canonical() == network) return true;
        return false;
    }
    for (const auto& network : v6_)
        if (ip::network_v6(address.to_v6(), network.prefix_length()).canonical() == network) return true;
    return false;
}

bool IpNetworks::Contains(std::string_view address) const {
    boost::system::error_code ec;
    auto parsed = ip::make_address(address, ec);
    return !ec && Contains(parsed);
}

}  // namespace emporium::http
