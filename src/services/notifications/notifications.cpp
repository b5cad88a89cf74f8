#include "services/notifications/notifications.hpp"

#include <cstdio>

#include "bus/outbox.hpp"
#include "core/embedded_files.hpp"
#include "services/orders/order_events.hpp"

namespace emporium::notifications {

using core::Error;
using core::Result;

namespace {

constexpr std::string_view kConsumer = "notifications.order_mail";
constexpr std::string_view kInsertSent =
    "INSERT INTO sent_mail (id, event_id, kind, recipient, subject, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (id) DO NOTHING";
constexpr std::string_view kHandled = "SELECT 1 FROM handled_events WHERE consumer = ?1 AND event_id = ?2";

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

void OrderNotifications::Subscribe(bus::EventBus& bus, const std::vector<std::string>& sources) {
    std::vector<orders::OrderStatus> mailed;
    for (const auto& [status, kind] : kMails) mailed.push_back(status);
    for (const auto& source : sources)
        bus.Subscribe(
            source, std::string(kConsumer), {std::string(orders::kOrderStatusChanged)},
            [this](const bus::Event& event) { return OnOrderStatusChanged(event); }, orders::OrderReaches(mailed));
}

Result<void> OrderNotifications::OnOrderStatusChanged(const bus::Event& event) {
    EMPORIUM_ASSIGN_OR_RETURN(auto change, orders::ReadOrderStatusChanged(event));
    std::string kind;
    for (const auto& [status, mail] : kMails)
        if (change.to == status) kind = mail;
    if (kind.empty()) return core::Ok();

    // Handled before? (Redelivery after a crash between the mail and this record would only
    // rewrite the same file: the mail id is the event id.)
    EMPORIUM_ASSIGN_OR_RETURN(bool handled, db_.Read<bool>([&](infra::sqlite::Connection& c) -> Result<bool> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kHandled));
        stmt.Bind(1, kConsumer).Bind(2, event.id);
        return stmt.Step();
    }));
    if (handled) return core::Ok();

    core::RequestContext ctx;
    EMPORIUM_ASSIGN_OR_RETURN(orders::Order order, orders_.FindOrder(ctx, event.aggregate_id));
    EMPORIUM_ASSIGN_OR_RETURN(users::User user, users_.GetUser(ctx, order.user_id));
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
    Mail mail{event.id + "." + kind, user.email, subject, body};
    EMPORIUM_TRY(mailer_.Deliver(mail));
    int64_t now = clock_.NowSeconds();
    return db_.Write<void>([&](infra::sqlite::Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto sent, c.Prepare(kInsertSent));
        sent.Bind(1, mail.id).Bind(2, event.id).Bind(3, kind).Bind(4, mail.to).Bind(5, mail.subject).Bind(6, now);
        EMPORIUM_TRY(sent.Run());
        EMPORIUM_TRY(bus::MarkHandled(c, kConsumer, event.id, now));
        return core::Ok();
    });
}

}  // namespace emporium::notifications
