#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/search/search_index.hpp"

namespace emporium::search {

// The SearchIndex over an embedded Xapian database (a directory). BM25 ranking, English
// stemming (Porter2, "some" strategy: stemmed words match their variants, an exact word
// still ranks first), spelling data from names and descriptions for "did you mean",
// unstemmed name terms for autocomplete. Xapian stays inside xapian_search_index.cpp.
//
// One writable handle serialises writes (each call commits: durable on return, visible
// to the next search); searches run on a pool of read handles, each reopened when the
// writer has committed since it last looked.
class XapianSearchIndex final : public SearchIndex {
  public:
    // Opens or creates the index in `directory`. kUnavailable when another process holds
    // its write lock (a running server, when `emporium reindex` is called beside it).
    static core::Result<std::unique_ptr<XapianSearchIndex>> Open(const std::string& directory);
    ~XapianSearchIndex() override;

    core::Result<void> Upsert(const std::vector<SearchDocument>& documents) override;
    core::Result<void> Remove(const std::vector<std::string>& product_ids) override;
    core::Result<std::vector<std::string>> ProductIds() override;
    core::Result<int64_t> Count() override;
    core::Result<SearchResults> Search(const SearchQuery& query) override;
    core::Result<std::vector<Suggestion>> Suggest(std::string_view prefix, int limit) override;

    struct Writer;  // defined in the .cpp
    struct Reader;

  private:
    explicit XapianSearchIndex(std::string directory);
    std::unique_ptr<Reader> AcquireReader();
    void ReleaseReader(std::unique_ptr<Reader> reader);

    std::string directory_;
    std::mutex write_mutex_;
    std::unique_ptr<Writer> writer_;
    std::atomic<uint64_t> generation_{0};  // bumped by every commit
    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<Reader>> idle_readers_;
};

}  // namespace emporium::search
