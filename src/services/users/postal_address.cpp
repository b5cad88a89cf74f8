#include "services/users/postal_address.hpp"

#include "core/text.hpp"

namespace emporium::users {

namespace {

bool ValidPhone(std::string_view phone) {
    for (char c : phone)
        if (!((c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' || c == '.'))
            return false;
    return true;
}

bool ValidCountry(std::string_view code) {
    return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

}  // namespace

std::vector<core::FieldError> NormalizePostalAddress(const PostalAddressFields& fields, std::string_view prefix) {
    struct Rule {
        const char* field;
        std::string* value;
        bool required;
        std::size_t max;
    };
    const Rule rules[] = {{"name", fields.name, true, 100},      {"line1", fields.line1, true, 200},
                          {"line2", fields.line2, false, 200},   {"city", fields.city, true, 100},
                          {"region", fields.region, false, 100}, {"postal_code", fields.postal_code, true, 20},
                          {"phone", fields.phone, false, 30}};
    std::vector<core::FieldError> errors;
    auto named = [&](const char* field) { return std::string(prefix) + field; };
    for (const Rule& rule : rules) {
        *rule.value = std::string(core::Trim(*rule.value));
        if (rule.required && rule.value->empty()) {
            errors.push_back({named(rule.field), "is required"});
        } else if (auto problem = core::TextLengthProblem(*rule.value, 0, rule.max); !problem.empty()) {
            errors.push_back({named(rule.field), std::move(problem)});
        }
    }
    if (!ValidPhone(*fields.phone)) errors.push_back({named("phone"), "may contain only digits, spaces and + - ( ) ."});
    *fields.country = std::string(core::Trim(*fields.country));
    if (fields.country->empty())
        errors.push_back({named("country"), "is required"});
    else if (!ValidCountry(*fields.country))
        errors.push_back({named("country"), "must be an ISO 3166-1 alpha-2 code such as \"US\""});
    return errors;
}

}  // namespace emporium::users
