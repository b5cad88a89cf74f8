#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/inventory/inventory_service.hpp"

namespace emporium::inventory {

// Storage port of the inventory service. Every method is one atomic transaction.
// Blocking, thread-safe.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class InventoryRepository {
  public:
    virtual ~InventoryRepository() = default;

    // A SKU without a row has all counts 0.
    virtual core::Result<Stock> FindStock(const core::RequestContext& ctx, std::string_view sku) = 0;
    // The stock of each of `skus`, in that order, in one read.
    virtual core::Result<std::vector<Stock>> FindStocks(const core::RequestContext& ctx,
                                                        const std::vector<std::string>& skus) = 0;
    // Applies the adjustment if available + delta >= 0 (kConflict otherwise) and records it;
    // fills `adjustment.available_after` and returns the stock after it.
    virtual core::Result<Stock> ApplyAdjustment(const core::RequestContext& ctx, Adjustment& adjustment) = 0;
    // Many adjustments in one transaction (bulk loads); all or nothing. Publishes no
    // StockChanged events: a bulk load is followed by a search index rebuild.
    virtual core::Result<void> ApplyAdjustments(const core::RequestContext& ctx,
                                                std::vector<Adjustment>& adjustments) = 0;
    // Newest first, strictly older than `before_seq` when given. Returns (adjustment, seq).
    virtual core::Result<std::vector<std::pair<Adjustment, int64_t>>> ListAdjustments(const core::RequestContext& ctx,
                                                                                      std::string_view sku,
                                                                                      std::optional<int64_t> before_seq,
                                                                                      int limit) = 0;

    virtual core::Result<void> Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                                       const std::vector<ReservationLine>& lines, int64_t expires_at, int64_t now) = 0;
    // Moves an active reservation to `to` (kCommitted or kReleased); no-op if already
    // there; kConflict if it ended the other way; kNotFound if unknown. When
    // `released_event_reason` is set and the reservation is released, a
    // ReservationReleased event is written to the outbox in the same transaction.
    virtual core::Result<void> Finish(const core::RequestContext& ctx, std::string_view reservation_id,
                                      ReservationStatus to, int64_t now,
                                      std::optional<std::string> released_event_reason) = 0;
    virtual core::Result<std::vector<std::string>> FindExpired(const core::RequestContext& ctx, int64_t now,
                                                               int limit) = 0;
    // Moves a committed reservation's units from sold back to available (the total stays:
    // not an adjustment; restocked_reservations records it). Once per reservation: again
    // is a no-op. kNotFound if unknown; kConflict unless committed.
    virtual core::Result<void> Restock(const core::RequestContext& ctx, std::string_view reservation_id,
                                       int64_t now) = 0;
};

}  // namespace emporium::inventory
