#include "services/catalog/product_json.hpp"

#include "core/clock.hpp"
#include "services/catalog/money_json.hpp"

namespace emporium::catalog {

void WriteProduct(core::JsonWriter& json, const Product& p) {
    json.BeginObject()
        .Field("id", p.id)
        .Field("slug", p.slug)
        .Field("name", p.name)
        .Field("description", p.description)
        .Field("status", StatusName(p.status));
    json.Key("category_id");
    if (p.category_id)
        json.String(*p.category_id);
    else
        json.Null();
    json.Key("attributes").Raw(p.attributes_json);
    json.Key("images").BeginArray();
    for (const auto& image : p.images) json.String(image);
    json.EndArray();
    json.Key("variants").BeginArray();
    for (const auto& v : p.variants) {
        json.BeginObject().Field("sku", v.sku).Field("name", v.name).Key("price");
        WriteMoney(json, v.price);
        json.Key("attributes").Raw(v.attributes_json).EndObject();
    }
    json.EndArray();
    json.Key("price_from");
    WriteMoney(json, p.price_from);
    json.Field("created_at", core::FormatRfc3339(p.created_at))
        .Field("updated_at", core::FormatRfc3339(p.updated_at))
        .EndObject();
}

void WriteCategory(core::JsonWriter& json, const Category& c) {
    json.BeginObject().Field("id", c.id).Field("slug", c.slug).Field("name", c.name).Key("parent_id");
    if (c.parent_id)
        json.String(*c.parent_id);
    else
        json.Null();
    json.Field("created_at", core::FormatRfc3339(c.created_at)).EndObject();
}

}  // namespace emporium::catalog
