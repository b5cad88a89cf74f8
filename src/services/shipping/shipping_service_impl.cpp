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
// `count` tracking numbers from one random draw (a draw is a system call). A byte modulo 36
// leans slightly towards the first four characters: harmless for a tracking number, which
// only the carrier and operators use and which is never a credential.
std::vector<std::string> NewTrackingNumbers(std::size_t count) {
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    constexpr std::size_t kLength = 12;
    std::vector<unsigned char> random(count * kLength);
    randombytes_buf(random.data(), random.size());
    std::vector<std::string> numbers(count, "EMP");
    for (std::size_t i = 0; i < random.size(); ++i) numbers[i / kLength] += kAlphabet[random[i] % 36];
    return numbers;
}

// Moves the order along with its shipment; an order that is already further is left alone.
Result<void> Follow(orders::OrdersService& orders, const core::RequestContext& ctx, std::string_view order_id,
                    OrderStatus to, std::string_view reason) {
    auto moved = orders.Transition(ctx, order_id, to, reason);
    if (!moved.ok() && moved.error().code != core::ErrorCode::kConflict) return moved.error();
    return core::Ok();
}
}  // namespace

Result<std::vector<Result<Shipment>>> ShippingServiceImpl::CreateShipments(const core::RequestContext& ctx,
                                                                           const std::vector<PaidOrder>& orders) {
    std::vector<std::string> tracking_numbers = NewTrackingNumbers(orders.size());
    std::vector<Shipment> fresh;
    fresh.reserve(orders.size());
    for (std::size_t i = 0; i < orders.size(); ++i)
        fresh.push_back(Shipment{std::move(tracking_numbers[i]),
                                 orders[i].order_id,
                                 orders[i].user_id,
                                 "Emporium Express",
                                 ShipmentStatus::kLabelCreated,
                                 {}});
    EMPORIUM_ASSIGN_OR_RETURN(auto stored, repository_.InsertOrFind(ctx, fresh, clock_.NowSeconds()));
    // Orders whose parcel has only its label follow to FULFILLING (again, after a crash
    // between the two transactions); one that is further along already is left alone.
    std::vector<std::size_t> labelled;
    std::vector<std::string> order_ids;
    for (std::size_t i = 0; i < stored.size(); ++i)
        if (stored[i].status == ShipmentStatus::kLabelCreated) {
            labelled.push_back(i);
            order_ids.push_back(stored[i].order_id);
        }
    EMPORIUM_ASSIGN_OR_RETURN(
        auto moved, orders_.TransitionEach(ctx, order_ids, OrderStatus::kFulfilling, "shipping label created"));
    std::vector<Result<Shipment>> outcomes(stored.begin(), stored.end());
    for (std::size_t k = 0; k < labelled.size(); ++k)
        if (!moved[k].ok() && moved[k].error().code != core::ErrorCode::kConflict)
            outcomes[labelled[k]] = moved[k].error();
    return outcomes;
}

Result<Shipment> ShippingServiceImpl::GetTracking(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(orders_.GetOrder(ctx, order_id));  // ownership
    auto shipment = repository_.FindByOrder(ctx, order_id);
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
    EMPORIUM_ASSIGN_OR_RETURN(Shipment current, repository_.FindByTracking(ctx, tracking_number));
    auto shipped = orders_.Transition(ctx, current.order_id, OrderStatus::kShipped, "handed to the carrier");
    if (!shipped.ok()) {
        if (shipped.error().code != core::ErrorCode::kConflict) return shipped.error();
        EMPORIUM_ASSIGN_OR_RETURN(orders::Order order, orders_.FindOrder(ctx, current.order_id));
        if (order.status == OrderStatus::kCancelled || order.status == OrderStatus::kRefunded)
            return Error::Conflict("Order " + order.id + " is " + std::string(orders::StatusName(order.status)) +
                                   "; its parcel must not be shipped.");
        // Otherwise it is further along already (shipped or delivered): the scan decides.
    }
    EMPORIUM_ASSIGN_OR_RETURN(
        Shipment shipment,
        repository_.AddEvent(ctx, tracking_number, TrackingEvent{status, text, clock_.NowSeconds()}));
    if (status == ShipmentStatus::kDelivered)
        EMPORIUM_TRY(Follow(orders_, ctx, shipment.order_id, OrderStatus::kDelivered, "delivered"));
    return shipment;
}

Result<Shipment> ShippingServiceImpl::FindByOrder(const core::RequestContext& ctx, std::string_view order_id) {
    return repository_.FindByOrder(ctx, order_id);
}

}  // namespace emporium::shipping
