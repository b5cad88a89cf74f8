#include "app/roles.hpp"

#include <algorithm>

namespace emporium::app {

const std::vector<std::string>& KnownRoles() {
    static const std::vector<std::string> kRoles = {"gateway",  "users",         "catalog",        "search",
                                                    "cart",     "inventory",     "orders",         "payments",
                                                    "shipping", "notifications", "recommendations"};
    return kRoles;
}

core::Result<std::set<std::string>> ParseRoles(std::string_view list) {
    std::set<std::string> roles;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = std::min(list.find(',', start), list.size());
        std::string name(list.substr(start, end - start));
        if (name == "all") {
            roles.insert(KnownRoles().begin(), KnownRoles().end());
        } else if (std::find(KnownRoles().begin(), KnownRoles().end(), name) != KnownRoles().end()) {
            roles.insert(name);
        } else {
            std::string known = "all";
            for (const auto& role : KnownRoles()) known += ", " + role;
            return core::Error::Invalid(
                "role", (name.empty() ? std::string("an empty role name") : "unknown role '" + name + "'") +
                            "; the roles are " + known);
        }
        start = end + 1;
    }
    return roles;
}

core::Result<void> CheckServable(const std::set<std::string>& roles) {
    if (roles.size() == KnownRoles().size()) return core::Ok();
    std::string missing;
    for (const auto& role : KnownRoles())
        if (!roles.contains(role)) missing += (missing.empty() ? "" : ", ") + role;
    return core::Error::Invalid("role",
                                "this build serves every role in one process (--role all); a process "
                                "without " +
                                    missing +
                                    " would need their remote clients, which come with the "
                                    "distributed deployment");
}

}  // namespace emporium::app
