#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace emporium::users {

// The fields of a postal address wherever one is kept: the address book here, an order's
// shipping address in the orders service.
struct PostalAddressFields {
    std::string* name;
    std::string* line1;
    std::string* line2;
    std::string* city;
    std::string* region;
    std::string* postal_code;
    std::string* country;
    std::string* phone;
};

// The one set of rules for a postal address: trims every field in place, then checks it
// (name, line1, city and postal code required; lengths 100/200/200/100/100/20 and phone 30;
// country an ISO 3166-1 alpha-2 code in capitals; phone digits, spaces and + - ( ) .).
// Returns the field errors, each named `<prefix><field>` (e.g. "shipping_address.city").
std::vector<core::FieldError> NormalizePostalAddress(const PostalAddressFields& fields, std::string_view prefix);

// The same for any struct with the eight fields.
template <typename Address>
std::vector<core::FieldError> NormalizePostalAddress(Address& a, std::string_view prefix) {
    return NormalizePostalAddress(
        PostalAddressFields{&a.name, &a.line1, &a.line2, &a.city, &a.region, &a.postal_code, &a.country, &a.phone},
        prefix);
}

}  // namespace emporium::users
