#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::notifications {

// A mail that went out, as the notifications service records it.
struct SentMail {
    std::string id;  // the mail's id (also its Maildir file name)
    std::string event_id;
    std::string kind;
    std::string recipient;
    std::string subject;
};

// Storage port of the notifications service: which events a consumer has acted on, and
// the mails that went out. Adapters: under storage/. Blocking; call from the blocking
// pool or a bus handler thread. Thread-safe.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class NotificationsRepository {
  public:
    virtual ~NotificationsRepository() = default;

    // For each of `event_ids`, in order: whether `consumer` recorded it as handled.
    virtual core::Result<std::vector<bool>> Handled(const core::RequestContext& ctx, std::string_view consumer,
                                                    const std::vector<std::string>& event_ids) = 0;
    // Records every mail of `mails` as sent and its event as handled by `consumer`, in one
    // transaction: all or nothing. Recording a mail again (a redelivery) changes nothing.
    virtual core::Result<void> RecordSent(const core::RequestContext& ctx, std::string_view consumer,
                                          const std::vector<SentMail>& mails, int64_t now) = 0;
};

}  // namespace emporium::notifications
