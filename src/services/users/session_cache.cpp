#include "services/users/session_cache.hpp"

#include "core/random.hpp"

namespace emporium::users {

UsersServiceWithSessionCache::UsersServiceWithSessionCache(UsersService& inner, SessionCacheSettings settings,
                                                           const core::Clock& clock)
    : inner_(inner), clock_(clock), sessions_(settings.max_bytes, settings.ttl) {}

core::Result<core::Principal> UsersServiceWithSessionCache::Authenticate(const core::RequestContext& ctx,
                                                                         std::string_view token) {
    std::string token_hash = core::Sha256Hex(token);
    if (auto cached = sessions_.Get(token_hash); cached && cached->session_expires_at > clock_.NowSeconds())
        return *cached;
    uint64_t generation = sessions_.Generation();
    auto principal = inner_.Authenticate(ctx, token);
    if (principal.ok() && principal->token_hash == token_hash) {
        std::size_t bytes = sizeof(core::Principal) + principal->user_id.size() + principal->token_hash.size();
        sessions_.Put(token_hash, std::make_shared<const core::Principal>(*principal), bytes, generation);
    }
    return principal;
}

core::Result<void> UsersServiceWithSessionCache::Logout(const core::RequestContext& ctx) {
    if (ctx.principal) sessions_.Erase(ctx.principal->token_hash);
    return inner_.Logout(ctx);
}

core::Result<User> UsersServiceWithSessionCache::CreateAdmin(const core::RequestContext& ctx,
                                                             const SignupRequest& request) {
    // Promoting an account resets its password and revokes its sessions; which tokens were
    // its is not indexed here, and this is rare, so every cached session goes.
    auto user = inner_.CreateAdmin(ctx, request);
    sessions_.Clear();
    return user;
}

core::Result<User> UsersServiceWithSessionCache::SetRole(const core::RequestContext& ctx, std::string_view user_id,
                                                         core::Role role) {
    // Which tokens are the user's is not indexed here, and this is rare: every cached session
    // goes, as for CreateAdmin. Other processes see the role within their cache's ttl.
    auto user = inner_.SetRole(ctx, user_id, role);
    if (user.ok()) sessions_.Clear();
    return user;
}

void UsersServiceWithSessionCache::RenderMetrics(std::string& out) const {
    auto stats = sessions_.Stats();
    observability::AppendFamilyHeader(out, "emporium_session_cache_lookups_total", "counter",
                                      "Bearer tokens looked up in the session cache, by result.");
    observability::AppendSample(out, "emporium_session_cache_lookups_total", "result=\"hit\"",
                                static_cast<int64_t>(stats.hits));
    observability::AppendSample(out, "emporium_session_cache_lookups_total", "result=\"miss\"",
                                static_cast<int64_t>(stats.misses));
    observability::AppendFamilyHeader(out, "emporium_session_cache_entries", "gauge", "Sessions held in the cache.");
    observability::AppendSample(out, "emporium_session_cache_entries", "", stats.entries);
}

}  // namespace emporium::users
