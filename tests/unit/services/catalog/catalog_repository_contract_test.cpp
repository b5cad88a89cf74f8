// The contract every CatalogRepository adapter passes (services/catalog/catalog_repository.hpp).
// Every adapter in Adapters() below passes the same cases: SQLite, PostgreSQL and the
// in-memory fake.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_catalog_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/catalog/catalog_repository.hpp"
#include "services/catalog/storage/postgres_catalog_repository.hpp"
#include "services/catalog/storage/sqlite_catalog_repository.hpp"

namespace emporium::catalog {
namespace {

using Subject = testing::ContractSubject<CatalogRepository>;
using CatalogAdapter = testing::ContractAdapter<CatalogRepository>;
using testing::CodeOf;

// The field named by a failed result's first field error.
template <typename T>
std::string FieldOf(const core::Result<T>& result) {
    if (result.ok() || result.error().fields.empty()) return "";
    return result.error().fields[0].field;
}

// The PostgreSQL adapter reading on the tests' streaming replica: every case reads right
// after its writes, so each one also checks read-your-writes.
CatalogAdapter PostgresWithReplica() {
    return {"postgres_replica", true, [] {
                auto subject =
                    testing::PostgresContractAdapter<CatalogRepository, PostgresCatalogRepository>({"catalog", "bus"})
                        .make();
                if (!subject.pg) return subject;
                auto replica_conninfo = subject.pg_database->replica_conninfo();
                if (!replica_conninfo) {
                    ADD_FAILURE() << "EMPORIUM_TEST_POSTGRES_REPLICA is not set";
                    return subject;
                }
                infra::postgres::DatabaseOptions options;
                options.name = "replica";
                options.conninfo = *replica_conninfo;
                options.connections = 2;
                options.read_only = true;
                auto replica = infra::postgres::Database::Open(std::move(options));
                if (!replica.ok()) {
                    ADD_FAILURE() << replica.error().message;
                    return subject;
                }
                struct ReplicaSide {
                    std::unique_ptr<infra::postgres::Database> replica;
                    std::unique_ptr<infra::postgres::ReplicaReads> reads;
                };
                auto side = std::make_shared<ReplicaSide>();
                side->replica = std::move(replica).value();
                side->reads = std::make_unique<infra::postgres::ReplicaReads>(*subject.pg, side->replica.get(),
                                                                              std::chrono::milliseconds(1000));
                // As the shop does after its migrations: the replica may not have the tables yet.
                side->reads->RequireEverythingWrittenSoFar(core::RequestContext{});
                subject.repository = std::make_unique<PostgresCatalogRepository>(*side->reads);
                subject.extra = side;
                return subject;
            }};
}

std::vector<CatalogAdapter> Adapters() {
    return {testing::SqliteContractAdapter<CatalogRepository, SqliteCatalogRepository>("catalog", {"catalog", "bus"}),
            testing::PostgresContractAdapter<CatalogRepository, PostgresCatalogRepository>({"catalog", "bus"}),
            PostgresWithReplica(), testing::MemoryContractAdapter<CatalogRepository, MemoryCatalogRepository>()};
}

class CatalogRepositoryContract : public ::testing::TestWithParam<CatalogAdapter> {
  protected:
    void SetUp() override {
        subject_ = GetParam().make();
        ASSERT_TRUE(subject_.repository);
        repo_ = subject_.repository.get();
    }

    static Category NewCategory(const std::string& id, const std::string& slug,
                                const std::optional<Category>& parent = std::nullopt) {
        Category category;
        category.id = id;
        category.slug = slug;
        category.name = "Category " + slug;
        if (parent) category.parent_id = parent->id;
        category.path = (parent ? parent->path : std::string("/")) + id + "/";
        category.created_at = 100;
        return category;
    }
    // A product with one variant per SKU, priced `price`, `price + 1`, ...
    static Product NewProduct(const std::string& id, const std::string& name, int64_t price,
                              std::vector<std::string> skus = {},
                              std::optional<std::string> category_id = std::nullopt) {
        Product p;
        p.id = id;
        p.slug = "slug-" + id;
        p.name = name;
        p.description = "About " + name;
        p.category_id = std::move(category_id);
        p.attributes_json = R"({"color":"red"})";
        p.images = {"https://img.example/" + id + ".png"};
        if (skus.empty()) skus.push_back("SKU-" + id);
        for (std::size_t i = 0; i < skus.size(); ++i)
            p.variants.push_back(
                Variant{skus[i], "V" + std::to_string(i), Money{price + static_cast<int64_t>(i), "USD"}, "{}"});
        p.price_from = Money{price, "USD"};
        p.created_at = p.updated_at = 1000;
        return p;
    }
    void Insert(const Category& category) {
        auto inserted = repo_->InsertCategory(ctx_, category);
        ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    void Insert(const std::vector<Product>& products) {
        auto inserted = repo_->InsertProducts(ctx_, products);
        ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    std::vector<ListedProduct> List(const ProductFilter& filter) {
        auto listed = repo_->ListProducts(ctx_, filter);
        EXPECT_TRUE(listed.ok()) << listed.error().message;
        return listed.ok() ? *listed : std::vector<ListedProduct>{};
    }
    static std::vector<std::string> Ids(const std::vector<ListedProduct>& page) {
        std::vector<std::string> ids;
        for (const auto& listed : page) ids.push_back(listed.product.id);
        return ids;
    }
    // Every page of `filter`'s list, `limit` at a time, each page's ids in a vector.
    std::vector<std::vector<std::string>> Pages(ProductFilter filter, int limit) {
        filter.limit = limit;
        std::vector<std::vector<std::string>> pages;
        for (int guard = 0; guard < 20; ++guard) {
            auto page = List(filter);
            if (page.empty()) break;
            pages.push_back(Ids(page));
            const ListedProduct& last = page.back();
            filter.after = ListPosition{last.seq, last.product.price_from.amount, last.product.name};
        }
        return pages;
    }

    core::RequestContext ctx_;
    Subject subject_;
    CatalogRepository* repo_ = nullptr;
};

TEST_P(CatalogRepositoryContract, CategoriesAreFoundByIdOrSlugAndListedParentsFirst) {
    Category root = NewCategory("cat_root", "home");
    Category mugs = NewCategory("cat_mugs", "mugs", root);
    Category other = NewCategory("cat_zz", "garden");
    Insert(root);
    Insert(other);
    Insert(mugs);
    for (auto found : {repo_->FindCategory(ctx_, "cat_mugs"), repo_->FindCategory(ctx_, "mugs")}) {
        ASSERT_TRUE(found.ok()) << found.error().message;
        EXPECT_EQ(found->id, "cat_mugs");
        EXPECT_EQ(found->slug, "mugs");
        EXPECT_EQ(found->name, "Category mugs");
        EXPECT_EQ(found->parent_id, std::optional<std::string>("cat_root"));
        EXPECT_EQ(found->path, "/cat_root/cat_mugs/");
        EXPECT_EQ(found->created_at, 100);
    }
    EXPECT_FALSE(repo_->FindCategory(ctx_, "cat_root")->parent_id);
    EXPECT_EQ(CodeOf(repo_->FindCategory(ctx_, "cat_none")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindCategory(ctx_, "none")), core::ErrorCode::kNotFound);
    auto listed = repo_->ListCategories(ctx_);
    ASSERT_TRUE(listed.ok());
    std::vector<std::string> ids;
    for (const auto& c : *listed) ids.push_back(c.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"cat_root", "cat_mugs", "cat_zz"}));
}

TEST_P(CatalogRepositoryContract, ACategorySlugIsUniqueAndAnUpdateRenames) {
    Insert(NewCategory("cat_a", "alpha"));
    Insert(NewCategory("cat_b", "beta"));
    EXPECT_EQ(CodeOf(repo_->InsertCategory(ctx_, NewCategory("cat_c", "alpha"))), core::ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(repo_->FindCategory(ctx_, "cat_c")), core::ErrorCode::kNotFound);

    Category renamed = NewCategory("cat_a", "gamma");
    renamed.name = "Gamma";
    EXPECT_EQ(CodeOf(repo_->UpdateCategory(ctx_, NewCategory("cat_none", "delta"), 200)), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->UpdateCategory(ctx_, NewCategory("cat_a", "beta"), 200)), core::ErrorCode::kConflict);
    ASSERT_TRUE(repo_->UpdateCategory(ctx_, renamed, 200).ok());
    EXPECT_EQ(repo_->FindCategory(ctx_, "gamma")->name, "Gamma");
    EXPECT_EQ(CodeOf(repo_->FindCategory(ctx_, "alpha")), core::ErrorCode::kNotFound);
    EXPECT_EQ(repo_->FindCategory(ctx_, "beta")->id, "cat_b");
}

TEST_P(CatalogRepositoryContract, AnInsertedProductIsFoundByIdOrSlugWithItsVariantsInOrder) {
    Category mugs = NewCategory("cat_mugs", "mugs");
    Insert(mugs);
    Insert({NewProduct("prd_1", "Mug", 500, {"MUG-Z", "MUG-A", "MUG-M"}, "cat_mugs")});
    EXPECT_EQ(repo_->CountProducts(ctx_).value(), 1);
    for (auto found : {repo_->FindProduct(ctx_, "prd_1"), repo_->FindProduct(ctx_, "slug-prd_1")}) {
        ASSERT_TRUE(found.ok()) << found.error().message;
        EXPECT_EQ(found->id, "prd_1");
        EXPECT_EQ(found->slug, "slug-prd_1");
        EXPECT_EQ(found->name, "Mug");
        EXPECT_EQ(found->description, "About Mug");
        EXPECT_EQ(found->status, ProductStatus::kActive);
        EXPECT_EQ(found->category_id, std::optional<std::string>("cat_mugs"));
        EXPECT_EQ(found->attributes_json, R"({"color":"red"})");
        EXPECT_EQ(found->images, std::vector<std::string>{"https://img.example/prd_1.png"});
        EXPECT_EQ(found->price_from.amount, 500);
        EXPECT_EQ(found->price_from.currency, "USD");
        EXPECT_EQ(found->created_at, 1000);
        EXPECT_EQ(found->version, 1);
        ASSERT_EQ(found->variants.size(), 3u);
        EXPECT_EQ(found->variants[0].sku, "MUG-Z");  // as given, not sorted
        EXPECT_EQ(found->variants[1].sku, "MUG-A");
        EXPECT_EQ(found->variants[2].sku, "MUG-M");
        EXPECT_EQ(found->variants[1].name, "V1");
        EXPECT_EQ(found->variants[1].price.amount, 501);
    }
    auto variant = repo_->FindVariant(ctx_, "MUG-A");
    ASSERT_TRUE(variant.ok()) << variant.error().message;
    EXPECT_EQ(variant->product_id, "prd_1");
    EXPECT_EQ(variant->product_name, "Mug");
    EXPECT_EQ(variant->variant_name, "V1");
    EXPECT_EQ(variant->price.amount, 501);
    EXPECT_EQ(variant->status, ProductStatus::kActive);
}

TEST_P(CatalogRepositoryContract, UnknownProductsAndSkusAreNotFound) {
    Insert({NewProduct("prd_1", "Mug", 500)});
    EXPECT_EQ(CodeOf(repo_->FindProduct(ctx_, "prd_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindProduct(ctx_, "slug-prd_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindProduct(ctx_, "prd_1x")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindVariant(ctx_, "SKU-prd_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->UpdateProduct(ctx_, NewProduct("prd_2", "Plate", 700))), core::ErrorCode::kNotFound);
    EXPECT_EQ(repo_->CountProducts(ctx_).value(), 1);
}

TEST_P(CatalogRepositoryContract, ATakenSlugOrSkuIsAConflictNamingItAndTheBatchStoresNothing) {
    Insert({NewProduct("prd_1", "Mug", 500)});
    Product same_slug = NewProduct("prd_3", "Plate", 700);
    same_slug.slug = "slug-prd_1";
    auto slug = repo_->InsertProducts(ctx_, {NewProduct("prd_2", "Bowl", 600), same_slug});
    EXPECT_EQ(CodeOf(slug), core::ErrorCode::kConflict);
    EXPECT_EQ(FieldOf(slug), "slug");
    auto sku = repo_->InsertProducts(
        ctx_, {NewProduct("prd_2", "Bowl", 600), NewProduct("prd_3", "Plate", 700, {"SKU-prd_1"})});
    EXPECT_EQ(CodeOf(sku), core::ErrorCode::kConflict);
    EXPECT_EQ(FieldOf(sku), "sku");
    auto twice = repo_->InsertProducts(ctx_, {NewProduct("prd_4", "Cup", 300, {"CUP", "CUP"})});
    EXPECT_EQ(CodeOf(twice), core::ErrorCode::kConflict);
    EXPECT_EQ(FieldOf(twice), "sku");
    // All or nothing: the products before the clash are not stored either.
    EXPECT_EQ(repo_->CountProducts(ctx_).value(), 1);
    EXPECT_EQ(CodeOf(repo_->FindProduct(ctx_, "prd_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindVariant(ctx_, "SKU-prd_2")), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->FindVariant(ctx_, "CUP")), core::ErrorCode::kNotFound);
}

TEST_P(CatalogRepositoryContract, AnUnknownCategoryIsAnInvalidCategoryId) {
    Insert({NewProduct("prd_1", "Mug", 500)});
    auto inserted = repo_->InsertProducts(ctx_, {NewProduct("prd_2", "Bowl", 600, {}, "cat_none")});
    EXPECT_EQ(CodeOf(inserted), core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(inserted), "category_id");
    Product moved = NewProduct("prd_1", "Mug", 500, {}, "cat_none");
    auto updated = repo_->UpdateProduct(ctx_, moved);
    EXPECT_EQ(CodeOf(updated), core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(updated), "category_id");
    EXPECT_EQ(repo_->CountProducts(ctx_).value(), 1);
    EXPECT_FALSE(repo_->FindProduct(ctx_, "prd_1")->category_id);
}

TEST_P(CatalogRepositoryContract, AnUpdateBumpsTheVersionAndAStaleOneIsAConflict) {
    Insert({NewProduct("prd_1", "Mug", 500, {"MUG-1", "MUG-2"}), NewProduct("prd_2", "Bowl", 600)});
    Product read = repo_->FindProduct(ctx_, "prd_1").value();
    Product changed = read;
    changed.name = "Big mug";
    changed.created_at = 5;  // not changed by an update
    changed.updated_at = 2000;
    changed.variants = {Variant{"MUG-3", "Big", Money{900, "USD"}, "{}"}};
    changed.price_from = Money{900, "USD"};
    ASSERT_TRUE(repo_->UpdateProduct(ctx_, changed).ok());
    auto now = repo_->FindProduct(ctx_, "prd_1");
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(now->version, read.version + 1);
    EXPECT_EQ(now->name, "Big mug");
    EXPECT_EQ(now->created_at, 1000);
    EXPECT_EQ(now->updated_at, 2000);
    EXPECT_EQ(now->price_from.amount, 900);
    ASSERT_EQ(now->variants.size(), 1u);
    EXPECT_EQ(now->variants[0].sku, "MUG-3");
    EXPECT_EQ(CodeOf(repo_->FindVariant(ctx_, "MUG-1")), core::ErrorCode::kNotFound);  // replaced
    EXPECT_EQ(repo_->FindVariant(ctx_, "MUG-3")->product_name, "Big mug");

    Product stale = read;  // still at the version read before the update
    stale.name = "Lost update";
    auto conflict = repo_->UpdateProduct(ctx_, stale);
    EXPECT_EQ(CodeOf(conflict), core::ErrorCode::kConflict);
    EXPECT_EQ(FieldOf(conflict), "version");
    EXPECT_EQ(repo_->FindProduct(ctx_, "prd_1")->name, "Big mug");

    Product bowl = repo_->FindProduct(ctx_, "prd_2").value();
    bowl.slug = "slug-prd_1";
    auto slug = repo_->UpdateProduct(ctx_, bowl);
    EXPECT_EQ(CodeOf(slug), core::ErrorCode::kConflict);
    EXPECT_EQ(FieldOf(slug), "slug");
    bowl = repo_->FindProduct(ctx_, "prd_2").value();
    bowl.variants.push_back(Variant{"MUG-3", "", Money{1, "USD"}, "{}"});
    auto sku = repo_->UpdateProduct(ctx_, bowl);
    EXPECT_EQ(CodeOf(sku), core::ErrorCode::kConflict);
    EXPECT_EQ(FieldOf(sku), "sku");
    EXPECT_EQ(repo_->FindProduct(ctx_, "prd_2")->version, 1);
    // A SKU the update freed can be taken by another product.
    bowl.variants.back().sku = "MUG-1";
    ASSERT_TRUE(repo_->UpdateProduct(ctx_, bowl).ok());
    EXPECT_EQ(repo_->FindVariant(ctx_, "MUG-1")->product_id, "prd_2");
}

TEST_P(CatalogRepositoryContract, NewestFirstPagesNeitherRepeatNorSkipWhenProductsAreAdded) {
    Insert({NewProduct("prd_1", "A", 100), NewProduct("prd_2", "B", 100), NewProduct("prd_3", "C", 100)});
    Insert({NewProduct("prd_4", "D", 100), NewProduct("prd_5", "E", 100)});
    ProductFilter filter;
    filter.limit = 2;
    auto first = List(filter);
    EXPECT_EQ(Ids(first), (std::vector<std::string>{"prd_5", "prd_4"}));
    Insert({NewProduct("prd_6", "F", 100)});  // arrives between two pages
    filter.after = ListPosition{first.back().seq, 0, ""};
    auto second = List(filter);
    EXPECT_EQ(Ids(second), (std::vector<std::string>{"prd_3", "prd_2"}));
    filter.after = ListPosition{second.back().seq, 0, ""};
    EXPECT_EQ(Ids(List(filter)), std::vector<std::string>{"prd_1"});
    EXPECT_EQ(Pages(ProductFilter{}, 4),
              (std::vector<std::vector<std::string>>{{"prd_6", "prd_5", "prd_4", "prd_3"}, {"prd_2", "prd_1"}}));
}

TEST_P(CatalogRepositoryContract, PriceAndNameOrdersBreakTiesByInsertionAcrossPages) {
    Insert({NewProduct("prd_1", "Cup", 300), NewProduct("prd_2", "Bowl", 200), NewProduct("prd_3", "Cup", 200),
            NewProduct("prd_4", "Apron", 300), NewProduct("prd_5", "Bowl", 100)});
    ProductFilter filter;
    filter.sort = ProductSort::kPriceAsc;
    EXPECT_EQ(Pages(filter, 2),
              (std::vector<std::vector<std::string>>{{"prd_5", "prd_2"}, {"prd_3", "prd_1"}, {"prd_4"}}));
    filter.sort = ProductSort::kPriceDesc;
    EXPECT_EQ(Pages(filter, 2),
              (std::vector<std::vector<std::string>>{{"prd_4", "prd_1"}, {"prd_3", "prd_2"}, {"prd_5"}}));
    filter.sort = ProductSort::kNameAsc;
    EXPECT_EQ(Pages(filter, 3),
              (std::vector<std::vector<std::string>>{{"prd_4", "prd_2", "prd_5"}, {"prd_1", "prd_3"}}));
}

TEST_P(CatalogRepositoryContract, ListFiltersByStatusCategorySubtreeAndPrice) {
    Category home = NewCategory("cat_home", "home");
    Category mugs = NewCategory("cat_mugs", "mugs", home);
    Category garden = NewCategory("cat_garden", "garden");
    Insert(home);
    Insert(mugs);
    Insert(garden);
    Product draft = NewProduct("prd_2", "Draft mug", 250, {}, "cat_mugs");
    draft.status = ProductStatus::kDraft;
    Product archived = NewProduct("prd_5", "Old rake", 900, {}, "cat_garden");
    archived.status = ProductStatus::kArchived;
    Insert({NewProduct("prd_1", "Vase", 400, {}, "cat_home"), draft, NewProduct("prd_3", "Mug", 150, {}, "cat_mugs"),
            NewProduct("prd_4", "Spade", 700, {}, "cat_garden"), archived, NewProduct("prd_6", "Loose", 300)});

    ProductFilter filter;
    filter.limit = 100;
    EXPECT_EQ(Ids(List(filter)).size(), 6u);
    filter.statuses = {ProductStatus::kActive};
    EXPECT_EQ(Ids(List(filter)), (std::vector<std::string>{"prd_6", "prd_4", "prd_3", "prd_1"}));
    filter.statuses = {ProductStatus::kDraft, ProductStatus::kArchived};
    EXPECT_EQ(Ids(List(filter)), (std::vector<std::string>{"prd_5", "prd_2"}));
    filter.statuses.clear();
    filter.category_path = home.path;  // the subtree: home and mugs
    EXPECT_EQ(Ids(List(filter)), (std::vector<std::string>{"prd_3", "prd_2", "prd_1"}));
    filter.category_path = mugs.path;
    EXPECT_EQ(Ids(List(filter)), (std::vector<std::string>{"prd_3", "prd_2"}));
    filter.category_path.reset();
    filter.price_min = 250;  // inclusive bounds on price_from
    filter.price_max = 700;
    EXPECT_EQ(Ids(List(filter)), (std::vector<std::string>{"prd_6", "prd_4", "prd_2", "prd_1"}));
    filter.statuses = {ProductStatus::kActive};
    filter.category_path = home.path;
    EXPECT_EQ(Ids(List(filter)), std::vector<std::string>{"prd_1"});
}

TEST_P(CatalogRepositoryContract, FindVariantsReturnsEachKnownSkuOnceWithItsProduct) {
    Product draft = NewProduct("prd_2", "Bowl", 600, {"BOWL-S", "BOWL-L"});
    draft.status = ProductStatus::kDraft;
    Insert({NewProduct("prd_1", "Mug", 500, {"MUG-S", "MUG-L"}), draft});
    auto found = repo_->FindVariants(ctx_, {"MUG-L", "NONE", "BOWL-S", "MUG-L"});
    ASSERT_TRUE(found.ok()) << found.error().message;
    std::vector<VariantInfo> variants = *found;
    std::sort(variants.begin(), variants.end(), [](const auto& a, const auto& b) { return a.sku < b.sku; });
    ASSERT_EQ(variants.size(), 2u);
    EXPECT_EQ(variants[0].sku, "BOWL-S");
    EXPECT_EQ(variants[0].product_id, "prd_2");
    EXPECT_EQ(variants[0].product_name, "Bowl");
    EXPECT_EQ(variants[0].status, ProductStatus::kDraft);
    EXPECT_EQ(variants[0].price.amount, 600);
    EXPECT_EQ(variants[1].sku, "MUG-L");
    EXPECT_EQ(variants[1].variant_name, "V1");
    EXPECT_EQ(variants[1].price.amount, 501);
    EXPECT_TRUE(repo_->FindVariants(ctx_, {}).value().empty());
}

TEST_P(CatalogRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(CodeOf(repo_->InsertProducts(expired, {NewProduct("prd_1", "Mug", 500)})), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->InsertCategory(expired, NewCategory("cat_a", "a"))), core::ErrorCode::kUnavailable);
    EXPECT_EQ(repo_->CountProducts(ctx_).value(), 0);
    EXPECT_TRUE(repo_->ListCategories(ctx_).value().empty());
    Insert({NewProduct("prd_1", "Mug", 500)});
    Product changed = repo_->FindProduct(ctx_, "prd_1").value();
    changed.name = "Late";
    EXPECT_EQ(CodeOf(repo_->UpdateProduct(expired, changed)), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->FindProduct(expired, "prd_1")), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->ListProducts(expired, ProductFilter{})), core::ErrorCode::kUnavailable);
    EXPECT_EQ(repo_->FindProduct(ctx_, "prd_1")->name, "Mug");
}

INSTANTIATE_TEST_SUITE_P(Adapters, CatalogRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<CatalogAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::catalog
