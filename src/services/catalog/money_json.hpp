#pragma once

#include "core/json_writer.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

// Money as the API writes it everywhere: {"amount": <minor units>, "currency": "USD"}.
inline void WriteMoney(core::JsonWriter& json, const Money& money) {
    json.BeginObject().Field("amount", money.amount).Field("currency", money.currency).EndObject();
}

}  // namespace emporium::catalog
