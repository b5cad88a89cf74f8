// The contract every PaymentsRepository adapter passes (services/payments/payments_repository.hpp).
// SQLite, PostgreSQL and the in-memory fake. The outbox row of a settled payment, which the
// port does not show, belongs in payments_repository_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_payments_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/payments/payments_repository.hpp"
#include "services/payments/storage/postgres_payments_repository.hpp"
#include "services/payments/storage/sqlite_payments_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::payments {
namespace {

struct PaymentsAdapter {
    std::string name;
    // A repository, and whatever it stands on.
    std::function<std::shared_ptr<PaymentsRepository>()> make;
};

// Failure messages name the adapter instead of dumping its bytes.
void PrintTo(const PaymentsAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::shared_ptr<PaymentsRepository> MakeSqlite() {
    struct Owned {
        testing::TempDir dir{"emporium-payments-contract-"};
        std::unique_ptr<infra::sqlite::Database> db;
        std::unique_ptr<SqlitePaymentsRepository> repository;
    };
    auto owned = std::make_shared<Owned>();
    auto db = testing::OpenTestDatabase(owned->dir.path(), "payments",
                                        infra::sqlite::EmbeddedMigrations({"payments", "bus"}));
    if (!db.ok()) {
        ADD_FAILURE() << db.error().message;
        return nullptr;
    }
    owned->db = std::move(db).value();
    owned->repository = std::make_unique<SqlitePaymentsRepository>(*owned->db);
    return std::shared_ptr<PaymentsRepository>(owned, owned->repository.get());
}

// PostgresPaymentsRepository over a fresh database on the tests' server (the harness's factory).
std::shared_ptr<PaymentsRepository> MakePostgres() {
    auto subject = std::make_shared<testing::ContractSubject<PaymentsRepository>>(
        testing::PostgresContractAdapter<PaymentsRepository, PostgresPaymentsRepository>({"payments", "bus"}).make());
    if (!subject->repository) return nullptr;
    return std::shared_ptr<PaymentsRepository>(subject, subject->repository.get());
}

std::vector<PaymentsAdapter> Adapters() {
    return {{"sqlite", [] { return MakeSqlite(); }},
            {"postgres", [] { return MakePostgres(); }},
            {"memory", [] { return std::make_shared<MemoryPaymentsRepository>(); }}};
}

class PaymentsRepositoryContract : public ::testing::TestWithParam<PaymentsAdapter> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        repository_ = GetParam().make();
        ASSERT_TRUE(repository_);
    }

    static Payment NewPayment(const std::string& order_id, std::optional<int64_t> next_retry_at = 115) {
        Payment p;
        p.id = "pay_" + order_id;
        p.order_id = order_id;
        p.user_id = "usr_1";
        p.status = PaymentStatus::kProcessing;
        p.amount = 1350;
        p.currency = "EUR";
        p.card_token = "tok_1";
        p.card_last4 = "4242";
        p.card_brand = "visa";
        p.next_retry_at = next_retry_at;
        p.retry_deadline = 1000;
        p.created_at = p.updated_at = 100;
        return p;
    }
    void Insert(const Payment& payment) {
        auto inserted = repository_->Insert(ctx_, payment);
        ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    Payment Find(const std::string& order_id) {
        auto found = repository_->FindByOrder(ctx_, order_id);
        EXPECT_TRUE(found.ok()) << order_id;
        return found.ok() ? *found : Payment{};
    }
    // nullopt when the claim was taken, else the stored request.
    std::optional<KeyedRequest> Claim(const std::string& key, int64_t now, const std::string& fingerprint = "f",
                                      const std::string& user_id = "usr_1") {
        auto claimed = repository_->ClaimKeyedRequest(ctx_, user_id, key, fingerprint, now, now - 60);
        EXPECT_TRUE(claimed.ok()) << claimed.error().message;
        return claimed.ok() ? *claimed : std::nullopt;
    }
    bool Finish(const std::string& key, int64_t claimed_at, int status, bool forget = false) {
        auto finished = repository_->FinishKeyedRequest(
            ctx_, "usr_1", KeyedRequest{key, "f", status, "application/json", "{\"n\":1}", claimed_at}, forget);
        EXPECT_TRUE(finished.ok()) << finished.error().message;
        return finished.ok() && *finished;
    }

    core::RequestContext ctx_;  // no deadline
    std::shared_ptr<PaymentsRepository> repository_;
};

TEST_P(PaymentsRepositoryContract, AnInsertedPaymentIsFoundByItsOrderWithNoAttemptsYet) {
    Insert(NewPayment("ord_0_a"));
    Payment found = Find("ord_0_a");
    EXPECT_EQ(found.id, "pay_ord_0_a");
    EXPECT_EQ(found.user_id, "usr_1");
    EXPECT_EQ(found.status, PaymentStatus::kProcessing);
    EXPECT_EQ(found.amount, 1350);
    EXPECT_EQ(found.currency, "EUR");
    EXPECT_EQ(found.card_token, "tok_1");
    EXPECT_EQ((std::tuple{found.card_last4, found.card_brand}), (std::tuple{"4242", "visa"}));
    EXPECT_EQ(found.attempts, 0);
    EXPECT_EQ(found.provider_charge_id, "");
    EXPECT_EQ(found.failure_code, "");
    EXPECT_EQ(found.next_retry_at, std::optional<int64_t>(115));
    EXPECT_EQ(found.retry_deadline, 1000);
    EXPECT_EQ((std::tuple{found.created_at, found.updated_at}), (std::tuple{100, 100}));

    Insert(NewPayment("ord_0_b", std::nullopt));
    EXPECT_FALSE(Find("ord_0_b").next_retry_at);
    auto missing = repository_->FindByOrder(ctx_, "ord_0_none");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

TEST_P(PaymentsRepositoryContract, ASecondPaymentForAnOrderIsAConflictAndLeavesTheFirst) {
    Insert(NewPayment("ord_0_a"));
    Payment second = NewPayment("ord_0_a");
    second.id = "pay_other";
    second.amount = 1;
    auto inserted = repository_->Insert(ctx_, second);
    ASSERT_FALSE(inserted.ok());
    EXPECT_EQ(inserted.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(Find("ord_0_a").id, "pay_ord_0_a");
    EXPECT_EQ(Find("ord_0_a").amount, 1350);
}

TEST_P(PaymentsRepositoryContract, UpdateIsACompareAndSetOnTheStatusOfTheMutableFields) {
    Insert(NewPayment("ord_0_a"));
    Payment settled = NewPayment("ord_0_a");
    settled.status = PaymentStatus::kSucceeded;
    settled.provider_charge_id = "ch_1";
    settled.attempts = 2;
    settled.next_retry_at.reset();
    settled.updated_at = 130;
    settled.card_last4 = "1881";
    settled.card_brand = "mastercard";
    settled.amount = 99999;  // not a mutable field
    auto won = repository_->Update(ctx_, settled, PaymentStatus::kProcessing);
    ASSERT_TRUE(won.ok()) << won.error().message;
    EXPECT_TRUE(*won);

    Payment found = Find("ord_0_a");
    EXPECT_EQ(found.status, PaymentStatus::kSucceeded);
    EXPECT_EQ(found.provider_charge_id, "ch_1");
    EXPECT_EQ(found.attempts, 2);
    EXPECT_FALSE(found.next_retry_at);
    EXPECT_EQ(found.updated_at, 130);
    EXPECT_EQ((std::tuple{found.card_last4, found.card_brand}), (std::tuple{"1881", "mastercard"}));
    EXPECT_EQ(found.amount, 1350);
    EXPECT_EQ(found.created_at, 100);

    // A second settler read "processing" too: it loses and changes nothing.
    Payment late = settled;
    late.status = PaymentStatus::kFailed;
    late.failure_code = "card_declined";
    auto lost = repository_->Update(ctx_, late, PaymentStatus::kProcessing);
    ASSERT_TRUE(lost.ok());
    EXPECT_FALSE(*lost);
    EXPECT_EQ(Find("ord_0_a").status, PaymentStatus::kSucceeded);
    EXPECT_EQ(Find("ord_0_a").failure_code, "");

    Payment unknown = NewPayment("ord_0_none");
    EXPECT_FALSE(*repository_->Update(ctx_, unknown, PaymentStatus::kProcessing));
}

TEST_P(PaymentsRepositoryContract, FindDueAnswersProcessingPaymentsWhoseRetryIsDueEarliestFirst) {
    Insert(NewPayment("ord_0_late", 150));
    Insert(NewPayment("ord_0_early", 110));
    Insert(NewPayment("ord_0_future", 500));
    Insert(NewPayment("ord_0_none", std::nullopt));
    Insert(NewPayment("ord_0_settled", 105));
    Payment settled = Find("ord_0_settled");
    settled.status = PaymentStatus::kSucceeded;
    ASSERT_TRUE(*repository_->Update(ctx_, settled, PaymentStatus::kProcessing));

    auto due = repository_->FindDue(ctx_, 150, 10);
    ASSERT_TRUE(due.ok()) << due.error().message;
    std::vector<std::string> orders;
    for (const auto& payment : *due) orders.push_back(payment.order_id);
    EXPECT_EQ(orders, (std::vector<std::string>{"ord_0_early", "ord_0_late"}));  // due at 150 counts

    auto first = repository_->FindDue(ctx_, 1000, 1);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 1u);
    EXPECT_EQ((*first)[0].order_id, "ord_0_early");
}

TEST_P(PaymentsRepositoryContract, AKeyedRequestIsClaimedOnceAndAnsweredAfterItFinishes) {
    EXPECT_FALSE(Claim("k", 1000));   // ours: run the request
    auto running = Claim("k", 1010);  // a repeat while it runs
    ASSERT_TRUE(running);
    EXPECT_EQ(running->status, 0);
    EXPECT_EQ(running->fingerprint, "f");
    EXPECT_FALSE(Finish("k", 999, 201));  // not the claim's time: not this claim
    EXPECT_TRUE(Finish("k", 1000, 201));
    EXPECT_FALSE(Finish("k", 1000, 202));  // finished already

    auto answered = Claim("k", 9000, "g");  // long after, and asking something else
    ASSERT_TRUE(answered);
    EXPECT_EQ(answered->key, "k");
    EXPECT_EQ(answered->fingerprint, "f");  // what the first request asked: the caller compares
    EXPECT_EQ(answered->status, 201);
    EXPECT_EQ(answered->content_type, "application/json");
    EXPECT_EQ(answered->body, "{\"n\":1}");

    EXPECT_FALSE(Claim("k", 9000, "f", "usr_2"));  // keys are per user
}

TEST_P(PaymentsRepositoryContract, AStaleClaimIsTakenOverAndItsLateAnswerIsRefused) {
    EXPECT_FALSE(Claim("k", 1000));
    EXPECT_TRUE(Claim("k", 1060));        // exactly a minute: still running
    EXPECT_FALSE(Claim("k", 1061, "g"));  // past it: the first process died; claimed at 1061
    EXPECT_FALSE(Finish("k", 1000, 200));
    EXPECT_FALSE(Finish("k", 1000, 503, true));
    EXPECT_TRUE(Finish("k", 1061, 200));
    auto answered = Claim("k", 5000);
    ASSERT_TRUE(answered);
    EXPECT_EQ((std::tuple{answered->fingerprint, answered->status}), (std::tuple{"g", 200}));
    // A finished request is never taken over, however old.
    EXPECT_TRUE(Claim("k", 100000));
}

TEST_P(PaymentsRepositoryContract, ForgettingAClaimFreesTheKeyAndPruningForgetsOldRequests) {
    EXPECT_FALSE(Claim("retry", 1000));
    EXPECT_TRUE(Finish("retry", 1000, 503, true));
    EXPECT_FALSE(Claim("retry", 1001));  // free again: the retry runs

    EXPECT_FALSE(Claim("old", 1000));
    EXPECT_TRUE(Finish("old", 1000, 200));
    EXPECT_FALSE(Claim("new", 9000));
    EXPECT_TRUE(Finish("new", 9000, 200));
    auto pruned = repository_->PruneKeyedRequests(ctx_, 5000);
    ASSERT_TRUE(pruned.ok()) << pruned.error().message;
    EXPECT_EQ(*pruned, 2);               // "old" and the running "retry"
    EXPECT_FALSE(Claim("old", 9001));    // forgotten: a new request
    EXPECT_TRUE(Claim("new", 9001));     // still answered
    EXPECT_FALSE(Claim("retry", 9001));  // forgotten too
}

TEST_P(PaymentsRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    Insert(NewPayment("ord_0_a"));
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
    const auto kUnavailable = std::optional(core::ErrorCode::kUnavailable);
    Payment settled = NewPayment("ord_0_a");
    settled.status = PaymentStatus::kSucceeded;

    EXPECT_EQ(testing::CodeOf(repository_->Insert(expired, NewPayment("ord_0_b"))), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->Update(expired, settled, PaymentStatus::kProcessing)), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->FindByOrder(expired, "ord_0_a")), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->FindDue(expired, 1000, 10)), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->ClaimKeyedRequest(expired, "usr_1", "k", "f", 1000, 940)), kUnavailable);
    EXPECT_EQ(testing::CodeOf(
                  repository_->FinishKeyedRequest(expired, "usr_1", KeyedRequest{"k", "f", 200, "", "", 1000}, false)),
              kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->PruneKeyedRequests(expired, 5000)), kUnavailable);

    EXPECT_EQ(repository_->FindByOrder(ctx_, "ord_0_b").error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(Find("ord_0_a").status, PaymentStatus::kProcessing);
    EXPECT_FALSE(Claim("k", 1000));  // the refused claim took nothing
}

TEST_P(PaymentsRepositoryContract, OfConcurrentSettlersOfOnePaymentExactlyOneActs) {
    // The paying request, the webhook and the background retry can settle at the same time.
    constexpr int kSettlers = 8;
    Insert(NewPayment("ord_0_a"));
    std::atomic<int> won{0}, errors{0};
    std::vector<std::thread> settlers;
    for (int i = 0; i < kSettlers; ++i)
        settlers.emplace_back([&, i] {
            Payment settled = NewPayment("ord_0_a");
            settled.status = i % 2 == 0 ? PaymentStatus::kSucceeded : PaymentStatus::kFailed;
            settled.provider_charge_id = "ch_" + std::to_string(i);
            settled.updated_at = 200 + i;
            auto updated = repository_->Update(ctx_, settled, PaymentStatus::kProcessing);
            if (!updated.ok())
                errors.fetch_add(1);
            else if (*updated)
                won.fetch_add(1);
        });
    for (auto& settler : settlers) settler.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(won.load(), 1);
    Payment found = Find("ord_0_a");
    EXPECT_NE(found.status, PaymentStatus::kProcessing);
    // The stored fields are all the winner's.
    int winner = std::stoi(found.provider_charge_id.substr(3));
    EXPECT_EQ(found.updated_at, 200 + winner);
    EXPECT_EQ(found.status, winner % 2 == 0 ? PaymentStatus::kSucceeded : PaymentStatus::kFailed);
}

TEST_P(PaymentsRepositoryContract, ConcurrentClaimsOfOneKeyTakeItOnceAndAStaleClaimIsTakenOverOnce) {
    constexpr int kRequests = 8;
    auto race = [&](int64_t now) {
        std::atomic<int> claimed{0}, answered{0}, errors{0};
        std::vector<std::thread> requests;
        for (int i = 0; i < kRequests; ++i)
            requests.emplace_back([&, i] {
                auto claim = repository_->ClaimKeyedRequest(ctx_, "usr_1", "k", "f" + std::to_string(i), now, now - 60);
                if (!claim.ok())
                    errors.fetch_add(1);
                else if (*claim)
                    answered.fetch_add(1);
                else
                    claimed.fetch_add(1);
            });
        for (auto& request : requests) request.join();
        EXPECT_EQ(errors.load(), 0);
        EXPECT_EQ(claimed.load(), 1);
        EXPECT_EQ(answered.load(), kRequests - 1);
    };
    race(1000);  // a new key
    race(2000);  // its claim is stale by then: one request takes it over
    auto running = Claim("k", 2010);
    ASSERT_TRUE(running);
    EXPECT_EQ(running->status, 0);
    EXPECT_TRUE(Finish("k", 2000, 201));  // the claim is the takeover's, made at 2000
}

INSTANTIATE_TEST_SUITE_P(Adapters, PaymentsRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<PaymentsAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::payments
