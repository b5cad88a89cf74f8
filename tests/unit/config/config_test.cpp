#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "config/config_loader.hpp"

namespace emporium::config {
namespace {

TEST(Config, DefaultsAreValidAndDocumented) {
    Settings settings;
    EXPECT_TRUE(Validate(settings).ok());
    EXPECT_EQ(settings.server.port, 8080);
    EXPECT_EQ(settings.storage.data_dir, "./data");
    auto keys = DescribeKeys();
    ASSERT_FALSE(keys.empty());
    for (const auto& key : keys) EXPECT_FALSE(key.description.empty()) << key.section << "." << key.key;
}

TEST(Config, EnvironmentOverridesKnownKeysAndIgnoresOtherSections) {
    Settings settings;
    auto result = ApplyEnvironment({{"EMPORIUM_SERVER_PORT", "9090"},
                                    {"EMPORIUM_SERVER_ACCESS_LOG", "false"},
                                    {"EMPORIUM_BIN", "/usr/bin/emporium"},
                                    {"PATH", "/bin"}},
                                   settings);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(settings.server.port, 9090);
    EXPECT_FALSE(settings.server.access_log);
}

TEST(Config, UnknownKeyInKnownSectionIsAnError) {
    Settings settings;
    EXPECT_FALSE(ApplyEnvironment({{"EMPORIUM_SERVER_PROT", "1"}}, settings).ok());
    EXPECT_FALSE(ApplyEnvironment({{"EMPORIUM_SERVER_PORT", "eighty"}}, settings).ok());
}

TEST(Config, TomlFileRejectsUnknownKeysAndReadsKnownOnes) {
    auto path = std::filesystem::temp_directory_path() / "emporium_config_test.toml";
    { std::ofstream(path) << "[server]\nport = 7000\naccess_log = false\n[storage]\ndata_dir = \"/tmp/x\"\n"; }
    Settings settings;
    auto ok = ApplyTomlFile(path.string(), settings);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(settings.server.port, 7000);
    EXPECT_EQ(settings.storage.data_dir, "/tmp/x");
    { std::ofstream(path) << "[server]\nportt = 7000\n"; }
    EXPECT_FALSE(ApplyTomlFile(path.string(), settings).ok());
    { std::ofstream(path) << "[nonsense]\nx = 1\n"; }
    EXPECT_FALSE(ApplyTomlFile(path.string(), settings).ok());
    std::filesystem::remove(path);
}

TEST(Config, ValidateRejectsOutOfRangeValues) {
    Settings settings;
    settings.server.port = 70000;
    settings.storage.blocking_threads = 0;
    settings.storage.wal_checkpoint_pages = 0;  // would let the WAL grow without end
    settings.catalog.variant_cache_bytes = -1;
    auto result = Validate(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().fields.size(), 4u);
}

TEST(Config, EventBusAndPaymentRetryAreOperatorSettings) {
    Settings settings;
    auto result = ApplyEnvironment({{"EMPORIUM_EVENTS_HANDLER_THREADS", "4"},
                                    {"EMPORIUM_EVENTS_MAX_ATTEMPTS", "3"},
                                    {"EMPORIUM_PAYMENTS_GIVE_UP_AFTER_SECONDS", "600"}},
                                   settings);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ((std::tuple{settings.events.handler_threads, settings.events.max_attempts,
                          settings.payments.give_up_after_seconds}),
              (std::tuple{4, 3, 600}));
    EXPECT_TRUE(Validate(settings).ok());
    settings.events.max_attempts = 0;
    settings.payments.give_up_after_seconds = 0;
    auto invalid = Validate(settings);
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error().fields.size(), 2u);
}

}  // namespace
}  // namespace emporium::config
