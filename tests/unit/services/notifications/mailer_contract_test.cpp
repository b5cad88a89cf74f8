// The contract every Mailer adapter passes (services/notifications/mailer.hpp). Today: the
// Maildir spool and a recording fake defined here. SmtpMailer is not in the list: it needs
// an SMTP server, and the API test test_smtp.py covers it.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/deadline.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/notifications/mailer.hpp"
#include "temp_dir.hpp"

namespace emporium::notifications {
namespace {

// A mailer that keeps each mail by id, as FormatMessage writes it; follows the port (an id
// delivered again replaces its mail; an expired deadline delivers nothing).
class RecordingMailer final : public Mailer {
  public:
    core::Result<void> Deliver(const core::RequestContext& ctx, const Mail& mail) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        mails_[mail.id] = FormatMessage(mail, "shop@example.test");
        return core::Ok();
    }
    std::map<std::string, std::string> Mails() const {
        std::lock_guard lock(mutex_);
        return mails_;
    }

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::string> mails_;  // id → text
};

// A mailer with what it needs alive, and the test's view of the mails delivered (by id).
class Harness {
  public:
    virtual ~Harness() = default;
    virtual Mailer& mailer() = 0;
    virtual std::map<std::string, std::string> Delivered() = 0;
};

// The Maildir spool in a fresh directory: a mail is the file new/<id>.
class MaildirHarness final : public Harness {
  public:
    MaildirHarness() : dir_("mailer-contract-"), mailer_((dir_ / "spool").string(), "shop@example.test") {}
    Mailer& mailer() override { return mailer_; }
    std::map<std::string, std::string> Delivered() override {
        std::map<std::string, std::string> mails;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir_ / "spool" / "new", ec)) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::ostringstream text;
            text << in.rdbuf();
            mails[entry.path().filename().string()] = text.str();
        }
        return mails;
    }

  private:
    emporium::testing::TempDir dir_;  // outlives the mailer
    MaildirMailer mailer_;
};

class RecordingHarness final : public Harness {
  public:
    Mailer& mailer() override { return mailer_; }
    std::map<std::string, std::string> Delivered() override { return mailer_.Mails(); }

  private:
    RecordingMailer mailer_;
};

struct MailerAdapter {
    std::string name;
    std::function<std::unique_ptr<Harness>()> make;
};

void PrintTo(const MailerAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<MailerAdapter> Adapters() {
    return {{"maildir", [] { return std::make_unique<MaildirHarness>(); }},
            {"recording", [] { return std::make_unique<RecordingHarness>(); }}};
}

class MailerContract : public ::testing::TestWithParam<MailerAdapter> {
  protected:
    void SetUp() override { harness_ = GetParam().make(); }
    static Mail AMail(std::string id, std::string subject) {
        return Mail{std::move(id), "ada@example.test", std::move(subject), "Your order is on its way."};
    }

    core::RequestContext ctx_;
    std::unique_ptr<Harness> harness_;
};

TEST_P(MailerContract, ADeliveredMailIsFoundByItsIdWithSubjectAndRecipient) {
    auto delivered = harness_->mailer().Deliver(ctx_, AMail("ntf_1", "Order ord_1 shipped"));
    ASSERT_TRUE(delivered.ok()) << delivered.error().message;
    auto mails = harness_->Delivered();
    ASSERT_EQ(mails.size(), 1u);
    ASSERT_TRUE(mails.contains("ntf_1"));
    EXPECT_NE(mails["ntf_1"].find("Subject: Order ord_1 shipped"), std::string::npos) << mails["ntf_1"];
    EXPECT_NE(mails["ntf_1"].find("To: ada@example.test"), std::string::npos) << mails["ntf_1"];
}

TEST_P(MailerContract, DeliveringTheSameIdTwiceKeepsOneMail) {
    ASSERT_TRUE(harness_->mailer().Deliver(ctx_, AMail("ntf_1", "First try")).ok());
    auto again = harness_->mailer().Deliver(ctx_, AMail("ntf_1", "Second try"));
    ASSERT_TRUE(again.ok()) << again.error().message;
    auto mails = harness_->Delivered();
    ASSERT_EQ(mails.size(), 1u);
    ASSERT_TRUE(mails.contains("ntf_1"));
    EXPECT_NE(mails["ntf_1"].find("Subject: Second try"), std::string::npos) << mails["ntf_1"];
    EXPECT_EQ(mails["ntf_1"].find("First try"), std::string::npos);  // replaced, not appended
}

TEST_P(MailerContract, DifferentIdsAreDifferentMails) {
    ASSERT_TRUE(harness_->mailer().Deliver(ctx_, AMail("ntf_1", "One")).ok());
    ASSERT_TRUE(harness_->mailer().Deliver(ctx_, AMail("ntf_2", "Two")).ok());
    auto mails = harness_->Delivered();
    ASSERT_EQ(mails.size(), 2u);
    EXPECT_NE(mails["ntf_1"].find("Subject: One"), std::string::npos);
    EXPECT_NE(mails["ntf_2"].find("Subject: Two"), std::string::npos);
}

TEST_P(MailerContract, AnExpiredDeadlineIsRefusedAndDeliversNothing) {
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto delivered = harness_->mailer().Deliver(expired, AMail("ntf_1", "Too late"));
    ASSERT_FALSE(delivered.ok());
    EXPECT_EQ(delivered.error().code, core::ErrorCode::kUnavailable);
    EXPECT_TRUE(harness_->Delivered().empty());
}

INSTANTIATE_TEST_SUITE_P(Adapters, MailerContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<MailerAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::notifications
