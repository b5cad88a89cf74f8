#include "services/shipping/http_handlers.hpp"

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "http/json_input.hpp"
#include "http/render.hpp"
#include "services/orders/order_events.hpp"

namespace emporium::shipping {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

void WriteTracking(core::JsonWriter& json, const Shipment& s) {
    json.BeginObject()
        .Field("order_id", s.order_id)
        .Field("tracking_number", s.tracking_number)
        .Field("carrier", s.carrier)
        .Field("status", StatusName(s.status))
        .Key("events")
        .BeginArray();
    for (const auto& event : s.events)
        json.BeginObject()
            .Field("status", StatusName(event.status))
            .Field("description", event.description)
            .Field("at", core::FormatRfc3339(event.at))
            .EndObject();
    json.EndArray().EndObject();
}

namespace {

Response AddEvent(ShippingService& service, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto status = reader.String("status");
    auto description = reader.String("description");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    ShipmentStatus parsed;
    if (status == "in_transit")
        parsed = ShipmentStatus::kInTransit;
    else if (status == "delivered")
        parsed = ShipmentStatus::kDelivered;
    else
        return http::ProblemResponse(core::Error::Invalid("status", "must be in_transit or delivered"), request.path);
    return http::RenderJson(
        service.AddEvent(request.context, request.PathParam("tracking_number"), parsed, description.value_or("")),
        request, 201, WriteTracking, "no-store");
}

// A paid order gets its shipment (the bus filter and the handler both ask this).
constexpr orders::OrderStatus kShipWhen = orders::OrderStatus::kPaid;

// A batch of the shard's OrderStatusChanged events: one shipment transaction for all the
// paid orders among them.
std::vector<core::Result<void>> OnOrderStatusChanged(ShippingService& service, const core::RequestContext& ctx,
                                                     const std::vector<bus::Event>& events) {
    std::vector<core::Result<void>> outcomes(events.size(), core::Ok());
    std::vector<PaidOrder> paid;
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto change = orders::ReadOrderStatusChanged(events[i]);
        if (!change.ok()) {
            outcomes[i] = change.error();
            continue;
        }
        if (change->to != kShipWhen || !change->user_id) continue;
        paid.push_back(PaidOrder{events[i].aggregate_id, *change->user_id});
        positions.push_back(i);
    }
    if (paid.empty()) return outcomes;
    auto created = service.CreateShipments(ctx, paid);
    for (std::size_t k = 0; k < positions.size(); ++k) {
        if (!created.ok())
            outcomes[positions[k]] = created.error();
        else if (!(*created)[k].ok())
            outcomes[positions[k]] = (*created)[k].error();
    }
    return outcomes;
}

}  // namespace

void RegisterShippingRoutes(http::Router& router, ShippingService& service) {
    ShippingService* s = &service;
    router.Add(Method::kGet, "/api/v1/orders/{order_id}/tracking", Access::kUser, [s](Request& r) {
        return http::RenderJson(s->GetTracking(r.context, r.PathParam("order_id")), r, 200, WriteTracking,
                                http::kPrivateNoCache);
    });
    router.Add(Method::kPost, "/api/v1/admin/shipments/{tracking_number}/events", Access::kAdmin,
               [s](Request& r) { return AddEvent(*s, r); });
}

void SubscribeShippingConsumers(bus::EventBus& bus, ShippingService& service) {
    bus.SubscribeBatch({.name = "shipping.order_paid",
                        .types = {std::string(orders::kOrderStatusChanged)},
                        .wanted = orders::OrderReaches({kShipWhen})},
                       [&service](const core::RequestContext& ctx, const std::vector<bus::Event>& events) {
                           return OnOrderStatusChanged(service, ctx, events);
                       });
}

}  // namespace emporium::shipping
