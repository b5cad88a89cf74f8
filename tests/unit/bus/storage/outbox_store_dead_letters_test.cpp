// What every OutboxStore adapter does with dead letters recorded on their own
// (SaveDeadLetter: the RabbitMQ bus's recorder), over SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "bus/outbox_backends.hpp"

namespace emporium::bus {
namespace {

class OutboxStoreDeadLetters : public ::testing::TestWithParam<testing::OutboxEngine> {
  protected:
    void SetUp() override {
        auto backend = GetParam().open();
        ASSERT_TRUE(backend.ok()) << backend.error().message;
        backend_ = std::move(backend).value();
    }

    static DeadLetter Letter(std::string id, int64_t failed_at) {
        return DeadLetter{.id = std::move(id),
                          .source = "ignored",
                          .consumer = "shipping",
                          .event = Event{"evt_1", "PaymentSucceeded", "ord_1", "{\"a\":1}", 1700000000, 42},
                          .attempts = 8,
                          .error = "refused",
                          .failed_at = failed_at};
    }

    std::unique_ptr<testing::OutboxBackend> backend_;
};

TEST_P(OutboxStoreDeadLetters, ASavedLetterIsListedFoundAndReplayable) {
    OutboxStore& store = backend_->store();
    ASSERT_TRUE(store.SaveDeadLetter(core::RequestContext{}, Letter("dlq_a", 100)).ok());
    ASSERT_TRUE(store.SaveDeadLetter(core::RequestContext{}, Letter("dlq_b", 200)).ok());
    auto letters = store.ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok()) << letters.error().message;
    ASSERT_EQ(letters->size(), 2u);
    EXPECT_EQ(letters->front().id, "dlq_b");  // newest failure first
    auto found = store.FindDeadLetter(core::RequestContext{}, "dlq_a");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->consumer, "shipping");
    EXPECT_EQ(found->event.id, "evt_1");
    EXPECT_EQ(found->event.type, "PaymentSucceeded");
    EXPECT_EQ(found->event.aggregate_id, "ord_1");
    EXPECT_EQ(found->event.payload, "{\"a\":1}");
    EXPECT_EQ(found->event.sequence, 42);
    EXPECT_EQ(found->attempts, 8);
    EXPECT_EQ(found->error, "refused");
    EXPECT_EQ(found->failed_at, 100);
    EXPECT_TRUE(found->source.empty());
    EXPECT_FALSE(found->replayed_at);
    ASSERT_TRUE(store.MarkReplayed(core::RequestContext{}, "dlq_a", 300).ok());
    EXPECT_EQ(store.FindDeadLetter(core::RequestContext{}, "dlq_a")->replayed_at, 300);
}

TEST_P(OutboxStoreDeadLetters, TheSameLetterSavedTwiceIsKeptOnce) {
    OutboxStore& store = backend_->store();
    ASSERT_TRUE(store.SaveDeadLetter(core::RequestContext{}, Letter("dlq_a", 100)).ok());
    ASSERT_TRUE(store.MarkReplayed(core::RequestContext{}, "dlq_a", 300).ok());
    auto again = store.SaveDeadLetter(core::RequestContext{}, Letter("dlq_a", 100));  // its message came twice
    ASSERT_TRUE(again.ok()) << again.error().message;
    auto letters = store.ListDeadLetters(core::RequestContext{}, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_EQ(letters->front().replayed_at, 300);  // the first one, untouched
}

TEST_P(OutboxStoreDeadLetters, APassedDeadlineIsRefused) {
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(backend_->store().SaveDeadLetter(expired, Letter("dlq_a", 100)).error().code,
              core::ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Engines, OutboxStoreDeadLetters, ::testing::ValuesIn(testing::OutboxEngines()),
                         [](const ::testing::TestParamInfo<testing::OutboxEngine>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::bus
