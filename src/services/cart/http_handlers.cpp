#include "services/cart/http_handlers.hpp"

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "http/json_input.hpp"
#include "http/render.hpp"
#include "services/catalog/money_json.hpp"

namespace emporium::cart {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

namespace {

using catalog::WriteMoney;

void WriteCart(core::JsonWriter& json, const Cart& cart) {
    json.BeginObject().Key("cart_token");
    if (cart.guest_token)
        json.String(*cart.guest_token);
    else
        json.Null();
    json.Key("items").BeginArray();
    for (const auto& line : cart.items) {
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
        json.Field("available", line.available).EndObject();
    }
    json.EndArray().Field("item_count", cart.item_count).Key("subtotal");
    if (cart.subtotal)
        WriteMoney(json, *cart.subtotal);
    else
        json.Null();
    json.Key("updated_at");
    if (cart.updated_at > 0)
        json.String(core::FormatRfc3339(cart.updated_at));
    else
        json.Null();
    json.Key("expires_at");
    if (cart.expires_at > 0)
        json.String(core::FormatRfc3339(cart.expires_at));
    else
        json.Null();
    json.EndObject();
}

CartOwner OwnerOf(const Request& request) {
    CartOwner owner;
    if (request.context.principal) {
        owner.user_id = request.context.principal->user_id;
    } else if (auto token = request.Header("x-cart-token"); !token.empty()) {
        owner.guest_token = std::string(token);
    }
    return owner;
}

Response RenderCart(const core::Result<Cart>& cart, const Request& request, int status) {
    Response response = http::RenderJson(cart, request, status, WriteCart, http::kPrivateNoCache);
    if (cart.ok() && cart->guest_token) response.SetHeader("X-Cart-Token", *cart->guest_token);
    return response;
}

Response AddItem(CartService& service, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto sku = reader.String("sku");
    auto quantity = reader.Integer("quantity");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    std::vector<core::FieldError> missing;
    if (!sku) missing.push_back({"sku", "is required"});
    if (!quantity) missing.push_back({"quantity", "is required"});
    if (!missing.empty()) return http::ProblemResponse(core::Error::Invalid(std::move(missing)), request.path);
    return RenderCart(service.AddItem(request.context, OwnerOf(request), *sku, *quantity), request, 201);
}

Response UpdateItem(CartService& service, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto quantity = reader.Integer("quantity");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    if (!quantity) return http::ProblemResponse(core::Error::Invalid("quantity", "is required"), request.path);
    return RenderCart(service.SetQuantity(request.context, OwnerOf(request), request.PathParam("sku"), *quantity),
                      request, 200);
}

}  // namespace

void RegisterCartRoutes(http::Router& router, CartService& service) {
    CartService* s = &service;
    router.Add(Method::kGet, "/api/v1/cart", Access::kOptionalUser,
               [s](Request& r) { return RenderCart(s->GetCart(r.context, OwnerOf(r)), r, 200); });
    router.Add(Method::kDelete, "/api/v1/cart", Access::kOptionalUser, [s](Request& r) {
        auto cleared = s->Clear(r.context, OwnerOf(r));
        if (!cleared.ok()) return http::ProblemResponse(cleared.error(), r.path);
        return Response::NoContent();
    });
    router.Add(Method::kPost, "/api/v1/cart/items", Access::kOptionalUser, [s](Request& r) { return AddItem(*s, r); });
    router.Add(Method::kPatch, "/api/v1/cart/items/{sku}", Access::kOptionalUser,
               [s](Request& r) { return UpdateItem(*s, r); });
    router.Add(Method::kDelete, "/api/v1/cart/items/{sku}", Access::kOptionalUser, [s](Request& r) {
        return RenderCart(s->RemoveItem(r.context, OwnerOf(r), r.PathParam("sku")), r, 200);
    });
}

}  // namespace emporium::cart
