#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_cache.hpp"
#include "test_redis.hpp"

namespace emporium::testing {

// A RedisCache on `redis` (its prefix), entries fresh for a minute, started and caught up
// with the shared versions; it keeps `redis` alive.
inline std::shared_ptr<cache::RedisCache> StartedRedisCache(std::shared_ptr<TestRedis> redis,
                                                            std::vector<std::string> namespaces) {
    struct Owned {
        std::shared_ptr<TestRedis> redis;
        std::unique_ptr<cache::RedisCache> cache;
    };
    auto owned = std::make_shared<Owned>();
    owned->redis = std::move(redis);
    cache::MemoryCacheSettings memory;
    memory.max_bytes = 1 << 20;
    memory.ttl = std::chrono::seconds(60);
    cache::RedisCacheSettings settings;
    settings.prefix = owned->redis->prefix;
    settings.ttl = std::chrono::seconds(60);
    owned->cache = std::make_unique<cache::RedisCache>(
        settings, std::make_unique<cache::MemoryCache>(memory, namespaces), *owned->redis->client, namespaces);
    owned->cache->Start();
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!owned->cache->in_sync() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(owned->cache->in_sync()) << "the cache did not subscribe within 5 s";
    return std::shared_ptr<cache::RedisCache>(owned, owned->cache.get());
}

}  // namespace emporium::testing
