// The contract every PaymentProvider adapter passes (services/payments/psp/payment_provider.hpp).
// Today: PaygwProvider over HTTP to the real simulator (paygw/psp_simulator.hpp) served in
// this process on a free port, and the in-memory FakePaymentProvider the saga tests use; a
// new provider adapter adds its factory to the list below and must pass the same.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "fakes/fake_services.hpp"
#include "http/client.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "observability/metrics.hpp"
#include "paygw/psp_simulator.hpp"
#include "services/payments/psp/paygw_provider.hpp"
#include "services/payments/psp/payment_provider.hpp"

namespace emporium::payments {
namespace {

// The kinds of card the contract charges.
enum class Card { kGood, kDeclined, kInsufficientFunds, kProcessingError };

// A provider with what it needs alive, and the test's view of what the provider did.
class Harness {
  public:
    virtual ~Harness() = default;
    virtual PaymentProvider& provider() = 0;
    // Card details that, once tokenised, charge as `kind` says.
    virtual CardDetails Details(Card kind) = 0;
    // Called after tokenising and before charging a card of `kind`.
    virtual void WillCharge(Card kind) = 0;
    // Charges that took money, and charge requests that reached the provider.
    virtual int64_t SucceededCharges() = 0;
    virtual int64_t ChargeRequests() = 0;
};

// PaygwProvider talking HTTP to the simulator (as `emporium paygw` builds it, on port 0).
class PaygwHarness final : public Harness {
  public:
    PaygwHarness() : simulator_(paygw::SimulatorOptions{}) {
        simulator_.RegisterRoutes(router_);
        http::ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.io_threads = 1;
        options.access_log = false;
        options.blocking_threads = 4;
        options.shutdown_grace = std::chrono::seconds(2);
        server_ = std::make_unique<http::Server>(
            options, router_,
            [](const core::RequestContext&, std::string_view) -> core::Result<core::Principal> {
                return core::Error::Unauthenticated("no accounts here");
            },
            metrics_);
        auto port = server_->Listen();
        EXPECT_TRUE(port.ok()) << port.error().message;
        if (!port.ok()) return;
        thread_ = std::thread([this] { server_->Run(); });
        auto client = http::HttpClient::Create("http://127.0.0.1:" + std::to_string(*port));
        EXPECT_TRUE(client.ok()) << client.error().message;
        if (!client.ok()) return;
        client_ = std::make_unique<http::HttpClient>(*client);
        provider_ = std::make_unique<PaygwProvider>(*client, std::chrono::seconds(5));
        // Serving before a test starts, so teardown always stops a running server.
        for (int i = 0; i < 200 && !Stats().has_value(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ~PaygwHarness() override {
        provider_.reset();
        client_.reset();
        if (thread_.joinable()) {
            server_->Shutdown();
            thread_.join();
        }
    }

    PaymentProvider& provider() override { return *provider_; }
    CardDetails Details(Card kind) override {
        switch (kind) {
            case Card::kGood:
                return Valid("4242424242424242");
            case Card::kDeclined:
                return Valid("4000000000000002");
            case Card::kInsufficientFunds:
                return Valid("4000000000009995");
            case Card::kProcessingError:
                return Valid("4000000000000119");
        }
        return Valid("4242424242424242");
    }
    void WillCharge(Card) override {}  // the card number decides
    int64_t SucceededCharges() override { return StatsField("charges_succeeded"); }
    int64_t ChargeRequests() override { return StatsField("charge_requests"); }

  private:
    static CardDetails Valid(std::string number) { return CardDetails{std::move(number), 12, 2099, "123"}; }
    std::optional<boost::json::object> Stats() {
        http::ClientRequest request;
        request.target = "/admin/stats";
        auto response = client_->Send(request, std::chrono::seconds(5));
        if (!response.ok() || response->status != 200) return std::nullopt;
        boost::system::error_code ec;
        auto parsed = boost::json::parse(response->body, ec);
        if (ec || !parsed.is_object()) return std::nullopt;
        return parsed.as_object();
    }
    int64_t StatsField(std::string_view name) {
        auto stats = Stats();
        EXPECT_TRUE(stats.has_value()) << "the simulator's /admin/stats did not answer";
        if (!stats) return -1;
        const auto* value = stats->if_contains(name);
        return value && value->is_int64() ? value->as_int64() : -1;
    }

    // Members the server refers to come first, so that they outlive it.
    paygw::PspSimulator simulator_;
    http::Router router_;
    observability::MetricsRegistry metrics_;
    std::unique_ptr<http::Server> server_;
    std::thread thread_;
    std::unique_ptr<http::HttpClient> client_;  // for the simulator's /admin/stats
    std::unique_ptr<PaygwProvider> provider_;
};

// The in-memory fake: its mode, not the card number, decides how a charge goes.
class FakeHarness final : public Harness {
  public:
    PaymentProvider& provider() override { return fake_; }
    CardDetails Details(Card) override { return CardDetails{"4242424242424242", 12, 2099, "123"}; }
    void WillCharge(Card kind) override {
        using Mode = emporium::testing::FakePaymentProvider::Mode;
        switch (kind) {
            case Card::kGood:
                fake_.mode = Mode::kApprove;
                break;
            case Card::kDeclined:
                fake_.mode = Mode::kDecline;
                fake_.decline_code = "card_declined";
                break;
            case Card::kInsufficientFunds:
                fake_.mode = Mode::kDecline;
                fake_.decline_code = "insufficient_funds";
                break;
            case Card::kProcessingError:
                fake_.mode = Mode::kDown;
                break;
        }
    }
    int64_t SucceededCharges() override { return fake_.SucceededCharges(); }
    int64_t ChargeRequests() override { return fake_.charge_calls; }

  private:
    emporium::testing::FakePaymentProvider fake_;
};

struct ProviderAdapter {
    std::string name;
    bool checks_deadline;  // refuses an expired deadline without a call (the fake ignores deadlines)
    std::function<std::unique_ptr<Harness>()> make;
};

void PrintTo(const ProviderAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<ProviderAdapter> Adapters() {
    return {{"paygw", true, [] { return std::make_unique<PaygwHarness>(); }},
            {"fake", false, [] { return std::make_unique<FakeHarness>(); }}};
}

class PaymentProviderContract : public ::testing::TestWithParam<ProviderAdapter> {
  protected:
    void SetUp() override { harness_ = GetParam().make(); }
    void TearDown() override { harness_.reset(); }

    PaymentProvider& provider() { return harness_->provider(); }
    // A token for a card of `kind`, the harness told that it is about to be charged.
    std::string TokenFor(Card kind) {
        auto token = provider().Tokenize(ctx_, harness_->Details(kind));
        EXPECT_TRUE(token.ok()) << token.error().message;
        if (!token.ok()) return {};
        harness_->WillCharge(kind);
        return token->token;
    }
    core::Result<ProviderCharge> ChargeWith(std::string_view key, const std::string& token) {
        return provider().Charge(ctx_, key, 2500, "EUR", token, "ord_1");
    }

    core::RequestContext ctx_;
    std::unique_ptr<Harness> harness_;
};

TEST_P(PaymentProviderContract, TokenisingAGoodCardGivesATokenWithItsLastFourAndBrand) {
    auto token = provider().Tokenize(ctx_, harness_->Details(Card::kGood));
    ASSERT_TRUE(token.ok()) << token.error().message;
    EXPECT_FALSE(token->token.empty());
    EXPECT_EQ(token->last4, "4242");
    EXPECT_EQ(token->brand, "visa");
}

TEST_P(PaymentProviderContract, ChargingAGoodCardSucceedsWithAChargeId) {
    auto token = TokenFor(Card::kGood);
    auto charge = ChargeWith("key-1", token);
    ASSERT_TRUE(charge.ok()) << charge.error().message;
    EXPECT_TRUE(charge->succeeded);
    EXPECT_FALSE(charge->id.empty());
    EXPECT_TRUE(charge->decline_code.empty());
    EXPECT_EQ(charge->card_last4, "4242");
    EXPECT_EQ(charge->card_brand, "visa");
    EXPECT_EQ(harness_->SucceededCharges(), 1);
}

TEST_P(PaymentProviderContract, TheSameIdempotencyKeyChargesOnceAndAnswersTheSame) {
    auto token = TokenFor(Card::kGood);
    auto first = ChargeWith("key-1", token);
    auto second = ChargeWith("key-1", token);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(second->id, first->id);
    EXPECT_EQ(second->succeeded, first->succeeded);
    EXPECT_EQ(harness_->SucceededCharges(), 1);  // no second charge
    // Another key is another charge.
    auto other = ChargeWith("key-2", token);
    ASSERT_TRUE(other.ok()) << other.error().message;
    EXPECT_NE(other->id, first->id);
    EXPECT_EQ(harness_->SucceededCharges(), 2);
}

// A decline is an answer (an unsuccessful charge with its code), not an error: the simulator
// answers 201 with status "failed", which PaygwProvider reports so.
TEST_P(PaymentProviderContract, ADeclineIsAnUnsuccessfulChargeWithItsDeclineCode) {
    for (auto [kind, code] :
         {std::pair{Card::kDeclined, "card_declined"}, std::pair{Card::kInsufficientFunds, "insufficient_funds"}}) {
        SCOPED_TRACE(code);
        auto token = TokenFor(kind);
        auto charge = ChargeWith(std::string("key-") + code, token);
        ASSERT_TRUE(charge.ok()) << charge.error().message;
        EXPECT_FALSE(charge->succeeded);
        EXPECT_FALSE(charge->id.empty());
        EXPECT_EQ(charge->decline_code, code);
        // Asked again with the key, the same decline; no money taken.
        auto again = ChargeWith(std::string("key-") + code, token);
        ASSERT_TRUE(again.ok()) << again.error().message;
        EXPECT_FALSE(again->succeeded);
        EXPECT_EQ(again->id, charge->id);
        EXPECT_EQ(again->decline_code, code);
    }
    EXPECT_EQ(harness_->SucceededCharges(), 0);
}

TEST_P(PaymentProviderContract, AProcessingErrorIsUnavailableAndChargesNothing) {
    auto token = TokenFor(Card::kProcessingError);
    auto charge = ChargeWith("key-1", token);
    ASSERT_FALSE(charge.ok());
    EXPECT_EQ(charge.error().code, core::ErrorCode::kUnavailable);
    EXPECT_EQ(harness_->SucceededCharges(), 0);
}

TEST_P(PaymentProviderContract, ARefundSucceedsAndTheSameRefundKeyTwiceIsFine) {
    auto token = TokenFor(Card::kGood);
    auto charge = ChargeWith("key-1", token);
    ASSERT_TRUE(charge.ok()) << charge.error().message;
    ASSERT_TRUE(charge->succeeded);
    auto refunded = provider().Refund(ctx_, "refund-1", charge->id);
    ASSERT_TRUE(refunded.ok()) << refunded.error().message;
    auto again = provider().Refund(ctx_, "refund-1", charge->id);
    EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_P(PaymentProviderContract, AnExpiredDeadlineIsRefusedWithoutACall) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    auto token = TokenFor(Card::kGood);
    auto charge = ChargeWith("key-1", token);
    ASSERT_TRUE(charge.ok()) << charge.error().message;
    auto requests = harness_->ChargeRequests();

    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto tokenised = provider().Tokenize(expired, harness_->Details(Card::kGood));
    ASSERT_FALSE(tokenised.ok());
    EXPECT_EQ(tokenised.error().code, core::ErrorCode::kUnavailable);
    auto charged = provider().Charge(expired, "key-2", 2500, "EUR", token, "ord_1");
    ASSERT_FALSE(charged.ok());
    EXPECT_EQ(charged.error().code, core::ErrorCode::kUnavailable);
    auto refunded = provider().Refund(expired, "refund-1", charge->id);
    ASSERT_FALSE(refunded.ok());
    EXPECT_EQ(refunded.error().code, core::ErrorCode::kUnavailable);

    EXPECT_EQ(harness_->ChargeRequests(), requests);  // nothing reached the provider
    EXPECT_EQ(harness_->SucceededCharges(), 1);
}

INSTANTIATE_TEST_SUITE_P(Adapters, PaymentProviderContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<ProviderAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::payments
