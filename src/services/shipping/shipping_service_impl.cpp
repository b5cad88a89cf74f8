#include "services/shipping/shipping_service_impl.hpp"

#include <sodium.h>

#include "core/text.hpp"

namespace emporium::shipping {

using core::Error;
using core::Result;
using orders::OrderStatus;

std::string_view StatusName(ShipmentStatus status) {
    switch (status) {
        case ShipmentStatus::kLabelCreated:
            return "label_created";
        case ShipmentStatus::kInTransit:
            return "in_transit";
        case ShipmentStatus::kDelivered:
            return "delivered";
    }
    return "label_created";
}

namespace {
std::string NewTrackingNumber() {
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    // One draw for all twelve characters (a draw is a system call). A byte modulo 36 leans
    // slightly towards the first four characters: harmless for a tracking number, which
    // only the carrier and operators use and which is never a credential.
    unsigned char random[12];
    randombytes_buf(random, sizeof random);
    std::string number = "EMP";
    for (unsigned char byte : random) number += kAlphabet[byte % 36];
    return number;
}

// Moves the order along with its shipment; an order that is already further is left alone.
Result<void> Follow(orders::OrdersService& orders, const core::RequestContext& ctx, std::string_view order_id,
                    OrderStatus to, std::string_view reason) {
    auto moved = orders.Transition(ctx, order_id, to, reason);
    if (!moved.ok() && moved.error().code != core::ErrorCode::kConflict) return moved.error();
    return core::Ok();
}
}  // namespace

Result<Shipment> ShippingServiceImpl::CreateShipment(const core::RequestContext& ctx, std::string_view order_id,
                                                     std::string_view user_id) {
    Shipment shipment{NewTrackingNumber(), std::string(order_id),         std::string(user_id),
                      "Emporium Express",  ShipmentStatus::kLabelCreated, {}};
    EMPORIUM_ASSIGN_OR_RETURN(Shipment stored, repository_.InsertOrFind(shipment, clock_.NowSeconds()));
    if (stored.status == ShipmentStatus::kLabelCreated)
        EMPORIUM_TRY(Follow(orders_, ctx, order_id, OrderStatus::kFulfilling, "shipping label created"));
    return stored;
}

Result<Shipment> ShippingServiceImpl::GetTracking(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(orders_.GetOrder(ctx, order_id));  // ownership
    auto shipment = repository_.FindByOrder(order_id);
    if (!shipment.ok() && shipment.error().code == core::ErrorCode::kNotFound)
        return Error::NotFound("This order has not been shipped yet.");
    return shipment;
}

Result<Shipment> ShippingServiceImpl::AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                               ShipmentStatus status, std::string_view description) {
    if (status == ShipmentStatus::kLabelCreated) return Error::Invalid("status", "must be in_transit or delivered");
    std::string text(core::Trim(description));
    if (text.empty()) text = status == ShipmentStatus::kInTransit ? "In transit" : "Delivered";
    if (auto problem = core::TextLengthProblem(text, 1, 200); !problem.empty())
        return Error::Invalid("description", problem);
    // The order moves first, so a cancellation racing this scan is decided in one place
    // (the order's state): if the order was cancelled or refunded, the parcel must not go
    // out and the scan is refused (409) before anything is recorded.
    EMPORIUM_ASSIGN_OR_RETURN(Shipment current, repository_.FindByTracking(tracking_number));
    auto shipped = orders_.Transition(ctx, current.order_id, OrderStatus::kShipped, "handed to the carrier");
    if (!shipped.ok()) {
        if (shipped.error().code != core::ErrorCode::kConflict) return shipped.error();
        EMPORIUM_ASSIGN_OR_RETURN(orders::Order order, orders_.FindOrder(ctx, current.order_id));
        if (order.status == OrderStatus::kCancelled || order.status == OrderStatus::kRefunded)
            return Error::Conflict("Order " + order.id + " is " + std::string(orders::StatusName(order.status)) +
                                   "; its parcel must not be shipped.");
        // Otherwise it is further along already (shipped or delivered): the scan decides.
    }
    EMPORIUM_ASSIGN_OR_RETURN(Shipment shipment,
                              repository_.AddEvent(tracking_number, TrackingEvent{status, text, clock_.NowSeconds()}));
    if (status == ShipmentStatus::kDelivered)
        EMPORIUM_TRY(Follow(orders_, ctx, shipment.order_id, OrderStatus::kDelivered, "delivered"));
    return shipment;
}

Result<Shipment> ShippingServiceImpl::FindByOrder(const core::RequestContext&, std::string_view order_id) {
    return repository_.FindByOrder(order_id);
}

}  // namespace emporium::shipping
