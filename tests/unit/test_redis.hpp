#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "core/random.hpp"
#include "infra/redis/client.hpp"

namespace emporium::testing {

// EMPORIUM_TEST_REDIS names the tests' Redis server (ctest's engines.redis_start fixture
// starts it): its Unix socket or host:port. nullopt when the tests run without it.
inline std::optional<std::string> TestRedisAddress() {
    const char* value = std::getenv("EMPORIUM_TEST_REDIS");
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

// A client of the tests' Redis, and a key prefix of its own so that tests running at once
// on the one server never meet (nothing is deleted: the server is fresh each run).
struct TestRedis {
    std::unique_ptr<infra::redis::Client> client;
    std::string prefix;

    static std::shared_ptr<TestRedis> Open(infra::redis::ClientSettings settings = {}) {
        auto address = TestRedisAddress();
        if (!address) return nullptr;
        settings.address = *address;
        auto redis = std::make_shared<TestRedis>();
        redis->client = std::make_unique<infra::redis::Client>(settings);
        redis->prefix = "t" + core::RandomToken(8) + ":";
        return redis;
    }
};

}  // namespace emporium::testing
