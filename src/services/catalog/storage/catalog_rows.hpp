#pragma once

// Both SQL adapters of the catalog (SQLite and PostgreSQL) decode and encode the same
// records: the row decoders, the images column's encoding and the ProductChanged event
// live here once, so that the two adapters cannot drift apart. Templates over the row
// type: infra::sqlite::Statement and infra::postgres::Row read columns alike.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

inline bool IsCategoryId(std::string_view text) { return text.starts_with("cat_"); }
inline bool IsProductId(std::string_view text) { return text.starts_with("prd_"); }

// The images column: the URLs one a line.
std::string JoinImages(const std::vector<std::string>& images);
std::vector<std::string> SplitImages(std::string_view text);

// A ProductChanged event for `product`, stamped now. Consumers (search, caches) re-read the
// product; the payload carries when it changed, in milliseconds, so they can report how far
// behind they are.
bus::Event ProductChangedEvent(const Product& product);

// Columns: sku, product_id, product name, variant name, price, currency, product status.
template <typename Row>
VariantInfo ReadVariantInfo(const Row& row) {
    return VariantInfo{row.String(0),
                       row.String(1),
                       row.String(2),
                       row.String(3),
                       Money{row.Int(4), row.String(5)},
                       ParseStatus(row.Text(6)).value_or(ProductStatus::kDraft)};
}

// Columns: id, slug, name, parent_id, path, created_at.
template <typename Row>
Category ReadCategory(const Row& row) {
    Category c;
    c.id = row.String(0);
    c.slug = row.String(1);
    c.name = row.String(2);
    if (!row.IsNull(3)) c.parent_id = row.String(3);
    c.path = row.String(4);
    c.created_at = row.Int(5);
    return c;
}

// Reads the products columns (seq, id, slug, name, description, status, category_id,
// attributes, images, currency, price_from, created_at, updated_at, version) into `p`,
// all but its variants; returns the row's seq.
template <typename Row>
int64_t ReadProductColumns(const Row& row, Product& p) {
    int64_t seq = row.Int(0);
    p.id = row.String(1);
    p.slug = row.String(2);
    p.name = row.String(3);
    p.description = row.String(4);
    p.status = ParseStatus(row.Text(5)).value_or(ProductStatus::kDraft);
    if (!row.IsNull(6)) p.category_id = row.String(6);
    p.attributes_json = row.String(7);
    p.images = SplitImages(row.Text(8));
    p.price_from = Money{row.Int(10), row.String(9)};
    p.created_at = row.Int(11);
    p.updated_at = row.Int(12);
    p.version = row.Int(13);
    return seq;
}

// Reads the variants columns sku, name, price, currency, attributes, starting at `first`.
template <typename Row>
Variant ReadVariant(const Row& row, int first) {
    return Variant{row.String(first), row.String(first + 1), Money{row.Int(first + 2), row.String(first + 3)},
                   row.String(first + 4)};
}

}  // namespace emporium::catalog
