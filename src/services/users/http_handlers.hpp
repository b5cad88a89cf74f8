#pragma once

#include "http/router.hpp"
#include "services/users/users_service.hpp"

namespace emporium::users {

// Registers /api/v1/users, /api/v1/sessions and the address book on `router`.
// Handlers only translate JSON <-> DTOs; rules live in the service.
void RegisterUsersRoutes(http::Router& router, UsersService& service);

}  // namespace emporium::users
