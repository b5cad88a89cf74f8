#pragma once

#include "core/clock.hpp"
#include "services/users/login_guard.hpp"
#include "services/users/password_hasher.hpp"
#include "services/users/users_repository.hpp"
#include "services/users/users_service.hpp"

namespace emporium::users {

struct UsersSettings {
    int64_t session_ttl_seconds = 30 * 24 * 3600;
};

// Validation rules, exposed for unit tests.
// Trims and lower-cases; returns the normalised email or an error message.
core::Result<std::string> NormalizeEmail(std::string_view email);
// Empty when acceptable, else why not.
std::string CheckPassword(std::string_view password, std::string_view normalized_email);

class UsersServiceImpl final : public UsersService {
  public:
    // `guard` (may be null): failed-login limits.
    UsersServiceImpl(UsersRepository& repository, PasswordHasher hasher, const core::Clock& clock,
                     UsersSettings settings, LoginGuard* guard = nullptr)
        : repository_(repository), hasher_(std::move(hasher)), clock_(clock), settings_(settings), guard_(guard) {}

    const PasswordHasher& hasher() const { return hasher_; }

    core::Result<User> Signup(const core::RequestContext& ctx, const SignupRequest& request) override;
    core::Result<User> CreateAdmin(const core::RequestContext& ctx, const SignupRequest& request) override;
    core::Result<Session> Login(const core::RequestContext& ctx, std::string_view email,
                                std::string_view password) override;
    core::Result<core::Principal> Authenticate(const core::RequestContext& ctx, std::string_view token) override;
    core::Result<void> Logout(const core::RequestContext& ctx) override;
    core::Result<User> GetMe(const core::RequestContext& ctx) override;
    core::Result<User> GetUser(const core::RequestContext& ctx, std::string_view user_id) override;
    core::Result<User> UpdateMe(const core::RequestContext& ctx, std::optional<std::string> name) override;
    core::Result<UserPage> ListUsers(const core::RequestContext& ctx, const UserFilter& filter, int limit,
                                     std::string_view cursor) override;
    core::Result<User> SetRole(const core::RequestContext& ctx, std::string_view user_id, core::Role role) override;
    core::Result<std::vector<Address>> ListAddresses(const core::RequestContext& ctx) override;
    core::Result<Address> CreateAddress(const core::RequestContext& ctx, const AddressInput& input) override;
    core::Result<Address> GetAddress(const core::RequestContext& ctx, std::string_view address_id) override;
    core::Result<Address> UpdateAddress(const core::RequestContext& ctx, std::string_view address_id,
                                        const AddressInput& input) override;
    core::Result<void> DeleteAddress(const core::RequestContext& ctx, std::string_view address_id) override;

  private:
    core::Result<User> CreateAccount(const core::RequestContext& ctx, const SignupRequest& request, core::Role role,
                                     bool promote_existing);
    static core::Result<std::string> UserId(const core::RequestContext& ctx);

    UsersRepository& repository_;
    PasswordHasher hasher_;
    const core::Clock& clock_;
    UsersSettings settings_;
    LoginGuard* guard_;
};

}  // namespace emporium::users
