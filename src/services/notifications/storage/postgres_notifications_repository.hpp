#pragma once

#include "infra/postgres/database.hpp"
#include "services/notifications/notifications_repository.hpp"

namespace emporium::notifications {

// NotificationsRepository over PostgreSQL (schemas/postgres/notifications + the bus tables).
class PostgresNotificationsRepository final : public NotificationsRepository {
  public:
    explicit PostgresNotificationsRepository(infra::postgres::Database& db) : db_(db) {}

    core::Result<std::vector<bool>> Handled(const core::RequestContext& ctx, std::string_view consumer,
                                            const std::vector<std::string>& event_ids) override;
    core::Result<void> RecordSent(const core::RequestContext& ctx, std::string_view consumer,
                                  const std::vector<SentMail>& mails, int64_t now) override;

  private:
    infra::postgres::Database& db_;
};

}  // namespace emporium::notifications
