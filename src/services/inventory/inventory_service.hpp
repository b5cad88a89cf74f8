#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::inventory {

// Events of the inventory service: a SKU's stock changed (aggregate = the SKU); a
// reservation was released unsold (aggregate = the reservation id, which is its order's id;
// payload {reason: "expired" | ...}).
inline constexpr std::string_view kStockChanged = "StockChanged";
inline constexpr std::string_view kReservationReleased = "ReservationReleased";

struct Stock {
    std::string sku;
    int64_t available = 0;  // can be sold
    int64_t reserved = 0;   // held by unpaid orders
    int64_t sold = 0;       // left with paid orders
    int64_t updated_at = 0;
};

struct Adjustment {
    std::string id;
    std::string sku;
    int64_t delta = 0;
    std::string reason;
    std::string actor_id;
    int64_t available_after = 0;
    int64_t created_at = 0;
};

struct AdjustmentResult {
    Adjustment adjustment;
    Stock stock;
};

struct AdjustmentPage {
    std::vector<Adjustment> items;
    std::optional<std::string> next_cursor;
};

struct ReservationLine {
    std::string sku;
    int64_t quantity = 0;
};

enum class ReservationStatus { kActive, kCommitted, kReleased };

inline constexpr int64_t kMaxAdjustment = 1'000'000;

// The inventory service: stock per SKU, never negative. Blocking; thread-safe.
// Errors: kNotFound for a SKU the catalog does not know; kConflict (field "sku") when
// stock is short; kInvalidArgument for bad values.
class InventoryService {
  public:
    virtual ~InventoryService() = default;

    virtual core::Result<Stock> GetStock(const core::RequestContext& ctx, std::string_view sku) = 0;
    // The stock of each of `skus` (SKUs the caller got from the catalog), in that order, in
    // one read; a SKU never stocked has all counts 0.
    virtual core::Result<std::vector<Stock>> GetStocks(const core::RequestContext& ctx,
                                                       const std::vector<std::string>& skus) = 0;
    // Adds `delta` (may be negative) to available stock, recording who and why.
    // kConflict when available would drop below zero.
    virtual core::Result<AdjustmentResult> Adjust(const core::RequestContext& ctx, std::string_view sku, int64_t delta,
                                                  std::string_view reason) = 0;
    // Newest first.
    virtual core::Result<AdjustmentPage> ListAdjustments(const core::RequestContext& ctx, std::string_view sku,
                                                         int limit, std::string_view cursor) = 0;

    // Moves `lines` from available to reserved until `expires_at` (Unix seconds), all or
    // nothing, under the caller's `reservation_id`. Reserving an id again is a no-op.
    // kConflict naming the first SKU that is short.
    virtual core::Result<void> Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                                       const std::vector<ReservationLine>& lines, int64_t expires_at) = 0;
    // Reserved → sold (payment succeeded). Idempotent; kConflict if already released.
    virtual core::Result<void> Commit(const core::RequestContext& ctx, std::string_view reservation_id) = 0;
    // Reserved → available (cancelled). Idempotent; kConflict if already committed.
    virtual core::Result<void> Release(const core::RequestContext& ctx, std::string_view reservation_id) = 0;
    // Sold → available again for a committed reservation whose order was refunded before it
    // shipped (available + reserved + sold stays the same). Idempotent; kConflict unless
    // committed; kNotFound if unknown.
    virtual core::Result<void> Restock(const core::RequestContext& ctx, std::string_view reservation_id) = 0;
    // Releases active reservations past their expiry; returns how many. Each release also
    // publishes ReservationReleased{reservation_id, reason:"expired"}.
    virtual core::Result<int> ReleaseExpired(const core::RequestContext& ctx, int limit) = 0;
};

}  // namespace emporium::inventory
