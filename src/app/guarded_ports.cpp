#include "app/guarded_ports.hpp"

namespace emporium::app {

core::Result<payments::CardToken> GuardedPaymentProvider::Tokenize(const core::RequestContext& ctx,
                                                                   const payments::CardDetails& card) {
    return inner_->Tokenize(ctx, card);
}

core::Result<payments::ProviderCharge> GuardedPaymentProvider::Charge(const core::RequestContext& ctx,
                                                                      std::string_view idempotency_key, int64_t amount,
                                                                      std::string_view currency,
                                                                      std::string_view card_token,
                                                                      std::string_view order_id) {
    return guard_.Run(ctx,
                      [&] { return inner_->Charge(ctx, idempotency_key, amount, currency, card_token, order_id); });
}

core::Result<void> GuardedPaymentProvider::Refund(const core::RequestContext& ctx, std::string_view idempotency_key,
                                                  std::string_view charge_id) {
    return guard_.Run(ctx, [&] { return inner_->Refund(ctx, idempotency_key, charge_id); });
}

core::Result<search::SearchPage> GuardedSearchService::Search(const core::RequestContext& ctx,
                                                              const search::SearchRequest& request) {
    return guard_.Run(ctx, [&] { return inner_->Search(ctx, request); });
}

core::Result<std::vector<search::Suggestion>> GuardedSearchService::Suggest(const core::RequestContext& ctx,
                                                                            std::string_view prefix, int limit) {
    return guard_.Run(ctx, [&] { return inner_->Suggest(ctx, prefix, limit); });
}

core::Result<recommendations::Recommendations> GuardedRecommendationsService::ForProduct(
    const core::RequestContext& ctx, std::string_view product_id_or_slug, int limit) {
    auto answer = guard_.Run(ctx, [&] { return inner_->ForProduct(ctx, product_id_or_slug, limit); });
    if (!answer.ok() && answer.error().code == core::ErrorCode::kUnavailable)
        return recommendations::Recommendations{.items = {}, .available = false};
    return answer;
}

recommendations::Recommendations GuardedRecommendationsService::Trending(const core::RequestContext& ctx, int limit) {
    auto answer = guard_.Run(
        ctx, [&]() -> core::Result<recommendations::Recommendations> { return inner_->Trending(ctx, limit); });
    if (!answer.ok()) return recommendations::Recommendations{.items = {}, .available = false};
    return std::move(answer).value();
}

cache::CacheLookup FaultyCache::Peek(std::string_view key) {
    if (fault_.active()) return cache::CacheLookup{};
    return inner_.Peek(key);
}

core::Result<cache::CacheLookup> FaultyCache::Get(const core::RequestContext& ctx, std::string_view key) {
    EMPORIUM_TRY(fault_.Apply(ctx));
    return inner_.Get(ctx, key);
}

core::Result<void> FaultyCache::Put(const core::RequestContext& ctx, std::string key,
                                    std::shared_ptr<const cache::CachedItem> item) {
    EMPORIUM_TRY(fault_.Apply(ctx));
    return inner_.Put(ctx, std::move(key), std::move(item));
}

core::Result<uint64_t> FaultyCache::NamespaceVersion(const core::RequestContext& ctx, std::string_view ns) {
    EMPORIUM_TRY(fault_.Apply(ctx));
    return inner_.NamespaceVersion(ctx, ns);
}

}  // namespace emporium::app
