#pragma once

// Both SQL adapters of the users service (SQLite and PostgreSQL) decode and encode the same
// records: the row decoders and the role column's names live here once, so that the two
// adapters cannot drift apart. Templates over the row type: infra::sqlite::Statement and
// infra::postgres::Row read columns alike.

#include <string_view>

#include "services/users/users_repository.hpp"

namespace emporium::users {

// The role column's values.
inline const char* RoleName(core::Role role) { return role == core::Role::kAdmin ? "admin" : "customer"; }
inline core::Role ParseRole(std::string_view text) {
    return text == "admin" ? core::Role::kAdmin : core::Role::kCustomer;
}

// Columns: id, email, name, role, created_at, password_hash.
template <typename Row>
UserRecord ReadUser(const Row& row) {
    UserRecord record;
    record.user.id = row.String(0);
    record.user.email = row.String(1);
    record.user.name = row.String(2);
    record.user.role = ParseRole(row.Text(3));
    record.user.created_at = row.Int(4);
    record.password_hash = row.String(5);
    return record;
}

// Columns: user_id, created_at, expires_at, revoked_at, the user's role; the token hash is
// the key the session was looked up by.
template <typename Row>
SessionRecord ReadSession(const Row& row, std::string_view token_hash) {
    SessionRecord record;
    record.token_hash = std::string(token_hash);
    record.user_id = row.String(0);
    record.created_at = row.Int(1);
    record.expires_at = row.Int(2);
    if (!row.IsNull(3)) record.revoked_at = row.Int(3);
    record.role = ParseRole(row.Text(4));
    return record;
}

// Columns: id, user_id, name, line1, line2, city, region, postal_code, country, phone,
// is_default, created_at, updated_at.
template <typename Row>
Address ReadAddress(const Row& row) {
    Address a;
    a.id = row.String(0);
    a.user_id = row.String(1);
    a.name = row.String(2);
    a.line1 = row.String(3);
    a.line2 = row.String(4);
    a.city = row.String(5);
    a.region = row.String(6);
    a.postal_code = row.String(7);
    a.country = row.String(8);
    a.phone = row.String(9);
    // PostgreSQL has a boolean type; SQLite stores the flag as 0 or 1.
    if constexpr (requires { row.Bool(10); })
        a.is_default = row.Bool(10);
    else
        a.is_default = row.Int(10) != 0;
    a.created_at = row.Int(11);
    a.updated_at = row.Int(12);
    return a;
}

}  // namespace emporium::users
