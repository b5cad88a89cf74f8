// The contract every EventBus adapter passes (bus/event_bus.hpp), seen from consumers: what
// they are handed, in which order, how often, and what becomes of an event that keeps
// failing: the outbox dispatcher (LocalEventBus) and the RabbitMQ adapter (RabbitMqEventBus,
// on the tests' broker), each over every OutboxStore. What only one adapter promises (the
// local bus's positions in the database, its scheduling; RabbitMQ's queues) is tested beside
// it (local_event_bus_test, rabbitmq_event_bus_test).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bus/event_bus.hpp"
#include "bus/outbox_backends.hpp"
#include "bus/rabbitmq/rabbitmq_event_bus.hpp"
#include "bus/storage/local_event_bus.hpp"
#include "core/clock.hpp"
#include "test_rabbitmq.hpp"

namespace emporium::bus {
namespace {

// One adapter under test: publishes as a service would (its outbox, in a transaction of its
// own) and lets the test wait until everything deliverable has been delivered.
class BusHarness {
  public:
    virtual ~BusHarness() = default;
    virtual EventBus& bus() = 0;
    virtual void Publish(const std::string& type, const std::string& aggregate, const std::string& payload) = 0;
    virtual void DeliverAll() = 0;
};

// The outbox dispatcher over one source database of `engine`. Retries are due at once and
// an event is dead-lettered after 3 attempts.
class LocalBusHarness final : public BusHarness {
  public:
    explicit LocalBusHarness(const testing::OutboxEngine& engine) {
        auto backend = engine.open();
        if (!backend.ok()) {
            ADD_FAILURE() << backend.error().message;
            return;
        }
        backend_ = std::move(backend).value();
        LocalEventBusSettings settings;
        settings.max_attempts = 3;
        settings.first_retry = std::chrono::milliseconds(0);
        settings.max_retry = std::chrono::milliseconds(0);
        settings.handler_threads = 0;
        bus_ = std::make_unique<LocalEventBus>(settings, clock_);
        bus_->AddSource("outbox", backend_->store());
    }
    ~LocalBusHarness() override {
        bus_.reset();
        backend_.reset();
    }
    bool ready() const { return bus_ != nullptr; }
    EventBus& bus() override { return *bus_; }
    void Publish(const std::string& type, const std::string& aggregate, const std::string& payload) override {
        auto written = backend_->Publish(NewEvent(type, aggregate, payload, 1));
        ASSERT_TRUE(written.ok()) << written.error().message;
    }
    void DeliverAll() override { bus_->DeliverPending(); }

  private:
    core::SystemClock clock_;
    std::unique_ptr<testing::OutboxBackend> backend_;
    std::unique_ptr<LocalEventBus> bus_;
};

// The RabbitMQ adapter over one source database of `engine`, on the tests' broker under
// exchange and queue names of the test's own. Retries wait 20 ms, then 50 ms; an event is
// dead-lettered after 3 attempts, as above. DeliverAll runs the bus until it is idle (the
// outbox relayed, every queue empty, no handler running), then stops it, so that nothing
// reaches the test's handlers after the test looked.
class RabbitMqBusHarness final : public BusHarness {
  public:
    RabbitMqBusHarness(const testing::OutboxEngine& engine, const std::string& url) {
        auto backend = engine.open();
        if (!backend.ok()) {
            ADD_FAILURE() << backend.error().message;
            return;
        }
        backend_ = std::move(backend).value();
        RabbitMqEventBusSettings settings;
        settings.url = url;
        settings.prefix = testing::UniqueBrokerPrefix();
        settings.max_attempts = 3;
        settings.first_retry = std::chrono::milliseconds(20);
        settings.max_retry = std::chrono::milliseconds(50);
        settings.poll_interval = std::chrono::milliseconds(50);
        settings.max_backoff = std::chrono::milliseconds(500);
        settings.replica_queue_expiry = std::chrono::seconds(60);
        bus_ = std::make_unique<RabbitMqEventBus>(settings);
        bus_->AddSource("outbox", backend_->store());
    }
    ~RabbitMqBusHarness() override {
        bus_.reset();
        backend_.reset();
    }
    bool ready() const { return bus_ != nullptr; }
    EventBus& bus() override { return *bus_; }
    void Publish(const std::string& type, const std::string& aggregate, const std::string& payload) override {
        auto written = backend_->Publish(NewEvent(type, aggregate, payload, 1));
        ASSERT_TRUE(written.ok()) << written.error().message;
    }
    void DeliverAll() override {
        bus_->Start();
        EXPECT_TRUE(bus_->WaitUntilIdle(std::chrono::seconds(30))) << "the bus did not settle";
        bus_->Stop();
    }

  private:
    std::unique_ptr<testing::OutboxBackend> backend_;
    std::unique_ptr<RabbitMqEventBus> bus_;
};

struct BusAdapter {
    std::string name;
    std::function<std::unique_ptr<BusHarness>()> make;
    // Why the adapter cannot run here (its engine is not configured): the test is skipped.
    std::function<std::optional<std::string>()> missing = [] { return std::nullopt; };
};

// Failure messages name the adapter instead of dumping its bytes.
void PrintTo(const BusAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<BusAdapter> Adapters() {
    std::vector<BusAdapter> adapters;
    for (const auto& engine : testing::OutboxEngines())
        adapters.push_back({"local_" + engine.name, [engine]() -> std::unique_ptr<BusHarness> {
                                auto harness = std::make_unique<LocalBusHarness>(engine);
                                if (!harness->ready()) return nullptr;
                                return harness;
                            }});
    for (const auto& engine : testing::OutboxEngines())
        adapters.push_back({"rabbitmq_" + engine.name,
                            [engine]() -> std::unique_ptr<BusHarness> {
                                auto harness = std::make_unique<RabbitMqBusHarness>(
                                    engine, testing::TestRabbitMqUrl().value_or(""));
                                if (!harness->ready()) return nullptr;
                                return harness;
                            },
                            []() -> std::optional<std::string> {
                                if (testing::TestRabbitMqUrl()) return std::nullopt;
                                return "EMPORIUM_TEST_RABBITMQ is not set";
                            }});
    return adapters;
}

class EventBusContract : public ::testing::TestWithParam<BusAdapter> {
  protected:
    void SetUp() override {
        if (auto missing = GetParam().missing()) GTEST_SKIP() << *missing;
        harness_ = GetParam().make();
        ASSERT_TRUE(harness_) << "the adapter could not start";
    }
    void TearDown() override { harness_.reset(); }

    // A consumer that records the payloads it was handed (and fails while `fail` says so).
    EventBus::Handler Recorder(std::vector<std::string>& seen, std::function<bool(const Event&)> fail = {}) {
        return [this, &seen, fail](const core::RequestContext&, const Event& event) -> core::Result<void> {
            std::lock_guard lock(mutex_);
            seen.push_back(event.payload);
            if (fail && fail(event)) return core::Error::Internal("refused");
            return core::Ok();
        };
    }

    std::mutex mutex_;
    std::unique_ptr<BusHarness> harness_;
};

TEST_P(EventBusContract, AConsumerHearsEveryEventOfItsTypesInOrderAndNothingElse) {
    std::vector<std::string> seen;
    harness_->bus().Subscribe({.name = "recorder", .types = {"A", "B"}}, Recorder(seen));
    harness_->Publish("A", "agg1", "\"1\"");
    harness_->Publish("C", "agg1", "\"not mine\"");
    harness_->Publish("B", "agg1", "\"2\"");
    harness_->Publish("A", "agg1", "\"3\"");
    harness_->DeliverAll();
    EXPECT_EQ(seen, (std::vector<std::string>{"\"1\"", "\"2\"", "\"3\""}));
    harness_->DeliverAll();  // delivered once is delivered: nothing again
    EXPECT_EQ(seen.size(), 3u);
}

TEST_P(EventBusContract, EveryConsumerOfATypeHearsEveryEvent) {
    std::vector<std::string> shipping, mails, cache;
    harness_->bus().Subscribe({.name = "shipping", .types = {"A"}}, Recorder(shipping));
    harness_->bus().Subscribe({.name = "mails", .types = {"A"}}, Recorder(mails));
    harness_->bus().Subscribe({.name = "cache", .types = {"A"}, .fanout = Fanout::kEveryReplica}, Recorder(cache));
    harness_->Publish("A", "agg1", "\"1\"");
    harness_->Publish("A", "agg2", "\"2\"");
    harness_->DeliverAll();
    for (const auto* seen : {&shipping, &mails, &cache}) EXPECT_EQ(*seen, (std::vector<std::string>{"\"1\"", "\"2\""}));
}

TEST_P(EventBusContract, AnEventTheFilterRefusesNeverReachesTheHandler) {
    std::vector<std::string> seen;
    harness_->bus().Subscribe(
        {.name = "picky", .types = {"A"}, .wanted = [](const Event& e) { return e.payload != "\"skip\""; }},
        Recorder(seen));
    harness_->Publish("A", "agg1", "\"skip\"");
    harness_->Publish("A", "agg1", "\"keep\"");
    harness_->DeliverAll();
    EXPECT_EQ(seen, (std::vector<std::string>{"\"keep\""}));
}

TEST_P(EventBusContract, AFailedEventComesAgainUntilItSucceeds) {
    std::vector<std::string> seen;
    int failures_left = 2;
    harness_->bus().Subscribe({.name = "flaky", .types = {"A"}},
                              Recorder(seen, [&](const Event&) { return failures_left-- > 0; }));
    harness_->Publish("A", "agg1", "\"1\"");
    harness_->DeliverAll();
    EXPECT_EQ(seen, (std::vector<std::string>{"\"1\"", "\"1\"", "\"1\""}));  // at least once, not lost
    auto letters = harness_->bus().ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    EXPECT_TRUE(letters->empty());
}

TEST_P(EventBusContract, APoisonEventIsDeadLetteredWithoutHoldingUpTheRestAndCanBeReplayed) {
    std::vector<std::string> seen;
    bool poisoned = true;
    harness_->bus().Subscribe({.name = "strict", .types = {"A"}},
                              Recorder(seen, [&](const Event& e) { return poisoned && e.payload == "\"poison\""; }));
    harness_->Publish("A", "agg1", "\"poison\"");
    harness_->Publish("A", "agg2", "\"after\"");
    harness_->DeliverAll();
    EXPECT_NE(std::find(seen.begin(), seen.end(), "\"after\""), seen.end());  // the stream moved on
    auto letters = harness_->bus().ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    const DeadLetter& letter = letters->front();
    EXPECT_EQ(letter.consumer, "strict");
    EXPECT_EQ(letter.event.payload, "\"poison\"");
    EXPECT_NE(letter.error.find("refused"), std::string::npos);
    EXPECT_FALSE(letter.replayed_at);

    // Still failing: the letter stays, not replayed.
    EXPECT_FALSE(harness_->bus().Replay(core::RequestContext{}, letter.id).ok());
    poisoned = false;  // the operator fixed the cause
    auto replayed = harness_->bus().Replay(core::RequestContext{}, letter.id);
    ASSERT_TRUE(replayed.ok()) << replayed.error().message;
    EXPECT_TRUE(replayed->replayed_at);
    EXPECT_EQ(harness_->bus().Replay(core::RequestContext{}, "dlq_unknown").error().code, core::ErrorCode::kNotFound);
}

TEST_P(EventBusContract, HandlersGetABoundedContextNamingTheConsumer) {
    core::RequestContext seen;
    harness_->bus().Subscribe({.name = "ctx", .types = {"A"}},
                              [&](const core::RequestContext& ctx, const Event&) -> core::Result<void> {
                                  seen = ctx;
                                  return core::Ok();
                              });
    harness_->Publish("A", "agg1", "{}");
    auto before = std::chrono::steady_clock::now();
    harness_->DeliverAll();
    EXPECT_GT(seen.deadline, before);
    EXPECT_LT(seen.deadline, before + std::chrono::minutes(10));  // bounded, not "never"
    EXPECT_EQ(seen.request_id.rfind("ctx:", 0), 0u) << seen.request_id;
}

TEST_P(EventBusContract, ABatchConsumerGetsItsEventsInOrderWithOneOutcomeEach) {
    std::vector<std::string> seen;
    harness_->bus().SubscribeBatch({.name = "batcher", .types = {"A"}},
                                   [&](const core::RequestContext&, const std::vector<Event>& events) {
                                       for (const auto& e : events) seen.push_back(e.payload);
                                       return std::vector<core::Result<void>>(events.size(), core::Ok());
                                   });
    for (int i = 1; i <= 5; ++i) harness_->Publish("A", "agg" + std::to_string(i), std::to_string(i));
    harness_->DeliverAll();
    EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

INSTANTIATE_TEST_SUITE_P(Adapters, EventBusContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<BusAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::bus
