#pragma once

// An in-memory NotificationsRepository for unit tests (LevelDB's NewMemEnv idea): a set and
// a map under one mutex, behaving as SqliteNotificationsRepository does, an expired
// deadline refused included.

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "services/notifications/notifications_repository.hpp"

namespace emporium::notifications {

class MemoryNotificationsRepository final : public NotificationsRepository {
  public:
    core::Result<std::vector<bool>> Handled(const core::RequestContext& ctx, std::string_view consumer,
                                            const std::vector<std::string>& event_ids) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<bool> seen;
        seen.reserve(event_ids.size());
        for (const auto& event_id : event_ids) seen.push_back(handled_.contains({std::string(consumer), event_id}));
        return seen;
    }
    // Like the adapter: a mail id recorded before keeps its first record, and the mail's
    // event is marked handled either way.
    core::Result<void> RecordSent(const core::RequestContext& ctx, std::string_view consumer,
                                  const std::vector<SentMail>& mails, int64_t) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        for (const SentMail& mail : mails) {
            sent_.try_emplace(mail.id, mail);
            handled_.insert({std::string(consumer), mail.event_id});
        }
        return core::Ok();
    }

    // The mails recorded as sent, by id (for tests of the service).
    std::vector<SentMail> SentMails() const {
        std::lock_guard lock(mutex_);
        std::vector<SentMail> out;
        for (const auto& [id, mail] : sent_) out.push_back(mail);
        return out;
    }

  private:
    mutable std::mutex mutex_;
    std::set<std::pair<std::string, std::string>> handled_;  // (consumer, event id)
    std::map<std::string, SentMail> sent_;                   // by mail id
};

}  // namespace emporium::notifications
