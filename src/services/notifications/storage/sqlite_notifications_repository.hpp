#pragma once

#include "infra/sqlite/database.hpp"
#include "services/notifications/notifications_repository.hpp"

namespace emporium::notifications {

// NotificationsRepository over SQLite (schemas/sqlite/notifications + the bus tables).
class SqliteNotificationsRepository final : public NotificationsRepository {
  public:
    explicit SqliteNotificationsRepository(infra::sqlite::Database& db) : db_(db) {}

    core::Result<std::vector<bool>> Handled(const core::RequestContext& ctx, std::string_view consumer,
                                            const std::vector<std::string>& event_ids) override;
    core::Result<void> RecordSent(const core::RequestContext& ctx, std::string_view consumer,
                                  const std::vector<SentMail>& mails, int64_t now) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::notifications
