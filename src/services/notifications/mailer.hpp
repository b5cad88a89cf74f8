#pragma once

#include <string>

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
class Mailer {
public:
    virtual ~Mailer() = default;
    virtual core::Result<void> Deliver(const Mail& mail) = 0;
};

// Writes each mail as an RFC 5322 file into <directory>/new/, by way of tmp/ and a rename
// (the Maildir convention, so a reader never sees half a mail). The file name is the mail id.
class MaildirMailer final : public Mailer {
public:
    explicit MaildirMailer(std::string directory) : directory_(std::move(directory)) {}
    core::Result<void> Deliver(const Mail& mail) override;

private:
    std::string directory_;
};

}  // namespace emporium::notifications
