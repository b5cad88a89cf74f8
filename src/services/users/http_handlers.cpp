#include "services/users/http_handlers.hpp"

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "http/json_input.hpp"
#include "http/problem.hpp"
#include "http/render.hpp"

namespace emporium::users {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

void WriteUser(core::JsonWriter& json, const User& user) {
    json.BeginObject()
        .Field("id", user.id)
        .Field("email", user.email)
        .Field("name", user.name)
        .Field("role", user.role == core::Role::kAdmin ? "admin" : "customer")
        .Field("created_at", core::FormatRfc3339(user.created_at))
        .EndObject();
}

namespace {

void WriteAddress(core::JsonWriter& json, const Address& a) {
    json.BeginObject()
        .Field("id", a.id)
        .Field("name", a.name)
        .Field("line1", a.line1)
        .Field("line2", a.line2)
        .Field("city", a.city)
        .Field("region", a.region)
        .Field("postal_code", a.postal_code)
        .Field("country", a.country)
        .Field("phone", a.phone)
        .Field("is_default", a.is_default)
        .Field("created_at", core::FormatRfc3339(a.created_at))
        .Field("updated_at", core::FormatRfc3339(a.updated_at))
        .EndObject();
}

template <typename T, typename Writer>
Response Render(const core::Result<T>& result, const Request& request, int status, Writer write,
                const std::string& cache_control = http::kPrivateNoCache) {
    return http::RenderJson(result, request, status, write, cache_control);
}

core::Result<AddressInput> ReadAddressInput(const Request& request) {
    EMPORIUM_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(request.body));
    http::ObjectReader reader(body);
    AddressInput input;
    input.name = reader.String("name");
    input.line1 = reader.String("line1");
    input.line2 = reader.String("line2");
    input.city = reader.String("city");
    input.region = reader.String("region");
    input.postal_code = reader.String("postal_code");
    input.country = reader.String("country");
    input.phone = reader.String("phone");
    input.is_default = reader.Bool("is_default");
    EMPORIUM_TRY(reader.Finish());
    return input;
}

Response Signup(UsersService& service, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    SignupRequest signup;
    auto email = reader.String("email");
    auto password = reader.String("password");
    signup.name = reader.String("name").value_or("");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    std::vector<core::FieldError> missing;
    if (!email) missing.push_back({"email", "is required"});
    if (!password) missing.push_back({"password", "is required"});
    if (!missing.empty()) return http::ProblemResponse(core::Error::Invalid(std::move(missing)), request.path);
    signup.email = *email;
    signup.password = *password;
    auto response = Render(service.Signup(request.context, signup), request, 201, WriteUser, "no-store");
    if (response.status == 201) response.SetHeader("Location", "/api/v1/users/me");
    return response;
}

Response Login(UsersService& service, Request& request, const LoginObserver& on_login,
               const http::CookieOptions& cookies) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto email = reader.String("email");
    auto password = reader.String("password");
    bool session_cookie = reader.Bool("session_cookie").value_or(false);
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    std::vector<core::FieldError> missing;
    if (!email) missing.push_back({"email", "is required"});
    if (!password) missing.push_back({"password", "is required"});
    if (!missing.empty()) return http::ProblemResponse(core::Error::Invalid(std::move(missing)), request.path);
    auto session = service.Login(request.context, *email, *password);
    if (session.ok() && on_login) on_login(request, *session);
    Response response = Render(
        session, request, 201,
        [](core::JsonWriter& json, const Session& session) {
            json.BeginObject()
                .Field("token", session.token)
                .Field("token_type", "Bearer")
                .Field("expires_at", core::FormatRfc3339(session.expires_at))
                .Key("user");
            WriteUser(json, session.user);
            json.EndObject();
        },
        "no-store");
    // Only pages ask for cookies: an API client with a cookie jar would otherwise find its
    // later requests signed in without the token it meant to leave out.
    if (session.ok() && session_cookie) {
        auto lifetime = std::chrono::seconds(std::max<int64_t>(0, session->expires_at - core::UnixMillisNow() / 1000));
        http::SetSessionCookies(response, session->token, core::RandomToken(32), lifetime, cookies);
    }
    return response;
}

Response UpdateMe(UsersService& service, Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    http::ObjectReader reader(*body);
    auto name = reader.String("name");
    if (auto shape = reader.Finish(); !shape.ok()) return http::ProblemResponse(shape.error(), request.path);
    if (!name) return http::ProblemResponse(core::Error::Invalid("name", "is required"), request.path);
    return Render(service.UpdateMe(request.context, name), request, 200, WriteUser);
}

Response ListAddresses(UsersService& service, Request& request) {
    // All of them in one answer (at most 20): no parameters.
    if (auto known = http::CheckQueryParams(request, {}); !known.ok())
        return http::ProblemResponse(known.error(), request.path);
    return Render(service.ListAddresses(request.context), request, 200,
                  [](core::JsonWriter& json, const std::vector<Address>& addresses) {
                      http::WriteList(json, addresses, std::nullopt, WriteAddress);
                  });
}

Response CreateAddress(UsersService& service, Request& request) {
    auto input = ReadAddressInput(request);
    if (!input.ok()) return http::ProblemResponse(input.error(), request.path);
    auto created = service.CreateAddress(request.context, *input);
    auto response = Render(created, request, 201, WriteAddress, "no-store");
    if (created.ok()) response.SetHeader("Location", "/api/v1/users/me/addresses/" + created->id);
    return response;
}

Response UpdateAddress(UsersService& service, Request& request) {
    auto input = ReadAddressInput(request);
    if (!input.ok()) return http::ProblemResponse(input.error(), request.path);
    if (input->Empty())
        return http::ProblemResponse(core::Error::Invalid("body", "must change at least one field"), request.path);
    return Render(service.UpdateAddress(request.context, request.PathParam("address_id"), *input), request, 200,
                  WriteAddress);
}

Response NoContentOr(const core::Result<void>& result, const Request& request) {
    if (!result.ok()) return http::ProblemResponse(result.error(), request.path);
    return Response::NoContent();
}

}  // namespace

void RegisterUsersRoutes(http::Router& router, UsersService& service, LoginObserver on_login,
                         http::CookieOptions cookies) {
    UsersService* s = &service;
    router.Add(Method::kPost, "/api/v1/users", Access::kPublic, [s](Request& r) { return Signup(*s, r); });
    router.Add(Method::kPost, "/api/v1/sessions", Access::kPublic,
               [s, on_login, cookies](Request& r) { return Login(*s, r, on_login, cookies); });
    router.Add(Method::kDelete, "/api/v1/sessions/current", Access::kUser, [s, cookies](Request& r) {
        Response response = NoContentOr(s->Logout(r.context), r);
        if (response.status == 204) http::ClearSessionCookies(response, cookies);
        return response;
    });
    router.Add(Method::kGet, "/api/v1/users/me", Access::kUser,
               [s](Request& r) { return Render(s->GetMe(r.context), r, 200, WriteUser); });
    router.Add(Method::kPatch, "/api/v1/users/me", Access::kUser, [s](Request& r) { return UpdateMe(*s, r); });
    router.Add(Method::kGet, "/api/v1/users/me/addresses", Access::kUser,
               [s](Request& r) { return ListAddresses(*s, r); });
    router.Add(Method::kPost, "/api/v1/users/me/addresses", Access::kUser,
               [s](Request& r) { return CreateAddress(*s, r); });
    router.Add(Method::kGet, "/api/v1/users/me/addresses/{address_id}", Access::kUser, [s](Request& r) {
        return Render(s->GetAddress(r.context, r.PathParam("address_id")), r, 200, WriteAddress);
    });
    router.Add(Method::kPatch, "/api/v1/users/me/addresses/{address_id}", Access::kUser,
               [s](Request& r) { return UpdateAddress(*s, r); });
    router.Add(Method::kDelete, "/api/v1/users/me/addresses/{address_id}", Access::kUser,
               [s](Request& r) { return NoContentOr(s->DeleteAddress(r.context, r.PathParam("address_id")), r); });
}

}  // namespace emporium::users
