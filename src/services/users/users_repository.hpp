#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cursor.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/users/users_service.hpp"

namespace emporium::users {

struct UserRecord {
    User user;
    std::string password_hash;
};

struct SessionRecord {
    std::string token_hash;
    std::string user_id;
    int64_t created_at = 0;
    int64_t expires_at = 0;
    std::optional<int64_t> revoked_at;
    core::Role role = core::Role::kCustomer;  // filled by FindSession (joined from users)
};

// Storage port of the users service. One adapter per backend (storage/). Methods
// block; thread-safe. kNotFound when a row does not exist, kConflict on a unique key.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class UsersRepository {
  public:
    virtual ~UsersRepository() = default;

    virtual core::Result<void> InsertUser(const core::RequestContext& ctx, const UserRecord& record) = 0;
    virtual core::Result<UserRecord> FindUserByEmail(const core::RequestContext& ctx, std::string_view email) = 0;
    virtual core::Result<UserRecord> FindUserById(const core::RequestContext& ctx, std::string_view id) = 0;
    virtual core::Result<void> UpdateUserName(const core::RequestContext& ctx, std::string_view id,
                                              std::string_view name, int64_t now) = 0;
    // Sets role and password of an existing user (admin promotion).
    virtual core::Result<void> UpdateRoleAndPassword(const core::RequestContext& ctx, std::string_view id,
                                                     core::Role role, std::string_view password_hash, int64_t now) = 0;
    // Sets the role and records the change (who, when) in one transaction. kNotFound if no user.
    virtual core::Result<void> UpdateRole(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                          std::string_view changed_by, int64_t now) = 0;
    // Accounts matching `filter`, newest first by (created_at, id), strictly after `after` in
    // that order when given; at most `limit`.
    virtual core::Result<std::vector<User>> ListUsers(const core::RequestContext& ctx, const UserFilter& filter,
                                                      const std::optional<core::TimeIdCursor>& after, int limit) = 0;

    virtual core::Result<void> InsertSession(const core::RequestContext& ctx, const SessionRecord& record) = 0;
    virtual core::Result<SessionRecord> FindSession(const core::RequestContext& ctx, std::string_view token_hash) = 0;
    virtual core::Result<void> RevokeSession(const core::RequestContext& ctx, std::string_view token_hash,
                                             int64_t now) = 0;
    // Revokes every open session of a user (after a password reset).
    virtual core::Result<void> RevokeUserSessions(const core::RequestContext& ctx, std::string_view user_id,
                                                  int64_t now) = 0;

    virtual core::Result<std::vector<Address>> ListAddresses(const core::RequestContext& ctx,
                                                             std::string_view user_id) = 0;
    // kNotFound unless the address exists AND belongs to `user_id`.
    virtual core::Result<Address> FindAddress(const core::RequestContext& ctx, std::string_view user_id,
                                              std::string_view address_id) = 0;
    // Inserts atomically with the per-user limit check (kConflict when full) and, when the
    // new address is the default, clears the flag on the others.
    virtual core::Result<void> InsertAddress(const core::RequestContext& ctx, const Address& address,
                                             int max_per_user) = 0;
    virtual core::Result<void> UpdateAddress(const core::RequestContext& ctx, const Address& address) = 0;
    virtual core::Result<void> DeleteAddress(const core::RequestContext& ctx, std::string_view user_id,
                                             std::string_view address_id) = 0;
};

}  // namespace emporium::users
