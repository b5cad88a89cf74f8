#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "core/random.hpp"
#include "infra/redis/client.hpp"

namespace emporium::testing {

// The tests' Redis server (ctest's engines.redis_start fixture starts it): its Unix socket
// or host:port, from EMPORIUM_TEST_REDIS or else where the build put the fixture's server.
inline std::optional<std::string> TestRedisAddress() {
    const char* value = std::getenv("EMPORIUM_TEST_REDIS");
    if (value && *value) return std::string(value);
#ifdef EMPORIUM_TEST_REDIS_DEFAULT
    return std::string(EMPORIUM_TEST_REDIS_DEFAULT);
#else
    return std::nullopt;
#endif
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
