#include "services/notifications/storage/postgres_notifications_repository.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_set>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "infra/postgres/outbox.hpp"

namespace emporium::notifications {

using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;

namespace {
constexpr std::string_view kInsertSent =
    "INSERT INTO sent_mail (id, event_id, kind, recipient, subject, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT (id) DO NOTHING";
// Which of the events of a JSON array `consumer` handled: one round trip for the batch.
constexpr std::string_view kSelectHandledOf =
    "SELECT event_id FROM handled_events WHERE consumer = $1 "
    "AND event_id = ANY (ARRAY (SELECT json_array_elements_text($2::json)))";
}  // namespace

Result<std::vector<bool>> PostgresNotificationsRepository::Handled(const core::RequestContext& ctx,
                                                                   std::string_view consumer,
                                                                   const std::vector<std::string>& event_ids) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    if (event_ids.empty()) return std::vector<bool>{};
    return db_.Read<std::vector<bool>>(ctx, [&](Connection& c) -> Result<std::vector<bool>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows,
                                  c.Query(kSelectHandledOf, Params(consumer, core::JsonStringArray(event_ids))));
        std::unordered_set<std::string> handled;
        for (int i = 0; i < rows.size(); ++i) handled.insert(rows[i].String(0));
        std::vector<bool> seen;
        seen.reserve(event_ids.size());
        for (const auto& event_id : event_ids) seen.push_back(handled.contains(event_id));
        return seen;
    });
}

Result<void> PostgresNotificationsRepository::RecordSent(const core::RequestContext& ctx, std::string_view consumer,
                                                         const std::vector<SentMail>& mails, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    if (mails.empty()) return core::Ok();
    // Two jobs recording the same mails (a redelivery racing the first delivery) wait on each
    // other's inserts of a key: taken in one order (mail ids, then event ids, sorted) they
    // queue behind each other instead of deadlocking.
    std::vector<const SentMail*> by_id;
    by_id.reserve(mails.size());
    for (const SentMail& mail : mails) by_id.push_back(&mail);
    std::stable_sort(by_id.begin(), by_id.end(), [](const SentMail* a, const SentMail* b) { return a->id < b->id; });
    std::set<std::string_view> event_ids;
    for (const SentMail& mail : mails) event_ids.insert(mail.event_id);
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        for (const SentMail* mail : by_id)
            c.Queue(kInsertSent, Params(mail->id, mail->event_id, mail->kind, mail->recipient, mail->subject, now));
        for (std::string_view event_id : event_ids)
            EMPORIUM_TRY(infra::postgres::MarkHandled(c, consumer, event_id, now));
        return core::Ok();
    });
}

}  // namespace emporium::notifications
