#include "services/orders/orders_service_impl.hpp"

#include <charconv>
#include <map>

#include "core/cursor.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "observability/log.hpp"
#include "services/orders/event_consumers.hpp"
#include "services/users/postal_address.hpp"

namespace emporium::orders {

using core::Error;
using core::FieldError;
using core::Result;

int ShardOf(std::string_view user_id, int shard_count) {
    return static_cast<int>(core::Fnv1a(user_id) % static_cast<uint64_t>(shard_count));
}

int ShardOfOrder(std::string_view order_id) {
    if (!order_id.starts_with("ord_")) return -1;
    std::string_view rest = order_id.substr(4);
    int shard = -1;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), shard);
    if (ec != std::errc() || end == rest.data() + rest.size() || *end != '_') return -1;
    return shard;
}

namespace {

Result<std::string> CallerId(const core::RequestContext& ctx) {
    if (!ctx.principal) return Error::Unauthenticated("A bearer token is required.");
    return ctx.principal->user_id;
}

ShippingAddress FromAddress(const users::Address& a) {
    return ShippingAddress{a.name, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, a.phone};
}

// Asks `per_shard(shard, ids)` once for each shard the ids name, with that shard's ids, and
// puts each answer at its id's position; an id naming no shard is kNotFound.
template <typename PerShard>
Result<std::vector<Result<Order>>> ByShard(const std::vector<std::string>& order_ids, int shard_count,
                                           PerShard per_shard) {
    std::map<int, std::vector<std::size_t>> positions_by_shard;
    for (std::size_t i = 0; i < order_ids.size(); ++i) {
        int shard = ShardOfOrder(order_ids[i]);
        if (shard >= 0 && shard < shard_count) positions_by_shard[shard].push_back(i);
    }
    std::vector<Result<Order>> outcomes(order_ids.size(), Error::NotFound("No such order."));
    for (const auto& [shard, positions] : positions_by_shard) {
        std::vector<std::string> ids;
        ids.reserve(positions.size());
        for (std::size_t i : positions) ids.push_back(order_ids[i]);
        EMPORIUM_ASSIGN_OR_RETURN(auto answers, per_shard(shard, ids));
        for (std::size_t k = 0; k < positions.size(); ++k) outcomes[positions[k]] = std::move(answers[k]);
    }
    return outcomes;
}

}  // namespace

Result<std::optional<ShippingAddress>> OrdersServiceImpl::ResolveAddress(const core::RequestContext& ctx,
                                                                         const PlaceOrderRequest& request) {
    if (request.address_id && request.shipping_address)
        return Error::Invalid("address_id", "give either address_id or shipping_address, not both");
    if (request.shipping_address) {
        ShippingAddress address = *request.shipping_address;  // the address book's rules, trimmed like it
        auto errors = users::NormalizePostalAddress(address, "shipping_address.");
        if (!errors.empty()) return Error::Invalid(std::move(errors));
        return std::optional<ShippingAddress>(std::move(address));
    }
    if (request.address_id) {
        auto address = users_.GetAddress(ctx, *request.address_id);
        if (!address.ok()) {
            if (address.error().code == core::ErrorCode::kNotFound)
                return Error::Invalid("address_id", "is not one of your addresses");
            return address.error();
        }
        return std::optional<ShippingAddress>(FromAddress(*address));
    }
    EMPORIUM_ASSIGN_OR_RETURN(auto addresses, users_.ListAddresses(ctx));
    for (const auto& address : addresses)
        if (address.is_default) return std::optional<ShippingAddress>(FromAddress(address));
    return std::optional<ShippingAddress>();
}

Result<PlacedOrder> OrdersServiceImpl::Replay(const core::RequestContext& ctx, int shard,
                                              const IdempotencyRecord& record, const PlaceOrderRequest& request) {
    if (record.request_hash != request.request_fingerprint)
        return Error::Invalid("Idempotency-Key", "was used before with a different request body");
    EMPORIUM_ASSIGN_OR_RETURN(Order order, repository_.FindOrder(ctx, shard, record.order_id));
    // The first answer again, as the Idempotency-Key convention asks, even if the order has
    // moved on since: everything but the status and its time is fixed at placement.
    order.status = OrderStatus::kPendingPayment;
    order.updated_at = order.created_at;
    return PlacedOrder{std::move(order), true};
}

Result<PlacedOrder> OrdersServiceImpl::PlaceOrder(const core::RequestContext& ctx, const PlaceOrderRequest& request) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, CallerId(ctx));
    int shard = ShardOf(user_id, repository_.ShardCount());
    if (request.idempotency_key) {
        EMPORIUM_ASSIGN_OR_RETURN(auto record,
                                  repository_.FindIdempotency(ctx, shard, user_id, *request.idempotency_key));
        if (record) return Replay(ctx, shard, *record, request);
    }

    // The order is built from the catalog as it is now: the cart only says what and how many.
    // Lines whose SKU left the catalog altogether are passed over, as the cart's view does,
    // so items[i] in an error names the line the shopper sees at position i.
    EMPORIUM_ASSIGN_OR_RETURN(auto chosen, cart_.GetChosenItems(ctx, cart::CartOwner{user_id, std::nullopt}));
    std::vector<std::string> skus;
    for (const auto& line : chosen) skus.push_back(line.sku);
    EMPORIUM_ASSIGN_OR_RETURN(auto variants, catalog_.GetVariants(ctx, skus));
    auto variant_of = catalog::IndexBySku(variants);
    std::erase_if(chosen, [&](const cart::ChosenItem& line) { return !variant_of.contains(line.sku); });
    if (chosen.empty()) {
        // A retry that overtook the first request's answer finds the cart already emptied:
        // if the first request has stored its order by now, answer as it did.
        if (request.idempotency_key) {
            EMPORIUM_ASSIGN_OR_RETURN(auto record,
                                      repository_.FindIdempotency(ctx, shard, user_id, *request.idempotency_key));
            if (record) return Replay(ctx, shard, *record, request);
        }
        return Error::Invalid("items", "the cart is empty");
    }
    // Checked before anything is reserved. Two placements of one user racing each other may
    // both pass it (the count is not taken in the order's transaction): the cap can be
    // passed by the user's concurrent requests, never by their sequence.
    EMPORIUM_ASSIGN_OR_RETURN(int64_t unpaid, repository_.CountUnpaidOrders(ctx, shard, user_id, clock_.NowSeconds()));
    if (unpaid >= settings_.max_unpaid_orders_per_user)
        return Error::Conflict("You have " + std::to_string(unpaid) +
                               " unpaid orders holding stock, the most allowed at once; pay or cancel one first.");
    Order order;
    order.user_id = user_id;
    order.id = "ord_" + std::to_string(shard) + "_" + core::TimeOrderedToken();
    std::vector<FieldError> errors;
    std::vector<inventory::ReservationLine> reservation;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const auto& line = chosen[i];
        std::string field = "items[" + std::to_string(i) + "]";
        const catalog::VariantInfo* variant = variant_of.at(line.sku);
        if (variant->status != catalog::ProductStatus::kActive) {
            errors.push_back({field, line.sku + " can no longer be bought"});
            continue;
        }
        if (!order.items.empty() && variant->price.currency != order.items.front().unit_price.currency) {
            errors.push_back({field, "all items of an order must be in one currency"});
            continue;
        }
        order.items.push_back(
            OrderLine{line.sku, variant->product_id, variant->product_name, variant->variant_name, line.quantity,
                      variant->price, catalog::Money{variant->price.amount * line.quantity, variant->price.currency}});
        order.item_count += line.quantity;
        reservation.push_back({line.sku, line.quantity});
    }
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    EMPORIUM_ASSIGN_OR_RETURN(order.shipping_address, ResolveAddress(ctx, request));
    std::string currency = order.items.front().unit_price.currency;
    order.subtotal = catalog::Money{0, currency};
    for (const auto& line : order.items) order.subtotal.amount += line.line_total.amount;
    order.total = order.subtotal;  // shipping and taxes come with their own issue
    order.created_at = order.updated_at = clock_.NowSeconds();
    order.reservation_expires_at = order.created_at + settings_.reservation_ttl_seconds;

    // 1. Hold the stock (all or nothing). 2. Store the order with its OrderPlaced event and
    // idempotency key in one transaction. If 2 fails, give the stock back; if the process
    // dies between them, the reservation simply expires.
    auto reserved = inventory_.Reserve(ctx, order.id, reservation, order.reservation_expires_at);
    if (!reserved.ok()) {
        if (reserved.error().code != core::ErrorCode::kConflict) return reserved.error();
        std::string sku = reserved.error().fields.empty() ? std::string() : reserved.error().fields.front().message;
        std::vector<FieldError> short_lines;
        for (std::size_t i = 0; i < order.items.size(); ++i)
            if (order.items[i].sku == sku)
                short_lines.push_back({"items[" + std::to_string(i) + "]", "not enough stock for " + sku});
        return Error{core::ErrorCode::kConflict, "Not enough stock for " + sku + ".", std::move(short_lines)};
    }
    std::optional<IdempotencyRecord> record;
    if (request.idempotency_key)
        record = IdempotencyRecord{user_id, *request.idempotency_key, request.request_fingerprint, order.id};
    auto created = repository_.CreateOrder(ctx, shard, order, record);
    if (!created.ok()) {
        (void)inventory_.Release(ctx.Detached(), order.id);  // undone even when the deadline passed
        const Error& error = created.error();
        if (error.code == core::ErrorCode::kConflict && record) {
            // A concurrent request with the same key won: answer as it did.
            EMPORIUM_ASSIGN_OR_RETURN(auto winner, repository_.FindIdempotency(ctx, shard, user_id, record->key));
            if (winner) return Replay(ctx, shard, *winner, request);
        }
        return error;
    }
    (void)cart_.Clear(ctx, cart::CartOwner{user_id, std::nullopt});  // the order stands even if this fails
    return PlacedOrder{std::move(order), false};
}

Result<Order> OrdersServiceImpl::OwnOrder(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, CallerId(ctx));
    int shard = ShardOfOrder(order_id);
    if (shard < 0 || shard >= repository_.ShardCount()) return Error::NotFound("No such order.");
    EMPORIUM_ASSIGN_OR_RETURN(Order order, repository_.FindOrder(ctx, shard, order_id));
    if (order.user_id != user_id) return Error::NotFound("No such order.");
    return order;
}

Result<Order> OrdersServiceImpl::FindOrder(const core::RequestContext& ctx, std::string_view order_id) {
    int shard = ShardOfOrder(order_id);
    if (shard < 0 || shard >= repository_.ShardCount()) return Error::NotFound("No such order.");
    return repository_.FindOrder(ctx, shard, order_id);
}

Result<Order> OrdersServiceImpl::GetOrder(const core::RequestContext& ctx, std::string_view order_id) {
    return OwnOrder(ctx, order_id);
}

Result<std::vector<StatusChange>> OrdersServiceImpl::GetHistory(const core::RequestContext& ctx,
                                                                std::string_view order_id) {
    EMPORIUM_TRY(OwnOrder(ctx, order_id));
    return repository_.History(ctx, ShardOfOrder(order_id), order_id);
}

Result<OrderPage> OrdersServiceImpl::ListOrders(const core::RequestContext& ctx, int limit, std::string_view cursor) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, CallerId(ctx));
    EMPORIUM_TRY(core::CheckPageLimit(limit));
    EMPORIUM_ASSIGN_OR_RETURN(std::optional<int64_t> before, core::DecodeSequenceCursor("ord", cursor));
    EMPORIUM_ASSIGN_OR_RETURN(
        auto rows, repository_.ListOrders(ctx, ShardOf(user_id, repository_.ShardCount()), user_id, before, limit + 1));
    OrderPage page;
    bool more = static_cast<int>(rows.size()) > limit;
    if (more) rows.resize(static_cast<std::size_t>(limit));
    if (more && !rows.empty()) page.next_cursor = core::EncodeSequenceCursor("ord", rows.back().second);
    for (auto& [order, seq] : rows) page.items.push_back(std::move(order));
    return page;
}

Result<Order> OrdersServiceImpl::CancelOrder(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_ASSIGN_OR_RETURN(Order order, OwnOrder(ctx, order_id));
    return Cancel(ctx, order, "cancelled by the customer");
}

Result<Order> OrdersServiceImpl::Cancel(const core::RequestContext& ctx, const Order& order, std::string_view why) {
    if (order.status == OrderStatus::kCancelled || order.status == OrderStatus::kRefunded) return order;
    if (order.status == OrderStatus::kPendingPayment || order.status == OrderStatus::kPaymentPending)
        return Transition(ctx, order.id, OrderStatus::kCancelled, why);
    if ((order.status == OrderStatus::kPaid || order.status == OrderStatus::kFulfilling) && refunds_)
        return Refund(ctx, order.id, std::string(why) + "; payment refunded");
    return Error::Conflict("An order in state " + std::string(StatusName(order.status)) + " cannot be cancelled.");
}

Result<Order> OrdersServiceImpl::Refund(const core::RequestContext& ctx, std::string_view order_id,
                                        std::string_view why) {
    // The order first: once it is REFUNDED the parcel can no longer ship (shipping
    // refuses the carrier's scans), and a scan that won the race makes this a 409 with
    // no money moved. Then the money: if the provider fails now, the payments service
    // refunds from this transition's OrderStatusChanged event, retried until it works.
    EMPORIUM_ASSIGN_OR_RETURN(Order refunded, Transition(ctx, order_id, OrderStatus::kRefunded, why));
    auto money = refunds_->RefundOrder(ctx, order_id);
    if (!money.ok())
        observability::LogWarn("refund_deferred", [&](core::JsonWriter& json) {
            json.Field("order_id", order_id).Field("error", money.error().message);
        });
    return refunded;
}

namespace {

// The history entry's reason of an operator's action: what was done, and why if they said.
std::string OperatorReason(std::string_view done, std::string_view reason) {
    std::string out(done);
    if (!reason.empty()) out.append(": ").append(reason);
    return out;
}

}  // namespace

Result<Order> OrdersServiceImpl::OperatorCancel(const core::RequestContext& ctx, std::string_view order_id,
                                                std::string_view reason) {
    EMPORIUM_TRY(CallerId(ctx));  // the audit names the operator: never anonymous
    EMPORIUM_ASSIGN_OR_RETURN(Order order, FindOrder(ctx, order_id));
    return Cancel(ctx, order, OperatorReason("cancelled by an operator", reason));
}

Result<Order> OrdersServiceImpl::OperatorRefund(const core::RequestContext& ctx, std::string_view order_id,
                                                std::string_view reason) {
    EMPORIUM_TRY(CallerId(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(Order order, FindOrder(ctx, order_id));
    if (order.status == OrderStatus::kRefunded) return order;
    if (order.status != OrderStatus::kPaid && order.status != OrderStatus::kFulfilling)
        return Error::Conflict("An order in state " + std::string(StatusName(order.status)) +
                               " cannot be refunded: only PAID and FULFILLING orders can.");
    if (!refunds_) return Error::Unavailable("Refunds are not configured.");
    return Refund(ctx, order_id, OperatorReason("refunded by an operator", reason));
}

Result<OrderPage> OrdersServiceImpl::ListAllOrders(const core::RequestContext& ctx, const OrderFilter& filter,
                                                   int limit, std::string_view cursor) {
    EMPORIUM_TRY(core::CheckPageLimit(limit));
    EMPORIUM_ASSIGN_OR_RETURN(auto after, core::DecodeTimeIdCursor("all_orders", cursor));
    EMPORIUM_ASSIGN_OR_RETURN(auto orders, repository_.ListAllOrders(ctx, filter, after, limit + 1));
    OrderPage page;
    if (static_cast<int>(orders.size()) > limit) {
        orders.resize(static_cast<std::size_t>(limit));
        page.next_cursor = core::EncodeTimeIdCursor("all_orders", {orders.back().created_at, orders.back().id});
    }
    page.items = std::move(orders);
    return page;
}

Result<std::vector<StatusChange>> OrdersServiceImpl::FindHistory(const core::RequestContext& ctx,
                                                                 std::string_view order_id) {
    EMPORIUM_TRY(FindOrder(ctx, order_id));
    return repository_.History(ctx, ShardOfOrder(order_id), order_id);
}

Result<Order> OrdersServiceImpl::Transition(const core::RequestContext& ctx, std::string_view order_id, OrderStatus to,
                                            std::string_view reason) {
    int shard = ShardOfOrder(order_id);
    if (shard < 0 || shard >= repository_.ShardCount()) return Error::NotFound("No such order.");
    if (to == OrderStatus::kPaid) {
        // Paid means the stock is sold: commit the reservation first. If it was released
        // (expired), the order cannot be paid any more — cancel it and refuse, and the
        // caller refunds. Paying a paid (or shipped) order again changes nothing.
        EMPORIUM_ASSIGN_OR_RETURN(Order current, repository_.FindOrder(ctx, shard, order_id));
        if (current.status == OrderStatus::kPaid || current.status == OrderStatus::kFulfilling ||
            current.status == OrderStatus::kShipped || current.status == OrderStatus::kDelivered)
            return current;
        if (!CanTransition(current.status, to))
            return Error::Conflict("An order in state " + std::string(StatusName(current.status)) + " cannot be paid.");
        auto committed = inventory_.Commit(ctx, order_id);
        if (!committed.ok()) {
            if (committed.error().code == core::ErrorCode::kConflict)
                (void)repository_.Transition(ctx.Detached(), shard, order_id, OrderStatus::kCancelled,
                                             "stock reservation expired before payment", clock_.NowSeconds());
            return committed.error();
        }
        // The stock is sold: the order follows even if the request's time ran out meanwhile.
        return repository_.Transition(ctx.Detached(), shard, order_id, to, reason, clock_.NowSeconds());
    }
    EMPORIUM_ASSIGN_OR_RETURN(Order order,
                              repository_.Transition(ctx, shard, order_id, to, reason, clock_.NowSeconds()));
    // The order's state is the truth; stock follows. A failed release is repaired by the
    // reservation's expiry.
    if (to == OrderStatus::kCancelled) {
        auto released = inventory_.Release(ctx, order_id);
        if (!released.ok() && released.error().code != core::ErrorCode::kNotFound) return released.error();
    }
    if (to == OrderStatus::kRefunded) {
        // Refunded before it shipped (a shipped order cannot be cancelled): the units are
        // still here and go back on sale. A failure here is retried by the
        // orders.restock_refunded consumer of this transition's event.
        auto restocked = RestockRefunded(inventory_, ctx, order_id);
        if (!restocked.ok())
            observability::LogWarn("restock_deferred", [&](core::JsonWriter& json) {
                json.Field("order_id", order_id).Field("error", restocked.error().message);
            });
    }
    return order;
}

Result<std::vector<Result<Order>>> OrdersServiceImpl::FindOrders(const core::RequestContext& ctx,
                                                                 const std::vector<std::string>& order_ids) {
    return ByShard(order_ids, repository_.ShardCount(), [&](int shard, const std::vector<std::string>& ids) {
        return repository_.FindOrders(ctx, shard, ids);
    });
}

Result<std::vector<Result<Order>>> OrdersServiceImpl::TransitionEach(const core::RequestContext& ctx,
                                                                     const std::vector<std::string>& order_ids,
                                                                     OrderStatus to, std::string_view reason) {
    bool order_only = to == OrderStatus::kFulfilling || to == OrderStatus::kShipped || to == OrderStatus::kDelivered;
    if (!order_only) {
        std::vector<Result<Order>> outcomes;
        outcomes.reserve(order_ids.size());
        for (const auto& order_id : order_ids) outcomes.push_back(Transition(ctx, order_id, to, reason));
        return outcomes;
    }
    int64_t now = clock_.NowSeconds();
    return ByShard(order_ids, repository_.ShardCount(), [&](int shard, const std::vector<std::string>& ids) {
        return repository_.TransitionEach(ctx, shard, ids, to, reason, now);
    });
}

}  // namespace emporium::orders
