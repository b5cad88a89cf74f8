#pragma once

#include "infra/sqlite/database.hpp"
#include "services/users/users_repository.hpp"

namespace emporium::users {

// UsersRepository over the SQLite database "users" (schemas/sqlite/users).
class SqliteUsersRepository final : public UsersRepository {
  public:
    explicit SqliteUsersRepository(infra::sqlite::Database& db) : db_(db) {}

    core::Result<void> InsertUser(const core::RequestContext& ctx, const UserRecord& record) override;
    core::Result<UserRecord> FindUserByEmail(const core::RequestContext& ctx, std::string_view email) override;
    core::Result<UserRecord> FindUserById(const core::RequestContext& ctx, std::string_view id) override;
    core::Result<void> UpdateUserName(const core::RequestContext& ctx, std::string_view id, std::string_view name,
                                      int64_t now) override;
    core::Result<void> UpdateRoleAndPassword(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                             std::string_view password_hash, int64_t now) override;
    core::Result<void> UpdateRole(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                  std::string_view changed_by, int64_t now) override;
    core::Result<std::vector<User>> ListUsers(const core::RequestContext& ctx, const UserFilter& filter,
                                              const std::optional<core::TimeIdCursor>& after, int limit) override;
    core::Result<void> InsertSession(const core::RequestContext& ctx, const SessionRecord& record) override;
    core::Result<SessionRecord> FindSession(const core::RequestContext& ctx, std::string_view token_hash) override;
    core::Result<void> RevokeSession(const core::RequestContext& ctx, std::string_view token_hash,
                                     int64_t now) override;
    core::Result<void> RevokeUserSessions(const core::RequestContext& ctx, std::string_view user_id,
                                          int64_t now) override;
    core::Result<std::vector<Address>> ListAddresses(const core::RequestContext& ctx,
                                                     std::string_view user_id) override;
    core::Result<Address> FindAddress(const core::RequestContext& ctx, std::string_view user_id,
                                      std::string_view address_id) override;
    core::Result<void> InsertAddress(const core::RequestContext& ctx, const Address& address,
                                     int max_per_user) override;
    core::Result<void> UpdateAddress(const core::RequestContext& ctx, const Address& address) override;
    core::Result<void> DeleteAddress(const core::RequestContext& ctx, std::string_view user_id,
                                     std::string_view address_id) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::users
