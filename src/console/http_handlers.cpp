#include "console/http_handlers.hpp"

#include "core/clock.hpp"
#include "core/cursor.hpp"
#include "core/json_writer.hpp"
#include "core/text.hpp"
#include "http/json_input.hpp"
#include "http/render.hpp"
#include "services/orders/http_handlers.hpp"
#include "services/payments/http_handlers.hpp"
#include "services/shipping/http_handlers.hpp"
#include "services/users/http_handlers.hpp"

namespace emporium::console {

using core::Error;
using core::Result;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kMaxReason = 200;
constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxId = 64;

Error BadParameter(std::string field, std::string message) {
    return Error{core::ErrorCode::kMalformed, "Invalid query parameters.", {{std::move(field), std::move(message)}}};
}

// An RFC 3339 time parameter, or nullopt when absent.
Result<std::optional<int64_t>> TimeParam(const Request& request, const std::string& name) {
    auto text = request.QueryParam(name);
    if (!text) return std::optional<int64_t>();
    auto parsed = text->size() <= 40 ? core::ParseRfc3339(*text) : std::nullopt;
    if (!parsed) return BadParameter(name, "must be an RFC 3339 time such as 2026-11-24T10:00:00Z");
    return std::optional<int64_t>(*parsed);
}

struct OrderListQuery {
    orders::OrderFilter filter;
    int limit = 20;
    std::string cursor;
    std::optional<std::string> email;  // q named a customer by email: resolved by the users service
};

Result<OrderListQuery> ReadOrderListQuery(const Request& request) {
    EMPORIUM_TRY(http::CheckQueryParams(
        request, {"limit", "cursor", "status", "user_id", "created_after", "created_before", "q"}));
    OrderListQuery out;
    EMPORIUM_ASSIGN_OR_RETURN(out.limit, http::LimitParam(request));
    out.cursor = request.QueryParam("cursor").value_or("");
    if (auto status = request.QueryParam("status")) {
        out.filter.status = orders::ParseStatus(*status);
        if (!out.filter.status) return BadParameter("status", "must be one of the order statuses, such as PAID");
    }
    if (auto user_id = request.QueryParam("user_id")) {
        if (user_id->empty() || user_id->size() > kMaxId) return BadParameter("user_id", "must be a user id");
        out.filter.user_id = *user_id;
    }
    EMPORIUM_ASSIGN_OR_RETURN(out.filter.created_after, TimeParam(request, "created_after"));
    EMPORIUM_ASSIGN_OR_RETURN(out.filter.created_before, TimeParam(request, "created_before"));
    if (auto q = request.QueryParam("q")) {
        std::string text = core::ToLowerAscii(core::Trim(*q));
        if (text.starts_with("ord_") && text.size() <= kMaxId)
            out.filter.order_id = std::string(core::Trim(*q));  // ids are case-sensitive
        else if (text.find('@') != std::string::npos && text.size() <= kMaxEmail)
            out.email = std::move(text);
        else
            return BadParameter("q", "must be an order id (ord_…) or a customer's email");
    }
    return out;
}

// The id of the account with exactly this email, if any (emails are unique).
Result<std::optional<std::string>> UserIdByEmail(users::UsersService& users, const core::RequestContext& ctx,
                                                 const std::string& email) {
    users::UserFilter filter;
    filter.email = email;
    EMPORIUM_ASSIGN_OR_RETURN(auto page, users.ListUsers(ctx, filter, 1, ""));
    if (page.items.empty()) return std::optional<std::string>();
    return std::optional<std::string>(page.items.front().id);
}

Response ListOrders(const ConsoleServices& s, Request& request) {
    auto query = ReadOrderListQuery(request);
    if (!query.ok()) return http::ProblemResponse(query.error(), request.path);
    if (query->email) {
        auto user_id = UserIdByEmail(s.users, request.context, *query->email);
        if (!user_id.ok()) return http::ProblemResponse(user_id.error(), request.path);
        bool other_user = query->filter.user_id && *user_id && *query->filter.user_id != **user_id;
        if (!*user_id || other_user) {
            // No such customer (or not the one user_id names): nothing matches, yet the
            // cursor is still checked as on any page.
            auto checked = core::DecodeTimeIdCursor("all_orders", query->cursor);
            if (!checked.ok()) return http::ProblemResponse(checked.error(), request.path);
            return http::RenderJson(
                Result<orders::OrderPage>(orders::OrderPage{}), request, 200,
                [](core::JsonWriter& json, const orders::OrderPage& page) {
                    http::WriteList(json, page.items, page.next_cursor, orders::WriteOrder);
                },
                "no-store");
        }
        query->filter.user_id = **user_id;
    }
    return http::RenderJson(
        s.orders.ListAllOrders(request.context, query->filter, query->limit, query->cursor), request, 200,
        [](core::JsonWriter& json, const orders::OrderPage& page) {
            http::WriteList(json, page.items, page.next_cursor, orders::WriteOrder);
        },
        "no-store");
}

void WriteHistory(core::JsonWriter& json, const std::vector<orders::StatusChange>& history) {
    json.BeginArray();
    for (const auto& change : history) {
        json.BeginObject()
            .Field("status", orders::StatusName(change.status))
            .Field("at", core::FormatRfc3339(change.at))
            .Field("reason", change.reason)
            .Key("actor");
        if (change.actor.empty())
            json.Null();
        else
            json.String(change.actor);
        json.EndObject();
    }
    json.EndArray();
}

// A part of the order's view from another service: absent (kNotFound) is null, not an error.
template <typename T>
Result<std::optional<T>> Optional(Result<T> part) {
    if (part.ok()) return std::optional<T>(std::move(*part));
    if (part.error().code == core::ErrorCode::kNotFound) return std::optional<T>();
    return part.error();
}

struct OrderView {
    orders::Order order;
    std::vector<orders::StatusChange> history;
    std::optional<payments::Payment> payment;
    std::optional<shipping::Shipment> shipment;
};

Result<OrderView> ReadOrderView(const ConsoleServices& s, const core::RequestContext& ctx, std::string_view id) {
    OrderView view;
    EMPORIUM_ASSIGN_OR_RETURN(view.order, s.orders.FindOrder(ctx, id));
    EMPORIUM_ASSIGN_OR_RETURN(view.history, s.orders.FindHistory(ctx, id));
    EMPORIUM_ASSIGN_OR_RETURN(view.payment, Optional(s.payments.FindPayment(ctx, id)));
    EMPORIUM_ASSIGN_OR_RETURN(view.shipment, Optional(s.shipping.FindByOrder(ctx, id)));
    return view;
}

void WriteOrderView(core::JsonWriter& json, const OrderView& view) {
    json.BeginObject().Key("order");
    orders::WriteOrder(json, view.order);
    json.Field("user_id", view.order.user_id).Key("history");
    WriteHistory(json, view.history);
    json.Key("payment");
    if (view.payment)
        payments::WritePayment(json, *view.payment);
    else
        json.Null();
    json.Key("shipment");
    if (view.shipment)
        shipping::WriteTracking(json, *view.shipment);
    else
        json.Null();
    json.EndObject();
}

// The body of an operator's action: {"reason"?: string of at most 200 characters}; none at all
// is no reason.
Result<std::string> ReadReason(const Request& request) {
    if (request.body.empty()) return std::string();
    EMPORIUM_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(request.body));
    http::ObjectReader reader(body);
    auto reason = reader.String("reason");
    EMPORIUM_TRY(reader.Finish());
    std::string text(core::Trim(reason.value_or("")));
    if (core::Utf8Length(text) > kMaxReason)
        return Error::Invalid("reason", "must be at most " + std::to_string(kMaxReason) + " characters");
    return text;
}

template <typename Act>
Response OperatorAction(Request& request, Act act) {
    auto reason = ReadReason(request);
    if (!reason.ok()) return http::ProblemResponse(reason.error(), request.path);
    return http::RenderJson(act(request.PathParam("order_id"), *reason), request, 200, orders::WriteOrder, "no-store");
}

std::optional<core::Role> ParseRole(std::string_view text) {
    if (text == "admin") return core::Role::kAdmin;
    if (text == "customer") return core::Role::kCustomer;
    return std::nullopt;
}

Response ListCustomers(const ConsoleServices& s, Request& request) {
    if (auto known = http::CheckQueryParams(request, {"limit", "cursor", "q", "role"}); !known.ok())
        return http::ProblemResponse(known.error(), request.path);
    auto limit = http::LimitParam(request);
    if (!limit.ok()) return http::ProblemResponse(limit.error(), request.path);
    users::UserFilter filter;
    if (auto q = request.QueryParam("q")) {
        if (q->size() > kMaxEmail)
            return http::ProblemResponse(BadParameter("q", "must be at most 254 characters"), request.path);
        filter.email_contains = *q;
    }
    if (auto role = request.QueryParam("role")) {
        filter.role = ParseRole(*role);
        if (!filter.role) return http::ProblemResponse(BadParameter("role", "must be customer or admin"), request.path);
    }
    return http::RenderJson(
        s.users.ListUsers(request.context, filter, *limit, request.QueryParam("cursor").value_or("")), request, 200,
        [](core::JsonWriter& json, const users::UserPage& page) {
            http::WriteList(json, page.items, page.next_cursor, users::WriteUser);
        },
        "no-store");
}

Response SetRole(const ConsoleServices& s, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto role_text = reader.String("role");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    auto role = ParseRole(role_text.value_or(""));
    if (!role) return http::ProblemResponse(Error::Invalid("role", "must be customer or admin"), request.path);
    return http::RenderJson(s.users.SetRole(request.context, request.PathParam("user_id"), *role), request, 200,
                            users::WriteUser, "no-store");
}

}  // namespace

void RegisterConsoleRoutes(http::Router& router, ConsoleServices services) {
    auto s = std::make_shared<const ConsoleServices>(services);
    router.Add(Method::kGet, "/api/v1/admin/orders", Access::kAdmin, [s](Request& r) { return ListOrders(*s, r); });
    router.Add(Method::kGet, "/api/v1/admin/orders/{order_id}", Access::kAdmin, [s](Request& r) {
        if (auto known = http::CheckQueryParams(r, {}); !known.ok())
            return http::ProblemResponse(known.error(), r.path);
        return http::RenderJson(ReadOrderView(*s, r.context, r.PathParam("order_id")), r, 200, WriteOrderView,
                                "no-store");
    });
    router.Add(Method::kPost, "/api/v1/admin/orders/{order_id}/cancel", Access::kAdmin, [s](Request& r) {
        return OperatorAction(r, [&](std::string_view id, std::string_view reason) {
            return s->orders.OperatorCancel(r.context, id, reason);
        });
    });
    router.Add(Method::kPost, "/api/v1/admin/orders/{order_id}/refund", Access::kAdmin, [s](Request& r) {
        return OperatorAction(r, [&](std::string_view id, std::string_view reason) {
            return s->orders.OperatorRefund(r.context, id, reason);
        });
    });
    router.Add(Method::kGet, "/api/v1/admin/customers", Access::kAdmin,
               [s](Request& r) { return ListCustomers(*s, r); });
    router.Add(Method::kPut, "/api/v1/admin/customers/{user_id}/role", Access::kAdmin,
               [s](Request& r) { return SetRole(*s, r); });
}

}  // namespace emporium::console
