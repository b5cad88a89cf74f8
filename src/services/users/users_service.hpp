#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::users {

struct User {
    std::string id;
    std::string email;
    std::string name;
    core::Role role = core::Role::kCustomer;
    int64_t created_at = 0;
};

struct SignupRequest {
    std::string email;
    std::string password;
    std::string name;
};

struct Session {
    std::string token;  // shown once, at login; the server keeps only its SHA-256
    int64_t expires_at = 0;
    User user;
};

// Every field optional so one type serves create (service checks required ones) and update.
struct AddressInput {
    std::optional<std::string> name, line1, line2, city, region, postal_code, country, phone;
    std::optional<bool> is_default;

    bool Empty() const {
        return !name && !line1 && !line2 && !city && !region && !postal_code && !country && !phone && !is_default;
    }
};

struct Address {
    std::string id;
    std::string user_id;
    std::string name, line1, line2, city, region, postal_code, country, phone;
    bool is_default = false;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

inline constexpr int kMaxAddressesPerUser = 20;

// What an operator's list of accounts is narrowed to; an absent field does not narrow.
struct UserFilter {
    std::string email_contains;  // lower-case; empty: any
    std::optional<core::Role> role;
};

struct UserPage {
    std::vector<User> items;
    std::optional<std::string> next_cursor;
};

// The users service: accounts, argon2id credentials, sessions and address books.
// Every method is blocking (database, hashing): call it from the blocking pool.
// Thread-safe. Errors: kInvalidArgument with field errors for bad values, kConflict for a
// taken email, kUnauthenticated for bad credentials or tokens, kNotFound for an id that
// does not exist or belongs to someone else (never revealing which).
class UsersService {
  public:
    virtual ~UsersService() = default;

    // Creates a customer account. The email is trimmed and lower-cased.
    virtual core::Result<User> Signup(const core::RequestContext& ctx, const SignupRequest& request) = 0;
    // Creates an admin account, or promotes an existing one (the password is then reset).
    virtual core::Result<User> CreateAdmin(const core::RequestContext& ctx, const SignupRequest& request) = 0;

    // Verifies email + password and opens a session. Wrong email and wrong password give
    // the same kUnauthenticated error.
    virtual core::Result<Session> Login(const core::RequestContext& ctx, std::string_view email,
                                        std::string_view password) = 0;
    // Resolves a bearer token to its user; kUnauthenticated if unknown, expired or revoked.
    virtual core::Result<core::Principal> Authenticate(const core::RequestContext& ctx, std::string_view token) = 0;
    // Revokes the session the request authenticated with.
    virtual core::Result<void> Logout(const core::RequestContext& ctx) = 0;

    virtual core::Result<User> GetMe(const core::RequestContext& ctx) = 0;
    // System read (notifications): any user by id.
    virtual core::Result<User> GetUser(const core::RequestContext& ctx, std::string_view user_id) = 0;
    virtual core::Result<User> UpdateMe(const core::RequestContext& ctx, std::optional<std::string> name) = 0;

    // Operator reads (the router admits admins only): accounts newest first (created_at,
    // then id) in cursor pages. Never password hashes or tokens.
    virtual core::Result<UserPage> ListUsers(const core::RequestContext& ctx, const UserFilter& filter, int limit,
                                             std::string_view cursor) = 0;
    // An operator (ctx.principal) grants or withdraws the admin role; the change is recorded
    // with who made it and when. It applies to the user's open sessions (not ended). A repeat
    // changes nothing. kConflict when operators would withdraw their own admin role (so the
    // shop never loses its last admin by accident); kNotFound for an unknown user.
    virtual core::Result<User> SetRole(const core::RequestContext& ctx, std::string_view user_id, core::Role role) = 0;

    // Address book of the authenticated user (ctx.principal); at most kMaxAddressesPerUser.
    virtual core::Result<std::vector<Address>> ListAddresses(const core::RequestContext& ctx) = 0;
    virtual core::Result<Address> CreateAddress(const core::RequestContext& ctx, const AddressInput& input) = 0;
    virtual core::Result<Address> GetAddress(const core::RequestContext& ctx, std::string_view address_id) = 0;
    virtual core::Result<Address> UpdateAddress(const core::RequestContext& ctx, std::string_view address_id,
                                                const AddressInput& input) = 0;
    virtual core::Result<void> DeleteAddress(const core::RequestContext& ctx, std::string_view address_id) = 0;
};

}  // namespace emporium::users
