// The contract every NotificationsRepository adapter passes
// (services/notifications/notifications_repository.hpp). Today: SQLite, PostgreSQL and the
// in-memory fake; each adapter's factory is in the list below.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_notifications_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/notifications/notifications_repository.hpp"
#include "services/notifications/storage/postgres_notifications_repository.hpp"
#include "services/notifications/storage/sqlite_notifications_repository.hpp"

namespace emporium::notifications {
namespace {

using Subject = testing::ContractSubject<NotificationsRepository>;
using NotificationsAdapter = testing::ContractAdapter<NotificationsRepository>;
using testing::CodeOf;

constexpr const char* kConsumer = "notifications.orders";

std::vector<NotificationsAdapter> Adapters() {
    return {testing::SqliteContractAdapter<NotificationsRepository, SqliteNotificationsRepository>(
                "notifications", {"notifications", "bus"}),
            testing::PostgresContractAdapter<NotificationsRepository, PostgresNotificationsRepository>(
                {"notifications", "bus"}),
            testing::MemoryContractAdapter<NotificationsRepository, MemoryNotificationsRepository>()};
}

class NotificationsRepositoryContract : public ::testing::TestWithParam<NotificationsAdapter> {
  protected:
    void SetUp() override {
        subject_ = GetParam().make();
        ASSERT_TRUE(subject_.repository);
        repo_ = subject_.repository.get();
    }

    // The mail the service sends for `event_id`: its id is the event's and the kind's.
    static SentMail Mail(const std::string& event_id, const std::string& kind = "order_confirmed") {
        return SentMail{event_id + "." + kind, event_id, kind, "ada@example.com", "About " + event_id};
    }
    void RecordSent(const std::vector<SentMail>& mails, const std::string& consumer = kConsumer) {
        auto recorded = repo_->RecordSent(ctx_, consumer, mails, 1000);
        ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    }
    std::vector<bool> Handled(const std::vector<std::string>& event_ids, const std::string& consumer = kConsumer) {
        auto handled = repo_->Handled(ctx_, consumer, event_ids);
        EXPECT_TRUE(handled.ok()) << handled.error().message;
        return handled.ok() ? *handled : std::vector<bool>{};
    }

    core::RequestContext ctx_;
    Subject subject_;
    NotificationsRepository* repo_ = nullptr;
};

TEST_P(NotificationsRepositoryContract, NothingIsHandledBeforeItsMailIsRecorded) {
    EXPECT_EQ(Handled({"evt_1", "evt_2"}), (std::vector<bool>{false, false}));
    EXPECT_EQ(Handled({}), std::vector<bool>{});
    RecordSent({});  // an empty record is fine and records nothing
    EXPECT_EQ(Handled({"evt_1"}), std::vector<bool>{false});
}

TEST_P(NotificationsRepositoryContract, HandledAnswersEachEventInTheOrderAsked) {
    RecordSent({Mail("evt_1"), Mail("evt_3")});
    EXPECT_EQ(Handled({"evt_3", "evt_2", "evt_1", "evt_3", "evt_4"}),
              (std::vector<bool>{true, false, true, true, false}));
}

TEST_P(NotificationsRepositoryContract, ABatchOfManyMailsIsRecordedTogether) {
    std::vector<SentMail> mails;
    std::vector<std::string> event_ids;
    for (int i = 0; i < 50; ++i) {
        event_ids.push_back("evt_" + std::to_string(i));
        if (i % 2 == 0) mails.push_back(Mail(event_ids.back()));
    }
    RecordSent(mails);
    auto handled = Handled(event_ids);
    ASSERT_EQ(handled.size(), event_ids.size());
    for (std::size_t i = 0; i < handled.size(); ++i) EXPECT_EQ(handled[i], i % 2 == 0) << event_ids[i];
}

TEST_P(NotificationsRepositoryContract, AnEventIsHandledOnlyForTheConsumerThatRecordedIt) {
    RecordSent({Mail("evt_1")}, "notifications.orders");
    RecordSent({Mail("evt_2")}, "notifications.shipping");
    EXPECT_EQ(Handled({"evt_1", "evt_2"}, "notifications.orders"), (std::vector<bool>{true, false}));
    EXPECT_EQ(Handled({"evt_1", "evt_2"}, "notifications.shipping"), (std::vector<bool>{false, true}));
    EXPECT_EQ(Handled({"evt_1", "evt_2"}, "other"), (std::vector<bool>{false, false}));
}

TEST_P(NotificationsRepositoryContract, RecordingAMailAgainIsNotAnError) {
    RecordSent({Mail("evt_1")});
    RecordSent({Mail("evt_1"), Mail("evt_2")});  // a redelivery along with a new event
    // Two mails of one event, and the same mail twice in one batch.
    RecordSent({Mail("evt_3", "order_shipped"), Mail("evt_3", "invoice"), Mail("evt_3", "invoice")});
    EXPECT_EQ(Handled({"evt_1", "evt_2", "evt_3"}), (std::vector<bool>{true, true, true}));
}

// A redelivery recorded while the first delivery is being recorded (on PostgreSQL, in a
// concurrent transaction), whatever the order of its batch, is no error either.
TEST_P(NotificationsRepositoryContract, RecordingTheSameMailsAtOnceIsNotAnError) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            std::vector<SentMail> mails{Mail("evt_1"), Mail("evt_2"), Mail("evt_2", "invoice")};
            if (t % 2) std::reverse(mails.begin(), mails.end());
            auto recorded = repo_->RecordSent(ctx_, kConsumer, mails, 1000);
            EXPECT_TRUE(recorded.ok()) << recorded.error().message;
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(Handled({"evt_1", "evt_2", "evt_3"}), (std::vector<bool>{true, true, false}));
}

TEST_P(NotificationsRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto recorded = repo_->RecordSent(expired, kConsumer, {Mail("evt_1")}, 1000);
    ASSERT_FALSE(recorded.ok());
    EXPECT_EQ(CodeOf(recorded), core::ErrorCode::kUnavailable);
    EXPECT_EQ(Handled({"evt_1"}), std::vector<bool>{false});
    RecordSent({Mail("evt_1")});
    EXPECT_EQ(CodeOf(repo_->Handled(expired, kConsumer, {"evt_1"})), core::ErrorCode::kUnavailable);
    EXPECT_EQ(Handled({"evt_1"}), std::vector<bool>{true});
}

INSTANTIATE_TEST_SUITE_P(Adapters, NotificationsRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<NotificationsAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::notifications
