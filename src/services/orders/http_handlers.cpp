#include "services/orders/http_handlers.hpp"

#include <charconv>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "http/json_input.hpp"
#include "http/render.hpp"
#include "services/catalog/money_json.hpp"

namespace emporium::orders {

using catalog::WriteMoney;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

void WriteOrder(core::JsonWriter& json, const Order& o) {
    json.BeginObject().Field("id", o.id).Field("status", StatusName(o.status)).Key("items").BeginArray();
    for (const auto& line : o.items) {
        json.BeginObject()
            .Field("sku", line.sku)
            .Field("product_id", line.product_id)
            .Field("product_name", line.product_name)
            .Field("variant_name", line.variant_name)
            .Field("quantity", line.quantity)
            .Key("unit_price");
        WriteMoney(json, line.unit_price);
        json.Key("line_total");
        WriteMoney(json, line.line_total);
        json.EndObject();
    }
    json.EndArray().Field("item_count", o.item_count).Key("subtotal");
    WriteMoney(json, o.subtotal);
    json.Key("total");
    WriteMoney(json, o.total);
    json.Key("shipping_address");
    if (o.shipping_address) {
        const auto& a = *o.shipping_address;
        json.BeginObject()
            .Field("name", a.name)
            .Field("line1", a.line1)
            .Field("line2", a.line2)
            .Field("city", a.city)
            .Field("region", a.region)
            .Field("postal_code", a.postal_code)
            .Field("country", a.country)
            .Field("phone", a.phone)
            .EndObject();
    } else {
        json.Null();
    }
    json.Field("reservation_expires_at", core::FormatRfc3339(o.reservation_expires_at))
        .Field("created_at", core::FormatRfc3339(o.created_at))
        .Field("updated_at", core::FormatRfc3339(o.updated_at))
        .EndObject();
}

namespace {

core::Result<PlaceOrderRequest> ReadPlaceOrder(const Request& request) {
    PlaceOrderRequest out;
    EMPORIUM_ASSIGN_OR_RETURN(out.idempotency_key, http::IdempotencyKeyHeader(request));
    // Formatting and key order do not make another request. (No body hashes as it always
    // did, so keys stored before bodies were compared as JSON still replay.)
    out.request_fingerprint = core::Sha256Hex("");
    if (request.body.empty()) return out;
    EMPORIUM_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(request.body));
    out.request_fingerprint = core::Sha256Hex(http::CanonicalJson(body));
    http::ObjectReader reader(body);
    out.address_id = reader.String("address_id");
    std::vector<core::FieldError> shape;
    if (const auto* address = reader.Object("shipping_address")) {
        http::ObjectReader fields(*address, "shipping_address");
        ShippingAddress a;
        a.name = fields.String("name").value_or("");
        a.line1 = fields.String("line1").value_or("");
        a.line2 = fields.String("line2").value_or("");
        a.city = fields.String("city").value_or("");
        a.region = fields.String("region").value_or("");
        a.postal_code = fields.String("postal_code").value_or("");
        a.country = fields.String("country").value_or("");
        a.phone = fields.String("phone").value_or("");
        fields.Allow("is_default");
        fields.CollectErrors(shape);
        out.shipping_address = std::move(a);
    }
    reader.CollectErrors(shape);
    if (!shape.empty())
        return core::Error{core::ErrorCode::kMalformed, "The request body does not match the expected shape.",
                           std::move(shape)};
    return out;
}

Response PlaceOrder(OrdersService& service, Request& request) {
    auto input = ReadPlaceOrder(request);
    if (!input.ok()) return http::ProblemResponse(input.error(), request.path);
    auto placed = service.PlaceOrder(request.context, *input);
    if (!placed.ok()) return http::ProblemResponse(placed.error(), request.path);
    Response response =
        http::RenderJson(core::Result<Order>(placed->order), request, 201, WriteOrder, http::kPrivateNoCache);
    response.SetHeader("Location", "/api/v1/orders/" + placed->order.id);
    if (placed->replayed) response.SetHeader("Idempotent-Replayed", "true");
    return response;
}

Response ListOrders(OrdersService& service, Request& request) {
    auto params = http::ReadPageParams(request);
    if (!params.ok()) return http::ProblemResponse(params.error(), request.path);
    return http::RenderJson(
        service.ListOrders(request.context, params->limit, params->cursor), request, 200,
        [](core::JsonWriter& json, const OrderPage& page) {
            http::WriteList(json, page.items, page.next_cursor, WriteOrder);
        },
        http::kPrivateNoCache);
}

Response GetStatus(OrdersService& service, Request& request) {
    auto id = request.PathParam("order_id");
    auto order = service.GetOrder(request.context, id);
    if (!order.ok()) return http::ProblemResponse(order.error(), request.path);
    auto history = service.GetHistory(request.context, id);
    return http::RenderJson(
        history, request, 200,
        [&](core::JsonWriter& json, const std::vector<StatusChange>& changes) {
            json.BeginObject().Field("order_id", order->id).Field("status", StatusName(order->status));
            json.Key("history").BeginArray();
            for (const auto& change : changes)
                json.BeginObject()
                    .Field("status", StatusName(change.status))
                    .Field("at", core::FormatRfc3339(change.at))
                    .Field("reason", change.reason)
                    .EndObject();
            json.EndArray().EndObject();
        },
        http::kPrivateNoCache);
}

}  // namespace

void RegisterOrdersRoutes(http::Router& router, OrdersService& service) {
    OrdersService* s = &service;
    router.Add(Method::kPost, "/api/v1/orders", Access::kUser, [s](Request& r) { return PlaceOrder(*s, r); });
    router.Add(Method::kGet, "/api/v1/orders", Access::kUser, [s](Request& r) { return ListOrders(*s, r); });
    router.Add(Method::kGet, "/api/v1/orders/{order_id}", Access::kUser, [s](Request& r) {
        return http::RenderJson(s->GetOrder(r.context, r.PathParam("order_id")), r, 200, WriteOrder,
                                http::kPrivateNoCache);
    });
    router.Add(Method::kGet, "/api/v1/orders/{order_id}/status", Access::kUser,
               [s](Request& r) { return GetStatus(*s, r); });
    router.Add(Method::kPost, "/api/v1/orders/{order_id}/cancel", Access::kUser, [s](Request& r) {
        // Cancelling is idempotent by itself (a repeat answers the order as it is), so a key
        // needs no record; a malformed one is still refused, as everywhere.
        if (auto key = http::IdempotencyKeyHeader(r); !key.ok()) return http::ProblemResponse(key.error(), r.path);
        return http::RenderJson(s->CancelOrder(r.context, r.PathParam("order_id")), r, 200, WriteOrder,
                                http::kPrivateNoCache);
    });
}

}  // namespace emporium::orders
