#include "services/payments/psp/paygw_signature.hpp"

#include <sodium.h>

#include <charconv>

namespace emporium::payments {

namespace {
std::string Hmac(std::string_view secret, int64_t timestamp, std::string_view body) {
    // HMAC-SHA256 accepts keys of any length (crypto_auth_hmacsha256_init hashes long ones).
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    std::string prefix = std::to_string(timestamp) + ".";
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    return hex;
}
}  // namespace

std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body) {
    return "t=" + std::to_string(timestamp) + ",v1=" + Hmac(secret, timestamp, body);
}

bool VerifyWebhook(std::string_view secret, std::string_view header, std::string_view body, int64_t now,
                   int64_t tolerance_seconds) {
    if (!header.starts_with("t=")) return false;
    auto comma = header.find(",v1=");
    if (comma == std::string_view::npos) return false;
    int64_t timestamp = 0;
    auto digits = header.substr(2, comma - 2);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), timestamp);
    if (ec != std::errc() || end != digits.data() + digits.size()) return false;
    if (timestamp < now - tolerance_seconds || timestamp > now + tolerance_seconds) return false;
    std::string expected = Hmac(secret, timestamp, body);
    std::string_view given = header.substr(comma + 4);
    return given.size() == expected.size() && sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace emporium::payments
