#pragma once

#include <functional>

#include "core/json_writer.hpp"
#include "http/router.hpp"
#include "http/session_cookie.hpp"
#include "services/users/users_service.hpp"

namespace emporium::users {

// Called after a successful login with the request and the new session (the composition
// root uses it to merge a guest cart); it must not fail the login.
using LoginObserver = std::function<void(const http::Request&, const Session&)>;

// The User JSON object (the API's `User` schema); shared with the operator's console.
void WriteUser(core::JsonWriter& json, const User& user);

// Registers /api/v1/users, /api/v1/sessions and the address book on `router`.
// Handlers only translate JSON <-> DTOs; rules live in the service. A login also sets the
// pages' session cookies (http/session_cookie.hpp) and a logout expires them.
void RegisterUsersRoutes(http::Router& router, UsersService& service, LoginObserver on_login = {},
                         http::CookieOptions cookies = {});

}  // namespace emporium::users
