#include "http/ip_networks.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "core/text.hpp"

namespace emporium::http {

namespace {

// True when the first `bits` bits of `a` and `b` agree.
bool SamePrefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int bits) {
    int whole = bits / 8;
    for (int i = 0; i < whole; ++i)
        if (a[static_cast<std::size_t>(i)] != b[static_cast<std::size_t>(i)]) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
    return (a[static_cast<std::size_t>(whole)] & mask) == (b[static_cast<std::size_t>(whole)] & mask);
}

}  // namespace

std::optional<IpNetworks::Bytes> IpNetworks::ParseAddress(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (auto zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
    if (text.empty() || text.size() > 45) return std::nullopt;  // INET6_ADDRSTRLEN - 1
    std::string terminated(text);                               // inet_pton needs a C string
    Bytes bytes{};
    if (text.find(':') == std::string_view::npos) {
        in_addr v4{};
        if (::inet_pton(AF_INET, terminated.c_str(), &v4) != 1) return std::nullopt;
        bytes[10] = bytes[11] = 0xFF;
        const auto* octets = reinterpret_cast<const std::uint8_t*>(&v4.s_addr);
        for (int i = 0; i < 4; ++i) bytes[static_cast<std::size_t>(12 + i)] = octets[i];
        return bytes;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, terminated.c_str(), &v6) != 1) return std::nullopt;
    for (std::size_t i = 0; i < 16; ++i) bytes[i] = v6.s6_addr[i];
    return bytes;
}

core::Result<IpNetworks> IpNetworks::Parse(std::string_view list) {
    IpNetworks networks;
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = core::Trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (item.empty()) {
            if (comma == std::string_view::npos) break;
            return core::Error::Malformed("an empty item in the network list");
        }
        auto slash = item.find('/');
        std::string_view address_text = item.substr(0, slash);
        auto base = ParseAddress(address_text);
        if (!base) return core::Error::Malformed("not an IP address: " + std::string(item));
        bool v4 = address_text.find(':') == std::string_view::npos;
        int prefix = v4 ? 32 : 128;
        if (slash != std::string_view::npos) {
            std::string_view digits = item.substr(slash + 1);
            auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 ||
                prefix > (v4 ? 32 : 128))
                return core::Error::Malformed("not a prefix length: " + std::string(item));
        }
        if (v4) prefix += 96;
        Bytes network{};
        for (int bit = 0; bit < prefix; ++bit) {
            auto byte = static_cast<std::size_t>(bit / 8);
            network[byte] = static_cast<std::uint8_t>(network[byte] | ((*base)[byte] & (0x80 >> (bit % 8))));
        }
        if (network != *base)
            return core::Error::Malformed("host bits set below the prefix length: " + std::string(item));
        networks.networks_.push_back(Network{network, prefix});
    }
    return networks;
}

bool IpNetworks::Contains(std::string_view address) const {
    if (networks_.empty()) return false;
    auto bytes = ParseAddress(address);
    if (!bytes) return false;
    for (const auto& network : networks_)
        if (SamePrefix(*bytes, network.base, network.prefix_bits)) return true;
    return false;
}

}  // namespace emporium::http
