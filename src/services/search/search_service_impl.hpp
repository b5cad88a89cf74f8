#pragma once

#include "services/catalog/catalog_service.hpp"
#include "services/search/search_index.hpp"
#include "services/search/search_service.hpp"

namespace emporium::search {

// SearchService over this process's SearchIndex and the catalog (for category names).
class SearchServiceImpl final : public SearchService {
  public:
    SearchServiceImpl(SearchIndex& index, catalog::CatalogService& catalog) : index_(index), catalog_(catalog) {}

    core::Result<SearchPage> Search(const core::RequestContext& ctx, const SearchRequest& request) override;
    core::Result<std::vector<Suggestion>> Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                  int limit) override;

  private:
    SearchIndex& index_;
    catalog::CatalogService& catalog_;
};

}  // namespace emporium::search
