#include "loadgen/scenarios.hpp"

#include <gtest/gtest.h>

#include <set>

namespace emporium::loadgen {
namespace {

World SmallWorld() {
    World w;
    w.product_ids = {"prd_1", "prd_2", "prd_3"};
    w.category_slugs = {"kitchen"};
    w.words = {"mug", "lamp"};
    w.skus = {"SKU-A", "SKU-B", "SKU-C"};
    w.tokens = {"tok0", "tok1"};
    w.run_id = "r1";
    w.seed = 99;
    return w;
}

Response Answer(int status, std::string body = {}) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.start_ns = 1000;
    r.end_ns = 3000;
    return r;
}

std::string HeaderOf(const Request& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
        if (n == name) return v;
    }
    return {};
}

TEST(Scenarios, EveryIssueScenarioExists) {
    std::set<std::string> names;
    for (const auto& s : Scenarios()) names.insert(std::string(s.name));
    EXPECT_EQ(names, (std::set<std::string>{"plaintext", "product", "browse", "search", "cart", "checkout",
                                            "flash-sale", "browsing", "shopping", "ordering"}));
    EXPECT_EQ(FindScenario("shopping")->order_fraction, 0.20);
    EXPECT_EQ(FindScenario("nope"), nullptr);
}

TEST(Scenarios, OrderSequenceProbabilityGivesTheMixShare) {
    for (double f : {0.05, 0.20, 0.50}) {
        double p = OrderSequenceProbability(f, 3);
        EXPECT_NEAR(3 * p / (3 * p + (1 - p)), f, 1e-12) << f;
    }
    EXPECT_EQ(OrderSequenceProbability(0, 3), 0);
    EXPECT_EQ(OrderSequenceProbability(1, 3), 1);
}

TEST(Scenarios, FindJsonStringTakesTheFirstValue) {
    std::string order = R"({"id":"ord_2_abc","items":[{"sku":"A","product_id":"prd_9"}],"status":"PENDING_PAYMENT"})";
    EXPECT_EQ(FindJsonString(order, "id"), "ord_2_abc");
    EXPECT_EQ(FindJsonString(order, "status"), "PENDING_PAYMENT");
    EXPECT_EQ(FindJsonString(order, "token"), "");
    // Pretty-printed JSON (Python's json.dumps) and a key that appears as a value first.
    EXPECT_EQ(FindJsonString(R"({"kind": "token", "token" : "T1"})", "token"), "T1");
    EXPECT_EQ(FindJsonString(R"({"id": 5, "id": "x"})", "id"), "x");
    std::string page = R"({"items":[{"id":"prd_1","category_id":"cat_1"},{"id":"prd_2"}],"next_cursor":null})";
    auto ids = FindJsonStrings(page, "id", "prd_");
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(ids[0], "prd_1");
    EXPECT_EQ(ids[1], "prd_2");
}

TEST(Scenarios, CheckoutAddsOrdersAndPays) {
    World w = SmallWorld();
    auto script = MakeScenarioScripts(*FindScenario("checkout"), w)(1);
    Stats stats;

    Request add = *script->Next();
    EXPECT_EQ(add.method, "POST");
    EXPECT_EQ(add.target, "/api/v1/cart/items");
    EXPECT_EQ(HeaderOf(add, "Authorization"), "Bearer tok1");
    EXPECT_NE(add.body.find("\"quantity\":1"), std::string::npos);
    script->OnResponse(add, Answer(201), stats);

    Request order = *script->Next();
    EXPECT_EQ(order.target, "/api/v1/orders");
    std::string key = HeaderOf(order, "Idempotency-Key");
    EXPECT_FALSE(key.empty());
    script->OnResponse(order, Answer(201, R"({"id":"ord_0_xyz","status":"PENDING_PAYMENT"})"), stats);

    Request pay = *script->Next();
    EXPECT_EQ(pay.target, "/api/v1/orders/ord_0_xyz/payment");
    EXPECT_NE(pay.body.find("4242424242424242"), std::string::npos);
    script->OnResponse(pay, Answer(200), stats);

    EXPECT_EQ(stats.Counter("orders"), 1);
    EXPECT_EQ(stats.Counter("paid"), 1);
    EXPECT_EQ(stats.interactions().count(), 1);

    // The next order uses a fresh idempotency key.
    Request add2 = *script->Next();
    script->OnResponse(add2, Answer(201), stats);
    EXPECT_NE(HeaderOf(*script->Next(), "Idempotency-Key"), key);
}

TEST(Scenarios, CheckoutEmptiesTheCartAfterARefusedOrder) {
    World w = SmallWorld();
    auto script = MakeScenarioScripts(*FindScenario("checkout"), w)(0);
    Stats stats;
    Request add = *script->Next();
    script->OnResponse(add, Answer(201), stats);
    Request order = *script->Next();
    script->OnResponse(order, Answer(409), stats);
    Request clear = *script->Next();
    EXPECT_EQ(clear.method, "DELETE");
    EXPECT_EQ(clear.target, "/api/v1/cart");
    script->OnResponse(clear, Answer(204), stats);
    EXPECT_EQ(script->Next()->target, "/api/v1/cart/items");
    EXPECT_EQ(stats.Counter("orders_refused"), 1);
    EXPECT_EQ(stats.Counter("checkouts_abandoned"), 1);
}

TEST(Scenarios, CheckoutWithoutPaymentStopsAtTheOrder) {
    World w = SmallWorld();
    w.pay = false;
    auto script = MakeScenarioScripts(*FindScenario("checkout"), w)(0);
    Stats stats;
    script->OnResponse(*script->Next(), Answer(201), stats);
    script->OnResponse(*script->Next(), Answer(201, R"({"id":"ord_1_q"})"), stats);
    EXPECT_EQ(script->Next()->target, "/api/v1/cart/items");
    EXPECT_EQ(stats.Counter("orders"), 1);
    EXPECT_EQ(stats.Counter("paid"), 0);
}

TEST(Scenarios, CartStaysBelowTheLineLimit) {
    World w = SmallWorld();
    w.skus.clear();
    for (int i = 0; i < 500; ++i) w.skus.push_back("SKU-" + std::to_string(i));
    auto script = MakeScenarioScripts(*FindScenario("cart"), w)(0);
    Stats stats;
    std::set<std::string> lines;
    for (int i = 0; i < 2000; ++i) {
        Request r = *script->Next();
        ASSERT_EQ(HeaderOf(r, "Authorization"), "Bearer tok0") << r.method << " " << r.target;
        if (r.method == "POST") {
            lines.insert(std::string(FindJsonString(r.body, "sku")));
            script->OnResponse(r, Answer(201), stats);
        } else {
            ASSERT_EQ(r.method, "DELETE");
            if (r.target == "/api/v1/cart") {
                lines.clear();
                script->OnResponse(r, Answer(204), stats);
            } else {
                lines.erase(r.target.substr(r.target.rfind('/') + 1));
                script->OnResponse(r, Answer(200), stats);
            }
        }
        ASSERT_LT(lines.size(), 50u);
    }
}

TEST(Scenarios, CartLineStaysBelowTheQuantityLimit) {
    World w = SmallWorld();
    w.skus = {"ONLY"};
    auto script = MakeScenarioScripts(*FindScenario("cart"), w)(0);
    Stats stats;
    int quantity = 0;
    for (int i = 0; i < 300; ++i) {
        Request r = *script->Next();
        if (r.method == "POST") {
            ++quantity;
            script->OnResponse(r, Answer(201), stats);
        } else {
            EXPECT_EQ(r.target, "/api/v1/cart/items/ONLY");
            quantity = 0;
            script->OnResponse(r, Answer(200), stats);
        }
        ASSERT_LE(quantity, 90);
    }
}

TEST(Scenarios, MixesHitTheirOrderShare) {
    World w = SmallWorld();
    for (const char* name : {"browsing", "shopping", "ordering"}) {
        const Scenario& scenario = *FindScenario(name);
        auto script = MakeScenarioScripts(scenario, w)(0);
        Stats stats;
        for (int i = 0; i < 60'000; ++i) {
            Request r = *script->Next();
            int status = r.method == "GET" ? 200 : r.target == "/api/v1/cart/items" ? 201 : 0;
            if (r.target == "/api/v1/orders") status = 201;
            if (r.target.find("/payment") != std::string::npos) status = 200;
            script->OnResponse(r, Answer(status, R"({"id":"ord_1_m"})"), stats);
        }
        auto kinds = stats.interaction_kinds();
        double share = static_cast<double>(kinds["order"]) / static_cast<double>(stats.interactions().count());
        EXPECT_NEAR(share, scenario.order_fraction, 0.015) << name;
        EXPECT_GT(stats.Counter("paid"), 0) << name;
    }
}

TEST(Scenarios, MixWithoutSearchReadsProductAndListPagesOnly) {
    World w = SmallWorld();
    w.search_available = false;
    auto script = MakeScenarioScripts(*FindScenario("browsing"), w)(0);
    Stats stats;
    for (int i = 0; i < 2000; ++i) {
        Request r = *script->Next();
        EXPECT_EQ(r.target.find("/api/v1/search"), std::string::npos);
        script->OnResponse(r, Answer(r.method == "GET" ? 200 : 201, R"({"id":"ord_1_m"})"), stats);
    }
}

TEST(Scenarios, BrowseOpensAProductFromTheListPage) {
    World w = SmallWorld();
    auto script = MakeScenarioScripts(*FindScenario("browse"), w)(0);
    Stats stats;
    Request list = *script->Next();
    EXPECT_EQ(list.target.rfind("/api/v1/products?limit=20", 0), 0u);
    script->OnResponse(list, Answer(200, R"({"items":[{"id":"prd_77"}],"next_cursor":null})"), stats);
    Request product = *script->Next();
    EXPECT_EQ(product.target, "/api/v1/products/prd_77");
    script->OnResponse(product, Answer(200), stats);
    EXPECT_EQ(stats.interactions().count(), 1);
    EXPECT_EQ(script->Next()->operation, "list");
}

TEST(Scenarios, FlashSaleOrderTreats409AsAnAnswerNotAnError) {
    std::vector<std::string> tokens = {"a", "b"};
    auto script = FlashSaleOrderScripts(tokens, "r")(1);
    Request order = *script->Next();
    EXPECT_EQ(HeaderOf(order, "Authorization"), "Bearer b");
    EXPECT_FALSE(script->Next());  // one order per buyer
    Stats stats;
    stats.RecordResponse(order, Answer(409));
    script->OnResponse(order, Answer(409), stats);
    EXPECT_EQ(stats.errors(), 0);
    EXPECT_EQ(stats.Counter("orders_409"), 1);
}

TEST(Scenarios, SignupRetriesA503ThenLogsInAndFillsTheCart) {
    SignupJob job;
    job.email_prefix = "p-";
    job.password = "long enough password";
    job.count = 1;
    job.cart_sku = "FLASH-1";
    auto script = SignupScripts(job)(0);
    Stats stats;
    Request signup = *script->Next();
    EXPECT_EQ(signup.target, "/api/v1/users");
    EXPECT_NE(signup.body.find("p-0@bench.example.com"), std::string::npos);
    script->OnResponse(signup, Answer(503), stats);
    Request again = *script->Next();
    EXPECT_EQ(again.target, "/api/v1/users");
    EXPECT_GT(again.delay_ns, 0);
    script->OnResponse(again, Answer(201), stats);
    Request login = *script->Next();
    EXPECT_EQ(login.target, "/api/v1/sessions");
    script->OnResponse(login, Answer(201, R"({"token":"T0","token_type":"Bearer"})"), stats);
    Request cart = *script->Next();
    EXPECT_EQ(HeaderOf(cart, "Authorization"), "Bearer T0");
    script->OnResponse(cart, Answer(201), stats);
    EXPECT_FALSE(script->Next());
    EXPECT_EQ(job.tokens[0], "T0");
    EXPECT_EQ(job.failed.load(), 0);
}

}  // namespace
}  // namespace emporium::loadgen
