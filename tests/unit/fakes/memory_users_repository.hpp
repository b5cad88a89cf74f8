#pragma once

// An in-memory UsersRepository for unit tests (LevelDB's NewMemEnv idea): plain maps under
// one mutex, behaving as SqliteUsersRepository does, an expired deadline refused included.

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/deadline.hpp"
#include "services/users/users_repository.hpp"

namespace emporium::users {

class MemoryUsersRepository final : public UsersRepository {
  public:
    core::Result<void> InsertUser(const core::RequestContext& ctx, const UserRecord& record) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        if (users_.contains(record.user.id) || FindByEmail(record.user.email) != users_.end())
            return core::Error::Conflict("user id or email taken");
        users_.emplace(record.user.id, record);
        return core::Ok();
    }
    core::Result<UserRecord> FindUserByEmail(const core::RequestContext& ctx, std::string_view email) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = FindByEmail(email);
        if (it == users_.end()) return core::Error::NotFound("No such user.");
        return it->second;
    }
    core::Result<UserRecord> FindUserById(const core::RequestContext& ctx, std::string_view id) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = users_.find(id);
        if (it == users_.end()) return core::Error::NotFound("No such user.");
        return it->second;
    }
    core::Result<void> UpdateUserName(const core::RequestContext& ctx, std::string_view id, std::string_view name,
                                      int64_t) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = users_.find(id);
        if (it == users_.end()) return core::Error::NotFound("No such user.");
        it->second.user.name = std::string(name);
        return core::Ok();
    }
    core::Result<void> UpdateRoleAndPassword(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                             std::string_view password_hash, int64_t) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = users_.find(id);
        if (it == users_.end()) return core::Error::NotFound("No such user.");
        it->second.user.role = role;
        it->second.password_hash = std::string(password_hash);
        return core::Ok();
    }

    core::Result<void> UpdateRole(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                  std::string_view changed_by, int64_t now) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = users_.find(id);
        if (it == users_.end()) return core::Error::NotFound("No such user.");
        it->second.user.role = role;
        role_changes_.push_back({std::string(id), role, std::string(changed_by), now});
        return core::Ok();
    }

    core::Result<std::vector<User>> ListUsers(const core::RequestContext& ctx, const UserFilter& filter,
                                              const std::optional<core::TimeIdCursor>& after, int limit) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<User> users;
        for (const auto& [id, record] : users_) {
            const User& u = record.user;
            if ((!filter.email_contains.empty() && u.email.find(filter.email_contains) == std::string::npos) ||
                (filter.role && u.role != *filter.role) ||
                (after && (u.created_at > after->time || (u.created_at == after->time && u.id >= after->id))))
                continue;
            users.push_back(u);
        }
        std::sort(users.begin(), users.end(), [](const User& a, const User& b) {
            return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
        });
        if (users.size() > static_cast<std::size_t>(limit)) users.resize(static_cast<std::size_t>(limit));
        return users;
    }

    struct RoleChange {
        std::string user_id;
        core::Role role = core::Role::kCustomer;
        std::string changed_by;
        int64_t at = 0;
    };
    std::vector<RoleChange> role_changes_;  // what UpdateRole recorded, for tests to read

    core::Result<void> InsertSession(const core::RequestContext& ctx, const SessionRecord& record) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        if (sessions_.contains(record.token_hash)) return core::Error::Conflict("session token taken");
        // As the foreign key does in SQLite: a session of an unknown user is an internal error.
        if (!users_.contains(record.user_id)) return core::Error::Internal("session of an unknown user");
        SessionRecord stored = record;
        stored.revoked_at.reset();  // the adapter inserts sessions open
        sessions_.emplace(record.token_hash, std::move(stored));
        return core::Ok();
    }
    core::Result<SessionRecord> FindSession(const core::RequestContext& ctx, std::string_view token_hash) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(token_hash);
        if (it == sessions_.end()) return core::Error::NotFound("No such session.");
        SessionRecord record = it->second;
        record.role = users_.find(record.user_id)->second.user.role;
        return record;
    }
    // Like the adapter: revoking an unknown or already revoked session is a no-op, not kNotFound.
    core::Result<void> RevokeSession(const core::RequestContext& ctx, std::string_view token_hash,
                                     int64_t now) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(token_hash);
        if (it != sessions_.end() && !it->second.revoked_at) it->second.revoked_at = now;
        return core::Ok();
    }
    core::Result<void> RevokeUserSessions(const core::RequestContext& ctx, std::string_view user_id,
                                          int64_t now) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        for (auto& [token, session] : sessions_)
            if (session.user_id == user_id && !session.revoked_at) session.revoked_at = now;
        return core::Ok();
    }

    // By created_at, then insertion order.
    core::Result<std::vector<Address>> ListAddresses(const core::RequestContext& ctx,
                                                     std::string_view user_id) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<Address> out;
        for (const auto& address : addresses_)
            if (address.user_id == user_id) out.push_back(address);
        std::stable_sort(out.begin(), out.end(),
                         [](const Address& a, const Address& b) { return a.created_at < b.created_at; });
        return out;
    }
    core::Result<Address> FindAddress(const core::RequestContext& ctx, std::string_view user_id,
                                      std::string_view address_id) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = FindOwned(user_id, address_id);
        if (it == addresses_.end()) return core::Error::NotFound("No such address.");
        return *it;
    }
    core::Result<void> InsertAddress(const core::RequestContext& ctx, const Address& address,
                                     int max_per_user) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto count = std::count_if(addresses_.begin(), addresses_.end(),
                                   [&](const Address& a) { return a.user_id == address.user_id; });
        if (count >= max_per_user) return core::Error::Conflict("address book full");
        if (std::any_of(addresses_.begin(), addresses_.end(), [&](const Address& a) { return a.id == address.id; }))
            return core::Error::Conflict("address id taken");
        if (!users_.contains(address.user_id)) return core::Error::Internal("address of an unknown user");
        addresses_.push_back(address);
        if (address.is_default) ClearOtherDefaults(address);
        return core::Ok();
    }
    // Replaces every field but created_at of the address `address.id` of `address.user_id`.
    core::Result<void> UpdateAddress(const core::RequestContext& ctx, const Address& address) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = FindOwned(address.user_id, address.id);
        if (it == addresses_.end()) return core::Error::NotFound("No such address.");
        int64_t created_at = it->created_at;
        *it = address;
        it->created_at = created_at;
        if (address.is_default) ClearOtherDefaults(address);
        return core::Ok();
    }
    core::Result<void> DeleteAddress(const core::RequestContext& ctx, std::string_view user_id,
                                     std::string_view address_id) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = FindOwned(user_id, address_id);
        if (it == addresses_.end()) return core::Error::NotFound("No such address.");
        addresses_.erase(it);
        return core::Ok();
    }

  private:
    using Users = std::map<std::string, UserRecord, std::less<>>;

    Users::iterator FindByEmail(std::string_view email) {
        return std::find_if(users_.begin(), users_.end(),
                            [&](const auto& entry) { return entry.second.user.email == email; });
    }
    std::vector<Address>::iterator FindOwned(std::string_view user_id, std::string_view address_id) {
        return std::find_if(addresses_.begin(), addresses_.end(),
                            [&](const Address& a) { return a.user_id == user_id && a.id == address_id; });
    }
    void ClearOtherDefaults(const Address& address) {
        for (auto& other : addresses_)
            if (other.user_id == address.user_id && other.id != address.id) other.is_default = false;
    }

    std::mutex mutex_;
    Users users_;                                                 // by id
    std::map<std::string, SessionRecord, std::less<>> sessions_;  // by token hash
    std::vector<Address> addresses_;                              // in insertion order
};

}  // namespace emporium::users
