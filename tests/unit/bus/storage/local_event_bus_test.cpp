#include "bus/storage/local_event_bus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "bus/outbox_backends.hpp"
#include "core/random.hpp"

namespace emporium::bus {
namespace {

// Every case runs over each OutboxStore adapter.
class LocalEventBusTest : public ::testing::TestWithParam<testing::OutboxEngine> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto backend = GetParam().open();
        ASSERT_TRUE(backend.ok()) << backend.error().message;
        backend_ = std::move(backend).value();
        StartBus();
    }
    void TearDown() override {
        bus_.reset();
        backend_.reset();
    }
    // A restart (or new settings): a new bus over the source database, opened again.
    void Open() {
        bus_.reset();
        auto reopened = backend_->Reopen();
        ASSERT_TRUE(reopened.ok()) << reopened.error().message;
        StartBus();
    }
    void StartBus() {
        LocalEventBusSettings settings;
        settings.max_attempts = 3;
        settings.first_retry = std::chrono::milliseconds(0);
        settings.max_retry = max_retry_;
        settings.poll_interval = poll_interval_;
        settings.round_interval = round_interval_;
        settings.batch_size = batch_size_;
        settings.unwanted_position_save_interval = std::chrono::minutes(10);  // no test takes that long
        bus_ = std::make_unique<LocalEventBus>(settings, clock_);
        bus_->AddSource("source", backend_->store());
    }
    void Publish(const std::string& type, const std::string& aggregate, const std::string& payload) {
        auto written = backend_->Publish(NewEvent(type, aggregate, payload, 1));
        ASSERT_TRUE(written.ok()) << written.error().message;
    }

    std::chrono::milliseconds max_retry_{0};  // retries due at once, so DeliverPending sees them
    std::chrono::milliseconds poll_interval_{100};
    std::chrono::milliseconds round_interval_{50};
    int batch_size_ = 100;
    core::SystemClock clock_;
    std::unique_ptr<testing::OutboxBackend> backend_;
    std::unique_ptr<LocalEventBus> bus_;
};

INSTANTIATE_TEST_SUITE_P(Stores, LocalEventBusTest, ::testing::ValuesIn(testing::OutboxEngines()),
                         [](const ::testing::TestParamInfo<testing::OutboxEngine>& info) { return info.param.name; });

TEST_P(LocalEventBusTest, DeliversInOrderOnlyTheSubscribedTypes) {
    std::mutex mutex;
    std::map<std::string, std::vector<std::string>> seen;
    bus_->Subscribe({.name = "recorder", .types = {"A"}},
                    [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                        std::lock_guard lock(mutex);
                        seen[e.aggregate_id].push_back(e.payload);
                        return core::Ok();
                    });
    Publish("A", "x", "{\"n\":1}");
    Publish("B", "x", "{\"n\":2}");
    Publish("A", "y", "{\"n\":3}");
    Publish("A", "x", "{\"n\":4}");
    bus_->DeliverPending();
    EXPECT_EQ(seen["x"], (std::vector<std::string>{"{\"n\":1}", "{\"n\":4}"}));  // in order per aggregate
    EXPECT_EQ(seen["y"], (std::vector<std::string>{"{\"n\":3}"}));
    bus_->DeliverPending();  // nothing twice
    EXPECT_EQ(seen["x"].size() + seen["y"].size(), 3u);
}

TEST_P(LocalEventBusTest, EventsTheFilterRefusesPassWithoutReachingTheHandler) {
    std::mutex mutex;
    std::vector<std::string> handled;
    std::atomic<int> asked{0};
    bus_->Subscribe({.name = "picky",
                     .types = {"A"},
                     .wanted =
                         [&](const Event& e) {
                             ++asked;
                             return e.payload.find("\"wanted\":true") != std::string::npos;
                         }},
                    [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                        std::lock_guard lock(mutex);
                        handled.push_back(e.payload);
                        return core::Ok();
                    });
    Publish("A", "x", "{\"wanted\":false}");
    Publish("A", "y", "{\"wanted\":true}");
    Publish("B", "z", "{\"wanted\":true}");  // not of its types: the filter is not even asked
    Publish("A", "x", "{\"wanted\":false}");
    bus_->DeliverPending();
    EXPECT_EQ(handled, (std::vector<std::string>{"{\"wanted\":true}"}));
    EXPECT_EQ(asked.load(), 3);
    bus_->DeliverPending();  // the refused ones count as delivered: never asked about again
    EXPECT_EQ(asked.load(), 3);
    EXPECT_EQ(handled.size(), 1u);
}

TEST_P(LocalEventBusTest, AFilterThatThrowsHandsTheEventOver) {
    std::atomic<int> handled{0};
    bus_->Subscribe({.name = "fussy",
                     .types = {"A"},
                     .wanted = [](const Event&) -> bool { throw std::runtime_error("cannot decide"); }},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        ++handled;
                        return core::Ok();
                    });
    Publish("A", "x", "{}");
    bus_->DeliverPending();  // the dispatcher survives, and the handler decides
    EXPECT_EQ(handled.load(), 1);
}

TEST_P(LocalEventBusTest, AFailingAggregateHoldsBackOnlyItsOwnLaterEvents) {
    std::mutex mutex;
    std::vector<std::string> log;  // first handling of each event, in the order it happened
    bool failed_once = false;
    bus_->Subscribe({.name = "lanes", .types = {"A"}},
                    [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                        std::lock_guard lock(mutex);
                        std::string name = e.payload.substr(1, e.payload.size() - 2);  // a JSON string
                        if (name == "x1" && !failed_once) {
                            failed_once = true;
                            log.push_back("x1 failed");
                            return core::Error::Internal("not yet");
                        }
                        // Idempotent consumer: a redelivered event is recognised and skipped.
                        if (std::find(log.begin(), log.end(), name) == log.end()) log.push_back(name);
                        return core::Ok();
                    });
    Publish("A", "x", "\"x1\"");
    for (int i = 0; i < 20; ++i) Publish("A", "y" + std::to_string(i), "\"y" + std::to_string(i) + "\"");
    Publish("A", "z", "\"z1\"");
    Publish("A", "x", "\"x2\"");
    Publish("A", "z", "\"z2\"");
    bus_->DeliverPending();
    auto at = [&](const std::string& entry) { return std::find(log.begin(), log.end(), entry) - log.begin(); };
    ASSERT_EQ(log.size(), 25u);  // 24 events once each, plus the failed attempt
    EXPECT_LT(at("x1 failed"), at("x1"));
    EXPECT_LT(at("x1"), at("x2"));  // x2 waited for x1's retry
    EXPECT_LT(at("z1"), at("z2"));
    // z and y did not wait for x1's retry: they were handled in the pass where it failed.
    EXPECT_LT(at("z2"), at("x1"));
    for (int i = 0; i < 20; ++i) EXPECT_LT(at("y" + std::to_string(i)), at("x1"));
    auto letters = bus_->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    EXPECT_TRUE(letters->empty());
}

TEST_P(LocalEventBusTest, ABatchConsumerGetsADeliveryAtOnceAndResumesAtItsFirstFailure) {
    std::vector<std::vector<std::string>> calls;  // the payloads of each call
    bool failed_once = false;
    bus_->SubscribeBatch(
        {.name = "batcher", .types = {"A"}, .wanted = [](const Event& e) { return e.payload != "2"; }},
        [&](const core::RequestContext&, const std::vector<Event>& events) {
            std::vector<core::Result<void>> outcomes;
            calls.emplace_back();
            for (const Event& e : events) {
                calls.back().push_back(e.payload);
                bool fail = e.payload == "3" && !failed_once;
                outcomes.push_back(fail ? core::Result<void>(core::Error::Internal("not yet")) : core::Ok());
            }
            if (std::find(calls.back().begin(), calls.back().end(), "3") != calls.back().end()) failed_once = true;
            return outcomes;
        });
    for (int i = 1; i <= 5; ++i) Publish("A", "agg" + std::to_string(i), std::to_string(i));
    Publish("B", "agg9", "9");  // not of its types
    bus_->DeliverPending();
    // One call for the whole delivery (without the event its filter refused), in outbox
    // order; then the failed event alone (a retry), then the rest again.
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[0], (std::vector<std::string>{"1", "3", "4", "5"}));
    EXPECT_EQ(calls[1], (std::vector<std::string>{"3"}));
    EXPECT_EQ(calls[2], (std::vector<std::string>{"4", "5"}));
    bus_->DeliverPending();
    EXPECT_EQ(calls.size(), 3u);  // all delivered now
}

TEST_P(LocalEventBusTest, ABatchConsumerThatAnswersWronglyIsRetriedThenDeadLettered) {
    int calls = 0;
    bus_->SubscribeBatch({.name = "miscounting", .types = {"A"}},
                         [&](const core::RequestContext&, const std::vector<Event>&) {
                             ++calls;
                             return std::vector<core::Result<void>>{};  // no outcome at all: nothing counts as handled
                         });
    Publish("A", "x", "{}");
    bus_->DeliverPending();
    EXPECT_EQ(calls, 3);  // max_attempts, then dead-lettered
    auto letters = bus_->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_NE(letters->front().error.find("wrong number of outcomes"), std::string::npos);
}

TEST_P(LocalEventBusTest, AWholeBatchFailureDeadLettersOnlyThePoisonEvent) {
    std::vector<std::string> handled;
    bus_->SubscribeBatch(
        {.name = "all-or-nothing", .types = {"A"}}, [&](const core::RequestContext&, const std::vector<Event>& events) {
            // One transaction for the batch: a poison event fails it all.
            bool poisoned =
                std::any_of(events.begin(), events.end(), [](const Event& e) { return e.payload == "\"poison\""; });
            if (poisoned) return std::vector<core::Result<void>>(events.size(), core::Error::Internal("bad row"));
            for (const Event& e : events) handled.push_back(e.payload);
            return std::vector<core::Result<void>>(events.size(), core::Ok());
        });
    Publish("A", "a", "\"ok1\"");
    Publish("A", "b", "\"ok2\"");
    Publish("A", "c", "\"poison\"");
    Publish("A", "d", "\"ok3\"");
    bus_->DeliverPending();
    EXPECT_EQ(handled, (std::vector<std::string>{"\"ok1\"", "\"ok2\"", "\"ok3\""}));
    auto letters = bus_->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_EQ(letters->front().event.payload, "\"poison\"");
}

TEST_P(LocalEventBusTest, ASlowConsumerDoesNotHoldUpTheOthers) {
    // The slow consumer waits until the quick one has handled two events, the second
    // published only after the first was handled: that takes a second delivery to the quick
    // consumer while the slow one is still in its first.
    std::mutex mutex;
    std::condition_variable changed;
    int quick_handled = 0;
    bool slow_saw_quick = false;
    bool slow_done = false;
    bus_->Subscribe(
        {.name = "slow", .types = {"A"}}, [&](const core::RequestContext&, const Event&) -> core::Result<void> {
            std::unique_lock lock(mutex);
            slow_saw_quick = changed.wait_for(lock, std::chrono::seconds(5), [&] { return quick_handled >= 2; });
            slow_done = true;
            changed.notify_all();
            return core::Ok();
        });
    bus_->Subscribe({.name = "quick", .types = {"B"}},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        std::lock_guard lock(mutex);
                        ++quick_handled;
                        changed.notify_all();
                        return core::Ok();
                    });
    Publish("A", "x", "{}");
    Publish("B", "y", "{}");
    bus_->Start();
    {
        std::unique_lock lock(mutex);
        EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds(5), [&] { return quick_handled >= 1; }));
    }
    Publish("B", "z", "{}");
    bus_->Wake();
    {
        std::unique_lock lock(mutex);
        EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return slow_done; }));
    }
    bus_->Stop();  // before the test's locals go: the handlers use them
    EXPECT_TRUE(slow_saw_quick);
}

TEST_P(LocalEventBusTest, PassingUnwantedEventsIsSavedLazilyAndLosesNothingOnRestart) {
    std::vector<std::string> handled;
    auto subscribe = [&] {
        bus_->Subscribe(
            {.name = "picky", .types = {"A"}, .wanted = [](const Event& e) { return e.payload == "\"wanted\""; }},
            [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                handled.push_back(e.payload);
                return core::Ok();
            });
    };
    auto saved_position = [&] {
        auto state = backend_->store().ReadConsumer(core::RequestContext{}, "picky");
        EXPECT_TRUE(state.ok());
        return state.ok() ? state->position : -1;
    };
    subscribe();
    Publish("A", "a", "\"wanted\"");  // handled: its position is saved
    bus_->DeliverPending();
    int64_t after_wanted = saved_position();
    EXPECT_GT(after_wanted, 0);
    Publish("A", "b", "\"not wanted\"");
    Publish("A", "c", "\"not wanted\"");
    bus_->DeliverPending();
    EXPECT_EQ(saved_position(), after_wanted);  // passed, but not written yet

    Open();  // a restart: the unsaved position is gone
    subscribe();
    Publish("A", "d", "\"wanted\"");
    bus_->DeliverPending();
    EXPECT_EQ(handled, (std::vector<std::string>{"\"wanted\"", "\"wanted\""}));  // each once
    EXPECT_GT(saved_position(), after_wanted);
}

TEST_P(LocalEventBusTest, PrunesOnlyEventsEveryConsumerHasPassed) {
    std::atomic<int> handled{0};
    bus_->Subscribe({.name = "counter", .types = {"A"}},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        handled.fetch_add(1);
                        return core::Ok();
                    });
    for (int i = 0; i < 3; ++i) Publish("A", "x", "{}");  // occurred_at = 1
    auto pruned = bus_->PruneDelivered(100);
    ASSERT_TRUE(pruned.ok()) << pruned.error().message;
    EXPECT_EQ(*pruned, 0);  // the consumer has not started: keep everything
    bus_->DeliverPending();
    EXPECT_EQ(*bus_->PruneDelivered(1), 0);  // not older than the retention yet
    EXPECT_EQ(*bus_->PruneDelivered(100), 3);
    Publish("A", "x", "{}");
    bus_->DeliverPending();
    EXPECT_EQ(handled.load(), 4);  // nothing delivered twice, nothing lost
}

TEST_P(LocalEventBusTest, AnOutageIsRetriedWithoutDeadLettering) {
    int calls = 0;
    bus_->Subscribe({.name = "refunds", .types = {"A"}},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        // The provider is down for longer than max_attempts (3 here) tries.
                        if (++calls < 10) return core::Error::Unavailable("provider down");
                        return core::Ok();
                    });
    Publish("A", "x", "{}");
    bus_->DeliverPending();
    EXPECT_EQ(calls, 10);
    auto letters = bus_->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    EXPECT_TRUE(letters->empty());
}

TEST_P(LocalEventBusTest, AnOutageBeyondThePoisonAttemptsWaitsTheLongestDelay) {
    max_retry_ = std::chrono::seconds(30);
    Open();
    int calls = 0;
    bus_->Subscribe({.name = "refunds", .types = {"A"}},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        ++calls;
                        return core::Error::Unavailable("provider down");
                    });
    Publish("A", "x", "{}");
    // Attempt 1 and its retry are due at once (first_retry 0); from the attempt that would
    // have dead-lettered a poison event (max_attempts 3) on, the wait is max_retry, so the
    // provider is not asked again within this pass.
    bus_->DeliverPending();
    EXPECT_EQ(calls, 2);
    auto letters = bus_->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    EXPECT_TRUE(letters->empty());
}

TEST_P(LocalEventBusTest, RetriesThenDeadLettersAndKeepsGoing) {
    int calls = 0;
    std::vector<std::string> delivered;
    bool heal = false;
    bus_->Subscribe({.name = "flaky", .types = {"A"}},
                    [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                        ++calls;
                        if (e.payload == "{\"poison\":true}" && !heal) return core::Error::Internal("cannot handle");
                        delivered.push_back(e.payload);
                        return core::Ok();
                    });
    Publish("A", "x", "{\"poison\":true}");
    Publish("A", "x", "{\"ok\":true}");
    bus_->DeliverPending();
    EXPECT_EQ(calls, 4);  // 3 attempts at the poison event, then the next one
    EXPECT_EQ(delivered, std::vector<std::string>{"{\"ok\":true}"});
    auto letters = bus_->ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_EQ((*letters)[0].attempts, 3);
    EXPECT_EQ((*letters)[0].error, "cannot handle");
    EXPECT_FALSE(bus_->Replay(core::RequestContext{}, (*letters)[0].id).ok());  // still failing: stays
    heal = true;
    auto replayed = bus_->Replay(core::RequestContext{}, (*letters)[0].id);
    ASSERT_TRUE(replayed.ok()) << replayed.error().message;
    EXPECT_TRUE(replayed->replayed_at.has_value());
    EXPECT_EQ(delivered.back(), "{\"poison\":true}");
    EXPECT_EQ(bus_->Replay(core::RequestContext{}, "dlq_missing").error().code, core::ErrorCode::kNotFound);
}

TEST_P(LocalEventBusTest, ResumesAfterRestartWithoutRedeliveringHandledEvents) {
    std::vector<std::string> seen;
    auto subscribe = [&] {
        bus_->Subscribe({.name = "recorder", .types = {"A"}},
                        [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                            seen.push_back(e.payload);
                            return core::Ok();
                        });
    };
    subscribe();
    Publish("A", "x", "{\"n\":1}");
    bus_->DeliverPending();
    Open();  // a restart: new bus over the same database
    subscribe();
    Publish("A", "x", "{\"n\":2}");
    bus_->DeliverPending();
    EXPECT_EQ(seen, (std::vector<std::string>{"{\"n\":1}", "{\"n\":2}"}));
}

TEST_P(LocalEventBusTest, BackgroundThreadDeliversAfterWake) {
    poll_interval_ = std::chrono::seconds(30);  // only Wake can make it look again in time
    Open();
    std::atomic<int> seen{0};
    bus_->Subscribe({.name = "counter", .types = {"A"}},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        ++seen;
                        return core::Ok();
                    });
    bus_->Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // its first look found nothing
    Publish("A", "x", "{}");
    bus_->Wake();
    for (int i = 0; i < 200 && seen.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    bus_->Stop();
    EXPECT_EQ(seen.load(), 1);
}

TEST_P(LocalEventBusTest, AFullBatchIsFollowedAtOnce) {
    round_interval_ = std::chrono::seconds(30);  // a short batch waits this long for more
    batch_size_ = 2;
    Open();
    std::atomic<int> seen{0};
    bus_->Subscribe({.name = "counter", .types = {"A"}},
                    [&](const core::RequestContext&, const Event&) -> core::Result<void> {
                        ++seen;
                        return core::Ok();
                    });
    for (int i = 0; i < 5; ++i) Publish("A", "x" + std::to_string(i), "{}");
    bus_->Start();  // batches of 2, 2, 1: the first two are full and followed at once
    for (int i = 0; i < 200 && seen.load() < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    bus_->Stop();
    EXPECT_EQ(seen.load(), 5);
}

TEST_P(LocalEventBusTest, ConcurrentProducersLoseNothingAndKeepEachAggregatesOrder) {
    // Producers commit while the bus delivers: every event arrives once, each aggregate's in
    // the order its producer committed them.
    constexpr int kProducers = 4;
    constexpr int kEventsEach = 25;
    std::mutex mutex;
    std::map<std::string, std::vector<int>> seen;  // aggregate -> the numbers it was handed
    int total = 0;
    bus_->Subscribe({.name = "recorder", .types = {"A"}},
                    [&](const core::RequestContext&, const Event& e) -> core::Result<void> {
                        std::lock_guard lock(mutex);
                        seen[e.aggregate_id].push_back(std::stoi(e.payload));
                        ++total;
                        return core::Ok();
                    });
    bus_->Start();
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < kEventsEach; ++i) {
                Publish("A", "agg" + std::to_string(p), std::to_string(i));
                bus_->Wake();
            }
        });
    for (auto& producer : producers) producer.join();
    for (int i = 0; i < 500; ++i) {
        {
            std::lock_guard lock(mutex);
            if (total >= kProducers * kEventsEach) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    bus_->Stop();
    std::vector<int> in_order(kEventsEach);
    for (int i = 0; i < kEventsEach; ++i) in_order[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(total, kProducers * kEventsEach);
    for (int p = 0; p < kProducers; ++p) EXPECT_EQ(seen["agg" + std::to_string(p)], in_order) << "agg" << p;
}

TEST_P(LocalEventBusTest, MarkHandledDeduplicates) {
    auto first = backend_->MarkHandled("consumer", "evt_1", 1);
    auto second = backend_->MarkHandled("consumer", "evt_1", 2);
    auto other = backend_->MarkHandled("other", "evt_1", 2);
    ASSERT_TRUE(first.ok() && second.ok() && other.ok());
    EXPECT_TRUE(*first);
    EXPECT_FALSE(*second);
    EXPECT_TRUE(*other);
}

}  // namespace
}  // namespace emporium::bus
