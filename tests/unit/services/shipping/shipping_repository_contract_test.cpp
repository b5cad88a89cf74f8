// The contract every ShippingRepository adapter passes
// (services/shipping/shipping_repository.hpp). Today: SQLite, PostgreSQL and the in-memory
// fake; each adapter's factory is in the list below.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_shipping_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/shipping/shipping_repository.hpp"
#include "services/shipping/storage/postgres_shipping_repository.hpp"
#include "services/shipping/storage/sqlite_shipping_repository.hpp"

namespace emporium::shipping {
namespace {

using Subject = testing::ContractSubject<ShippingRepository>;
using ShippingAdapter = testing::ContractAdapter<ShippingRepository>;
using testing::CodeOf;

std::vector<ShippingAdapter> Adapters() {
    return {testing::SqliteContractAdapter<ShippingRepository, SqliteShippingRepository>("shipping", {"shipping"}),
            testing::PostgresContractAdapter<ShippingRepository, PostgresShippingRepository>({"shipping"}),
            testing::MemoryContractAdapter<ShippingRepository, MemoryShippingRepository>()};
}

class ShippingRepositoryContract : public ::testing::TestWithParam<ShippingAdapter> {
  protected:
    void SetUp() override {
        subject_ = GetParam().make();
        ASSERT_TRUE(subject_.repository);
        repo_ = subject_.repository.get();
    }

    static Shipment NewShipment(const std::string& tracking_number, const std::string& order_id) {
        return Shipment{tracking_number, order_id, "usr_of_" + order_id, "ACME", ShipmentStatus::kLabelCreated, {}};
    }
    static TrackingEvent Scan(ShipmentStatus status, const std::string& description, int64_t at) {
        return TrackingEvent{status, description, at};
    }
    void Insert(const std::vector<Shipment>& shipments, int64_t now = 100) {
        auto inserted = repo_->InsertOrFind(ctx_, shipments, now);
        ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    void Add(const std::string& tracking_number, const TrackingEvent& event) {
        auto added = repo_->AddEvent(ctx_, tracking_number, event);
        ASSERT_TRUE(added.ok()) << added.error().message;
    }
    // The events of a shipment as "status:description@at", oldest first.
    static std::vector<std::string> Events(const Shipment& shipment) {
        std::vector<std::string> out;
        for (const auto& e : shipment.events)
            out.push_back(std::string(StatusName(e.status)) + ":" + e.description + "@" + std::to_string(e.at));
        return out;
    }
    std::vector<std::string> EventsOf(const std::string& tracking_number) {
        auto found = repo_->FindByTracking(ctx_, tracking_number);
        EXPECT_TRUE(found.ok()) << tracking_number;
        return found.ok() ? Events(*found) : std::vector<std::string>{};
    }

    core::RequestContext ctx_;
    Subject subject_;
    ShippingRepository* repo_ = nullptr;
};

TEST_P(ShippingRepositoryContract, ANewShipmentStartsLabelCreatedAndIsFoundByOrderAndByTracking) {
    Shipment given = NewShipment("trk_1", "ord_1");
    given.status = ShipmentStatus::kInTransit;  // the stored shipment starts over, whatever it says
    given.events = {Scan(ShipmentStatus::kInTransit, "ignored", 50)};
    auto inserted = repo_->InsertOrFind(ctx_, {given}, 100);
    ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    ASSERT_EQ(inserted->size(), 1u);
    for (auto found : {core::Result<Shipment>((*inserted)[0]), repo_->FindByOrder(ctx_, "ord_1"),
                       repo_->FindByTracking(ctx_, "trk_1")}) {
        ASSERT_TRUE(found.ok()) << found.error().message;
        EXPECT_EQ(found->tracking_number, "trk_1");
        EXPECT_EQ(found->order_id, "ord_1");
        EXPECT_EQ(found->user_id, "usr_of_ord_1");
        EXPECT_EQ(found->carrier, "ACME");
        EXPECT_EQ(found->status, ShipmentStatus::kLabelCreated);
        EXPECT_EQ(Events(*found), std::vector<std::string>{"label_created:Shipping label created@100"});
    }
}

TEST_P(ShippingRepositoryContract, AnUnknownOrderOrTrackingNumberIsNotFound) {
    Insert({NewShipment("trk_1", "ord_1")});
    EXPECT_EQ(CodeOf(repo_->FindByOrder(ctx_, "ord_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindByOrder(ctx_, "trk_1")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindByTracking(ctx_, "trk_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindByTracking(ctx_, "ord_1")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->AddEvent(ctx_, "trk_2", Scan(ShipmentStatus::kInTransit, "Departed", 200))),
              core::ErrorCode::kNotFound);
}

TEST_P(ShippingRepositoryContract, InsertingAnOrderAgainFindsItsShipmentAsItIsNow) {
    Insert({NewShipment("trk_1", "ord_1")}, 100);
    Add("trk_1", Scan(ShipmentStatus::kInTransit, "Departed", 200));
    Shipment again = NewShipment("trk_other", "ord_1");  // a redelivered event drew a new number
    again.carrier = "Other";
    auto found = repo_->InsertOrFind(ctx_, {again}, 300);
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].tracking_number, "trk_1");
    EXPECT_EQ((*found)[0].carrier, "ACME");
    EXPECT_EQ((*found)[0].status, ShipmentStatus::kInTransit);
    EXPECT_EQ(Events((*found)[0]),
              (std::vector<std::string>{"label_created:Shipping label created@100", "in_transit:Departed@200"}));
    EXPECT_EQ(CodeOf(repo_->FindByTracking(ctx_, "trk_other")), core::ErrorCode::kNotFound);
}

TEST_P(ShippingRepositoryContract, ABatchAnswersOneStoredShipmentPerItemInOrder) {
    Insert({NewShipment("trk_a", "ord_a")}, 100);
    auto stored = repo_->InsertOrFind(ctx_,
                                      {NewShipment("trk_c", "ord_c"), NewShipment("trk_x", "ord_a"),
                                       NewShipment("trk_b", "ord_b"), NewShipment("trk_y", "ord_c")},
                                      200);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    std::vector<std::string> answers;
    for (const auto& s : *stored) answers.push_back(s.order_id + "=" + s.tracking_number);
    EXPECT_EQ(answers, (std::vector<std::string>{"ord_c=trk_c", "ord_a=trk_a", "ord_b=trk_b", "ord_c=trk_c"}));
    EXPECT_EQ(Events((*stored)[1]), std::vector<std::string>{"label_created:Shipping label created@100"});
    EXPECT_EQ(EventsOf("trk_c"), std::vector<std::string>{"label_created:Shipping label created@200"});
    EXPECT_EQ(CodeOf(repo_->FindByTracking(ctx_, "trk_y")), core::ErrorCode::kNotFound);
}

TEST_P(ShippingRepositoryContract, AnotherOrdersTrackingNumberIsAConflictAndTheBatchStoresNothing) {
    Insert({NewShipment("trk_1", "ord_1")});
    auto clash = repo_->InsertOrFind(ctx_, {NewShipment("trk_2", "ord_2"), NewShipment("trk_1", "ord_3")}, 200);
    ASSERT_FALSE(clash.ok());
    EXPECT_EQ(CodeOf(clash), core::ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(repo_->FindByOrder(ctx_, "ord_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindByTracking(ctx_, "trk_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindByOrder(ctx_, "ord_3")), core::ErrorCode::kNotFound);
    EXPECT_EQ(repo_->FindByTracking(ctx_, "trk_1")->order_id, "ord_1");
}

TEST_P(ShippingRepositoryContract, ScansAdvanceTheStatusAndAreListedOldestFirst) {
    Insert({NewShipment("trk_1", "ord_1"), NewShipment("trk_2", "ord_2")});
    Add("trk_1", Scan(ShipmentStatus::kInTransit, "Departed", 200));
    Add("trk_1", Scan(ShipmentStatus::kInTransit, "At the hub", 300));  // same status, new news
    auto delivered = repo_->AddEvent(ctx_, "trk_1", Scan(ShipmentStatus::kDelivered, "Left at the door", 400));
    ASSERT_TRUE(delivered.ok()) << delivered.error().message;
    EXPECT_EQ(delivered->status, ShipmentStatus::kDelivered);
    const std::vector<std::string> expected{"label_created:Shipping label created@100", "in_transit:Departed@200",
                                            "in_transit:At the hub@300", "delivered:Left at the door@400"};
    EXPECT_EQ(Events(*delivered), expected);
    auto by_order = repo_->FindByOrder(ctx_, "ord_1");
    ASSERT_TRUE(by_order.ok());
    EXPECT_EQ(by_order->status, ShipmentStatus::kDelivered);
    EXPECT_EQ(Events(*by_order), expected);
    auto other = repo_->FindByOrder(ctx_, "ord_2");  // the other shipment is untouched
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->status, ShipmentStatus::kLabelCreated);
    EXPECT_EQ(other->events.size(), 1u);
}

TEST_P(ShippingRepositoryContract, AScanGoingBackwardsIsAConflictAndChangesNothing) {
    Insert({NewShipment("trk_1", "ord_1")});
    Add("trk_1", Scan(ShipmentStatus::kInTransit, "Departed", 200));
    EXPECT_EQ(CodeOf(repo_->AddEvent(ctx_, "trk_1", Scan(ShipmentStatus::kLabelCreated, "Relabelled", 300))),
              core::ErrorCode::kConflict);
    Add("trk_1", Scan(ShipmentStatus::kDelivered, "Left at the door", 400));
    EXPECT_EQ(CodeOf(repo_->AddEvent(ctx_, "trk_1", Scan(ShipmentStatus::kInTransit, "Back again", 500))),
              core::ErrorCode::kConflict);
    EXPECT_EQ(repo_->FindByTracking(ctx_, "trk_1")->status, ShipmentStatus::kDelivered);
    EXPECT_EQ(EventsOf("trk_1"),
              (std::vector<std::string>{"label_created:Shipping label created@100", "in_transit:Departed@200",
                                        "delivered:Left at the door@400"}));
}

TEST_P(ShippingRepositoryContract, ARepeatedScanChangesNothingAndAnswersTheShipment) {
    Insert({NewShipment("trk_1", "ord_1")});
    auto label_again =
        repo_->AddEvent(ctx_, "trk_1", Scan(ShipmentStatus::kLabelCreated, "Shipping label created", 150));
    ASSERT_TRUE(label_again.ok()) << label_again.error().message;
    EXPECT_EQ(label_again->events.size(), 1u);
    Add("trk_1", Scan(ShipmentStatus::kInTransit, "Departed", 200));
    auto resent = repo_->AddEvent(ctx_, "trk_1", Scan(ShipmentStatus::kInTransit, "Departed", 250));
    ASSERT_TRUE(resent.ok()) << resent.error().message;
    EXPECT_EQ(resent->tracking_number, "trk_1");
    EXPECT_EQ(resent->status, ShipmentStatus::kInTransit);
    EXPECT_EQ(Events(*resent),
              (std::vector<std::string>{"label_created:Shipping label created@100", "in_transit:Departed@200"}));
    // Any delivery after a delivery repeats it, whatever the carrier writes.
    Add("trk_1", Scan(ShipmentStatus::kDelivered, "Left at the door", 400));
    Add("trk_1", Scan(ShipmentStatus::kDelivered, "Handed to a neighbour", 450));
    EXPECT_EQ(EventsOf("trk_1"),
              (std::vector<std::string>{"label_created:Shipping label created@100", "in_transit:Departed@200",
                                        "delivered:Left at the door@400"}));
}

// Redeliveries of one paid order handled at once (on PostgreSQL, in concurrent
// transactions) store one shipment, and every one of them answers it.
TEST_P(ShippingRepositoryContract, ConcurrentInsertsOfAnOrderStoreOneShipmentAndAllAnswerIt) {
    constexpr int kThreads = 8;
    std::vector<std::vector<std::string>> answers(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            auto first = NewShipment("trk_1_" + std::to_string(t), "ord_1");
            auto second = NewShipment("trk_2_" + std::to_string(t), "ord_2");
            auto stored =
                repo_->InsertOrFind(ctx_, t % 2 ? std::vector{first, second} : std::vector{second, first}, 100);
            EXPECT_TRUE(stored.ok()) << stored.error().message;
            if (stored.ok())
                for (const auto& s : *stored) answers[t].push_back(s.order_id + "=" + s.tracking_number);
        });
    for (auto& thread : threads) thread.join();
    auto one = repo_->FindByOrder(ctx_, "ord_1");
    auto two = repo_->FindByOrder(ctx_, "ord_2");
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(Events(*one), std::vector<std::string>{"label_created:Shipping label created@100"});
    EXPECT_EQ(Events(*two), std::vector<std::string>{"label_created:Shipping label created@100"});
    std::string ord_1 = "ord_1=" + one->tracking_number;
    std::string ord_2 = "ord_2=" + two->tracking_number;
    for (int t = 0; t < kThreads; ++t)
        EXPECT_EQ(answers[t], t % 2 ? (std::vector{ord_1, ord_2}) : (std::vector{ord_2, ord_1})) << t;
}

// A carrier's scan delivered several times at once is appended once, as one after another
// would be; so is a delivery (any after the first repeats it).
TEST_P(ShippingRepositoryContract, ConcurrentRepeatsOfAScanAppendItOnce) {
    Insert({NewShipment("trk_1", "ord_1")});
    constexpr int kThreads = 8;
    std::atomic<int> failed{0};
    auto at_once = [&](const std::function<TrackingEvent(int)>& scan_of_thread) {
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                if (!repo_->AddEvent(ctx_, "trk_1", scan_of_thread(t)).ok()) ++failed;
            });
        for (auto& thread : threads) thread.join();
    };
    at_once([](int) { return Scan(ShipmentStatus::kInTransit, "Departed", 200); });
    at_once([](int t) { return Scan(ShipmentStatus::kDelivered, "Left with neighbour " + std::to_string(t), 300); });
    EXPECT_EQ(failed.load(), 0);
    auto events = EventsOf("trk_1");
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0], "label_created:Shipping label created@100");
    EXPECT_EQ(events[1], "in_transit:Departed@200");
    EXPECT_TRUE(events[2].starts_with("delivered:Left with neighbour ")) << events[2];
    EXPECT_EQ(repo_->FindByTracking(ctx_, "trk_1")->status, ShipmentStatus::kDelivered);
}

TEST_P(ShippingRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto inserted = repo_->InsertOrFind(expired, {NewShipment("trk_1", "ord_1")}, 100);
    ASSERT_FALSE(inserted.ok());
    EXPECT_EQ(CodeOf(inserted), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->FindByOrder(ctx_, "ord_1")), core::ErrorCode::kNotFound);
    Insert({NewShipment("trk_1", "ord_1")});
    EXPECT_EQ(CodeOf(repo_->FindByOrder(expired, "ord_1")), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->FindByTracking(expired, "trk_1")), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->AddEvent(expired, "trk_1", Scan(ShipmentStatus::kInTransit, "Departed", 200))),
              core::ErrorCode::kUnavailable);
    EXPECT_EQ(EventsOf("trk_1"), std::vector<std::string>{"label_created:Shipping label created@100"});
}

INSTANTIATE_TEST_SUITE_P(Adapters, ShippingRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<ShippingAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::shipping
