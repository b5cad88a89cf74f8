#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/histogram.hpp"
#include "loadgen/runner.hpp"

namespace emporium::loadgen {

struct Machine {
    int cores = 0;  // std::thread::hardware_concurrency()
    std::string cpu_model;
    double memory_gib = 0;
};

// Reads /proc/cpuinfo and /proc/meminfo (empty / 0 where unavailable).
Machine DescribeMachine();

struct ServerInfo {
    std::string url;
    std::string label;       // --label: how the server was configured, in the operator's words
    int ready_status = 0;    // GET /health/ready
    std::string ready_body;  // its body (the server's own description of its readiness checks)
    std::string server_header;
};

struct LoadShape {
    bool open_loop = false;
    double rate = 0;  // open loop: requests/s offered
    int connections = 0;
    int threads = 0;
    int users = 0;
    double duration_s = 0;
    double warmup_s = 0;
};

struct OperationFigures {
    std::string name;
    int64_t requests = 0;
    double per_s = 0;
    int64_t errors = 0;
    LatencySummary latency;
};

// One run's figures, per second of the measured window.
struct RunFigures {
    double seconds = 0;
    int64_t requests = 0;
    double requests_per_s = 0;
    LatencySummary latency;
    int64_t interactions = 0;
    double interactions_per_s = 0;
    LatencySummary interaction_latency;
    std::map<std::string, int64_t> interaction_kinds;
    std::vector<OperationFigures> operations;
    std::map<std::string, int64_t> statuses;  // "200": n; "none": no response
    std::map<std::string, int64_t> transport_errors;
    int64_t errors = 0;
    std::map<std::string, int64_t> counters;
    int64_t unfinished = 0;
    int64_t max_backlog = 0;
    int64_t reconnects = 0;
};

RunFigures FiguresOf(const RunResult& run);

enum class FlashVerdict { kOk, kOversell, kUndersold, kInconsistent };

struct FlashSaleOutcome {
    std::string sku;
    int units = 0;           // stock put on sale (M)
    int buyers = 0;          // buyers asked for (N)
    int buyers_ready = 0;    // buyers that signed up and hold one unit in the cart
    int64_t orders_201 = 0;  // orders placed: the units sold
    int64_t orders_409 = 0;  // refused: sold out
    int64_t orders_other = 0;
    bool inventory_read = false;  // the admin inventory endpoint answered
    int64_t available = 0;
    int64_t reserved = 0;
    int64_t sold = 0;
    double sale_seconds = 0;  // from the first order sent to the last answer
};

// kOversell: more orders than units, or the inventory accounts for more than the units.
// kUndersold: fewer orders than min(units, buyers_ready). kInconsistent: the order count is
// right but the inventory's reserved + sold differs from it.
FlashVerdict JudgeFlashSale(const FlashSaleOutcome& outcome);
const char* VerdictName(FlashVerdict verdict);

struct Report {
    std::string scenario;
    std::string description;
    std::string interaction;  // what one interaction is
    std::string started_at;   // RFC 3339 UTC
    Machine machine;
    ServerInfo server;
    LoadShape load;
    std::optional<RunFigures> ceiling;  // plaintext, same connections, same run
    RunFigures result;
    std::optional<FlashSaleOutcome> flash_sale;
    double setup_seconds = 0;
    std::vector<std::string> notes;
};

// Fraction of the ceiling's requests/s (0 when there is no ceiling).
double ShareOfCeiling(const Report& report, double per_s);

// The human table.
std::string FormatText(const Report& report);
// One JSON object (see bench/loadgen/README.md for the fields).
std::string FormatJson(const Report& report);

}  // namespace emporium::loadgen
