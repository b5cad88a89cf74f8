#include "loadgen/scenarios.hpp"

#include <cctype>
#include <memory>
#include <random>

namespace emporium::loadgen {
namespace {

constexpr std::string_view kCardBody =
    R"({"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123"}})";
constexpr int kOrderSteps = 3;              // add to cart, place the order, pay
constexpr std::size_t kCartLineLimit = 40;  // the server allows 50 lines; stay below
constexpr int kCartQuantityLimit = 90;      // and 99 units per line
constexpr int kSetupRetries = 10;
constexpr int64_t kRetryDelayNs = 100'000'000;

bool Retryable(const Response& r) { return r.status == 0 || r.status == 503 || r.status == 429; }

// An interaction counts when it succeeded; failures show in the error columns instead.
bool Succeeded(const Response& r) { return r.status >= 200 && r.status < 400; }

std::string Excerpt(const Response& r) {
    if (r.status == 0) return r.error;
    return std::to_string(r.status) + " " + r.body.substr(0, 200);
}

// What every measured script has: its user, its random stream and the shared world.
class Shopper : public Script {
  public:
    Shopper(const World& world, int index)
        : world_(world), index_(index), rng_(world.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(index)) {}

  protected:
    template <typename T>
    const T& Pick(const std::vector<T>& items) {
        return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng_)];
    }
    double Uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
    const std::string& token() const { return world_.tokens[static_cast<std::size_t>(index_) % world_.tokens.size()]; }

    Request ProductPage() { return Get("/api/v1/products/" + Pick(world_.product_ids), "product"); }
    Request ListPage() {
        if (world_.category_slugs.empty() || Uniform() < 0.5) return Get("/api/v1/products?limit=20", "list");
        return Get("/api/v1/products?limit=20&category=" + Pick(world_.category_slugs), "list");
    }
    Request SearchPage() { return Get("/api/v1/search?q=" + Pick(world_.words), "search"); }
    // A mix's read interaction: a product page (50 %), a list page (30 %) or a search (20 %);
    // without search, product 60 % and list 40 %.
    Request AnyReadPage() {
        double u = Uniform();
        if (!world_.search_available || world_.words.empty()) return u < 0.6 ? ProductPage() : ListPage();
        if (u < 0.5) return ProductPage();
        if (u < 0.8) return ListPage();
        return SearchPage();
    }

    const World& world_;
    int index_;
    std::mt19937_64 rng_;
};

class PlaintextScript : public Shopper {
  public:
    using Shopper::Shopper;
    std::optional<Request> Next() override { return Get("/health/live", "plaintext"); }
    void OnResponse(const Request&, const Response& r, Stats& stats) override {
        if (Succeeded(r)) stats.RecordInteraction("request", r.latency_ns());
    }
};

class ProductScript : public Shopper {
  public:
    using Shopper::Shopper;
    std::optional<Request> Next() override { return ProductPage(); }
    void OnResponse(const Request&, const Response& r, Stats& stats) override {
        if (Succeeded(r)) stats.RecordInteraction("product", r.latency_ns());
    }
};

class SearchScript : public Shopper {
  public:
    using Shopper::Shopper;
    std::optional<Request> Next() override { return SearchPage(); }
    void OnResponse(const Request&, const Response& r, Stats& stats) override {
        if (Succeeded(r)) stats.RecordInteraction("search", r.latency_ns());
    }
};

// A list page, then one of the products it shows.
class BrowseScript : public Shopper {
  public:
    using Shopper::Shopper;
    std::optional<Request> Next() override {
        if (next_product_.empty()) return ListPage();
        return Get("/api/v1/products/" + next_product_, "product");
    }
    void OnResponse(const Request& request, const Response& r, Stats& stats) override {
        if (request.operation == "list") {
            started_ns_ = r.start_ns;
            auto ids = r.status == 200 ? FindJsonStrings(r.body, "id", "prd_") : std::vector<std::string_view>{};
            next_product_ = ids.empty() ? Pick(world_.product_ids) : std::string(Pick(ids));
            return;
        }
        next_product_.clear();
        if (Succeeded(r)) stats.RecordInteraction("browse", r.end_ns - started_ns_);
    }

  private:
    std::string next_product_;
    int64_t started_ns_ = 0;
};

// Adds single units of random SKUs. Empties the cart when it holds 40 lines and removes a line
// that reaches 90 units, so it never reaches the server's limits (50 lines, 99 units a line).
class CartScript : public Shopper {
  public:
    using Shopper::Shopper;
    std::optional<Request> Next() override {
        if (clear_ || lines_.size() >= kCartLineLimit) return Delete("/api/v1/cart", "cart_clear").Bearer(token());
        const std::string& sku = Pick(world_.skus);
        for (const auto& line : lines_) {
            if (line.sku == sku && line.quantity >= kCartQuantityLimit) {
                return Delete("/api/v1/cart/items/" + sku, "cart_remove").Bearer(token());
            }
        }
        return Post("/api/v1/cart/items", R"({"sku":")" + sku + R"(","quantity":1})", "cart_add").Bearer(token());
    }
    void OnResponse(const Request& request, const Response& r, Stats& stats) override {
        if (Succeeded(r)) stats.RecordInteraction("cart", r.latency_ns());
        if (request.operation == "cart_clear") {
            if (r.status == 204) {
                lines_.clear();
                clear_ = false;
            }
            return;
        }
        std::string sku = SkuOf(request);
        if (request.operation == "cart_remove") {
            if (r.status == 200 || r.status == 404) std::erase_if(lines_, [&](const Line& l) { return l.sku == sku; });
            return;
        }
        if (r.status != 201) {
            clear_ = r.status != 0;  // a refused add: start again from an empty cart
            return;
        }
        for (auto& line : lines_) {
            if (line.sku == sku) {
                ++line.quantity;
                return;
            }
        }
        lines_.push_back({sku, 1});
    }

  private:
    struct Line {
        std::string sku;
        int quantity;
    };
    static std::string SkuOf(const Request& request) {
        if (request.method == "DELETE") return request.target.substr(request.target.rfind('/') + 1);
        return std::string(FindJsonString(request.body, "sku"));
    }
    std::vector<Line> lines_;  // oldest first
    bool clear_ = false;
};

// Add one unit of a random SKU → place the order (with an Idempotency-Key) → pay it. After a
// refused step the cart is emptied and the sequence starts again.
class CheckoutFlow {
  public:
    enum class Outcome { kContinue, kCompleted, kAbandoned };

    Request Next(const World& world, const std::string& sku, const std::string& token, int index) {
        switch (step_) {
            case Step::kAdd:
                return Post("/api/v1/cart/items", R"({"sku":")" + sku + R"(","quantity":1})", "cart_add").Bearer(token);
            case Step::kOrder:
                return Post("/api/v1/orders", "{}", "order")
                    .Bearer(token)
                    .Header("Idempotency-Key",
                            "bench-" + world.run_id + "-" + std::to_string(index) + "-" + std::to_string(attempt_));
            case Step::kPay:
                return Post("/api/v1/orders/" + order_id_ + "/payment", std::string(kCardBody), "payment")
                    .Bearer(token);
            case Step::kClear:
                break;
        }
        return Delete("/api/v1/cart", "cart_clear").Bearer(token);
    }

    Outcome OnResponse(const Response& r, Stats& stats, bool pay) {
        switch (step_) {
            case Step::kAdd:
                started_ns_ = r.start_ns;
                step_ = r.status == 201 ? Step::kOrder : Step::kClear;
                if (r.status == 0) step_ = Step::kAdd;
                return r.status == 0 ? Outcome::kAbandoned : Outcome::kContinue;
            case Step::kOrder:
                ++attempt_;
                if (r.status == 201) {
                    stats.Count("orders");
                    order_id_ = std::string(FindJsonString(r.body, "id"));
                    if (pay && !order_id_.empty()) {
                        step_ = Step::kPay;
                        return Outcome::kContinue;
                    }
                    step_ = Step::kAdd;
                    return Outcome::kCompleted;
                }
                stats.Count("orders_refused");
                step_ = Step::kClear;
                return Outcome::kContinue;
            case Step::kPay:
                step_ = Step::kAdd;
                if (r.status == 200) {
                    stats.Count("paid");
                    return Outcome::kCompleted;
                }
                if (r.status == 202) {
                    stats.Count("payments_processing");
                    return Outcome::kCompleted;
                }
                stats.Count("payments_refused");
                return Outcome::kAbandoned;
            case Step::kClear:
                step_ = Step::kAdd;
                return Outcome::kAbandoned;
        }
        return Outcome::kAbandoned;
    }

    bool idle() const { return step_ == Step::kAdd; }
    int64_t started_ns() const { return started_ns_; }

  private:
    enum class Step { kAdd, kOrder, kPay, kClear };
    Step step_ = Step::kAdd;
    std::string order_id_;
    int64_t started_ns_ = 0;
    int64_t attempt_ = 0;
};

class CheckoutScript : public Shopper {
  public:
    using Shopper::Shopper;
    std::optional<Request> Next() override { return flow_.Next(world_, Pick(world_.skus), token(), index_); }
    void OnResponse(const Request&, const Response& r, Stats& stats) override {
        switch (flow_.OnResponse(r, stats, world_.pay)) {
            case CheckoutFlow::Outcome::kCompleted:
                stats.RecordInteraction("checkout", r.end_ns - flow_.started_ns());
                break;
            case CheckoutFlow::Outcome::kAbandoned:
                stats.Count("checkouts_abandoned");
                break;
            case CheckoutFlow::Outcome::kContinue:
                break;
        }
    }

  private:
    CheckoutFlow flow_;
};

// TPC-W style: every request is one web interaction, a read page or an order step.
class MixScript : public Shopper {
  public:
    MixScript(const World& world, int index, double order_fraction)
        : Shopper(world, index),
          sequence_probability_(world.skus.empty() ? 0.0 : OrderSequenceProbability(order_fraction, kOrderSteps)) {}

    std::optional<Request> Next() override {
        if (!in_order_ && Uniform() < sequence_probability_) in_order_ = true;
        if (in_order_) return flow_.Next(world_, Pick(world_.skus), token(), index_);
        return AnyReadPage();
    }
    void OnResponse(const Request&, const Response& r, Stats& stats) override {
        if (!in_order_) {
            if (Succeeded(r)) stats.RecordInteraction("read", r.latency_ns());
            return;
        }
        if (Succeeded(r)) stats.RecordInteraction("order", r.latency_ns());
        if (flow_.OnResponse(r, stats, world_.pay) != CheckoutFlow::Outcome::kContinue) in_order_ = false;
    }

  private:
    double sequence_probability_;
    bool in_order_ = false;
    CheckoutFlow flow_;
};

class SignupScript : public Script {
  public:
    explicit SignupScript(SignupJob& job) : job_(job) {}

    std::optional<Request> Next() override {
        if (user_ < 0 || step_ == Step::kDone) {
            user_ = job_.next.fetch_add(1);
            if (user_ >= job_.count) return std::nullopt;
            step_ = Step::kSignup;
            attempts_ = 0;
        }
        std::string email = job_.email_prefix + std::to_string(user_) + "@bench.example.com";
        Request request;
        switch (step_) {
            case Step::kSignup:
                request = Post("/api/v1/users", R"({"email":")" + email + R"(","password":")" + job_.password + "\"}",
                               "signup");
                request.accepted_status = 409;  // already there from an earlier run: log in
                break;
            case Step::kLogin:
                request = Post("/api/v1/sessions",
                               R"({"email":")" + email + R"(","password":")" + job_.password + "\"}", "login");
                break;
            default:
                request = Post("/api/v1/cart/items", R"({"sku":")" + job_.cart_sku + R"(","quantity":1})", "cart_add")
                              .Bearer(job_.tokens[static_cast<std::size_t>(user_)]);
                break;
        }
        request.delay_ns = attempts_ * kRetryDelayNs;
        return request;
    }

    void OnResponse(const Request&, const Response& r, Stats&) override {
        if (Retryable(r) && attempts_ < kSetupRetries) {
            ++attempts_;
            return;
        }
        attempts_ = 0;
        switch (step_) {
            case Step::kSignup:
                if (r.status == 201 || r.status == 409) {
                    step_ = Step::kLogin;
                    return;
                }
                return Failed("sign-up", r);
            case Step::kLogin: {
                auto token = FindJsonString(r.body, "token");
                if (r.status != 201 || token.empty()) return Failed("login", r);
                job_.tokens[static_cast<std::size_t>(user_)] = std::string(token);
                step_ = job_.cart_sku.empty() ? Step::kDone : Step::kCart;
                return;
            }
            case Step::kCart:
                if (r.status != 201) return Failed("add to cart", r);
                step_ = Step::kDone;
                return;
            case Step::kDone:
                return;
        }
    }

  private:
    enum class Step { kSignup, kLogin, kCart, kDone };
    void Failed(const char* what, const Response& r) {
        job_.failed.fetch_add(1);
        job_.tokens[static_cast<std::size_t>(user_)].clear();
        std::lock_guard lock(job_.mutex);
        if (job_.first_error.empty()) job_.first_error = std::string(what) + ": " + Excerpt(r);
        step_ = Step::kDone;
    }

    SignupJob& job_;
    int user_ = -1;
    Step step_ = Step::kDone;
    int attempts_ = 0;
};

class CallsScript : public Script {
  public:
    explicit CallsScript(CallsJob& job) : job_(job) {}
    std::optional<Request> Next() override {
        if (current_ == kNone) {
            current_ = job_.next.fetch_add(1);
            attempts_ = 0;
            if (current_ >= job_.requests.size()) return std::nullopt;
        }
        Request request = job_.requests[current_];
        request.delay_ns = attempts_ * kRetryDelayNs;
        return request;
    }
    void OnResponse(const Request&, const Response& r, Stats&) override {
        if (Retryable(r) && attempts_ < kSetupRetries) {
            ++attempts_;
            return;
        }
        job_.responses[current_] = r;
        current_ = kNone;
    }

  private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    CallsJob& job_;
    std::size_t current_ = kNone;
    int attempts_ = 0;
};

class FlashSaleOrderScript : public Script {
  public:
    FlashSaleOrderScript(std::string token, std::string key) : token_(std::move(token)), key_(std::move(key)) {}
    std::optional<Request> Next() override {
        if (sent_) return std::nullopt;
        sent_ = true;
        Request r = Post("/api/v1/orders", "{}", "order").Bearer(token_).Header("Idempotency-Key", key_);
        r.accepted_status = 409;
        return r;
    }
    void OnResponse(const Request&, const Response& r, Stats& stats) override {
        stats.Count(r.status == 201 ? "orders_201" : r.status == 409 ? "orders_409" : "orders_other");
        stats.RecordInteraction("order", r.latency_ns());
    }

  private:
    std::string token_;
    std::string key_;
    bool sent_ = false;
};

}  // namespace

const std::vector<Scenario>& Scenarios() {
    static const std::vector<Scenario> kScenarios = {
        {"plaintext", ScenarioKind::kPlaintext, "GET /health/live: the reference ceiling", "one request", false, false,
         0},
        {"product", ScenarioKind::kProduct, "GET /api/v1/products/{id}, random id from the catalog", "one product page",
         false, false, 0},
        {"browse", ScenarioKind::kBrowse, "a list page (half filtered by category), then one product it lists",
         "list page + product page", false, false, 0},
        {"search", ScenarioKind::kSearch, "GET /api/v1/search?q=<word from a product name>", "one search", false, false,
         0},
        {"cart", ScenarioKind::kCart, "signed-in user adds one unit of a random SKU; the oldest line goes at 20 lines",
         "one cart request", true, true, 0},
        {"checkout", ScenarioKind::kCheckout, "add one unit → POST /api/v1/orders (Idempotency-Key) → pay by card",
         "a paid (or, with --no-pay, placed) order", true, true, 0},
        {"flash-sale", ScenarioKind::kFlashSale,
         "N buyers, one unit each in the cart, all order one SKU with M units at once", "one order attempt", true,
         false, 0},
        {"browsing", ScenarioKind::kMix, "TPC-W browsing mix: 95 % reads, 5 % order steps",
         "one web interaction (read page or order step)", true, true, 0.05},
        {"shopping", ScenarioKind::kMix, "TPC-W shopping mix: 80 % reads, 20 % order steps",
         "one web interaction (read page or order step)", true, true, 0.20},
        {"ordering", ScenarioKind::kMix, "TPC-W ordering mix: 50 % reads, 50 % order steps",
         "one web interaction (read page or order step)", true, true, 0.50},
    };
    return kScenarios;
}

const Scenario* FindScenario(std::string_view name) {
    for (const auto& s : Scenarios()) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

ScriptFactory MakeScenarioScripts(const Scenario& scenario, const World& world) {
    const World* w = &world;
    switch (scenario.kind) {
        case ScenarioKind::kPlaintext:
            return [w](int i) { return std::make_unique<PlaintextScript>(*w, i); };
        case ScenarioKind::kProduct:
            return [w](int i) { return std::make_unique<ProductScript>(*w, i); };
        case ScenarioKind::kBrowse:
            return [w](int i) { return std::make_unique<BrowseScript>(*w, i); };
        case ScenarioKind::kSearch:
            return [w](int i) { return std::make_unique<SearchScript>(*w, i); };
        case ScenarioKind::kCart:
            return [w](int i) { return std::make_unique<CartScript>(*w, i); };
        case ScenarioKind::kCheckout:
            return [w](int i) { return std::make_unique<CheckoutScript>(*w, i); };
        case ScenarioKind::kMix: {
            double f = scenario.order_fraction;
            return [w, f](int i) { return std::make_unique<MixScript>(*w, i, f); };
        }
        case ScenarioKind::kFlashSale:
            break;
    }
    return nullptr;
}

double OrderSequenceProbability(double order_fraction, int steps) {
    if (order_fraction <= 0) return 0;
    if (order_fraction >= 1) return 1;
    // p*s / (p*s + 1 - p) = f  ⇔  p = f / (s - f*(s - 1))
    return order_fraction / (steps - order_fraction * (steps - 1));
}

namespace {

// The string value of the "key" member whose name starts at or after `from`; `next` is set
// to where the search may continue. Tolerates whitespace around the colon.
std::string_view NextJsonString(std::string_view json, std::string_view key, std::size_t from, std::size_t& next) {
    std::string name = "\"" + std::string(key) + "\"";
    for (;;) {
        auto at = json.find(name, from);
        if (at == std::string_view::npos) {
            next = std::string_view::npos;
            return {};
        }
        std::size_t i = at + name.size();
        from = i;
        while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
        if (i >= json.size() || json[i] != ':') continue;
        ++i;
        while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
        if (i >= json.size() || json[i] != '"') continue;
        auto end = json.find('"', i + 1);
        if (end == std::string_view::npos) {
            next = std::string_view::npos;
            return {};
        }
        next = end + 1;
        return json.substr(i + 1, end - i - 1);
    }
}

}  // namespace

std::string_view FindJsonString(std::string_view json, std::string_view key) {
    std::size_t next = 0;
    return NextJsonString(json, key, 0, next);
}

std::vector<std::string_view> FindJsonStrings(std::string_view json, std::string_view key, std::string_view prefix) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    while (from != std::string_view::npos) {
        std::string_view value = NextJsonString(json, key, from, from);
        if (from != std::string_view::npos && value.substr(0, prefix.size()) == prefix) out.push_back(value);
    }
    return out;
}

ScriptFactory SignupScripts(SignupJob& job) {
    job.tokens.assign(static_cast<std::size_t>(job.count), std::string());
    return [&job](int) { return std::make_unique<SignupScript>(job); };
}

ScriptFactory CallsScripts(CallsJob& job) {
    job.responses.assign(job.requests.size(), Response{});
    return [&job](int) { return std::make_unique<CallsScript>(job); };
}

ScriptFactory FlashSaleOrderScripts(const std::vector<std::string>& tokens, const std::string& run_id) {
    return [&tokens, run_id](int i) {
        return std::make_unique<FlashSaleOrderScript>(tokens[static_cast<std::size_t>(i)],
                                                      "flash-" + run_id + "-" + std::to_string(i));
    };
}

}  // namespace emporium::loadgen
