#include <gtest/gtest.h>

#include <filesystem>

#include "core/random.hpp"
#include "infra/sqlite/database.hpp"
#include "resilience/storage/memory_rate_limit_store.hpp"
#include "services/users/session_cache.hpp"
#include "services/users/storage/sqlite_users_repository.hpp"
#include "services/users/users_service_impl.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::users {
namespace {

TEST(UsersRules, EmailIsNormalisedAndValidated) {
    EXPECT_EQ(*NormalizeEmail("  Alice@Example.COM "), "alice@example.com");
    EXPECT_TRUE(NormalizeEmail("a.b+tag@sub.example.org").ok());
    for (const char* bad : {"", "plain", "a@b", "a@@b.com", "a@b..com", ".a@b.com", "a@-b.com", "a b@c.com", "a@b.c0m"})
        EXPECT_FALSE(NormalizeEmail(bad).ok()) << bad;
}

TEST(UsersRules, PasswordPolicy) {
    EXPECT_EQ(CheckPassword("correct horse battery", "a@b.com"), "");
    EXPECT_NE(CheckPassword("short", "a@b.com"), "");
    EXPECT_NE(CheckPassword(std::string(129, 'x'), "a@b.com"), "");
    EXPECT_NE(CheckPassword("Password", "a@b.com"), "");                          // common
    EXPECT_NE(CheckPassword("a@b.com", "a@b.com"), "");                           // the email itself
    EXPECT_NE(CheckPassword("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "a@b.com"), "");  // not UTF-8
}

class FixedClock final : public core::Clock {
  public:
    int64_t NowSeconds() const override { return now; }
    int64_t now = 1'800'000'000;
};

class UsersServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto db = testing::OpenTestDatabase(dir_.path(), "users", infra::sqlite::EmbeddedMigrations("users"));
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        repository_ = std::make_unique<SqliteUsersRepository>(*db_);
        service_ =
            std::make_unique<UsersServiceImpl>(*repository_, PasswordHasher({1, 8192}), clock_, UsersSettings{3600});
    }
    void TearDown() override {
        service_.reset();
        repository_.reset();
        db_.reset();
    }

    core::RequestContext As(const Session& session) {
        core::RequestContext ctx;
        auto principal = service_->Authenticate(ctx, session.token);
        EXPECT_TRUE(principal.ok());
        if (principal.ok()) ctx.principal = *principal;
        return ctx;
    }

    FixedClock clock_;
    testing::TempDir dir_{"emporium-users-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<SqliteUsersRepository> repository_;
    std::unique_ptr<UsersServiceImpl> service_;
};

TEST_F(UsersServiceTest, SignupLoginAuthenticateLogout) {
    core::RequestContext anonymous;
    auto user = service_->Signup(anonymous, {"Ann@Example.com", "a long passphrase", "Ann"});
    ASSERT_TRUE(user.ok()) << user.error().message;
    EXPECT_EQ(user->email, "ann@example.com");
    EXPECT_EQ(service_->Signup(anonymous, {"ann@example.com", "another passphrase", ""}).error().code,
              core::ErrorCode::kConflict);

    EXPECT_EQ(service_->Login(anonymous, "ann@example.com", "wrong password").error().code,
              core::ErrorCode::kUnauthenticated);
    EXPECT_EQ(service_->Login(anonymous, "nobody@example.com", "a long passphrase").error().code,
              core::ErrorCode::kUnauthenticated);
    auto session = service_->Login(anonymous, " ANN@example.com", "a long passphrase");
    ASSERT_TRUE(session.ok());
    EXPECT_EQ(session->expires_at, clock_.now + 3600);

    auto ctx = As(*session);
    EXPECT_EQ(service_->GetMe(ctx)->id, user->id);
    ASSERT_TRUE(service_->Logout(ctx).ok());
    EXPECT_FALSE(service_->Authenticate(anonymous, session->token).ok());
}

TEST_F(UsersServiceTest, SessionsExpire) {
    core::RequestContext anonymous;
    ASSERT_TRUE(service_->Signup(anonymous, {"exp@example.com", "a long passphrase", ""}).ok());
    auto session = service_->Login(anonymous, "exp@example.com", "a long passphrase");
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE(service_->Authenticate(anonymous, session->token).ok());
    clock_.now += 3600;
    EXPECT_FALSE(service_->Authenticate(anonymous, session->token).ok());
}

TEST_F(UsersServiceTest, AddressesBelongToTheirOwner) {
    core::RequestContext anonymous;
    ASSERT_TRUE(service_->Signup(anonymous, {"one@example.com", "a long passphrase", ""}).ok());
    ASSERT_TRUE(service_->Signup(anonymous, {"two@example.com", "a long passphrase", ""}).ok());
    auto one = As(*service_->Login(anonymous, "one@example.com", "a long passphrase"));
    auto two = As(*service_->Login(anonymous, "two@example.com", "a long passphrase"));

    AddressInput input;
    input.name = "One";
    input.line1 = "1 Main St";
    input.city = "Springfield";
    input.postal_code = "12345";
    input.country = "US";
    input.is_default = true;
    auto address = service_->CreateAddress(one, input);
    ASSERT_TRUE(address.ok()) << address.error().message;
    EXPECT_EQ(service_->GetAddress(two, address->id).error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(service_->DeleteAddress(two, address->id).error().code, core::ErrorCode::kNotFound);
    EXPECT_TRUE(service_->ListAddresses(two)->empty());

    // A second default address takes the flag from the first.
    auto second = service_->CreateAddress(one, input);
    ASSERT_TRUE(second.ok());
    auto list = service_->ListAddresses(one);
    ASSERT_EQ(list->size(), 2u);
    EXPECT_FALSE((*list)[0].is_default);
    EXPECT_TRUE((*list)[1].is_default);

    AddressInput bad;
    bad.country = "usa";
    bad.line1 = "";
    auto rejected = service_->UpdateAddress(one, address->id, bad);
    ASSERT_FALSE(rejected.ok());
    EXPECT_EQ(rejected.error().fields.size(), 2u);
}

TEST_F(UsersServiceTest, CachedSessionsAreForgottenAtLogoutAndNeverOutliveTheirExpiry) {
    UsersServiceWithSessionCache cached(*service_, SessionCacheSettings{std::chrono::minutes(1), 1 << 20}, clock_);
    core::RequestContext anonymous;
    ASSERT_TRUE(cached.Signup(anonymous, {"cache@example.com", "a long passphrase", ""}).ok());
    auto session = cached.Login(anonymous, "cache@example.com", "a long passphrase");
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(cached.Authenticate(anonymous, session->token).ok());

    // Revoked behind the cache's back (as another process would): still trusted, within the ttl.
    core::RequestContext as_user = As(*session);
    ASSERT_TRUE(service_->Logout(as_user).ok());
    EXPECT_TRUE(cached.Authenticate(anonymous, session->token).ok());

    // Through the cache: at once.
    auto second = cached.Login(anonymous, "cache@example.com", "a long passphrase");
    ASSERT_TRUE(second.ok());
    auto principal = cached.Authenticate(anonymous, second->token);
    ASSERT_TRUE(principal.ok());
    core::RequestContext second_ctx;
    second_ctx.principal = *principal;
    ASSERT_TRUE(cached.Logout(second_ctx).ok());
    EXPECT_EQ(cached.Authenticate(anonymous, second->token).error().code, core::ErrorCode::kUnauthenticated);

    // A cached session is not used past its own expiry (3600 s here).
    auto third = cached.Login(anonymous, "cache@example.com", "a long passphrase");
    ASSERT_TRUE(third.ok());
    ASSERT_TRUE(cached.Authenticate(anonymous, third->token).ok());
    clock_.now += 3601;
    EXPECT_EQ(cached.Authenticate(anonymous, third->token).error().code, core::ErrorCode::kUnauthenticated);
}

TEST_F(UsersServiceTest, FailedLoginsLockTheAccountWhetherOrNotItExists) {
    resilience::MemoryRateLimitStore store;
    LoginGuard guard(store, LoginGuardSettings{.failures_per_account = 3, .failures_per_address = 100});
    UsersServiceImpl guarded(*repository_, PasswordHasher({1, 8192}), clock_, UsersSettings{3600}, &guard);
    core::RequestContext ctx;
    ctx.client_address = "203.0.113.9";
    ASSERT_TRUE(guarded.Signup(ctx, {"lock@example.com", "a long passphrase", ""}).ok());
    for (const char* email : {"lock@example.com", "ghost@example.com"}) {
        for (int i = 0; i < 3; ++i)
            EXPECT_EQ(guarded.Login(ctx, email, "wrong passphrase").error().code, core::ErrorCode::kUnauthenticated);
        auto locked = guarded.Login(ctx, email, "a long passphrase");
        ASSERT_FALSE(locked.ok());
        EXPECT_EQ(locked.error().code, core::ErrorCode::kTooManyRequests) << email;
        EXPECT_GE(locked.error().retry_after.count(), 1);
        EXPECT_LE(locked.error().retry_after.count(), 300);
    }
    // The address is not locked: 6 failures of 100.
    ASSERT_TRUE(guarded.Signup(ctx, {"other@example.com", "a long passphrase", ""}).ok());
    EXPECT_TRUE(guarded.Login(ctx, "other@example.com", "a long passphrase").ok());
}

}  // namespace
}  // namespace emporium::users
