#include "loadgen/stats.hpp"

namespace emporium::loadgen {

Stats::Operation& Stats::OperationNamed(std::string_view name) {
    for (auto& op : operations_) {
        if (op.name == name) return op;
    }
    operations_.push_back(Operation{std::string(name), Histogram(), 0, 0});
    return operations_.back();
}

void Stats::RecordResponse(const Request& request, const Response& response) {
    ++statuses_[response.status];
    bool error = response.status == 0 || (response.status >= 400 && response.status != request.accepted_status);
    Operation& op = OperationNamed(request.operation.empty() ? std::string_view("request") : request.operation);
    ++op.requests;
    if (response.status == 0) {
        ++transport_errors_[response.error.empty() ? "unknown" : response.error];
    } else {
        // Latency only of answered requests: a refused connection says nothing about the server's speed.
        requests_.Record(response.latency_ns());
        op.latency.Record(response.latency_ns());
    }
    if (error) {
        ++errors_;
        ++op.errors;
    }
}

void Stats::RecordInteraction(std::string_view kind, int64_t latency_ns) {
    if (!recording) return;
    interactions_.Record(latency_ns);
    ++interaction_kinds_[std::string(kind)];
}

void Stats::Count(std::string_view counter, int64_t n) {
    if (recording) counters_[std::string(counter)] += n;
}

int64_t Stats::Counter(std::string_view name) const {
    auto it = counters_.find(std::string(name));
    return it == counters_.end() ? 0 : it->second;
}

void Stats::Merge(const Stats& other) {
    requests_.Merge(other.requests_);
    interactions_.Merge(other.interactions_);
    for (const auto& op : other.operations_) {
        Operation& mine = OperationNamed(op.name);
        mine.latency.Merge(op.latency);
        mine.requests += op.requests;
        mine.errors += op.errors;
    }
    for (const auto& [k, v] : other.statuses_) statuses_[k] += v;
    for (const auto& [k, v] : other.transport_errors_) transport_errors_[k] += v;
    for (const auto& [k, v] : other.counters_) counters_[k] += v;
    for (const auto& [k, v] : other.interaction_kinds_) interaction_kinds_[k] += v;
    errors_ += other.errors_;
}

}  // namespace emporium::loadgen
