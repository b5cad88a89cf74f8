#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/histogram.hpp"
#include "loadgen/http_message.hpp"

namespace emporium::loadgen {

// What one thread observed. The runner records each response inside the measurement window;
// scripts add interactions and named counters (orders, paid, ...). Not thread-safe: one per
// thread, combined with Merge() after the run.
class Stats {
  public:
    struct Operation {
        std::string name;
        Histogram latency;  // answered requests only
        int64_t requests = 0;
        int64_t errors = 0;
    };

    // Whether what happens now is inside the measurement window. Set by the runner before it
    // hands a response to a script; Count() and RecordInteraction() do nothing outside it.
    bool recording = true;

    // A response to `request` (status 0: no response). An error is status 0, or >= 400 unless
    // it equals request.accepted_status.
    void RecordResponse(const Request& request, const Response& response);

    // One completed interaction of kind `kind` ("read", "order", "checkout") that took
    // `latency_ns` from the intended start of its first request.
    void RecordInteraction(std::string_view kind, int64_t latency_ns);

    void Count(std::string_view counter, int64_t n = 1);

    void Merge(const Stats& other);

    const Histogram& requests() const { return requests_; }
    const Histogram& interactions() const { return interactions_; }
    const std::vector<Operation>& operations() const { return operations_; }
    // Responses by status code; 0 = no response (see transport_errors()).
    const std::map<int, int64_t>& statuses() const { return statuses_; }
    const std::map<std::string, int64_t>& transport_errors() const { return transport_errors_; }
    const std::map<std::string, int64_t>& counters() const { return counters_; }
    const std::map<std::string, int64_t>& interaction_kinds() const { return interaction_kinds_; }
    int64_t errors() const { return errors_; }
    int64_t Counter(std::string_view name) const;

  private:
    Operation& OperationNamed(std::string_view name);

    Histogram requests_;
    Histogram interactions_;
    std::vector<Operation> operations_;  // in order of first appearance
    std::map<int, int64_t> statuses_;
    std::map<std::string, int64_t> transport_errors_;
    std::map<std::string, int64_t> counters_;
    std::map<std::string, int64_t> interaction_kinds_;
    int64_t errors_ = 0;
};

}  // namespace emporium::loadgen
