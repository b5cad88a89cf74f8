#include "services/search/xapian/xapian_search_index.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "core/random.hpp"

namespace emporium::search {
namespace {

SearchDocument Doc(std::string id, std::string name, std::string description, int64_t price, std::string path,
                   bool in_stock, int64_t created_at) {
    SearchDocument d;
    d.product_id = std::move(id);
    d.slug = d.product_id;
    d.name = std::move(name);
    d.description = std::move(description);
    d.price_from = price;
    d.currency = "USD";
    d.category_path = std::move(path);
    if (!d.category_path.empty()) {  // the last id of "/a/b/"
        std::string trimmed = d.category_path.substr(0, d.category_path.size() - 1);
        d.category_id = trimmed.substr(trimmed.rfind('/') + 1);
    }
    d.in_stock = in_stock;
    d.created_at = created_at;
    return d;
}

class XapianSearchIndexTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        dir_ = std::filesystem::temp_directory_path() / ("emporium-search-test-" + core::RandomToken(6));
        auto index = XapianSearchIndex::Open(dir_.string());
        ASSERT_TRUE(index.ok()) << index.error().message;
        index_ = std::move(index).value();
        auto written = index_->Upsert(
            ctx_,
            {
                Doc("p1", "Trail Running Shoes", "Light shoes for the runner who runs trails.", 8999, "/sport/shoes/",
                    true, 100),
                Doc("p2", "Running Socks", "Socks that breathe.", 999, "/sport/socks/", true, 200),
                Doc("p3", "Espresso Machine", "Fifteen bar pump, steam wand.", 24999, "/home/kitchen/", false, 300),
                Doc("p4", "Run Tracker Watch", "Tracks every run and swim.", 15999, "/sport/", true, 400),
            });
        ASSERT_TRUE(written.ok()) << written.error().message;
    }
    void TearDown() override {
        index_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::vector<std::string> Ids(const SearchQuery& query) {
        auto results = index_->Search(ctx_, query);
        EXPECT_TRUE(results.ok()) << results.error().message;
        std::vector<std::string> ids;
        if (results.ok())
            for (const auto& hit : results->hits) ids.push_back(hit.document.product_id);
        return ids;
    }

    core::RequestContext ctx_;  // no deadline
    std::filesystem::path dir_;
    std::unique_ptr<XapianSearchIndex> index_;
};

TEST_F(XapianSearchIndexTest, StemmingFindsWordVariantsAndTheExactTitleRanksFirst) {
    SearchQuery query;
    query.text = "running shoes";
    auto ids = Ids(query);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids[0], "p1");
    query.text = "runs";  // stems to "run": every running/run product
    ids = Ids(query);
    EXPECT_EQ(ids.size(), 3u);
}

TEST_F(XapianSearchIndexTest, FiltersAndExactFacets) {
    SearchQuery query;
    query.category_id = "sport";  // the subtree: shoes and socks too
    query.in_stock_only = true;
    query.price_min = 1000;
    auto results = index_->Search(ctx_, query);
    ASSERT_TRUE(results.ok()) << results.error().message;
    EXPECT_EQ(results->total, 2);  // p1, p4 (p2 is too cheap)
    std::map<std::string, int64_t> categories(results->category_counts.begin(), results->category_counts.end());
    EXPECT_EQ(categories["sport"], 2);
    EXPECT_EQ(categories["shoes"], 1);
    EXPECT_EQ(categories.count("home"), 0u);
    EXPECT_EQ(results->price_counts[3], 1);  // 8999 in [5000, 10000)
    EXPECT_EQ(results->price_counts[4], 1);  // 15999 in [10000, 25000)
    // Empty text sorts newest first.
    query = SearchQuery{};
    EXPECT_EQ(Ids(query), (std::vector<std::string>{"p4", "p3", "p2", "p1"}));
    query.sort = SearchSort::kPriceAsc;
    EXPECT_EQ(Ids(query), (std::vector<std::string>{"p2", "p1", "p4", "p3"}));
}

TEST_F(XapianSearchIndexTest, SpellingSnippetsSuggestionsAndRemoval) {
    SearchQuery query;
    query.text = "espreso";
    auto results = index_->Search(ctx_, query);
    ASSERT_TRUE(results.ok());
    EXPECT_EQ(results->total, 0);
    ASSERT_TRUE(results->did_you_mean.has_value());
    EXPECT_EQ(*results->did_you_mean, "espresso");

    query.text = "steam";
    results = index_->Search(ctx_, query);
    ASSERT_TRUE(results.ok());
    ASSERT_EQ(results->hits.size(), 1u);
    EXPECT_NE(results->hits[0].snippet.find("<mark>steam</mark>"), std::string::npos) << results->hits[0].snippet;

    auto suggestions = index_->Suggest(ctx_, "runn", 10);
    ASSERT_TRUE(suggestions.ok());
    ASSERT_EQ(suggestions->size(), 2u);  // Trail Running Shoes, Running Socks; not "Run Tracker"
    suggestions = index_->Suggest(ctx_, "trail runn", 10);
    ASSERT_TRUE(suggestions.ok());
    ASSERT_EQ(suggestions->size(), 1u);
    EXPECT_EQ((*suggestions)[0].text, "Trail Running Shoes");

    ASSERT_TRUE(index_->Remove(ctx_, {"p3"}).ok());
    query.text = "espresso";
    EXPECT_TRUE(Ids(query).empty());
    EXPECT_EQ(*index_->Count(ctx_), 3);
}

TEST_F(XapianSearchIndexTest, SearchesRunWhileTheIndexIsWritten) {
    std::atomic<bool> writing{true};
    std::atomic<int> failures{0}, searches{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r)
        readers.emplace_back([&] {
            SearchQuery query;
            bool everything = false;
            while (writing.load()) {
                query.text = everything ? "" : "shoes";  // also match-all, which has its own path
                everything = !everything;
                auto results = index_->Search(ctx_, query);
                if (!results.ok() || results->total < 1) failures.fetch_add(1);
                searches.fetch_add(1);
            }
        });
    // Concurrent writers share commits; each call is durable when it returns.
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; i < 10; ++i) {
                std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
                auto written = index_->Upsert(
                    ctx_, {Doc(id, "Walking Shoes " + id, "Shoes for walks.", 4999, "/sport/shoes/", true, 500 + i)});
                if (!written.ok()) failures.fetch_add(1);
            }
        });
    for (auto& t : writers) t.join();
    writing = false;
    for (auto& t : readers) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GT(searches.load(), 0);
    EXPECT_EQ(*index_->Count(ctx_), 44);
    SearchQuery query;
    query.text = "walking";
    auto results = index_->Search(ctx_, query);
    ASSERT_TRUE(results.ok());
    EXPECT_EQ(results->total, 40);
    EXPECT_EQ(results->category_counts.size(), 2u);  // sport, shoes
}

TEST_F(XapianSearchIndexTest, FacetsCountEveryMatchWhileDocumentsComeAndGo) {
    // A removal is visible to the facet table before its commit is visible to readers:
    // the removed document still matches then and must still count in one bucket.
    std::atomic<bool> writing{true};
    std::atomic<int> searches{0}, inconsistent{0};
    std::thread reader([&] {
        SearchQuery query;
        query.text = "walking";
        while (writing.load()) {
            auto results = index_->Search(ctx_, query);
            if (!results.ok()) {
                inconsistent.fetch_add(1);
                continue;
            }
            int64_t in_buckets = 0;
            for (int64_t count : results->price_counts) in_buckets += count;
            int64_t in_sport = 0;
            for (const auto& [category, count] : results->category_counts)
                if (category == "sport") in_sport = count;
            if (in_buckets != results->total || in_sport != results->total) inconsistent.fetch_add(1);
            searches.fetch_add(1);
        }
    });
    for (int i = 0; i < 20; ++i) {
        std::string id = "come-and-go-" + std::to_string(i);
        ASSERT_TRUE(
            index_->Upsert(ctx_, {Doc(id, "Walking Shoes", "Shoes for walks.", 4999, "/sport/shoes/", true, 600)})
                .ok());
        ASSERT_TRUE(index_->Remove(ctx_, {id}).ok());
    }
    writing = false;
    reader.join();
    EXPECT_GT(searches.load(), 0);
    EXPECT_EQ(inconsistent.load(), 0);
}

TEST_F(XapianSearchIndexTest, ASecondWriterIsRefused) {
    auto second = XapianSearchIndex::Open(dir_.string());
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace emporium::search
