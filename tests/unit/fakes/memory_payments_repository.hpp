#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/payments/payments_repository.hpp"

namespace emporium::payments {

// PaymentsRepository in memory, for unit tests of the services above it; passes the same
// contract as SqlitePaymentsRepository (payments_repository_contract_test.cpp).
// Thread-safe: one mutex around everything.
// Not modelled: the PaymentSucceeded event the SQLite adapter appends to its outbox when
// Update settles a payment to kSucceeded (unit tests over this fake have no bus).
class MemoryPaymentsRepository final : public PaymentsRepository {
  public:
    core::Result<void> Insert(const core::RequestContext& ctx, const Payment& payment) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        if (payments_.contains(payment.order_id))
            return core::Error::Conflict("UNIQUE constraint failed: payments.order_id");
        for (const auto& [order_id, stored] : payments_)
            if (stored.id == payment.id) return core::Error::Conflict("UNIQUE constraint failed: payments.id");
        Payment stored = payment;
        // What the SQLite adapter's INSERT leaves out starts empty.
        stored.provider_charge_id.clear();
        stored.failure_code.clear();
        stored.attempts = 0;
        stored.updated_at = payment.created_at;
        payments_.emplace(payment.order_id, std::move(stored));
        return core::Ok();
    }

    core::Result<Payment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        auto it = payments_.find(order_id);
        if (it == payments_.end()) return core::Error::NotFound("This order has no payment.");
        return it->second;
    }

    core::Result<bool> Update(const core::RequestContext& ctx, const Payment& payment,
                              PaymentStatus expected) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        for (auto& [order_id, stored] : payments_) {
            if (stored.id != payment.id) continue;
            if (stored.status != expected) return false;
            stored.status = payment.status;
            stored.provider_charge_id = payment.provider_charge_id;
            stored.failure_code = payment.failure_code;
            stored.attempts = payment.attempts;
            stored.next_retry_at = payment.next_retry_at;
            stored.updated_at = payment.updated_at;
            stored.card_last4 = payment.card_last4;
            stored.card_brand = payment.card_brand;
            return true;
        }
        return false;
    }

    core::Result<std::vector<Payment>> FindDue(const core::RequestContext& ctx, int64_t now, int limit) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::vector<Payment> due;
        for (const auto& [order_id, stored] : payments_)
            if (stored.status == PaymentStatus::kProcessing && stored.next_retry_at && *stored.next_retry_at <= now)
                due.push_back(stored);
        std::stable_sort(due.begin(), due.end(),
                         [](const auto& a, const auto& b) { return *a.next_retry_at < *b.next_retry_at; });
        if (limit >= 0 && due.size() > static_cast<std::size_t>(limit))  // a negative LIMIT is none in SQLite
            due.resize(static_cast<std::size_t>(limit));
        return due;
    }

    core::Result<std::optional<KeyedRequest>> ClaimKeyedRequest(const core::RequestContext& ctx,
                                                                std::string_view user_id, std::string_view key,
                                                                std::string_view fingerprint, int64_t now,
                                                                int64_t stale_before) override {
        using Answer = std::optional<KeyedRequest>;
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        auto [it, claimed] = keyed_.try_emplace({std::string(user_id), std::string(key)});
        KeyedRequest& stored = it->second;
        if (claimed || (stored.status == 0 && stored.claimed_at < stale_before)) {  // new, or taken over
            stored = KeyedRequest{std::string(key), std::string(fingerprint), 0, "", "", now};
            return Answer();
        }
        KeyedRequest earlier = stored;
        earlier.claimed_at = 0;  // as the SQLite adapter answers it: the claim's time is not read back
        return Answer(std::move(earlier));
    }

    core::Result<int64_t> PruneKeyedRequests(const core::RequestContext& ctx, int64_t before) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        return static_cast<int64_t>(
            std::erase_if(keyed_, [&](const auto& entry) { return entry.second.claimed_at < before; }));
    }

    core::Result<bool> FinishKeyedRequest(const core::RequestContext& ctx, std::string_view user_id,
                                          const KeyedRequest& answer, bool forget) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        auto it = keyed_.find({std::string(user_id), answer.key});
        if (it == keyed_.end() || it->second.status != 0 || it->second.claimed_at != answer.claimed_at) return false;
        if (forget) {
            keyed_.erase(it);
            return true;
        }
        it->second.status = answer.status;
        it->second.content_type = answer.content_type;
        it->second.body = answer.body;
        return true;
    }

  private:
    std::mutex mutex_;
    std::map<std::string, Payment, std::less<>> payments_;               // by order id
    std::map<std::pair<std::string, std::string>, KeyedRequest> keyed_;  // by (user id, key)
};

}  // namespace emporium::payments
