#include "services/users/users_service_impl.hpp"

#include <array>

#include "core/cursor.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "services/users/postal_address.hpp"

namespace emporium::users {

using core::Error;
using core::FieldError;
using core::Result;

namespace {

using core::IsAsciiAlnum;

bool ValidLocalPart(std::string_view local) {
    static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-.";
    if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
    for (std::size_t i = 0; i < local.size(); ++i) {
        char c = local[i];
        if (!IsAsciiAlnum(c) && kSpecials.find(c) == std::string_view::npos) return false;
        if (c == '.' && i > 0 && local[i - 1] == '.') return false;
    }
    return true;
}

bool ValidDomain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    int labels = 0;
    std::string_view last_label;
    while (true) {
        auto dot = domain.find('.');
        std::string_view label = domain.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!IsAsciiAlnum(c) && c != '-') return false;
        ++labels;
        last_label = label;
        if (dot == std::string_view::npos) break;
        domain.remove_prefix(dot + 1);
    }
    if (labels < 2 || last_label.size() < 2) return false;
    for (char c : last_label)
        if (!(c >= 'a' && c <= 'z')) return false;
    return true;
}

constexpr std::array<std::string_view, 12> kCommonPasswords = {"password",  "password1",  "password123", "12345678",
                                                               "123456789", "1234567890", "qwertyuiop",  "qwerty123",
                                                               "iloveyou",  "11111111",   "abc12345",    "letmein1"};

void CheckText(std::vector<FieldError>& errors, const char* field, const std::optional<std::string>& value,
               bool required, std::size_t max_length) {
    if (!value) {
        if (required) errors.push_back({field, "is required"});
        return;
    }
    std::string problem = core::TextLengthProblem(*value, 0, max_length);
    if (problem.empty() && required && core::Trim(*value).empty()) problem = "must not be empty";
    if (!problem.empty()) errors.push_back({field, std::move(problem)});
}

}  // namespace

Result<std::string> NormalizeEmail(std::string_view email) {
    std::string normalized = core::ToLowerAscii(core::Trim(email));
    if (normalized.empty()) return Error::Invalid("email", "is required");
    if (normalized.size() > 254) return Error::Invalid("email", "must be at most 254 characters");
    auto at = normalized.find('@');
    if (at == std::string::npos || normalized.find('@', at + 1) != std::string::npos ||
        !ValidLocalPart(std::string_view(normalized).substr(0, at)) ||
        !ValidDomain(std::string_view(normalized).substr(at + 1)))
        return Error::Invalid("email", "is not a valid email address");
    return normalized;
}

std::string CheckPassword(std::string_view password, std::string_view normalized_email) {
    if (auto problem = core::TextLengthProblem(password, 8, 128); !problem.empty()) return problem;
    std::string lower = core::ToLowerAscii(password);
    if (lower == normalized_email) return "must not be the email address";
    for (auto common : kCommonPasswords)
        if (lower == common) return "is too common";
    return {};
}

Result<std::string> UsersServiceImpl::UserId(const core::RequestContext& ctx) {
    if (!ctx.principal) return Error::Unauthenticated("A bearer token is required.");
    return ctx.principal->user_id;
}

Result<User> UsersServiceImpl::CreateAccount(const core::RequestContext& ctx, const SignupRequest& request,
                                             core::Role role, bool promote_existing) {
    std::vector<FieldError> errors;
    auto email = NormalizeEmail(request.email);
    if (!email.ok()) errors.insert(errors.end(), email.error().fields.begin(), email.error().fields.end());
    std::string password_problem = CheckPassword(request.password, email.ok() ? *email : std::string());
    if (!password_problem.empty()) errors.push_back({"password", password_problem});
    std::optional<std::string> name = std::string(core::Trim(request.name));
    CheckText(errors, "name", name, false, 100);
    if (!errors.empty()) return Error::Invalid(std::move(errors));

    EMPORIUM_ASSIGN_OR_RETURN(std::string password_hash, hasher_.Hash(request.password));
    int64_t now = clock_.NowSeconds();
    if (promote_existing) {
        auto existing = repository_.FindUserByEmail(ctx, *email);
        if (existing.ok()) {
            EMPORIUM_TRY(repository_.UpdateRoleAndPassword(ctx, existing->user.id, role, password_hash, now));
            EMPORIUM_TRY(
                repository_.RevokeUserSessions(ctx, existing->user.id, now));  // the old password's sessions end
            existing->user.role = role;
            return existing->user;
        }
        if (existing.error().code != core::ErrorCode::kNotFound) return existing.error();
    }
    UserRecord record;
    record.user = User{core::NewId("usr"), *email, *name, role, now};
    record.password_hash = std::move(password_hash);
    auto inserted = repository_.InsertUser(ctx, record);
    if (!inserted.ok()) {
        if (inserted.error().code == core::ErrorCode::kConflict)
            return Error::Conflict("An account with this email already exists.");
        return inserted.error();
    }
    return record.user;
}

Result<User> UsersServiceImpl::Signup(const core::RequestContext& ctx, const SignupRequest& request) {
    return CreateAccount(ctx, request, core::Role::kCustomer, false);
}

Result<User> UsersServiceImpl::CreateAdmin(const core::RequestContext& ctx, const SignupRequest& request) {
    return CreateAccount(ctx, request, core::Role::kAdmin, true);
}

Result<Session> UsersServiceImpl::Login(const core::RequestContext& ctx, std::string_view email,
                                        std::string_view password) {
    const Error bad_credentials = Error::Unauthenticated("The email or password is incorrect.");
    std::string normalized = core::ToLowerAscii(core::Trim(email));
    if (guard_) EMPORIUM_TRY(guard_->Check(ctx, normalized));
    auto record = repository_.FindUserByEmail(ctx, normalized);
    if (!record.ok()) {
        if (record.error().code != core::ErrorCode::kNotFound) return record.error();
        // Same cost as a real check: response time does not reveal which emails exist.
        EMPORIUM_TRY(hasher_.Verify(hasher_.DummyHash(), password));
        if (guard_) guard_->RecordFailure(ctx, normalized);
        return bad_credentials;
    }
    EMPORIUM_ASSIGN_OR_RETURN(bool matches, hasher_.Verify(record->password_hash, password));
    if (!matches) {
        if (guard_) guard_->RecordFailure(ctx, normalized);
        return bad_credentials;
    }
    Session session;
    session.token = core::RandomToken(32);
    int64_t now = clock_.NowSeconds();
    session.expires_at = now + settings_.session_ttl_seconds;
    session.user = record->user;
    SessionRecord stored{
        core::Sha256Hex(session.token), record->user.id, now, session.expires_at, std::nullopt, record->user.role};
    EMPORIUM_TRY(repository_.InsertSession(ctx, stored));
    if (guard_) guard_->RecordSuccess(ctx, normalized);
    return session;
}

Result<core::Principal> UsersServiceImpl::Authenticate(const core::RequestContext& ctx, std::string_view token) {
    const Error invalid = Error::Unauthenticated("The bearer token is invalid or has expired.");
    if (token.size() != 43) return invalid;
    for (char c : token)
        if (!IsAsciiAlnum(c) && c != '-' && c != '_') return invalid;
    std::string token_hash = core::Sha256Hex(token);
    auto session = repository_.FindSession(ctx, token_hash);
    if (!session.ok()) return session.error().code == core::ErrorCode::kNotFound ? invalid : session.error();
    if (session->revoked_at || session->expires_at <= clock_.NowSeconds()) return invalid;
    return core::Principal{session->user_id, session->role, std::move(token_hash), session->expires_at};
}

Result<void> UsersServiceImpl::Logout(const core::RequestContext& ctx) {
    if (!ctx.principal) return Error::Unauthenticated("A bearer token is required.");
    return repository_.RevokeSession(ctx, ctx.principal->token_hash, clock_.NowSeconds());
}

Result<User> UsersServiceImpl::GetMe(const core::RequestContext& ctx) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(UserRecord record, repository_.FindUserById(ctx, user_id));
    return record.user;
}

Result<User> UsersServiceImpl::GetUser(const core::RequestContext& ctx, std::string_view user_id) {
    EMPORIUM_ASSIGN_OR_RETURN(UserRecord record, repository_.FindUserById(ctx, user_id));
    return record.user;
}

Result<UserPage> UsersServiceImpl::ListUsers(const core::RequestContext& ctx, const UserFilter& filter, int limit,
                                             std::string_view cursor) {
    EMPORIUM_TRY(core::CheckPageLimit(limit));
    EMPORIUM_ASSIGN_OR_RETURN(auto after, core::DecodeTimeIdCursor("users", cursor));
    UserFilter normalized = filter;
    normalized.email_contains = core::ToLowerAscii(core::Trim(filter.email_contains));  // emails are stored so
    EMPORIUM_ASSIGN_OR_RETURN(auto users, repository_.ListUsers(ctx, normalized, after, limit + 1));
    UserPage page;
    if (static_cast<int>(users.size()) > limit) {
        users.resize(static_cast<std::size_t>(limit));
        page.next_cursor = core::EncodeTimeIdCursor("users", {users.back().created_at, users.back().id});
    }
    page.items = std::move(users);
    return page;
}

Result<User> UsersServiceImpl::SetRole(const core::RequestContext& ctx, std::string_view user_id, core::Role role) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string operator_id, UserId(ctx));
    if (operator_id == user_id && role != core::Role::kAdmin)
        return Error::Conflict("You cannot withdraw your own admin role; another admin can.");
    EMPORIUM_ASSIGN_OR_RETURN(UserRecord record, repository_.FindUserById(ctx, user_id));
    if (record.user.role == role) return record.user;
    EMPORIUM_TRY(repository_.UpdateRole(ctx, user_id, role, operator_id, clock_.NowSeconds()));
    record.user.role = role;
    return record.user;
}

Result<User> UsersServiceImpl::UpdateMe(const core::RequestContext& ctx, std::optional<std::string> name) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    if (name) {
        std::vector<FieldError> errors;
        *name = std::string(core::Trim(*name));
        CheckText(errors, "name", name, false, 100);
        if (!errors.empty()) return Error::Invalid(std::move(errors));
        EMPORIUM_TRY(repository_.UpdateUserName(ctx, user_id, *name, clock_.NowSeconds()));
    }
    return GetMe(ctx);
}

namespace {
// Applies `input` over `address` and checks every rule; `address` holds the result.
Result<void> MergeAddress(Address& address, const AddressInput& input) {
    Address merged = address;
    for (auto [field, value] : {std::pair{&merged.name, &input.name},
                                {&merged.line1, &input.line1},
                                {&merged.line2, &input.line2},
                                {&merged.city, &input.city},
                                {&merged.region, &input.region},
                                {&merged.postal_code, &input.postal_code},
                                {&merged.country, &input.country},
                                {&merged.phone, &input.phone}})
        if (*value) *field = **value;
    auto errors = NormalizePostalAddress(merged, "");
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    if (input.is_default) merged.is_default = *input.is_default;
    address = std::move(merged);
    return core::Ok();
}
}  // namespace

Result<std::vector<Address>> UsersServiceImpl::ListAddresses(const core::RequestContext& ctx) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    return repository_.ListAddresses(ctx, user_id);
}

Result<Address> UsersServiceImpl::CreateAddress(const core::RequestContext& ctx, const AddressInput& input) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    Address address;
    EMPORIUM_TRY(MergeAddress(address, input));
    address.id = core::NewId("adr");
    address.user_id = user_id;
    address.created_at = address.updated_at = clock_.NowSeconds();
    auto inserted = repository_.InsertAddress(ctx, address, kMaxAddressesPerUser);
    if (!inserted.ok()) {
        if (inserted.error().code == core::ErrorCode::kConflict)
            return Error::Conflict("An address book holds at most " + std::to_string(kMaxAddressesPerUser) +
                                   " addresses.");
        return inserted.error();
    }
    return address;
}

Result<Address> UsersServiceImpl::GetAddress(const core::RequestContext& ctx, std::string_view address_id) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    return repository_.FindAddress(ctx, user_id, address_id);
}

Result<Address> UsersServiceImpl::UpdateAddress(const core::RequestContext& ctx, std::string_view address_id,
                                                const AddressInput& input) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(Address address, repository_.FindAddress(ctx, user_id, address_id));
    EMPORIUM_TRY(MergeAddress(address, input));
    address.updated_at = clock_.NowSeconds();
    EMPORIUM_TRY(repository_.UpdateAddress(ctx, address));
    return address;
}

Result<void> UsersServiceImpl::DeleteAddress(const core::RequestContext& ctx, std::string_view address_id) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx));
    return repository_.DeleteAddress(ctx, user_id, address_id);
}

}  // namespace emporium::users
