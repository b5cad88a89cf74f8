#include "services/catalog/demo_catalog.hpp"

#include <array>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace emporium::catalog {
namespace {

// SplitMix64: tiny, fast and fully deterministic across platforms (unlike std::
// distributions, whose output the standard leaves to the implementation).
struct Random {
    uint64_t state;
    uint64_t Next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::size_t Below(std::size_t n) { return static_cast<std::size_t>(Next() % n); }
    template <typename T, std::size_t N>
    const T& Pick(const std::array<T, N>& items) {
        return items[Below(N)];
    }
};

std::string HexId(std::string_view prefix, uint64_t value) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(prefix);
    id += "_";
    for (int i = 15; i >= 0; --i) id += kHex[(value >> (i * 4)) & 0xF];
    return id;
}

struct Department {
    std::string_view name;
    std::array<std::string_view, 4> subcategories;
    std::array<std::string_view, 8> nouns;
    std::array<std::string_view, 6> materials;
    int64_t min_price;  // cents
    int64_t max_price;
    bool sized;
};

const std::array<Department, 8> kDepartments = {{
    {"Clothing",
     {"T-Shirts", "Jackets", "Trousers", "Knitwear"},
     {"T-Shirt", "Jacket", "Hoodie", "Chinos", "Sweater", "Polo Shirt", "Parka", "Cardigan"},
     {"Cotton", "Linen", "Merino Wool", "Organic Cotton", "Denim", "Fleece"},
     1500,
     25000,
     true},
    {"Footwear",
     {"Sneakers", "Boots", "Sandals", "Running Shoes"},
     {"Sneaker", "Chelsea Boot", "Sandal", "Running Shoe", "Loafer", "Hiking Boot", "Slip-On", "Trail Runner"},
     {"Leather", "Suede", "Canvas", "Mesh", "Nubuck", "Rubber"},
     3000,
     30000,
     true},
    {"Kitchen",
     {"Cookware", "Knives", "Coffee & Tea", "Storage"},
     {"Frying Pan", "Chef's Knife", "French Press", "Saucepan", "Cutting Board", "Kettle", "Dutch Oven",
      "Spice Jar Set"},
     {"Stainless Steel", "Cast Iron", "Bamboo", "Ceramic", "Carbon Steel", "Glass"},
     800,
     40000,
     false},
    {"Electronics",
     {"Headphones", "Speakers", "Chargers", "Smart Home"},
     {"Wireless Headphones", "Bluetooth Speaker", "USB-C Charger", "Smart Plug", "Earbuds", "Power Bank", "Desk Lamp",
      "Webcam"},
     {"Aluminium", "Matte Black", "Recycled Plastic", "Graphite", "Silver", "White"},
     1200,
     60000,
     false},
    {"Home",
     {"Bedding", "Lighting", "Decor", "Bath"},
     {"Duvet Cover", "Table Lamp", "Throw Blanket", "Bath Towel", "Cushion", "Wall Clock", "Vase", "Candle"},
     {"Linen", "Velvet", "Cotton Percale", "Oak", "Terracotta", "Wool"},
     900,
     35000,
     false},
    {"Outdoor",
     {"Camping", "Backpacks", "Cycling", "Climbing"},
     {"Tent", "Backpack", "Sleeping Bag", "Bike Light", "Water Bottle", "Camping Stove", "Headlamp", "Rain Jacket"},
     {"Ripstop Nylon", "Titanium", "Recycled Polyester", "Aluminium", "Down", "Waxed Canvas"},
     1000,
     80000,
     false},
    {"Beauty",
     {"Skincare", "Hair", "Fragrance", "Bath & Body"},
     {"Face Serum", "Shampoo", "Eau de Parfum", "Body Lotion", "Lip Balm", "Hand Cream", "Face Mask", "Soap Bar"},
     {"Aloe", "Argan Oil", "Shea Butter", "Vitamin C", "Lavender", "Charcoal"},
     400,
     15000,
     false},
    {"Toys & Games",
     {"Board Games", "Puzzles", "Building Sets", "Outdoor Play"},
     {"Board Game", "Jigsaw Puzzle", "Building Set", "Kite", "Card Game", "Wooden Train", "Marble Run", "Frisbee"},
     {"Wooden", "Classic", "Deluxe", "Travel", "Family", "Eco"},
     500,
     12000,
     false},
}};

constexpr std::array<std::string_view, 16> kAdjectives = {
    "Classic", "Everyday", "Premium", "Essential", "Vintage", "Modern", "Lightweight", "Heritage",
    "Compact", "Urban",    "Coastal", "Nordic",    "Studio",  "Field",  "Signature",   "Weekend"};
constexpr std::array<std::string_view, 12> kBrands = {"Northwind", "Acme",    "Fabrikam",      "Contoso",
                                                      "Tailspin",  "Wingtip", "Litware",       "Proseware",
                                                      "Adatum",    "Lucerne", "Fourth Coffee", "Alpine Ski House"};
constexpr std::array<std::string_view, 8> kColors = {"Black", "White", "Navy", "Olive", "Sand", "Red", "Grey", "Blue"};
constexpr std::array<std::string_view, 5> kSizes = {"XS", "S", "M", "L", "XL"};
constexpr std::array<std::string_view, 6> kBenefits = {
    "built to last for years of daily use",    "designed with comfort in mind",
    "made from responsibly sourced materials", "easy to care for",
    "tested by our team in real conditions",   "backed by a two-year warranty"};

}  // namespace

core::Result<int64_t> SeedDemoCatalog(
    const core::RequestContext& ctx, CatalogRepository& repository, const DemoCatalogOptions& options,
    const std::function<core::Result<void>(const std::vector<Product>&, int64_t)>& on_batch) {
    Random random{options.seed};
    std::vector<Category> roots, leaves;
    std::vector<std::size_t> leaf_department;
    for (std::size_t d = 0; d < kDepartments.size(); ++d) {
        const auto& department = kDepartments[d];
        Category root;
        root.id = HexId("cat", random.Next());
        root.name = std::string(department.name);
        root.slug = core::Slugify(root.name);
        root.path = "/" + root.id + "/";
        root.created_at = options.created_at;
        EMPORIUM_TRY(repository.InsertCategory(ctx, root));
        for (auto sub : department.subcategories) {
            Category leaf;
            leaf.id = HexId("cat", random.Next());
            leaf.name = std::string(sub);
            leaf.slug = core::Slugify(std::string(department.name) + " " + std::string(sub));
            leaf.parent_id = root.id;
            leaf.path = root.path + leaf.id + "/";
            leaf.created_at = options.created_at;
            EMPORIUM_TRY(repository.InsertCategory(ctx, leaf));
            leaves.push_back(leaf);
            leaf_department.push_back(d);
        }
        roots.push_back(root);
    }

    int64_t written = 0;
    std::vector<Product> batch;
    for (int64_t i = 0; i < options.products; ++i) {
        std::size_t leaf_index = random.Below(leaves.size());
        const auto& department = kDepartments[leaf_department[leaf_index]];
        Product p;
        p.id = HexId("prd", random.Next());
        std::string brand(random.Pick(kBrands));
        std::string noun(random.Pick(department.nouns));
        std::string material(random.Pick(department.materials));
        p.name = brand + " " + std::string(random.Pick(kAdjectives)) + " " + material + " " + noun;
        p.slug = core::Slugify(p.name, 80) + "-" + std::to_string(i + 1);
        p.description = "The " + p.name + " is " + std::string(random.Pick(kBenefits)) + ". " + material +
                        " gives it a feel you notice from the first day, and it is " +
                        std::string(random.Pick(kBenefits)) + ". Part of our " + std::string(department.name) +
                        " range from " + brand + ".";
        p.status = ProductStatus::kActive;
        p.category_id = leaves[leaf_index].id;
        std::string color(random.Pick(kColors));
        p.attributes_json = "{\"brand\":\"" + brand + "\",\"material\":\"" + material + "\",\"color\":\"" + color +
                            "\",\"rating\":" + std::to_string(30 + random.Below(21)) + "}";
        p.images = {"https://images.emporium.dev/products/" + p.id + "/1.jpg",
                    "https://images.emporium.dev/products/" + p.id + "/2.jpg"};
        int64_t span = (department.max_price - department.min_price) / 100;
        int64_t base =
            department.min_price + static_cast<int64_t>(random.Below(static_cast<std::size_t>(span) + 1)) * 100 - 1;
        std::size_t variant_count = department.sized ? 3 + random.Below(3) : 1 + random.Below(3);
        for (std::size_t v = 0; v < variant_count; ++v) {
            Variant variant;
            variant.sku = "SKU-" + std::to_string(i + 1) + "-" + std::to_string(v + 1);
            std::string option = department.sized
                                     ? std::string(kSizes[v % kSizes.size()])
                                     : std::string(kColors[(v + random.Below(kColors.size())) % kColors.size()]);
            variant.name = option;
            variant.price = Money{base + static_cast<int64_t>(v) * (department.sized ? 0 : 500), "USD"};
            variant.attributes_json =
                department.sized ? "{\"size\":\"" + option + "\"}" : "{\"color\":\"" + option + "\"}";
            p.variants.push_back(std::move(variant));
        }
        p.price_from = p.variants.front().price;
        p.created_at = p.updated_at = options.created_at + i;
        batch.push_back(std::move(p));
        if (static_cast<int64_t>(batch.size()) >= options.batch_size || i + 1 == options.products) {
            EMPORIUM_TRY(repository.InsertProducts(ctx, batch, CatalogRepository::Events::kNone));
            written += static_cast<int64_t>(batch.size());
            if (on_batch) EMPORIUM_TRY(on_batch(batch, written));
            batch.clear();
        }
    }
    return written;
}

}  // namespace emporium::catalog
