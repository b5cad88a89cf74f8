#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::notifications {

struct Mail {
    std::string id;  // unique and stable per notification: delivering the same id twice is one mail
    std::string to;
    std::string subject;
    std::string body;
};

// Port for outgoing mail. Adapters: a Maildir spool (default); SMTP later. Blocking,
// thread-safe. Delivering a mail with an id delivered before replaces it, never duplicates.
// kUnavailable at once, sending nothing, when the deadline of `ctx` has passed.
class Mailer {
  public:
    virtual ~Mailer() = default;
    virtual core::Result<void> Deliver(const core::RequestContext& ctx, const Mail& mail) = 0;
};

// The mail as RFC 5322 text (CRLF line ends), From `from`, Message-ID from the mail id.
std::string FormatMessage(const Mail& mail, const std::string& from);

// Writes each mail as an RFC 5322 file into <directory>/new/, by way of tmp/ and a rename
// (the Maildir convention, so a reader never sees half a mail). The file name is the mail id.
class MaildirMailer final : public Mailer {
  public:
    MaildirMailer(std::string directory, std::string from) : directory_(std::move(directory)), from_(std::move(from)) {}
    core::Result<void> Deliver(const core::RequestContext& ctx, const Mail& mail) override;

  private:
    std::string directory_;
    std::string from_;
    std::atomic<bool> spool_ready_{false};  // tmp/, new/ and cur/ exist (checked once, again after a failure)
    // One mail file at a time: creating a file holds its directory's lock, and the bus's
    // handler threads queued on it would otherwise spin on that kernel lock instead of
    // sleeping here (when file creation is slow, as on a journal-less ext4 soon after many
    // deletions, that spinning took a quarter of the server's CPU; see BENCHMARKS.md).
    std::mutex spool_mutex_;
};

// Sends each mail over SMTP with libcurl (url like "smtp://127.0.0.1:25"). A failed send is
// an error, so the event is retried; a crash right after a send may repeat it, and the
// stable Message-ID lets the receiving side drop the copy.
class SmtpMailer final : public Mailer {
  public:
    SmtpMailer(std::string url, std::string from) : url_(std::move(url)), from_(std::move(from)) {}
    core::Result<void> Deliver(const core::RequestContext& ctx, const Mail& mail) override;

  private:
    std::string url_;
    std::string from_;
};

}  // namespace emporium::notifications
