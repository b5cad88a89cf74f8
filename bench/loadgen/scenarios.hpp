#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/runner.hpp"

namespace emporium::loadgen {

// What the set-up phase learnt, shared read-only by every script of the measured run.
struct World {
    std::vector<std::string> product_ids;     // active products from the catalog list
    std::vector<std::string> category_slugs;  // for list pages filtered by category
    std::vector<std::string> words;           // search terms taken from product names
    std::vector<std::string> skus;            // what carts and orders buy
    std::vector<std::string> tokens;          // one bearer token per user; connection i is user i % size
    bool search_available = true;             // false: mixes leave search pages out
    bool pay = true;                          // checkout and order interactions pay their order
    std::string run_id;                       // makes idempotency keys and e-mails unique per run
    uint64_t seed = 1;
};

enum class ScenarioKind {
    kPlaintext,
    kProduct,
    kBrowse,
    kSearch,
    kCart,
    kCheckout,
    kFlashSale,
    kMix,
};

struct Scenario {
    std::string_view name;
    ScenarioKind kind;
    std::string_view description;
    std::string_view interaction;  // what one interaction is in this scenario
    bool needs_users;
    bool needs_skus;
    double order_fraction;  // mixes: the share of interactions that are order steps
};

// Every scenario, in the order `bench/run-all` runs them.
const std::vector<Scenario>& Scenarios();
const Scenario* FindScenario(std::string_view name);

// The measured phase's scripts for `scenario` (not kFlashSale). `world` must outlive the run.
ScriptFactory MakeScenarioScripts(const Scenario& scenario, const World& world);

// A mix draws, before each interaction, either a read (one interaction) or an order sequence
// (`steps` interactions: add to cart, place the order, pay). Returns the probability of
// drawing the sequence so that order steps are `order_fraction` of all interactions:
// p * steps / (p * steps + (1 - p)) = f.
double OrderSequenceProbability(double order_fraction, int steps);

// The first "key":"value" string value in JSON text, without unescaping (for ids and tokens,
// which need none); empty when absent. Cheaper than parsing a whole document on the hot path.
std::string_view FindJsonString(std::string_view json, std::string_view key);

// Every such value that starts with `prefix` (product ids of a list page: "prd_").
std::vector<std::string_view> FindJsonStrings(std::string_view json, std::string_view key, std::string_view prefix);

// Set-up: signs up `count` users (e-mail `<email_prefix><i>@bench.example.com`), logs each in
// and, when `cart_sku` is set, puts one unit of it into the user's cart. Users are shared out
// among the connections; 503 answers and transport failures are retried. tokens[i] is set
// for each user that succeeded.
struct SignupJob {
    std::string email_prefix;
    std::string password;
    int count = 0;
    std::string cart_sku;
    std::vector<std::string> tokens;  // sized `count` by SignupScripts
    std::atomic<int> next{0};
    std::atomic<int> failed{0};
    std::mutex mutex;
    std::string first_error;  // guarded by mutex
};
ScriptFactory SignupScripts(SignupJob& job);

// Set-up: independent requests shared out among the connections; responses[i] answers
// requests[i] (503s and transport failures retried a few times).
struct CallsJob {
    std::vector<Request> requests;
    std::vector<Response> responses;
    std::atomic<std::size_t> next{0};
};
ScriptFactory CallsScripts(CallsJob& job);

// The flash sale itself: connection i places one order for the user of tokens[i] (whose cart
// holds one unit of the sale's SKU). A 409 (sold out) is an expected answer, not an error.
// Counters: "orders_201", "orders_409", "orders_other".
ScriptFactory FlashSaleOrderScripts(const std::vector<std::string>& tokens, const std::string& run_id);

}  // namespace emporium::loadgen
