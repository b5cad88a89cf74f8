#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "bus/storage/local_event_bus.hpp"
#include "bus/storage/sqlite_outbox_store.hpp"
#include "core/random.hpp"
#include "infra/sqlite/database.hpp"
#include "services/catalog/catalog_service_impl.hpp"
#include "services/catalog/demo_catalog.hpp"
#include "services/catalog/storage/sqlite_catalog_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::catalog {
namespace {

Product ValidProduct() {
    Product p;
    p.name = "Mug";
    p.slug = "mug";
    p.variants = {Variant{"MUG-1", "Blue", Money{1200, "USD"}, "{}"}, Variant{"MUG-2", "Red", Money{900, "USD"}, "{}"}};
    return p;
}

bool HasField(const std::vector<core::FieldError>& errors, std::string_view field) {
    for (const auto& e : errors)
        if (e.field == field) return true;
    return false;
}

TEST(CatalogRules, ValidProductPasses) { EXPECT_TRUE(ValidateProduct(ValidProduct()).empty()); }

TEST(CatalogRules, EachBrokenRuleNamesItsField) {
    auto p = ValidProduct();
    p.variants[1].price.currency = "EUR";
    EXPECT_TRUE(HasField(ValidateProduct(p), "variants[1].price.currency"));
    p = ValidProduct();
    p.variants[0].price.amount = -1;
    EXPECT_TRUE(HasField(ValidateProduct(p), "variants[0].price.amount"));
    p = ValidProduct();
    p.variants[1].sku = "MUG-1";
    EXPECT_TRUE(HasField(ValidateProduct(p), "variants[1].sku"));
    p = ValidProduct();
    p.images = {"ftp://x/y.jpg"};
    EXPECT_TRUE(HasField(ValidateProduct(p), "images[0]"));
    p = ValidProduct();
    p.variants.clear();
    EXPECT_TRUE(HasField(ValidateProduct(p), "variants"));
    p = ValidProduct();
    p.slug = "Not A Slug";
    EXPECT_TRUE(HasField(ValidateProduct(p), "slug"));
}

TEST(CatalogRules, CursorsRoundTripAndRejectTampering) {
    ListPosition position{42, 1999, "Blue | Mug"};
    auto cursor = EncodeCursor(ProductSort::kNameAsc, position);
    auto decoded = DecodeCursor(cursor, ProductSort::kNameAsc);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->seq, 42);
    EXPECT_EQ(decoded->price, 1999);
    EXPECT_EQ(decoded->name, "Blue | Mug");
    EXPECT_FALSE(DecodeCursor(cursor, ProductSort::kPriceAsc).ok());  // another sort's cursor
    EXPECT_FALSE(DecodeCursor("garbage!", ProductSort::kNameAsc).ok());
    EXPECT_FALSE(DecodeCursor(core::Base64UrlEncode("v1|3|x|1|n"), ProductSort::kNameAsc).ok());
}

class FixedClock final : public core::Clock {
  public:
    int64_t NowSeconds() const override { return 1'800'000'000; }
};

class CatalogServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto db =
            testing::OpenTestDatabase(dir_.path(), "catalog", infra::sqlite::EmbeddedMigrations({"catalog", "bus"}));
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        repository_ = std::make_unique<SqliteCatalogRepository>(*db_);
        service_ = std::make_unique<CatalogServiceImpl>(*repository_, clock_);
    }
    void TearDown() override {
        service_.reset();
        repository_.reset();
        db_.reset();
    }

    FixedClock clock_;
    core::RequestContext ctx_;
    testing::TempDir dir_{"emporium-catalog-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<SqliteCatalogRepository> repository_;
    std::unique_ptr<CatalogServiceImpl> service_;
};

TEST_F(CatalogServiceTest, SeedIsDeterministicAndListable) {
    DemoCatalogOptions options;
    options.products = 300;
    options.batch_size = 128;
    ASSERT_EQ(*SeedDemoCatalog(ctx_, *repository_, options), 300);
    EXPECT_EQ(*repository_->CountProducts(ctx_), 300);
    auto first = service_->GetProduct(ctx_, "prd_0000000000000000", false);
    EXPECT_FALSE(first.ok());
    ProductQuery query;
    query.limit = 5;
    auto page = service_->ListProducts(ctx_, query);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->items.size(), 5u);
    // Same seed in a fresh repository gives the same first product.
    auto again_dir = dir_ / "again";
    std::filesystem::create_directories(again_dir);
    auto again_db =
        testing::OpenTestDatabase(again_dir, "catalog", infra::sqlite::EmbeddedMigrations({"catalog", "bus"}), 1);
    ASSERT_TRUE(again_db.ok());
    SqliteCatalogRepository again(**again_db);
    ASSERT_TRUE(SeedDemoCatalog(ctx_, again, options).ok());
    auto same = again.FindProduct(ctx_, page->items[0].id);
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->name, page->items[0].name);
    EXPECT_EQ(same->price_from.amount, page->items[0].price_from.amount);
}

TEST_F(CatalogServiceTest, PaginationIsStableUnderInserts) {
    DemoCatalogOptions options;
    options.products = 60;
    ASSERT_TRUE(SeedDemoCatalog(ctx_, *repository_, options).ok());
    for (auto sort : {ProductSort::kNewest, ProductSort::kPriceAsc, ProductSort::kPriceDesc, ProductSort::kNameAsc}) {
        std::set<std::string> seen;
        std::set<std::string> before;
        {
            ProductQuery all;
            all.limit = 100;
            all.sort = sort;
            auto everything = service_->ListProducts(ctx_, all);
            ASSERT_TRUE(everything.ok());
            for (auto& p : everything->items) before.insert(p.id);
        }
        ProductQuery query;
        query.limit = 7;
        query.sort = sort;
        int inserted = 0;
        while (true) {
            auto page = service_->ListProducts(ctx_, query);
            ASSERT_TRUE(page.ok()) << page.error().message;
            for (auto& p : page->items) EXPECT_TRUE(seen.insert(p.id).second) << "repeated " << p.id;
            ProductInput input;
            input.name = "Inserted " + std::to_string(static_cast<int>(sort)) + "-" + std::to_string(inserted++);
            input.variants = std::vector<VariantInput>{
                VariantInput{"INS-" + std::to_string(static_cast<int>(sort)) + "-" + std::to_string(inserted),
                             {},
                             int64_t{500} * inserted,
                             std::string("USD"),
                             {}}};
            ASSERT_TRUE(service_->CreateProduct(ctx_, input).ok());
            if (!page->next_cursor) break;
            query.cursor = *page->next_cursor;
        }
        for (const auto& id : before) EXPECT_TRUE(seen.contains(id)) << "skipped " << id;
    }
}

TEST_F(CatalogServiceTest, CategoryFilterIncludesSubcategories) {
    auto root = service_->CreateCategory(ctx_, {std::string("Kitchen"), {}, {}});
    ASSERT_TRUE(root.ok());
    auto child = service_->CreateCategory(ctx_, {std::string("Knives"), {}, root->id});
    ASSERT_TRUE(child.ok());
    auto other = service_->CreateCategory(ctx_, {std::string("Garden"), {}, {}});
    ASSERT_TRUE(other.ok());
    auto make = [&](const std::string& name, const std::string& category, int64_t price) {
        ProductInput input;
        input.name = name;
        input.category_id_present = true;
        input.category_id = category;
        input.variants = std::vector<VariantInput>{VariantInput{name + "-SKU", {}, price, std::string("USD"), {}}};
        auto product = service_->CreateProduct(ctx_, input);
        ASSERT_TRUE(product.ok()) << product.error().message;
    };
    make("Pan", root->id, 3000);
    make("Knife", child->id, 5000);
    make("Rake", other->id, 2000);
    ProductQuery query;
    query.category = "kitchen";
    EXPECT_EQ(service_->ListProducts(ctx_, query)->items.size(), 2u);
    query.category = child->id;
    EXPECT_EQ(service_->ListProducts(ctx_, query)->items.size(), 1u);
    query.category = root->id;
    query.price_min = 4000;
    EXPECT_EQ(service_->ListProducts(ctx_, query)->items.size(), 1u);
}

Money PriceOf(const core::Result<VariantInfo>& variant) { return variant.ok() ? variant->price : Money{-1, ""}; }

TEST_F(CatalogServiceTest, CachedVariantsFollowProductChanges) {
    ProductInput input;
    input.name = "Kettle";
    input.status = "active";
    input.variants = std::vector<VariantInput>{VariantInput{"KET-1", {}, int64_t{2500}, std::string("USD"), {}}};
    CatalogServiceImpl cached(*repository_, clock_, 1 << 20);  // the fixture's service has no variant cache
    auto created = cached.CreateProduct(ctx_, input);
    ASSERT_TRUE(created.ok()) << created.error().message;
    EXPECT_EQ(PriceOf(cached.GetVariant(ctx_, "KET-1")).amount, 2500);  // now cached

    // A change through this service is seen at once, by both lookups.
    ProductInput reprice;
    reprice.variants = std::vector<VariantInput>{VariantInput{"KET-1", {}, int64_t{2700}, std::string("USD"), {}}};
    ASSERT_TRUE(cached.UpdateProduct(ctx_, created->id, reprice).ok());
    EXPECT_EQ(PriceOf(cached.GetVariant(ctx_, "KET-1")).amount, 2700);
    auto many = cached.GetVariants(ctx_, {"KET-1", "KET-1", "NOPE"});
    ASSERT_TRUE(many.ok());
    ASSERT_EQ(many->size(), 1u);  // each existing SKU once
    EXPECT_EQ((*many)[0].price.amount, 2700);
    ASSERT_TRUE(cached.ArchiveProduct(ctx_, created->id).ok());
    auto archived = cached.GetVariant(ctx_, "KET-1");
    ASSERT_TRUE(archived.ok());
    EXPECT_EQ(archived->status, ProductStatus::kArchived);

    // A change written past this service (another process) shows once its ProductChanged
    // event is delivered, not before.
    auto stored = repository_->FindProduct(ctx_, created->id);
    ASSERT_TRUE(stored.ok());
    stored->variants[0].price.amount = 3100;
    ASSERT_TRUE(repository_->UpdateProduct(ctx_, *stored).ok());
    EXPECT_EQ(PriceOf(cached.GetVariant(ctx_, "KET-1")).amount, 2700);
    bus::SqliteOutboxStore outbox(*db_);
    bus::LocalEventBus bus(bus::LocalEventBusSettings{.handler_threads = 0}, clock_);
    bus.AddSource("catalog", outbox);
    cached.SubscribeVariantCacheInvalidation(bus);
    bus.DeliverPending();
    EXPECT_EQ(PriceOf(cached.GetVariant(ctx_, "KET-1")).amount, 3100);
    auto again = cached.GetVariants(ctx_, {"KET-1"});
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ((*again)[0].price.amount, 3100);
}

}  // namespace
}  // namespace emporium::catalog
