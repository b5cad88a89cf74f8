#include "loadgen/bench.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <random>
#include <set>
#include <stdexcept>

#include "loadgen/report.hpp"
#include "loadgen/runner.hpp"
#include "loadgen/scenarios.hpp"

namespace emporium::loadgen {
namespace {

namespace json = boost::json;

constexpr const char* kUserPassword = "bench shopper secret";
constexpr int64_t kStockTopUp = 1'000'000;
constexpr int kSetupConnectionsMax = 64;
constexpr std::size_t kSearchWordsMax = 200;

// A set-up step that failed: the run stops with exit code 1.
class SetupError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

std::string Excerpt(const Response& r) {
    if (r.status == 0) return "no answer (" + r.error + ")";
    std::string body = r.body.substr(0, 300);
    std::replace(body.begin(), body.end(), '\n', ' ');
    return "HTTP " + std::to_string(r.status) + " " + body;
}

std::string UtcNow() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string UrlEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

double Seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

std::string SecondsText(int64_t ns) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f s", Seconds(ns));
    return buffer;
}

// One set-up request that must answer `expected`; returns the parsed body.
json::value Call(const Target& target, Request request, int expected, const std::string& what) {
    Response r = Fetch(target, std::move(request));
    if (r.status != expected) throw SetupError(what + ": " + Excerpt(r));
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    if (ec) throw SetupError(what + ": the answer is not JSON");
    return body;
}

int64_t IntField(const json::value& v, std::string_view key) {
    const json::object* o = v.if_object();
    if (!o) return 0;
    const json::value* field = o->if_contains(key);
    if (!field) return 0;
    if (field->is_int64()) return field->as_int64();
    if (field->is_uint64()) return static_cast<int64_t>(field->as_uint64());
    return 0;
}

std::string StringField(const json::value& v, std::string_view key) {
    const json::object* o = v.if_object();
    if (!o) return {};
    const json::value* field = o->if_contains(key);
    return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::string JsonBody(const json::object& o) { return json::serialize(o); }

RunResult RunSetup(const Target& target, int connections, int threads, const ScriptFactory& factory) {
    RunOptions options;
    options.target = target;
    options.connections = std::max(1, connections);
    options.threads = threads;
    return Run(options, factory);
}

// Reads up to `max_products` active products (ids, first SKUs, words of their names) and
// every category slug.
void LoadCatalog(const Target& target, int max_products, World& world, std::vector<std::string>& catalog_skus) {
    std::set<std::string> words;
    std::string cursor;
    while (static_cast<int>(world.product_ids.size()) < max_products) {
        std::string path = "/api/v1/products?limit=100";
        if (!cursor.empty()) path += "&cursor=" + UrlEncode(cursor);
        json::value page = Call(target, Get(path, "setup"), 200, "GET " + path);
        const json::array* items = page.at("items").if_array();
        if (!items) throw SetupError("GET /api/v1/products: no items array");
        for (const auto& item : *items) {
            if (static_cast<int>(world.product_ids.size()) >= max_products) break;
            world.product_ids.push_back(StringField(item, "id"));
            if (const json::array* variants = item.at("variants").if_array(); variants && !variants->empty()) {
                catalog_skus.push_back(StringField((*variants)[0], "sku"));
            }
            std::string word;
            for (char c : StringField(item, "name") + " ") {
                if (std::isalnum(static_cast<unsigned char>(c))) {
                    word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                } else {
                    if (word.size() >= 3 && words.size() < kSearchWordsMax) words.insert(word);
                    word.clear();
                }
            }
        }
        const json::value& next = page.at("next_cursor");
        if (!next.is_string() || items->empty()) break;
        cursor = std::string(next.as_string());
    }
    if (world.product_ids.empty()) throw SetupError("the catalog has no active product: seed it first");
    world.words.assign(words.begin(), words.end());
    json::value categories = Call(target, Get("/api/v1/categories", "setup"), 200, "GET /api/v1/categories");
    if (const json::array* items = categories.at("items").if_array()) {
        for (const auto& item : *items) world.category_slugs.push_back(StringField(item, "slug"));
    }
}

std::string AdminLogin(const Target& target, const BenchOptions& o) {
    json::value session = Call(
        target, Post("/api/v1/sessions", JsonBody({{"email", o.admin_email}, {"password", o.admin_password}}), "setup"),
        201, "admin login as " + o.admin_email);
    std::string token = StringField(session, "token");
    if (token.empty()) throw SetupError("admin login: no token in the session");
    return token;
}

// Runs independent admin calls concurrently; every one must answer `expected`.
void AdminCalls(const Target& target, const BenchOptions& o, std::vector<Request> requests, int expected,
                const std::string& what) {
    if (requests.empty()) return;
    CallsJob job;
    job.requests = std::move(requests);
    int connections = std::min<int>(static_cast<int>(job.requests.size()), 16);
    RunSetup(target, connections, o.threads, CallsScripts(job));
    for (std::size_t i = 0; i < job.responses.size(); ++i) {
        if (job.responses[i].status != expected) {
            throw SetupError(what + " (" + job.requests[i].target + "): " + Excerpt(job.responses[i]));
        }
    }
}

Request StockAdjustment(const std::string& sku, int64_t delta, const std::string& admin, const char* reason) {
    return Post("/api/v1/admin/inventory/" + sku + "/adjustments", JsonBody({{"delta", delta}, {"reason", reason}}),
                "setup")
        .Bearer(admin);
}

Request CreateProduct(const std::string& name, const std::string& slug, const std::string& sku,
                      const std::string& admin) {
    json::object variant{{"sku", sku}, {"name", "Default"}, {"price", {{"amount", 1999}, {"currency", "USD"}}}};
    return Post("/api/v1/admin/products",
                JsonBody({{"name", name}, {"slug", slug}, {"variants", json::array{variant}}}), "setup")
        .Bearer(admin);
}

// The SKUs that carts and orders buy, with ample stock when an admin is available.
void PrepareSkus(const Target& target, const BenchOptions& o, const std::string& admin,
                 const std::vector<std::string>& catalog_skus, World& world, Report& report) {
    std::vector<Request> adjustments;
    if (!admin.empty() && !o.skus_from_catalog) {
        std::vector<Request> products;
        for (int i = 0; i < o.skus; ++i) {
            std::string n = world.run_id + "-" + std::to_string(i);
            world.skus.push_back("BENCH-" + n);
            products.push_back(CreateProduct("Bench item " + n, "bench-item-" + n, world.skus.back(), admin));
        }
        AdminCalls(target, o, std::move(products), 201, "create bench product");
        report.notes.push_back("carts and orders buy " + std::to_string(o.skus) +
                               " products created for this run, each with " + std::to_string(kStockTopUp) + " units");
    } else {
        for (const auto& sku : catalog_skus) {
            if (static_cast<int>(world.skus.size()) >= o.skus) break;
            if (!sku.empty()) world.skus.push_back(sku);
        }
        if (world.skus.empty()) throw SetupError("the catalog lists no SKU");
        report.notes.push_back("carts and orders buy the first " + std::to_string(world.skus.size()) +
                               " SKUs of the catalog" +
                               (admin.empty() ? " with the stock they were seeded with (no admin credentials)"
                                              : ", each topped up by " + std::to_string(kStockTopUp) + " units"));
    }
    if (admin.empty()) return;
    for (const auto& sku : world.skus)
        adjustments.push_back(StockAdjustment(sku, kStockTopUp, admin, "emporium-bench"));
    AdminCalls(target, o, std::move(adjustments), 201, "stock adjustment");
}

// Signs up and logs in `count` users; returns the tokens of those who made it.
std::vector<std::string> SignUp(const Target& target, const BenchOptions& o, int count, const std::string& prefix,
                                const std::string& cart_sku, std::ostream& log) {
    SignupJob job;
    job.email_prefix = prefix;
    job.password = kUserPassword;
    job.count = count;
    job.cart_sku = cart_sku;
    auto started = NowNs();
    auto factory = SignupScripts(job);
    RunSetup(target, std::min(count, std::max(o.connections, kSetupConnectionsMax)), o.threads, factory);
    std::vector<std::string> tokens;
    for (auto& t : job.tokens) {
        if (!t.empty()) tokens.push_back(std::move(t));
    }
    log << "set-up: " << tokens.size() << " of " << count << " users signed up and logged in"
        << (cart_sku.empty() ? "" : ", one unit in the cart") << " in " << SecondsText(NowNs() - started) << "\n";
    if (job.failed.load() > 0) log << "set-up: " << job.failed.load() << " failed; first: " << job.first_error << "\n";
    return tokens;
}

RunFigures MeasureCeiling(const Target& target, const BenchOptions& o) {
    static const World kNoWorld;
    RunOptions options;
    options.target = target;
    options.connections = o.connections;
    options.threads = o.threads;
    options.duration_ns = o.ceiling_ns;
    options.warmup_ns = std::min<int64_t>(o.warmup_ns, 1'000'000'000);
    options.timeout_ns = o.timeout_ns;
    return FiguresOf(Run(options, MakeScenarioScripts(*FindScenario("plaintext"), kNoWorld)));
}

int RunFlashSale(const Target& target, const BenchOptions& o, const std::string& admin, World& world, Report& report,
                 std::ostream& log) {
    FlashSaleOutcome sale;
    sale.sku = "FLASH-" + world.run_id;
    sale.units = o.flash_units;
    sale.buyers = o.flash_buyers;
    Call(target, CreateProduct("Flash sale " + world.run_id, "flash-sale-" + world.run_id, sale.sku, admin), 201,
         "create the flash-sale product");
    Call(target, StockAdjustment(sale.sku, o.flash_units, admin, "emporium-bench flash sale"), 201,
         "put the flash-sale units in stock");
    std::vector<std::string> tokens =
        SignUp(target, o, o.flash_buyers, "bench-" + world.run_id + "-flash-", sale.sku, log);
    sale.buyers_ready = static_cast<int>(tokens.size());
    if (tokens.empty()) throw SetupError("no flash-sale buyer could be prepared");
    report.load.connections = sale.buyers_ready;
    report.load.users = sale.buyers_ready;
    log << "flash sale: " << sale.buyers_ready << " buyers order " << sale.units << " units of " << sale.sku
        << " at once\n";

    RunOptions options;
    options.target = target;
    options.connections = sale.buyers_ready;
    options.threads = o.threads;
    options.timeout_ns = o.timeout_ns;
    RunResult run = Run(options, FlashSaleOrderScripts(tokens, world.run_id));
    report.result = FiguresOf(run);
    sale.sale_seconds = Seconds(run.measured_ns);
    sale.orders_201 = run.stats.Counter("orders_201");
    sale.orders_409 = run.stats.Counter("orders_409");
    sale.orders_other = run.stats.Counter("orders_other");

    Response stock = Fetch(target, Get("/api/v1/admin/inventory/" + sale.sku, "setup").Bearer(admin));
    boost::system::error_code ec;
    json::value doc = json::parse(stock.body, ec);
    if (stock.status == 200 && !ec) {
        sale.inventory_read = true;
        sale.available = IntField(doc, "available");
        sale.reserved = IntField(doc, "reserved");
        sale.sold = IntField(doc, "sold");
    } else {
        report.notes.push_back("the inventory of " + sale.sku + " could not be read: " + Excerpt(stock));
    }
    report.flash_sale = sale;
    switch (JudgeFlashSale(sale)) {
        case FlashVerdict::kOk:
            return kExitOk;
        case FlashVerdict::kOversell:
            return kExitOversell;
        case FlashVerdict::kUndersold:
            return kExitUndersold;
        case FlashVerdict::kInconsistent:
            return kExitInconsistent;
    }
    return kExitFailure;
}

int Execute(const BenchOptions& o, std::ostream& out, std::ostream& log) {
    const Scenario* scenario = FindScenario(o.scenario);
    if (!scenario) throw SetupError("unknown scenario " + o.scenario);
    auto target = ParseUrl(o.url);
    if (!target) throw SetupError("--url must look like http://host:port, not " + o.url);

    Report report;
    report.scenario = std::string(scenario->name);
    report.description = std::string(scenario->description);
    report.interaction = std::string(scenario->interaction);
    report.started_at = UtcNow();
    report.machine = DescribeMachine();
    report.server.url = o.url;
    report.server.label = o.label;
    report.load.open_loop = o.rate > 0;
    report.load.rate = o.rate;
    report.load.connections = o.connections;
    report.load.threads = std::min(o.threads, o.connections);
    report.load.duration_s = Seconds(o.duration_ns);
    report.load.warmup_s = Seconds(o.warmup_ns);

    Response ready = Fetch(*target, Get("/health/ready", "setup"), o.timeout_ns);
    if (ready.status == 0) throw SetupError("cannot reach " + o.url + ": " + ready.error);
    report.server.ready_status = ready.status;
    report.server.ready_body = ready.body;
    report.server.server_header = std::string(ready.Header("Server"));

    if (!o.no_ceiling) {
        log << "ceiling: plaintext, " << o.connections << " connections, " << SecondsText(o.ceiling_ns) << "\n";
        report.ceiling = MeasureCeiling(*target, o);
    }

    World world;
    std::random_device device;
    world.seed = o.seed != 0 ? o.seed : (static_cast<uint64_t>(device()) << 32) ^ device();
    char run_id[16];
    std::snprintf(run_id, sizeof run_id, "%08x", static_cast<unsigned>(world.seed ^ (world.seed >> 32)));
    world.run_id = run_id;
    world.pay = o.pay;
    auto setup_started = NowNs();
    std::string admin;
    if (!o.admin_email.empty()) admin = AdminLogin(*target, o);

    if (scenario->kind == ScenarioKind::kFlashSale) {
        if (admin.empty()) throw SetupError("flash-sale needs --admin-email and --admin-password");
        report.load.duration_s = report.load.warmup_s = 0;
        int code = RunFlashSale(*target, o, admin, world, report, log);
        report.setup_seconds = Seconds(NowNs() - setup_started) - report.result.seconds;
        out << (o.json ? FormatJson(report) : FormatText(report));
        return code;
    }

    bool reads = scenario->kind == ScenarioKind::kProduct || scenario->kind == ScenarioKind::kBrowse ||
                 scenario->kind == ScenarioKind::kSearch || scenario->kind == ScenarioKind::kMix;
    std::vector<std::string> catalog_skus;
    if (reads || scenario->needs_skus) {
        LoadCatalog(*target, o.catalog_products, world, catalog_skus);
        log << "set-up: " << world.product_ids.size() << " products, " << world.category_slugs.size() << " categories, "
            << world.words.size() << " search words\n";
    }
    if (scenario->kind == ScenarioKind::kSearch || scenario->kind == ScenarioKind::kMix) {
        if (world.words.empty()) world.words.push_back("mug");
        Response probe = Fetch(*target, Get("/api/v1/search?q=" + world.words.front(), "setup"));
        world.search_available = probe.status != 404 && probe.status != 405;
        if (!world.search_available) {
            report.notes.push_back(scenario->kind == ScenarioKind::kSearch
                                       ? "GET /api/v1/search answers 404: the server has no search yet"
                                       : "GET /api/v1/search answers 404: the mix reads product and list pages only");
        }
    }
    if (scenario->needs_skus) PrepareSkus(*target, o, admin, catalog_skus, world, report);
    if (scenario->needs_users) {
        int users = o.users > 0 ? o.users : o.connections;
        world.tokens = SignUp(*target, o, users, "bench-" + world.run_id + "-u", "", log);
        if (world.tokens.empty()) throw SetupError("no user could sign up and log in");
        report.load.users = static_cast<int>(world.tokens.size());
    }
    if (scenario->needs_users && world.tokens.size() < static_cast<std::size_t>(o.connections)) {
        report.notes.push_back("fewer users than connections: some users have two sessions at once");
    }
    report.setup_seconds = Seconds(NowNs() - setup_started);

    RunOptions options;
    options.target = *target;
    options.connections = o.connections;
    options.threads = o.threads;
    options.duration_ns = o.duration_ns;
    options.warmup_ns = o.warmup_ns;
    options.rate = o.rate;
    options.timeout_ns = o.timeout_ns;
    log << "run: " << scenario->name << ", " << SecondsText(o.warmup_ns) << " warm-up + " << SecondsText(o.duration_ns)
        << "\n";
    report.result = FiguresOf(Run(options, MakeScenarioScripts(*scenario, world)));
    if (report.result.requests == 0) report.notes.push_back("no request completed in the measured window");
    out << (o.json ? FormatJson(report) : FormatText(report));
    return kExitOk;
}

}  // namespace

int RunBench(const BenchOptions& options, std::ostream& out, std::ostream& log) {
    try {
        return Execute(options, out, log);
    } catch (const std::exception& e) {
        log << "emporium-bench: " << e.what() << "\n";
        return kExitFailure;
    }
}

}  // namespace emporium::loadgen
