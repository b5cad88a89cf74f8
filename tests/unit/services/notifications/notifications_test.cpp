#include "services/notifications/notifications.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "fakes/fake_orders_service.hpp"
#include "services/notifications/storage/sqlite_notifications_repository.hpp"
#include "services/orders/order_events.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::notifications {
namespace {

using orders::OrderStatus;

// Mails handed to the spool, by id; a mail whose id is in `refuse` fails.
class RecordingMailer final : public Mailer {
  public:
    std::vector<std::string> delivered;
    std::set<std::string> refuse;
    core::Result<void> Deliver(const core::RequestContext&, const Mail& mail) override {
        if (refuse.contains(mail.id)) return core::Error::Unavailable("the spool is full");
        delivered.push_back(mail.id);
        return core::Ok();
    }
};

// Every user id is a customer whose email is <id>@example.com.
class FakeUsers final : public users::UsersService {
  public:
    core::Result<users::User> GetUser(const core::RequestContext&, std::string_view user_id) override {
        return users::User{std::string(user_id), std::string(user_id) + "@example.com", "", core::Role::kCustomer, 0};
    }
    core::Result<users::User> Signup(const core::RequestContext&, const users::SignupRequest&) override {
        return Unused();
    }
    core::Result<users::User> CreateAdmin(const core::RequestContext&, const users::SignupRequest&) override {
        return Unused();
    }
    core::Result<users::Session> Login(const core::RequestContext&, std::string_view, std::string_view) override {
        return Unused();
    }
    core::Result<core::Principal> Authenticate(const core::RequestContext&, std::string_view) override {
        return Unused();
    }
    core::Result<void> Logout(const core::RequestContext&) override { return Unused(); }
    core::Result<users::User> GetMe(const core::RequestContext&) override { return Unused(); }
    core::Result<users::User> UpdateMe(const core::RequestContext&, std::optional<std::string>) override {
        return Unused();
    }
    core::Result<users::UserPage> ListUsers(const core::RequestContext&, const users::UserFilter&, int,
                                            std::string_view) override {
        return Unused();
    }
    core::Result<users::User> SetRole(const core::RequestContext&, std::string_view, core::Role) override {
        return Unused();
    }
    core::Result<std::vector<users::Address>> ListAddresses(const core::RequestContext&) override { return Unused(); }
    core::Result<users::Address> CreateAddress(const core::RequestContext&, const users::AddressInput&) override {
        return Unused();
    }
    core::Result<users::Address> GetAddress(const core::RequestContext&, std::string_view) override { return Unused(); }
    core::Result<users::Address> UpdateAddress(const core::RequestContext&, std::string_view,
                                               const users::AddressInput&) override {
        return Unused();
    }
    core::Result<void> DeleteAddress(const core::RequestContext&, std::string_view) override { return Unused(); }

  private:
    static core::Error Unused() { return core::Error::Internal("not used by these tests"); }
};

// Every order has a parcel with the carrier.
class FakeShipping final : public shipping::ShippingService {
  public:
    core::Result<shipping::Shipment> FindByOrder(const core::RequestContext&, std::string_view order_id) override {
        return shipping::Shipment{
            "EMP123", std::string(order_id), "usr", "Emporium Express", shipping::ShipmentStatus::kInTransit, {}};
    }
    core::Result<std::vector<core::Result<shipping::Shipment>>> CreateShipments(
        const core::RequestContext&, const std::vector<shipping::PaidOrder>&) override {
        return Unused();
    }
    core::Result<shipping::Shipment> GetTracking(const core::RequestContext&, std::string_view) override {
        return Unused();
    }
    core::Result<shipping::Shipment> AddEvent(const core::RequestContext&, std::string_view, shipping::ShipmentStatus,
                                              std::string_view) override {
        return Unused();
    }

  private:
    static core::Error Unused() { return core::Error::Internal("not used by these tests"); }
};

class NotificationsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto db = testing::OpenTestDatabase(dir_.path(), "notifications",
                                            infra::sqlite::EmbeddedMigrations({"notifications", "bus"}));
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        repository_ = std::make_unique<SqliteNotificationsRepository>(*db_);
        notifications_ =
            std::make_unique<OrderNotifications>(*repository_, mailer_, users_, orders_, shipping_, clock_);
    }
    void TearDown() override {
        notifications_.reset();
        repository_.reset();
        db_.reset();
    }

    // The event of `order_id` reaching `to`.
    bus::Event Reached(const std::string& order_id, OrderStatus from, OrderStatus to) {
        orders::Order order;
        order.id = order_id;
        order.user_id = "usr_1";
        order.status = to;
        return bus::NewEvent(std::string(orders::kOrderStatusChanged), order_id,
                             orders::OrderStatusChangedPayload(order, from, to, "test"), 1);
    }

    RecordingMailer mailer_;
    FakeUsers users_;
    testing::FakeOrdersService orders_;
    FakeShipping shipping_;
    core::SystemClock clock_;
    testing::TempDir dir_{"emporium-notifications-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<SqliteNotificationsRepository> repository_;
    std::unique_ptr<OrderNotifications> notifications_;
};

TEST_F(NotificationsTest, ABatchMailsEachEventOnceAndAFailureHoldsBackOnlyItsOrder) {
    orders_.Add("ord_0_a", "usr_1", OrderStatus::kShipped);
    orders_.Add("ord_0_b", "usr_2", OrderStatus::kShipped);
    std::vector<bus::Event> batch = {
        Reached("ord_0_a", OrderStatus::kPendingPayment, OrderStatus::kPaid),
        Reached("ord_0_missing", OrderStatus::kPendingPayment, OrderStatus::kPaid),
        Reached("ord_0_b", OrderStatus::kPendingPayment, OrderStatus::kPaid),
        Reached("ord_0_a", OrderStatus::kFulfilling, OrderStatus::kShipped),
        Reached("ord_0_b", OrderStatus::kFulfilling, OrderStatus::kShipped),
        Reached("ord_0_a", OrderStatus::kPaid, OrderStatus::kFulfilling),  // no mail for this one
    };
    const std::string a_paid = batch[0].id + ".order_confirmation";
    const std::string a_shipped = batch[3].id + ".shipping_notice";
    mailer_.refuse.insert(batch[2].id + ".order_confirmation");

    auto outcomes = notifications_->OnOrderStatusChanged(core::RequestContext{}, batch);
    ASSERT_EQ(outcomes.size(), batch.size());
    EXPECT_TRUE(outcomes[0].ok());
    EXPECT_EQ(outcomes[1].error().code, core::ErrorCode::kNotFound);  // fails alone
    EXPECT_FALSE(outcomes[2].ok());                                   // the spool refused it
    EXPECT_TRUE(outcomes[3].ok());
    EXPECT_FALSE(outcomes[4].ok());  // waits behind its order's confirmation
    EXPECT_TRUE(outcomes[5].ok());
    EXPECT_EQ(mailer_.delivered, (std::vector<std::string>{a_paid, a_shipped}));

    // Delivered again with the rest (at least once): the mails sent are not sent twice, and
    // the held-back order's mails go out in order once the spool takes them.
    mailer_.refuse.clear();
    outcomes = notifications_->OnOrderStatusChanged(core::RequestContext{}, batch);
    EXPECT_TRUE(outcomes[2].ok());
    EXPECT_TRUE(outcomes[4].ok());
    EXPECT_EQ(mailer_.delivered, (std::vector<std::string>{a_paid, a_shipped, batch[2].id + ".order_confirmation",
                                                           batch[4].id + ".shipping_notice"}));
}

}  // namespace
}  // namespace emporium::notifications
