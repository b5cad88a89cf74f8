#include "services/inventory/http_handlers.hpp"

#include <charconv>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "http/json_input.hpp"
#include "http/render.hpp"

namespace emporium::inventory {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

namespace {

const std::string kNoStore = "no-store";

void WriteStock(core::JsonWriter& json, const Stock& s) {
    json.BeginObject()
        .Field("sku", s.sku)
        .Field("available", s.available)
        .Field("reserved", s.reserved)
        .Field("sold", s.sold)
        .Key("updated_at");
    if (s.updated_at > 0)
        json.String(core::FormatRfc3339(s.updated_at));
    else
        json.Null();
    json.EndObject();
}

void WriteAdjustment(core::JsonWriter& json, const Adjustment& a) {
    json.BeginObject()
        .Field("id", a.id)
        .Field("sku", a.sku)
        .Field("delta", a.delta)
        .Field("reason", a.reason)
        .Field("actor_id", a.actor_id)
        .Field("available_after", a.available_after)
        .Field("created_at", core::FormatRfc3339(a.created_at))
        .EndObject();
}

Response Adjust(InventoryService& service, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto delta = reader.Integer("delta");
    auto reason = reader.String("reason");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    std::vector<core::FieldError> missing;
    if (!delta) missing.push_back({"delta", "is required"});
    if (!reason) missing.push_back({"reason", "is required"});
    if (!missing.empty()) return http::ProblemResponse(core::Error::Invalid(std::move(missing)), request.path);
    auto sku = request.PathParam("sku");
    auto result = service.Adjust(request.context, sku, *delta, *reason);
    Response response = http::RenderJson(
        result, request, 201,
        [](core::JsonWriter& json, const AdjustmentResult& r) {
            json.BeginObject().Key("adjustment");
            WriteAdjustment(json, r.adjustment);
            json.Key("stock");
            WriteStock(json, r.stock);
            json.EndObject();
        },
        kNoStore);
    if (result.ok()) response.SetHeader("Location", "/api/v1/admin/inventory/" + std::string(sku) + "/adjustments");
    return response;
}

Response ListAdjustments(InventoryService& service, Request& request) {
    auto params = http::ReadPageParams(request);
    if (!params.ok()) return http::ProblemResponse(params.error(), request.path);
    auto page = service.ListAdjustments(request.context, request.PathParam("sku"), params->limit, params->cursor);
    return http::RenderJson(
        page, request, 200,
        [](core::JsonWriter& json, const AdjustmentPage& p) {
            http::WriteList(json, p.items, p.next_cursor, WriteAdjustment);
        },
        http::kPrivateNoCache);
}

}  // namespace

void RegisterInventoryRoutes(http::Router& router, InventoryService& service) {
    InventoryService* s = &service;
    router.Add(Method::kGet, "/api/v1/admin/inventory/{sku}", Access::kAdmin, [s](Request& r) {
        return http::RenderJson(s->GetStock(r.context, r.PathParam("sku")), r, 200, WriteStock, http::kPrivateNoCache);
    });
    router.Add(Method::kPost, "/api/v1/admin/inventory/{sku}/adjustments", Access::kAdmin,
               [s](Request& r) { return Adjust(*s, r); });
    router.Add(Method::kGet, "/api/v1/admin/inventory/{sku}/adjustments", Access::kAdmin,
               [s](Request& r) { return ListAdjustments(*s, r); });
}

}  // namespace emporium::inventory
