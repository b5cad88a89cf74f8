#include "resilience/registry.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace emporium::resilience {
namespace {

using std::chrono::milliseconds;

int Occurrences(const std::string& text, const std::string& part) {
    int count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
}

class CountingComponent final : public Component {
  public:
    std::string_view kind() const override { return "rate_limiter"; }
    std::string_view name() const override { return "browse"; }
    void WriteState(core::JsonWriter& json) const override { json.Field("limited", int64_t{7}); }
    void AppendSamples(std::vector<MetricSample>& out) const override {
        out.push_back({"emporium_resilience_rate_limited_total", "counter", "Limited.", "name=\"browse\"", 7});
    }
};

TEST(Registry, ShowsEveryComponentAndFaultSwitchAsJson) {
    FaultSwitches faults;
    faults.Add("search", "Full-text search.");
    ASSERT_TRUE(faults.Find("search")->Set({.mode = FaultMode::kFailing, .error_ratio = 0.25}).ok());
    Bulkhead bulkhead("payment_provider", {.max_concurrent = 3, .max_queued = 2, .max_wait = milliseconds(100)});
    CircuitBreaker breaker(CircuitBreakerSettings{.window = 2, .failure_ratio = 0.5, .open_for = milliseconds(60'000)});
    Registry registry(&faults, true);
    registry.AddBulkhead(bulkhead);
    registry.AddCircuitBreaker("payment_provider", breaker);
    registry.Add(std::make_unique<CountingComponent>());
    auto permit = bulkhead.Acquire(core::RequestContext{});
    breaker.Record(false);
    breaker.Record(false);  // opens
    EXPECT_FALSE(breaker.Allow());

    auto doc = boost::json::parse(registry.RenderJson()).as_object();
    auto& components = doc.at("components").as_array();
    ASSERT_EQ(components.size(), 3u);
    auto& b = components[0].as_object();
    EXPECT_EQ(b.at("kind").as_string(), "bulkhead");
    EXPECT_EQ(b.at("name").as_string(), "payment_provider");
    EXPECT_EQ(b.at("in_use").as_int64(), 1);
    EXPECT_EQ(b.at("max_concurrent").as_int64(), 3);
    auto& c = components[1].as_object();
    EXPECT_EQ(c.at("kind").as_string(), "circuit_breaker");
    EXPECT_EQ(c.at("state").as_string(), "open");
    EXPECT_EQ(c.at("failures").as_int64(), 2);
    EXPECT_EQ(c.at("opened").as_int64(), 1);
    EXPECT_EQ(c.at("short_circuited").as_int64(), 1);
    EXPECT_EQ(components[2].as_object().at("limited").as_int64(), 7);
    auto& fault_view = doc.at("faults").as_object();
    EXPECT_TRUE(fault_view.at("enabled").as_bool());
    auto& target = fault_view.at("targets").as_array().at(0).as_object();
    EXPECT_EQ(target.at("target").as_string(), "search");
    EXPECT_EQ(target.at("mode").as_string(), "failing");
    EXPECT_DOUBLE_EQ(target.at("error_ratio").to_number<double>(), 0.25);
}

TEST(Registry, WritesEachMetricFamilyOnceWithAllItsSamples) {
    FaultSwitches faults;
    faults.Add("search", "");
    faults.Add("cache", "");
    Bulkhead search("search", {});
    Bulkhead provider("payment_provider", {});
    Registry registry(&faults);
    registry.AddBulkhead(search);
    registry.AddBulkhead(provider);
    std::string out;
    registry.RenderMetrics(out);
    EXPECT_EQ(Occurrences(out, "# TYPE emporium_resilience_bulkhead_in_use gauge"), 1);
    EXPECT_EQ(Occurrences(out, "emporium_resilience_bulkhead_in_use{name=\"search\"} 0"), 1);
    EXPECT_EQ(Occurrences(out, "emporium_resilience_bulkhead_in_use{name=\"payment_provider\"} 0"), 1);
    EXPECT_EQ(Occurrences(out, "# TYPE emporium_resilience_fault_active gauge"), 1);
    EXPECT_EQ(Occurrences(out, "emporium_resilience_fault_active{name=\"cache\"} 0"), 1);
    // A family's samples follow its header without another family in between.
    auto header = out.find("# TYPE emporium_resilience_bulkhead_in_use");
    auto second = out.find("emporium_resilience_bulkhead_in_use{name=\"payment_provider\"}");
    EXPECT_EQ(out.substr(header, second - header).find("# TYPE", 1), std::string::npos);
}

TEST(CircuitBreaker, CountsOutcomesRefusalsAndOpenings) {
    CircuitBreaker breaker(CircuitBreakerSettings{.window = 2, .failure_ratio = 0.5, .open_for = milliseconds(0)});
    EXPECT_TRUE(breaker.Allow());
    breaker.Record(true);
    breaker.Record(false);  // 1 of 2 failed: opens
    auto stats = breaker.Stats();
    EXPECT_EQ(stats.successes, 1u);
    EXPECT_EQ(stats.failures, 1u);
    EXPECT_EQ(stats.opened, 1u);
    EXPECT_TRUE(breaker.Allow());   // open_for 0: half-open, the probe
    EXPECT_FALSE(breaker.Allow());  // its probe is out
    breaker.Record(false);          // the probe failed: open again
    stats = breaker.Stats();
    EXPECT_EQ(stats.short_circuited, 1u);
    EXPECT_EQ(stats.opened, 2u);
    EXPECT_STREQ(StateName(CircuitBreaker::State::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace emporium::resilience
