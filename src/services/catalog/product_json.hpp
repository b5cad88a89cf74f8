#pragma once

#include "core/json_writer.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

// Products and categories as the API writes them everywhere (catalog, home, recommendations).
void WriteProduct(core::JsonWriter& json, const Product& p);
void WriteCategory(core::JsonWriter& json, const Category& c);

}  // namespace emporium::catalog
