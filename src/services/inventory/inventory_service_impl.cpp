#include "services/inventory/inventory_service_impl.hpp"

#include <charconv>

#include "core/cursor.hpp"
#include "core/random.hpp"
#include "core/text.hpp"

namespace emporium::inventory {

using core::Error;
using core::Result;

Result<void> InventoryServiceImpl::CheckSku(const core::RequestContext& ctx, std::string_view sku) {
    auto variant = catalog_.GetVariant(ctx, sku);
    if (!variant.ok()) {
        if (variant.error().code == core::ErrorCode::kNotFound) return Error::NotFound("No such SKU in the catalog.");
        return variant.error();
    }
    return core::Ok();
}

Result<Stock> InventoryServiceImpl::GetStock(const core::RequestContext& ctx, std::string_view sku) {
    EMPORIUM_TRY(CheckSku(ctx, sku));
    return repository_.FindStock(ctx, sku);
}

Result<std::vector<Stock>> InventoryServiceImpl::GetStocks(const core::RequestContext& ctx,
                                                           const std::vector<std::string>& skus) {
    return repository_.FindStocks(ctx, skus);
}

Result<AdjustmentResult> InventoryServiceImpl::Adjust(const core::RequestContext& ctx, std::string_view sku,
                                                      int64_t delta, std::string_view reason) {
    std::vector<core::FieldError> errors;
    if (delta == 0 || delta < -kMaxAdjustment || delta > kMaxAdjustment)
        errors.push_back({"delta", "must be a non-zero integer between -1000000 and 1000000"});
    std::string trimmed(core::Trim(reason));
    if (auto problem = core::TextLengthProblem(trimmed, 1, 200); !problem.empty())
        errors.push_back({"reason", std::move(problem)});
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    EMPORIUM_TRY(CheckSku(ctx, sku));
    Adjustment adjustment;
    adjustment.id = core::NewTimeOrderedId("adj");
    adjustment.sku = std::string(sku);
    adjustment.delta = delta;
    adjustment.reason = std::move(trimmed);
    adjustment.actor_id = ctx.principal ? ctx.principal->user_id : std::string("system");
    adjustment.created_at = clock_.NowSeconds();
    EMPORIUM_ASSIGN_OR_RETURN(Stock stock, repository_.ApplyAdjustment(ctx, adjustment));
    return AdjustmentResult{std::move(adjustment), std::move(stock)};
}

Result<AdjustmentPage> InventoryServiceImpl::ListAdjustments(const core::RequestContext& ctx, std::string_view sku,
                                                             int limit, std::string_view cursor) {
    EMPORIUM_TRY(core::CheckPageLimit(limit));
    EMPORIUM_ASSIGN_OR_RETURN(std::optional<int64_t> before, core::DecodeSequenceCursor("adj", cursor));
    EMPORIUM_TRY(CheckSku(ctx, sku));
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, repository_.ListAdjustments(ctx, sku, before, limit + 1));
    AdjustmentPage page;
    bool more = static_cast<int>(rows.size()) > limit;
    if (more) rows.resize(static_cast<std::size_t>(limit));
    if (more && !rows.empty()) page.next_cursor = core::EncodeSequenceCursor("adj", rows.back().second);
    for (auto& [adjustment, seq] : rows) page.items.push_back(std::move(adjustment));
    return page;
}

Result<void> InventoryServiceImpl::Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                                           const std::vector<ReservationLine>& lines, int64_t expires_at) {
    if (lines.empty()) return Error::Invalid("items", "must not be empty");
    for (const auto& line : lines)
        if (line.quantity <= 0) return Error::Invalid("quantity", "must be positive");
    return repository_.Reserve(ctx, reservation_id, lines, expires_at, clock_.NowSeconds());
}

Result<void> InventoryServiceImpl::Commit(const core::RequestContext& ctx, std::string_view reservation_id) {
    return repository_.Finish(ctx, reservation_id, ReservationStatus::kCommitted, clock_.NowSeconds(), std::nullopt);
}

Result<void> InventoryServiceImpl::Release(const core::RequestContext& ctx, std::string_view reservation_id) {
    return repository_.Finish(ctx, reservation_id, ReservationStatus::kReleased, clock_.NowSeconds(), std::nullopt);
}

Result<void> InventoryServiceImpl::Restock(const core::RequestContext& ctx, std::string_view reservation_id) {
    return repository_.Restock(ctx, reservation_id, clock_.NowSeconds());
}

Result<int> InventoryServiceImpl::ReleaseExpired(const core::RequestContext& ctx, int limit) {
    int64_t now = clock_.NowSeconds();
    EMPORIUM_ASSIGN_OR_RETURN(auto expired, repository_.FindExpired(ctx, now, limit));
    int released = 0;
    for (const auto& id : expired) {
        auto finished = repository_.Finish(ctx, id, ReservationStatus::kReleased, now, std::string("expired"));
        // Committed meanwhile (payment won the race): not an error, nothing to release.
        if (finished.ok())
            ++released;
        else if (finished.error().code != core::ErrorCode::kConflict)
            return finished.error();
    }
    return released;
}

}  // namespace emporium::inventory
