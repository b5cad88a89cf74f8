#pragma once

#include "core/clock.hpp"
#include "services/cart/cart_service.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/orders/orders_repository.hpp"
#include "services/orders/orders_service.hpp"
#include "services/users/users_service.hpp"

namespace emporium::orders {

struct OrdersSettings {
    int64_t reservation_ttl_seconds = 15 * 60;
    // Unpaid orders holding stock that one user may have at once; PlaceOrder refuses one
    // more (kConflict), so one account cannot hoard a product's stock with unpaid orders.
    int64_t max_unpaid_orders_per_user = 5;
};

// The shard that holds a user's orders, and the shard named in an order id (-1 if none).
int ShardOf(std::string_view user_id, int shard_count);
int ShardOfOrder(std::string_view order_id);

class OrdersServiceImpl final : public OrdersService {
  public:
    OrdersServiceImpl(OrdersRepository& repository, cart::CartService& cart, catalog::CatalogService& catalog,
                      inventory::InventoryService& inventory, users::UsersService& users, const core::Clock& clock,
                      OrdersSettings settings)
        : repository_(repository),
          cart_(cart),
          catalog_(catalog),
          inventory_(inventory),
          users_(users),
          clock_(clock),
          settings_(settings) {}

    // Enables cancelling paid orders (refund). Call once at start-up.
    void SetRefunds(Refunds* refunds) { refunds_ = refunds; }

    core::Result<PlacedOrder> PlaceOrder(const core::RequestContext& ctx, const PlaceOrderRequest& request) override;
    core::Result<Order> GetOrder(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<std::vector<StatusChange>> GetHistory(const core::RequestContext& ctx,
                                                       std::string_view order_id) override;
    core::Result<OrderPage> ListOrders(const core::RequestContext& ctx, int limit, std::string_view cursor) override;
    core::Result<Order> CancelOrder(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<Order> Transition(const core::RequestContext& ctx, std::string_view order_id, OrderStatus to,
                                   std::string_view reason) override;
    core::Result<std::vector<core::Result<Order>>> TransitionEach(const core::RequestContext& ctx,
                                                                  const std::vector<std::string>& order_ids,
                                                                  OrderStatus to, std::string_view reason) override;
    core::Result<Order> FindOrder(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<OrderPage> ListAllOrders(const core::RequestContext& ctx, const OrderFilter& filter, int limit,
                                          std::string_view cursor) override;
    core::Result<std::vector<StatusChange>> FindHistory(const core::RequestContext& ctx,
                                                        std::string_view order_id) override;
    core::Result<Order> OperatorCancel(const core::RequestContext& ctx, std::string_view order_id,
                                       std::string_view reason) override;
    core::Result<Order> OperatorRefund(const core::RequestContext& ctx, std::string_view order_id,
                                       std::string_view reason) override;
    core::Result<std::vector<core::Result<Order>>> FindOrders(const core::RequestContext& ctx,
                                                              const std::vector<std::string>& order_ids) override;

  private:
    // The caller's order, or kNotFound (also for other users' orders).
    core::Result<Order> OwnOrder(const core::RequestContext& ctx, std::string_view order_id);
    // The owner's or an operator's cancel of `order`, `why` going into its history.
    core::Result<Order> Cancel(const core::RequestContext& ctx, const Order& order, std::string_view why);
    // PAID or FULFILLING → REFUNDED, then the payment back to the card (deferred on failure).
    core::Result<Order> Refund(const core::RequestContext& ctx, std::string_view order_id, std::string_view why);
    core::Result<std::optional<ShippingAddress>> ResolveAddress(const core::RequestContext& ctx,
                                                                const PlaceOrderRequest& request);
    core::Result<PlacedOrder> Replay(const core::RequestContext& ctx, int shard, const IdempotencyRecord& record,
                                     const PlaceOrderRequest& request);

    OrdersRepository& repository_;
    cart::CartService& cart_;
    catalog::CatalogService& catalog_;
    inventory::InventoryService& inventory_;
    users::UsersService& users_;
    const core::Clock& clock_;
    OrdersSettings settings_;
    Refunds* refunds_ = nullptr;
};

}  // namespace emporium::orders
