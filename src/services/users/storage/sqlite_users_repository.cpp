#include "services/users/storage/sqlite_users_repository.hpp"

#include "core/deadline.hpp"
#include "services/users/storage/users_rows.hpp"

namespace emporium::users {

using core::Error;
using core::Result;
using infra::sqlite::Connection;
using infra::sqlite::Statement;

namespace {

// Named statements: one constant per query.
constexpr std::string_view kInsertUser =
    "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?6)";
constexpr std::string_view kSelectUserByEmail =
    "SELECT id, email, name, role, created_at, password_hash FROM users WHERE email = ?1";
constexpr std::string_view kSelectUserById =
    "SELECT id, email, name, role, created_at, password_hash FROM users WHERE id = ?1";
constexpr std::string_view kUpdateUserName = "UPDATE users SET name = ?2, updated_at = ?3 WHERE id = ?1";
constexpr std::string_view kUpdateRoleAndPassword =
    "UPDATE users SET role = ?2, password_hash = ?3, updated_at = ?4 WHERE id = ?1";
constexpr std::string_view kUpdateRole = "UPDATE users SET role = ?2, updated_at = ?3 WHERE id = ?1";
constexpr std::string_view kInsertRoleChange =
    "INSERT INTO role_changes (user_id, role, changed_by, at) VALUES (?1, ?2, ?3, ?4)";
// The hash column is answered empty: an operator's list never carries one out of the database.
constexpr std::string_view kSelectUsers =
    "SELECT id, email, name, role, created_at, '' FROM users WHERE (?1 = '' OR instr(email, ?1) > 0) "
    "AND (?2 = '' OR role = ?2) AND created_at <= ?3 AND (created_at < ?3 OR id < ?4) "
    "ORDER BY created_at DESC, id DESC LIMIT ?5";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kSelectSession =
    "SELECT s.user_id, s.created_at, s.expires_at, s.revoked_at, u.role FROM sessions s "
    "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1";
constexpr std::string_view kRevokeSession =
    "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeUserSessions =
    "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL";
constexpr std::string_view kSelectAddresses =
    "SELECT id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at, "
    "updated_at FROM addresses WHERE user_id = ?1 ORDER BY created_at, rowid";
constexpr std::string_view kSelectAddress =
    "SELECT id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at, "
    "updated_at FROM addresses WHERE user_id = ?1 AND id = ?2";
constexpr std::string_view kCountAddresses = "SELECT COUNT(*) FROM addresses WHERE user_id = ?1";
constexpr std::string_view kClearDefaultAddress =
    "UPDATE addresses SET is_default = 0 WHERE user_id = ?1 AND id <> ?2 AND is_default = 1";
constexpr std::string_view kInsertAddress =
    "INSERT INTO addresses (id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr std::string_view kUpdateAddress =
    "UPDATE addresses SET name = ?3, line1 = ?4, line2 = ?5, city = ?6, region = ?7, postal_code = ?8, "
    "country = ?9, phone = ?10, is_default = ?11, updated_at = ?13 WHERE user_id = ?2 AND id = ?1";
constexpr std::string_view kDeleteAddress = "DELETE FROM addresses WHERE user_id = ?1 AND id = ?2";

void BindAddress(Statement& stmt, const Address& a) {
    stmt.Bind(1, a.id).Bind(2, a.user_id).Bind(3, a.name).Bind(4, a.line1).Bind(5, a.line2).Bind(6, a.city);
    stmt.Bind(7, a.region).Bind(8, a.postal_code).Bind(9, a.country).Bind(10, a.phone).Bind(11, a.is_default);
    stmt.Bind(12, a.created_at).Bind(13, a.updated_at);
}

Result<UserRecord> FindUser(infra::sqlite::Database& db, std::string_view sql, std::string_view key) {
    return db.Read<UserRecord>([&](Connection& c) -> Result<UserRecord> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
        stmt.Bind(1, key);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such user.");
        return ReadUser(stmt);
    });
}

// Runs one UPDATE/DELETE in a write job; kNotFound when it touched no row.
Result<void> WriteOne(infra::sqlite::Database& db, std::string_view sql, const std::function<void(Statement&)>& bind,
                      std::string not_found_message) {
    return db.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
        bind(stmt);
        EMPORIUM_TRY(stmt.Run());
        if (c.ChangedRows() == 0) return Error::NotFound(not_found_message);
        return core::Ok();
    });
}

}  // namespace

Result<void> SqliteUsersRepository::InsertUser(const core::RequestContext& ctx, const UserRecord& r) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kInsertUser));
        stmt.Bind(1, r.user.id).Bind(2, r.user.email).Bind(3, r.password_hash).Bind(4, r.user.name);
        stmt.Bind(5, RoleName(r.user.role)).Bind(6, r.user.created_at);
        return stmt.Run();
    });
}

Result<UserRecord> SqliteUsersRepository::FindUserByEmail(const core::RequestContext& ctx, std::string_view email) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return FindUser(db_, kSelectUserByEmail, email);
}

Result<UserRecord> SqliteUsersRepository::FindUserById(const core::RequestContext& ctx, std::string_view id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return FindUser(db_, kSelectUserById, id);
}

Result<void> SqliteUsersRepository::UpdateUserName(const core::RequestContext& ctx, std::string_view id,
                                                   std::string_view name, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteOne(
        db_, kUpdateUserName, [&](Statement& s) { s.Bind(1, id).Bind(2, name).Bind(3, now); }, "No such user.");
}

Result<void> SqliteUsersRepository::UpdateRoleAndPassword(const core::RequestContext& ctx, std::string_view id,
                                                          core::Role role, std::string_view password_hash,
                                                          int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteOne(
        db_, kUpdateRoleAndPassword,
        [&](Statement& s) { s.Bind(1, id).Bind(2, RoleName(role)).Bind(3, password_hash).Bind(4, now); },
        "No such user.");
}

Result<void> SqliteUsersRepository::UpdateRole(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                               std::string_view changed_by, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto update, c.Prepare(kUpdateRole));
        update.Bind(1, id).Bind(2, RoleName(role)).Bind(3, now);
        EMPORIUM_TRY(update.Run());
        if (c.ChangedRows() == 0) return Error::NotFound("No such user.");
        EMPORIUM_ASSIGN_OR_RETURN(auto audit, c.Prepare(kInsertRoleChange));
        audit.Bind(1, id).Bind(2, RoleName(role)).Bind(3, changed_by).Bind(4, now);
        return audit.Run();
    });
}

Result<std::vector<User>> SqliteUsersRepository::ListUsers(const core::RequestContext& ctx, const UserFilter& filter,
                                                           const std::optional<core::TimeIdCursor>& after, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<User>>([&](Connection& c) -> Result<std::vector<User>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectUsers));
        stmt.Bind(1, filter.email_contains).Bind(2, filter.role ? RoleName(*filter.role) : "");
        stmt.Bind(3, after ? after->time : INT64_MAX).Bind(4, after ? after->id : std::string("~")).Bind(5, limit);
        std::vector<User> users;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            users.push_back(ReadUser(stmt).user);
        }
        return users;
    });
}

Result<void> SqliteUsersRepository::InsertSession(const core::RequestContext& ctx, const SessionRecord& r) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kInsertSession));
        stmt.Bind(1, r.token_hash).Bind(2, r.user_id).Bind(3, r.created_at).Bind(4, r.expires_at);
        return stmt.Run();
    });
}

Result<SessionRecord> SqliteUsersRepository::FindSession(const core::RequestContext& ctx, std::string_view token_hash) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<SessionRecord>([&](Connection& c) -> Result<SessionRecord> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectSession));
        stmt.Bind(1, token_hash);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such session.");
        return ReadSession(stmt, token_hash);
    });
}

Result<void> SqliteUsersRepository::RevokeSession(const core::RequestContext& ctx, std::string_view token_hash,
                                                  int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kRevokeSession));
        stmt.Bind(1, token_hash).Bind(2, now);
        return stmt.Run();
    });
}

Result<void> SqliteUsersRepository::RevokeUserSessions(const core::RequestContext& ctx, std::string_view user_id,
                                                       int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kRevokeUserSessions));
        stmt.Bind(1, user_id).Bind(2, now);
        return stmt.Run();
    });
}

Result<std::vector<Address>> SqliteUsersRepository::ListAddresses(const core::RequestContext& ctx,
                                                                  std::string_view user_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<Address>>([&](Connection& c) -> Result<std::vector<Address>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectAddresses));
        stmt.Bind(1, user_id);
        std::vector<Address> out;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            out.push_back(ReadAddress(stmt));
        }
        return out;
    });
}

Result<Address> SqliteUsersRepository::FindAddress(const core::RequestContext& ctx, std::string_view user_id,
                                                   std::string_view address_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Address>([&](Connection& c) -> Result<Address> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectAddress));
        stmt.Bind(1, user_id).Bind(2, address_id);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such address.");
        return ReadAddress(stmt);
    });
}

Result<void> SqliteUsersRepository::InsertAddress(const core::RequestContext& ctx, const Address& address,
                                                  int max_per_user) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        {
            EMPORIUM_ASSIGN_OR_RETURN(auto count, c.Prepare(kCountAddresses));
            count.Bind(1, address.user_id);
            EMPORIUM_TRY(count.Step());
            if (count.Int(0) >= max_per_user) return Error::Conflict("address book full");
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertAddress));
        BindAddress(insert, address);
        EMPORIUM_TRY(insert.Run());
        if (!address.is_default) return core::Ok();
        EMPORIUM_ASSIGN_OR_RETURN(auto clear, c.Prepare(kClearDefaultAddress));
        clear.Bind(1, address.user_id).Bind(2, address.id);
        return clear.Run();
    });
}

Result<void> SqliteUsersRepository::UpdateAddress(const core::RequestContext& ctx, const Address& address) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto update, c.Prepare(kUpdateAddress));
        BindAddress(update, address);
        EMPORIUM_TRY(update.Run());
        if (c.ChangedRows() == 0) return Error::NotFound("No such address.");
        if (!address.is_default) return core::Ok();
        EMPORIUM_ASSIGN_OR_RETURN(auto clear, c.Prepare(kClearDefaultAddress));
        clear.Bind(1, address.user_id).Bind(2, address.id);
        return clear.Run();
    });
}

Result<void> SqliteUsersRepository::DeleteAddress(const core::RequestContext& ctx, std::string_view user_id,
                                                  std::string_view address_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteOne(
        db_, kDeleteAddress, [&](Statement& s) { s.Bind(1, user_id).Bind(2, address_id); }, "No such address.");
}

}  // namespace emporium::users
