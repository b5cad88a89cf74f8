#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace emporium::observability {

// Readiness checks, registered by the modules that own what they check (a database, the
// search index) and run by GET /health/ready. A check must be quick and thread-safe.
class HealthChecks {
  public:
    using Check = std::function<core::Result<void>()>;
    struct Outcome {
        std::string name;
        bool passed = false;
        bool required = true;  // a failure makes the process unready
    };

    void Add(std::string name, Check check);
    // A check reported beside the others that does not make the process unready, for what
    // it serves without: RabbitMQ (events wait in the outboxes), where taking every process
    // out of its load balancer would turn a delay into an outage.
    void AddAdvisory(std::string name, Check check);
    // Every check in the order added. A check that throws has failed.
    std::vector<Outcome> Run() const;

  private:
    struct Registered {
        std::string name;
        Check check;
        bool required = true;
    };
    mutable std::mutex mutex_;
    std::vector<Registered> checks_;
};

}  // namespace emporium::observability
