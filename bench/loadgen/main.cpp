// emporium-bench: load generator for the shop's real workloads. See bench/loadgen/README.md.
//   emporium-bench <scenario> --url http://127.0.0.1:8080 --duration 10s --connections 32 [--rate R] [--json] ...
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/bench.hpp"
#include "loadgen/scenarios.hpp"

namespace {

// "10s", "500ms", "2m", "1.5s" or a bare number of seconds, in nanoseconds.
std::optional<int64_t> ParseDuration(const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    std::string unit = text.substr(used);
    double scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1e9;
    } else if (unit == "ms") {
        scale = 1e6;
    } else if (unit == "us") {
        scale = 1e3;
    } else if (unit == "m" || unit == "min") {
        scale = 60e9;
    } else {
        return std::nullopt;
    }
    if (!(value >= 0) || !std::isfinite(value)) return std::nullopt;
    return static_cast<int64_t>(value * scale);
}

CLI::Validator DurationValidator() {
    return CLI::Validator(
        [](std::string& text) { return ParseDuration(text) ? std::string() : "not a duration (10s, 500ms, 2m)"; },
        "DURATION");
}

// Many connections need many descriptors: take the hard limit.
void RaiseDescriptorLimit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int main(int argc, char** argv) {
    using emporium::loadgen::BenchOptions;
    BenchOptions o;
    std::string duration = "10s", warmup = "1s", ceiling = "3s", timeout = "30s";
    std::vector<std::string> names;
    std::string scenario_help = "Scenario:";
    for (const auto& s : emporium::loadgen::Scenarios()) {
        names.emplace_back(s.name);
        scenario_help += "\n  " + std::string(s.name) + ": " + std::string(s.description);
    }

    CLI::App app{"emporium-bench: HTTP/1.1 keep-alive load generator for Emporium's workloads"};
    app.footer(
        "Exit codes: 0 done; 1 bad options, server unreachable or set-up failed; flash-sale: 2 OVERSELL, "
        "3 UNDERSOLD, 4 orders and inventory disagree.");
    app.add_option("scenario", o.scenario, scenario_help)->required()->check(CLI::IsMember(names));
    app.add_option("--url", o.url, "Server base URL (http only)")->capture_default_str();
    app.add_option("--duration,-d", duration, "Measured time after the warm-up")
        ->check(DurationValidator())
        ->capture_default_str();
    app.add_option("--warmup", warmup, "Warm-up before measuring (responses not recorded)")
        ->check(DurationValidator())
        ->capture_default_str();
    app.add_option("--connections,-c", o.connections, "Keep-alive connections (closed loop: the concurrency)")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--threads,-t", o.threads, "Event-loop threads, one io_context each")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--rate,-R", o.rate,
                   "Open loop: requests/s in total at fixed intended times; latency from the intended start")
        ->check(CLI::PositiveNumber);
    app.add_flag("--json", o.json, "Print one JSON object instead of the table");
    app.add_flag("--no-ceiling", o.no_ceiling, "Skip the plaintext ceiling measured before the scenario");
    app.add_option("--ceiling-duration", ceiling, "How long the plaintext ceiling is measured")
        ->check(DurationValidator())
        ->capture_default_str();
    app.add_option("--timeout", timeout, "A request unanswered this long fails")
        ->check(DurationValidator())
        ->capture_default_str();
    app.add_option("--users", o.users, "Users signed up in the set-up (default: one per connection)")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--skus", o.skus, "SKUs that carts and orders buy")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    app.add_flag("--skus-from-catalog", o.skus_from_catalog,
                 "Buy the catalog's first SKUs (topped up when admin credentials are given) instead of products "
                 "created for the run");
    app.add_option("--catalog-products", o.catalog_products, "Products read from the catalog for product pages")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_flag("--no-pay{false}", o.pay, "checkout and mixes: place orders without paying them");
    app.add_option("--flash-units", o.flash_units, "flash-sale: units in stock (M)")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--flash-buyers", o.flash_buyers, "flash-sale: buyers racing for them (N), one connection each")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--admin-email", o.admin_email, "An admin account (emporium admin create)")
        ->envname("EMPORIUM_BENCH_ADMIN_EMAIL");
    app.add_option("--admin-password", o.admin_password, "Its password")->envname("EMPORIUM_BENCH_ADMIN_PASSWORD");
    app.add_option("--label", o.label, "How the server is configured, printed in the report");
    app.add_option("--seed", o.seed, "Random seed (default: from the system)");
    CLI11_PARSE(app, argc, argv);

    o.duration_ns = *ParseDuration(duration);
    o.warmup_ns = *ParseDuration(warmup);
    o.ceiling_ns = *ParseDuration(ceiling);
    o.timeout_ns = *ParseDuration(timeout);
    if (o.duration_ns <= 0 || o.ceiling_ns <= 0 || o.timeout_ns <= 0) {
        std::cerr << "emporium-bench: --duration, --ceiling-duration and --timeout must be positive\n";
        return emporium::loadgen::kExitFailure;
    }
    if (o.admin_email.empty() != o.admin_password.empty()) {
        std::cerr << "emporium-bench: --admin-email and --admin-password go together\n";
        return emporium::loadgen::kExitFailure;
    }
    RaiseDescriptorLimit();
    return emporium::loadgen::RunBench(o, std::cout, std::cerr);
}
