#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/orders/orders_service.hpp"

namespace emporium::testing {

// The orders service as the bus consumers see it: orders by id, read with FindOrders and
// moved with TransitionEach (by the state machine's rules); the rest answers kInternal.
class FakeOrdersService final : public orders::OrdersService {
  public:
    std::map<std::string, orders::Order> orders;

    void Add(const std::string& id, const std::string& user_id, orders::OrderStatus status) {
        orders::Order order;
        order.id = id;
        order.user_id = user_id;
        order.status = status;
        order.subtotal = order.total = catalog::Money{1250, "EUR"};
        order.items.push_back(orders::OrderLine{"SKU-1", "prd_1", "Mug", "", 1, {1250, "EUR"}, {1250, "EUR"}});
        order.item_count = 1;
        orders[id] = order;
    }

    core::Result<std::vector<core::Result<orders::Order>>> FindOrders(const core::RequestContext&,
                                                                      const std::vector<std::string>& ids) override {
        std::vector<core::Result<orders::Order>> found;
        for (const auto& id : ids) {
            auto it = orders.find(id);
            if (it == orders.end())
                found.emplace_back(core::Error::NotFound("No such order."));
            else
                found.emplace_back(it->second);
        }
        return found;
    }

    core::Result<std::vector<core::Result<orders::Order>>> TransitionEach(const core::RequestContext&,
                                                                          const std::vector<std::string>& ids,
                                                                          orders::OrderStatus to,
                                                                          std::string_view) override {
        std::vector<core::Result<orders::Order>> outcomes;
        for (const auto& id : ids) {
            auto it = orders.find(id);
            if (it == orders.end()) {
                outcomes.emplace_back(core::Error::NotFound("No such order."));
                continue;
            }
            if (it->second.status != to && !orders::CanTransition(it->second.status, to)) {
                outcomes.emplace_back(core::Error::Conflict("illegal"));
                continue;
            }
            it->second.status = to;
            outcomes.emplace_back(it->second);
        }
        return outcomes;
    }

    core::Result<orders::PlacedOrder> PlaceOrder(const core::RequestContext&,
                                                 const orders::PlaceOrderRequest&) override {
        return Unused();
    }
    core::Result<orders::Order> GetOrder(const core::RequestContext&, std::string_view) override { return Unused(); }
    core::Result<std::vector<orders::StatusChange>> GetHistory(const core::RequestContext&, std::string_view) override {
        return Unused();
    }
    core::Result<orders::OrderPage> ListOrders(const core::RequestContext&, int, std::string_view) override {
        return Unused();
    }
    core::Result<orders::Order> CancelOrder(const core::RequestContext&, std::string_view) override { return Unused(); }
    core::Result<orders::Order> FindOrder(const core::RequestContext&, std::string_view) override { return Unused(); }
    core::Result<orders::OrderPage> ListAllOrders(const core::RequestContext&, const orders::OrderFilter&, int,
                                                  std::string_view) override {
        return Unused();
    }
    core::Result<std::vector<orders::StatusChange>> FindHistory(const core::RequestContext&,
                                                                std::string_view) override {
        return Unused();
    }
    core::Result<orders::Order> OperatorCancel(const core::RequestContext&, std::string_view,
                                               std::string_view) override {
        return Unused();
    }
    core::Result<orders::Order> OperatorRefund(const core::RequestContext&, std::string_view,
                                               std::string_view) override {
        return Unused();
    }
    core::Result<orders::Order> Transition(const core::RequestContext&, std::string_view, orders::OrderStatus,
                                           std::string_view) override {
        return Unused();
    }

  private:
    static core::Error Unused() { return core::Error::Internal("not used by these tests"); }
};

}  // namespace emporium::testing
