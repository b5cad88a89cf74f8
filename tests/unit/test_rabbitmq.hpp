#pragma once

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/random.hpp"

namespace emporium::testing {

// EMPORIUM_TEST_RABBITMQ is the URL of the tests' broker (ctest's engines.rabbitmq_start
// fixture starts it); nullopt when the tests run without it (they skip).
inline std::optional<std::string> TestRabbitMqUrl() {
    const char* value = std::getenv("EMPORIUM_TEST_RABBITMQ");
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

// A prefix for the exchanges and queues of one test, so tests share the broker in parallel
// without meeting each other's messages.
inline std::string UniqueBrokerPrefix() {
    std::string token = core::RandomToken(6);
    for (auto& c : token)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return "t_" + token;
}

}  // namespace emporium::testing
