#include "services/search/product_indexer.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <set>

#include "core/clock.hpp"
#include "observability/log.hpp"

namespace emporium::search {

using core::Error;
using core::Result;

namespace {

// Attribute values as searchable text: strings and numbers of the attributes object.
std::string AttributesText(const std::string& attributes_json) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(attributes_json, ec);
    if (ec || !parsed.is_object()) return {};
    std::string text;
    for (const auto& [key, value] : parsed.as_object()) {
        if (value.is_string()) {
            text += std::string(value.as_string());
            text += ' ';
        }
    }
    return text;
}

}  // namespace

void ProductIndexer::Subscribe(bus::EventBus& bus) {
    // Every replica keeps its own index, so every replica hears every change.
    bus.Subscribe({.name = "search.products",
                   .types = {std::string(catalog::kProductChanged)},
                   .fanout = bus::Fanout::kEveryReplica},
                  [this](const core::RequestContext& ctx, const bus::Event& event) { return OnEvent(ctx, event); });
    bus.Subscribe({.name = "search.stock",
                   .types = {std::string(inventory::kStockChanged)},
                   .fanout = bus::Fanout::kEveryReplica},
                  [this](const core::RequestContext& ctx, const bus::Event& event) { return OnEvent(ctx, event); });
}

Result<void> ProductIndexer::OnEvent(const core::RequestContext& ctx, const bus::Event& event) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(event.payload, ec);
    if (ec || !parsed.is_object()) return core::Ok();  // nothing to learn from it; never retry
    const auto& payload = parsed.as_object();
    int64_t changed_at_ms = 0;
    if (auto* at = payload.if_contains("changed_at_ms"); at && at->is_int64()) changed_at_ms = at->as_int64();
    std::string product_id;
    if (event.type == catalog::kProductChanged) {
        product_id = event.aggregate_id;
    } else {  // StockChanged: the SKU's product
        auto variant = catalog_.GetVariant(ctx, event.aggregate_id);
        if (!variant.ok())
            return variant.error().code == core::ErrorCode::kNotFound ? core::Ok() : Result<void>(variant.error());
        product_id = variant->product_id;
    }
    auto refreshed = Refresh(ctx, product_id);
    if (!refreshed.ok()) {
        failures_.Add();
        return refreshed;
    }
    if (changed_at_ms > 0) ObserveLag(changed_at_ms);
    return core::Ok();
}

void ProductIndexer::ObserveLag(int64_t changed_at_ms) {
    lag_ms_.store(std::max<int64_t>(0, core::UnixMillisNow() - changed_at_ms));
}

Result<SearchDocument> ProductIndexer::Document(const core::RequestContext& ctx, const catalog::Product& product,
                                                const CategoryPaths* paths) {
    SearchDocument d;
    d.product_id = product.id;
    d.slug = product.slug;
    d.name = product.name;
    d.description = product.description;
    d.attributes_text = AttributesText(product.attributes_json);
    d.category_id = product.category_id;
    d.price_from = product.price_from.amount;
    d.currency = product.price_from.currency;
    d.created_at = product.created_at;
    if (product.category_id && paths) {
        auto found = paths->find(*product.category_id);
        if (found != paths->end()) d.category_path = found->second;
    } else if (product.category_id) {
        auto category = catalog_.GetCategory(ctx, *product.category_id);
        if (category.ok())
            d.category_path = category->path;
        else if (category.error().code != core::ErrorCode::kNotFound)
            return category.error();
    }
    for (const auto& variant : product.variants) {
        auto stock = inventory_.GetStock(ctx, variant.sku);
        if (!stock.ok()) {
            if (stock.error().code == core::ErrorCode::kNotFound) continue;
            return stock.error();
        }
        if (stock->available > 0) {
            d.in_stock = true;
            break;
        }
    }
    return d;
}

Result<void> ProductIndexer::Refresh(const core::RequestContext& ctx, std::string_view product_id) {
    std::lock_guard refreshing(refresh_mutex_);
    auto product = catalog_.GetProduct(ctx, product_id, true);
    if (!product.ok() && product.error().code != core::ErrorCode::kNotFound) return product.error();
    if (!product.ok() || product->status != catalog::ProductStatus::kActive) {
        EMPORIUM_TRY(index_.Remove(ctx, {std::string(product_id)}));
    } else {
        EMPORIUM_ASSIGN_OR_RETURN(SearchDocument document, Document(ctx, *product, nullptr));
        EMPORIUM_TRY(index_.Upsert(ctx, {document}));
    }
    updates_.Add();
    if (on_indexed_) on_indexed_(ctx);
    return core::Ok();
}

Result<int64_t> ProductIndexer::Rebuild(const core::RequestContext& ctx, const std::function<void(int64_t)>& progress) {
    EMPORIUM_ASSIGN_OR_RETURN(auto before, index_.ProductIds(ctx));
    std::set<std::string> stale(before.begin(), before.end());
    EMPORIUM_ASSIGN_OR_RETURN(auto categories, catalog_.ListCategories(ctx));
    CategoryPaths paths;
    for (const auto& category : categories) paths[category.id] = category.path;
    catalog::ProductQuery query;
    query.limit = catalog::kMaxPageSize;
    int64_t indexed = 0;
    std::vector<SearchDocument> batch;
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(auto page, catalog_.ListProducts(ctx, query));
        for (const auto& product : page.items) {
            EMPORIUM_ASSIGN_OR_RETURN(SearchDocument document, Document(ctx, product, &paths));
            stale.erase(product.id);
            batch.push_back(std::move(document));
        }
        // Commits in batches of a thousand: a commit costs a few fsyncs.
        if (batch.size() >= 1000 || !page.next_cursor) {
            EMPORIUM_TRY(index_.Upsert(ctx, batch));
            indexed += static_cast<int64_t>(batch.size());
            batch.clear();
            if (progress) progress(indexed);
        }
        if (!page.next_cursor) break;
        query.cursor = *page.next_cursor;
    }
    if (!stale.empty()) EMPORIUM_TRY(index_.Remove(ctx, std::vector<std::string>(stale.begin(), stale.end())));
    if (on_indexed_) on_indexed_(ctx);
    return indexed;
}

void ProductIndexer::RenderMetrics(std::string& out) const {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    AppendFamilyHeader(out, "emporium_search_index_lag_seconds", "gauge",
                       "Seconds from a product or stock change to it being searchable (last indexed change).");
    AppendSample(out, "emporium_search_index_lag_seconds", "", static_cast<double>(lag_ms_.load()) / 1000.0);
    AppendFamilyHeader(out, "emporium_search_index_updates_total", "counter", "Documents indexed or removed.");
    AppendSample(out, "emporium_search_index_updates_total", "", static_cast<int64_t>(updates_.Value()));
    AppendFamilyHeader(out, "emporium_search_index_failures_total", "counter",
                       "Index updates that failed (retried by the event bus).");
    AppendSample(out, "emporium_search_index_failures_total", "", static_cast<int64_t>(failures_.Value()));
}

}  // namespace emporium::search
