#include "services/notifications/mailer.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/clock.hpp"
#include "core/deadline.hpp"

namespace emporium::notifications {

namespace {

// RFC 5322 §3.3 date-time in UTC ("Sat, 05 Dec 2026 02:19:56 +0000"); names spelled out
// rather than taken from strftime, whose day and month names follow the locale.
std::string MailDate(int64_t seconds) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return text;
}

}  // namespace

std::string FormatMessage(const Mail& mail, const std::string& from) {
    std::string text = "From: " + from + "\r\nTo: " + mail.to + "\r\nSubject: " + mail.subject +
                       "\r\nDate: " + MailDate(core::SystemClock().NowSeconds()) + "\r\nMessage-ID: <" + mail.id +
                       "@emporium.dev>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: 8bit\r\n\r\n";
    for (char c : mail.body) {
        if (c == '\n')
            text += "\r\n";
        else
            text += c;
    }
    return text;
}

core::Result<void> SmtpMailer::Deliver(const core::RequestContext& ctx, const Mail& mail) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    struct Upload {
        std::string data;
        std::size_t offset = 0;
    } upload{FormatMessage(mail, from_)};
    CURL* curl = curl_easy_init();
    if (!curl) return core::Error::Internal("curl_easy_init failed");
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + mail.to + ">").c_str());
    std::string sender = from_;
    if (auto open = sender.find('<'); open != std::string::npos) sender = sender.substr(open);
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sender.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(
        curl, CURLOPT_READFUNCTION, +[](char* buffer, std::size_t size, std::size_t count, void* user) -> std::size_t {
            auto* up = static_cast<Upload*>(user);
            std::size_t n = std::min(size * count, up->data.size() - up->offset);
            std::memcpy(buffer, up->data.data() + up->offset, n);
            up->offset += n;
            return n;
        });
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) return core::Error::Unavailable(std::string("SMTP send failed: ") + curl_easy_strerror(rc));
    return core::Ok();
}

core::Result<void> MaildirMailer::Deliver(const core::RequestContext& ctx, const Mail& mail) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    namespace fs = std::filesystem;
    std::string text = FormatMessage(mail, from_);
    std::lock_guard lock(spool_mutex_);
    std::error_code ec;
    fs::path root(directory_);
    if (!spool_ready_.load(std::memory_order_relaxed)) {
        for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(root / sub, ec);
        if (ec) return core::Error::Internal("cannot create the mail spool " + directory_ + ": " + ec.message());
        spool_ready_ = true;
    }
    fs::path temporary = root / "tmp" / mail.id;
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool written = fd >= 0;
    for (std::size_t done = 0; written && done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        written = n > 0;
        if (written) done += static_cast<std::size_t>(n);
    }
    if (fd >= 0 && ::close(fd) != 0) written = false;
    if (!written) {
        spool_ready_ = false;  // perhaps the spool was removed: make it again on the retry
        return core::Error::Internal("cannot write " + temporary.string());
    }
    fs::rename(temporary, root / "new" / mail.id, ec);
    if (ec) {
        spool_ready_ = false;
        return core::Error::Internal("cannot deliver " + mail.id + ": " + ec.message());
    }
    return core::Ok();
}

}  // namespace emporium::notifications
