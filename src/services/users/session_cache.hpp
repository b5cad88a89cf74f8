#pragma once

#include <chrono>
#include <cstddef>

#include "cache/lru_cache.hpp"
#include "core/clock.hpp"
#include "observability/metrics.hpp"
#include "services/users/users_service.hpp"

namespace emporium::users {

struct SessionCacheSettings {
    // How long a resolved session is trusted without asking the database again: the bound
    // on how late a logout or revocation made by *another* process takes effect here. The
    // process that revokes a session drops it from its own cache at once.
    std::chrono::milliseconds ttl{5'000};
    std::size_t max_bytes = 16 << 20;  // about 100 k sessions
};

// The users service with bearer tokens resolved from a bounded in-process cache, so a
// signed-in request does not read the users database (a write-through decorator: every
// other call goes to the wrapped service). Only tokens that resolved are cached — an
// unknown token always asks the database, so guessing cannot fill the cache. Entries live
// `ttl`, never past the session's own expiry. Thread-safe.
class UsersServiceWithSessionCache final : public UsersService {
  public:
    UsersServiceWithSessionCache(UsersService& inner, SessionCacheSettings settings, const core::Clock& clock);

    core::Result<core::Principal> Authenticate(const core::RequestContext& ctx, std::string_view token) override;
    // These end sessions: the cache forgets them before answering.
    core::Result<void> Logout(const core::RequestContext& ctx) override;
    core::Result<User> CreateAdmin(const core::RequestContext& ctx, const SignupRequest& request) override;
    // A cached principal carries its role: the new role must not wait for the cache's ttl here.
    core::Result<User> SetRole(const core::RequestContext& ctx, std::string_view user_id, core::Role role) override;
    core::Result<UserPage> ListUsers(const core::RequestContext& ctx, const UserFilter& filter, int limit,
                                     std::string_view cursor) override {
        return inner_.ListUsers(ctx, filter, limit, cursor);
    }

    core::Result<User> Signup(const core::RequestContext& ctx, const SignupRequest& request) override {
        return inner_.Signup(ctx, request);
    }
    core::Result<Session> Login(const core::RequestContext& ctx, std::string_view email,
                                std::string_view password) override {
        return inner_.Login(ctx, email, password);
    }
    core::Result<User> GetMe(const core::RequestContext& ctx) override { return inner_.GetMe(ctx); }
    core::Result<User> GetUser(const core::RequestContext& ctx, std::string_view user_id) override {
        return inner_.GetUser(ctx, user_id);
    }
    core::Result<User> UpdateMe(const core::RequestContext& ctx, std::optional<std::string> name) override {
        return inner_.UpdateMe(ctx, std::move(name));
    }
    core::Result<std::vector<Address>> ListAddresses(const core::RequestContext& ctx) override {
        return inner_.ListAddresses(ctx);
    }
    core::Result<Address> CreateAddress(const core::RequestContext& ctx, const AddressInput& input) override {
        return inner_.CreateAddress(ctx, input);
    }
    core::Result<Address> GetAddress(const core::RequestContext& ctx, std::string_view address_id) override {
        return inner_.GetAddress(ctx, address_id);
    }
    core::Result<Address> UpdateAddress(const core::RequestContext& ctx, std::string_view address_id,
                                        const AddressInput& input) override {
        return inner_.UpdateAddress(ctx, address_id, input);
    }
    core::Result<void> DeleteAddress(const core::RequestContext& ctx, std::string_view address_id) override {
        return inner_.DeleteAddress(ctx, address_id);
    }

    // emporium_session_cache_* hits, misses, entries.
    void RenderMetrics(std::string& out) const;

  private:
    UsersService& inner_;
    const core::Clock& clock_;
    cache::LruCache<core::Principal> sessions_;  // by the token's SHA-256
};

}  // namespace emporium::users
