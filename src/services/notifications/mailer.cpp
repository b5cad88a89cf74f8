#include "services/notifications/mailer.hpp"

#include <filesystem>
#include <fstream>

#include "core/clock.hpp"

namespace emporium::notifications {

core::Result<void> MaildirMailer::Deliver(const Mail& mail) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path root(directory_);
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(root / sub, ec);
    if (ec) return core::Error::Internal("cannot create the mail spool " + directory_ + ": " + ec.message());
    fs::path temporary = root / "tmp" / mail.id;
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << "From: Emporium <orders@emporium.dev>\r\n"
            << "To: " << mail.to << "\r\n"
            << "Subject: " << mail.subject << "\r\n"
            << "Date: " << core::FormatRfc3339(core::SystemClock().NowSeconds()) << "\r\n"
            << "Message-ID: <" << mail.id << "@emporium.dev>\r\n"
            << "Content-Type: text/plain; charset=utf-8\r\n\r\n";
        for (char c : mail.body) {
            if (c == '\n') out << "\r\n";
            else out << c;
        }
        out.flush();
        if (!out) return core::Error::Internal("cannot write " + temporary.string());
    }
    fs::rename(temporary, root / "new" / mail.id, ec);
    if (ec) return core::Error::Internal("cannot deliver " + mail.id + ": " + ec.message());
    return core::Ok();
}

}  // namespace emporium::notifications
