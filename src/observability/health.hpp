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

    void Add(std::string name, Check check);
    // Every check in the order added: (name, passed). A check that throws has failed.
    std::vector<std::pair<std::string, bool>> Run() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, Check>> checks_;
};

}  // namespace emporium::observability
