#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "cache/cache.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "resilience/bulkhead.hpp"
#include "resilience/fault_switches.hpp"
#include "services/payments/psp/payment_provider.hpp"
#include "services/recommendations/recommendations_service.hpp"
#include "services/search/search_service.hpp"

namespace emporium::app {

// What stands between a caller and one dependency: its bulkhead (a place for the call, or
// kUnavailable at once) and then its fault switch (added latency or an injected failure,
// off unless an operator turns it on). The bulkhead comes first so that an injected slow
// dependency fills its bulkhead as a really slow one would. Either may be null.
struct PortGuard {
    resilience::Bulkhead* bulkhead = nullptr;
    resilience::FaultSwitch* fault = nullptr;
    // The longest the adapter itself waits for the dependency (the payment provider's
    // timeout): an injected latency beyond it ends as that timeout would.
    std::chrono::milliseconds call_timeout = std::chrono::milliseconds::max();

    template <typename Call>
    std::invoke_result_t<Call> Run(const core::RequestContext& ctx, Call&& call) const {
        std::optional<resilience::Bulkhead::Permit> permit;
        if (bulkhead) {
            auto acquired = bulkhead->Acquire(ctx);
            if (!acquired.ok()) return std::move(acquired).error();
            permit.emplace(std::move(acquired).value());
        }
        if (fault) {
            auto injected = fault->Apply(ctx, call_timeout);
            if (!injected.ok()) return std::move(injected).error();
        }
        return std::forward<Call>(call)();
    }
};

// The payment provider behind its guard. Only the charging API (Charge, Refund) is
// guarded: tokenising a card stays up when charging fails, as the simulator and real
// providers' browser-side vaults do, and it is quick. (src/app gives it the fault switch
// only: the payments service takes the provider's bulkhead itself, since it must know a
// call was turned away to leave the payment to the background retry instead of retrying.)
class GuardedPaymentProvider final : public payments::PaymentProvider {
  public:
    GuardedPaymentProvider(std::unique_ptr<payments::PaymentProvider> inner, PortGuard guard)
        : inner_(std::move(inner)), guard_(guard) {}

    core::Result<payments::CardToken> Tokenize(const core::RequestContext& ctx,
                                               const payments::CardDetails& card) override;
    core::Result<payments::ProviderCharge> Charge(const core::RequestContext& ctx, std::string_view idempotency_key,
                                                  int64_t amount, std::string_view currency,
                                                  std::string_view card_token, std::string_view order_id) override;
    core::Result<void> Refund(const core::RequestContext& ctx, std::string_view idempotency_key,
                              std::string_view charge_id) override;

  private:
    std::unique_ptr<payments::PaymentProvider> inner_;
    PortGuard guard_;
};

// Search (full-text queries and suggestions) behind its guard: a search that cannot have a
// place answers 503, and never holds a blocking-pool thread longer than the bulkhead's wait.
class GuardedSearchService final : public search::SearchService {
  public:
    GuardedSearchService(std::unique_ptr<search::SearchService> inner, PortGuard guard)
        : inner_(std::move(inner)), guard_(guard) {}

    core::Result<search::SearchPage> Search(const core::RequestContext& ctx,
                                            const search::SearchRequest& request) override;
    core::Result<std::vector<search::Suggestion>> Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                          int limit) override;

  private:
    std::unique_ptr<search::SearchService> inner_;
    PortGuard guard_;
};

// Recommendations behind their guard. Keeps the port's promise never to fail a page: a call
// the guard refuses answers "unavailable" with nothing (the storefront hides the section).
class GuardedRecommendationsService final : public recommendations::RecommendationsService {
  public:
    GuardedRecommendationsService(std::unique_ptr<recommendations::RecommendationsService> inner, PortGuard guard)
        : inner_(std::move(inner)), guard_(guard) {}

    core::Result<recommendations::Recommendations> ForProduct(const core::RequestContext& ctx,
                                                              std::string_view product_id_or_slug, int limit) override;
    recommendations::Recommendations Trending(const core::RequestContext& ctx, int limit) override;
    bool healthy() const override { return inner_->healthy(); }

  private:
    std::unique_ptr<recommendations::RecommendationsService> inner_;
    PortGuard guard_;
};

// The page cache with its fault switch. While a fault is on, Peek (the event loop's look at
// memory) finds nothing, so that every page read takes the blocking path and meets the
// fault; Get, Put and NamespaceVersion fail or wait as the fault says (callers then load from
// the source, as for a cache server that is down). Invalidations always go through: a
// fault must not leave stale pages behind once it is cleared.
class FaultyCache final : public cache::Cache {
  public:
    FaultyCache(cache::Cache& inner, resilience::FaultSwitch& fault) : inner_(inner), fault_(fault) {}

    cache::CacheLookup Peek(std::string_view key) override;
    core::Result<cache::CacheLookup> Get(const core::RequestContext& ctx, std::string_view key) override;
    core::Result<void> Put(const core::RequestContext& ctx, std::string key,
                           std::shared_ptr<const cache::CachedItem> item) override;
    uint64_t LocalNamespaceVersion(std::string_view ns) override { return inner_.LocalNamespaceVersion(ns); }
    core::Result<uint64_t> NamespaceVersion(const core::RequestContext& ctx, std::string_view ns) override;
    core::Result<void> InvalidateNamespace(const core::RequestContext& ctx, std::string_view ns) override {
        return inner_.InvalidateNamespace(ctx, ns);
    }
    core::Result<void> InvalidateAll(const core::RequestContext& ctx) override { return inner_.InvalidateAll(ctx); }
    cache::CacheStats Stats() const override { return inner_.Stats(); }

  private:
    cache::Cache& inner_;
    resilience::FaultSwitch& fault_;
};

}  // namespace emporium::app
