#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::orders {

enum class OrderStatus {
    kPendingPayment,
    kPaymentPending,
    kPaid,
    kFulfilling,
    kShipped,
    kDelivered,
    kCancelled,
    kRefunded
};
std::string_view StatusName(OrderStatus status);
std::optional<OrderStatus> ParseStatus(std::string_view text);
// The order state machine: PENDING_PAYMENT → (PAYMENT_PENDING →) PAID → FULFILLING →
// SHIPPED → DELIVERED, with CANCELLED before payment and REFUNDED after it.
bool CanTransition(OrderStatus from, OrderStatus to);

struct OrderLine {
    std::string sku;
    std::string product_id;
    std::string product_name;
    std::string variant_name;
    int64_t quantity = 0;
    catalog::Money unit_price;
    catalog::Money line_total;
};

struct ShippingAddress {
    std::string name, line1, line2, city, region, postal_code, country, phone;
};

struct Order {
    std::string id;  // "ord_<shard>_<random>"
    std::string user_id;
    OrderStatus status = OrderStatus::kPendingPayment;
    std::vector<OrderLine> items;
    int64_t item_count = 0;
    catalog::Money subtotal;
    catalog::Money total;
    std::optional<ShippingAddress> shipping_address;
    int64_t reservation_expires_at = 0;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct StatusChange {
    OrderStatus status = OrderStatus::kPendingPayment;
    int64_t at = 0;
    std::string reason;
    // The user whose request made the change (the shopper, or the operator who cancelled or
    // refunded); empty for the system's own work (payment events, expiry, carrier scans).
    std::string actor;
};

// What an operator's list of every order is narrowed to; an absent field does not narrow.
struct OrderFilter {
    std::optional<OrderStatus> status;
    std::optional<std::string> user_id;
    std::optional<std::string> order_id;
    std::optional<int64_t> created_after;   // Unix seconds, inclusive
    std::optional<int64_t> created_before;  // Unix seconds, exclusive
};

struct PlaceOrderRequest {
    std::optional<std::string> idempotency_key;
    std::string request_fingerprint;  // identifies the request body; same key + other body → 422
    std::optional<std::string> address_id;
    std::optional<ShippingAddress> shipping_address;
};

struct PlacedOrder {
    Order order;
    bool replayed = false;  // the answer to an earlier request with the same key
};

struct OrderPage {
    std::vector<Order> items;
    std::optional<std::string> next_cursor;
};

// What the orders service needs from payments when a paid order is cancelled. Implemented
// by the payments service; wired by the composition root (the two services know each
// other only through these interfaces).
class Refunds {
  public:
    virtual ~Refunds() = default;
    // Returns the order's payment to the card; idempotent. kConflict if nothing was paid.
    virtual core::Result<void> RefundOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
};

// The orders service: places orders from the caller's cart (reserving stock), keeps each
// order's state machine and history, sharded by user. Blocking; thread-safe.
// Errors: kNotFound for unknown orders and other users' orders; kConflict for illegal
// transitions and short stock; kInvalidArgument for an empty cart, unpurchasable lines
// and a reused idempotency key.
class OrdersService {
  public:
    virtual ~OrdersService() = default;

    virtual core::Result<PlacedOrder> PlaceOrder(const core::RequestContext& ctx, const PlaceOrderRequest& request) = 0;
    virtual core::Result<Order> GetOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
    virtual core::Result<std::vector<StatusChange>> GetHistory(const core::RequestContext& ctx,
                                                               std::string_view order_id) = 0;
    virtual core::Result<OrderPage> ListOrders(const core::RequestContext& ctx, int limit, std::string_view cursor) = 0;
    // The owner cancels: before payment the stock is released (CANCELLED); after payment and
    // before shipping the payment is refunded (REFUNDED). Idempotent.
    virtual core::Result<Order> CancelOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
    // System read (notifications): no ownership check.
    virtual core::Result<Order> FindOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
    // FindOrder for many orders (a bus consumer's batch) with one read per shard: one
    // outcome per id, in order (kNotFound for an unknown one); an error of a read fails the call.
    virtual core::Result<std::vector<core::Result<Order>>> FindOrders(const core::RequestContext& ctx,
                                                                      const std::vector<std::string>& order_ids) = 0;
    // Operator reads (the router admits admins only), no ownership check: every shard's
    // orders matching `filter`, newest first (created_at, then id), in cursor pages.
    virtual core::Result<OrderPage> ListAllOrders(const core::RequestContext& ctx, const OrderFilter& filter, int limit,
                                                  std::string_view cursor) = 0;
    // Any order's history, oldest first.
    virtual core::Result<std::vector<StatusChange>> FindHistory(const core::RequestContext& ctx,
                                                                std::string_view order_id) = 0;
    // An operator (ctx.principal) cancels any order as its owner could (CancelOrder): the
    // history entry names the operator as its actor and carries `reason` when not empty.
    // Idempotent; kConflict once shipped.
    virtual core::Result<Order> OperatorCancel(const core::RequestContext& ctx, std::string_view order_id,
                                               std::string_view reason) = 0;
    // An operator refunds a PAID or FULFILLING order (REFUNDED, payment returned), audited as
    // OperatorCancel. A REFUNDED order is answered as it is; any other state is kConflict.
    virtual core::Result<Order> OperatorRefund(const core::RequestContext& ctx, std::string_view order_id,
                                               std::string_view reason) = 0;
    // System transition (payments, shipping, expiry): no ownership check.
    virtual core::Result<Order> Transition(const core::RequestContext& ctx, std::string_view order_id, OrderStatus to,
                                           std::string_view reason) = 0;
    // Transition for many orders (a bus consumer's batch): one outcome per id, in order.
    // Moves to FULFILLING, SHIPPED and DELIVERED, which touch nothing but the order, take
    // one transaction per shard; the others go one by one. An error of a shard's
    // transaction fails the whole call (retry it: a repeated transition is a no-op).
    virtual core::Result<std::vector<core::Result<Order>>> TransitionEach(const core::RequestContext& ctx,
                                                                          const std::vector<std::string>& order_ids,
                                                                          OrderStatus to, std::string_view reason) = 0;
};

}  // namespace emporium::orders
