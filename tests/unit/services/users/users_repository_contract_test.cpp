// The contract every UsersRepository adapter passes (services/users/users_repository.hpp).
// Today: SQLite, PostgreSQL and the in-memory fake; each adapter's factory is in the list
// below.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_users_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/users/storage/postgres_users_repository.hpp"
#include "services/users/storage/sqlite_users_repository.hpp"
#include "services/users/users_repository.hpp"

namespace emporium::users {
namespace {

using Subject = testing::ContractSubject<UsersRepository>;
using UsersAdapter = testing::ContractAdapter<UsersRepository>;
using testing::CodeOf;

std::vector<UsersAdapter> Adapters() {
    return {testing::SqliteContractAdapter<UsersRepository, SqliteUsersRepository>("users", {"users", "bus"}),
            testing::PostgresContractAdapter<UsersRepository, PostgresUsersRepository>({"users", "bus"}),
            testing::MemoryContractAdapter<UsersRepository, MemoryUsersRepository>()};
}

class UsersRepositoryContract : public ::testing::TestWithParam<UsersAdapter> {
  protected:
    void SetUp() override {
        subject_ = GetParam().make();
        ASSERT_TRUE(subject_.repository);
        repo_ = subject_.repository.get();
    }

    static UserRecord NewUser(const std::string& id, const std::string& email,
                              core::Role role = core::Role::kCustomer) {
        return UserRecord{User{id, email, "Name of " + id, role, 1000}, "hash-" + id};
    }
    static Address NewAddress(const std::string& id, const std::string& user_id, int64_t created_at,
                              bool is_default = false) {
        Address a;
        a.id = id;
        a.user_id = user_id;
        a.name = "Ada";
        a.line1 = "1 Main St";
        a.city = "Springfield";
        a.postal_code = "12345";
        a.country = "US";
        a.is_default = is_default;
        a.created_at = a.updated_at = created_at;
        return a;
    }
    static SessionRecord Session(const std::string& token_hash, const std::string& user_id, int64_t expires_at = 900) {
        SessionRecord session;
        session.token_hash = token_hash;
        session.user_id = user_id;
        session.created_at = 100;
        session.expires_at = expires_at;
        return session;
    }
    void Insert(const UserRecord& user) {
        auto inserted = repo_->InsertUser(ctx_, user);
        ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    void Insert(const Address& address, int max = kMaxAddressesPerUser) {
        auto inserted = repo_->InsertAddress(ctx_, address, max);
        ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    std::vector<std::string> AddressIds(const std::string& user_id) {
        std::vector<std::string> ids;
        auto listed = repo_->ListAddresses(ctx_, user_id);
        EXPECT_TRUE(listed.ok());
        if (listed.ok())
            for (const auto& a : *listed) ids.push_back(a.id + (a.is_default ? "*" : ""));
        return ids;
    }

    core::RequestContext ctx_;
    Subject subject_;
    UsersRepository* repo_ = nullptr;
};

TEST_P(UsersRepositoryContract, AnInsertedUserIsFoundByIdAndByEmail) {
    Insert(NewUser("usr_1", "ada@example.com", core::Role::kAdmin));
    for (auto found : {repo_->FindUserById(ctx_, "usr_1"), repo_->FindUserByEmail(ctx_, "ada@example.com")}) {
        ASSERT_TRUE(found.ok()) << found.error().message;
        EXPECT_EQ(found->user.id, "usr_1");
        EXPECT_EQ(found->user.email, "ada@example.com");
        EXPECT_EQ(found->user.name, "Name of usr_1");
        EXPECT_EQ(found->user.role, core::Role::kAdmin);
        EXPECT_EQ(found->user.created_at, 1000);
        EXPECT_EQ(found->password_hash, "hash-usr_1");
    }
}

TEST_P(UsersRepositoryContract, AnUnknownUserIsNotFoundAndCannotBeUpdated) {
    Insert(NewUser("usr_1", "ada@example.com"));
    EXPECT_EQ(CodeOf(repo_->FindUserById(ctx_, "usr_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindUserByEmail(ctx_, "bob@example.com")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->UpdateUserName(ctx_, "usr_2", "Bob", 2000)), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->UpdateRoleAndPassword(ctx_, "usr_2", core::Role::kAdmin, "h", 2000)),
              core::ErrorCode::kNotFound);
}

TEST_P(UsersRepositoryContract, ATakenEmailOrIdIsAConflictAndChangesNothing) {
    Insert(NewUser("usr_1", "ada@example.com"));
    auto same_email = repo_->InsertUser(ctx_, NewUser("usr_2", "ada@example.com"));
    ASSERT_FALSE(same_email.ok());
    EXPECT_EQ(CodeOf(same_email), core::ErrorCode::kConflict);
    auto same_id = repo_->InsertUser(ctx_, NewUser("usr_1", "bob@example.com"));
    ASSERT_FALSE(same_id.ok());
    EXPECT_EQ(CodeOf(same_id), core::ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(repo_->FindUserById(ctx_, "usr_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindUserByEmail(ctx_, "bob@example.com")), core::ErrorCode::kNotFound);
    EXPECT_EQ(repo_->FindUserById(ctx_, "usr_1")->user.email, "ada@example.com");
}

TEST_P(UsersRepositoryContract, UpdatesChangeNameOrRoleAndPasswordOfThatUserOnly) {
    Insert(NewUser("usr_1", "ada@example.com"));
    Insert(NewUser("usr_2", "bob@example.com"));
    ASSERT_TRUE(repo_->UpdateUserName(ctx_, "usr_1", "Ada L.", 2000).ok());
    ASSERT_TRUE(repo_->UpdateRoleAndPassword(ctx_, "usr_1", core::Role::kAdmin, "new-hash", 2000).ok());
    auto ada = repo_->FindUserById(ctx_, "usr_1");
    ASSERT_TRUE(ada.ok());
    EXPECT_EQ(ada->user.name, "Ada L.");
    EXPECT_EQ(ada->user.role, core::Role::kAdmin);
    EXPECT_EQ(ada->password_hash, "new-hash");
    EXPECT_EQ(ada->user.email, "ada@example.com");
    auto bob = repo_->FindUserById(ctx_, "usr_2");
    ASSERT_TRUE(bob.ok());
    EXPECT_EQ(bob->user.name, "Name of usr_2");
    EXPECT_EQ(bob->user.role, core::Role::kCustomer);
    EXPECT_EQ(bob->password_hash, "hash-usr_2");
}

TEST_P(UsersRepositoryContract, ListUsersIsNewestFirstFilteredAndPagedWithoutPasswordHashes) {
    UserRecord older = NewUser("usr_a", "ada@example.com");
    UserRecord tie = NewUser("usr_b", "bob@shop.example", core::Role::kAdmin);
    UserRecord newer = NewUser("usr_c", "cy@example.com");
    tie.user.created_at = older.user.created_at;  // same second: the id breaks the tie
    newer.user.created_at = older.user.created_at + 5;
    for (const auto& user : {older, tie, newer}) Insert(user);
    auto ids = [&](const UserFilter& filter, std::optional<core::TimeIdCursor> after = std::nullopt) {
        auto users = repo_->ListUsers(ctx_, filter, after, 50);
        EXPECT_TRUE(users.ok()) << users.error().message;
        std::vector<std::string> out;
        if (users.ok())
            for (const auto& user : *users) out.push_back(user.id);
        return out;
    };
    EXPECT_EQ(ids({}), (std::vector<std::string>{"usr_c", "usr_b", "usr_a"}));
    EXPECT_EQ(ids({}, core::TimeIdCursor{1000, "usr_b"}), std::vector<std::string>{"usr_a"});
    EXPECT_EQ(ids({"example.com", "", std::nullopt}), (std::vector<std::string>{"usr_c", "usr_a"}));
    EXPECT_EQ(ids({"", "", core::Role::kAdmin}), std::vector<std::string>{"usr_b"});
    EXPECT_EQ(ids({"zzz", "", std::nullopt}), std::vector<std::string>{});
    EXPECT_EQ(ids({"", "ada@example.com", std::nullopt}), std::vector<std::string>{"usr_a"});
    EXPECT_EQ(ids({"", "da@example.com", std::nullopt}), std::vector<std::string>{});  // exact, not contained
    auto limited = repo_->ListUsers(ctx_, {}, std::nullopt, 1);
    ASSERT_TRUE(limited.ok());
    ASSERT_EQ(limited->size(), 1u);
    EXPECT_EQ(limited->front().email, "cy@example.com");
}

TEST_P(UsersRepositoryContract, UpdateRoleChangesOnlyTheRoleOfThatUser) {
    Insert(NewUser("usr_1", "ada@example.com"));
    ASSERT_TRUE(repo_->UpdateRole(ctx_, "usr_1", core::Role::kAdmin, "usr_operator", 2000).ok());
    auto ada = repo_->FindUserById(ctx_, "usr_1");
    ASSERT_TRUE(ada.ok());
    EXPECT_EQ(ada->user.role, core::Role::kAdmin);
    EXPECT_EQ(ada->password_hash, "hash-usr_1");
    EXPECT_EQ(CodeOf(repo_->UpdateRole(ctx_, "usr_none", core::Role::kAdmin, "usr_operator", 2000)),
              core::ErrorCode::kNotFound);
}

TEST_P(UsersRepositoryContract, ASessionCarriesItsUsersRoleAndIsRevokedOnce) {
    Insert(NewUser("usr_1", "ada@example.com"));
    ASSERT_TRUE(repo_->InsertSession(ctx_, Session("tok_1", "usr_1", 200)).ok());
    EXPECT_EQ(CodeOf(repo_->InsertSession(ctx_, Session("tok_1", "usr_1", 200))), core::ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(repo_->FindSession(ctx_, "tok_2")), core::ErrorCode::kNotFound);

    auto open = repo_->FindSession(ctx_, "tok_1");
    ASSERT_TRUE(open.ok()) << open.error().message;
    EXPECT_EQ(open->token_hash, "tok_1");
    EXPECT_EQ(open->user_id, "usr_1");
    EXPECT_EQ(open->created_at, 100);
    EXPECT_EQ(open->expires_at, 200);
    EXPECT_FALSE(open->revoked_at);
    EXPECT_EQ(open->role, core::Role::kCustomer);
    // The role is the user's as it is now (joined), not as it was at login.
    ASSERT_TRUE(repo_->UpdateRoleAndPassword(ctx_, "usr_1", core::Role::kAdmin, "h", 150).ok());
    EXPECT_EQ(repo_->FindSession(ctx_, "tok_1")->role, core::Role::kAdmin);

    ASSERT_TRUE(repo_->RevokeSession(ctx_, "tok_1", 160).ok());
    ASSERT_TRUE(repo_->RevokeSession(ctx_, "tok_1", 170).ok());  // again: keeps the first time
    EXPECT_EQ(repo_->FindSession(ctx_, "tok_1")->revoked_at, std::optional<int64_t>(160));
}

TEST_P(UsersRepositoryContract, RevokingAUsersSessionsLeavesOtherUsersOpen) {
    Insert(NewUser("usr_1", "ada@example.com"));
    Insert(NewUser("usr_2", "bob@example.com"));
    for (const auto& [token, user] : std::vector<std::pair<std::string, std::string>>{
             {"tok_a1", "usr_1"}, {"tok_a2", "usr_1"}, {"tok_b1", "usr_2"}})
        ASSERT_TRUE(repo_->InsertSession(ctx_, Session(token, user)).ok());
    ASSERT_TRUE(repo_->RevokeSession(ctx_, "tok_a1", 110).ok());
    ASSERT_TRUE(repo_->RevokeUserSessions(ctx_, "usr_1", 120).ok());
    EXPECT_EQ(repo_->FindSession(ctx_, "tok_a1")->revoked_at, std::optional<int64_t>(110));
    EXPECT_EQ(repo_->FindSession(ctx_, "tok_a2")->revoked_at, std::optional<int64_t>(120));
    EXPECT_FALSE(repo_->FindSession(ctx_, "tok_b1")->revoked_at);
}

TEST_P(UsersRepositoryContract, AddressesAreListedByCreationAndFoundOnlyByTheirOwner) {
    Insert(NewUser("usr_1", "ada@example.com"));
    Insert(NewUser("usr_2", "bob@example.com"));
    Insert(NewAddress("adr_b", "usr_1", 200));
    Insert(NewAddress("adr_a", "usr_1", 100));
    Insert(NewAddress("adr_c", "usr_1", 200));
    Insert(NewAddress("adr_x", "usr_2", 50));
    EXPECT_EQ(AddressIds("usr_1"), (std::vector<std::string>{"adr_a", "adr_b", "adr_c"}));
    EXPECT_EQ(AddressIds("usr_3"), std::vector<std::string>{});

    auto found = repo_->FindAddress(ctx_, "usr_1", "adr_a");
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ(found->user_id, "usr_1");
    EXPECT_EQ(found->line1, "1 Main St");
    EXPECT_EQ(found->postal_code, "12345");
    EXPECT_EQ(found->created_at, 100);
    EXPECT_EQ(CodeOf(repo_->FindAddress(ctx_, "usr_2", "adr_a")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindAddress(ctx_, "usr_1", "adr_none")), core::ErrorCode::kNotFound);
}

TEST_P(UsersRepositoryContract, AFullAddressBookOrATakenIdIsAConflict) {
    Insert(NewUser("usr_1", "ada@example.com"));
    Insert(NewAddress("adr_1", "usr_1", 100), 2);
    Insert(NewAddress("adr_2", "usr_1", 101), 2);
    auto full = repo_->InsertAddress(ctx_, NewAddress("adr_3", "usr_1", 102), 2);
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(CodeOf(full), core::ErrorCode::kConflict);
    auto taken = repo_->InsertAddress(ctx_, NewAddress("adr_1", "usr_1", 103), 5);
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(CodeOf(taken), core::ErrorCode::kConflict);
    EXPECT_EQ(AddressIds("usr_1"), (std::vector<std::string>{"adr_1", "adr_2"}));
}

TEST_P(UsersRepositoryContract, ANewOrUpdatedDefaultAddressClearsTheOtherDefaultsOfItsUser) {
    Insert(NewUser("usr_1", "ada@example.com"));
    Insert(NewUser("usr_2", "bob@example.com"));
    Insert(NewAddress("adr_x", "usr_2", 50, true));
    Insert(NewAddress("adr_1", "usr_1", 100, true));
    Insert(NewAddress("adr_2", "usr_1", 101, true));
    EXPECT_EQ(AddressIds("usr_1"), (std::vector<std::string>{"adr_1", "adr_2*"}));

    Address first = NewAddress("adr_1", "usr_1", 100, true);
    first.city = "Shelbyville";
    first.created_at = 999;  // not changed by an update
    first.updated_at = 300;
    ASSERT_TRUE(repo_->UpdateAddress(ctx_, first).ok());
    EXPECT_EQ(AddressIds("usr_1"), (std::vector<std::string>{"adr_1*", "adr_2"}));
    EXPECT_EQ(AddressIds("usr_2"), std::vector<std::string>{"adr_x*"});
    auto updated = repo_->FindAddress(ctx_, "usr_1", "adr_1");
    ASSERT_TRUE(updated.ok());
    EXPECT_EQ(updated->city, "Shelbyville");
    EXPECT_EQ(updated->created_at, 100);
    EXPECT_EQ(updated->updated_at, 300);
}

TEST_P(UsersRepositoryContract, AnotherUsersAddressCannotBeUpdatedOrDeleted) {
    Insert(NewUser("usr_1", "ada@example.com"));
    Insert(NewUser("usr_2", "bob@example.com"));
    Insert(NewAddress("adr_1", "usr_1", 100));
    Address stolen = NewAddress("adr_1", "usr_2", 100);
    stolen.city = "Elsewhere";
    EXPECT_EQ(CodeOf(repo_->UpdateAddress(ctx_, stolen)), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->DeleteAddress(ctx_, "usr_2", "adr_1")), core::ErrorCode::kNotFound);
    EXPECT_EQ(repo_->FindAddress(ctx_, "usr_1", "adr_1")->city, "Springfield");

    ASSERT_TRUE(repo_->DeleteAddress(ctx_, "usr_1", "adr_1").ok());
    EXPECT_EQ(CodeOf(repo_->FindAddress(ctx_, "usr_1", "adr_1")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->DeleteAddress(ctx_, "usr_1", "adr_1")), core::ErrorCode::kNotFound);
}

// Writers of one address book run at once (on PostgreSQL, in concurrent transactions): the
// limit and the single default still hold.
TEST_P(UsersRepositoryContract, ConcurrentInsertsNeverOverfillTheAddressBookNorLeaveTwoDefaults) {
    Insert(NewUser("usr_1", "ada@example.com"));
    constexpr int kThreads = 8;
    constexpr int kEach = 3;
    constexpr int kMax = 5;
    std::atomic<int> inserted{0};
    std::atomic<int> full{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                auto address = NewAddress("adr_" + std::to_string(t) + "_" + std::to_string(i), "usr_1", 100 + i,
                                          /*is_default=*/true);
                auto result = repo_->InsertAddress(ctx_, address, kMax);
                if (result.ok()) ++inserted;
                if (CodeOf(result) == core::ErrorCode::kConflict) ++full;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(inserted.load(), kMax);
    EXPECT_EQ(full.load(), kThreads * kEach - kMax);
    auto ids = AddressIds("usr_1");
    EXPECT_EQ(ids.size(), static_cast<size_t>(kMax));
    EXPECT_EQ(std::count_if(ids.begin(), ids.end(), [](const std::string& id) { return id.ends_with('*'); }), 1);
}

TEST_P(UsersRepositoryContract, ConcurrentDefaultChangesLeaveOneDefault) {
    Insert(NewUser("usr_1", "ada@example.com"));
    constexpr int kAddresses = 8;
    for (int i = 0; i < kAddresses; ++i) Insert(NewAddress("adr_" + std::to_string(i), "usr_1", 100 + i));
    // Bursts of every address made the default at once; a burst that left two shows in the
    // list after it (a later one would clear them).
    for (int burst = 0; burst < 5; ++burst) {
        std::atomic<int> failed{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kAddresses; ++i)
            threads.emplace_back([&, i] {
                auto address = NewAddress("adr_" + std::to_string(i), "usr_1", 0, /*is_default=*/true);
                address.updated_at = 200 + burst;
                if (!repo_->UpdateAddress(ctx_, address).ok()) ++failed;
            });
        for (auto& thread : threads) thread.join();
        EXPECT_EQ(failed.load(), 0);
        auto ids = AddressIds("usr_1");
        EXPECT_EQ(ids.size(), static_cast<size_t>(kAddresses));
        EXPECT_EQ(std::count_if(ids.begin(), ids.end(), [](const std::string& id) { return id.ends_with('*'); }), 1)
            << "after burst " << burst;
    }
}

TEST_P(UsersRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto inserted = repo_->InsertUser(expired, NewUser("usr_1", "ada@example.com"));
    ASSERT_FALSE(inserted.ok());
    EXPECT_EQ(CodeOf(inserted), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->FindUserById(ctx_, "usr_1")), core::ErrorCode::kNotFound);
    Insert(NewUser("usr_1", "ada@example.com"));
    EXPECT_EQ(CodeOf(repo_->FindUserById(expired, "usr_1")), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->UpdateUserName(expired, "usr_1", "Late", 2000)), core::ErrorCode::kUnavailable);
    EXPECT_EQ(repo_->FindUserById(ctx_, "usr_1")->user.name, "Name of usr_1");
}

INSTANTIATE_TEST_SUITE_P(Adapters, UsersRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<UsersAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::users
