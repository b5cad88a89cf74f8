#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace emporium::loadgen {

// Everything the command line sets (see main.cpp for the flags and their meaning).
struct BenchOptions {
    std::string scenario;
    std::string url = "http://127.0.0.1:8080";
    std::string label;
    int64_t duration_ns = 10'000'000'000;
    int64_t warmup_ns = 1'000'000'000;
    int64_t ceiling_ns = 3'000'000'000;
    int64_t timeout_ns = 30'000'000'000;
    int connections = 32;
    int threads = 1;
    double rate = 0;
    bool json = false;
    bool no_ceiling = false;
    int users = 0;  // 0: one per connection
    int skus = 100;
    bool skus_from_catalog = false;
    int catalog_products = 1000;
    bool pay = true;
    int flash_units = 100;
    int flash_buyers = 1000;
    std::string admin_email;
    std::string admin_password;
    uint64_t seed = 0;  // 0: from the clock
};

// Exit codes of RunBench / the binary.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // unusable options, server unreachable, set-up failed
inline constexpr int kExitOversell = 2;      // flash sale sold more than it had
inline constexpr int kExitUndersold = 3;     // flash sale sold fewer than it could
inline constexpr int kExitInconsistent = 4;  // flash sale: orders and inventory disagree

// Set-up, plaintext ceiling, measured run, report (text or JSON) on `out`; progress on `log`.
int RunBench(const BenchOptions& options, std::ostream& out, std::ostream& log);

}  // namespace emporium::loadgen
