#include "services/orders/event_consumers.hpp"

#include <boost/json/parse.hpp>

#include "services/orders/order_events.hpp"

namespace emporium::orders {

namespace {

core::Result<void> OnReservationReleased(OrdersService& orders, const core::RequestContext& ctx,
                                         const bus::Event& event) {
    boost::system::error_code ec;
    auto payload = boost::json::parse(event.payload, ec);
    if (ec || !payload.is_object()) return core::Error::Internal("ReservationReleased payload is not an object");
    const auto* reason = payload.as_object().if_contains("reason");
    if (!reason || !reason->is_string() || reason->as_string() != "expired") return core::Ok();
    auto cancelled =
        orders.Transition(ctx, event.aggregate_id, OrderStatus::kCancelled, "stock reservation expired before payment");
    if (cancelled.ok()) return core::Ok();
    // No such order (the process died before storing it) or already paid/cancelled:
    // nothing to do, and redelivery would not change that.
    auto code = cancelled.error().code;
    if (code == core::ErrorCode::kNotFound || code == core::ErrorCode::kConflict) return core::Ok();
    return cancelled.error();
}

// A refunded order's units go back on sale (the bus filter and the handler both ask this).
constexpr OrderStatus kRestockWhen = OrderStatus::kRefunded;

core::Result<void> OnOrderStatusChanged(inventory::InventoryService& inventory, const core::RequestContext& ctx,
                                        const bus::Event& event) {
    EMPORIUM_ASSIGN_OR_RETURN(auto change, ReadOrderStatusChanged(event));
    if (change.to != kRestockWhen) return core::Ok();
    return RestockRefunded(inventory, ctx, event.aggregate_id);
}

}  // namespace

core::Result<void> RestockRefunded(inventory::InventoryService& inventory, const core::RequestContext& ctx,
                                   std::string_view order_id) {
    auto restocked = inventory.Restock(ctx, order_id);
    // No reservation (an order from before reservations) or one that was never sold
    // (released): nothing went out, nothing comes back.
    if (!restocked.ok() &&
        (restocked.error().code == core::ErrorCode::kNotFound || restocked.error().code == core::ErrorCode::kConflict))
        return core::Ok();
    return restocked;
}

void SubscribeOrderConsumers(bus::EventBus& bus, OrdersService& orders, inventory::InventoryService& inventory) {
    bus.Subscribe({.name = "orders.reservation_expiry", .types = {std::string(inventory::kReservationReleased)}},
                  [&orders](const core::RequestContext& ctx, const bus::Event& event) {
                      return OnReservationReleased(orders, ctx, event);
                  });
    bus.Subscribe({.name = "orders.restock_refunded",
                   .types = {std::string(kOrderStatusChanged)},
                   .wanted = OrderReaches({kRestockWhen})},
                  [&inventory](const core::RequestContext& ctx, const bus::Event& event) {
                      return OnOrderStatusChanged(inventory, ctx, event);
                  });
}

}  // namespace emporium::orders
