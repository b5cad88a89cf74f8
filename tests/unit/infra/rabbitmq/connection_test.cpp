// The RabbitMQ client against the tests' broker (EMPORIUM_TEST_RABBITMQ); skipped without it.
#include "infra/rabbitmq/connection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "test_rabbitmq.hpp"

namespace emporium::infra::rabbitmq {
namespace {

using namespace std::chrono_literals;

class RabbitMqConnectionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto url = emporium::testing::TestRabbitMqUrl();
        if (!url) GTEST_SKIP() << "EMPORIUM_TEST_RABBITMQ is not set";
        options_.url = *url;
        prefix_ = emporium::testing::UniqueBrokerPrefix();
        auto opened = Connection::Open(options_);
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        connection_ = std::move(opened).value();
    }

    Message To(const std::string& queue, const std::string& body) {
        Message message;
        message.routing_key = queue;
        message.body = body;
        return message;
    }

    Deadline Soon() { return std::chrono::steady_clock::now() + 5s; }

    ConnectionOptions options_;
    std::string prefix_;
    std::unique_ptr<Connection> connection_;
};

TEST_F(RabbitMqConnectionTest, AConfirmedMessageIsDeliveredWithItsPropertiesAndHeaders) {
    std::string queue = prefix_ + ".q";
    ASSERT_TRUE(connection_->DeclareQueue(queue, {.auto_delete = true}).ok());
    Message message = To(queue, "{\"a\":1}");
    message.message_id = "evt_1";
    message.type = "OrderPlaced";
    message.timestamp = 1700000000;
    message.headers.Set("source", "orders").Set("attempts", int64_t{2});
    auto published = connection_->PublishConfirmed({message}, Soon());
    ASSERT_TRUE(published.ok()) << published.error().message;

    ASSERT_TRUE(connection_->Consume(queue, 10).ok());
    auto received = connection_->Receive(5s);
    ASSERT_TRUE(received.ok()) << received.error().message;
    ASSERT_TRUE(received->has_value());
    const Delivery& delivery = **received;
    EXPECT_EQ(delivery.message.body, "{\"a\":1}");
    EXPECT_EQ(delivery.message.message_id, "evt_1");
    EXPECT_EQ(delivery.message.type, "OrderPlaced");
    EXPECT_EQ(delivery.message.timestamp, 1700000000);
    EXPECT_TRUE(delivery.message.persistent);
    EXPECT_EQ(delivery.message.headers.Find("source"), "orders");
    EXPECT_EQ(delivery.message.headers.Find("attempts"), "2");
    EXPECT_FALSE(delivery.redelivered);
    EXPECT_TRUE(connection_->Ack(delivery.delivery_tag).ok());
}

TEST_F(RabbitMqConnectionTest, ReceiveWaitsAtMostItsTimeout) {
    std::string queue = prefix_ + ".empty";
    ASSERT_TRUE(connection_->DeclareQueue(queue, {.auto_delete = true}).ok());
    ASSERT_TRUE(connection_->Consume(queue, 1).ok());
    auto started = std::chrono::steady_clock::now();
    auto received = connection_->Receive(200ms);
    ASSERT_TRUE(received.ok()) << received.error().message;
    EXPECT_FALSE(received->has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(connection_->healthy());
}

TEST_F(RabbitMqConnectionTest, ABatchIsConfirmedWhole) {
    std::string queue = prefix_ + ".batch";
    ASSERT_TRUE(connection_->DeclareQueue(queue, {.auto_delete = false}).ok());
    std::vector<Message> batch;
    for (int i = 0; i < 50; ++i) batch.push_back(To(queue, std::to_string(i)));
    ASSERT_TRUE(connection_->PublishConfirmed(batch, Soon()).ok());
    ASSERT_TRUE(connection_->PublishConfirmed(batch, Soon()).ok());  // numbering goes on
    auto state = connection_->InspectQueue(queue);
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(state->messages, 100u);
    EXPECT_TRUE(connection_->DeleteQueue(queue).ok());
}

TEST_F(RabbitMqConnectionTest, TheFetchIsBoundedByThePrefetchAndUnackedMessagesComeBack) {
    std::string queue = prefix_ + ".prefetch";
    ASSERT_TRUE(connection_->DeclareQueue(queue, {}).ok());
    ASSERT_TRUE(connection_->PublishConfirmed({To(queue, "1"), To(queue, "2"), To(queue, "3")}, Soon()).ok());
    ASSERT_TRUE(connection_->Consume(queue, 2).ok());
    auto first = connection_->Receive(2s);
    auto second = connection_->Receive(2s);
    auto third = connection_->Receive(300ms);
    ASSERT_TRUE(first.ok() && second.ok() && third.ok());
    ASSERT_TRUE(first->has_value() && second->has_value());
    EXPECT_FALSE(third->has_value());  // two unacked: the broker holds the third back
    EXPECT_TRUE(connection_->Reject((*first)->delivery_tag, true).ok());
    EXPECT_TRUE(connection_->Nack((*second)->delivery_tag, false).ok());  // dropped (no dead-letter exchange)

    connection_.reset();  // closing: nothing unacked is left
    auto reopened = Connection::Open(options_);
    ASSERT_TRUE(reopened.ok());
    auto state = (*reopened)->InspectQueue(queue);
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->messages, 2u);  // "1" requeued, "3" never delivered
    EXPECT_TRUE((*reopened)->DeleteQueue(queue).ok());
}

TEST_F(RabbitMqConnectionTest, ATtlQueueDeadLettersIntoTheQueueItNames) {
    std::string target = prefix_ + ".target";
    std::string delay = prefix_ + ".delay";
    ASSERT_TRUE(connection_->DeclareQueue(target, {.auto_delete = true}).ok());
    QueueOptions delayed{.auto_delete = false};
    delayed.arguments.Set("x-message-ttl", int64_t{100})
        .Set("x-dead-letter-exchange", "")
        .Set("x-dead-letter-routing-key", target)
        .Set("x-expires", int64_t{60'000});
    auto declared = connection_->DeclareQueue(delay, delayed);
    ASSERT_TRUE(declared.ok()) << declared.error().message;
    ASSERT_TRUE(connection_->PublishConfirmed({To(delay, "later")}, Soon()).ok());
    ASSERT_TRUE(connection_->Consume(target, 1).ok());
    auto received = connection_->Receive(5s);
    ASSERT_TRUE(received.ok() && received->has_value());
    EXPECT_EQ((*received)->message.body, "later");
}

TEST_F(RabbitMqConnectionTest, AMissingQueueIsNotFoundAndBreaksTheConnection) {
    auto state = connection_->InspectQueue(prefix_ + ".missing");
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().code, core::ErrorCode::kNotFound);
    EXPECT_FALSE(connection_->healthy());
    EXPECT_EQ(connection_->Ack(1).error().code, core::ErrorCode::kUnavailable);
}

TEST_F(RabbitMqConnectionTest, TheClientReconnectsAfterABreak) {
    Client client(options_);
    auto first = client.Get();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(client.generation(), 1u);
    (void)(*first)->InspectQueue(prefix_ + ".missing");  // breaks it
    auto second = client.Get();
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_TRUE((*second)->healthy());
    EXPECT_EQ(client.generation(), 2u);
    EXPECT_TRUE((*second)->Poll().ok());
}

TEST(RabbitMqConnectionFailures, ABrokerThatIsNotThereFailsFastAsUnavailable) {
    auto started = std::chrono::steady_clock::now();
    auto opened = Connection::Open({.url = "amqp://guest:guest@127.0.0.1:1/", .connect_timeout = 500ms});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, core::ErrorCode::kUnavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_FALSE(Connection::Open({.url = "http://nope"}).ok());
}

TEST(RabbitMqConnectionFailures, WrongCredentialsAreRefused) {
    auto url = emporium::testing::TestRabbitMqUrl();
    if (!url) GTEST_SKIP() << "EMPORIUM_TEST_RABBITMQ is not set";
    std::string wrong = *url;
    wrong.replace(wrong.find("guest:guest"), 11, "guest:wrong");
    auto opened = Connection::Open({.url = wrong});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace emporium::infra::rabbitmq
