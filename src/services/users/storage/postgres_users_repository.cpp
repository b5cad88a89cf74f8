#include "services/users/storage/postgres_users_repository.hpp"

#include "core/deadline.hpp"
#include "services/users/storage/users_rows.hpp"

namespace emporium::users {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;

namespace {

// Named statements: one constant per query.
constexpr std::string_view kInsertUser =
    "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
    "$6)";
constexpr std::string_view kSelectUserByEmail =
    "SELECT id, email, name, role, created_at, password_hash FROM users WHERE email = $1";
constexpr std::string_view kSelectUserById =
    "SELECT id, email, name, role, created_at, password_hash FROM users WHERE id = $1";
constexpr std::string_view kUpdateUserName = "UPDATE users SET name = $2, updated_at = $3 WHERE id = $1";
constexpr std::string_view kUpdateRoleAndPassword =
    "UPDATE users SET role = $2, password_hash = $3, updated_at = $4 WHERE id = $1";
constexpr std::string_view kUpdateRole = "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1";
constexpr std::string_view kInsertRoleChange =
    "INSERT INTO role_changes (user_id, role, changed_by, at) VALUES ($1, $2, $3, $4)";
// The hash column is answered empty: an operator's list never carries one out of the database.
constexpr std::string_view kSelectUsers =
    "SELECT id, email, name, role, created_at, '' FROM users WHERE ($1 = '' OR strpos(email, $1) > 0) "
    "AND ($2 = '' OR role = $2) AND (created_at, id) < ($3, $4) ORDER BY created_at DESC, id DESC LIMIT $5";
// Serializes the writers of one user's address book. NO KEY UPDATE (what an UPDATE of the
// row takes) rather than UPDATE: inserting a session checks its foreign key with a key-share
// lock on the same row, and a login has no reason to wait for an address book.
constexpr std::string_view kLockUser = "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kSelectSession =
    "SELECT s.user_id, s.created_at, s.expires_at, s.revoked_at, u.role FROM sessions s "
    "JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";
constexpr std::string_view kRevokeSession =
    "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeUserSessions =
    "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL";
constexpr std::string_view kSelectAddresses =
    "SELECT id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at, "
    "updated_at FROM addresses WHERE user_id = $1 ORDER BY created_at, seq";
constexpr std::string_view kSelectAddress =
    "SELECT id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at, "
    "updated_at FROM addresses WHERE user_id = $1 AND id = $2";
constexpr std::string_view kCountAddresses = "SELECT COUNT(*) FROM addresses WHERE user_id = $1";
constexpr std::string_view kClearDefaultAddress =
    "UPDATE addresses SET is_default = FALSE WHERE user_id = $1 AND id <> $2 AND is_default";
constexpr std::string_view kInsertAddress =
    "INSERT INTO addresses (id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
constexpr std::string_view kUpdateAddress =
    "UPDATE addresses SET name = $3, line1 = $4, line2 = $5, city = $6, region = $7, postal_code = $8, "
    "country = $9, phone = $10, is_default = $11, updated_at = $12 WHERE user_id = $2 AND id = $1";
constexpr std::string_view kDeleteAddress = "DELETE FROM addresses WHERE user_id = $1 AND id = $2";

// The address's fields in the order of kInsertAddress, created_at left out for kUpdateAddress
// (an update keeps the address's creation time).
Params AddressParams(const Address& a, bool with_created_at) {
    Params params(a.id, a.user_id, a.name, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, a.phone,
                  a.is_default);
    if (with_created_at) params.Add(a.created_at);
    params.Add(a.updated_at);
    return params;
}

Result<UserRecord> FindUser(const core::RequestContext& ctx, infra::postgres::Database& db, std::string_view sql,
                            std::string_view key) {
    return db.Read<UserRecord>(ctx, [&](Connection& c) -> Result<UserRecord> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(sql, Params(key)));
        if (rows.empty()) return Error::NotFound("No such user.");
        return ReadUser(rows[0]);
    });
}

// Runs one UPDATE/DELETE in a write job; kNotFound when it touched no row.
Result<void> WriteOne(const core::RequestContext& ctx, infra::postgres::Database& db, std::string_view sql,
                      const Params& params, std::string not_found_message) {
    return db.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t changed, c.Exec(sql, params));
        if (changed == 0) return Error::NotFound(not_found_message);
        return core::Ok();
    });
}

// Runs statements whose only outcome of interest is success: they ride with the COMMIT.
Result<void> WriteQueued(const core::RequestContext& ctx, infra::postgres::Database& db, std::string_view sql,
                         const Params& params) {
    return db.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        c.Queue(sql, params);
        return core::Ok();
    });
}

}  // namespace

Result<void> PostgresUsersRepository::InsertUser(const core::RequestContext& ctx, const UserRecord& r) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteQueued(
        ctx, db_, kInsertUser,
        Params(r.user.id, r.user.email, r.password_hash, r.user.name, RoleName(r.user.role), r.user.created_at));
}

Result<UserRecord> PostgresUsersRepository::FindUserByEmail(const core::RequestContext& ctx, std::string_view email) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return FindUser(ctx, db_, kSelectUserByEmail, email);
}

Result<UserRecord> PostgresUsersRepository::FindUserById(const core::RequestContext& ctx, std::string_view id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return FindUser(ctx, db_, kSelectUserById, id);
}

Result<void> PostgresUsersRepository::UpdateUserName(const core::RequestContext& ctx, std::string_view id,
                                                     std::string_view name, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteOne(ctx, db_, kUpdateUserName, Params(id, name, now), "No such user.");
}

Result<void> PostgresUsersRepository::UpdateRoleAndPassword(const core::RequestContext& ctx, std::string_view id,
                                                            core::Role role, std::string_view password_hash,
                                                            int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteOne(ctx, db_, kUpdateRoleAndPassword, Params(id, RoleName(role), password_hash, now), "No such user.");
}

Result<void> PostgresUsersRepository::UpdateRole(const core::RequestContext& ctx, std::string_view id, core::Role role,
                                                 std::string_view changed_by, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t changed, c.Exec(kUpdateRole, Params(id, RoleName(role), now)));
        if (changed == 0) return Error::NotFound("No such user.");
        c.Queue(kInsertRoleChange, Params(id, RoleName(role), changed_by, now));
        return core::Ok();
    });
}

Result<std::vector<User>> PostgresUsersRepository::ListUsers(const core::RequestContext& ctx, const UserFilter& filter,
                                                             const std::optional<core::TimeIdCursor>& after,
                                                             int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<User>>(ctx, [&](Connection& c) -> Result<std::vector<User>> {
        Params params(filter.email_contains, filter.role ? RoleName(*filter.role) : "", after ? after->time : INT64_MAX,
                      after ? after->id : std::string("~"), limit);
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectUsers, std::move(params)));
        std::vector<User> users;
        users.reserve(static_cast<std::size_t>(rows.size()));
        for (int i = 0; i < rows.size(); ++i) users.push_back(ReadUser(rows[i]).user);
        return users;
    });
}

Result<void> PostgresUsersRepository::InsertSession(const core::RequestContext& ctx, const SessionRecord& r) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteQueued(ctx, db_, kInsertSession, Params(r.token_hash, r.user_id, r.created_at, r.expires_at));
}

Result<SessionRecord> PostgresUsersRepository::FindSession(const core::RequestContext& ctx,
                                                           std::string_view token_hash) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<SessionRecord>(ctx, [&](Connection& c) -> Result<SessionRecord> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectSession, Params(token_hash)));
        if (rows.empty()) return Error::NotFound("No such session.");
        return ReadSession(rows[0], token_hash);
    });
}

Result<void> PostgresUsersRepository::RevokeSession(const core::RequestContext& ctx, std::string_view token_hash,
                                                    int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteQueued(ctx, db_, kRevokeSession, Params(token_hash, now));
}

Result<void> PostgresUsersRepository::RevokeUserSessions(const core::RequestContext& ctx, std::string_view user_id,
                                                         int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteQueued(ctx, db_, kRevokeUserSessions, Params(user_id, now));
}

Result<std::vector<Address>> PostgresUsersRepository::ListAddresses(const core::RequestContext& ctx,
                                                                    std::string_view user_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<Address>>(ctx, [&](Connection& c) -> Result<std::vector<Address>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectAddresses, Params(user_id)));
        std::vector<Address> out;
        out.reserve(rows.size());
        for (int i = 0; i < rows.size(); ++i) out.push_back(ReadAddress(rows[i]));
        return out;
    });
}

Result<Address> PostgresUsersRepository::FindAddress(const core::RequestContext& ctx, std::string_view user_id,
                                                     std::string_view address_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Address>(ctx, [&](Connection& c) -> Result<Address> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectAddress, Params(user_id, address_id)));
        if (rows.empty()) return Error::NotFound("No such address.");
        return ReadAddress(rows[0]);
    });
}

Result<void> PostgresUsersRepository::InsertAddress(const core::RequestContext& ctx, const Address& address,
                                                    int max_per_user) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        // The count is its own statement after the lock, so it sees every address a writer
        // that held the lock before us committed (a statement's snapshot is taken when it
        // starts). Both go in one round trip. An unknown user locks nothing and its insert
        // fails on the foreign key.
        c.Queue(kLockUser, Params(address.user_id));
        EMPORIUM_ASSIGN_OR_RETURN(auto count, c.Query(kCountAddresses, Params(address.user_id)));
        if (count[0].Int(0) >= max_per_user) return Error::Conflict("address book full");
        c.Queue(kInsertAddress, AddressParams(address, /*with_created_at=*/true));
        if (address.is_default) c.Queue(kClearDefaultAddress, Params(address.user_id, address.id));
        return core::Ok();
    });
}

Result<void> PostgresUsersRepository::UpdateAddress(const core::RequestContext& ctx, const Address& address) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        // Two writers making different addresses the default would each clear the others as
        // their snapshots show them (not yet the default) and leave two: they take turns.
        if (address.is_default) c.Queue(kLockUser, Params(address.user_id));
        EMPORIUM_ASSIGN_OR_RETURN(int64_t changed,
                                  c.Exec(kUpdateAddress, AddressParams(address, /*with_created_at=*/false)));
        if (changed == 0) return Error::NotFound("No such address.");
        if (address.is_default) c.Queue(kClearDefaultAddress, Params(address.user_id, address.id));
        return core::Ok();
    });
}

Result<void> PostgresUsersRepository::DeleteAddress(const core::RequestContext& ctx, std::string_view user_id,
                                                    std::string_view address_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WriteOne(ctx, db_, kDeleteAddress, Params(user_id, address_id), "No such address.");
}

}  // namespace emporium::users
