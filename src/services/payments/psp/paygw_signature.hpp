#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace emporium::payments {

// The webhook signature of the paygw protocol, shared by our adapter (which verifies) and
// the simulator (which signs): header "Paygw-Signature: t=<unix seconds>,v1=<hex>", where
// hex = HMAC-SHA256(secret, "<t>.<body>").
std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body);
// True when the signature matches and t is within `tolerance_seconds` of `now`.
bool VerifyWebhook(std::string_view secret, std::string_view header, std::string_view body, int64_t now,
                   int64_t tolerance_seconds);

}  // namespace emporium::payments
