// What the RabbitMQ adapter promises beyond the bus contract (event_bus_contract_test): the
// relay and a broker that is away, several processes on one broker, retries of a dependency
// that is down, pruning and metrics. On the tests' broker (EMPORIUM_TEST_RABBITMQ; skipped
// without it) over a SQLite outbox.
#include "bus/rabbitmq/rabbitmq_event_bus.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bus/outbox_backends.hpp"
#include "test_rabbitmq.hpp"

namespace emporium::bus {
namespace {

using namespace std::chrono_literals;

class RabbitMqEventBusTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto url = testing::TestRabbitMqUrl();
        if (!url) GTEST_SKIP() << "EMPORIUM_TEST_RABBITMQ is not set";
        url_ = *url;
        prefix_ = testing::UniqueBrokerPrefix();
        auto backend = testing::SqliteOutboxBackend::Open();
        ASSERT_TRUE(backend.ok()) << backend.error().message;
        backend_ = std::move(backend).value();
    }

    // A bus as one process of the shop would have it; `with_source`: it relays the outbox.
    std::unique_ptr<RabbitMqEventBus> NewBus(bool with_source = true, std::string url = "") {
        RabbitMqEventBusSettings settings;
        settings.url = url.empty() ? url_ : url;
        settings.prefix = prefix_;
        settings.max_attempts = 3;
        settings.first_retry = 20ms;
        settings.max_retry = 50ms;
        settings.poll_interval = 50ms;
        settings.max_backoff = 200ms;
        settings.connect_timeout = 500ms;
        settings.replica_queue_expiry = 60s;
        auto bus = std::make_unique<RabbitMqEventBus>(settings);
        if (with_source) bus->AddSource("outbox", backend_->store());
        return bus;
    }

    void Publish(const std::string& type, const std::string& aggregate, const std::string& payload) {
        auto written = backend_->Publish(NewEvent(type, aggregate, payload, 1));
        ASSERT_TRUE(written.ok()) << written.error().message;
    }

    int64_t RelayPosition() {
        auto state = backend_->store().ReadConsumer(core::RequestContext{}, RabbitMqEventBus::kRelayConsumer);
        EXPECT_TRUE(state.ok());
        return state.ok() ? state->position : -1;
    }

    // A handler that records payloads under `mutex_`.
    EventBus::Handler Recorder(std::vector<std::string>& seen) {
        return [this, &seen](const core::RequestContext&, const Event& event) -> core::Result<void> {
            std::lock_guard lock(mutex_);
            seen.push_back(event.payload);
            return core::Ok();
        };
    }

    std::string url_;
    std::string prefix_;
    std::mutex mutex_;
    std::unique_ptr<testing::OutboxBackend> backend_;
};

TEST_F(RabbitMqEventBusTest, TheOutboxHoldsEventsWhileTheBrokerIsAwayAndTheRelayResumes) {
    std::vector<std::string> seen;
    {
        auto away = NewBus(true, "amqp://guest:guest@127.0.0.1:1/");  // nothing listens there
        away->Subscribe({.name = "shipping", .types = {"A"}}, Recorder(seen));
        away->Start();
        Publish("A", "agg1", "1");
        Publish("A", "agg2", "2");
        away->Wake();
        std::this_thread::sleep_for(500ms);
        EXPECT_FALSE(away->BrokerReachable());
        EXPECT_EQ(RelayPosition(), 0);  // nothing passed without a confirm
        std::string metrics;
        away->RenderMetrics(metrics);
        EXPECT_NE(metrics.find("emporium_bus_broker_up 0"), std::string::npos) << metrics;
        EXPECT_EQ(metrics.find("emporium_bus_relay_failures_total 0"), std::string::npos) << metrics;
        away->Stop();
    }
    auto back = NewBus();  // the broker is back (the process restarted with the right URL)
    back->Subscribe({.name = "shipping", .types = {"A"}}, Recorder(seen));
    back->Start();
    Publish("A", "agg3", "3");
    ASSERT_TRUE(back->WaitUntilIdle(20s));
    back->Stop();
    EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(RelayPosition(), 3);
    EXPECT_TRUE(backend_->store().ReadEvents(core::RequestContext{}, 0, 10)->size() == 3u);  // kept until pruned
}

TEST_F(RabbitMqEventBusTest, AGroupSharesItsEventsAcrossProcessesAndEveryReplicaHearsAll) {
    std::map<std::string, int> group_counts;
    std::vector<std::string> cache_a, cache_b, group_a, group_b;
    auto a = NewBus(true);
    auto b = NewBus(false);  // another process: consumes, relays no outbox of this test
    a->Subscribe({.name = "mails", .types = {"A"}}, Recorder(group_a));
    b->Subscribe({.name = "mails", .types = {"A"}}, Recorder(group_b));
    a->Subscribe({.name = "cache", .types = {"A"}, .fanout = Fanout::kEveryReplica}, Recorder(cache_a));
    b->Subscribe({.name = "cache", .types = {"A"}, .fanout = Fanout::kEveryReplica}, Recorder(cache_b));
    a->Start();
    b->Start();
    ASSERT_TRUE(b->WaitUntilIdle(20s));  // b's own queue exists before anything is published
    for (int i = 0; i < 40; ++i) Publish("A", "agg" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(a->WaitUntilIdle(20s));
    ASSERT_TRUE(b->WaitUntilIdle(20s));
    a->Stop();
    b->Stop();
    for (const auto* seen : {&group_a, &group_b})
        for (const auto& payload : *seen) ++group_counts[payload];
    EXPECT_EQ(group_counts.size(), 40u);
    for (const auto& [payload, count] : group_counts) EXPECT_EQ(count, 1) << payload;  // once per group
    EXPECT_EQ(cache_a.size(), 40u);
    EXPECT_EQ(cache_b.size(), 40u);
}

TEST_F(RabbitMqEventBusTest, OneProcessRelaysAnOutboxAndAnotherTakesOverWhenItStops) {
    std::map<std::string, int> counts;
    std::vector<std::string> seen_a, seen_b;
    auto a = NewBus();
    auto b = NewBus();  // the same outbox: two processes of one service
    a->Subscribe({.name = "mails", .types = {"A"}}, Recorder(seen_a));
    b->Subscribe({.name = "mails", .types = {"A"}}, Recorder(seen_b));
    a->Start();
    ASSERT_TRUE(a->WaitUntilIdle(20s));  // a holds the relay
    b->Start();
    ASSERT_TRUE(b->WaitUntilIdle(20s));
    for (int i = 0; i < 30; ++i) Publish("A", "agg" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(a->WaitUntilIdle(20s));
    ASSERT_TRUE(b->WaitUntilIdle(20s));
    std::string metrics_a, metrics_b;
    a->RenderMetrics(metrics_a);
    b->RenderMetrics(metrics_b);
    EXPECT_NE(metrics_a.find("emporium_bus_relaying 1"), std::string::npos) << metrics_a;
    EXPECT_NE(metrics_b.find("emporium_bus_relaying 0"), std::string::npos) << metrics_b;
    EXPECT_NE(metrics_b.find("emporium_bus_relayed_total 0"), std::string::npos) << metrics_b;

    a->Stop();  // the relaying process goes: b takes over
    for (int i = 30; i < 35; ++i) Publish("A", "agg" + std::to_string(i), std::to_string(i));
    auto handled = [&] {
        std::lock_guard lock(mutex_);
        return seen_a.size() + seen_b.size();
    };
    // Until b takes over (it tries every second), its relay stands by and counts as idle.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline && handled() < 35) std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(b->WaitUntilIdle(20s));
    b->Stop();
    for (const auto* seen : {&seen_a, &seen_b})
        for (const auto& payload : *seen) ++counts[payload];
    EXPECT_EQ(counts.size(), 35u);
    for (const auto& [payload, count] : counts) EXPECT_EQ(count, 1) << payload;  // relayed once
    EXPECT_EQ(RelayPosition(), 35);
}

TEST_F(RabbitMqEventBusTest, ADependencyThatIsDownIsRetriedPastTheAttemptsAndNeverDeadLettered) {
    int calls = 0;
    auto bus = NewBus();
    bus->Subscribe({.name = "refunds", .types = {"A"}},
                   [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                       std::lock_guard lock(mutex_);
                       if (++calls <= 5) return core::Error::Unavailable("the provider is down");
                       return core::Ok();
                   });
    bus->Start();
    Publish("A", "agg1", "1");
    ASSERT_TRUE(bus->WaitUntilIdle(20s));
    bus->Stop();
    EXPECT_EQ(calls, 6);  // 3 attempts are a poison event's; this one kept going
    auto letters = bus->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    EXPECT_TRUE(letters->empty());
}

TEST_F(RabbitMqEventBusTest, APoisonEventInABatchTakesOnlyItselfToTheDeadLetters) {
    std::vector<std::string> handled;
    auto bus = NewBus();
    bus->SubscribeBatch({.name = "batcher", .types = {"A"}},
                        [&](const core::RequestContext&, const std::vector<Event>& events) {
                            // One transaction for the batch: the poison event fails it whole.
                            std::vector<core::Result<void>> outcomes;
                            bool poisoned = false;
                            for (const auto& e : events) poisoned = poisoned || e.payload == "\"poison\"";
                            std::lock_guard lock(mutex_);
                            for (const auto& e : events) {
                                if (poisoned) {
                                    outcomes.emplace_back(core::Error::Internal("the batch failed"));
                                } else {
                                    handled.push_back(e.payload);
                                    outcomes.emplace_back(core::Ok());
                                }
                            }
                            return outcomes;
                        });
    Publish("A", "agg1", "\"before\"");
    Publish("A", "agg2", "\"poison\"");
    Publish("A", "agg3", "\"after\"");
    bus->Start();
    ASSERT_TRUE(bus->WaitUntilIdle(20s));
    bus->Stop();
    std::set<std::string> handled_set(handled.begin(), handled.end());
    EXPECT_EQ(handled_set, (std::set<std::string>{"\"before\"", "\"after\""}));
    auto letters = bus->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_EQ(letters->front().event.payload, "\"poison\"");
    EXPECT_EQ(letters->front().consumer, "batcher");
    EXPECT_EQ(letters->front().attempts, 3);
}

TEST_F(RabbitMqEventBusTest, PruningDeletesOnlyRelayedEventsAndTheMetricsCountThem) {
    std::vector<std::string> seen;
    auto bus = NewBus();
    bus->Subscribe({.name = "recorder", .types = {"A"}}, Recorder(seen));
    Publish("A", "agg1", "1");
    Publish("A", "agg2", "2");
    EXPECT_EQ(*bus->PruneRelayed(INT64_MAX), 0);  // nothing relayed yet: nothing goes
    bus->Start();
    ASSERT_TRUE(bus->WaitUntilIdle(20s));
    bus->Stop();
    auto pruned = bus->PruneRelayed(INT64_MAX);
    ASSERT_TRUE(pruned.ok()) << pruned.error().message;
    EXPECT_EQ(*pruned, 2);
    std::string metrics;
    bus->RenderMetrics(metrics);
    EXPECT_NE(metrics.find("emporium_bus_relayed_total 2"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("emporium_bus_handled_total 2"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("emporium_bus_relay_lag_seconds 0"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace emporium::bus
