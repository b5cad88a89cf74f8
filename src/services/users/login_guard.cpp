#include "services/users/login_guard.hpp"

#include <array>
#include <string>

#include "core/clock.hpp"
#include "core/random.hpp"

namespace emporium::users {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

struct Tier {
    const char* name;
    milliseconds window;
    int multiple;  // of the base count
};
constexpr std::array<Tier, 3> kTiers = {Tier{"5m", minutes(5), 1}, Tier{"1h", hours(1), 2}, Tier{"1d", hours(24), 4}};

std::string AccountKey(std::string_view email) { return "login-failures:account:" + core::Sha256Hex(email) + ":"; }
std::string AddressKey(std::string_view address) { return "login-failures:address:" + std::string(address) + ":"; }

}  // namespace

core::Result<void> LoginGuard::Check(const core::RequestContext& ctx, std::string_view normalized_email) {
    int64_t now = core::UnixMillisNow();
    milliseconds wait{0};
    auto check = [&](const std::string& prefix, int base) {
        for (const Tier& tier : kTiers) {
            auto count = store_.CountWindow(ctx, prefix + tier.name, tier.window, now);
            if (count.ok() && count->count >= static_cast<int64_t>(base) * tier.multiple)
                wait = std::max(wait, count->oldest_leaves_in);
        }
    };
    check(AccountKey(normalized_email), settings_.failures_per_account);
    if (!ctx.client_address.empty()) check(AddressKey(ctx.client_address), settings_.failures_per_address);
    if (wait.count() == 0) return core::Ok();
    auto seconds = std::chrono::seconds((wait.count() + 999) / 1000);
    return core::Error::TooManyRequests(
        "Too many failed sign-ins for this account or from this address; try again in " +
            std::to_string(seconds.count()) + " s.",
        seconds);
}

void LoginGuard::RecordFailure(const core::RequestContext& ctx, std::string_view normalized_email) {
    int64_t now = core::UnixMillisNow();
    std::string account = AccountKey(normalized_email);
    std::string address = ctx.client_address.empty() ? std::string() : AddressKey(ctx.client_address);
    for (const Tier& tier : kTiers) {
        (void)store_.AddToWindow(ctx, account + tier.name, tier.window, now);
        if (!address.empty()) (void)store_.AddToWindow(ctx, address + tier.name, tier.window, now);
    }
}

void LoginGuard::RecordSuccess(const core::RequestContext& ctx, std::string_view normalized_email) {
    std::string account = AccountKey(normalized_email);
    for (const Tier& tier : kTiers) (void)store_.ClearWindow(ctx, account + tier.name);
}

}  // namespace emporium::users
