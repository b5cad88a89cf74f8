#pragma once

#include <atomic>
#include <chrono>
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
// One writable handle serialises writes. Each write is durable and visible when the call
// returns, but commits are shared: concurrent writers wait for one commit, and commits
// are at least kMinCommitInterval apart, so a long search is not overtaken by two commits
// (which makes Xapian discard the revision it reads). Searches run on a pool of read
// handles, each reopened when the writer has committed since it last looked.
//
// Facet counts come from an in-memory table (document id → category path and price
// bucket, a few bytes per product) read by a match spy, not from Xapian's value streams:
// reading two values per match from disk was most of the cost of a faceted search.
class XapianSearchIndex final : public SearchIndex {
  public:
    // Opens or creates the index in `directory`. kUnavailable when another process holds
    // its write lock (a running server, when `emporium reindex` is called beside it).
    static core::Result<std::unique_ptr<XapianSearchIndex>> Open(const std::string& directory);
    ~XapianSearchIndex() override;

    core::Result<void> Upsert(const core::RequestContext& ctx, const std::vector<SearchDocument>& documents) override;
    core::Result<void> Remove(const core::RequestContext& ctx, const std::vector<std::string>& product_ids) override;
    core::Result<std::vector<std::string>> ProductIds(const core::RequestContext& ctx) override;
    core::Result<int64_t> Count(const core::RequestContext& ctx) override;
    core::Result<SearchResults> Search(const core::RequestContext& ctx, const SearchQuery& query) override;
    core::Result<std::vector<Suggestion>> Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                  int limit) override;

    struct Writer;  // defined in the .cpp
    struct Reader;

    struct FacetTable;

  private:
    explicit XapianSearchIndex(std::string directory);
    std::unique_ptr<Reader> AcquireReader();
    void ReleaseReader(std::unique_ptr<Reader> reader);
    // Runs `work` on a read handle, again on a reopened one if commits overtook it.
    template <typename T, typename Work>
    core::Result<T> WithReader(std::string_view what, Work work);
    // Waits until the changes made so far (up to `change`) are committed, committing them
    // itself if no one else is.
    core::Result<void> CommitThrough(uint64_t change);

    std::string directory_;
    std::mutex write_mutex_;  // the writable handle and the change counter
    std::unique_ptr<Writer> writer_;
    uint64_t changes_ = 0;                               // guarded by write_mutex_
    std::mutex commit_mutex_;                            // one committer at a time
    uint64_t committed_ = 0;                             // guarded by commit_mutex_
    std::chrono::steady_clock::time_point last_commit_;  // guarded by commit_mutex_
    std::shared_ptr<const FacetTable> Facets();
    void PublishFacets(std::shared_ptr<const FacetTable> table);
    std::mutex facets_mutex_;  // guards the pointer only
    std::shared_ptr<const FacetTable> facets_;
    std::atomic<uint64_t> generation_{0};  // bumped by every commit
    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<Reader>> idle_readers_;
};

}  // namespace emporium::search
