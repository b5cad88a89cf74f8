#pragma once

#include <string>
#include <vector>

#include "bus/event_bus.hpp"
#include "core/clock.hpp"
#include "services/notifications/mailer.hpp"
#include "services/notifications/notifications_repository.hpp"
#include "services/orders/orders_service.hpp"
#include "services/shipping/shipping_service.hpp"
#include "services/users/users_service.hpp"

namespace emporium::notifications {

// Sends the order confirmation (order PAID) and the shipping notice (order SHIPPED),
// rendered from templates/mail/*.txt, once per event: the event id names the mail, and
// handled events are recorded through the repository. Thread-safe.
class OrderNotifications {
  public:
    OrderNotifications(NotificationsRepository& repository, Mailer& mailer, users::UsersService& users,
                       orders::OrdersService& orders, shipping::ShippingService& shipping, const core::Clock& clock)
        : repository_(repository),
          mailer_(mailer),
          users_(users),
          orders_(orders),
          shipping_(shipping),
          clock_(clock) {}

    // Subscribes the consumer "notifications.order_mail" to OrderStatusChanged.
    void Subscribe(bus::EventBus& bus);
    // A batch of OrderStatusChanged events: the mails they call for, recorded as sent in
    // one transaction. One outcome per event.
    std::vector<core::Result<void>> OnOrderStatusChanged(const core::RequestContext& ctx,
                                                         const std::vector<bus::Event>& events);

  private:
    // The mail of `kind` that `event` calls for, about `order`, to `user`.
    core::Result<Mail> Compose(const core::RequestContext& ctx, const bus::Event& event, const std::string& kind,
                               const orders::Order& order, const users::User& user);

    NotificationsRepository& repository_;
    Mailer& mailer_;
    users::UsersService& users_;
    orders::OrdersService& orders_;
    shipping::ShippingService& shipping_;
    const core::Clock& clock_;
};

// Replaces each {{key}} in `text`.
std::string RenderTemplate(std::string text, const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace emporium::notifications
