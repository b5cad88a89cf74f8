#include "observability/health.hpp"

namespace emporium::observability {

void HealthChecks::Add(std::string name, Check check) {
    std::lock_guard lock(mutex_);
    checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<std::pair<std::string, bool>> HealthChecks::Run() const {
    std::vector<std::pair<std::string, Check>> checks;
    {
        std::lock_guard lock(mutex_);
        checks = checks_;
    }
    std::vector<std::pair<std::string, bool>> results;
    results.reserve(checks.size());
    for (auto& [name, check] : checks) {
        bool passed = false;
        try {
            passed = check().ok();
        } catch (...) {  // a check that cannot even run has failed
        }
        results.emplace_back(std::move(name), passed);
    }
    return results;
}

}  // namespace emporium::observability
