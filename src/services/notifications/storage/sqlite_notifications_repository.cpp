#include "services/notifications/storage/sqlite_notifications_repository.hpp"

#include "core/deadline.hpp"
#include "infra/sqlite/outbox.hpp"

namespace emporium::notifications {

using core::Result;
using infra::sqlite::Connection;

namespace {
constexpr std::string_view kInsertSent =
    "INSERT INTO sent_mail (id, event_id, kind, recipient, subject, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (id) DO NOTHING";
}  // namespace

Result<std::vector<bool>> SqliteNotificationsRepository::Handled(const core::RequestContext& ctx,
                                                                 std::string_view consumer,
                                                                 const std::vector<std::string>& event_ids) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<bool>>([&](Connection& c) -> Result<std::vector<bool>> {
        std::vector<bool> seen;
        seen.reserve(event_ids.size());
        for (const auto& event_id : event_ids) {
            EMPORIUM_ASSIGN_OR_RETURN(bool found, infra::sqlite::WasHandled(c, consumer, event_id));
            seen.push_back(found);
        }
        return seen;
    });
}

Result<void> SqliteNotificationsRepository::RecordSent(const core::RequestContext& ctx, std::string_view consumer,
                                                       const std::vector<SentMail>& mails, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        for (const SentMail& mail : mails) {
            EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertSent));
            insert.Bind(1, mail.id).Bind(2, mail.event_id).Bind(3, mail.kind).Bind(4, mail.recipient);
            insert.Bind(5, mail.subject).Bind(6, now);
            EMPORIUM_TRY(insert.Run());
            EMPORIUM_TRY(infra::sqlite::MarkHandled(c, consumer, mail.event_id, now));
        }
        return core::Ok();
    });
}

}  // namespace emporium::notifications
