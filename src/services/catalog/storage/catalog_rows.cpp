#include "services/catalog/storage/catalog_rows.hpp"

#include "core/clock.hpp"
#include "core/json_writer.hpp"

namespace emporium::catalog {

std::string JoinImages(const std::vector<std::string>& images) {
    std::string out;
    for (const auto& image : images) {
        if (!out.empty()) out += '\n';
        out += image;
    }
    return out;
}

std::vector<std::string> SplitImages(std::string_view text) {
    std::vector<std::string> images;
    while (!text.empty()) {
        auto newline = text.find('\n');
        images.emplace_back(text.substr(0, newline));
        if (newline == std::string_view::npos) break;
        text.remove_prefix(newline + 1);
    }
    return images;
}

bus::Event ProductChangedEvent(const Product& product) {
    int64_t now_ms = core::UnixMillisNow();
    std::string payload;
    core::JsonWriter json(payload);
    json.BeginObject().Field("product_id", product.id).Field("changed_at_ms", now_ms).EndObject();
    return bus::NewEvent(std::string(kProductChanged), product.id, std::move(payload), now_ms / 1000);
}

}  // namespace emporium::catalog
