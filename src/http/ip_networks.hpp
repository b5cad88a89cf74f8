#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace emporium::http {

// A set of IP networks ("127.0.0.0/8, ::1/128, 192.0.2.7"), for allow-lists by client
// address: operator endpoints, trusted proxies, networks exempt from rate limits.
// IPv4 addresses and networks are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d), so an IPv4
// client seen by a dual-stack socket as ::ffff:127.0.0.1 matches 127.0.0.0/8 as well.
// Immutable once parsed; safe to share between threads.
class IpNetworks {
  public:
    IpNetworks() = default;  // empty: contains nothing

    // A comma-separated list of CIDR networks or single addresses (spaces around items
    // are ignored; an empty list is the empty set). kMalformed naming the first bad item:
    // not an address, a prefix length out of range, or host bits set below the prefix
    // ("10.0.0.1/8" is refused: it reads like a typo for an address or for 10.0.0.0/8).
    static core::Result<IpNetworks> Parse(std::string_view list);

    // True when `address` (as the server reports a peer: "127.0.0.1", "::1",
    // "::ffff:10.0.0.1"; brackets and an IPv6 zone "%eth0" are tolerated) lies in one of the
    // networks. False for text that is not an address.
    bool Contains(std::string_view address) const;

    bool empty() const { return networks_.empty(); }

  private:
    using Bytes = std::array<std::uint8_t, 16>;
    struct Network {
        Bytes base{};
        int prefix_bits = 128;
    };
    static std::optional<Bytes> ParseAddress(std::string_view text);
    std::vector<Network> networks_;
};

}  // namespace emporium::http
