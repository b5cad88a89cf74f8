#include "services/notifications/notifications.hpp"

#include <cstdio>
#include <map>
#include <set>

#include "core/embedded_files.hpp"
#include "services/orders/order_events.hpp"

namespace emporium::notifications {

using core::Error;
using core::Result;

namespace {

constexpr std::string_view kConsumer = "notifications.order_mail";

// The order statuses that send a mail, and which mail (the bus filter is made from it too).
constexpr std::pair<orders::OrderStatus, std::string_view> kMails[] = {
    {orders::OrderStatus::kPaid, "order_confirmation"},
    {orders::OrderStatus::kShipped, "shipping_notice"},
};

std::string FormatMoney(const catalog::Money& money) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%lld.%02lld %s", static_cast<long long>(money.amount / 100),
                  static_cast<long long>(money.amount % 100), money.currency.c_str());
    return buffer;
}

// Splits a rendered template into its "Subject:" line and the body after the blank line.
std::pair<std::string, std::string> SplitSubject(const std::string& text) {
    std::string subject;
    std::string body = text;
    if (text.starts_with("Subject: ")) {
        auto end = text.find('\n');
        subject = text.substr(9, end - 9);
        body = end == std::string::npos ? "" : text.substr(end + 1);
        while (!body.empty() && body.front() == '\n') body.erase(0, 1);
    }
    return {subject, body};
}

}  // namespace

std::string RenderTemplate(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
    for (const auto& [key, value] : values) {
        std::string marker = "{{" + key + "}}";
        for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size()))
            text.replace(at, marker.size(), value);
    }
    return text;
}

void OrderNotifications::Subscribe(bus::EventBus& bus) {
    std::vector<orders::OrderStatus> mailed;
    for (const auto& [status, kind] : kMails) mailed.push_back(status);
    bus.SubscribeBatch({.name = std::string(kConsumer),
                        .types = {std::string(orders::kOrderStatusChanged)},
                        .wanted = orders::OrderReaches(mailed)},
                       [this](const core::RequestContext& ctx, const std::vector<bus::Event>& events) {
                           return OnOrderStatusChanged(ctx, events);
                       });
}

std::vector<Result<void>> OrderNotifications::OnOrderStatusChanged(const core::RequestContext& ctx,
                                                                   const std::vector<bus::Event>& events) {
    std::vector<Result<void>> outcomes(events.size(), core::Ok());
    struct Due {
        std::size_t at;  // in `events`
        std::string kind;
    };
    std::vector<Due> due;
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto change = orders::ReadOrderStatusChanged(events[i]);
        if (!change.ok()) {
            outcomes[i] = change.error();
            continue;
        }
        for (const auto& [status, mail] : kMails)
            if (change->to == status) due.push_back(Due{i, std::string(mail)});
    }
    if (due.empty()) return outcomes;
    auto fail_all = [&](const core::Error& error) {
        for (const Due& d : due) outcomes[d.at] = error;
        return outcomes;
    };

    // Handled before? (Redelivery after a crash between a mail and its record would only
    // rewrite the same file: the mail id is the event id.)
    std::vector<std::string> due_event_ids;
    for (const Due& d : due) due_event_ids.push_back(events[d.at].id);
    auto handled = repository_.Handled(ctx, kConsumer, due_event_ids);
    if (!handled.ok()) return fail_all(handled.error());

    // The orders in one read per shard, each customer read once.
    std::vector<std::string> order_ids;
    for (const Due& d : due) order_ids.push_back(events[d.at].aggregate_id);
    auto orders = orders_.FindOrders(ctx, order_ids);
    if (!orders.ok()) return fail_all(orders.error());
    std::map<std::string, Result<users::User>> customers;
    auto customer = [&](const std::string& user_id) -> const Result<users::User>& {
        auto found = customers.find(user_id);
        if (found == customers.end()) found = customers.emplace(user_id, users_.GetUser(ctx, user_id)).first;
        return found->second;
    };

    struct Sent {
        std::size_t at;
        std::string kind;
        Mail mail;
    };
    std::vector<Sent> sent;
    std::set<std::string_view> failed_orders;  // their later mails wait, in order
    for (std::size_t k = 0; k < due.size(); ++k) {
        if ((*handled)[k]) continue;
        const Due& d = due[k];
        const std::string& order_id = events[d.at].aggregate_id;
        auto mail = [&]() -> Result<Mail> {
            if (failed_orders.contains(order_id)) return Error::Unavailable("an earlier mail of the order failed");
            const Result<orders::Order>& order = (*orders)[k];
            if (!order.ok()) return order.error();
            const Result<users::User>& user = customer(order->user_id);
            if (!user.ok()) return user.error();
            EMPORIUM_ASSIGN_OR_RETURN(Mail composed, Compose(ctx, events[d.at], d.kind, *order, *user));
            EMPORIUM_TRY(mailer_.Deliver(ctx, composed));
            return composed;
        }();
        if (mail.ok()) {
            sent.push_back(Sent{d.at, d.kind, std::move(*mail)});
        } else {
            outcomes[d.at] = mail.error();
            failed_orders.insert(order_id);
        }
    }
    if (sent.empty()) return outcomes;
    std::vector<SentMail> records;
    records.reserve(sent.size());
    for (const Sent& s : sent)
        records.push_back(SentMail{s.mail.id, events[s.at].id, s.kind, s.mail.to, s.mail.subject});
    // The mails went out: their record must not fail for lack of time (they would go again).
    auto recorded = repository_.RecordSent(ctx.Detached(), kConsumer, records, clock_.NowSeconds());
    if (!recorded.ok())
        for (const Sent& s : sent) outcomes[s.at] = recorded.error();
    return outcomes;
}

Result<Mail> OrderNotifications::Compose(const core::RequestContext& ctx, const bus::Event& event,
                                         const std::string& kind, const orders::Order& order, const users::User& user) {
    std::vector<std::pair<std::string, std::string>> values = {
        {"order_id", order.id}, {"name", user.name.empty() ? "there" : user.name}, {"total", FormatMoney(order.total)}};
    if (kind == "order_confirmation") {
        std::string lines;
        for (const auto& line : order.items)
            lines += "  " + std::to_string(line.quantity) + " x " + line.product_name +
                     (line.variant_name.empty() ? "" : " (" + line.variant_name + ")") + "  " +
                     FormatMoney(line.line_total) + "\n";
        values.emplace_back("lines", lines);
    } else {
        EMPORIUM_ASSIGN_OR_RETURN(shipping::Shipment shipment, shipping_.FindByOrder(ctx, order.id));
        values.emplace_back("carrier", shipment.carrier);
        values.emplace_back("tracking_number", shipment.tracking_number);
    }
    auto text = core::FindEmbeddedFile("templates/mail/" + kind + ".txt");
    if (!text) return Error::Internal("missing mail template " + kind);
    auto [subject, body] = SplitSubject(RenderTemplate(std::string(*text), values));
    return Mail{event.id + "." + kind, user.email, subject, body};
}

}  // namespace emporium::notifications
